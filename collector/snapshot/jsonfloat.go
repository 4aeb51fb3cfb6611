package snapshot

import (
	"math"
	"slices"
	"strconv"
)

// appendJSONFloat formats f as encoding/json does for a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	if out, ok := appendShortDecimal(b, f); ok {
		return out
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// appendShortDecimal writes f the way strconv's shortest 'f' formatting
// does, for the values a timeline is made of (1003.7, 12345.65, 20): the
// fewest decimals k for which round(f*10^k)/10^k gives f back. Up to 15
// significant digits that decimal is the only one of k decimals within
// half an ulp of f (decimals of 15 digits are more than an ulp apart), so
// it is exactly the shortest representation strconv would choose. Other
// values (more digits, exponent form, -0) report false.
//
// A timeline's values are rounded to hundredths, so k = 2 is tried first:
// when a shorter decimal gives f back, two decimals do too, with trailing
// zeros to drop; when two do not, neither do fewer. Only when f*100 has 15
// digits or more are fewer decimals tried on their own.
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	abs := math.Abs(f)
	if !(abs >= 1e-6 && abs < 1e15) {
		if f == 0 && !math.Signbit(f) {
			return append(b, '0'), true
		}
		return b, false
	}
	from := 0
	if m := math.Round(abs * 100); m < 1e15 {
		if m/100 == abs {
			u, k := uint64(m), 2
			for k > 0 && u%10 == 0 {
				u /= 10
				k--
			}
			return appendDecimal(b, f < 0, u, k), true
		}
		from = 3
	}
	for k := from; k < len(pow10); k++ {
		m := math.Round(abs * pow10[k])
		if m >= 1e15 {
			return b, false
		}
		if m/pow10[k] == abs {
			return appendDecimal(b, f < 0, uint64(m), k), true
		}
	}
	return b, false
}

// appendDecimal appends u/10^k written with k decimals (u < 10^19, k <=
// 15): the digits are composed in place, in b's spare capacity, rather
// than through strconv and a copy (a memmove call a value).
func appendDecimal(b []byte, neg bool, u uint64, k int) []byte {
	n := 1 // digits of u
	for n < len(pow10u) && u >= pow10u[n] {
		n++
	}
	size := max(n, k+1) // "0.05": a zero before the point
	if k > 0 {
		size++
	}
	if neg {
		size++
	}
	b = slices.Grow(b, size)
	out := b[len(b) : len(b)+size]
	i := size
	for range k {
		i--
		out[i] = byte('0' + u%10)
		u /= 10
	}
	if k > 0 {
		i--
		out[i] = '.'
	}
	for {
		i--
		out[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		out[0] = '-'
	}
	return b[:len(b)+size]
}

// pow10u are the powers of ten below 2^64.
var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}
