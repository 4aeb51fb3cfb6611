package site

import (
	"html/template"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/lineup-dev/lineup/collector/catalog"
)

// chartView is one chart of a page: a container, its ECharts option as
// JSON (built with go-echarts) and the scripts it needs. static/site.js
// draws every chart of a page from its option; the page stays readable
// without it, since every number is also in a table.
type chartView struct {
	ID    string
	Label string // accessible description of the container
	// Option is json.Marshal output: '<', '>' and '&' are escaped as
	// \u003c and so on, so no value can close the <script> it sits in.
	Option template.JS
	// Assets are the scripts go-echarts says the chart needs, on the
	// site's own host: AssetsHost is the page's relative assets/ folder.
	Assets []string
}

// archColors are the bar colours of the architectures.
var archColors = map[string]string{catalog.Dense: "#5470c6", catalog.MoE: "#ee6666", "": "#8c8c8c"}

// archOrder is the order of the architecture series.
var archOrder = []string{catalog.Dense, catalog.MoE, ""}

// finishChart validates c for a page whose root is root and returns its
// view.
func finishChart(id, label, root string, c interface {
	Validate()
	JSON() map[string]any
	GetAssets() opts.Assets
}) chartView {
	c.Validate()
	opt, err := jsonForScript(c.JSON())
	if err != nil {
		// The options are plain data built here; a failure is a bug.
		panic("site: chart " + id + ": " + err.Error())
	}
	return chartView{ID: id, Label: label, Option: opt, Assets: c.GetAssets().JSAssets.Values}
}

func initOpts(id, root string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: root + "assets/", Width: "100%", Height: "360px"})
}

// round2 keeps chart data short: two decimals are more than a chart shows.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// shortName drops the organisation of a model id for an axis label.
func shortName(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// lineupCharts are the front page's two charts: output TPS/GPU per model,
// coloured by architecture, and GPUs for 1B tokens/hour on a log axis.
func lineupCharts(rows []LineupRow, root string) []chartView {
	if len(rows) == 0 {
		return nil
	}
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = shortName(r.Model)
	}
	build := func(id, title, yName, yType string, value func(LineupRow) *float64) chartView {
		bar := charts.NewBar()
		bar.SetGlobalOptions(
			initOpts(id, root),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
			charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Bottom: "8", Top: "48", ContainLabel: opts.Bool(true)}),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Rotate: 40, Interval: "0", HideOverlap: opts.Bool(true)}}),
			charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: yName}),
		)
		bar.SetXAxis(names)
		for _, arch := range archOrder {
			data := make([]opts.BarData, len(rows))
			any := false
			for i, r := range rows {
				v := value(r)
				if r.Info.Architecture != arch || v == nil || !(*v > 0) || math.IsInf(*v, 0) {
					data[i] = opts.BarData{Value: "-"} // ECharts' empty value
					continue
				}
				any = true
				data[i] = opts.BarData{Name: r.Model, Value: round2(*v)}
			}
			if any {
				// One bar per model: the architecture series overlap in
				// each slot (a stack would break the log axis).
				bar.AddSeries(catalog.ArchBadge(arch).Label, data,
					charts.WithBarChartOpts(opts.BarChart{BarGap: "-100%"}),
					charts.WithItemStyleOpts(opts.ItemStyle{Color: archColors[arch]}))
			}
		}
		return finishChart(id, title, root, bar)
	}
	return []chartView{
		build("chart-output", "Output tokens/s per GPU, best configuration of each model", "tokens/s/GPU", "value",
			func(r LineupRow) *float64 { return r.Run.Metrics.OutputTPSPerGPU }),
		build("chart-gpus", "GPUs for 1B output tokens per hour (log scale)", "GPUs", "log",
			func(r LineupRow) *float64 { return r.Run.Metrics.GPUsFor1BTokensPerHour }),
	}
}

// modelCharts are a model page's charts: output and input TPS/GPU of every
// measured configuration (in the table's order: by tp, then speculative
// config, ...) and the stats-line timeline of the best run.
func modelCharts(mv *modelView, root string) []chartView {
	var ok []*runView
	hasIn := false
	for _, rv := range mv.Runs {
		if rv.Run.OK() {
			ok = append(ok, rv)
			hasIn = hasIn || rv.Run.Metrics.InputTPSPerGPU != nil
		}
	}
	var out []chartView
	if len(ok) > 0 {
		labels := make([]string, len(ok))
		outData := make([]opts.BarData, len(ok))
		inData := make([]opts.BarData, len(ok))
		for i, rv := range ok {
			labels[i] = rv.Label()
			outData[i] = opts.BarData{Value: round2(*rv.Run.Metrics.OutputTPSPerGPU)}
			inData[i] = opts.BarData{Value: "-"}
			if v := rv.Run.Metrics.InputTPSPerGPU; v != nil {
				inData[i] = opts.BarData{Value: round2(*v)}
			}
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(
			initOpts("chart-configs", root),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
			charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Bottom: "8", Top: "48", ContainLabel: opts.Bool(true)}),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0", HideOverlap: opts.Bool(true)}}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "tokens/s/GPU"}),
		)
		bar.SetXAxis(labels)
		bar.AddSeries("Output TPS/GPU", outData, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#5470c6"}))
		if hasIn {
			bar.AddSeries("Input TPS/GPU", inData, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#91cc75"}))
		}
		label := "Output and input tokens/s per GPU of each configuration"
		if !hasIn {
			label = "Output tokens/s per GPU of each configuration (input throughput not stated)"
		}
		out = append(out, finishChart("chart-configs", label, root, bar))
	}
	if mv.Best != nil && mv.Best.Run.Timeline.Len() > 0 {
		tl := mv.Best.Run.Timeline
		gen := make([]opts.LineData, tl.Len())
		prompt := make([]opts.LineData, tl.Len())
		for i, t := range tl.T {
			gen[i] = opts.LineData{Value: []float64{round2(t), round2(tl.GenerationTPS[i])}}
			prompt[i] = opts.LineData{Value: []float64{round2(t), round2(tl.PromptTPS[i])}}
		}
		line := charts.NewLine()
		line.SetGlobalOptions(
			initOpts("chart-timeline", root),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
			charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Bottom: "8", Top: "48", ContainLabel: opts.Bool(true)}),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s"}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "tokens/s"}),
		)
		line.AddSeries("Generation tokens/s", gen, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#5470c6"}))
		line.AddSeries("Prompt tokens/s", prompt, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#91cc75"}))
		out = append(out, finishChart("chart-timeline", "Prompt and generation tokens/s of the best configuration over time (whole engine, one point per stats line)", root, line))
	}
	out = append(out, historyChart(mv, root)...)
	return out
}
