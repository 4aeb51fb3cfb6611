// Package static holds the site's own assets (stylesheet, scripts, favicon),
// embedded into the lineup binary and copied to public/assets/. `lineup site
// -static DIR` reads them from disk instead. Third-party JavaScript is not
// kept here: it comes from npm at build time.
package static

import "embed"

// FS holds the embedded assets.
//
//go:embed *.css *.js *.svg
var FS embed.FS
