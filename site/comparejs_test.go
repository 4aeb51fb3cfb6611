package site_test

// static/compare.js ports site/diff to the browser. This test runs it
// under node over a table of snapshot pairs and checks that its value is,
// field for field, what `lineup diff -format json` writes (diff.Compare
// then diff.WriteJSON). The pairs are built in comparefixtures_test.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site/diff"
)

// nodeRunner loads compare.js as a CommonJS module and prints, as one JSON
// array, compare(old, new, opt) for every case of the JSON file argv[3].
const nodeRunner = `
const fs = require('fs');
const lc = require(process.argv[2]);
const cases = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const out = cases.map(c => lc.compare(JSON.parse(fs.readFileSync(c.old, 'utf8')), JSON.parse(fs.readFileSync(c.new, 'utf8')), {threshold: c.threshold, alpha: c.alpha}));
process.stdout.write(JSON.stringify(out));
`

func nodePath(t *testing.T) string {
	t.Helper()
	node := os.Getenv("LINEUP_NODE")
	if node == "" {
		node = "/usr/bin/node"
	}
	if _, err := os.Stat(node); err != nil {
		msg := fmt.Sprintf("COMPARE.JS TEST NOT RUN: no node at %s (install nodejs, or set LINEUP_NODE)", node)
		if os.Getenv("LINEUP_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + " — LINEUP_REQUIRE_BROWSER is set")
		}
		t.Skip(msg)
	}
	return node
}

// compareCase is one pair and the options of the comparison.
type compareCase struct {
	name     string
	old, new *snapshot.Snapshot
	opt      diff.Options
}

// runCompareJS runs compare.js over cases and returns its JSON values.
func runCompareJS(t *testing.T, cases []compareCase) []any {
	t.Helper()
	node := nodePath(t)
	dir := t.TempDir()
	type jsCase struct {
		Old       string  `json:"old"`
		New       string  `json:"new"`
		Threshold float64 `json:"threshold"`
		Alpha     float64 `json:"alpha"`
	}
	var jcs []jsCase
	for i, c := range cases {
		write := func(side string, s *snapshot.Snapshot) string {
			// The file the site publishes: snapshot.Marshal's bytes.
			data, err := snapshot.Marshal(s)
			must(t, err)
			f := filepath.Join(dir, fmt.Sprintf("%d-%s.json", i, side))
			must(t, os.WriteFile(f, data, 0o644))
			return f
		}
		jcs = append(jcs, jsCase{write("old", c.old), write("new", c.new), c.opt.Threshold, c.opt.Alpha})
	}
	data, err := json.Marshal(jcs)
	must(t, err)
	casesFile := filepath.Join(dir, "cases.json")
	must(t, os.WriteFile(casesFile, data, 0o644))
	runner := filepath.Join(dir, "runner.js")
	must(t, os.WriteFile(runner, []byte(nodeRunner), 0o644))
	script, err := filepath.Abs("../static/compare.js")
	must(t, err)
	cmd := exec.Command(node, runner, script, casesFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	var vals []any
	if err := json.Unmarshal(out, &vals); err != nil {
		t.Fatalf("compare.js output: %v\n%.500s", err, out)
	}
	if len(vals) != len(cases) {
		t.Fatalf("compare.js returned %d values for %d cases", len(vals), len(cases))
	}
	return vals
}

// goDiffJSON is `lineup diff -format json` of a case, decoded.
func goDiffJSON(t *testing.T, c compareCase) any {
	t.Helper()
	var buf bytes.Buffer
	must(t, diff.WriteJSON(&buf, diff.Compare(c.old, c.new, c.opt)))
	var v any
	must(t, json.Unmarshal(buf.Bytes(), &v))
	return v
}

// jsonDiffs lists where got and want differ, by JSON path. Numbers agree
// to 1e-12 relative (Go's math.Log and math.Exp use assembly on amd64,
// V8 its own port of fdlibm: the last bit may differ); every other value,
// every key and every list length must be equal. "created" times are
// compared as instants (Go writes them in RFC 3339 again).
func jsonDiffs(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want an object", path, got)}
		}
		var out []string
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing, want %v", path, k, wv))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: got %v, want no such key", path, k, gv))
			case k == "created":
				gt, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(gv))
				wt, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(wv))
				if err1 != nil || err2 != nil || !gt.Equal(wt) {
					out = append(out, fmt.Sprintf("%s.%s: got %v, want %v", path, k, gv, wv))
				}
			default:
				out = append(out, jsonDiffs(path+"."+k, gv, wv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, want)}
		}
		var out []string
		for i := range w {
			out = append(out, jsonDiffs(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return out
	case float64:
		g, ok := got.(float64)
		if !ok || !(g == w || math.Abs(g-w) <= 1e-12*math.Max(math.Abs(g), math.Abs(w))) {
			return []string{fmt.Sprintf("%s: got %v, want %v", path, got, w)}
		}
		return nil
	default:
		if got != want {
			return []string{fmt.Sprintf("%s: got %#v, want %#v", path, got, want)}
		}
		return nil
	}
}

func TestCompareJSMatchesLineupDiff(t *testing.T) {
	cases := compareCases(t)
	vals := runCompareJS(t, cases)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := goDiffJSON(t, c)
			for _, d := range jsonDiffs("", vals[i], want) {
				t.Error(d)
			}
		})
	}
}

// The checker finds what it is for: a value, a missing key, an extra key,
// a list length and a number beyond the tolerance.
func TestJSONDiffsDetects(t *testing.T) {
	want := map[string]any{"a": 1.0, "b": []any{"x"}, "c": "s", "n": 100.0}
	for _, got := range []map[string]any{
		{"a": 2.0, "b": []any{"x"}, "c": "s", "n": 100.0},
		{"b": []any{"x"}, "c": "s", "n": 100.0},
		{"a": 1.0, "b": []any{"x"}, "c": "s", "n": 100.0, "d": true},
		{"a": 1.0, "b": []any{"x", "y"}, "c": "s", "n": 100.0},
		{"a": 1.0, "b": []any{"x"}, "c": "t", "n": 100.0},
		{"a": 1.0, "b": []any{"x"}, "c": "s", "n": 100.000001},
	} {
		if len(jsonDiffs("", got, want)) == 0 {
			t.Errorf("no difference found between %v and %v", got, want)
		}
	}
	if d := jsonDiffs("", map[string]any{"n": 100.0 * (1 + 1e-15)}, map[string]any{"n": 100.0}); len(d) != 0 {
		t.Errorf("a last-bit difference is reported: %v", d)
	}
}

// The table of pairs reaches every rule compare.js ports: each flag and
// match kind, both U test methods, the smallest-p note (whose p of 1/16
// is a rounding tie Go and JavaScript format differently unless handled),
// ambiguous joins, both warning kinds, per-run hardware and the common
// workload.
func TestCompareCasesCoverRules(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range compareCases(t) {
		d := diff.Compare(c.old, c.new, c.opt)
		if len(d.CommonWorkload) > 0 {
			seen["common workload"] = true
		}
		for _, w := range d.Warnings {
			seen["warning "+w.Kind] = true
		}
		for _, r := range append(slices.Clone(d.Configs), d.Models...) {
			seen["flag "+string(r.Flag)] = true
			seen["match "+r.Match] = true
			if r.Ambiguous {
				seen["ambiguous"] = true
			}
			if r.Test != nil {
				seen["u test "+r.Test.Method] = true
			}
			for _, n := range r.Notes {
				for _, s := range []string{"smallest possible p=0.062", "measured on different hardware", "new runs failed", "not significant", "best config changed", "best configs agree"} {
					if strings.Contains(n, s) {
						seen["note "+s] = true
					}
				}
			}
		}
	}
	for _, want := range []string{
		"flag faster", "flag slower", "flag within-noise", "flag new", "flag gone", "flag now-failing", "flag now-fixed", "flag still-failing",
		"match exact", "match partial", "match same", "match compatible", "match changed", "ambiguous",
		"u test exact", "u test normal", "warning differs", "warning unknown", "common workload",
		"note smallest possible p=0.062", "note measured on different hardware", "note new runs failed", "note not significant",
		"note best config changed", "note best configs agree",
	} {
		if !seen[want] {
			t.Errorf("no case reaches %q", want)
		}
	}
}
