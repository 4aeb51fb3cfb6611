package site

// The history of each model: its best output TPS/GPU in every snapshot,
// over time, each point labelled with the vLLM version it was measured
// with. The history page shows every model in one table and one chart;
// each model page gets its own chart (modelView.History).

import (
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// historyPoint is one snapshot's entry in a model's history.
type historyPoint struct {
	Snap *snapshot.Snapshot
	// Best is the model's best run in the snapshot; nil when the snapshot
	// has the model but none of its runs produced a throughput.
	Best *runView
	// VLLM names the vLLM version of the best run (its own environment,
	// else the snapshot's): "vLLM 0.15.0" or "vLLM not stated".
	VLLM string
	// Href is the model's page in that snapshot, relative to the root.
	Href string
}

// Value is the best output TPS/GPU, nil when nothing was measured.
func (h historyPoint) Value() *float64 {
	if h.Best == nil {
		return nil
	}
	return h.Best.Run.Metrics.OutputTPSPerGPU
}

// vllmLabel says which vLLM a run of s was measured with.
func vllmLabel(s *snapshot.Snapshot, r *snapshot.Run) string {
	v := s.Environment.VLLMVersion
	if r != nil && r.Environment != nil && r.Environment.VLLMVersion != "" {
		v = r.Environment.VLLMVersion
	}
	if v == "" {
		return "vLLM not stated"
	}
	return "vLLM " + v
}

// historyColumn is one snapshot of the history table.
type historyColumn struct {
	Snap *snapshot.Snapshot
	VLLM string
	Href string // its lineup, relative to the root
}

// historyRow is one model of the history table: a cell per column.
type historyRow struct {
	Model string
	Href  string // the model's page in the newest snapshot that has it
	Cells []historyCell
}

// historyCell is one model in one snapshot.
type historyCell struct {
	Text, Key, Href, VLLM string
	// State is "ok", "failed" (runs but no throughput) or "absent".
	State string
}

// historyPage is what templates/history.html shows.
type historyPage struct {
	Columns []historyColumn
	Rows    []historyRow
}

// modelHistories gives every model view of every edition its history,
// oldest snapshot first, and returns the histories by model in the
// catalog's order.
func modelHistories(editions []*edition) (models []string, hist map[string][]historyPoint) {
	eds := slices.Clone(editions)
	order := sortedSnapshots(snapshotsOf(eds))
	rank := map[*snapshot.Snapshot]int{}
	for i, s := range order {
		rank[s] = i
	}
	slices.SortFunc(eds, func(a, b *edition) int { return rank[a.Snap] - rank[b.Snap] })
	hist = map[string][]historyPoint{}
	for _, ed := range eds {
		for _, mv := range ed.Models {
			pt := historyPoint{Snap: ed.Snap, Best: mv.Best, Href: ed.Prefix + "models/" + mv.Slug + "/index.html"}
			var best *snapshot.Run
			if mv.Best != nil {
				best = mv.Best.Run
			}
			pt.VLLM = vllmLabel(ed.Snap, best)
			hist[mv.Model] = append(hist[mv.Model], pt)
		}
	}
	// The newest edition's order (catalog order) first, then models only
	// older snapshots have, from the newest.
	seen := map[string]bool{}
	for i := len(eds) - 1; i >= 0; i-- {
		for _, mv := range eds[i].Models {
			if !seen[mv.Model] {
				seen[mv.Model] = true
				models = append(models, mv.Model)
			}
			mv.History = hist[mv.Model]
		}
	}
	return models, hist
}

func snapshotsOf(eds []*edition) []*snapshot.Snapshot {
	out := make([]*snapshot.Snapshot, len(eds))
	for i, ed := range eds {
		out[i] = ed.Snap
	}
	return out
}

// newHistoryPage builds the history table; links are relative to root.
func newHistoryPage(editions []*edition, models []string, hist map[string][]historyPoint, root string) *historyPage {
	hp := &historyPage{}
	order := sortedSnapshots(snapshotsOf(editions))
	col := map[*snapshot.Snapshot]int{}
	for i, s := range order {
		col[s] = i
		c := historyColumn{Snap: s, VLLM: vllmLabel(s, nil)}
		for _, ed := range editions {
			if ed.Snap == s {
				c.Href = root + ed.Prefix + "index.html"
			}
		}
		hp.Columns = append(hp.Columns, c)
	}
	for _, m := range models {
		row := historyRow{Model: m, Cells: make([]historyCell, len(order))}
		for i := range row.Cells {
			row.Cells[i] = historyCell{Text: missing, State: "absent"}
		}
		for _, pt := range hist[m] {
			c := historyCell{Href: root + pt.Href, VLLM: pt.VLLM, State: "failed", Text: "no throughput"}
			if v := pt.Value(); v != nil {
				c.State, c.Text, c.Key = "ok", formatInt(v), sortKey(v)
				c.Href += "#run-" + pt.Best.ID
			}
			row.Cells[col[pt.Snap]] = c
			row.Href = root + pt.Href // the newest last
		}
		hp.Rows = append(hp.Rows, row)
	}
	return hp
}

// historyDate is a snapshot's point on a time axis: ECharts reads ISO 8601.
func historyDate(s *snapshot.Snapshot) string { return s.Created.UTC().Format("2006-01-02T15:04:05Z") }

// historyLabelled are the options of a point labelled with its vLLM
// version.
func historyData(pts []historyPoint) []opts.LineData {
	var data []opts.LineData
	for _, pt := range pts {
		if v := pt.Value(); v != nil {
			data = append(data, opts.LineData{Name: pt.VLLM, Value: []any{historyDate(pt.Snap), round2(*v)}})
		}
	}
	return data
}

// historyChart is a model page's chart: the model's best output TPS/GPU
// in each snapshot over time, each point labelled with its vLLM version.
// Empty when no snapshot measured the model.
func historyChart(mv *modelView, root string) []chartView {
	data := historyData(mv.History)
	if len(data) == 0 {
		return nil
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		initOpts("chart-history", root),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{b}: {c}"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}), // one series: the caption names it
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Bottom: "8", Top: "48", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "time"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "tokens/s/GPU", Min: 0}),
	)
	line.AddSeries("Best output TPS/GPU", data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{b}"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#5470c6"}),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 10}),
	)
	n := 0
	for _, pt := range mv.History {
		if pt.Value() != nil {
			n++
		}
	}
	label := "Best output tokens/s per GPU of " + mv.Model + " in each snapshot over time, each point labelled with its vLLM version"
	if n < len(mv.History) {
		label += "; snapshots where no configuration produced a throughput have no point"
	}
	return []chartView{finishChart("chart-history", label, root, line)}
}

// historyPageChart is the history page's chart: one line per model (log
// axis: the models span three orders of magnitude), with a vertical line
// at each snapshot labelled with its vLLM version.
func historyPageChart(hp *historyPage, models []string, hist map[string][]historyPoint, root string) []chartView {
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: "chart-history", AssetsHost: root + "assets/", Width: "100%", Height: "480px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{a}<br>{b}: {c}"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Bottom: "8", Top: "64", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "time"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log"}), // the unit is in the caption: a name would sit on the first vLLM label
	)
	any := false
	for _, m := range models {
		data := historyData(hist[m])
		if len(data) == 0 {
			continue
		}
		var extra []charts.SeriesOpts
		if !any {
			// The snapshots' dates and vLLM versions, once.
			var marks []opts.MarkLineNameXAxisItem
			for _, c := range hp.Columns {
				marks = append(marks, opts.MarkLineNameXAxisItem{Name: c.VLLM, XAxis: historyDate(c.Snap)})
			}
			extra = append(extra, charts.WithMarkLineNameXAxisItemOpts(marks...),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
					Label:     &opts.Label{Show: opts.Bool(true), Formatter: "{b}"},
					LineStyle: &opts.LineStyle{Color: "#8c8c8c", Type: "dashed"}}))
		}
		any = true
		line.AddSeries(m, data, append(extra, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true)}))...)
	}
	if !any {
		return nil
	}
	return []chartView{finishChart("chart-history", "Best output tokens/s per GPU of each model in each snapshot over time (log scale); the dashed lines mark the snapshots, labelled with their vLLM version", root, line)}
}

// renderHistory writes history/index.html and gives the model views their
// histories.
func (b *builder) renderHistory(r *comparisonRenderer, editions []*edition) {
	models, hist := modelHistories(editions)
	p := &comparisonPage{page: b.newPage("history/index.html", "history/index.html")}
	p.History = newHistoryPage(editions, models, hist, p.Root)
	b.withCharts(p.page, historyPageChart(p.History, models, hist, p.Root))
	b.goWrite(p.Page, func() ([]byte, error) { return r.render("history.html", p) })
}
