package site

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/Masterminds/sprig/v3"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
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
		"tps":         formatInt,
		"dec":         formatDec,
		"sortKey":     sortKey,
		"hfURL":       hfURL,
		"archBadge":   archBadge,
		"sizeBadge":   sizeBadge,
		"archBadgeOf": func(arch string) string { return catalog.ArchBadge(arch).String() },
		"sizeBadgeOf": func(class string) string { return catalog.SizeBadge(class).String() },
		"sizeRank":    sizeRank,
		"params":      formatParams,
		"warnText":    warnText,
		"statusText":  statusText,
		"methodText":  methodText,
		"okCount":     okCount,
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

// formatDec formats an optional number with places decimals; "—" as
// formatInt.
func formatDec(places int, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return missing
	}
	return strconv.FormatFloat(*v, 'f', places, 64)
}

// sortKey is the full-precision value a table cell sorts by (its data-v
// attribute); "" for a missing value, which sorts last.
func sortKey(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
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

// sizeClasses are the size classes from the smallest.
var sizeClasses = []string{catalog.Compact, catalog.Small, catalog.Medium, catalog.Large, catalog.Enormous}

// sizeRank orders size classes from the smallest (1); unknown is "".
func sizeRank(class string) string {
	for i, c := range sizeClasses {
		if c == class {
			return strconv.Itoa(i + 1)
		}
	}
	return ""
}

// formatParams writes a parameter count given in billions: "4.3B",
// "135M", "1T".
func formatParams(b float64) string {
	switch {
	case b >= 1000:
		return strconv.FormatFloat(b/1000, 'f', -1, 64) + "T"
	case b >= 1:
		return strconv.FormatFloat(b, 'f', -1, 64) + "B"
	}
	return strconv.FormatFloat(math.Round(b*1000), 'f', -1, 64) + "M"
}

// warnText joins warnings for a tooltip: "code: message; ...".
func warnText(ws []snapshot.Warning) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Code + ": " + w.Message
	}
	return strings.Join(parts, "; ")
}

// statusText is a run's status as a table shows it: "ok", "failed (OOM)".
func statusText(r *snapshot.Run) string {
	s := r.Status.State
	if r.Status.Reason != "" {
		s += " (" + r.Status.Reason + ")"
	}
	return s
}

// methodText says in words how a run's headline throughput was measured.
func methodText(m string) string {
	switch m {
	case "stats_lines":
		return "vLLM's periodic stats lines (the seed's method)"
	case "token_counts":
		return "token counts over the inference time (no usable stats lines)"
	case "bench_json":
		return "the vllm bench result file"
	case "published":
		return "a published table (not measured by lineup)"
	}
	return m
}

// okCount counts the runs that produced a throughput.
func okCount(runs []*runView) int {
	n := 0
	for _, r := range runs {
		if r.Run.OK() {
			n++
		}
	}
	return n
}
