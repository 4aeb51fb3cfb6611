package site_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
	"github.com/lineup-dev/lineup/site/budget"
)

// budgetPageRow is one row of the budget page's table: the cells' text,
// their data-v (the exact number behind a cell, nil where there is none)
// and the row's attributes.
type budgetPageRow struct {
	Model  string    `json:"model"`
	Config string    `json:"config"`
	Error  string    `json:"error"`
	Cells  []string  `json:"cells"`
	Values []*string `json:"values"`
}

// budgetCLIReport is what `lineup budget -format json` prints for plan on
// s: the command's own steps (budget.Select, NewReport, Write), read back
// from its JSON.
func budgetCLIReport(t testing.TB, s *snapshot.Snapshot, models []string, plan budget.Plan, sortBy string) budget.Report {
	t.Helper()
	engines, err := budget.Select(s, models, "")
	must(t, err)
	r, err := budget.NewReport(s, engines, plan, sortBy)
	must(t, err)
	var buf bytes.Buffer
	must(t, r.Write(&buf, "json"))
	var out budget.Report
	must(t, json.Unmarshal(buf.Bytes(), &out))
	return out
}

// budgetDuration writes a start-up time as `lineup budget` does: Go's
// Duration rounded to the second, "10m0s" shortened to "10m" and "1h0m0s"
// to "1h".
func budgetDuration(sec float64) string {
	s := time.Duration(sec * float64(time.Second)).Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// wantBudgetRows is the table the page must show for report: every cell
// formatted from the JSON row, with the exact value behind each number.
func wantBudgetRows(report budget.Report) []budgetPageRow {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	fixed := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	var rows []budgetPageRow
	for _, r := range report.Rows {
		overhead := budgetDuration(r.OverheadSeconds)
		if !r.OverheadMeasured && r.OverheadSeconds == budget.DefaultOverhead.Seconds() {
			overhead += "*"
		}
		row := budgetPageRow{Model: r.Model, Config: r.Config, Error: r.ErrorCode,
			Cells: []string{r.Model, r.Run, r.Config, num(r.OutputTPSPerGPU), fixed(r.GPUsFor1BPerHour, 1), num(r.GPUsFor1BPerHourWhole), overhead}}
		vals := []float64{r.OutputTPSPerGPU, r.GPUsFor1BPerHour, r.GPUsFor1BPerHourWhole, r.OverheadSeconds}
		if r.ErrorCode != "" {
			row.Cells = append(row.Cells, "—", "—", "—", "—", "—", "—", "(a note)")
		} else {
			cost := "—"
			if r.Cost != nil {
				cost = fixed(*r.Cost, 2)
			}
			row.Cells = append(row.Cells, strconv.Itoa(r.Replicas), strconv.Itoa(r.GPUs), strconv.Itoa(r.Nodes),
				fixed(r.WallHours, 2), fixed(r.GPUHours, 1), cost, "")
			vals = append(vals, float64(r.Replicas), float64(r.GPUs), float64(r.Nodes), r.WallHours, r.GPUHours)
			if r.Cost != nil {
				vals = append(vals, *r.Cost)
			}
		}
		for _, v := range vals {
			row.Values = append(row.Values, snapshot.Ptr(strconv.FormatFloat(v, 'g', -1, 64)))
		}
		rows = append(rows, row)
	}
	return rows
}

// compareBudgetRows wants got to show want: every cell's text, and every
// number's data-v reading back as the same float64 bit for bit. An error
// row's note is the page's own wording; it must say something.
func compareBudgetRows(t *testing.T, what string, got, want []budgetPageRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d:\n got %+v\nwant %+v", what, len(got), len(want), got, want)
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Model != w.Model || g.Config != w.Config || g.Error != w.Error {
			t.Errorf("%s row %d: %s %s error %q, want %s %s error %q", what, i, g.Model, g.Config, g.Error, w.Model, w.Config, w.Error)
		}
		cells := slices.Clone(g.Cells)
		if w.Error != "" && len(cells) == len(w.Cells) {
			if cells[len(cells)-1] == "" {
				t.Errorf("%s row %d: no note says why %s cannot meet the plan", what, i, w.Model)
			}
			cells[len(cells)-1] = "(a note)"
		}
		if strings.Join(cells, " | ") != strings.Join(w.Cells, " | ") {
			t.Errorf("%s row %d cells:\n got %q\nwant %q", what, i, cells, w.Cells)
		}
		var vals []float64
		for _, v := range g.Values {
			if v == nil || *v == "" {
				continue
			}
			f, err := strconv.ParseFloat(*v, 64)
			if err != nil {
				t.Errorf("%s row %d: data-v %q: %v", what, i, *v, err)
			}
			vals = append(vals, f)
		}
		var wantVals []float64
		for _, v := range w.Values {
			f, _ := strconv.ParseFloat(*v, 64)
			wantVals = append(wantVals, f)
		}
		if !slices.Equal(vals, wantVals) {
			t.Errorf("%s row %d values:\n got %v\nwant %v", what, i, vals, wantVals)
		}
	}
}

// staticBudgetRows reads the budget table of a page file as the browser
// would show it without JavaScript.
func staticBudgetRows(t *testing.T, file string) []budgetPageRow {
	t.Helper()
	table := find(parseHTML(t, file), func(n *html.Node) bool { return n.Data == "table" && attr(n, "id") == "budget" })
	if table == nil {
		t.Fatalf("%s: no table #budget", file)
	}
	tbody := find(table, func(n *html.Node) bool { return n.Data == "tbody" })
	var rows []budgetPageRow
	for tr := tbody.FirstChild; tr != nil; tr = tr.NextSibling {
		if tr.Type != html.ElementNode {
			continue
		}
		row := budgetPageRow{Model: attr(tr, "data-model"), Config: attr(tr, "data-config"), Error: attr(tr, "data-error")}
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			row.Cells = append(row.Cells, text(c))
			var v *string
			for _, a := range c.Attr {
				if a.Key == "data-v" {
					v = snapshot.Ptr(a.Val)
				}
			}
			row.Values = append(row.Values, v)
		}
		rows = append(rows, row)
	}
	return rows
}

// The page without JavaScript: the default plan's table equals what
// `lineup budget -tokens 1B -hours 24 -format json` prints, cell by cell.
func TestBudgetPageStatic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		snaps []*snapshot.Snapshot
		dir   string
	}{
		{"rich snapshot", []*snapshot.Snapshot{richSnapshot()}, ""},
		{"bundled content", nil, "../content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir
			if dir == "" {
				dir = contentDir(t, tc.snaps...)
			}
			content, err := site.Load(dir)
			must(t, err)
			out := build(t, dir, site.Options{})
			front := frontSnapshot(t, content)
			want := wantBudgetRows(budgetCLIReport(t, front, nil, budget.Plan{Tokens: 1e9, Hours: 24}, budget.SortCost))
			if len(want) == 0 {
				t.Fatal("the fixture sizes no model")
			}
			compareBudgetRows(t, "static table", staticBudgetRows(t, filepath.Join(out, "budget", "index.html")), want)

			// The embedded data is the snapshot's engines, exactly.
			page, err := os.ReadFile(filepath.Join(out, "budget", "index.html"))
			must(t, err)
			var got budget.PageData
			must(t, json.Unmarshal([]byte(scriptByID(t, page, "budget-data")), &got))
			wantData, _ := json.Marshal(budget.NewPageData(front))
			gotData, _ := json.Marshal(got)
			if !bytes.Equal(gotData, wantData) {
				t.Errorf("embedded page data differs from budget.NewPageData:\n got %s\nwant %s", gotData, wantData)
			}
			// Its scripts are beside it, the lineup and the nav link to it.
			for _, f := range []string{"budget/budget.js", "budget/page.js"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Error(err)
				}
			}
			lineup, _ := os.ReadFile(filepath.Join(out, "index.html"))
			if n := bytes.Count(lineup, []byte(`href="budget/index.html"`)); n != 2 {
				t.Errorf("the lineup links to the budget page %d times, want twice (nav and text)", n)
			}
		})
	}
}

func frontSnapshot(t *testing.T, c *site.Content) *snapshot.Snapshot {
	t.Helper()
	if id := c.Config.FrontSnapshot; id != "" {
		s, ok := c.Snapshot(id)
		if !ok {
			t.Fatalf("front snapshot %s missing", id)
		}
		return s
	}
	return c.Snapshots[len(c.Snapshots)-1]
}

// scriptByID returns the text of the <script> element with the given id.
func scriptByID(t *testing.T, page []byte, id string) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	must(t, err)
	n := find(doc, func(n *html.Node) bool { return n.Data == "script" && attr(n, "id") == id })
	if n == nil {
		t.Fatalf("no <script id=%q>", id)
	}
	return text(n)
}

// Hostile model names reach the budget page as text: in the table, the
// model filter and the embedded JSON, which reads back unchanged.
func TestBudgetPageEscaping(t *testing.T) {
	s := richSnapshot()
	evil := []string{`evil/<script>alert(1)</script>`, `x/" onmouseover="alert(2)`, "a/</script><!--\u2028x", `q/'&amp;<b>`}
	var runs []snapshot.Run
	for _, m := range evil {
		r := s.Runs[0]
		r.Model, r.Name = m, m+"-run"
		runs = append(runs, r)
	}
	s.Runs = runs
	out := build(t, contentDir(t, s), site.Options{})
	file := filepath.Join(out, "budget", "index.html")
	page, err := os.ReadFile(file)
	must(t, err)
	for _, bad := range []string{"<script>alert", `" onmouseover="alert`, "<b>"} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("budget page contains unescaped %q", bad)
		}
	}
	for _, body := range scriptBodies(page) {
		if strings.Contains(strings.ToLower(body), "</script") || strings.Contains(body, "<!--") {
			t.Errorf("a <script> holds %q", body)
		}
	}
	var data budget.PageData
	must(t, json.Unmarshal([]byte(scriptByID(t, page, "budget-data")), &data))
	var got []string
	for _, e := range data.Engines {
		got = append(got, e.Model)
	}
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(evil))) {
		t.Errorf("embedded models = %q, want %q", got, evil)
	}
	var shown []string
	for _, r := range staticBudgetRows(t, file) {
		shown = append(shown, r.Cells[0])
		if r.Model != r.Cells[0] || r.Cells[1] != r.Model+"-run" {
			t.Errorf("row %q: data-model %q, run %q", r.Cells[0], r.Model, r.Cells[1])
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(shown)), slices.Sorted(slices.Values(evil))) {
		t.Errorf("table shows %q, want %q", shown, evil)
	}
	doc := parseHTML(t, file)
	sel := find(doc, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == "model" })
	var options []string
	for o := sel.FirstChild; o != nil; o = o.NextSibling {
		if o.Type == html.ElementNode && attr(o, "value") != "" {
			if attr(o, "value") != text(o) {
				t.Errorf("option value %q shows %q", attr(o, "value"), text(o))
			}
			options = append(options, attr(o, "value"))
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(options)), slices.Sorted(slices.Values(evil))) {
		t.Errorf("model filter offers %q, want %q", options, evil)
	}
}

// The golden budget page guards what the cell tests do not: the form, the
// notes, the scripts.
func TestBudgetPageGolden(t *testing.T) {
	out := build(t, contentDir(t, richSnapshot(), olderSnapshot()), site.Options{ECharts: echartsStub})
	got, err := os.ReadFile(filepath.Join(out, "budget", "index.html"))
	must(t, err)
	golden := filepath.Join("testdata", "golden", "budget", "index.html")
	if *update {
		must(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		must(t, os.WriteFile(golden, got, 0o644))
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(golden+".got", got, 0o644)
		t.Errorf("budget/index.html differs from %s; see %s.got, or run with -update", golden, golden)
	}
}
