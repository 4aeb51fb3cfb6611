package budget

import _ "embed"

// JS is budget.js: the budget page's copy of Compute's arithmetic. The site
// writes it beside the page; js_test.go holds it to Compute.
//
//go:embed budget.js
var JS []byte
