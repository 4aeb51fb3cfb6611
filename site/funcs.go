package site

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/Masterminds/sprig/v3"

	"github.com/lineup-dev/lineup/collector/catalog"
)

// funcMap is sprig's function map plus lineup's own formatting functions.
func funcMap() template.FuncMap {
	fm := sprig.FuncMap()
	for k, v := range ownFuncs() {
		fm[k] = v
	}
	return fm
}

// ownFuncs are lineup's template functions; each has a test.
func ownFuncs() template.FuncMap {
	return template.FuncMap{
		"tps":       formatInt,
		"hfURL":     hfURL,
		"archBadge": archBadge,
		"sizeBadge": sizeBadge,
	}
}

// missing is shown for a value that was not measured or not published.
const missing = "—"

// formatInt formats an optional number as the seed's table does: rounded
// to the nearest integer, no separators. nil, NaN and infinities show as
// "—".
func formatInt(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return missing
	}
	return strconv.FormatFloat(math.Round(*v), 'f', 0, 64)
}

// hfURL is the Hugging Face page of a model id. Each path segment is
// escaped, so an id can never leave huggingface.co.
func hfURL(id string) template.URL {
	parts := strings.Split(id, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return template.URL("https://huggingface.co/" + strings.Join(parts, "/"))
}

// archBadge renders the architecture badge of a model; a value read from
// the model's name rather than the catalog carries a '*'.
func archBadge(info catalog.Info) string {
	return badge(catalog.ArchBadge(info.Architecture), info.Architecture != "" && info.Origin == catalog.FromName)
}

// sizeBadge renders the size-class badge of a model, '*' as for archBadge.
func sizeBadge(info catalog.Info) string {
	return badge(catalog.SizeBadge(info.SizeClass), info.SizeClass != "" && info.Origin == catalog.FromName)
}

func badge(b catalog.Badge, fromName bool) string {
	s := b.String()
	if fromName {
		s += "*"
	}
	return s
}
