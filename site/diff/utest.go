package diff

import (
	"math"
	"slices"
)

// UTest is the outcome of a two-sided Mann-Whitney U test (Wilcoxon rank-sum
// test) between the old and the new samples of one configuration.
type UTest struct {
	// U is the Mann-Whitney statistic of the old sample: the number of
	// (old, new) pairs where old > new, ties counting one half.
	U float64 `json:"u"`
	// NOld and NNew are the sample sizes.
	NOld int `json:"n_old"`
	NNew int `json:"n_new"`
	// P is the two-sided p-value.
	P float64 `json:"p"`
	// Method is "exact" (the exact null distribution of U, used without ties
	// when both samples have fewer than 50 values, as R's wilcox.test does)
	// or "normal" (normal approximation with tie and continuity correction).
	Method string `json:"method"`
}

// U test methods.
const (
	MethodExact  = "exact"
	MethodNormal = "normal"
)

// exactLimit is R's rule: an exact p-value for samples of fewer than 50
// values each and no ties.
const exactLimit = 50

// MannWhitney runs the two-sided Mann-Whitney U test of x against y, from
// the textbook definition (Mann & Whitney 1947; Hollander & Wolfe,
// Nonparametric Statistical Methods, ch. 4):
//
//   - rank the pooled samples, ties getting their mid-rank;
//   - U = R_x - n_x(n_x+1)/2, where R_x is the rank sum of x;
//   - without ties and with n_x, n_y < 50, p = 2·P(U' <= min(U, n_x·n_y-U))
//     under the exact null distribution of U' (every assignment of ranks to
//     the samples equally likely), capped at 1;
//   - otherwise z = (|U - n_x·n_y/2| - 1/2) / σ with the tie-corrected
//     σ² = n_x·n_y/12 · ((N+1) - Σ(t³-t)/(N(N-1))), and p = 2·Φ(-z).
//
// It returns false when either sample is empty.
func MannWhitney(x, y []float64) (UTest, bool) {
	nx, ny := len(x), len(y)
	if nx == 0 || ny == 0 {
		return UTest{}, false
	}
	type obs struct {
		v   float64
		inX bool
	}
	pooled := make([]obs, 0, nx+ny)
	for _, v := range x {
		pooled = append(pooled, obs{v, true})
	}
	for _, v := range y {
		pooled = append(pooled, obs{v, false})
	}
	slices.SortStableFunc(pooled, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	n := nx + ny
	var rankSumX, tieSum float64
	ties := false
	for i := 0; i < n; {
		j := i + 1
		for j < n && pooled[j].v == pooled[i].v {
			j++
		}
		// Positions i..j-1 share the mid-rank of ranks i+1..j.
		mid := float64(i+1+j) / 2
		for k := i; k < j; k++ {
			if pooled[k].inX {
				rankSumX += mid
			}
		}
		if t := float64(j - i); t > 1 {
			ties = true
			tieSum += t*t*t - t
		}
		i = j
	}
	u := rankSumX - float64(nx*(nx+1))/2
	mn := float64(nx * ny)
	t := UTest{U: u, NOld: nx, NNew: ny}
	if !ties && nx < exactLimit && ny < exactLimit {
		t.Method = MethodExact
		t.P = min(1, 2*exactCDF(nx, ny, int(math.Round(min(u, mn-u)))))
		return t, true
	}
	t.Method = MethodNormal
	fn := float64(n)
	variance := mn / 12 * ((fn + 1) - tieSum/(fn*(fn-1)))
	if variance <= 0 {
		// Every value equal: no evidence of any difference.
		t.P = 1
		return t, true
	}
	z := max(math.Abs(u-mn/2)-0.5, 0) / math.Sqrt(variance)
	t.P = min(1, math.Erfc(z/math.Sqrt2)) // 2·Φ(-z)
	return t, true
}

// exactCDF returns P(U <= u) for samples of sizes m and n without ties. It
// counts the arrangements with the recurrence of Mann & Whitney (1947):
// the largest pooled value is either in the first sample (it then beats all
// n values of the second) or in the second, so
//
//	c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u),  c(0, n, 0) = c(m, 0, 0) = 1,
//
// and divides by the C(m+n, m) arrangements. Only counts up to u are
// needed, so the table is m·n·(u+1) additions of positive numbers (float64:
// C(98, 49) overflows int64; the relative error stays near 1e-15).
func exactCDF(m, n, u int) float64 {
	if u < 0 {
		return 0
	}
	if u >= m*n {
		return 1
	}
	w := u + 1
	// prev[j*w+k] = c(i-1, j, k) and cur[j*w+k] = c(i, j, k).
	prev, cur := make([]float64, (n+1)*w), make([]float64, (n+1)*w)
	for j := 0; j <= n; j++ {
		prev[j*w] = 1
	}
	for i := 1; i <= m; i++ {
		clear(cur)
		cur[0] = 1
		for j := 1; j <= n; j++ {
			row, left, up := cur[j*w:(j+1)*w], cur[(j-1)*w:j*w], prev[j*w:(j+1)*w]
			for k := range row {
				v := left[k]
				if k >= j {
					v += up[k-j]
				}
				row[k] = v
			}
		}
		prev, cur = cur, prev
	}
	var below float64
	for _, c := range prev[n*w:] {
		below += c
	}
	return min(1, below/binomial(m+n, m))
}

// binomial is C(n, k) as a float64.
func binomial(n, k int) float64 {
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return c
}
