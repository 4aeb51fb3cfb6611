package diff

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

func TestCompareConfigs(t *testing.T) {
	spec := func(raw string) cfgOpt {
		return func(c *snapshot.Config) { c.SpeculativeConfig = json.RawMessage(raw) }
	}
	tests := []struct {
		name                  string
		old, new              snapshot.Config
		compatible, exact     bool
		notCompared, conflict []string
	}{
		{"same", cfg(1, 1, mns(256)), cfg(1, 1, mns(256)), true, true, nil, nil},
		{"old states less", cfg(1, 1), baseline(1), true, false, []string{"mns", "mnbt", "gmu", "bs", "kvc", "spec", "quant"}, nil},
		{"new states less", cfg(2, 1, mns(512)), cfg(2, 1), true, false, []string{"mns"}, nil},
		{"both state a setting the other lacks", cfg(1, 1, mns(512)), cfg(1, 1, mnbt(8192)), true, false, []string{"mns", "mnbt"}, nil},
		{"tp differs", cfg(1, 1), cfg(2, 1), false, false, nil, []string{"tp"}},
		{"gmu differs", cfg(1, 1, gmu(0.9)), cfg(1, 1, gmu(0.95)), false, false, nil, []string{"gmu"}},
		{"workload differs", cfg(1, 1, extra("max-tokens", "1024")), cfg(1, 1, extra("max-tokens", "2048")), false, false, nil, []string{"max-tokens"}},
		{"output location ignored", cfg(1, 1, extra("output-dir", "a"), extra("qos", "high")), cfg(1, 1, extra("output-dir", "b")), true, true, nil, nil},
		{"speculative config compacted", cfg(1, 1, spec(`{"method": "ngram", "n": 6}`)), cfg(1, 1, spec(`{"method":"ngram","n":6}`)), true, true, nil, nil},
		{"speculative config differs", cfg(1, 1, spec(`{"n":6}`)), cfg(1, 1, spec(`{"n":4}`)), false, false, nil, []string{"speculative_config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := CompareConfigs(tt.old, tt.new)
			if m.Compatible != tt.compatible || m.Exact != tt.exact {
				t.Errorf("compatible=%v exact=%v, want %v %v", m.Compatible, m.Exact, tt.compatible, tt.exact)
			}
			if !slices.Equal(m.NotCompared(), tt.notCompared) {
				t.Errorf("not compared %v, want %v", m.NotCompared(), tt.notCompared)
			}
			if !slices.Equal(m.Conflicts, tt.conflict) {
				t.Errorf("conflicts %v, want %v", m.Conflicts, tt.conflict)
			}
			if tt.exact != (key(tt.old) == key(tt.new)) {
				t.Errorf("key equality %v disagrees with exact %v", key(tt.old) == key(tt.new), tt.exact)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		c    snapshot.Config
		want string
	}{
		{cfg(1, 1), "tp=1 pp=1"},
		{baseline(2, mns(512), spec("ngram_6")), "tp=2 pp=1 mns=512 mnbt=8192 gmu=0.9 bs=16 kvc=auto spec=ngram_6 quant=none"},
		{cfg(8, 2, extra("max-tokens", "1024"), extra("output-dir", "data")), "tp=8 pp=2 max-tokens=1024"},
	}
	for _, tt := range tests {
		if got := Label(tt.c); got != tt.want {
			t.Errorf("Label = %q, want %q", got, tt.want)
		}
	}
}

// rowKey is what the join tests compare: model, the two labels, the
// match, ambiguity and the flag.
type rowKey struct {
	model, old, new, match string
	ambiguous              bool
	flag                   Flag
}

func keys(rows []Row) []rowKey {
	var out []rowKey
	for _, r := range rows {
		k := rowKey{model: r.Model, match: r.Match, ambiguous: r.Ambiguous, flag: r.Flag}
		if r.Old != nil {
			k.old = r.Old.ConfigLabel
		}
		if r.New != nil {
			k.new = r.New.ConfigLabel
		}
		out = append(out, k)
	}
	return out
}

func TestJoin(t *testing.T) {
	const m, m2 = "org/model", "org/other"
	tests := []struct {
		name     string
		old, new []snapshot.Run
		want     []rowKey
	}{
		{
			name: "exact one to one",
			old:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1), ok(m, cfg(2, 1), 100, -1)},
			new:  []snapshot.Run{ok(m, cfg(2, 1), 100, -1), ok(m, cfg(1, 1), 100, -1)},
			want: []rowKey{{m, "tp=1 pp=1", "tp=1 pp=1", MatchExact, false, WithinNoise}, {m, "tp=2 pp=1", "tp=2 pp=1", MatchExact, false, WithinNoise}},
		},
		{
			name: "partial, unique",
			old:  []snapshot.Run{ok(m, cfg(2, 1), 100, -1)},
			new:  []snapshot.Run{ok(m, baseline(1), 100, -1), ok(m, baseline(2, mns(1024)), 200, -1)},
			want: []rowKey{
				{m, "tp=2 pp=1", Label(baseline(2, mns(1024))), MatchPartial, false, Faster},
				{m, "", Label(baseline(1)), "", false, New},
			},
		},
		{
			name: "partial, ambiguous",
			old:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1)},
			new:  []snapshot.Run{ok(m, baseline(1), 90, -1), ok(m, baseline(1, mns(512)), 120, -1)},
			want: []rowKey{
				{m, "tp=1 pp=1", Label(baseline(1)), MatchPartial, true, Slower},
				{m, "tp=1 pp=1", Label(baseline(1, mns(512))), MatchPartial, true, Faster},
			},
		},
		{
			name: "two old configs partially match one new config",
			old:  []snapshot.Run{ok(m, cfg(1, 1, mns(256)), 100, -1), ok(m, cfg(1, 1, mnbt(8192)), 100, -1)},
			new:  []snapshot.Run{ok(m, baseline(1), 100, -1)},
			want: []rowKey{
				{m, "tp=1 pp=1 mns=256", Label(baseline(1)), MatchPartial, true, WithinNoise},
				{m, "tp=1 pp=1 mnbt=8192", Label(baseline(1)), MatchPartial, true, WithinNoise},
			},
		},
		{
			name: "partial picks the config sharing most settings",
			old:  []snapshot.Run{ok(m, cfg(1, 1, mns(256)), 100, -1)},
			new:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1), ok(m, cfg(1, 1, mns(256), mnbt(8192)), 100, -1)},
			want: []rowKey{
				{m, "tp=1 pp=1 mns=256", "tp=1 pp=1 mns=256 mnbt=8192", MatchPartial, false, WithinNoise},
				{m, "", "tp=1 pp=1", "", false, New},
			},
		},
		{
			name: "exact join takes its config out of the partial matching",
			old:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1), ok(m, cfg(1, 1, mns(256)), 100, -1)},
			new:  []snapshot.Run{ok(m, cfg(1, 1, mns(256)), 100, -1)},
			want: []rowKey{
				{m, "tp=1 pp=1", "", "", false, Gone},
				{m, "tp=1 pp=1 mns=256", "tp=1 pp=1 mns=256", MatchExact, false, WithinNoise},
			},
		},
		{
			name: "conflicting settings do not join",
			old:  []snapshot.Run{ok(m, cfg(1, 1, mns(256)), 100, -1)},
			new:  []snapshot.Run{ok(m, cfg(1, 1, mns(512)), 100, -1)},
			want: []rowKey{{m, "tp=1 pp=1 mns=256", "", "", false, Gone}, {m, "", "tp=1 pp=1 mns=512", "", false, New}},
		},
		{
			name: "models never join across names",
			old:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1)},
			new:  []snapshot.Run{ok(m2, cfg(1, 1), 100, -1)},
			want: []rowKey{{m, "tp=1 pp=1", "", "", false, Gone}, {m2, "", "tp=1 pp=1", "", false, New}},
		},
		{
			name: "failures",
			old:  []snapshot.Run{ok(m, cfg(1, 1), 100, -1), failed(m, cfg(2, 1), snapshot.ReasonOOM), failed(m, cfg(4, 1), snapshot.ReasonOOM)},
			new:  []snapshot.Run{failed(m, cfg(1, 1), snapshot.ReasonTimeout), ok(m, cfg(2, 1), 50, -1), failed(m, cfg(4, 1), snapshot.ReasonNCCL)},
			want: []rowKey{
				{m, "tp=1 pp=1", "tp=1 pp=1", MatchExact, false, NowFailing},
				{m, "tp=2 pp=1", "tp=2 pp=1", MatchExact, false, NowFixed},
				{m, "tp=4 pp=1", "tp=4 pp=1", MatchExact, false, StillFailing},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := snap(t, "old", day(1, 1), snapshot.Environment{}, tt.old...)
			new := snap(t, "new", day(1, 2), snapshot.Environment{}, tt.new...)
			got := keys(Compare(old, new, DefaultOptions()).Configs)
			if !slices.Equal(got, tt.want) {
				t.Errorf("rows:\n%s\nwant:\n%s", fmtKeys(got), fmtKeys(tt.want))
			}
		})
	}
}

func fmtKeys(ks []rowKey) string {
	var b strings.Builder
	for _, k := range ks {
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(strings.TrimSpace(strings.Join([]string{k.model, "[" + k.old + "]", "[" + k.new + "]", k.match, string(k.flag)}, " | ")), "\n", " "))
		if k.ambiguous {
			b.WriteString(" ambiguous")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestFailureReasons(t *testing.T) {
	const m = "org/model"
	incomplete := snapshot.Run{Model: m, Config: cfg(1, 1), Status: snapshot.Status{State: snapshot.StateIncomplete}}
	old := snap(t, "old", day(1, 1), snapshot.Environment{}, ok(m, cfg(1, 1), 100, -1))
	new := snap(t, "new", day(1, 2), snapshot.Environment{}, failed(m, cfg(1, 1), snapshot.ReasonOOM), incomplete, failed(m, cfg(1, 1), snapshot.ReasonOOM))
	r := Compare(old, new, DefaultOptions()).Configs[0]
	if r.Flag != NowFailing || r.Reason != "OOM x2, incomplete" {
		t.Errorf("flag %s reason %q, want now-failing with %q", r.Flag, r.Reason, "OOM x2, incomplete")
	}
}

// TestFlags checks the thresholds and the significance rule. The
// expected change is the ratio of the medians of the fixture samples.
func TestFlags(t *testing.T) {
	tests := []struct {
		name      string
		old, new  []float64
		threshold float64
		alpha     float64
		want      Flag
		tested    bool
	}{
		{"4.9% up is noise", []float64{1000}, []float64{1049}, 0.05, 0.05, WithinNoise, false},
		{"5% up is faster", []float64{100}, []float64{105}, 0.05, 0.05, Faster, false},
		{"5% down is slower", []float64{100}, []float64{95}, 0.05, 0.05, Slower, false},
		{"4.99% down is noise", []float64{10000}, []float64{9501}, 0.05, 0.05, WithinNoise, false},
		{"threshold 10%", []float64{100}, []float64{92}, 0.10, 0.05, WithinNoise, false},
		{"threshold 0: any change counts", []float64{100}, []float64{100.5}, 0, 0.05, Faster, false},
		{"threshold 0: no change is noise", []float64{100}, []float64{100}, 0, 0.05, WithinNoise, false},
		{"4+4 separated: significant", []float64{100, 101, 99, 100.5}, []float64{80, 81, 79, 80.5}, 0.05, 0.05, Slower, true},
		{"3+3 separated: cannot be significant", []float64{100, 101, 99}, []float64{80, 81, 79}, 0.05, 0.05, WithinNoise, true},
		{"3+3 with alpha 0.2", []float64{100, 101, 99}, []float64{80, 81, 79}, 0.05, 0.2, Slower, true},
		{"overlapping samples", []float64{100, 70, 130, 95, 105}, []float64{90, 120, 60, 85, 88}, 0.05, 0.05, WithinNoise, true},
		{"1 vs 3 runs", []float64{100}, []float64{150, 151, 152}, 0.05, 0.05, WithinNoise, true},
		{"zero old rate", []float64{0}, []float64{10}, 0.05, 0.05, Faster, false},
	}
	const m = "org/model"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := snap(t, "old", day(1, 1), snapshot.Environment{}, samples(m, cfg(1, 1), tt.old...)...)
			new := snap(t, "new", day(1, 2), snapshot.Environment{}, samples(m, cfg(1, 1), tt.new...)...)
			d := Compare(old, new, Options{Threshold: tt.threshold, Alpha: tt.alpha})
			r := d.Configs[0]
			if r.Flag != tt.want {
				t.Errorf("flag %s, want %s (change %v, significance %s, notes %q)", r.Flag, tt.want, deref(r.OutputChange), r.Significance, r.Notes)
			}
			if (r.Test != nil) != tt.tested {
				t.Errorf("tested = %v, want %v", r.Test != nil, tt.tested)
			}
			if !tt.tested && r.Significance != NoTest {
				t.Errorf("significance %q, want %q", r.Significance, NoTest)
			}
			if o := median(tt.old); o > 0 {
				want := median(tt.new)/o - 1
				if r.OutputChange == nil || math.Abs(*r.OutputChange-want) > 1e-12 {
					t.Errorf("change %v, want %v", deref(r.OutputChange), want)
				}
			} else if r.OutputChange != nil {
				t.Errorf("change %v from a zero old rate", *r.OutputChange)
			}
			// The model view sees the same single config.
			if mr := d.Models[0]; mr.Flag != tt.want {
				t.Errorf("model view flag %s, want %s", mr.Flag, tt.want)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestRegressions(t *testing.T) {
	a, b := publishedA(t), publishedB(t)
	d := Compare(a, b, DefaultOptions())
	var got []string
	for _, r := range d.Regressions() {
		got = append(got, r.Model+" "+string(r.Flag))
	}
	// Of table A's configs, only Qwen3-30B (tp=1: 3612 -> B's tp=1
	// baseline 2977) joins one new config and got slower; the ambiguous
	// Qwen3-1.7B and gemma-3-1b-it rows are slower too but are left out.
	want := []string{"Qwen/Qwen3-30B-A3B-Thinking-2507 slower"}
	if !slices.Equal(got, want) {
		t.Errorf("regressions %q, want %q", got, want)
	}
	co, cn := clusterPair(t)
	got = nil
	for _, r := range Compare(co, cn, DefaultOptions()).Regressions() {
		got = append(got, r.Model+" "+string(r.Flag))
	}
	want = []string{"google/gemma-3-12b-it slower", "openai/gpt-oss-20b now-failing"}
	if !slices.Equal(got, want) {
		t.Errorf("regressions %q, want %q", got, want)
	}
	if n := len(Compare(co, co, DefaultOptions()).Regressions()); n != 0 {
		t.Errorf("a snapshot against itself has %d regressions", n)
	}
}

// TestModelView checks the best config pairing of the published example
// against table A's single config and table B's best rows.
func TestModelView(t *testing.T) {
	a, b := publishedA(t), publishedB(t)
	d := Compare(a, b, DefaultOptions())
	byModel := map[string]Row{}
	for _, r := range d.Models {
		byModel[r.Model] = r
	}
	tests := []struct {
		model      string
		match      string
		flag       Flag
		oldOut     float64
		newOut     float64
		newBestCfg snapshot.Config
	}{
		{"google/gemma-3-1b-it", BestCompatible, WithinNoise, 16616, 16762, baseline(1, mns(4096), mnbt(32768))},
		{"Qwen/Qwen3-1.7B", BestCompatible, Slower, 15397, 12313, baseline(1, mnbt(32768))},
		{"Qwen/Qwen3-30B-A3B-Thinking-2507", BestChanged, Faster, 3612, 5310, baseline(2, mns(512), mnbt(32768))},
		{"openai/gpt-oss-120b", BestCompatible, Faster, 2704, 6117, baseline(2, mns(1024), mnbt(32768))},
	}
	for _, tt := range tests {
		r, ok := byModel[tt.model]
		if !ok {
			t.Errorf("%s: no model row", tt.model)
			continue
		}
		if r.Match != tt.match || r.Flag != tt.flag {
			t.Errorf("%s: match %s flag %s, want %s %s", tt.model, r.Match, r.Flag, tt.match, tt.flag)
		}
		if *r.Old.OutputTPSPerGPU != tt.oldOut || *r.New.OutputTPSPerGPU != tt.newOut {
			t.Errorf("%s: %v -> %v, want %v -> %v", tt.model, *r.Old.OutputTPSPerGPU, *r.New.OutputTPSPerGPU, tt.oldOut, tt.newOut)
		}
		if want := tt.newOut/tt.oldOut - 1; math.Abs(*r.OutputChange-want) > 1e-12 {
			t.Errorf("%s: change %v, want %v", tt.model, *r.OutputChange, want)
		}
		if r.New.ConfigLabel != Label(tt.newBestCfg) {
			t.Errorf("%s: new best %q, want %q", tt.model, r.New.ConfigLabel, Label(tt.newBestCfg))
		}
	}
	if r := byModel["moonshotai/Kimi-K2-Instruct"]; r.Flag != Gone {
		t.Errorf("Kimi-K2: flag %s, want gone", r.Flag)
	}
	if r := byModel["HuggingFaceTB/SmolLM2-135M-Instruct"]; r.Flag != New || r.New.ConfigLabel != Label(baseline(1, mns(512), mnbt(32768), spec("ngram_6"))) {
		t.Errorf("SmolLM2-135M: flag %s best %q, want new with the ngram_6 config", r.Flag, r.New.ConfigLabel)
	}
	// A model whose only runs fail in the new snapshot.
	const m = "org/model"
	old := snap(t, "old", day(1, 1), snapshot.Environment{}, ok(m, cfg(1, 1), 100, -1))
	new := snap(t, "new", day(1, 2), snapshot.Environment{}, failed(m, cfg(1, 1), snapshot.ReasonOOM), failed(m, cfg(2, 1), snapshot.ReasonTimeout))
	r := Compare(old, new, DefaultOptions()).Models[0]
	if r.Flag != NowFailing || r.Reason != "OOM, timeout" || r.New.Config != nil || r.New.Runs != 2 {
		t.Errorf("model now failing: flag %s reason %q config %v runs %d", r.Flag, r.Reason, r.New.Config, r.New.Runs)
	}
}

// TestSummary recomputes the geomeans from the fixture figures.
func TestSummary(t *testing.T) {
	a, b := publishedA(t), publishedB(t)
	d := Compare(a, b, DefaultOptions())
	// Model view: table A's output TPS/GPU against table B's best, for
	// the seven shared models.
	pairs := [][2]float64{{16616, 16762}, {15397, 12313}, {5427, 9253}, {6962, 14671}, {3612, 5310}, {1017, 2678}, {2704, 6117}}
	var lo, ln float64
	for _, p := range pairs {
		lo += math.Log(p[0])
		ln += math.Log(p[1])
	}
	k := float64(len(pairs))
	s := d.ModelSummary
	if s.N != len(pairs) || s.InputN != 0 || s.Excluded != 0 {
		t.Errorf("model summary n=%d input_n=%d excluded=%d", s.N, s.InputN, s.Excluded)
	}
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"old", s.OldOutput, math.Exp(lo / k)},
		{"new", s.NewOutput, math.Exp(ln / k)},
		{"change", s.OutputChange, math.Exp((ln-lo)/k) - 1},
	} {
		if c.got == nil || math.Abs(*c.got-c.want) > 1e-9*c.want {
			t.Errorf("model geomean %s = %v, want %v", c.name, deref(c.got), c.want)
		}
	}
	// Config view: only the two unambiguous partial matches count
	// (Qwen3-30B 3612 -> 2977, gpt-oss-120b 2704 -> 6117); the five
	// ambiguous models give ten rows that are left out.
	cs := d.ConfigSummary
	want := math.Sqrt(2977.0/3612*6117/2704) - 1
	if cs.N != 2 || cs.Excluded != 10 || cs.OutputChange == nil || math.Abs(*cs.OutputChange-want) > 1e-12 {
		t.Errorf("config summary n=%d excluded=%d change=%v, want 2, 10, %v", cs.N, cs.Excluded, deref(cs.OutputChange), want)
	}
}

func TestEnvWarnings(t *testing.T) {
	h100 := snapshot.Environment{GPU: "NVIDIA H100 80GB HBM3", GPUMemoryMiB: 81559, GPUsPerNode: 8, DriverVersion: "550.54.15"}
	with := func(f func(*snapshot.Environment)) snapshot.Environment {
		e := h100
		f(&e)
		return e
	}
	const m = "org/model"
	wlRun := func(opts ...cfgOpt) snapshot.Run { return ok(m, cfg(1, 1, opts...), 100, -1) }
	std := wlRun(workload...)
	tests := []struct {
		name           string
		oldEnv, newEnv snapshot.Environment
		oldRun, newRun snapshot.Run
		want           []string // kind:field
	}{
		{"same everything", h100, h100, std, std, nil},
		{"GPU model", h100, with(func(e *snapshot.Environment) { e.GPU = "NVIDIA H200"; e.GPUMemoryMiB = 143771 }), std, std, []string{"differs:GPU model", "differs:GPU memory"}},
		{"GPUs per node", h100, with(func(e *snapshot.Environment) { e.GPUsPerNode = 4 }), std, std, []string{"differs:GPUs per node"}},
		{"driver", h100, with(func(e *snapshot.Environment) { e.DriverVersion = "580.159.04" }), std, std, []string{"differs:driver"}},
		{"driver not stated", h100, with(func(e *snapshot.Environment) { e.DriverVersion = "" }), std, std, []string{"unknown:driver"}},
		{"vLLM version is the point, not a warning", h100, with(func(e *snapshot.Environment) { e.VLLMVersion = "0.15.0"; e.CUDAVersion = "13.0" }), std, std, nil},
		{"max tokens", h100, h100, std, wlRun(append(workload[:2:2], extra("max-tokens", "2048"))...), []string{"differs:max-tokens"}},
		{"dataset", h100, h100, std, wlRun(extra("input-dataset-name", "other/set"), workload[1], workload[2]), []string{"differs:input-dataset-name"}},
		{"prompt column only in old", h100, h100, std, wlRun(workload[0], workload[2]), []string{"unknown:prompt-column"}},
		{"output location is not a workload setting", h100, h100, wlRun(append(workload[:3:3], extra("output-dataset-name", "a"))...), wlRun(append(workload[:3:3], extra("output-dataset-name", "b"))...), nil},
		{"neither states a workload", h100, h100, wlRun(), wlRun(), []string{"unknown:dataset/prompt settings"}},
		{"new states no workload", h100, h100, std, wlRun(), []string{"unknown:dataset/prompt settings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := snap(t, "old", day(1, 1), tt.oldEnv, tt.oldRun)
			new := snap(t, "new", day(1, 2), tt.newEnv, tt.newRun)
			var got []string
			for _, w := range Compare(old, new, DefaultOptions()).Warnings {
				got = append(got, w.Kind+":"+w.Field)
				if w.Message == "" {
					t.Errorf("warning %s:%s has no message", w.Kind, w.Field)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunEnvironmentNote: runs that carry their own environment are
// compared row by row, since the header only sees the snapshots'.
func TestRunEnvironmentNote(t *testing.T) {
	const m = "org/model"
	env := snapshot.Environment{GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8}
	r := ok(m, cfg(1, 1), 100, -1)
	r.Environment = &snapshot.Environment{GPU: "NVIDIA H200", GPUsPerNode: 8}
	old := snap(t, "old", day(1, 1), env, ok(m, cfg(1, 1), 100, -1))
	new := snap(t, "new", day(1, 2), env, r)
	d := Compare(old, new, DefaultOptions())
	for _, rows := range [][]Row{d.Configs, d.Models} {
		if n := rows[0].Notes; len(n) != 1 || !strings.Contains(n[0], "GPU model NVIDIA H100 80GB HBM3 -> NVIDIA H200") {
			t.Errorf("notes %q, want the GPU change", n)
		}
	}
}

func TestCommonWorkloadLeftOutOfLabels(t *testing.T) {
	co, cn := clusterPair(t)
	d := Compare(co, cn, DefaultOptions())
	want := map[string]string{"input-dataset-name": "simplescaling/s1K-1.1", "prompt-column": "question", "max-tokens": "1024"}
	if len(d.CommonWorkload) != len(want) {
		t.Fatalf("common workload %v, want %v", d.CommonWorkload, want)
	}
	for k, v := range want {
		if d.CommonWorkload[k] != v {
			t.Errorf("common workload %s=%q, want %q", k, d.CommonWorkload[k], v)
		}
	}
	for _, r := range d.Configs {
		for _, s := range []*Side{r.Old, r.New} {
			if s != nil && strings.Contains(s.ConfigLabel, "max-tokens") {
				t.Errorf("label %q repeats the common workload", s.ConfigLabel)
			}
		}
	}
}

func TestCompareDoesNotModifyInputs(t *testing.T) {
	co, cn := clusterPair(t)
	before, _ := snapshot.Marshal(co)
	Compare(co, cn, DefaultOptions())
	after, _ := snapshot.Marshal(co)
	if string(before) != string(after) {
		t.Error("Compare modified the old snapshot")
	}
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"5", 0.05, false},
		{"5%", 0.05, false},
		{" 2.5 % ", 0.025, false},
		{"0", 0, false},
		{"", 0, true},
		{"%", 0, true},
		{"-1", 0, true},
		{"five", 0, true},
		{"NaN", 0, true},
		{"Inf%", 0, true},
		{"5%%", 0, true},
	}
	for _, tt := range tests {
		got, err := ParsePercent(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && math.Abs(got-tt.want) > 1e-15) {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got := FormatPercent(0.05); got != "5%" {
		t.Errorf("FormatPercent(0.05) = %q", got)
	}
}
