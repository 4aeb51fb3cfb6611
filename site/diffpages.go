package site

// The diff pages: one per pair of snapshots worth comparing, rendered from
// site/diff's Compare, the value `lineup diff` prints. See pairs for which
// pairs get a page; the compare page (compare.go) diffs any two in the
// browser.

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site/diff"
)

// diffPair is two snapshots with a diff page, the older first.
type diffPair struct {
	Old, New *snapshot.Snapshot
	// Dir is the page's folder relative to the site root, "diffs/<old>--<new>/".
	Dir string
	// Consecutive: no snapshot was created between the two. VLLMOnly: the
	// two differ in vLLM version and in nothing that makes the comparison
	// doubtful (vllmOnly).
	Consecutive, VLLMOnly bool
}

// diffLink is one entry of a snapshot's row on the snapshots page.
type diffLink struct {
	Href  string // relative to the site root
	Other string // the id of the other snapshot
	// Newer is true when Other is the newer snapshot of the pair.
	Newer    bool
	VLLMOnly bool
}

// sortedSnapshots returns the snapshots oldest first (snapshot.Sort's
// order) without reordering the content's slice.
func sortedSnapshots(ss []*snapshot.Snapshot) []*snapshot.Snapshot {
	out := slices.Clone(ss)
	snapshot.Sort(out)
	return out
}

// diffPairs lists the pairs with a diff page: every two snapshots
// consecutive by creation date, and every two that differ only in vLLM
// version. Consecutive pairs come first, in date order; then the others,
// by the older snapshot's date.
func diffPairs(ss []*snapshot.Snapshot) []diffPair {
	ss = sortedSnapshots(ss)
	loads := make(map[*snapshot.Snapshot]map[string][]string, len(ss))
	for _, s := range ss {
		loads[s] = workloadSettings(s)
	}
	only := func(a, b *snapshot.Snapshot) bool {
		return vllmOnly(a.Environment, b.Environment) && maps.EqualFunc(loads[a], loads[b], slices.Equal[[]string])
	}
	var out []diffPair
	seen := map[[2]string]int{}
	add := func(a, b *snapshot.Snapshot, consecutive bool) {
		k := [2]string{a.ID, b.ID}
		if i, ok := seen[k]; ok {
			out[i].Consecutive = out[i].Consecutive || consecutive
			return
		}
		seen[k] = len(out)
		out = append(out, diffPair{Old: a, New: b, Consecutive: consecutive, VLLMOnly: only(a, b)})
	}
	for i := 1; i < len(ss); i++ {
		add(ss[i-1], ss[i], true)
	}
	for i := range ss {
		for j := i + 1; j < len(ss); j++ {
			if only(ss[i], ss[j]) {
				add(ss[i], ss[j], false)
			}
		}
	}
	// Two pairs could spell the same folder ("a--b" + "c" and "a" +
	// "b--c"): the later one gets a number.
	dirs := map[string]bool{}
	for i := range out {
		base := "diffs/" + out[i].Old.ID + "--" + out[i].New.ID
		dir := base
		for n := 2; dirs[dir]; n++ {
			dir = base + "-" + strconv.Itoa(n)
		}
		dirs[dir] = true
		out[i].Dir = dir + "/"
	}
	return out
}

// vllmOnly reports whether two environments differ only in vLLM version:
// both state it and it differs, while the GPU model, the GPUs per node and
// the driver are the same. diffPairs also requires the same dataset/prompt
// settings of the runs (workloadSettings). A setting neither snapshot
// states counts as the same, since nothing says it differs.
func vllmOnly(a, b snapshot.Environment) bool {
	if a.VLLMVersion == "" || b.VLLMVersion == "" || a.VLLMVersion == b.VLLMVersion {
		return false
	}
	return a.GPU == b.GPU && a.GPUsPerNode == b.GPUsPerNode && a.DriverVersion == b.DriverVersion
}

// workloadSettings collects, per dataset/prompt argument
// (diff.IsWorkloadKey), the sorted values a snapshot's runs give it.
func workloadSettings(s *snapshot.Snapshot) map[string][]string {
	out := map[string][]string{}
	for _, r := range s.Runs {
		for k, v := range r.Config.Extra {
			if diff.IsWorkloadKey(k) && !slices.Contains(out[k], v) {
				out[k] = append(out[k], v)
			}
		}
	}
	for _, vs := range out {
		slices.Sort(vs)
	}
	return out
}

// diffPage is what templates/diff.html shows.
type diffPage struct {
	Pair diffPair
	D    *diff.Diff
	// Old and New are the two snapshots' lineups, relative to the root.
	OldHref, NewHref string
	Sides            []diffSideView
	Workload         string
	Criteria         string
	Legend           string
	Models, Configs  diffTable
}

// diffSideView is one row of the environments table.
type diffSideView struct {
	Name, Href string
	Ref        diff.SnapshotRef
}

// diffTable is one view of a diff as a table.
type diffTable struct {
	Rows    []diffRowView
	Summary diffSummaryView
}

// diffRowView is one row of a view, formatted.
type diffRowView struct {
	Model, ModelHref         string
	OldConfig, NewConfig     string
	Match                    string
	Ambiguous, Partial       bool
	OldOut, NewOut, OutDelta string
	OutKey                   string // the change in percent, for sorting
	Significance             string
	OldIn, NewIn, InDelta    string
	GPUs                     string
	Flag                     string // the flag's identifier: CSS class and data-flag
	FlagText, FlagMark       string
	Notes                    []string
}

// diffSummaryView is the geomean row of a view.
type diffSummaryView struct {
	N                        int
	OldOut, NewOut, OutDelta string
	OldIn, NewIn, InDelta    string
	Notes                    []string
}

// flagMarks are the symbols beside a flag's words: they repeat what the
// words and the colour say, for a quick scan.
var flagMarks = map[diff.Flag]string{
	diff.Faster: "▲", diff.Slower: "▼", diff.WithinNoise: "≈", diff.New: "+", diff.Gone: "−",
	diff.NowFailing: "✖", diff.NowFixed: "✔", diff.StillFailing: "✖",
}

// diffRate formats a throughput or GPU count as `lineup diff` does; "—"
// when missing.
func diffRate(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return missing
	}
	return diff.FormatRate(v)
}

func sideRate(s *diff.Side, get func(*diff.Side) *float64) *float64 {
	if s == nil {
		return nil
	}
	return get(s)
}

func sideOut(s *diff.Side) *float64  { return s.OutputTPSPerGPU }
func sideIn(s *diff.Side) *float64   { return s.InputTPSPerGPU }
func sideGPUs(s *diff.Side) *float64 { return s.GPUsFor1BPerHour }

// sideConfig is a side's config label: empty when the snapshot lacks the
// row, "(no OK run)" in the model view when none of the model's runs
// produced a throughput.
func sideConfig(s *diff.Side) string {
	switch {
	case s == nil:
		return ""
	case s.Config == nil:
		return "(no OK run)"
	}
	return s.ConfigLabel
}

// diffFlagText is the flag in words, with the failure reason.
func diffFlagText(r diff.Row) string {
	switch {
	case r.Flag == diff.NowFixed && r.Reason != "":
		return "now fixed (was " + r.Reason + ")"
	case r.Reason != "":
		return r.Flag.Text() + ": " + r.Reason
	}
	return r.Flag.Text()
}

// newDiffRow formats r; href gives a model's page.
func newDiffRow(r diff.Row, href func(string) string) diffRowView {
	v := diffRowView{
		Model: r.Model, ModelHref: href(r.Model),
		OldConfig: sideConfig(r.Old), NewConfig: sideConfig(r.New),
		Match: r.Match, Ambiguous: r.Ambiguous, Partial: r.Match == diff.MatchPartial || r.Match == diff.BestCompatible,
		OldOut: diffRate(sideRate(r.Old, sideOut)), NewOut: diffRate(sideRate(r.New, sideOut)), OutDelta: diff.FormatChange(r.OutputChange),
		Significance: r.Significance,
		OldIn:        diffRate(sideRate(r.Old, sideIn)), NewIn: diffRate(sideRate(r.New, sideIn)), InDelta: diff.FormatChange(r.InputChange),
		Flag: string(r.Flag), FlagText: diffFlagText(r), FlagMark: flagMarks[r.Flag],
		Notes: r.Notes,
	}
	if r.Old != nil && r.New != nil && (r.Match == diff.MatchExact || r.Match == diff.BestSame) {
		v.NewConfig = "same"
	}
	if r.Ambiguous {
		v.Match += ", ambiguous"
	}
	if r.OutputChange != nil {
		v.OutKey = strconv.FormatFloat(*r.OutputChange*100, 'g', -1, 64)
	}
	if o, n := sideRate(r.Old, sideGPUs), sideRate(r.New, sideGPUs); o != nil || n != nil {
		v.GPUs = diffRate(o) + " → " + diffRate(n)
	}
	return v
}

func newDiffSummary(s diff.Summary) diffSummaryView {
	v := diffSummaryView{
		N:      s.N,
		OldOut: diffRate(s.OldOutput), NewOut: diffRate(s.NewOutput), OutDelta: diff.FormatChange(s.OutputChange),
		OldIn: diffRate(s.OldInput), NewIn: diffRate(s.NewInput), InDelta: diff.FormatChange(s.InputChange),
	}
	if s.Excluded > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("leaves out %d ambiguous partial match(es)", s.Excluded))
	}
	switch {
	case s.N > 0 && s.InputN == 0:
		v.Notes = append(v.Notes, "no input TPS/GPU geomean: no row states input TPS/GPU on both sides")
	case s.InputN < s.N:
		v.Notes = append(v.Notes, fmt.Sprintf("input TPS/GPU geomean over the %d of %d rows where both sides state it", s.InputN, s.N))
	}
	return v
}

func newDiffTable(rows []diff.Row, s diff.Summary, href func(string) string) diffTable {
	t := diffTable{Summary: newDiffSummary(s)}
	for _, r := range rows {
		t.Rows = append(t.Rows, newDiffRow(r, href))
	}
	return t
}

// modelHrefs returns, for a page at root, the link to a model's page: in
// the new snapshot's edition when it has the model, else in the old one's.
func modelHrefs(root string, old, new *edition) func(string) string {
	href := map[string]string{}
	for _, ed := range []*edition{old, new} { // the new one's win
		if ed == nil {
			continue
		}
		for _, mv := range ed.Models {
			href[mv.Model] = root + ed.Prefix + "models/" + mv.Slug + "/index.html"
		}
	}
	return func(model string) string { return href[model] }
}

// workloadText lists workload arguments as "k=v k=v", by key.
func workloadText(m map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// newDiffPage builds the page of one pair, for a page at root.
func newDiffPage(pair diffPair, d *diff.Diff, root string, old, new *edition) *diffPage {
	href := modelHrefs(root, old, new)
	dp := &diffPage{
		Pair: pair, D: d,
		Workload: workloadText(d.CommonWorkload),
		Criteria: fmt.Sprintf("A change of output TPS/GPU under %s is within noise; where a configuration was run more than once, a Mann-Whitney U test over the runs must also give p < %g.",
			diff.FormatPercent(d.Threshold), d.Alpha),
		Legend:  diff.FieldLegend,
		Models:  newDiffTable(d.Models, d.ModelSummary, href),
		Configs: newDiffTable(d.Configs, d.ConfigSummary, href),
	}
	for _, s := range []struct {
		name string
		ed   *edition
		ref  diff.SnapshotRef
	}{{"old", old, d.Old}, {"new", new, d.New}} {
		v := diffSideView{Name: s.name, Ref: s.ref}
		if s.ed != nil {
			v.Href = root + s.ed.Prefix + "index.html"
		}
		dp.Sides = append(dp.Sides, v)
	}
	return dp
}

// Colours of the change chart's bars; the sign of the value and the axis
// say the same.
const (
	fasterColor = "#3a8f4f"
	slowerColor = "#c0392b"
	noiseColor  = "#8c8c8c"
)

// changeChart is the diff page's bar chart: each model's change of best
// output TPS/GPU in percent, bars diverging left (slower) and right
// (faster) from zero, with the noise band shaded. Models measured on one
// side only have no bar; the table says why.
func changeChart(d *diff.Diff, root string) []chartView {
	var names []string
	var data []opts.BarData
	for _, r := range d.Models {
		if r.OutputChange == nil {
			continue
		}
		pct := math.Round(*r.OutputChange*1000) / 10 // the table's precision
		color := noiseColor
		switch r.Flag {
		case diff.Faster:
			color = fasterColor
		case diff.Slower:
			color = slowerColor
		}
		names = append(names, shortName(r.Model))
		data = append(data, opts.BarData{Name: r.Model + " (" + r.Flag.Text() + ")", Value: pct, ItemStyle: &opts.ItemStyle{Color: color}})
	}
	if len(data) == 0 {
		return nil
	}
	// The axis is symmetric, so zero sits in the middle.
	span := d.Threshold * 100
	for _, b := range data {
		span = max(span, math.Abs(b.Value.(float64)))
	}
	span = math.Ceil(span/10) * 10
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-change", AssetsHost: root + "assets/", Width: "100%",
			Height: strconv.Itoa(120+28*len(data)) + "px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{b}: {c}%"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Bottom: "8", Top: "24", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "%", Min: -span, Max: span}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: &opts.AxisLabel{Interval: "0"}}),
	)
	bar.SetXAxis(names)
	bar.AddSeries("Change of best output TPS/GPU", data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c}%"}),
		charts.WithMarkAreaData([]opts.MarkAreaData{{Name: "within noise", XAxis: -d.Threshold * 100}, {XAxis: d.Threshold * 100}}),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{ItemStyle: &opts.ItemStyle{Color: "rgba(140,140,140,0.15)"},
			Label: &opts.Label{Show: opts.Bool(true), Position: "insideTop"}}),
	)
	bar.XYReversal()
	label := fmt.Sprintf("Change of each model's best output tokens/s per GPU, %s to %s, in percent: right of zero is faster, left is slower; the shaded band is within noise (±%s)",
		d.Old.ID, d.New.ID, diff.FormatPercent(d.Threshold))
	return []chartView{finishChart("chart-change", label, root, bar)}
}

// renderDiffs writes the diff page of every pair, with the diff as JSON
// and CSV beside it (`lineup diff -format json|csv`), and gives every
// edition its links for the snapshots page.
func (b *builder) renderDiffs(r *comparisonRenderer, editions []*edition) {
	byID := map[string]*edition{}
	for _, ed := range editions {
		byID[ed.Snap.ID] = ed
	}
	for _, pair := range diffPairs(b.content.Snapshots) {
		oldEd, newEd := byID[pair.Old.ID], byID[pair.New.ID]
		if oldEd != nil {
			oldEd.Diffs = append(oldEd.Diffs, diffLink{Href: pair.Dir + "index.html", Other: pair.New.ID, Newer: true, VLLMOnly: pair.VLLMOnly})
		}
		if newEd != nil {
			newEd.Diffs = append(newEd.Diffs, diffLink{Href: pair.Dir + "index.html", Other: pair.Old.ID, VLLMOnly: pair.VLLMOnly})
		}
		p := &comparisonPage{page: b.newPage(pair.Dir+"index.html", "snapshots/index.html")}
		b.g.Go(func() error {
			d := diff.Compare(pair.Old, pair.New, diff.DefaultOptions())
			p.Diff = newDiffPage(pair, d, p.Root, oldEd, newEd)
			b.withCharts(p.page, changeChart(d, p.Root))
			html, err := r.render("diff.html", p)
			if err != nil {
				return err
			}
			if err := b.write(p.Page, html); err != nil {
				return err
			}
			for _, f := range []string{diff.FormatJSON, diff.FormatCSV} {
				var buf bytes.Buffer
				if err := diff.Write(&buf, d, f); err != nil {
					return err
				}
				if err := b.write(pair.Dir+"diff."+f, buf.Bytes()); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
