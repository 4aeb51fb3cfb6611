package site_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/site"
	"github.com/lineup-dev/lineup/site/browsertest"
	"github.com/lineup-dev/lineup/site/budget"
)

// budgetTableJS reads the budget table as the reader sees it.
const budgetTableJS = `Array.from(document.querySelectorAll('#budget tbody tr')).map(tr => ({
	model: tr.dataset.model || '', config: tr.dataset.config || '', error: tr.dataset.error || '',
	cells: Array.from(tr.cells).map(c => c.textContent),
	values: Array.from(tr.cells).map(c => c.hasAttribute('data-v') ? c.getAttribute('data-v') : null)}))`

// The budget page in a real browser: for three plans, one typed into the
// form and two opened from a link, the table its JavaScript draws equals
// what `lineup budget -format json` prints for the same inputs, cell by
// cell; the typed plan lands in the URL and a reload restores it; without
// a query the page shows the default plan, as it does without JavaScript.
func TestBudgetPageBrowser(t *testing.T) {
	chromium, _ := browsertest.Require(t, "..")
	out := build(t, "../content", site.Options{})
	base := browsertest.Serve(t, out)
	baseURL, _ := url.Parse(base)
	content, err := site.Load("../content")
	must(t, err)
	front := frontSnapshot(t, content)
	// The models the cases need, from the snapshot: the largest replica
	// (a multi-node one on 4-GPU nodes) and one more.
	var biggest budget.Engine
	for _, e := range budget.NewPageData(front).Engines {
		if e.Best && e.GPUsPerReplica() > biggest.GPUsPerReplica() {
			biggest = e
		}
	}
	if biggest.GPUsPerReplica() <= 8 {
		t.Fatalf("the front snapshot has no replica larger than 8 GPUs; the cases need one")
	}

	b := browsertest.New(t, chromium)
	ctx := b.Ctx
	table := func() []budgetPageRow {
		t.Helper()
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]budgetPageRow](budgetTableJS))
		must(t, err)
		return rows
	}
	want := func(models []string, p budget.Plan, sortBy string) []budgetPageRow {
		return wantBudgetRows(budgetCLIReport(t, front, models, p, sortBy))
	}
	page := base + "budget/index.html"

	// No query: the default plan, which the static table shows too.
	b.Do(t, "open budget page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#budget-form`)))
	compareBudgetRows(t, "default plan", table(), want(nil, budget.Plan{Tokens: 1e9, Hours: 24}, budget.SortCost))

	// Typed: 500M tokens on 12 GPUs of 4-GPU nodes, 1.5 minutes start-up,
	// whole hours, by GPUs. The largest replica spans nodes and fits no
	// 12-GPU allocation, or one: its row says which.
	form := `#budget-form `
	b.Do(t, "type a plan",
		chromedp.Clear(chromedp.CSS(form+`input[name="tokens"]`)),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="tokens"]`), "500M"),
		chromedp.Click(chromedp.CSS(form+`input[name="mode"][value="gpus"]`)),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="gpus"]`), "12"),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="gpn"]`), "4"),
		chromedp.SendKeys(chromedp.CSS(form+`input[name="overhead"]`), "1.5"),
		chromedp.Click(chromedp.CSS(form+`input[name="whole"]`)),
		chromedp.SetValue(chromedp.CSS(form+`select[name="sort"]`), "gpus"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.querySelector('#budget-form select[name="sort"]').dispatchEvent(new Event('change', {bubbles: true}))`)(ctx, tg)
			return err
		}))
	typed := budget.Plan{Tokens: 500e6, GPUs: 12, GPUsPerNode: 4, OverheadSeconds: snapshot.Ptr(90.0), WholeHours: true}
	wantTyped := want(nil, typed, budget.SortGPUs)
	compareBudgetRows(t, "typed plan", table(), wantTyped)
	href, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	u, err := url.Parse(href)
	must(t, err)
	for k, v := range map[string]string{"tokens": "500M", "gpus": "12", "gpn": "4", "overhead": "1.5", "whole": "1", "sort": "gpus"} {
		if got := u.Query().Get(k); got != v {
			t.Errorf("URL %s: %s=%q, want %q", href, k, got, v)
		}
	}
	if u.Query().Has("hours") {
		t.Errorf("URL %s keeps the deadline of the other mode", href)
	}
	b.Do(t, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#budget-form`)))
	compareBudgetRows(t, "typed plan after reload", table(), wantTyped)

	// Linked: 1.5T tokens within 72 h at 1.99 per GPU-hour billed in whole
	// hours, all models; then the largest model alone at 2.5 per GPU-hour.
	linked := []struct {
		query  url.Values
		models []string
		plan   budget.Plan
	}{
		{url.Values{"tokens": {"1.5T"}, "hours": {"72"}, "price": {"1.99"}, "whole": {"1"}}, nil,
			budget.Plan{Tokens: 1.5e12, Hours: 72, PricePerGPUHour: 1.99, WholeHours: true}},
		{url.Values{"tokens": {"10B"}, "model": {biggest.Model}, "price": {"2.5"}}, []string{biggest.Model},
			budget.Plan{Tokens: 10e9, Hours: 24, PricePerGPUHour: 2.5}},
	}
	for _, l := range linked {
		b.Do(t, "open "+l.query.Encode(), chromedp.Navigate(page+"?"+l.query.Encode()), chromedp.WaitVisible(chromedp.CSS(`#budget-form`)))
		compareBudgetRows(t, l.query.Encode(), table(), want(l.models, l.plan, budget.SortCost))
	}

	// A bad input says what is wrong and shows no rows.
	b.Do(t, "bad tokens", chromedp.Clear(chromedp.CSS(form+`input[name="tokens"]`)), chromedp.SendKeys(chromedp.CSS(form+`input[name="tokens"]`), "ten"))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#budget-summary`)))
	must(t, err)
	if rows := table(); len(rows) != 0 || !strings.Contains(msg, "10B") {
		t.Errorf("tokens=ten: %d rows, message %q", len(rows), msg)
	}

	if consoleErrors := b.ConsoleErrors(); len(consoleErrors) > 0 {
		t.Errorf("console errors: %q", consoleErrors)
	}
	requests := b.Requests()
	if len(requests) < 3 {
		t.Errorf("only %d requests seen: is the network listener working?", len(requests))
	}
	for _, r := range requests {
		if u, err := url.Parse(r); err != nil || u.Host != baseURL.Host && u.Scheme != "data" {
			t.Errorf("request left 127.0.0.1: %s", r)
		}
	}
}
