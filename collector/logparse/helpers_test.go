package logparse

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// excerpt is one "# source:" block of a reference file.
type excerpt struct {
	source string // the "# source:" line
	text   string // the lines after it, up to the next "# " comment line
}

// loadExcerpts cuts testdata/reference/<file> into its excerpts.
func loadExcerpts(t testing.TB, file string) []excerpt {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "reference", file))
	if err != nil {
		t.Fatal(err)
	}
	var out []excerpt
	var cur *excerpt
	var lines []string
	flush := func() {
		if cur != nil {
			for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
				lines = lines[:len(lines)-1]
			}
			cur.text = strings.Join(lines, "\n") + "\n"
			out = append(out, *cur)
		}
		cur, lines = nil, nil
	}
	for _, l := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(l, "# source:"):
			flush()
			cur = &excerpt{source: l}
		case l == "#" || strings.HasPrefix(l, "# "):
			flush()
		case cur != nil:
			lines = append(lines, l)
		}
	}
	flush()
	return out
}

// excerptSet finds excerpts by a unique substring of their source line and
// remembers which were used, so a test can insist that every excerpt of a
// file has a case.
type excerptSet struct {
	t    *testing.T
	file string
	all  []excerpt
	used map[int]bool
}

func newExcerptSet(t *testing.T, file string) *excerptSet {
	return &excerptSet{t: t, file: file, all: loadExcerpts(t, file), used: map[int]bool{}}
}

func (s *excerptSet) get(key string) string {
	s.t.Helper()
	found := -1
	for i, e := range s.all {
		if strings.Contains(e.source, key) {
			if found >= 0 {
				s.t.Fatalf("%s: %q matches several excerpts", s.file, key)
			}
			found = i
		}
	}
	if found < 0 {
		s.t.Fatalf("%s: no excerpt matches %q", s.file, key)
	}
	s.used[found] = true
	return s.all[found].text
}

// checkAllUsed fails for every excerpt no case looked at.
func (s *excerptSet) checkAllUsed() {
	s.t.Helper()
	if len(s.all) == 0 {
		s.t.Fatalf("%s: no excerpts", s.file)
	}
	for i, e := range s.all {
		if !s.used[i] {
			s.t.Errorf("%s: excerpt without a test case: %s", s.file, e.source)
		}
	}
}

// fmtStats prints a stats line compactly; expected values in the tests are
// typed in this form, read off the log text by hand.
func fmtStats(s StatsLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "L%d", s.LineNo)
	if s.Engine >= 0 {
		fmt.Fprintf(&b, " e%d", s.Engine)
	}
	if s.Aggregated > 0 {
		fmt.Fprintf(&b, " agg%d", s.Aggregated)
	}
	if s.Time != "" {
		fmt.Fprintf(&b, " @%s", s.Time)
	}
	fmt.Fprintf(&b, " p=%g g=%g", s.PromptTPS, s.GenerationTPS)
	for _, f := range []struct {
		name string
		v    *int
	}{{"R", s.Running}, {"W", s.Waiting}, {"S", s.Swapped}, {"D", s.Deferred}} {
		if f.v != nil {
			fmt.Fprintf(&b, " %s=%d", f.name, *f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{{"kv", s.KVCacheUsagePct}, {"px", s.PrefixCacheHitPct}, {"cpu", s.CPUKVCacheUsagePct}, {"mm", s.MMCacheHitPct}, {"ext", s.ExternalPrefixCacheHitPct}} {
		if f.v != nil {
			fmt.Fprintf(&b, " %s=%g", f.name, *f.v)
		}
	}
	if s.Partial {
		b.WriteString(" partial")
	}
	if s.Joined > 0 {
		fmt.Fprintf(&b, " j=%d", s.Joined)
	}
	return b.String()
}

// fmtSpec prints a spec-decode line; rates with 6 significant digits since
// V0's fraction is multiplied by 100.
func fmtSpec(s SpecDecodeLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "L%d", s.LineNo)
	if s.AcceptanceRatePct != nil {
		fmt.Fprintf(&b, " rate=%.6g", *s.AcceptanceRatePct)
	}
	if s.MeanAcceptanceLength != nil {
		fmt.Fprintf(&b, " len=%g", *s.MeanAcceptanceLength)
	}
	if s.Accepted != nil {
		fmt.Fprintf(&b, " acc=%d", *s.Accepted)
	}
	if s.Drafted != nil {
		fmt.Fprintf(&b, " dr=%d", *s.Drafted)
	}
	return b.String()
}

func diffLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	n := max(len(got), len(want))
	for i := 0; i < n; i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s[%d]:\n got  %s\n want %s", what, i, g, w)
		}
	}
}

func intp(v int) *int             { return &v }
func int64p(v int64) *int64       { return &v }
func float64p(v float64) *float64 { return &v }

// fmtStartup prints every fact that is set, in a fixed order.
func fmtStartup(st Startup) string {
	var b strings.Builder
	str := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s=%q ", k, v)
		}
	}
	str("version", st.VLLMVersion)
	str("model", st.Model)
	str("gpu", st.GPU)
	str("driver", st.DriverVersion)
	str("cuda", st.CUDAVersion)
	for _, f := range []struct {
		k string
		v *int
	}{{"tp", st.TP}, {"pp", st.PP}, {"dp", st.DP}, {"max_model_len", st.MaxModelLen}} {
		if f.v != nil {
			fmt.Fprintf(&b, "%s=%d ", f.k, *f.v)
		}
	}
	for _, f := range []struct {
		k string
		v *int64
	}{{"kv_tokens", st.KVCacheTokens}, {"gpu_blocks", st.GPUBlocks}} {
		if f.v != nil {
			fmt.Fprintf(&b, "%s=%d ", f.k, *f.v)
		}
	}
	for _, f := range []struct {
		k string
		v *float64
	}{{"max_concurrency", st.MaxConcurrency}, {"model_load_s", st.ModelLoadSeconds}, {"engine_init_s", st.EngineInitSeconds}} {
		if f.v != nil {
			fmt.Fprintf(&b, "%s=%g ", f.k, *f.v)
		}
	}
	if len(st.NonDefaultArgs) > 0 {
		keys := make([]string, 0, len(st.NonDefaultArgs))
		for k := range st.NonDefaultArgs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("args{")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s:%s;", k, st.NonDefaultArgs[k])
		}
		b.WriteString("}")
	}
	return strings.TrimSpace(b.String())
}

// checkStartup compares every fact: the ones want leaves unset must be
// unset in got too.
func checkStartup(t *testing.T, got, want Startup) {
	t.Helper()
	if g, w := fmtStartup(got), fmtStartup(want); g != w {
		t.Errorf("startup:\n got  %s\n want %s", g, w)
	}
}
