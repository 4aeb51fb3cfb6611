package diff

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Schema identifies the JSON form of a Diff.
const Schema = "lineup.diff/v1"

// Options tune the comparison.
type Options struct {
	// Threshold is the smallest relative change of output TPS/GPU that is
	// not noise, as a fraction (0.05 = 5%).
	Threshold float64
	// Alpha is the significance level of the U test (benchstat's default
	// is 0.05).
	Alpha float64
}

// DefaultOptions are the defaults of `lineup diff`: 5% and α = 0.05.
func DefaultOptions() Options { return Options{Threshold: 0.05, Alpha: 0.05} }

// Flag is the verdict on one row. Its values are stable identifiers (JSON,
// CSS classes); Text gives the words shown to readers.
type Flag string

// Flags.
const (
	Faster       Flag = "faster"
	Slower       Flag = "slower"
	WithinNoise  Flag = "within-noise"
	New          Flag = "new"
	Gone         Flag = "gone"
	NowFailing   Flag = "now-failing"
	NowFixed     Flag = "now-fixed"
	StillFailing Flag = "still-failing"
)

// Text is the flag as words: "within noise", "now failing".
func (f Flag) Text() string { return strings.ReplaceAll(string(f), "-", " ") }

// Match kinds of a row.
const (
	MatchExact   = "exact"   // config view: the same full config
	MatchPartial = "partial" // config view: joined on the settings both state
	// Model view: how the best config of the new snapshot relates to the
	// old one.
	BestSame       = "same"       // the same full config
	BestCompatible = "compatible" // no stated setting differs, but one side states more
	BestChanged    = "changed"    // a setting stated by both differs
)

// NoTest is what a row says when neither side has repeated runs.
const NoTest = "1 run, no significance test"

// Diff is the comparison of two snapshots.
type Diff struct {
	Schema    string      `json:"schema"`
	Old       SnapshotRef `json:"old"`
	New       SnapshotRef `json:"new"`
	Threshold float64     `json:"threshold"`
	Alpha     float64     `json:"alpha"`
	// CommonWorkload holds the workload arguments (Config.Extra) that
	// every run of both snapshots gives with the same value; config labels
	// leave them out.
	CommonWorkload map[string]string `json:"common_workload,omitempty"`
	// Warnings say why the two snapshots may not be comparable.
	Warnings []Warning `json:"warnings"`
	// Configs is the config view: runs joined on model and config.
	Configs       []Row   `json:"configs"`
	ConfigSummary Summary `json:"config_summary"`
	// Models is the model view: each model's best config in each snapshot.
	Models       []Row   `json:"models"`
	ModelSummary Summary `json:"model_summary"`
}

// SnapshotRef identifies one side of a diff.
type SnapshotRef struct {
	ID          string               `json:"id"`
	Title       string               `json:"title"`
	Created     time.Time            `json:"created"`
	Source      snapshot.Source      `json:"source"`
	Environment snapshot.Environment `json:"environment"`
	Runs        int                  `json:"runs"`
	Models      int                  `json:"models"`
}

// Warning is a comparability remark on the two environments.
type Warning struct {
	// Kind is "differs" (both sides state different values) or "unknown"
	// (a side does not state it, so it cannot be checked).
	Kind  string `json:"kind"`
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
	// Message is the whole remark as a sentence.
	Message string `json:"message"`
}

// Warning kinds.
const (
	WarnDiffers = "differs"
	WarnUnknown = "unknown"
)

// Side is one snapshot's measurement of a row: the runs of one config (or,
// in the model view, of the model's best config).
type Side struct {
	Config      *snapshot.Config `json:"config,omitempty"`
	ConfigLabel string           `json:"config_label,omitempty"`
	// Runs counts the runs of the config; OKRuns those with an output rate.
	Runs   int `json:"runs"`
	OKRuns int `json:"ok_runs"`
	// Reason summarises why runs failed, e.g. "OOM" or "OOM x2, timeout".
	Reason string `json:"reason,omitempty"`
	// OutputTPSPerGPU and InputTPSPerGPU are medians over the OK runs.
	OutputTPSPerGPU  *float64 `json:"output_tps_per_gpu,omitempty"`
	InputTPSPerGPU   *float64 `json:"input_tps_per_gpu,omitempty"`
	GPUsFor1BPerHour *float64 `json:"gpus_for_1b_tokens_per_hour,omitempty"`
	// Samples are the output TPS/GPU of the OK runs, in snapshot order.
	Samples []float64 `json:"output_samples,omitempty"`
}

// OK reports whether the side has at least one measured run.
func (s *Side) OK() bool { return s != nil && s.OKRuns > 0 }

// Row is one line of a view.
type Row struct {
	Model string `json:"model"`
	// Match is MatchExact or MatchPartial in the config view, BestSame,
	// BestCompatible or BestChanged in the model view; empty when one side
	// is missing.
	Match string `json:"match,omitempty"`
	// Compared names the settings both sides state; NotCompared those only
	// one side states; OnlyOld and OnlyNew give them as name=value.
	Compared    []string `json:"compared,omitempty"`
	NotCompared []string `json:"not_compared,omitempty"`
	OnlyOld     []string `json:"only_old,omitempty"`
	OnlyNew     []string `json:"only_new,omitempty"`
	// Candidates is the number of new configs the old config partially
	// matches; Ambiguous is set when it is more than one or when the new
	// config is also the partial match of another old config.
	Candidates int   `json:"candidates,omitempty"`
	Ambiguous  bool  `json:"ambiguous,omitempty"`
	Old        *Side `json:"old,omitempty"`
	New        *Side `json:"new,omitempty"`
	// OutputChange and InputChange are new/old - 1 of the medians.
	OutputChange *float64 `json:"output_change,omitempty"`
	InputChange  *float64 `json:"input_change,omitempty"`
	// Test is the U test of the output samples, when a side has repeated
	// runs; Significance says it in words ("p=0.100 n=3+3" or NoTest).
	Test         *UTest `json:"u_test,omitempty"`
	Significance string `json:"significance,omitempty"`
	Flag         Flag   `json:"flag"`
	// Reason is the failure reason of a now failing or still failing row,
	// and the old one of a now fixed row.
	Reason string   `json:"reason,omitempty"`
	Notes  []string `json:"notes,omitempty"`
}

// Summary is the geometric mean of a view over the rows both sides
// measured.
type Summary struct {
	// N counts the rows in the output geomean; Excluded the measured rows
	// left out because their join is ambiguous.
	N            int      `json:"n"`
	Excluded     int      `json:"excluded,omitempty"`
	OldOutput    *float64 `json:"old_output_tps_per_gpu,omitempty"`
	NewOutput    *float64 `json:"new_output_tps_per_gpu,omitempty"`
	OutputChange *float64 `json:"output_change,omitempty"`
	// InputN counts the rows in the input geomean (input TPS is often not
	// published).
	InputN      int      `json:"input_n"`
	OldInput    *float64 `json:"old_input_tps_per_gpu,omitempty"`
	NewInput    *float64 `json:"new_input_tps_per_gpu,omitempty"`
	InputChange *float64 `json:"input_change,omitempty"`
}

// Regressions returns the config rows that fail a CI gate: slower beyond
// the threshold (and significant where tested), or now failing. Ambiguous
// partial matches are left out: their old config may not be the one the
// new snapshot measured.
func (d *Diff) Regressions() []Row {
	var out []Row
	for _, r := range d.Configs {
		if (r.Flag == Slower || r.Flag == NowFailing) && !r.Ambiguous {
			out = append(out, r)
		}
	}
	return out
}

// group is the runs of one model and config in one snapshot.
type group struct {
	model  string
	config snapshot.Config
	key    string
	runs   []snapshot.Run
}

// groupRuns groups s's runs by model and exact config, in order of first
// appearance.
func groupRuns(s *snapshot.Snapshot) []*group {
	idx := map[[2]string]*group{}
	var out []*group
	for _, r := range s.Runs {
		k := [2]string{r.Model, key(r.Config)}
		g, ok := idx[k]
		if !ok {
			g = &group{model: r.Model, config: r.Config, key: k[1]}
			idx[k] = g
			out = append(out, g)
		}
		g.runs = append(g.runs, r)
	}
	return out
}

// sideOf summarises runs of one config. withConfig adds the config.
func sideOf(runs []snapshot.Run, cfg *snapshot.Config, common map[string]string) *Side {
	s := &Side{Runs: len(runs)}
	if cfg != nil {
		c := *cfg
		s.Config = &c
		s.ConfigLabel = labelExcept(c, common)
	}
	var ins []float64
	for _, r := range runs {
		if !r.OK() {
			continue
		}
		s.OKRuns++
		s.Samples = append(s.Samples, *r.Metrics.OutputTPSPerGPU)
		if r.Metrics.InputTPSPerGPU != nil {
			ins = append(ins, *r.Metrics.InputTPSPerGPU)
		}
	}
	s.Reason = failureReason(runs)
	if s.OKRuns > 0 {
		m := median(s.Samples)
		s.OutputTPSPerGPU = &m
		if m > 0 {
			s.GPUsFor1BPerHour = snapshot.Ptr(snapshot.GPUsFor1BPerHour(m))
		}
	}
	if len(ins) > 0 {
		s.InputTPSPerGPU = snapshot.Ptr(median(ins))
	}
	return s
}

// failureReason summarises why the runs that are not OK failed: reasons in
// order of first appearance, with a count when repeated.
func failureReason(runs []snapshot.Run) string {
	count := map[string]int{}
	var order []string
	for _, r := range runs {
		if r.OK() {
			continue
		}
		reason := r.Status.Reason
		switch {
		case reason != "":
		case r.Status.State == snapshot.StateOK:
			reason = "no output throughput"
		default:
			reason = r.Status.State
		}
		if count[reason] == 0 {
			order = append(order, reason)
		}
		count[reason]++
	}
	parts := make([]string, len(order))
	for i, r := range order {
		parts[i] = r
		if count[r] > 1 {
			parts[i] += fmt.Sprintf(" x%d", count[r])
		}
	}
	return strings.Join(parts, ", ")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Compare computes the diff from old to new. It does not modify either
// snapshot.
func Compare(old, new *snapshot.Snapshot, opt Options) *Diff {
	d := &Diff{
		Schema:    Schema,
		Old:       refOf(old),
		New:       refOf(new),
		Threshold: opt.Threshold,
		Alpha:     opt.Alpha,
		Warnings:  envWarnings(old, new),
	}
	d.CommonWorkload = commonWorkload(old, new)
	d.Configs = joinConfigs(old, new, opt, d.CommonWorkload)
	d.ConfigSummary = summarise(d.Configs)
	d.Models = joinModels(old, new, opt, d.CommonWorkload)
	d.ModelSummary = summarise(d.Models)
	// Empty lists, not null, in JSON: the site's pages read them.
	for _, l := range []*[]Row{&d.Configs, &d.Models} {
		if *l == nil {
			*l = []Row{}
		}
	}
	if d.Warnings == nil {
		d.Warnings = []Warning{}
	}
	return d
}

func refOf(s *snapshot.Snapshot) SnapshotRef {
	return SnapshotRef{
		ID: s.ID, Title: s.Title, Created: s.Created, Source: s.Source,
		Environment: s.Environment, Runs: len(s.Runs), Models: len(s.Models()),
	}
}

// modelOrder lists old's models, then the models only new has.
func modelOrder(old, new *snapshot.Snapshot) []string {
	out := old.Models()
	for _, m := range new.Models() {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func joinConfigs(old, new *snapshot.Snapshot, opt Options, common map[string]string) []Row {
	byModel := func(gs []*group) map[string][]*group {
		m := map[string][]*group{}
		for _, g := range gs {
			m[g.model] = append(m[g.model], g)
		}
		return m
	}
	og, ng := byModel(groupRuns(old)), byModel(groupRuns(new))
	var rows []Row
	for _, model := range modelOrder(old, new) {
		olds, news := og[model], ng[model]
		used := make([]bool, len(news))
		partner := make([][]int, len(olds))
		exact := make([]bool, len(olds))
		// Exact joins first: they are unambiguous and take their new
		// config out of the partial matching.
		for i, o := range olds {
			for j, n := range news {
				if !used[j] && n.key == o.key {
					partner[i], exact[i] = []int{j}, true
					used[j] = true
					break
				}
			}
		}
		exactUsed := slices.Clone(used)
		// Partial joins: the compatible new configs sharing the most
		// stated settings with the old one.
		for i, o := range olds {
			if partner[i] != nil {
				continue
			}
			best := -1
			for j, n := range news {
				if exactUsed[j] {
					continue
				}
				m := CompareConfigs(o.config, n.config)
				if !m.Compatible {
					continue
				}
				switch c := len(m.Compared); {
				case c > best:
					best, partner[i] = c, []int{j}
				case c == best:
					partner[i] = append(partner[i], j)
				}
			}
			for _, j := range partner[i] {
				used[j] = true
			}
		}
		shared := make([]int, len(news))
		for i := range olds {
			if !exact[i] {
				for _, j := range partner[i] {
					shared[j]++
				}
			}
		}
		for i, o := range olds {
			if len(partner[i]) == 0 {
				rows = append(rows, configRow(old, new, o, nil, opt, common, 0, false))
				continue
			}
			for _, j := range partner[i] {
				amb := len(partner[i]) > 1 || shared[j] > 1
				rows = append(rows, configRow(old, new, o, news[j], opt, common, len(partner[i]), amb))
			}
		}
		for j, n := range news {
			if !used[j] {
				rows = append(rows, configRow(old, new, nil, n, opt, common, 0, false))
			}
		}
	}
	return rows
}

func configRow(old, new *snapshot.Snapshot, o, n *group, opt Options, common map[string]string, candidates int, ambiguous bool) Row {
	var r Row
	if o != nil {
		r.Model = o.model
		r.Old = sideOf(o.runs, &o.config, common)
	}
	if n != nil {
		r.Model = n.model
		r.New = sideOf(n.runs, &n.config, common)
	}
	if o != nil && n != nil {
		m := CompareConfigs(o.config, n.config)
		r.Match = MatchExact
		if !m.Exact {
			r.Match = MatchPartial
			r.Compared, r.NotCompared, r.OnlyOld, r.OnlyNew = m.Compared, m.NotCompared(), m.OnlyOld, m.OnlyNew
			r.Candidates, r.Ambiguous = candidates, ambiguous
			r.Notes = append(r.Notes, partialNote(m, candidates, ambiguous))
		}
		if note := runEnvNote(old, new, o.runs[0], n.runs[0]); note != "" {
			r.Notes = append(r.Notes, note)
		}
	}
	judge(&r, opt)
	return r
}

func partialNote(m Match, candidates int, ambiguous bool) string {
	var b strings.Builder
	// The settings themselves are in the row's config columns.
	fmt.Fprintf(&b, "partial match on %s; not compared: %s (stated by one side only)", strings.Join(m.Compared, ", "), strings.Join(m.NotCompared(), ", "))
	switch {
	case candidates > 1:
		fmt.Fprintf(&b, "; ambiguous: the old config matches %d new configs, so it is compared with each and left out of the geomean", candidates)
	case ambiguous:
		b.WriteString("; ambiguous: the new config also matches another old config, so the row is left out of the geomean")
	}
	return b.String()
}

// judge fills the change, the U test and the flag of a row whose sides
// are set.
func judge(r *Row, opt Options) {
	o, n := r.Old, r.New
	switch {
	case o == nil:
		r.Flag = New
		return
	case n == nil:
		r.Flag = Gone
		return
	case !o.OK() && !n.OK():
		r.Flag, r.Reason = StillFailing, n.Reason
		return
	case !n.OK():
		r.Flag, r.Reason = NowFailing, n.Reason
		return
	case !o.OK():
		r.Flag, r.Reason = NowFixed, o.Reason
		return
	}
	if n.Reason != "" && n.OKRuns < n.Runs {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d new runs failed: %s", n.Runs-n.OKRuns, n.Runs, n.Reason))
	}
	if o.Reason != "" && o.OKRuns < o.Runs {
		r.Notes = append(r.Notes, fmt.Sprintf("%d of %d old runs failed: %s", o.Runs-o.OKRuns, o.Runs, o.Reason))
	}
	ov, nv := *o.OutputTPSPerGPU, *n.OutputTPSPerGPU
	if ov > 0 {
		r.OutputChange = snapshot.Ptr(nv/ov - 1)
	}
	if o.InputTPSPerGPU != nil && n.InputTPSPerGPU != nil && *o.InputTPSPerGPU > 0 {
		r.InputChange = snapshot.Ptr(*n.InputTPSPerGPU / *o.InputTPSPerGPU - 1)
	}
	r.Significance = NoTest
	if len(o.Samples) > 1 || len(n.Samples) > 1 {
		if t, ok := MannWhitney(o.Samples, n.Samples); ok {
			r.Test = &t
			r.Significance = fmt.Sprintf("p=%.3f n=%d+%d", t.P, t.NOld, t.NNew)
		}
	}
	// The relative change decides, unless the old rate is zero.
	beyond := nv != ov
	if r.OutputChange != nil {
		// A hair of slack so that 100 -> 105 is 5% whatever the rounding.
		beyond = beyond && math.Abs(*r.OutputChange) >= opt.Threshold-1e-12
	}
	switch {
	case !beyond:
		r.Flag = WithinNoise
	case r.Test != nil && r.Test.P >= opt.Alpha:
		r.Flag = WithinNoise
		note := fmt.Sprintf("the change is not significant (p=%.3f >= α=%g)", r.Test.P, opt.Alpha)
		if minP := smallestP(r.Test.NOld, r.Test.NNew); minP >= opt.Alpha {
			note += fmt.Sprintf("; with n=%d+%d no change can be significant (smallest possible p=%.3f)", r.Test.NOld, r.Test.NNew, minP)
		}
		r.Notes = append(r.Notes, note)
	case nv > ov:
		r.Flag = Faster
	default:
		r.Flag = Slower
	}
}

// smallestP is the smallest two-sided p-value the exact U test can give for
// samples of sizes m and n: 2 / C(m+n, m).
func smallestP(m, n int) float64 { return min(1, 2/binomial(m+n, m)) }

func joinModels(old, new *snapshot.Snapshot, opt Options, common map[string]string) []Row {
	bestOf := func(s *snapshot.Snapshot) map[string]snapshot.Run {
		m := map[string]snapshot.Run{}
		for _, r := range s.Best() {
			m[r.Model] = r
		}
		return m
	}
	// Runs by model and by model and config key, computed once.
	type index struct {
		byModel  map[string][]snapshot.Run
		byConfig map[[2]string][]snapshot.Run
	}
	indexOf := func(s *snapshot.Snapshot) index {
		ix := index{map[string][]snapshot.Run{}, map[[2]string][]snapshot.Run{}}
		for _, g := range groupRuns(s) {
			ix.byModel[g.model] = append(ix.byModel[g.model], g.runs...)
			ix.byConfig[[2]string{g.model, g.key}] = g.runs
		}
		return ix
	}
	// side returns the best config's runs, or all of a model's runs when
	// none is OK; nil when the snapshot lacks the model.
	side := func(ix index, best map[string]snapshot.Run, model string) (*Side, *snapshot.Run) {
		if b, ok := best[model]; ok {
			return sideOf(ix.byConfig[[2]string{model, key(b.Config)}], &b.Config, common), &b
		}
		if runs := ix.byModel[model]; len(runs) > 0 {
			return sideOf(runs, nil, common), nil
		}
		return nil, nil
	}
	oix, nix := indexOf(old), indexOf(new)
	ob, nb := bestOf(old), bestOf(new)
	var rows []Row
	for _, model := range modelOrder(old, new) {
		r := Row{Model: model}
		var obr, nbr *snapshot.Run
		r.Old, obr = side(oix, ob, model)
		r.New, nbr = side(nix, nb, model)
		if obr != nil && nbr != nil {
			m := CompareConfigs(obr.Config, nbr.Config)
			switch {
			case m.Exact:
				r.Match = BestSame
			case m.Compatible:
				r.Match = BestCompatible
				r.Compared, r.NotCompared, r.OnlyOld, r.OnlyNew = m.Compared, m.NotCompared(), m.OnlyOld, m.OnlyNew
				r.Notes = append(r.Notes, fmt.Sprintf("the best configs agree on %s but only one side states %s, so the best config may have changed", strings.Join(m.Compared, ", "), strings.Join(m.NotCompared(), ", ")))
			default:
				r.Match = BestChanged
				r.Compared, r.NotCompared, r.OnlyOld, r.OnlyNew = m.Compared, m.NotCompared(), m.OnlyOld, m.OnlyNew
				verb := " differs"
				if len(m.Conflicts) > 1 {
					verb = " differ"
				}
				r.Notes = append(r.Notes, "best config changed: "+strings.Join(m.Conflicts, ", ")+verb)
			}
			if note := runEnvNote(old, new, *obr, *nbr); note != "" {
				r.Notes = append(r.Notes, note)
			}
		}
		judge(&r, opt)
		rows = append(rows, r)
	}
	return rows
}

func summarise(rows []Row) Summary {
	var s Summary
	var lo, ln, li, lni float64
	for _, r := range rows {
		if !r.Old.OK() || !r.New.OK() {
			continue
		}
		if r.Ambiguous {
			s.Excluded++
			continue
		}
		o, n := *r.Old.OutputTPSPerGPU, *r.New.OutputTPSPerGPU
		if o <= 0 || n <= 0 {
			continue // log of zero: the row says what happened
		}
		s.N++
		lo += math.Log(o)
		ln += math.Log(n)
		if r.Old.InputTPSPerGPU != nil && r.New.InputTPSPerGPU != nil && *r.Old.InputTPSPerGPU > 0 && *r.New.InputTPSPerGPU > 0 {
			s.InputN++
			li += math.Log(*r.Old.InputTPSPerGPU)
			lni += math.Log(*r.New.InputTPSPerGPU)
		}
	}
	if s.N > 0 {
		k := float64(s.N)
		s.OldOutput, s.NewOutput = snapshot.Ptr(math.Exp(lo/k)), snapshot.Ptr(math.Exp(ln/k))
		s.OutputChange = snapshot.Ptr(math.Exp((ln-lo)/k) - 1)
	}
	if s.InputN > 0 {
		k := float64(s.InputN)
		s.OldInput, s.NewInput = snapshot.Ptr(math.Exp(li/k)), snapshot.Ptr(math.Exp(lni/k))
		s.InputChange = snapshot.Ptr(math.Exp((lni-li)/k) - 1)
	}
	return s
}

// sortedValues returns the distinct values of a set, sorted.
func sortedValues(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.SortFunc(out, cmp.Compare)
	return out
}

// commonWorkload returns the workload arguments every run of both
// snapshots gives with the same value.
func commonWorkload(old, new *snapshot.Snapshot) map[string]string {
	runs := append(slices.Clone(old.Runs), new.Runs...)
	if len(old.Runs) == 0 || len(new.Runs) == 0 {
		return nil
	}
	common := map[string]string{}
	for k, v := range runs[0].Config.Extra {
		if !joinIgnoredExtra(k) {
			common[k] = v
		}
	}
	for _, r := range runs[1:] {
		for k, v := range common {
			if w, ok := r.Config.Extra[k]; !ok || w != v {
				delete(common, k)
			}
		}
	}
	if len(common) == 0 {
		return nil
	}
	return common
}
