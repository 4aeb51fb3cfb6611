package site_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
)

var update = flag.Bool("update", false, "rewrite golden files")

// echartsStub stands in for the npm ECharts build in tests that do not run
// a browser: the site copies it and pages reference it like the real one.
const echartsStub = "testdata/echarts-stub.js"

// build renders contentDir into a fresh directory and checks every page
// is well formed and every link resolves.
func build(t testing.TB, contentDir string, opts site.Options) string {
	t.Helper()
	out := t.TempDir()
	opts.ContentDir, opts.OutDir = contentDir, out
	if opts.Version == "" {
		opts.Version = "test"
	}
	if _, err := site.Build(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out)
	checkLinks(t, out)
	checkNoExternalRefs(t, out)
	return out
}

func parseHTML(t testing.TB, file string) *html.Node {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// find returns the first element for which match is true.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n.Type == html.ElementNode && match(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, match); f != nil {
			return f
		}
	}
	return nil
}

// tableRows returns the text of every cell of every body row of the table
// with the given id.
func tableRows(t testing.TB, file, id string) [][]string {
	t.Helper()
	table := find(parseHTML(t, file), func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == id })
	if table == nil {
		t.Fatalf("%s: no table #%s", file, id)
	}
	var rows [][]string
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inBody bool) {
		if n.Type == html.ElementNode && n.Data == "tbody" {
			inBody = true
		}
		if inBody && n.Type == html.ElementNode && n.Data == "tr" {
			var cells []string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
					cells = append(cells, strings.TrimSpace(text(c)))
				}
			}
			rows = append(rows, cells)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inBody)
		}
	}
	walk(table, false)
	return rows
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(text(c))
	}
	return b.String()
}

func readCSV(t testing.TB, file string) [][]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return recs
}

// The bundled site's front page shows table A: every cell of its 12 rows
// equals the value computed from the example snapshot and the catalog.
func TestLineupFromExampleSnapshot(t *testing.T) {
	out := build(t, "../content", site.Options{ECharts: echartsStub})
	s, err := snapshot.ReadFile("../content/snapshots/2026-01-datatrove-lineup.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load("../content/models.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, filepath.Join(out, "index.html"), "lineup")
	if len(rows) != 12 || len(s.Runs) != 12 {
		t.Fatalf("lineup shows %d rows from a snapshot of %d runs, want 12", len(rows), len(s.Runs))
	}
	round := func(v *float64) string { return strconv.Itoa(int(math.Round(*v))) }
	// Table A lists one (best) configuration per model, in catalog order,
	// which is the published order.
	for i, r := range s.Runs {
		info := cat.Describe(r.Model)
		want := []string{
			r.Model,
			catalog.ArchBadge(info.Architecture).String(),
			catalog.SizeBadge(info.SizeClass).String(),
			strconv.Itoa(r.Config.TP),
			strconv.Itoa(r.Config.PP),
			round(r.Metrics.InputTPSPerGPU),
			round(r.Metrics.OutputTPSPerGPU),
			round(r.Metrics.GPUsFor1BTokensPerHour),
		}
		if strings.Join(rows[i], " | ") != strings.Join(want, " | ") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want)
		}
	}
	// The seed's table shows these badges for its first and last rows.
	if rows[0][1] != "🧱 Dense" || rows[0][2] != "🐣 Compact" || rows[11][1] != "🔀 MoE" || rows[11][2] != "🐋 Enormous" {
		t.Errorf("badges differ from the seed's table: first %q, last %q", rows[0], rows[11])
	}
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, want := range []string{"2026-01-datatrove-lineup", "H100 80GB", "vLLM version not stated", "🦖 Large: 100B-500B parameters"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("front page lacks %q", want)
		}
	}
	// The other example snapshot renders as its own lineup, with table B's
	// 36 configurations on its model pages and in its CSV.
	b, err := snapshot.ReadFile("../content/snapshots/2026-02-datatrove-vllm-0.15.0.json")
	if err != nil {
		t.Fatal(err)
	}
	rowsB := tableRows(t, filepath.Join(out, "snapshots", b.ID, "index.html"), "lineup")
	if len(rowsB) != len(b.Best()) {
		t.Errorf("snapshot B lineup has %d rows, want %d (one per model)", len(rowsB), len(b.Best()))
	}
	if recs := readCSV(t, filepath.Join(out, "data", b.ID+".csv")); len(recs) != 1+len(b.Runs) {
		t.Errorf("snapshot B CSV has %d records, want a header and %d runs", len(recs), len(b.Runs))
	}
	for _, f := range []string{"methodology.html", "snapshots/index.html", "models/index.html", "404.html", ".nojekyll", "favicon.svg", "assets/echarts.min.js", "data/" + s.ID + ".json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("bundled site lacks %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sitemap.xml")); err == nil {
		t.Error("sitemap.xml written without a base URL")
	}
}

// The published snapshot JSON is the snapshot, byte for byte as
// snapshot.Marshal writes it, so the compare page reads what collect wrote.
func TestSnapshotJSONDownload(t *testing.T) {
	s := richSnapshot()
	out := build(t, contentDir(t, s), site.Options{})
	got, err := snapshot.ReadFile(filepath.Join(out, "data", s.ID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := snapshot.Marshal(s)
	b, _ := snapshot.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Error("data/<id>.json does not round-trip to the snapshot")
	}
}

// goldenFiles are the files of the rich snapshot's site the golden test
// holds: the pages and one of each download.
var goldenFiles = []string{
	"index.html",
	"models/index.html",
	"models/google-gemma-3-1b-it/index.html",
	"models/google-gemma-3-1b-it/google-gemma-3-1b-it.csv",
	"models/google-gemma-3-1b-it/runs/tp1-pp1-dp1-mns256-mnbt8192-gmu90-bs16.csv",
	"models/google-gemma-3-1b-it/runs/tp1-pp1-dp1-mns256-mnbt8192-gmu90-bs16.timeline.csv",
	"snapshots/index.html",
	"snapshots/2026-01-15-older/index.html",
	"methodology.html",
	"404.html",
	"sitemap.xml",
}

// The golden files guard everything the cell tests do not.
func TestGolden(t *testing.T) {
	out := build(t, contentDir(t, richSnapshot(), olderSnapshot()), site.Options{ECharts: echartsStub, BaseURL: "https://example.org/lineup"})
	for _, f := range goldenFiles {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Errorf("not written: %v", err)
			continue
		}
		golden := filepath.Join("testdata", "golden", filepath.FromSlash(f))
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

// The model page shows what the collector records: every configuration,
// failures with their reasons, warnings next to the number they concern,
// the timeline and the reproducibility bundle.
func TestModelPage(t *testing.T) {
	s := richSnapshot()
	out := build(t, contentDir(t, s), site.Options{ECharts: echartsStub})
	file := filepath.Join(out, "models", "google-gemma-3-1b-it", "index.html")
	rows := tableRows(t, file, "configs")
	if len(rows) != 3 {
		t.Fatalf("gemma has %d configuration rows, want 3: %q", len(rows), rows)
	}
	// Columns that vary: tp and spec; the rest is folded into the header.
	r1, r2 := s.Runs[0], s.Runs[1]
	want := [][]string{
		{"1", "ngram_6", formatInt(r2.Metrics.InputTPSPerGPU), formatInt(r2.Metrics.OutputTPSPerGPU) + "⚠", formatInt(r2.Metrics.GPUsFor1BTokensPerHour)},
		{"1", "none", formatInt(r1.Metrics.InputTPSPerGPU), formatInt(r1.Metrics.OutputTPSPerGPU), formatInt(r1.Metrics.GPUsFor1BTokensPerHour)},
		{"2", "none", "—", "—", "—"},
	}
	for i, w := range want {
		if got := rows[i][:5]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
	if rows[2][6] != "failed (OOM)" {
		t.Errorf("failed row status = %q", rows[2][6])
	}
	page, _ := os.ReadFile(file)
	for _, want := range []string{
		"all with <code>pp=1 dp=1 mns=256 mnbt=8192 gmu=0.9 bs=16 kvc=auto quant=none</code>",
		"torch.OutOfMemoryError: CUDA out of memory",                  // failure detail
		"only 2 steady stats lines (fewer than 3)",                    // warning text
		`data-chart-for="chart-timeline"`,                             // timeline of the best run
		`--speculative-config &#39;{&#34;method&#34;:&#34;ngram&#34;`, // serve command
		"570.124.06", "0.15.0", "NVIDIA H100 80GB HBM3", // bundle
		"runs/tp1-pp1-dp1-ngram-6-mns256-mnbt8192-gmu90-bs16.csv",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("model page lacks %q", want)
		}
	}
	// The per-configuration CSV: a header and one row.
	recs := readCSV(t, filepath.Join(out, "models", "google-gemma-3-1b-it", "runs", "tp1-pp1-dp1-mns256-mnbt8192-gmu90-bs16.csv"))
	if len(recs) != 2 {
		t.Fatalf("run CSV has %d records, want 2", len(recs))
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	if got, want := col["output_tps_per_gpu"], strconv.FormatFloat(*r1.Metrics.OutputTPSPerGPU, 'f', 6, 64); got != want {
		t.Errorf("output_tps_per_gpu = %s, want %s", got, want)
	}
	if col["driver_version"] != "570.124.06" || col["path"] != "data/bench/gemma/tp1-pp1-dp1/spec_none" || col["spec_config"] != "spec_none" {
		t.Errorf("run CSV row = %v", col)
	}
	// The timeline CSV holds every point.
	tl := readCSV(t, filepath.Join(out, "models", "google-gemma-3-1b-it", "runs", "tp1-pp1-dp1-mns256-mnbt8192-gmu90-bs16.timeline.csv"))
	if len(tl) != 1+r1.Timeline.Len() || tl[3][2] != strconv.FormatFloat(r1.Timeline.GenerationTPS[2], 'f', -1, 64) {
		t.Errorf("timeline CSV = %q", tl)
	}
	// A model whose runs all failed still has a page, saying so.
	page, _ = os.ReadFile(filepath.Join(out, "models", "acme-unknown", "index.html"))
	if !bytes.Contains(page, []byte("No configuration of this model produced a throughput")) || !bytes.Contains(page, []byte("DUE TO TIME LIMIT")) {
		t.Error("all-failed model page lacks its explanation")
	}
}

func formatInt(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.Itoa(int(math.Round(*v)))
}

// The full CSV starts with the seed analyzer's columns in its order.
func TestSnapshotCSVColumns(t *testing.T) {
	s := richSnapshot()
	out := build(t, contentDir(t, s), site.Options{})
	recs := readCSV(t, filepath.Join(out, "data", s.ID+".csv"))
	seed := "model,tp,pp,dp,spec_config,gpus_for_1b_tokens_per_hour,node_days_to_process_1b_tokens,gpu_days_to_process_1b_tokens," +
		"input_tps_per_gpu,output_tps_per_gpu,tokens_input_per_sec,tokens_output_per_sec,prompt_tokens_total,completion_tokens_total," +
		"successful_requests,failed_requests,path,comment"
	if got := strings.Join(recs[0][:18], ","); got != seed {
		t.Errorf("header starts\n%s\nwant\n%s", got, seed)
	}
	if len(recs) != 1+len(s.Runs) {
		t.Errorf("%d records, want %d", len(recs), 1+len(s.Runs))
	}
	for i, r := range s.Runs {
		if recs[i+1][0] != r.Model || recs[i+1][1] != strconv.Itoa(r.Config.TP) {
			t.Errorf("record %d = %q, want model %s tp %d", i+1, recs[i+1][:2], r.Model, r.Config.TP)
		}
	}
}

// Hostile model names and configuration values stay text in HTML, cannot
// end the <script> holding chart data, cannot run as spreadsheet formulas
// and are quoted in shell commands.
func TestEscaping(t *testing.T) {
	s := richSnapshot()
	evil := []string{`evil/<script>alert(1)</script>`, `x/" onmouseover="alert(2)`, `=HYPERLINK("http://evil.example/","x")/m`, "a/</script><!--\u2028x"}
	var runs []snapshot.Run
	for _, m := range evil {
		r := s.Runs[0]
		r.Model = m
		r.Config.KVCacheDtype = snapshot.Ptr("auto'; rm -rf ~; echo '")
		r.Config.Extra = map[string]string{"prompt-column": "<b>q</b>"}
		runs = append(runs, r)
	}
	s.Runs = runs
	s.Title = "<img src=x onerror=alert(3)>"
	out := build(t, contentDir(t, s), site.Options{ECharts: echartsStub})
	err := filepathWalk(out, func(rel string, data []byte) {
		if !strings.HasSuffix(rel, ".html") {
			return
		}
		for _, bad := range []string{"<script>alert", `" onmouseover="alert`, "<img src=x", "<b>q</b>"} {
			if bytes.Contains(data, []byte(bad)) {
				t.Errorf("%s contains unescaped %q", rel, bad)
			}
		}
		// Inside every <script>, nothing may close it or open a comment.
		for _, body := range scriptBodies(data) {
			if strings.Contains(strings.ToLower(body), "</script") || strings.Contains(body, "<!--") {
				t.Errorf("%s: a <script> holds %q", rel, body)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := tableRows(t, filepath.Join(out, "index.html"), "lineup")
	if len(rows) != len(evil) {
		t.Fatalf("rows = %q", rows)
	}
	names := map[string]bool{}
	for _, r := range rows {
		names[r[0]] = true
	}
	for _, m := range evil {
		if !names[m] {
			t.Errorf("model %q not shown as text; rows %q", m, rows)
		}
	}
	// CSV: the formula is neutralised, the name otherwise intact.
	recs := readCSV(t, filepath.Join(out, "data", s.ID+".csv"))
	found := false
	for _, r := range recs[1:] {
		if r[0] == "'"+evil[2] {
			found = true
		}
		if strings.HasPrefix(r[0], "=") {
			t.Errorf("CSV cell %q starts a formula", r[0])
		}
	}
	if !found {
		t.Errorf("formula model name not written as '%s", evil[2])
	}
}

// scriptBodies returns the raw text of every <script> element.
func scriptBodies(data []byte) []string {
	z := html.NewTokenizer(bytes.NewReader(data))
	var out []string
	in := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, _ := z.TagName()
			in = string(name) == "script"
		case html.TextToken:
			if in {
				out = append(out, string(z.Text()))
			}
		case html.EndTagToken:
			in = false
		}
	}
}

func TestBuildErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/content/models.yaml")
	tests := []struct {
		name  string
		setup func(dir string)
		opts  site.Options
		want  string
	}{
		{"no snapshots", func(dir string) {
			os.RemoveAll(filepath.Join(dir, "snapshots"))
			os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755)
		}, site.Options{}, "no snapshots"},
		{"malformed snapshot", func(dir string) {
			os.RemoveAll(filepath.Join(dir, "snapshots"))
			os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755)
			os.WriteFile(filepath.Join(dir, "snapshots", "bad.json"), []byte("{\n  \"schema\": \"lineup.snapshot/v1\",\n  \"id\": 7\n}"), 0o644)
		}, site.Options{}, "bad.json:3: id: cannot use JSON number"},
		{"no catalog", func(dir string) { os.Remove(filepath.Join(dir, "models.yaml")) }, site.Options{}, "models.yaml"},
		{"unknown front", func(dir string) {
			os.WriteFile(filepath.Join(dir, "site.yaml"), []byte("front_snapshot: nope\n"), 0o644)
		}, site.Options{}, `front snapshot "nope" not found`},
		{"misspelt site.yaml key", func(dir string) {
			os.WriteFile(filepath.Join(dir, "site.yaml"), []byte("front_snapshots: x\n"), 0o644)
		}, site.Options{}, "site.yaml: yaml: unmarshal errors:\n  line 1: field front_snapshots not found"},
		{"missing echarts", func(string) {}, site.Options{ECharts: "no/such/echarts.min.js"}, "ECharts not found: open no/such/echarts.min.js"},
		{"relative base URL", func(string) {}, site.Options{BaseURL: "/lineup/"}, "want an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := contentDir(t, richSnapshot())
			os.WriteFile(filepath.Join(dir, "models.yaml"), good, 0o644)
			tt.setup(dir)
			opts := tt.opts
			opts.ContentDir, opts.OutDir = dir, t.TempDir()
			_, err := site.Build(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := site.Build(context.Background(), site.Options{ContentDir: contentDir(t, richSnapshot()), OutDir: t.TempDir(), ECharts: "nope.js"})
	if !errors.Is(err, site.ErrNoECharts) {
		t.Errorf("missing ECharts: err = %v, want ErrNoECharts", err)
	}
}

// Without ECharts the site has no charts and references no chart script;
// the tables carry every number.
func TestNoCharts(t *testing.T) {
	out := build(t, contentDir(t, richSnapshot()), site.Options{})
	filepathWalk(out, func(rel string, data []byte) {
		if strings.HasSuffix(rel, ".html") && (bytes.Contains(data, []byte("echarts.min.js")) || bytes.Contains(data, []byte("data-chart-for"))) {
			t.Errorf("%s refers to charts in a build without ECharts", rel)
		}
	})
	if _, err := os.Stat(filepath.Join(out, "assets", "echarts.min.js")); err == nil {
		t.Error("echarts.min.js written without -echarts")
	}
}

// Templates and assets on disk replace the embedded ones.
func TestOverrides(t *testing.T) {
	tpl := t.TempDir()
	entries, err := os.ReadDir("../templates")
	must(t, err)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".html" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../templates", e.Name()))
		must(t, err)
		if e.Name() == "index.html" {
			data = bytes.Replace(data, []byte("<h1>{{if .Edition.Front}}Model lineup"), []byte("<h1>{{if .Edition.Front}}Our fleet"), 1)
		}
		must(t, os.WriteFile(filepath.Join(tpl, e.Name()), data, 0o644))
	}
	st := t.TempDir()
	must(t, os.WriteFile(filepath.Join(st, "style.css"), []byte("body{color:red}"), 0o644))
	must(t, os.WriteFile(filepath.Join(st, "site.js"), []byte("// ours"), 0o644))
	must(t, os.WriteFile(filepath.Join(st, "favicon.svg"), []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), 0o644))
	out := build(t, "../content", site.Options{TemplatesDir: tpl, StaticDir: st})
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	css, _ := os.ReadFile(filepath.Join(out, "assets", "style.css"))
	if !bytes.Contains(page, []byte("<h1>Our fleet</h1>")) || string(css) != "body{color:red}" {
		t.Errorf("overrides not used: page has h1 %v, css %q", bytes.Contains(page, []byte("Our fleet")), css)
	}
}

// With a base URL, the sitemap lists every page by absolute URL and the
// 404 page resolves its links against the base.
func TestSitemapAndBase(t *testing.T) {
	out := build(t, contentDir(t, richSnapshot(), olderSnapshot()), site.Options{BaseURL: "https://example.org/repo"})
	sm, err := os.ReadFile(filepath.Join(out, "sitemap.xml"))
	must(t, err)
	var pages int
	filepathWalk(out, func(rel string, _ []byte) {
		if strings.HasSuffix(rel, ".html") && rel != "404.html" {
			pages++
			loc := "<loc>https://example.org/repo/" + strings.TrimSuffix(rel, "index.html") + "</loc>"
			if !bytes.Contains(sm, []byte(loc)) {
				t.Errorf("sitemap lacks %s", loc)
			}
		}
	})
	if n := bytes.Count(sm, []byte("<loc>")); n != pages {
		t.Errorf("sitemap has %d URLs for %d pages", n, pages)
	}
	nf, _ := os.ReadFile(filepath.Join(out, "404.html"))
	if !bytes.Contains(nf, []byte(`<base href="https://example.org/repo/">`)) {
		t.Error("404.html has no <base>")
	}
}
