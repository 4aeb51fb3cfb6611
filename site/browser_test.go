package site_test

// The browser test drives Debian's chromium (installed by
// .ci/install-browser.sh) headless with chromedp against the site served
// by site.Serve — the server of `lineup serve` — on 127.0.0.1, with the
// real ECharts from npm (package.json; `npm ci`). It skips, saying why,
// when either is missing, unless LINEUP_REQUIRE_BROWSER is set (CI sets
// it), in which case it fails.

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/collector/catalog"
	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
)

// chromiumFlags are the launch flags CI uses; a fresh user-data dir is
// added per test.
var chromiumFlags = []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
	"disable-component-update", "disable-sync", "no-first-run"}

func browserPrerequisites(t *testing.T) (chromium, echarts string) {
	t.Helper()
	chromium = os.Getenv("LINEUP_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	echarts, _ = filepath.Abs("../node_modules/echarts/dist/echarts.min.js")
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, fmt.Sprintf("no browser at %s (run `bash .ci/install-browser.sh`, or set LINEUP_CHROMIUM)", chromium))
	}
	if _, err := os.Stat(echarts); err != nil {
		missing = append(missing, fmt.Sprintf("no ECharts at %s (run `npm ci` at the repository root)", echarts))
	}
	if len(missing) > 0 {
		msg := "BROWSER TEST NOT RUN: " + strings.Join(missing, "; ")
		if os.Getenv("LINEUP_REQUIRE_BROWSER") != "" {
			t.Fatal(msg + " — LINEUP_REQUIRE_BROWSER is set")
		}
		t.Skip(msg)
	}
	return chromium, echarts
}

// serveSite serves dir with site.Serve on a free 127.0.0.1 port until the
// test ends and returns the base URL.
func serveSite(t *testing.T, dir string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- site.Serve(ctx, dir, "127.0.0.1:0", ioDiscard{}, func(a net.Addr) { addr <- a }) }()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a.String() + "/"
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return base
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

func TestBrowser(t *testing.T) {
	chromium, echarts := browserPrerequisites(t)
	out := build(t, "../content", site.Options{ECharts: echarts})
	base := serveSite(t, out)
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

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900)}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, time.Minute) // a hung browser fails the test, it does not time it
	defer cancelT()

	var mu sync.Mutex
	var requests, consoleErrors []string
	must(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				consoleErrors = append(consoleErrors, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			consoleErrors = append(consoleErrors, fmt.Sprintf("exception: %s %+v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				consoleErrors = append(consoleErrors, ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	}))
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
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
	do("open lineup", chromedp.Navigate(base+"index.html"), chromedp.WaitVisible(chromedp.CSS(`#lineup tbody tr`)))
	var want []string
	for _, r := range front.Runs {
		want = append(want, r.Model)
	}
	if got := visible(); !slices.Equal(got, want) {
		t.Errorf("lineup rows = %q, want %q", got, want)
	}

	// Clicking Output TPS/GPU sorts descending.
	do("sort by output", chromedp.Click(chromedp.CSS(`#lineup th[data-key="output"] button`)))
	sorted := outputs()
	if aria := attr(`#lineup th[data-key="output"]`, "aria-sort"); aria != "descending" || !descending(sorted) || len(sorted) != len(want) {
		t.Errorf("after one click: aria-sort %q, outputs %v; want descending", aria, sorted)
	}

	// The architecture filter hides the dense rows and the URL changes.
	do("filter moe",
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
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#lineup`)))
	arch, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`select[name="arch"]`)))
	must(t, err)
	got = visible()
	if aria := attr(`#lineup th[data-key="output"]`, "aria-sort"); arch != "moe" || aria != "descending" ||
		!slices.Equal(slices.Sorted(slices.Values(got)), moe) || !descending(outputs()) {
		t.Errorf("after reload: arch %q, aria-sort %q, rows %q", arch, aria, got)
	}

	// The charts render: a canvas in each container.
	do("charts", chromedp.WaitVisible(chromedp.CSS(`#chart-output canvas`)), chromedp.WaitVisible(chromedp.CSS(`#chart-gpus canvas`)))
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`['chart-output', 'chart-gpus'].map(id => document.querySelectorAll('#' + id + ' canvas').length)`))
	must(t, err)
	if !slices.Equal(canvases, []int{1, 1}) {
		t.Errorf("canvases per chart = %v, want one each", canvases)
	}

	// A model page opens from its link; its download link returns a CSV.
	do("open model page",
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
	do("copy", chromedp.Click(chromedp.CSS(`button.copy`)), chromedp.Sleep(200*time.Millisecond))
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`button.copy`)))
	must(t, err)
	if label != "Copied" && !strings.HasPrefix(label, "Selected") {
		t.Errorf("copy button says %q after a click", label)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
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
