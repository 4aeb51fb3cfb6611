package site_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lineup-dev/lineup/site/budget"
)

// The budget page writes numbers as `lineup budget` does, with Go's
// strconv: node runs budget/page.js's formats over awkward values (exact
// ties, which toFixed breaks the other way; exponents; huge and tiny
// numbers) and random ones, and every string must equal Go's.
func TestBudgetPageFormatsMatchGo(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the budget page's number formats are untested")
	}
	type fixedCase struct {
		V    float64 `json:"v"`
		Prec int     `json:"prec"`
	}
	values := []float64{0, 1, 0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1.005, 17.295, 0.25, 0.75, 1.0625, 99.995, 1e-7, 1.5e-7,
		5e-324, 123.456, 1e20, 1e21, 1.5e22, 1.2345678901234567e25, 1e300, 16616, 26.095, 239.25, 10645.0 / 3}
	for k := range 40 {
		values = append(values, float64(k)+0.5, float64(k)/8, float64(k)/16, float64(k)*0.05)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		values = append(values, rng.Float64()*math.Pow(10, float64(rng.IntN(12)-3)))
	}
	var fixed []fixedCase
	for _, v := range values {
		for _, p := range []int{0, 1, 2, 3} {
			fixed = append(fixed, fixedCase{v, p})
		}
	}
	durations := []float64{0, 0.4, 0.5, 1.5, 59.5, 60, 61.3, 90, 600, 3600, 3605, 3660, 5400, 86400.5, 12.4 + 48.9, 1e6}
	tokens := []float64{1, 999, 1000, 2500, 5e8, 1e9, 1.5e12, 1e15, 123456789}
	in, err := json.Marshal(map[string]any{"values": values, "fixed": fixed, "durations": durations, "tokens": tokens})
	must(t, err)

	js, err := filepath.Abs("budgetpage.js")
	must(t, err)
	const runner = `const f = require(process.argv[1]);
let s = ''; process.stdin.on('data', d => s += d).on('end', () => {
	const c = JSON.parse(s);
	process.stdout.write(JSON.stringify({
		num: c.values.map(f.num),
		fixed: c.fixed.map(x => f.fixed(x.v, x.prec)),
		durations: c.durations.map(f.duration),
		tokens: c.tokens.map(f.formatTokens)}));
});`
	cmd := exec.Command(node, "-e", runner, js)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	outJSON, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got struct{ Num, Fixed, Durations, Tokens []string }
	must(t, json.Unmarshal(outJSON, &got))
	if len(got.Num) != len(values) || len(got.Fixed) != len(fixed) || len(got.Durations) != len(durations) || len(got.Tokens) != len(tokens) {
		t.Fatalf("node answered %d/%d/%d/%d values", len(got.Num), len(got.Fixed), len(got.Durations), len(got.Tokens))
	}
	for i, v := range values {
		if want := strconv.FormatFloat(v, 'f', -1, 64); got.Num[i] != want {
			t.Errorf("num(%v) = %s, want %s", v, got.Num[i], want)
		}
	}
	for i, c := range fixed {
		if want := strconv.FormatFloat(c.V, 'f', c.Prec, 64); got.Fixed[i] != want {
			t.Errorf("fixed(%v, %d) = %s, want %s", c.V, c.Prec, got.Fixed[i], want)
		}
	}
	for i, d := range durations {
		if want := budgetDuration(d); got.Durations[i] != want {
			t.Errorf("duration(%v) = %s, want %s", d, got.Durations[i], want)
		}
	}
	for i, v := range tokens {
		if want := budget.FormatTokens(v); got.Tokens[i] != want {
			t.Errorf("formatTokens(%v) = %s, want %s", v, got.Tokens[i], want)
		}
	}
}
