package budget

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// Errors of a selection that names what the snapshot does not hold; the
// CLI treats them as bad arguments.
var (
	ErrUnknownModel    = errors.New("unknown model")
	ErrUnknownConfig   = errors.New("unknown configuration")
	ErrNoSuccessfulRun = errors.New("no successful run")
	ErrUnknownSnapshot = errors.New("unknown snapshot")
)

// EnginesOf returns one Engine per OK run of s, grouped by model in the
// order of snapshot.Models, each model's best run (snapshot.Best) first and
// the others in snapshot order.
func EnginesOf(s *snapshot.Snapshot) []Engine {
	var out []Engine
	for _, c := range candidatesOf(s) {
		out = append(out, c.Engine)
	}
	return out
}

// candidate is an Engine with the run it comes from.
type candidate struct {
	Engine
	run *snapshot.Run
}

// candidatesOf returns the engines of s with their runs, in EnginesOf's
// order. It goes over the runs a fixed number of times, not once per model:
// a snapshot of 300 models and 10,000 runs is sized in one pass.
func candidatesOf(s *snapshot.Snapshot) []candidate {
	// Best keeps the earliest of equal runs, so a model's best run is its
	// first usable run with the best rate.
	bestTPS := map[string]float64{}
	for _, r := range s.Best() {
		bestTPS[r.Model] = *r.Metrics.OutputTPSPerGPU
	}
	// The usable runs of each model, in snapshot order.
	byModel := map[string][]int{}
	for i := range s.Runs {
		if r := &s.Runs[i]; usable(r) {
			byModel[r.Model] = append(byModel[r.Model], i)
		}
	}
	loads := measuredOverheads(s)
	var out []candidate
	for _, m := range s.Models() {
		runs := byModel[m]
		b := slices.IndexFunc(runs, func(i int) bool { return *s.Runs[i].Metrics.OutputTPSPerGPU == bestTPS[m] })
		if b < 0 {
			continue
		}
		best := &s.Runs[runs[b]]
		out = append(out, candidate{engineOf(s, best, true, loads), best})
		for k, i := range runs {
			if k != b {
				r := &s.Runs[i]
				out = append(out, candidate{engineOf(s, r, false, loads), r})
			}
		}
	}
	return out
}

// usable reports whether a run can size a job: OK with a positive rate (a
// model whose best rate is 0 has no usable run at all).
func usable(r *snapshot.Run) bool { return r.OK() && *r.Metrics.OutputTPSPerGPU > 0 }

// measuredOverheads returns, per model, the longest start-up any of its
// runs measured. A run that did not measure its own start-up borrows it:
// the same weights load about as slowly, and the longest is the safe guess.
func measuredOverheads(s *snapshot.Snapshot) map[string]float64 {
	out := map[string]float64{}
	for i := range s.Runs {
		r := &s.Runs[i]
		if sec, ok := startupSeconds(r); ok {
			out[r.Model] = max(out[r.Model], sec)
		}
	}
	return out
}

// startupSeconds is model load plus engine init (profiling, KV cache,
// warm-up): vLLM does them one after the other, so they add up.
func startupSeconds(r *snapshot.Run) (float64, bool) {
	st := r.Startup
	if st == nil || (st.ModelLoadSeconds == nil && st.EngineInitSeconds == nil) {
		return 0, false
	}
	var sec float64
	if st.ModelLoadSeconds != nil {
		sec += *st.ModelLoadSeconds
	}
	if st.EngineInitSeconds != nil {
		sec += *st.EngineInitSeconds
	}
	return sec, true
}

func engineOf(s *snapshot.Snapshot, r *snapshot.Run, best bool, loads map[string]float64) Engine {
	gpn := s.Environment.GPUsPerNode
	if r.Environment != nil && r.Environment.GPUsPerNode > 0 {
		gpn = r.Environment.GPUsPerNode
	}
	if gpn < 1 {
		gpn = snapshot.DefaultGPUsPerNode
	}
	e := Engine{
		Model:           r.Model,
		Run:             runName(r),
		Config:          configName(r.Config),
		TP:              max(r.Config.TP, 1),
		PP:              max(r.Config.PP, 1),
		DP:              r.Config.DataParallel(),
		OutputTPSPerGPU: *r.Metrics.OutputTPSPerGPU,
		GPUsPerNode:     gpn,
		OverheadSeconds: DefaultOverhead.Seconds(),
		Best:            best,
	}
	if sec, ok := startupSeconds(r); ok {
		e.OverheadSeconds, e.OverheadMeasured = sec, true
	} else if sec, ok := loads[r.Model]; ok {
		e.OverheadSeconds, e.OverheadMeasured = sec, true
	}
	return e
}

func runName(r *snapshot.Run) string {
	if r.Name != "" {
		return r.Name
	}
	return r.Label
}

// configName is the seed's directory form of a parallel layout.
func configName(c snapshot.Config) string {
	return fmt.Sprintf("tp%d-pp%d-dp%d", max(c.TP, 1), max(c.PP, 1), c.DataParallel())
}

// Select returns the engines a command line asks for: for each model in
// models (all models with a successful run when empty), its best
// configuration, or the run named config (see matchesConfig). A model is
// named by its full id or, when unambiguous, by the part after the slash, in
// any case. A model given explicitly that the snapshot lacks, or that lacks
// config, is an error; without models, config picks the models that have it.
func Select(s *snapshot.Snapshot, models []string, config string) ([]Engine, error) {
	all := candidatesOf(s)
	var ids []string
	if len(models) == 0 {
		for _, c := range all {
			if c.Best {
				ids = append(ids, c.Model)
			}
		}
	}
	for _, m := range models {
		id, err := resolveModel(s, m)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(all, func(c candidate) bool { return c.Model == id }) {
			return nil, fmt.Errorf("%w for model %s in snapshot %s", ErrNoSuccessfulRun, id, s.ID)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var out []Engine
	for _, id := range ids {
		var pick []Engine
		var names []string
		for _, c := range all {
			if c.Model != id {
				continue
			}
			names = append(names, describe(c.Engine))
			if config == "" && c.Best || config != "" && matchesConfig(c, config) {
				pick = append(pick, c.Engine)
			}
		}
		switch {
		case len(pick) > 1:
			return nil, fmt.Errorf("%w: %q names %d runs of %s (%s); name one by its path", ErrUnknownConfig, config, len(pick), id, strings.Join(names, ", "))
		case len(pick) == 1:
			out = append(out, pick[0])
		case len(models) > 0:
			return nil, fmt.Errorf("%w: model %s has no successful run named %q (it has %s)", ErrUnknownConfig, id, config, strings.Join(names, ", "))
		}
	}
	if len(out) == 0 {
		if config != "" {
			return nil, fmt.Errorf("%w: no model in snapshot %s has a successful run named %q", ErrUnknownConfig, s.ID, config)
		}
		return nil, fmt.Errorf("%w in snapshot %s", ErrNoSuccessfulRun, s.ID)
	}
	return out, nil
}

// matchesConfig reports whether name names c's run: by its name, label,
// experiment/name, path or parallel layout (tp2-pp1-dp1).
func matchesConfig(c candidate, name string) bool {
	r := c.run
	return name == r.Name || name == r.Label || name == r.Path || name == c.Config ||
		(r.Experiment != "" && name == r.Experiment+"/"+r.Name)
}

func describe(e Engine) string {
	if e.Run != "" {
		return e.Run + " (" + e.Config + ")"
	}
	return e.Config
}

// resolveModel finds the model id that name means.
func resolveModel(s *snapshot.Snapshot, name string) (string, error) {
	models := s.Models()
	if slices.Contains(models, name) {
		return name, nil
	}
	var hits []string
	for _, m := range models {
		short := m[strings.LastIndex(m, "/")+1:]
		if strings.EqualFold(m, name) || strings.EqualFold(short, name) {
			hits = append(hits, m)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return "", fmt.Errorf("%w %q: snapshot %s has %s", ErrUnknownModel, name, s.ID, strings.Join(models, ", "))
	}
	return "", fmt.Errorf("%w %q: it could be %s", ErrUnknownModel, name, strings.Join(hits, " or "))
}

// LoadSnapshot finds the snapshot ref names: a file (a path, or a name
// ending in .json), else an id in dir; the newest in dir (by created time)
// when ref is empty.
func LoadSnapshot(ref, dir string) (*snapshot.Snapshot, error) {
	if ref != "" && (strings.HasSuffix(ref, ".json") || strings.ContainsRune(ref, filepath.Separator) || strings.Contains(ref, "/")) {
		if _, err := os.Stat(ref); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnknownSnapshot, err)
		}
		return snapshot.ReadFile(ref)
	}
	ss, err := snapshot.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, fmt.Errorf("no snapshots in %s: run `lineup collect`, or name a snapshot file with -snapshot", dir)
	}
	if ref == "" {
		return ss[len(ss)-1], nil
	}
	var ids []string
	for _, s := range ss {
		if s.ID == ref {
			return s, nil
		}
		ids = append(ids, s.ID)
	}
	return nil, fmt.Errorf("%w %q in %s (it has %s)", ErrUnknownSnapshot, ref, dir, strings.Join(ids, ", "))
}

// PageData is what the budget page embeds: the snapshot's engines and the
// defaults the form starts from.
type PageData struct {
	Snapshot struct {
		ID      string    `json:"id"`
		Title   string    `json:"title"`
		Created time.Time `json:"created"`
	} `json:"snapshot"`
	GPUsPerNode            int      `json:"gpus_per_node"`
	DefaultOverheadSeconds float64  `json:"default_overhead_seconds"`
	Engines                []Engine `json:"engines"`
}

// NewPageData exports s's engines for the budget page's JavaScript.
func NewPageData(s *snapshot.Snapshot) PageData {
	var d PageData
	d.Snapshot.ID, d.Snapshot.Title, d.Snapshot.Created = s.ID, s.Title, s.Created
	d.GPUsPerNode = s.Environment.GPUsPerNode
	if d.GPUsPerNode < 1 {
		d.GPUsPerNode = snapshot.DefaultGPUsPerNode
	}
	d.DefaultOverheadSeconds = DefaultOverhead.Seconds()
	d.Engines = EnginesOf(s)
	if d.Engines == nil {
		d.Engines = []Engine{}
	}
	return d
}
