package diff

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParsePercent parses a threshold given in percent, "5" or "5%", into a
// fraction (0.05). It rejects negative, non-finite and empty values.
func ParsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	if t == "" {
		return 0, fmt.Errorf("threshold %q: want a percentage such as 5 or 2.5%%", s)
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("threshold %q: want a percentage such as 5 or 2.5%%: %w", s, err)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("threshold %q: want a finite percentage of at least 0", s)
	}
	return v / 100, nil
}

// FormatPercent is the inverse of ParsePercent for display: 0.05 -> "5%".
func FormatPercent(f float64) string {
	return strconv.FormatFloat(f*100, 'g', 6, 64) + "%"
}
