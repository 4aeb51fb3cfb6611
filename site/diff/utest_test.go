package diff

import (
	"math"
	"math/rand/v2"
	"testing"
)

func seq(from, to float64) []float64 {
	var xs []float64
	for v := from; v <= to; v++ {
		xs = append(xs, v)
	}
	return xs
}

// binom is C(n, k) from its definition.
func binom(n, k int) float64 {
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return c
}

// TestMannWhitneyPublished checks MannWhitney against p-values printed by
// other implementations, and against separated samples whose exact p-value
// is a count of arrangements done by hand.
func TestMannWhitneyPublished(t *testing.T) {
	x10 := []float64{1, 5, 9, 24, 56, 21, 3, 7, 21, 4}
	tests := []struct {
		name   string
		x, y   []float64
		wantU  float64 // U of x; < 0 when the source does not print it
		wantP  float64
		tol    float64 // half a unit of the last printed digit
		method string
	}{
		// Separated samples: only the two extreme arrangements of the
		// C(n1+n2, n1) are as extreme as the data, so p = 2/C(n1+n2, n1).
		// benchstat prints these as p=0.100 n=3+3, p=0.029 n=4+4 and
		// p=0.008 n=5+5.
		{"3+3 separated", seq(1, 3), seq(4, 6), 0, 2 / binom(6, 3), 1e-12, MethodExact},
		{"4+4 separated", seq(5, 8), seq(1, 4), 16, 2 / binom(8, 4), 1e-12, MethodExact},
		{"5+5 separated", seq(1, 5), seq(6, 10), 0, 2 / binom(10, 5), 1e-12, MethodExact},
		// R-devel thread on exactRankTests::wilcox.exact (x=1..10,
		// y=11..15): "W = 0, p-value = 0.000666", i.e. 2/C(15,5) = 2/3003.
		// https://r-mailing-lists.thecoatlessprofessor.com/lists/r-devel/threads/thread-db4005402aa7
		{"r-devel 10+5", seq(1, 10), seq(11, 15), 0, 0.000666, 5e-7, MethodExact},
		// Same thread: x=1,3,5,7,9 y=2,4,6,8: "W = 10, p-value = 1".
		{"r-devel interleaved", []float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8}, 10, 1, 1e-12, MethodExact},
		// R wilcox.test with ties (normal approximation, continuity
		// correction), https://endmemo.com/r/wilcoxon.php:
		// "W = 51.5, p-value = 0.5966" and "W = 0, p-value = 0.001364".
		{"endmemo ties", x10, []float64{12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5}, 51.5, 0.5966, 5e-5, MethodNormal},
		{"endmemo separated with ties", x10, []float64{1233, 4356, 987, 39999, 1111, 200000}, 0, 0.001364, 5e-7, MethodNormal},
		// DolphinDB mannWhitneyUTest(5 1 4 3 5, 2 4 7 -1 0 4): two-sided
		// 0.518023, U=11 (the smaller U; ours is x's, 30-11 = 19).
		// https://dolphindb.com/help/FunctionsandCommands/FunctionReferences/m/mannWhitneyUTest.html
		// By hand: pooled ranks -1:1 0:2 1:3 2:4 3:5 4:7,7,7 5:9.5,9.5 7:11;
		// R_x = 9.5+3+7+5+9.5 = 34, U = 34-15 = 19, mean 15; ties 3 and 2
		// give Σ(t³-t) = 30, σ² = 30/12·(12 - 30/110) = 29.318;
		// z = (4-0.5)/5.4146 = 0.6464, p = 2·(1-Φ(0.6464)) = 0.518022
		// (Python's math.erfc gives 0.5180221; DolphinDB's sixth digit
		// differs, hence the tolerance).
		{"dolphindb ties", []float64{5, 1, 4, 3, 5}, []float64{2, 4, 7, -1, 0, 4}, 19, 0.518023, 2e-6, MethodNormal},
		// Every value equal: nothing to tell apart.
		{"all equal", []float64{7, 7, 7}, []float64{7, 7}, 3, 1, 0, MethodNormal},
		// One value each: 2·P(U<=0) = 2·1/2 = 1.
		{"1+1", []float64{1}, []float64{2}, 0, 1, 0, MethodExact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MannWhitney(tt.x, tt.y)
			if !ok {
				t.Fatal("no test")
			}
			if tt.wantU >= 0 && got.U != tt.wantU {
				t.Errorf("U = %v, want %v", got.U, tt.wantU)
			}
			if math.Abs(got.P-tt.wantP) > tt.tol {
				t.Errorf("p = %.7g, want %.7g ± %g", got.P, tt.wantP, tt.tol)
			}
			if got.Method != tt.method {
				t.Errorf("method = %s, want %s", got.Method, tt.method)
			}
			if got.NOld != len(tt.x) || got.NNew != len(tt.y) {
				t.Errorf("n = %d+%d, want %d+%d", got.NOld, got.NNew, len(tt.x), len(tt.y))
			}
		})
	}
}

func TestMannWhitneyEmpty(t *testing.T) {
	for _, c := range [][2][]float64{{nil, {1}}, {{1}, nil}, {nil, nil}} {
		if _, ok := MannWhitney(c[0], c[1]); ok {
			t.Errorf("MannWhitney(%v, %v) ran a test", c[0], c[1])
		}
	}
}

// bruteCDF counts, over every choice of which m of the m+n pooled ranks
// belong to the first sample, those with U <= u: the exact null
// distribution straight from its definition.
func bruteCDF(m, n int, u float64) float64 {
	total, below := 0, 0
	for mask := 0; mask < 1<<(m+n); mask++ {
		if popcount(mask) != m {
			continue
		}
		total++
		// U = pairs (first, second) with first > second.
		var pairs, seenSecond int
		for pos := 0; pos < m+n; pos++ {
			if mask&(1<<pos) != 0 {
				pairs += seenSecond
			} else {
				seenSecond++
			}
		}
		if float64(pairs) <= u {
			below++
		}
	}
	return float64(below) / float64(total)
}

func popcount(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

func TestExactCDFMatchesEnumeration(t *testing.T) {
	for m := 1; m <= 6; m++ {
		for n := 1; n <= 6; n++ {
			for u := -1; u <= m*n; u++ {
				got, want := exactCDF(m, n, u), bruteCDF(m, n, float64(u))
				if math.Abs(got-want) > 1e-12 {
					t.Errorf("exactCDF(%d, %d, %d) = %v, enumeration gives %v", m, n, u, got, want)
				}
			}
		}
	}
}

// TestMannWhitneyExactRandom draws tie-free samples and checks the p-value
// against the enumeration, and the symmetries of the test.
func TestMannWhitneyExactRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		m, n := 1+rng.IntN(6), 1+rng.IntN(6)
		perm := rng.Perm(m + n)
		var x, y []float64
		for i, p := range perm {
			if i < m {
				x = append(x, float64(p)*1.5)
			} else {
				y = append(y, float64(p)*1.5)
			}
		}
		got, _ := MannWhitney(x, y)
		var u float64
		for _, a := range x {
			for _, b := range y {
				if a > b {
					u++
				}
			}
		}
		if got.U != u {
			t.Fatalf("U(%v, %v) = %v, pair count %v", x, y, got.U, u)
		}
		want := min(1, 2*bruteCDF(m, n, min(u, float64(m*n)-u)))
		if math.Abs(got.P-want) > 1e-12 {
			t.Errorf("p(%v, %v) = %v, enumeration %v", x, y, got.P, want)
		}
		rev, _ := MannWhitney(y, x)
		if math.Abs(rev.P-got.P) > 1e-12 || rev.U != float64(m*n)-got.U {
			t.Errorf("swapping samples: p %v vs %v, U %v vs %v", rev.P, got.P, rev.U, float64(m*n)-got.U)
		}
	}
}

// TestMannWhitneyLargeUsesNormal: at 50 values a side R switches to the
// normal approximation; with no ties it agrees with the exact p to a few
// parts in a thousand for such sizes.
func TestMannWhitneyLargeUsesNormal(t *testing.T) {
	x, y := seq(1, 50), seq(25.5, 74.5) // no ties
	got, _ := MannWhitney(x, y)
	if got.Method != MethodNormal {
		t.Fatalf("method %s for 50+50", got.Method)
	}
	exact := min(1, 2*exactCDF(50, 50, int(min(got.U, 2500-got.U))))
	if math.Abs(got.P-exact) > 0.005 {
		t.Errorf("normal p = %v, exact %v", got.P, exact)
	}
	small, _ := MannWhitney(seq(1, 49), seq(25.5, 73.5))
	if small.Method != MethodExact {
		t.Errorf("method %s for 49+49", small.Method)
	}
}

func TestSmallestP(t *testing.T) {
	for m := 1; m <= 6; m++ {
		for n := 1; n <= 6; n++ {
			if got, want := smallestP(m, n), min(1, 2*bruteCDF(m, n, 0)); math.Abs(got-want) > 1e-12 {
				t.Errorf("smallestP(%d, %d) = %v, enumeration %v", m, n, got, want)
			}
		}
	}
}

func BenchmarkMannWhitneyExact(b *testing.B) {
	x, y := seq(1, 49), seq(20.5, 68.5) // no ties: the exact path
	for b.Loop() {
		MannWhitney(x, y)
	}
}
