package site_test

// The compare page in a real browser (see site/browsertest for the set-up
// and when it skips): picking the two example snapshots shows the rows
// `lineup diff -format json` computes; hostile names stay text; opened
// from the file system, where browsers block fetch, the page says it needs
// a server.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/site"
	"github.com/lineup-dev/lineup/site/browsertest"
	"github.com/lineup-dev/lineup/site/diff"
)

// browserSession is a browser with the compare page's steps.
type browserSession struct{ *browsertest.Browser }

// pick selects two snapshots on the compare page, as a reader does, and
// waits for their comparison.
func (s *browserSession) pick(t *testing.T, old, new string) {
	t.Helper()
	s.Do(t, "pick "+old+" and "+new,
		chromedp.SetValue(chromedp.CSS(`select[name="old"]`), old),
		chromedp.SetValue(chromedp.CSS(`select[name="new"]`), new),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.querySelector('select[name="new"]').dispatchEvent(new Event('change', {bubbles: true}))`)(ctx, tg)
			return err
		}),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#compare-result[data-old=%q][data-new=%q] #compare-models`, old, new))))
}

// cells returns the text of every cell of every body row of a table.
func (s *browserSession) cells(t *testing.T, table string) [][]string {
	t.Helper()
	rows, err := chromedp.Run(s.Ctx, chromedp.Evaluate[[][]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll('%s tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()))`, table)))
	must(t, err)
	return rows
}

func TestBrowserCompare(t *testing.T) {
	chromium, echarts := browsertest.Require(t, "..")
	a, b := exampleSnapshots(t)
	out := build(t, "../content", site.Options{ECharts: echarts})
	base := browsertest.Serve(t, out)
	baseURL, _ := url.Parse(base)
	s := browserSession{browsertest.New(t, chromium)}

	// What `lineup diff -format json` says of the pair.
	var buf bytes.Buffer
	must(t, diff.WriteJSON(&buf, diff.Compare(a, b, diff.DefaultOptions())))
	var want diff.Diff
	must(t, json.Unmarshal(buf.Bytes(), &want))

	s.Do(t, "open compare", chromedp.Navigate(base+"compare/index.html"), chromedp.WaitVisible(chromedp.CSS(`#compare-form`)))
	// The reverse pair first, so that the example pair is a choice the
	// reader makes, not the page's default.
	s.pick(t, b.ID, a.ID)
	s.pick(t, a.ID, b.ID)
	models := s.cells(t, "#compare-models")
	if len(models) != len(want.Models) {
		t.Fatalf("model view has %d rows, want %d", len(models), len(want.Models))
	}
	for i, r := range want.Models {
		if got, w := shown(models[i]), cellsOf(r); !slices.Equal(got, w) {
			t.Errorf("model row %d:\n got %q\nwant %q", i, got, w)
		}
	}
	configs := s.cells(t, "#compare-configs")
	if len(configs) != len(want.Configs) {
		t.Fatalf("config view has %d rows, want %d", len(configs), len(want.Configs))
	}
	for _, i := range []int{0, 1, 6, len(want.Configs) - 1} { // partial and ambiguous, gone, new
		if got, w := shown(configs[i]), cellsOf(want.Configs[i]); !slices.Equal(got, w) {
			t.Errorf("config row %d:\n got %q\nwant %q", i, got, w)
		}
		if got, w := configs[i][13], strings.Join(want.Configs[i].Notes, ""); got != w {
			t.Errorf("config row %d notes:\n got %q\nwant %q", i, got, w)
		}
	}
	warnings, err := chromedp.Run(s.Ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#compare-warnings li')).map(li => li.textContent)`))
	must(t, err)
	if len(warnings) != len(want.Warnings) {
		t.Errorf("warnings %q, want %d", warnings, len(want.Warnings))
	}
	for i, w := range want.Warnings {
		if i < len(warnings) && !strings.HasSuffix(warnings[i], w.Message) {
			t.Errorf("warning %d = %q, want it to end with %q", i, warnings[i], w.Message)
		}
	}
	// The choice is in the URL, for a permalink.
	loc, err := chromedp.Run(s.Ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "old="+a.ID) || !strings.Contains(loc, "new="+b.ID) {
		t.Errorf("URL after picking = %s", loc)
	}

	// Hostile names are shown as text and run nothing.
	ho, hn := hostilePair(t)
	hbase := browsertest.Serve(t, build(t, contentDir(t, ho, hn), site.Options{}))
	s.Do(t, "open hostile compare", chromedp.Navigate(hbase+"compare/index.html"), chromedp.WaitVisible(chromedp.CSS(`#compare-form`)))
	s.pick(t, ho.ID, hn.ID)
	var names []string
	for _, r := range s.cells(t, "#compare-models") {
		names = append(names, r[0])
	}
	if !slices.Equal(names, ho.Models()) {
		t.Errorf("hostile model names shown %q, want %q", names, ho.Models())
	}

	// From the file system, fetch is blocked: the page says what to do.
	s.Do(t, "open compare from file", chromedp.Navigate("file://"+filepath.ToSlash(filepath.Join(out, "compare", "index.html"))))
	said, err := chromedp.Run(s.Ctx, chromedp.Poll[bool](`document.getElementById('compare-status').textContent.indexOf('file system') >= 0`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || !said {
		status, _ := chromedp.Run(s.Ctx, chromedp.Text(chromedp.CSS(`#compare-status`)))
		t.Errorf("from the file system the compare page says %q (%v), want a word on the file system", status, err)
	}

	var errs []string
	for _, e := range s.ConsoleErrors() {
		// The blocked file:// fetch is the expected failure of the last step.
		if !strings.Contains(e, "file:") && !strings.Contains(e, "Failed to fetch") {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
	if dialogs := s.Dialogs(); len(dialogs) > 0 {
		t.Errorf("dialogs opened: %q", dialogs)
	}
	hostileURL, _ := url.Parse(hbase)
	for _, r := range s.Requests() {
		u, err := url.Parse(r)
		if err != nil || u.Host != baseURL.Host && u.Host != hostileURL.Host && u.Scheme != "data" && u.Scheme != "file" {
			t.Errorf("request left the site: %s", r)
		}
	}
}
