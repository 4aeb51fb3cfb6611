// Package browsertest drives Debian's chromium (installed by
// .ci/install-browser.sh) headless with chromedp against a site served on
// 127.0.0.1 by site.Serve, the server of `lineup serve`, for the browser
// tests of the site and of the end-to-end test of the CLI.
//
// Require finds chromium and the npm ECharts, or skips the test saying
// why (fails instead when LINEUP_REQUIRE_BROWSER is set, as CI does); New
// starts a browser with CI's launch flags and a fresh user-data dir, and
// records the requests, console errors and dialogs of its pages; Serve
// serves a built site until the test ends.
package browsertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/lineup-dev/lineup/site"
)

// EChartsFile is where `npm ci` (`make npm`) puts the ECharts build that
// package.json pins, relative to the repository root.
const EChartsFile = "node_modules/echarts/dist/echarts.min.js"

// flags are the launch flags CI uses; New adds a fresh user-data dir.
var flags = []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
	"disable-component-update", "disable-sync", "no-first-run"}

// hangLimit bounds a browser session: a hung browser fails the test
// instead of timing it out.
const hangLimit = 2 * time.Minute

// Require returns the chromium binary (LINEUP_CHROMIUM, else
// /usr/bin/chromium) and the absolute path of the ECharts build under
// repoRoot. When either is missing it skips the test, saying what to run,
// or fails it when LINEUP_REQUIRE_BROWSER is set.
func Require(tb testing.TB, repoRoot string) (chromium, echarts string) {
	tb.Helper()
	chromium = os.Getenv("LINEUP_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	echarts, err := filepath.Abs(filepath.Join(repoRoot, EChartsFile))
	if err != nil {
		tb.Fatal(err)
	}
	var missing []string
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, fmt.Sprintf("no browser at %s (run `bash .ci/install-browser.sh`, or set LINEUP_CHROMIUM)", chromium))
	}
	if _, err := os.Stat(echarts); err != nil {
		missing = append(missing, fmt.Sprintf("no ECharts at %s (run `make npm` at the repository root)", echarts))
	}
	if len(missing) > 0 {
		msg := "BROWSER TEST NOT RUN: " + strings.Join(missing, "; ")
		if os.Getenv("LINEUP_REQUIRE_BROWSER") != "" {
			tb.Fatal(msg + " — LINEUP_REQUIRE_BROWSER is set")
		}
		tb.Skip(msg)
	}
	return chromium, echarts
}

// Browser is one headless chromium, closed when the test ends.
type Browser struct {
	// Ctx is the chromedp context of its tab.
	Ctx context.Context

	mu                               sync.Mutex
	requests, consoleErrors, dialogs []string
}

// New starts chromium with CI's launch flags, a fresh user-data dir and a
// 1280×900 window, and records what its pages do.
func New(tb testing.TB, chromium string) *Browser {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromium), chromedp.UserDataDir(tb.TempDir()), chromedp.WindowSize(1280, 900)}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, hangLimit)
	tb.Cleanup(cancelT)
	b := &Browser{Ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		tb.Fatal(err)
	}
	return b
}

func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.consoleErrors = append(b.consoleErrors, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		b.consoleErrors = append(b.consoleErrors, fmt.Sprintf("exception: %s %+v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			b.consoleErrors = append(b.consoleErrors, ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *cdppage.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, ev.Message)
	}
}

// Requests returns the URLs the pages have requested so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.requests)
}

// ConsoleErrors returns the console.error calls, uncaught exceptions and
// error log entries (failed loads) of the pages so far.
func (b *Browser) ConsoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.consoleErrors)
}

// Dialogs returns the messages of the JavaScript dialogs opened so far.
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.dialogs)
}

// Do runs steps in the browser and fails the test, naming what, on error.
func (b *Browser) Do(tb testing.TB, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// Serve serves the built site dir with site.Serve on a free 127.0.0.1
// port until the test ends and returns its base URL, ending in "/".
func Serve(tb testing.TB, dir string) (baseURL string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- site.Serve(ctx, dir, "127.0.0.1:0", io.Discard, func(a net.Addr) { addr <- a }) }()
	select {
	case a := <-addr:
		baseURL = "http://" + a.String() + "/"
	case err := <-done:
		cancel()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return baseURL
}
