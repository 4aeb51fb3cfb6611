package snapshot

import (
	"math"
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
func appendShortDecimal(b []byte, f float64) ([]byte, bool) {
	abs := math.Abs(f)
	if !(abs >= 1e-6 && abs < 1e15) {
		if f == 0 && !math.Signbit(f) {
			return append(b, '0'), true
		}
		return b, false
	}
	for k := 0; k < len(pow10); k++ {
		m := math.Round(abs * pow10[k])
		if m >= 1e15 {
			return b, false
		}
		if m/pow10[k] != abs {
			continue
		}
		if f < 0 {
			b = append(b, '-')
		}
		var digits [24]byte
		d := strconv.AppendUint(digits[:0], uint64(m), 10)
		if k == 0 {
			return append(b, d...), true
		}
		if len(d) <= k { // 0.05: leading zeros after the point
			b = append(b, '0', '.')
			for range k - len(d) {
				b = append(b, '0')
			}
			return append(b, d...), true
		}
		b = append(b, d[:len(d)-k]...)
		b = append(b, '.')
		return append(b, d[len(d)-k:]...), true
	}
	return b, false
}
