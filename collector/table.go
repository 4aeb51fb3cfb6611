package collector

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/lineup-dev/lineup/collector/snapshot"
)

// configColumn is one configuration field a table may show.
type configColumn struct {
	label string
	get   func(snapshot.Run) string
	right bool
}

var configColumns = []configColumn{
	{"model", func(r snapshot.Run) string { return r.Model }, false},
	{"tp", func(r snapshot.Run) string { return strconv.Itoa(r.Config.TP) }, true},
	{"pp", func(r snapshot.Run) string { return strconv.Itoa(r.Config.PP) }, true},
	{"dp", func(r snapshot.Run) string { return intText(r.Config.DP) }, true},
	{"spec", func(r snapshot.Run) string { return strText(r.Config.Spec) }, false},
	{"mns", func(r snapshot.Run) string { return intText(r.Config.MaxNumSeqs) }, true},
	{"mnbt", func(r snapshot.Run) string { return intText(r.Config.MaxNumBatchedTokens) }, true},
	{"gmu", func(r snapshot.Run) string {
		if r.Config.GPUMemoryUtilization == nil {
			return ""
		}
		return strconv.FormatFloat(*r.Config.GPUMemoryUtilization, 'f', -1, 64)
	}, true},
	{"bs", func(r snapshot.Run) string { return intText(r.Config.BlockSize) }, true},
	{"kvc", func(r snapshot.Run) string { return strText(r.Config.KVCacheDtype) }, false},
	{"quant", func(r snapshot.Run) string { return strText(r.Config.Quantization) }, false},
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func strText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func roundText(p *float64, decimals int) string {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return ""
	}
	if decimals == 0 {
		return strconv.FormatFloat(math.Round(*p), 'f', 0, 64)
	}
	return strconv.FormatFloat(*p, 'f', decimals, 64)
}

// PrintTables writes one table per experiment, like the seed's: the
// configuration values shared by every run of the experiment go into its
// heading, the ones that vary become columns, then the metrics (rates and
// GPUs rounded to integers, days to 3 decimals) and the status.
func PrintTables(w io.Writer, runs []snapshot.Run) {
	byExp := map[string][]snapshot.Run{}
	var exps []string
	for _, r := range runs {
		if _, ok := byExp[r.Experiment]; !ok {
			exps = append(exps, r.Experiment)
		}
		byExp[r.Experiment] = append(byExp[r.Experiment], r)
	}
	sort.Strings(exps)
	for i, e := range exps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printTable(w, e, byExp[e])
	}
}

func printTable(w io.Writer, exp string, runs []snapshot.Run) {
	var fixed []string
	var cols []configColumn
	for _, c := range configColumns {
		vals := map[string]bool{}
		for _, r := range runs {
			vals[c.get(r)] = true
		}
		if len(vals) == 1 {
			for v := range vals {
				if v != "" {
					fixed = append(fixed, c.label+"="+v)
				}
			}
			continue
		}
		cols = append(cols, c)
	}
	title := exp
	if title == "" {
		title = "(no experiment)"
	}
	fmt.Fprintf(w, "%s: %d runs", title, len(runs))
	if len(fixed) > 0 {
		fmt.Fprintf(w, "  [%s]", strings.Join(fixed, " "))
	}
	fmt.Fprintln(w)

	header := []string{}
	right := []bool{}
	for _, c := range cols {
		header = append(header, c.label)
		right = append(right, c.right)
	}
	header = append(header, "gpus/1b/h", "node days", "gpu days", "in tps/gpu", "out tps/gpu", "status")
	right = append(right, true, true, true, true, true, false)
	rows := [][]string{}
	sorted := append([]snapshot.Run(nil), runs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		for _, c := range cols {
			a, b := c.get(sorted[i]), c.get(sorted[j])
			if a == b {
				continue
			}
			if c.right {
				x, _ := strconv.ParseFloat(a, 64)
				y, _ := strconv.ParseFloat(b, 64)
				return x < y
			}
			return a < b
		}
		return false
	})
	for _, r := range sorted {
		row := []string{}
		for _, c := range cols {
			row = append(row, c.get(r))
		}
		m := r.Metrics
		row = append(row, roundText(m.GPUsFor1BTokensPerHour, 0), roundText(m.NodeDaysToProcess1BTokens, 3),
			roundText(m.GPUDaysToProcess1BTokens, 3), roundText(m.InputTPSPerGPU, 0), roundText(m.OutputTPSPerGPU, 0), statusText(r))
		rows = append(rows, row)
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len([]rune(h))
	}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if right[i] {
				b.WriteString(" " + pad + c + " |")
			} else {
				b.WriteString(" " + c + pad + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, row := range rows {
		line(row)
	}
}

func statusText(r snapshot.Run) string {
	s := r.Status.State
	if r.Status.Reason != "" {
		s += " (" + r.Status.Reason + ")"
	}
	if len(r.Warnings) > 0 {
		codes := []string{}
		for _, w := range r.Warnings {
			codes = append(codes, w.Code)
		}
		s += " ! " + strings.Join(codes, ",")
	}
	return s
}

// PrintSummary writes what the collect did: runs parsed, failed by reason,
// warned, skipped (each with its reason).
func PrintSummary(w io.Writer, rep Report) {
	failed := 0
	var reasons []string
	for r, n := range rep.Failed {
		failed += n
		reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
	}
	sort.Strings(reasons)
	fmt.Fprintf(w, "%d run directories, %d runs: %d ok, %d failed", rep.RunDirs, rep.Runs, rep.OK, failed)
	if len(reasons) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(reasons, ", "))
	}
	fmt.Fprintf(w, ", %d incomplete, %d with warnings, %d skipped", rep.Incomplete, rep.Warned, len(rep.Skipped))
	if rep.Merged > 0 {
		fmt.Fprintf(w, ", %d merged as attempts", rep.Merged)
	}
	if rep.CacheHits > 0 {
		fmt.Fprintf(w, ", %d from cache", rep.CacheHits)
	}
	fmt.Fprintln(w)
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Path, s.Reason)
	}
	if rep.CacheError != "" {
		fmt.Fprintf(w, "warning: %s\n", rep.CacheError)
	}
}

// IsTerminal reports whether w is a terminal, the only place a progress
// bar belongs. (/dev/null is a character device too: a check of the mode
// drew the bar into it, on every run of make bench.)
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Progress draws a one-line progress bar, at most every 100 ms.
type Progress struct {
	mu   sync.Mutex
	w    io.Writer
	last time.Time
	now  func() time.Time
}

// NewProgress returns a bar drawing on w.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w, now: time.Now} }

// Update draws done of total; it is safe for concurrent use.
func (p *Progress) Update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Throttled even when done == total: while the walk is still finding
	// runs, the workers keep up with it and every update is "complete".
	if t := p.now(); t.Sub(p.last) < 100*time.Millisecond {
		return
	} else {
		p.last = t
	}
	const width = 30
	fill := 0
	if total > 0 {
		fill = done * width / total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d runs", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total)
}

// Done clears the bar.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 60))
}
