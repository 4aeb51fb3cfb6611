package site_test

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/collector/snapshot/snapshottest"
	"github.com/lineup-dev/lineup/site"
)

var update = flag.Bool("update", false, "rewrite golden files")

func build(t *testing.T, contentDir string, opts site.Options) string {
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
	return out
}

// tableRows returns the text of every cell of every body row of the table
// with the given id.
func tableRows(t *testing.T, file, id string) [][]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var table *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "table" && attr(n, "id") == id {
			table = n
		}
		for c := n.FirstChild; c != nil && table == nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
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

// The bundled site's front page shows table A: every cell of its 12 rows
// equals the value computed from the example snapshot and the catalog.
func TestLineupFromExampleSnapshot(t *testing.T) {
	out := build(t, "../content", site.Options{})
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
}

func writeSnapshot(t *testing.T, dir string, s *snapshot.Snapshot) {
	t.Helper()
	snapshottest.CheckValue(t, s)
	if err := snapshot.WriteFile(filepath.Join(dir, "snapshots", s.ID+".json"), s, true); err != nil {
		t.Fatal(err)
	}
}

func testSnapshot(models ...string) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Schema: snapshot.SchemaV1, ID: "2026-03-01-test", Title: "Golden test snapshot",
		Created:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Source:      snapshot.Source{Kind: snapshot.SourceCluster, Root: "data"},
		Tool:        snapshot.Tool{Name: "lineup", Version: "test"},
		Environment: snapshot.Environment{VLLMVersion: "0.15.0", GPU: "NVIDIA H100 80GB HBM3", GPUsPerNode: 8},
	}
	for i, m := range models {
		for tp := 1; tp <= 2; tp++ {
			r := snapshot.Run{Model: m, Config: snapshot.Config{TP: tp, PP: 1}, Status: snapshot.Status{State: snapshot.StateOK}}
			r.Metrics.Derive(snapshot.Ptr(float64(1000*(i+1)*tp)), snapshot.Ptr(float64(3333*(i+1)*tp)+0.5), tp, 8)
			s.Runs = append(s.Runs, r)
		}
	}
	return s
}

// The golden page guards everything the cell test does not.
func TestGoldenIndex(t *testing.T) {
	content := t.TempDir()
	data, _ := os.ReadFile("testdata/content/models.yaml")
	os.WriteFile(filepath.Join(content, "models.yaml"), data, 0o644)
	writeSnapshot(t, content, testSnapshot("google/gemma-3-1b-it", "openai/gpt-oss-120b", "acme/Mystery-80B-A3B", "acme/unknown"))
	out := build(t, content, site.Options{})
	got, _ := os.ReadFile(filepath.Join(out, "index.html"))
	golden := "testdata/golden/index.html"
	if *update {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(golden+".got", got, 0o644)
		t.Errorf("index.html differs from %s; see %s.got, or run with -update", golden, golden)
	}
}

// A hostile model name and snapshot title render as text, never as markup.
func TestEscaping(t *testing.T) {
	content := t.TempDir()
	data, _ := os.ReadFile("testdata/content/models.yaml")
	os.WriteFile(filepath.Join(content, "models.yaml"), data, 0o644)
	s := testSnapshot(`evil/<script>alert(1)</script>`, `x/" onmouseover="alert(2)`)
	s.Title = "<img src=x onerror=alert(3)>"
	writeSnapshot(t, content, s)
	out := build(t, content, site.Options{})
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, bad := range []string{"<script>alert", `" onmouseover="alert`, "<img src=x"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !bytes.Contains(page, []byte("evil/&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("escaped model name not shown")
	}
	rows := tableRows(t, filepath.Join(out, "index.html"), "lineup")
	if len(rows) != 2 || rows[0][0] != `evil/<script>alert(1)</script>` {
		t.Errorf("rows = %q", rows)
	}
}

func TestBuildErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/content/models.yaml")
	tests := []struct {
		name  string
		setup func(dir string)
		want  string
	}{
		{"no snapshots", func(dir string) { os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755) }, "no snapshots"},
		{"malformed snapshot", func(dir string) {
			os.MkdirAll(filepath.Join(dir, "snapshots"), 0o755)
			os.WriteFile(filepath.Join(dir, "snapshots", "bad.json"), []byte("{\n  \"schema\": \"lineup.snapshot/v1\",\n  \"id\": 7\n}"), 0o644)
		}, "bad.json:3: id: cannot use JSON number"},
		{"no catalog", func(dir string) { os.Remove(filepath.Join(dir, "models.yaml")) }, "models.yaml"},
		{"unknown front", func(dir string) {
			os.WriteFile(filepath.Join(dir, "site.yaml"), []byte("front_snapshot: nope\n"), 0o644)
		}, `front snapshot "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "models.yaml"), good, 0o644)
			if tt.name != "no snapshots" && tt.name != "malformed snapshot" {
				writeSnapshot(t, dir, testSnapshot("google/gemma-3-1b-it"))
			}
			tt.setup(dir)
			_, err := site.Build(context.Background(), site.Options{ContentDir: dir, OutDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// Templates and assets on disk replace the embedded ones.
func TestOverrides(t *testing.T) {
	tpl := t.TempDir()
	for _, f := range []string{"layout.html", "index.html"} {
		data, err := os.ReadFile(filepath.Join("../templates", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "index.html" {
			data = bytes.Replace(data, []byte("<h1>Model lineup</h1>"), []byte("<h1>Our fleet</h1>"), 1)
		}
		os.WriteFile(filepath.Join(tpl, f), data, 0o644)
	}
	st := t.TempDir()
	os.WriteFile(filepath.Join(st, "style.css"), []byte("body{color:red}"), 0o644)
	out := build(t, "../content", site.Options{TemplatesDir: tpl, StaticDir: st})
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	css, _ := os.ReadFile(filepath.Join(out, "assets", "style.css"))
	if !bytes.Contains(page, []byte("<h1>Our fleet</h1>")) || string(css) != "body{color:red}" {
		t.Errorf("overrides not used: page has h1 %v, css %q", bytes.Contains(page, []byte("Our fleet")), css)
	}
}
