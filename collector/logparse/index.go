package logparse

import "bytes"

// indexVia is bytes.Index(s, key), found by looking for key[k] instead of
// key[0]. bytes.Index looks for the first byte of the key; for a key that
// starts with a byte common in log text ('n' of "non-default args: {") it
// stops at nearly every word. With k at a byte that is rare in logs ('{')
// there are few places to compare the key at. After 8 misses the rest goes
// to bytes.Index, so text full of key[k] costs no more than it did.
func indexVia(s, key []byte, k int) int {
	if len(s) < len(key) {
		return -1
	}
	p := k // where to look for key[k] from: starts before p-k are ruled out
	for range 8 {
		j := bytes.IndexByte(s[p:], key[k])
		if j < 0 {
			return -1
		}
		p += j
		start := p - k
		if start+len(key) > len(s) {
			return -1
		}
		if bytes.Equal(s[start:start+len(key)], key) {
			return start
		}
		p++
	}
	from := p - k
	if i := bytes.Index(s[from:], key); i >= 0 {
		return from + i
	}
	return -1
}
