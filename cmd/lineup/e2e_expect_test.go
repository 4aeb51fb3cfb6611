package main

// The numbers the end-to-end test expects, derived from what the stand-in
// vllm printed, independently of the collector: the stats lines are read
// with a pattern made from the stand-in's own fixture
// (launcher/testdata/vllm/stats.txt, itself vLLM's V1 line from
// /work/shared/reference/vllm-logs/vllm_throughput_lines.txt line 192),
// then reduced with the seed's method (the seed README's "Metrics"
// section, /work/shared/seed/vllm-benchmark-README.md): engine input TPS
// is the mean prompt throughput over the lines with prompt > 0, engine
// output TPS the mean generation throughput over the steady lines
// (prompt = 0), else over the mixed ones; per GPU through
// collector/snapshot's formulas.

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lineup-dev/lineup/collector/snapshot"
	"github.com/lineup-dev/lineup/launcher/rundir"
)

// runKey names a run of the e2e sweep in a snapshot and a diff.
type runKey struct {
	model string
	tp    int
	spec  string
}

func keyOf(model string, c snapshot.Config) runKey {
	k := runKey{model: model, tp: c.TP}
	if c.Spec != nil {
		k.spec = *c.Spec
	}
	return k
}

func (k runKey) String() string { return fmt.Sprintf("%s tp=%d spec=%s", k.model, k.tp, k.spec) }

// expectedRun is what a run's logs imply.
type expectedRun struct {
	runKey
	dir string
	// status is status.json's state and reason.
	status, reason string
	// inputPerGPU is nil when no line had prompt tokens.
	inputPerGPU  *float64
	outputPerGPU float64
	// log sums up the lines used, for failure messages.
	log string
}

func (r expectedRun) ok() bool { return r.status == rundir.StatusOK }

// statsLinePattern turns the stand-in's stats line fixture into a regexp
// with a group per throughput placeholder.
func statsLinePattern(t *testing.T, repo string) *regexp.Regexp {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "launcher/testdata/vllm/stats.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.SplitSeq(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			line = l
			break
		}
	}
	if !strings.Contains(line, "{PROMPT_TPS}") || !strings.Contains(line, "{GEN_TPS}") {
		t.Fatalf("stats.txt: no line with {PROMPT_TPS} and {GEN_TPS}: %q", line)
	}
	expr := regexp.QuoteMeta(line)
	for _, ph := range []struct{ name, group string }{
		{"PROMPT_TPS", `(?P<prompt>[0-9]+(?:\.[0-9]+)?)`},
		{"GEN_TPS", `(?P<gen>[0-9]+(?:\.[0-9]+)?)`},
		{"TS", `[0-9]{2}-[0-9]{2} [0-9:]{8}`},
		{"PID", `[0-9]+`},
		{"RUNNING", `[0-9]+`},
		{"KV", `[0-9]+(?:\.[0-9]+)?`},
	} {
		expr = strings.ReplaceAll(expr, regexp.QuoteMeta("{"+ph.name+"}"), ph.group)
	}
	if strings.Contains(expr, `\{`) {
		t.Fatalf("stats.txt has a placeholder this test does not know: %s", line)
	}
	return regexp.MustCompile("^" + expr + "$")
}

// expectTree derives the expected numbers of every run under root.
func expectTree(t *testing.T, root string, pat *regexp.Regexp) map[runKey]expectedRun {
	t.Helper()
	out := map[runKey]expectedRun{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Name() != rundir.ManifestFile {
			return err
		}
		dir := filepath.Dir(p)
		m, err := rundir.ReadManifest(dir)
		if err != nil {
			return err
		}
		st, err := rundir.ReadStatus(dir)
		if err != nil {
			return err
		}
		r := expectedRun{runKey: keyOf(m.Model, m.Config), dir: dir, status: st.State, reason: st.Reason}
		if r.ok() {
			if err := r.fromLog(filepath.Join(dir, rundir.ServerLogFile), pat, m.Config.GPUsPerReplica()); err != nil {
				return err
			}
		}
		out[r.runKey] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fromLog applies the seed's method to the stats lines of a server log.
func (r *expectedRun) fromLog(file string, pat *regexp.Regexp, gpus int) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	var promptSum, steadySum, mixedGenSum float64
	var mixed, steady int
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		m := pat.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		prompt, err1 := strconv.ParseFloat(m[pat.SubexpIndex("prompt")], 64)
		gen, err2 := strconv.ParseFloat(m[pat.SubexpIndex("gen")], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s:%d: %v %v", file, n, err1, err2)
		}
		if prompt > 0 {
			mixed++
			promptSum += prompt
			mixedGenSum += gen
		} else {
			steady++
			steadySum += gen
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	var engineOut float64
	switch {
	case steady > 0:
		engineOut = steadySum / float64(steady)
	case mixed > 0:
		engineOut = mixedGenSum / float64(mixed)
	default:
		return fmt.Errorf("%s: no stats line matches the stand-in's fixture", file)
	}
	if mixed > 0 {
		r.inputPerGPU = ptr(snapshot.PerGPU(promptSum/float64(mixed), gpus))
	}
	r.outputPerGPU = snapshot.PerGPU(engineOut, gpus)
	r.log = fmt.Sprintf("%s: %d mixed and %d steady stats lines", file, mixed, steady)
	return nil
}
