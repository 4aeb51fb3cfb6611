package site

import (
	"strconv"
	"strings"
)

// maxSlug bounds a slug so that a hostile model name cannot make a path
// longer than file systems accept.
const maxSlug = 80

// slugify lower-cases s and turns every run of characters outside
// [a-z0-9] into one '-', trimmed at both ends and cut to maxSlug bytes.
// The result is safe as a file name and a URL path segment; it is
// fallback when nothing is left.
func slugify(s, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			sep := dash && b.Len() > 0
			if n := b.Len() + 1; n > maxSlug || sep && n+1 > maxSlug {
				break
			}
			if sep {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	out := b.String()
	if out == "" {
		return fallback
	}
	return out
}

// slugger hands out unique slugs: a second "a/b" and "a-b" become
// "a-b-2". Calls in the same order give the same slugs.
type slugger struct{ used map[string]bool }

func newSlugger() *slugger { return &slugger{used: map[string]bool{}} }

func (s *slugger) slug(name, fallback string) string {
	base := slugify(name, fallback)
	out := base
	for n := 2; s.used[out]; n++ {
		out = base + "-" + strconv.Itoa(n)
	}
	s.used[out] = true
	return out
}
