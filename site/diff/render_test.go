package diff

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// TestCSVInjection renders a snapshot whose model ids and workload values
// are formulas: every cell that a spreadsheet would evaluate is defused,
// and the numbers stay numbers.
func TestCSVInjection(t *testing.T) {
	evil := "=HYPERLINK(\"http://evil\",\"x\")"
	old := snap(t, "old", day(1, 1), snapshot.Environment{},
		ok(evil, cfg(1, 1, extra("prompt-column", "@SUM(1)")), 100, -1),
		ok("-model", cfg(1, 1), 100, -1))
	new := snap(t, "new", day(1, 2), snapshot.Environment{},
		ok(evil, cfg(1, 1, extra("prompt-column", "+1+1")), 90, -1),
		ok("-model", cfg(1, 1), 50, -1))
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Compare(old, new, DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	if !strings.Contains(raw, "'=HYPERLINK") || !strings.Contains(raw, "'-model") {
		t.Errorf("model ids not defused:\n%s", raw)
	}
	records, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sawNegative := false
	for i, rec := range records {
		if len(rec) != len(csvHeader) {
			t.Errorf("record %d has %d cells, want %d", i, len(rec), len(csvHeader))
		}
		for _, c := range rec {
			if c == "" {
				continue
			}
			if strings.ContainsRune("=+-@\t\r", rune(c[0])) && !snapshot.IsCSVNumber(c) {
				t.Errorf("record %d: cell %q would be evaluated", i, c)
			}
			if c == "-50.0000" {
				sawNegative = true
			}
		}
	}
	if !sawNegative {
		t.Error("the -50% change is not a plain number cell")
	}
}

func TestMarkdownEscapes(t *testing.T) {
	m := "org/a|b_<script>"
	old := snap(t, "old", day(1, 1), snapshot.Environment{}, ok(m, cfg(1, 1), 100, -1))
	new := snap(t, "new", day(1, 2), snapshot.Environment{}, ok(m, cfg(1, 1), 100, -1))
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, Compare(old, new, DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "<script>") || !strings.Contains(out, `org/a\|b\_&lt;script`) {
		t.Errorf("model id not escaped:\n%s", out)
	}
	// Every table row has as many cells as its header.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| model |") || strings.HasPrefix(line, "| org/") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != len(viewHeader)+1 {
				t.Errorf("%d pipes in %q, want %d", n, line, len(viewHeader)+1)
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	co, cn := clusterPair(t)
	d := Compare(co, cn, DefaultOptions())
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	var back Diff
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != Schema || len(back.Configs) != len(d.Configs) || len(back.Models) != len(d.Models) {
		t.Errorf("round trip lost rows: %d/%d configs, %d/%d models", len(back.Configs), len(d.Configs), len(back.Models), len(d.Models))
	}
	for i := range d.Configs {
		if back.Configs[i].Flag != d.Configs[i].Flag {
			t.Errorf("row %d flag %s, want %s", i, back.Configs[i].Flag, d.Configs[i].Flag)
		}
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	empty := snap(t, "empty", day(1, 1), snapshot.Environment{})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Compare(empty, empty, DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"configs": []`, `"models": []`} {
		if !strings.Contains(buf.String(), k) {
			t.Errorf("JSON lacks %s:\n%s", k, buf.String())
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	co, cn := clusterPair(t)
	if err := Write(&bytes.Buffer{}, Compare(co, cn, DefaultOptions()), "html"); err == nil {
		t.Error("format html accepted")
	}
}

func BenchmarkCompare(b *testing.B) {
	co, cn := clusterPair(b)
	for b.Loop() {
		Compare(co, cn, DefaultOptions())
	}
}
