package site_test

// The browser tests drive Debian's chromium headless against the site
// served on 127.0.0.1, with the real ECharts from npm, through
// site/browsertest, which says when they skip.

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
	"github.com/lineup-dev/lineup/site/browsertest"
)

func TestBrowser(t *testing.T) {
	chromium, echarts := browsertest.Require(t, "..")
	out := build(t, "../content", site.Options{ECharts: echarts})
	base := browsertest.Serve(t, out)
	baseURL, _ := url.Parse(base)

	// The expected rows come from the example snapshot and the catalog.
	front, err := snapshot.ReadFile("../content/snapshots/2026-01-datatrove-lineup.json")
	must(t, err)
	cat, err := catalog.Load("../content/models.yaml")
	must(t, err)
	var moe []string
	for _, r := range front.Best() {
		if cat.Describe(r.Model).Architecture == catalog.MoE {
			moe = append(moe, r.Model)
		}
	}

	b := browsertest.New(t, chromium)
	ctx := b.Ctx
	attr := func(sel, name string) string {
		t.Helper()
		r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		if err != nil {
			t.Fatalf("attribute %s of %s: %v", name, sel, err)
		}
		return r.Value
	}
	// visible returns the model names of the rows shown, in order.
	visible := func() []string {
		t.Helper()
		names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#lineup tbody tr')).filter(r => !r.hidden).map(r => r.dataset.model)`))
		must(t, err)
		return names
	}
	outputs := func() []float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll('#lineup tbody tr')).filter(r => !r.hidden).map(r => parseFloat(r.cells[6].dataset.v))`))
		must(t, err)
		return v
	}
	descending := func(v []float64) bool {
		return slices.IsSortedFunc(v, func(a, b float64) int { return -cmpFloat(a, b) })
	}

	// The lineup shows the example rows, in table A's order.
	b.Do(t, "open lineup", chromedp.Navigate(base+"index.html"), chromedp.WaitVisible(chromedp.CSS(`#lineup tbody tr`)))
	var want []string
	for _, r := range front.Runs {
		want = append(want, r.Model)
	}
	if got := visible(); !slices.Equal(got, want) {
		t.Errorf("lineup rows = %q, want %q", got, want)
	}

	// Clicking Output TPS/GPU sorts descending.
	b.Do(t, "sort by output", chromedp.Click(chromedp.CSS(`#lineup th[data-key="output"] button`)))
	sorted := outputs()
	if aria := attr(`#lineup th[data-key="output"]`, "aria-sort"); aria != "descending" || !descending(sorted) || len(sorted) != len(want) {
		t.Errorf("after one click: aria-sort %q, outputs %v; want descending", aria, sorted)
	}

	// The architecture filter hides the dense rows and the URL changes.
	b.Do(t, "filter moe",
		chromedp.SetValue(chromedp.CSS(`select[name="arch"]`), "moe"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.querySelector('select[name="arch"]').dispatchEvent(new Event('change', {bubbles: true}))`)(ctx, tg)
			return err
		}))
	href, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	got := visible()
	slices.Sort(got)
	slices.Sort(moe)
	if !slices.Equal(got, moe) {
		t.Errorf("moe filter shows %q, want %q", got, moe)
	}
	if !strings.Contains(href, "arch=moe") || !strings.Contains(href, "sort=output") || !strings.Contains(href, "dir=desc") {
		t.Errorf("URL after filtering = %s, want arch=moe, sort=output and dir=desc in it", href)
	}

	// Reloading that URL restores the filter and the sort.
	b.Do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#lineup`)))
	arch, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`select[name="arch"]`)))
	must(t, err)
	got = visible()
	if aria := attr(`#lineup th[data-key="output"]`, "aria-sort"); arch != "moe" || aria != "descending" ||
		!slices.Equal(slices.Sorted(slices.Values(got)), moe) || !descending(outputs()) {
		t.Errorf("after reload: arch %q, aria-sort %q, rows %q", arch, aria, got)
	}

	// The charts render: a canvas in each container.
	b.Do(t, "charts", chromedp.WaitVisible(chromedp.CSS(`#chart-output canvas`)), chromedp.WaitVisible(chromedp.CSS(`#chart-gpus canvas`)))
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`['chart-output', 'chart-gpus'].map(id => document.querySelectorAll('#' + id + ' canvas').length)`))
	must(t, err)
	if !slices.Equal(canvases, []int{1, 1}) {
		t.Errorf("canvases per chart = %v, want one each", canvases)
	}

	// A model page opens from its link; its download link returns a CSV.
	b.Do(t, "open model page",
		chromedp.Navigate(base+"index.html"), chromedp.WaitVisible(chromedp.CSS(`#lineup tbody tr`)),
		chromedp.Click(chromedp.CSS(`#lineup tbody tr:first-child th a`)),
		chromedp.WaitVisible(chromedp.CSS(`#configs`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-configs canvas`)))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	must(t, err)
	if title != front.Runs[0].Model {
		t.Errorf("model page h1 = %q, want %q", title, front.Runs[0].Model)
	}
	csvHref := attr(`#configs a[download]`, "href")
	type response struct {
		Type string `json:"type"`
		Body string `json:"body"`
	}
	csvResp, err := chromedp.Run(ctx, chromedp.Evaluate[response](fmt.Sprintf(
		`fetch(%q).then(async r => ({type: r.headers.get('content-type'), body: await r.text()}))`, csvHref), chromedp.EvalAwaitPromise))
	must(t, err)
	if !strings.HasPrefix(csvResp.Type, "text/csv") || !strings.HasPrefix(csvResp.Body, "model,tp,pp,dp,spec_config,") ||
		!strings.Contains(csvResp.Body, front.Runs[0].Model) {
		t.Errorf("download %s: content-type %q, body %.80q", csvHref, csvResp.Type, csvResp.Body)
	}

	// The copy button reacts (copied, or selected where the clipboard is denied).
	b.Do(t, "copy", chromedp.Click(chromedp.CSS(`button.copy`)), chromedp.Sleep(200*time.Millisecond))
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`button.copy`)))
	must(t, err)
	if label != "Copied" && !strings.HasPrefix(label, "Selected") {
		t.Errorf("copy button says %q after a click", label)
	}

	if consoleErrors := b.ConsoleErrors(); len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
	requests := b.Requests()
	if len(requests) < 5 {
		t.Errorf("only %d requests seen: is the network listener working?", len(requests))
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || u.Host != baseURL.Host && u.Scheme != "data" {
			t.Errorf("request left 127.0.0.1: %s", r)
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
