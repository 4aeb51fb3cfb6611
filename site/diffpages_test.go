package site_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
	"github.com/lineup-dev/lineup/site/diff"
)

// diffDir is the folder of the diff page of a pair.
func diffDir(old, new string) string { return filepath.Join("diffs", old+"--"+new) }

// cellsOf is what the diff page's table shows for a row of d, computed
// from the diff package's values: model, old config, new config, match,
// old and new output TPS/GPU, change, significance, flag (without its
// symbol).
func cellsOf(r diff.Row) []string {
	rate := func(s *diff.Side) string {
		if s == nil || s.OutputTPSPerGPU == nil {
			return "—"
		}
		v := *s.OutputTPSPerGPU
		switch {
		case v >= 100:
			return strconv.FormatFloat(v, 'f', 0, 64)
		case v >= 10:
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	label := func(s *diff.Side) string {
		switch {
		case s == nil:
			return ""
		case s.Config == nil:
			return "(no OK run)"
		}
		return s.ConfigLabel
	}
	newCfg := label(r.New)
	if r.Old != nil && r.New != nil && (r.Match == diff.MatchExact || r.Match == diff.BestSame) {
		newCfg = "same"
	}
	match := r.Match
	if r.Ambiguous {
		match += ", ambiguous"
	}
	change := ""
	if r.OutputChange != nil {
		change = fmt.Sprintf("%+.1f%%", *r.OutputChange*100)
	}
	flag := r.Flag.Text()
	switch {
	case r.Flag == diff.NowFixed && r.Reason != "":
		flag = "now fixed (was " + r.Reason + ")"
	case r.Reason != "":
		flag += ": " + r.Reason
	}
	return []string{r.Model, label(r.Old), newCfg, match, rate(r.Old), rate(r.New), change, r.Significance, flag}
}

// shown picks the cells of a page row that cellsOf computes, in its order,
// the flag without its symbol.
func shown(row []string) []string {
	flag := row[7]
	if _, after, ok := strings.Cut(flag, " "); ok {
		flag = after
	}
	return []string{row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[8], flag}
}

// The two bundled example snapshots share seven models: their diff page
// is on the built site, linked from the snapshots page, with both views
// as `lineup diff` computes them, partial matches said as such.
func TestExampleDiffPage(t *testing.T) {
	out := build(t, "../content", site.Options{ECharts: echartsStub})
	a, b := exampleSnapshots(t)
	d := diff.Compare(a, b, diff.DefaultOptions())
	dir := filepath.Join(out, diffDir(a.ID, b.ID))
	page := filepath.Join(dir, "index.html")
	shared := 0
	for _, r := range d.Models {
		if r.Old != nil && r.New != nil {
			shared++
		}
	}
	if shared != 7 {
		t.Fatalf("the example snapshots share %d models, want 7", shared)
	}
	for _, v := range []struct {
		id   string
		rows []diff.Row
	}{{"diff-models", d.Models}, {"diff-configs", d.Configs}} {
		rows := tableRows(t, page, v.id)
		if len(rows) != len(v.rows) {
			t.Fatalf("#%s has %d rows, want %d", v.id, len(rows), len(v.rows))
		}
		for i, r := range v.rows {
			if got, want := shown(rows[i]), cellsOf(r); !slices.Equal(got, want) {
				t.Errorf("#%s row %d:\n got %q\nwant %q", v.id, i, got, want)
			}
			if notes := rows[i][13]; notes != strings.Join(r.Notes, "") {
				t.Errorf("#%s row %d notes = %q, want %q", v.id, i, notes, r.Notes)
			}
		}
	}
	html, err := os.ReadFile(page)
	must(t, err)
	for _, want := range []string{
		"partial, ambiguous", // table A states only TP and PP
		"not compared: dp, mns, mnbt, gmu, bs, kvc, spec, quant",
		"neither snapshot states its dataset or prompt settings", // a comparability warning
		`data-chart-for="chart-change"`,
		"Geometric mean (" + strconv.Itoa(d.ModelSummary.N) + " rows)",
	} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("example diff page lacks %q", want)
		}
	}
	// The JSON beside it is `lineup diff -format json`.
	var buf bytes.Buffer
	must(t, diff.WriteJSON(&buf, d))
	got, err := os.ReadFile(filepath.Join(dir, "diff.json"))
	must(t, err)
	if !bytes.Equal(got, buf.Bytes()) {
		t.Error("diff.json differs from lineup diff -format json")
	}
	// Both rows of the snapshots page link to it.
	snaps, err := os.ReadFile(filepath.Join(out, "snapshots", "index.html"))
	must(t, err)
	link := `href="../diffs/` + a.ID + `--` + b.ID + `/index.html"`
	if n := bytes.Count(snaps, []byte(link)); n != 2 {
		t.Errorf("snapshots page links the example diff %d times, want 2 (one per row)", n)
	}
}

// Pairs: consecutive by date, plus pairs that differ only in vLLM version.
func TestDiffPagePairs(t *testing.T) {
	env := h100Env
	at := func(id string, day int, e snapshot.Environment, extra ...string) *snapshot.Snapshot {
		return pairSnapshot(t, id, day, e, measured("acme/M-8B", engineCfg(1, 256, extra...), 1000+float64(day), 100))
	}
	with := func(f func(*snapshot.Environment)) snapshot.Environment {
		e := env
		f(&e)
		return e
	}
	v15 := func(e *snapshot.Environment) { e.VLLMVersion = "0.15.0" }
	tests := []struct {
		name  string
		snaps []*snapshot.Snapshot
		want  []string // diff folders
	}{
		{"one snapshot", []*snapshot.Snapshot{at("s1", 1, env)}, nil},
		{"consecutive only: the middle one has another GPU", []*snapshot.Snapshot{
			at("s1", 1, env), at("s2", 2, with(func(e *snapshot.Environment) { e.GPU = "NVIDIA A100-SXM4-80GB"; e.VLLMVersion = "0.15.0" })), at("s3", 3, env),
		}, []string{"s1--s2", "s2--s3"}},
		{"vLLM only, two apart", []*snapshot.Snapshot{
			at("s1", 1, env), at("s2", 2, with(func(e *snapshot.Environment) { e.DriverVersion = "560.35.03" })), at("s3", 3, with(v15)),
		}, []string{"s1--s2", "s2--s3", "s1--s3"}},
		{"same vLLM is not a vLLM pair", []*snapshot.Snapshot{at("s1", 1, env), at("s2", 2, env), at("s3", 3, env)}, []string{"s1--s2", "s2--s3"}},
		{"unstated vLLM is not a vLLM pair", []*snapshot.Snapshot{
			at("s1", 1, with(func(e *snapshot.Environment) { e.VLLMVersion = "" })), at("s2", 2, with(func(e *snapshot.Environment) { e.GPUsPerNode = 4 })), at("s3", 3, with(v15)),
		}, []string{"s1--s2", "s2--s3"}},
		{"other GPUs per node", []*snapshot.Snapshot{
			at("s1", 1, env), at("s2", 2, with(func(e *snapshot.Environment) { e.GPU = "x" })), at("s3", 3, with(func(e *snapshot.Environment) { e.VLLMVersion = "0.15.0"; e.GPUsPerNode = 4 })),
		}, []string{"s1--s2", "s2--s3"}},
		{"other workload", []*snapshot.Snapshot{
			at("s1", 1, env), at("s2", 2, with(func(e *snapshot.Environment) { e.GPU = "x" })), at("s3", 3, with(v15), "max-tokens", "2048"),
		}, []string{"s1--s2", "s2--s3"}},
		{"scheduling arguments do not count", []*snapshot.Snapshot{
			at("s1", 1, env), at("s2", 2, with(func(e *snapshot.Environment) { e.GPU = "x" })), at("s3", 3, with(v15), "qos", "high", "output-dir", "elsewhere"),
		}, []string{"s1--s2", "s2--s3", "s1--s3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := build(t, contentDir(t, tt.snaps...), site.Options{})
			var got []string
			entries, _ := os.ReadDir(filepath.Join(out, "diffs"))
			for _, e := range entries {
				got = append(got, e.Name())
			}
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("diff pages %q, want %q", got, want)
			}
			for _, w := range tt.want {
				page, err := os.ReadFile(filepath.Join(out, "diffs", w, "index.html"))
				must(t, err)
				vllmOnly := bytes.Contains(page, []byte("differ only in vLLM version"))
				if want := w == "s1--s3"; vllmOnly != want {
					t.Errorf("%s says vLLM only: %v, want %v", w, vllmOnly, want)
				}
			}
		})
	}
}

// comparisonGoldenFiles are the comparison pages of the golden site.
var comparisonGoldenFiles = []string{
	"diffs/2026-03-stats-old--2026-03-stats-new/index.html",
	"compare/index.html",
	"history/index.html",
}

// The golden diff, compare and history pages, from the stats pair.
func TestComparisonGolden(t *testing.T) {
	so, sn := statsPair(t)
	out := build(t, contentDir(t, so, sn), site.Options{ECharts: echartsStub})
	for _, f := range comparisonGoldenFiles {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Errorf("not written: %v", err)
			continue
		}
		golden := filepath.Join("testdata", "golden", "comparisons", filepath.FromSlash(f))
		if *update {
			must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
			must(t, os.WriteFile(golden, got, 0o644))
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%v (run with -update)", err)
			continue
		}
		if !bytes.Equal(got, want) {
			os.WriteFile(golden+".got", got, 0o644)
			t.Errorf("%s differs from %s; see %s.got, or run with -update", f, golden, golden)
		}
	}
}

// Hostile model names, config values and environment strings stay text
// in the comparison pages and cannot end the <script> elements holding
// chart options and the compare page's data.
func TestComparisonEscaping(t *testing.T) {
	ho, hn := hostilePair(t)
	out := build(t, contentDir(t, ho, hn), site.Options{ECharts: echartsStub})
	pages := []string{filepath.Join(diffDir(ho.ID, hn.ID), "index.html"), "compare/index.html", "history/index.html", "snapshots/index.html"}
	for _, rel := range pages {
		data, err := os.ReadFile(filepath.Join(out, rel))
		must(t, err)
		for _, bad := range []string{"<script>alert", `" onmouseover="alert`, "<i>GPU</i>", "<b>{q}</b>", "0.15.0</script>"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s contains unescaped %q", rel, bad)
			}
		}
		for _, body := range scriptBodies(data) {
			if strings.Contains(strings.ToLower(body), "</script") || strings.Contains(body, "<!--") {
				t.Errorf("%s: a <script> holds %q", rel, body)
			}
		}
	}
	// The names are shown, as text.
	page := filepath.Join(out, diffDir(ho.ID, hn.ID), "index.html")
	var names []string
	for _, r := range tableRows(t, page, "diff-models") {
		names = append(names, r[0])
	}
	want := ho.Models()
	if !slices.Equal(names, want) {
		t.Errorf("model view names %q, want %q", names, want)
	}
	hist := tableRows(t, filepath.Join(out, "history", "index.html"), "history")
	if len(hist) != len(want) {
		t.Errorf("history rows %q, want one per model", hist)
	}
}

// BenchmarkBuildPair renders two synthetic snapshots of 10,200
// configurations each that differ only in vLLM version: the lineups plus
// the diff page of the pair (a consecutive and vLLM-only pair), the
// compare page and the histories.
func BenchmarkBuildPair(b *testing.B) {
	old := syntheticSnapshot(300, 34)
	new := syntheticSnapshot(300, 34)
	new.ID, new.Created, new.Environment.VLLMVersion = "2026-05-01-synthetic", old.Created.AddDate(0, 1, 0), "0.16.0"
	for i := range new.Runs {
		if m := &new.Runs[i].Metrics; m.OutputTPSPerGPU != nil {
			m.DerivePerGPU(m.InputTPSPerGPU, snapshot.Ptr(*m.OutputTPSPerGPU*(0.9+float64(i%5)/20)), 8)
		}
	}
	dir := contentDir(b, old, new)
	out := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := site.Build(context.Background(), site.Options{ContentDir: dir, OutDir: out, ECharts: echartsStub, Version: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
