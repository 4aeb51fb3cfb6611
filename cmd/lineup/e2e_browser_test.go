package main

// The browser step of TestEndToEnd: Debian's chromium driven headless
// with chromedp, as the site's own browser tests do (site/browsertest),
// against the site served on 127.0.0.1 by site.Serve, the server of
// `lineup serve`.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site/browsertest"
)

// cell is one table cell as the page shows it.
type cell struct {
	Text string  `json:"text"`
	V    *string `json:"v"`
}

// readTable returns the visible body rows of a table as maps from the
// column's data-key to the cell.
const readTable = `(sel => {
  const t = document.querySelector(sel);
  const keys = Array.from(t.tHead.rows[0].cells).map(c => c.dataset.key || c.textContent.trim());
  return Array.from(t.tBodies[0].rows).filter(r => !r.hidden).map(r =>
    Object.fromEntries(Array.from(r.cells).map((c, i) => [keys[i], {text: c.textContent.trim(), v: c.dataset.v ?? null}])));
})(%q)`

func checkSiteInBrowser(t *testing.T, chromium, dir string, runs map[runKey]expectedRun) {
	t.Helper()
	base := browsertest.Serve(t, dir)
	baseURL, _ := url.Parse(base)

	b := browsertest.New(t, chromium)
	ctx := b.Ctx
	table := func(sel string) []map[string]cell {
		t.Helper()
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]cell](fmt.Sprintf(readTable, sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return rows
	}

	// Per model: its runs, whether any is OK, its best (highest output).
	byModel := map[string][]expectedRun{}
	for _, r := range runs {
		byModel[r.model] = append(byModel[r.model], r)
	}
	var okModels []string
	for m, rs := range byModel {
		if slices.ContainsFunc(rs, expectedRun.ok) {
			okModels = append(okModels, m)
		}
	}
	slices.Sort(okModels)

	// The lineup: one row per model with an OK run, showing its best run.
	b.Do(t, "open the lineup", chromedp.Navigate(base+"index.html"), chromedp.WaitVisible(chromedp.CSS(`#lineup tbody tr`)))
	var shown []string
	for _, row := range table("#lineup") {
		model := row["model"].Text
		shown = append(shown, model)
		best := math.Inf(-1)
		for _, r := range byModel[model] {
			if r.ok() {
				best = math.Max(best, r.outputPerGPU)
			}
		}
		var inputs []float64
		for _, r := range byModel[model] {
			if r.ok() && r.outputPerGPU == best && r.inputPerGPU != nil {
				inputs = append(inputs, *r.inputPerGPU)
			}
		}
		checkCell(t, "lineup "+model+" output", row["output"], best)
		checkCell(t, "lineup "+model+" GPUs/1B/h", row["gpus"], snapshot.GPUsFor1BPerHour(best))
		if len(inputs) > 0 {
			// Runs tied on output may differ in input; the row shows one of them.
			ok := slices.ContainsFunc(inputs, func(in float64) bool { return cellIs(row["input"], in) })
			if !ok {
				t.Errorf("lineup %s input = %+v, want one of %v", model, row["input"], inputs)
			}
		}
	}
	slices.Sort(shown)
	if !slices.Equal(shown, okModels) {
		t.Errorf("lineup shows %q, want the models with a measured run %q", shown, okModels)
	}
	b.Do(t, "charts render", chromedp.WaitVisible(chromedp.CSS(`#chart-output canvas`)))

	// The models page lists all three, the OOM one with no measured run.
	b.Do(t, "open the models page", chromedp.Navigate(base+"models/index.html"), chromedp.WaitVisible(chromedp.CSS(`#models tbody tr`)))
	var listed []string
	for _, row := range table("#models") {
		model := row["model"].Text
		listed = append(listed, model)
		okRuns := 0
		for _, r := range byModel[model] {
			if r.ok() {
				okRuns++
			}
		}
		if row["configs"].Text != strconv.Itoa(len(byModel[model])) || row["ok"].Text != strconv.Itoa(okRuns) {
			t.Errorf("models page %s: %s configurations, %s measured; want %d, %d", model, row["configs"].Text, row["ok"].Text, len(byModel[model]), okRuns)
		}
	}
	slices.Sort(listed)
	if want := slices.Sorted(maps.Keys(byModel)); !slices.Equal(listed, want) {
		t.Errorf("models page lists %q, want %q", listed, want)
	}

	// Every model page, opened from its link: each configuration's numbers,
	// or its failure with reason OOM.
	for _, model := range slices.Sorted(maps.Keys(byModel)) {
		b.Do(t, "open the page of "+model,
			chromedp.Navigate(base+"models/index.html"), chromedp.WaitVisible(chromedp.CSS(`#models tbody tr`)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				found, err := chromedp.Evaluate[bool](fmt.Sprintf(
					`(m => { const a = Array.from(document.querySelectorAll('#models tbody th a')).find(a => a.textContent === m); if (a) a.click(); return !!a; })(%q)`, model))(ctx, tg)
				if err == nil && !found {
					err = fmt.Errorf("no link to %s on the models page", model)
				}
				return err
			}),
			chromedp.WaitVisible(chromedp.CSS(`#configs`)))
		h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
		if err != nil || h1 != model {
			t.Errorf("model page title %q (%v), want %q", h1, err, model)
			continue
		}
		rows := table("#configs")
		if len(rows) != len(byModel[model]) {
			t.Errorf("%s page: %d configurations, want %d", model, len(rows), len(byModel[model]))
		}
		for _, row := range rows {
			tp, _ := strconv.Atoi(row["tp"].Text)
			k := runKey{model, tp, row["spec"].Text}
			r, ok := runs[k]
			if !ok {
				t.Errorf("%s page: row %v (%+v) is no run of the sweep", model, k, row)
				continue
			}
			if !r.ok() {
				if st := row["status"].Text; !strings.Contains(st, "failed") || !strings.Contains(st, r.reason) || r.reason != "OOM" {
					t.Errorf("%s page, %v: status %q, want failed with reason OOM", model, k, st)
				}
				continue
			}
			checkCell(t, fmt.Sprintf("%s page, %v, output", model, k), row["output"], r.outputPerGPU)
			checkCell(t, fmt.Sprintf("%s page, %v, GPUs/1B/h", model, k), row["gpus"], snapshot.GPUsFor1BPerHour(r.outputPerGPU))
			if r.inputPerGPU != nil {
				checkCell(t, fmt.Sprintf("%s page, %v, input", model, k), row["input"], *r.inputPerGPU)
			}
		}
		if model == oomModel {
			problems, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`ul.problems`)))
			if err != nil || strings.Count(problems, "failed (OOM)") != len(byModel[model]) || !strings.Contains(problems, "CUDA out of memory") {
				t.Errorf("%s page: failures %q (%v), want each configuration failed (OOM) with the CUDA error", model, problems, err)
			}
		}
	}

	if consoleErrors := b.ConsoleErrors(); len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
	for _, r := range b.Requests() {
		if u, err := url.Parse(r); err != nil || u.Host != baseURL.Host && u.Scheme != "data" {
			t.Errorf("request left 127.0.0.1: %s", r)
		}
	}
}

// numberPrefix is the number at the start of a cell's text (a ⚠ may
// follow); thousands separators are dropped before parsing.
var numberPrefix = regexp.MustCompile(`^[0-9][0-9,.\x{202f}\x{2009} ]*`)

// cellIs says whether a cell holds want: its data-v exactly (to float
// rounding), and its text as a rounding of want at the precision shown.
func cellIs(c cell, want float64) bool {
	if c.V == nil {
		return false
	}
	v, err := strconv.ParseFloat(*c.V, 64)
	if err != nil || !near(&v, &want) {
		return false
	}
	text := strings.NewReplacer(",", "", "\u202f", "", "\u2009", "", " ", "").Replace(numberPrefix.FindString(c.Text))
	shown, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return false
	}
	decimals := 0
	if _, frac, ok := strings.Cut(text, "."); ok {
		decimals = len(frac)
	}
	return math.Abs(shown-want) <= 0.5*math.Pow(10, -float64(decimals))+1e-9
}

func checkCell(t *testing.T, what string, c cell, want float64) {
	t.Helper()
	if !cellIs(c, want) {
		t.Errorf("%s: text %q, data-v %v; want %v", what, c.Text, deref(parsePtr(c.V)), want)
	}
}

func parsePtr(s *string) *float64 {
	if s == nil {
		return nil
	}
	v, err := strconv.ParseFloat(*s, 64)
	if err != nil {
		return nil
	}
	return &v
}
