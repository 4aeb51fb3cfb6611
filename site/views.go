package site

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
)

// edition is one snapshot as the site shows it: the front snapshot at the
// root, every other one under snapshots/<id>/. Paths in it are relative
// to the edition's root (Prefix).
type edition struct {
	Snap *snapshot.Snapshot
	// Prefix is "" for the front snapshot, else "snapshots/<id>/".
	Prefix string
	Front  bool
	Models []*modelView // catalog order, then by name
	Rows   []LineupRow
	// Runs counts the snapshot's configurations; OKRuns the measured ones.
	Runs, OKRuns int
	// Diffs links the diff pages of the pairs this snapshot is in (diffpages.go).
	Diffs []diffLink
}

// modelView is one model page.
type modelView struct {
	Model string
	Slug  string
	Info  catalog.Info
	Runs  []*runView // sorted by the varying configuration values
	Best  *runView   // nil when no run is OK
	// Fixed are the configuration values every run shares ("tp=1"), Cols
	// the ones that vary: the seed's terminal tables fold them the same way.
	Fixed []string
	Cols  []configColumn
	Notes []string // catalog note, pinned class
	// Problems lists failed runs with their reasons and every warning.
	Problems []problem
	// History is the model's best run in every snapshot (history.go).
	History []historyPoint
}

// problem is one line of a model page's "Failures and warnings".
type problem struct{ ID, Label, Text string }

// runView is one configuration of a model.
type runView struct {
	Run   *snapshot.Run
	index int // position in the snapshot
	// ID is unique within the model and readable ("tp2-pp1-dp1-ngram-6"):
	// the anchor on the model page and the stem of its CSV files.
	ID    string
	Cells []string // values of the model's varying columns
	label string
	Env   snapshot.Environment
	// Warn holds the run's warnings by the column they concern: "input",
	// "output", "gpus" (metric cells) or "status" (everything else).
	Warn        map[string][]snapshot.Warning
	HasTimeline bool
	// Metric cells, formatted once here: a model page of many
	// configurations renders fastest from plain fields.
	In, Out, GPUs, Days metricCell
	Status              string
	StatusWarn          string
}

// metricCell is one number of a table: its text, its sort key and the
// warnings that concern it.
type metricCell struct{ Text, Key, Warn string }

func newMetricCell(v *float64, text string, ws []snapshot.Warning) metricCell {
	return metricCell{Text: text, Key: sortKey(v), Warn: warnText(ws)}
}

// Label names the configuration in charts: its varying values.
func (r *runView) Label() string { return r.label }

// Command is the `vllm serve` command line of the run's configuration.
// It and ConfigJSON are made when the model page is written, on the
// worker pool, not while the views are derived one model after another.
func (r *runView) Command() string { return serveCommand(r.Run.Model, r.Run.Config) }

// ConfigJSON is the run's normalised configuration as indented JSON.
func (r *runView) ConfigJSON() string { return configJSON(r.Run.Config) }

// configColumn is one configuration field a table may show.
type configColumn struct {
	Key, Label string
	Num        bool
	get        func(*snapshot.Run) string
}

var configColumns = []configColumn{
	{"tp", "TP", true, func(r *snapshot.Run) string { return strconv.Itoa(r.Config.TP) }},
	{"pp", "PP", true, func(r *snapshot.Run) string { return strconv.Itoa(r.Config.PP) }},
	{"dp", "DP", true, func(r *snapshot.Run) string { return intText(r.Config.DP) }},
	{"nodes", "Nodes", true, func(r *snapshot.Run) string { return intText(r.Config.Nodes) }},
	{"spec", "Speculative", false, func(r *snapshot.Run) string { return strText(r.Config.Spec) }},
	{"mns", "Max seqs", true, func(r *snapshot.Run) string { return intText(r.Config.MaxNumSeqs) }},
	{"mnbt", "Max batched tokens", true, func(r *snapshot.Run) string { return intText(r.Config.MaxNumBatchedTokens) }},
	{"gmu", "GPU mem util", true, func(r *snapshot.Run) string { return floatText(r.Config.GPUMemoryUtilization) }},
	{"bs", "Block size", true, func(r *snapshot.Run) string { return intText(r.Config.BlockSize) }},
	{"kvc", "KV cache dtype", false, func(r *snapshot.Run) string { return strText(r.Config.KVCacheDtype) }},
	{"quant", "Quantization", false, func(r *snapshot.Run) string { return strText(r.Config.Quantization) }},
	{"mml", "Max model len", true, func(r *snapshot.Run) string { return intText(r.Config.MaxModelLen) }},
	{"extra", "Other args", false, func(r *snapshot.Run) string { return extraText(r.Config.Extra) }},
	{"label", "Label", false, func(r *snapshot.Run) string { return r.Label }},
}

// warnColumn maps a warning's field to the table cell it concerns.
func warnColumn(field string) string {
	switch field {
	case "metrics.input_tps_per_gpu", "metrics.tokens_input_per_sec":
		return "input"
	case "metrics.output_tps_per_gpu", "metrics.tokens_output_per_sec", "timeline":
		return "output"
	case "metrics.gpus_for_1b_tokens_per_hour", "metrics.gpu_days_to_process_1b_tokens", "metrics.node_days_to_process_1b_tokens":
		return "gpus"
	}
	return "status"
}

// newEdition derives the views of one snapshot. slugs gives each model its
// page slug.
func newEdition(s *snapshot.Snapshot, cat *catalog.Catalog, prefix string, slugs map[string]string) *edition {
	ed := &edition{Snap: s, Prefix: prefix, Front: prefix == "", Runs: len(s.Runs)}
	byModel := map[string]*modelView{}
	for i := range s.Runs {
		r := &s.Runs[i]
		mv, ok := byModel[r.Model]
		if !ok {
			mv = &modelView{Model: r.Model, Slug: slugs[r.Model], Info: cat.Describe(r.Model)}
			byModel[r.Model] = mv
			ed.Models = append(ed.Models, mv)
		}
		mv.Runs = append(mv.Runs, &runView{Run: r, index: i})
		if r.OK() {
			ed.OKRuns++
		}
	}
	slices.SortStableFunc(ed.Models, func(a, b *modelView) int { return compareModels(cat, a.Model, b.Model) })
	for _, mv := range ed.Models {
		mv.finish(s)
	}
	for _, mv := range ed.Models {
		if mv.Best != nil {
			ed.Rows = append(ed.Rows, LineupRow{Model: mv.Model, Info: mv.Info, Run: *mv.Best.Run, Slug: mv.Slug,
				RunID: mv.Best.ID, Warn: mv.Best.Warn})
		}
	}
	return ed
}

// compareModels orders models as the lineup table does: catalog order,
// then models missing from the catalog by name.
func compareModels(cat *catalog.Catalog, a, b string) int {
	i, j := cat.Index(a), cat.Index(b)
	switch {
	case i >= 0 && j >= 0:
		return cmp.Compare(i, j)
	case i >= 0:
		return -1
	case j >= 0:
		return 1
	}
	return strings.Compare(a, b)
}

// finish folds the constant configuration values, sorts the runs, names
// them and finds the best one.
func (mv *modelView) finish(s *snapshot.Snapshot) {
	for _, c := range configColumns {
		vals := map[string]bool{}
		for _, rv := range mv.Runs {
			vals[c.get(rv.Run)] = true
		}
		if len(vals) == 1 {
			if v := c.get(mv.Runs[0].Run); v != "" {
				mv.Fixed = append(mv.Fixed, c.Key+"="+v)
			}
			continue
		}
		mv.Cols = append(mv.Cols, c)
	}
	slices.SortStableFunc(mv.Runs, func(a, b *runView) int {
		for _, c := range mv.Cols {
			x, y := c.get(a.Run), c.get(b.Run)
			if x == y {
				continue
			}
			if c.Num {
				fx, errx := strconv.ParseFloat(x, 64)
				fy, erry := strconv.ParseFloat(y, 64)
				if errx == nil && erry == nil {
					return cmp.Compare(fx, fy)
				}
			}
			return strings.Compare(x, y)
		}
		return 0
	})
	ids := newSlugger()
	for _, rv := range mv.Runs {
		r := rv.Run
		rv.ID = ids.slug(runKey(r), "run")
		var parts []string
		for _, c := range mv.Cols {
			v := c.get(r)
			if v == "" {
				v = missing
			}
			rv.Cells = append(rv.Cells, v)
			parts = append(parts, c.Key+"="+v)
		}
		rv.label = strings.Join(parts, " · ")
		if rv.label == "" {
			rv.label = rv.ID
		}
		rv.Env = runEnvironment(s, r)
		rv.HasTimeline = r.Timeline.Len() > 0
		m := &r.Metrics
		for _, w := range r.Warnings {
			if rv.Warn == nil {
				rv.Warn = map[string][]snapshot.Warning{}
			}
			col := warnColumn(w.Field)
			rv.Warn[col] = append(rv.Warn[col], w)
		}
		rv.In = newMetricCell(m.InputTPSPerGPU, formatInt(m.InputTPSPerGPU), rv.Warn["input"])
		rv.Out = newMetricCell(m.OutputTPSPerGPU, formatInt(m.OutputTPSPerGPU), rv.Warn["output"])
		rv.GPUs = newMetricCell(m.GPUsFor1BTokensPerHour, formatInt(m.GPUsFor1BTokensPerHour), rv.Warn["gpus"])
		rv.Days = newMetricCell(m.GPUDaysToProcess1BTokens, formatDec(3, m.GPUDaysToProcess1BTokens), nil)
		rv.Status, rv.StatusWarn = statusText(r), warnText(rv.Warn["status"])
		// snapshot.Best's criterion: the highest output TPS/GPU, the
		// earlier run in the snapshot on ties.
		if r.OK() && (mv.Best == nil || *r.Metrics.OutputTPSPerGPU > *mv.Best.Run.Metrics.OutputTPSPerGPU ||
			*r.Metrics.OutputTPSPerGPU == *mv.Best.Run.Metrics.OutputTPSPerGPU && rv.index < mv.Best.index) {
			mv.Best = rv
		}
	}
	for _, rv := range mv.Runs {
		r := rv.Run
		if r.Status.State != snapshot.StateOK {
			text := r.Status.State
			if r.Status.Reason != "" {
				text += " (" + r.Status.Reason + ")"
			}
			if r.Status.Detail != "" {
				text += ": " + r.Status.Detail
			}
			mv.Problems = append(mv.Problems, problem{rv.ID, rv.label, text})
		}
		for _, w := range r.Warnings {
			text := "warning " + w.Code + ": " + w.Message
			if w.Field != "" {
				text += " (" + w.Field + ")"
			}
			mv.Problems = append(mv.Problems, problem{rv.ID, rv.label, text})
		}
	}
	if mv.Info.Note != "" {
		mv.Notes = append(mv.Notes, mv.Info.Note)
	}
}

// runKey is the readable name of a configuration.
func runKey(r *snapshot.Run) string {
	c := r.Config
	parts := []string{"tp" + strconv.Itoa(c.TP), "pp" + strconv.Itoa(c.PP)}
	if c.DP != nil {
		parts = append(parts, "dp"+strconv.Itoa(*c.DP))
	}
	if c.Spec != nil && *c.Spec != "none" {
		parts = append(parts, *c.Spec)
	}
	if c.MaxNumSeqs != nil {
		parts = append(parts, "mns"+strconv.Itoa(*c.MaxNumSeqs))
	}
	if c.MaxNumBatchedTokens != nil {
		parts = append(parts, "mnbt"+strconv.Itoa(*c.MaxNumBatchedTokens))
	}
	if c.GPUMemoryUtilization != nil {
		parts = append(parts, "gmu"+strconv.FormatFloat(*c.GPUMemoryUtilization*100, 'f', -1, 64))
	}
	if c.BlockSize != nil {
		parts = append(parts, "bs"+strconv.Itoa(*c.BlockSize))
	}
	if c.KVCacheDtype != nil && *c.KVCacheDtype != "auto" {
		parts = append(parts, "kvc-"+*c.KVCacheDtype)
	}
	if c.Quantization != nil && *c.Quantization != "none" {
		parts = append(parts, "quant-"+*c.Quantization)
	}
	if c.MaxModelLen != nil {
		parts = append(parts, "mml"+strconv.Itoa(*c.MaxModelLen))
	}
	if r.Label != "" {
		parts = append(parts, r.Label)
	}
	return strings.Join(parts, "-")
}
