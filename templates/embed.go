// Package templates holds the site's html/template files. They are embedded
// into the lineup binary; `lineup site -templates DIR` reads them from disk
// instead, so a team can restyle its site without rebuilding lineup.
//
// layout.html defines the page frame; every page template defines the
// blocks "title" and "content".
package templates

import "embed"

// FS holds the embedded templates.
//
//go:embed *.html
var FS embed.FS
