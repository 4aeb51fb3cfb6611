package snapshot

// appendIndent appends src, compact JSON as encoding/json writes it, to dst
// indented as json.Indent(dst, src, prefix, "  ") does, except that an array
// of scalars only (numbers, strings, booleans, nulls) stays on one line with
// ", " between its elements: a timeline column is one line, not 200.
func appendIndent(dst, src []byte, prefix string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := stringEnd(src, i)
			dst = append(dst, src[i:j]...)
			i = j - 1
		case '{', '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, c, src[i+1])
				i++
				continue
			}
			if c == '[' {
				if end := scalarArrayEnd(src, i); end > 0 {
					dst = appendInline(dst, src[i:end])
					i = end - 1
					continue
				}
			}
			dst = append(dst, c)
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, ',')
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// stringEnd is the index just past the JSON string that starts at src[i].
func stringEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

// scalarArrayEnd is the index just past the array that starts at src[i] if
// it holds no object or array, else 0.
func scalarArrayEnd(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '"':
			j = stringEnd(src, j) - 1
		case '{', '[':
			return 0
		case ']':
			return j + 1
		}
	}
	return 0
}

// appendInline appends the compact scalar array a with ", " between its
// elements.
func appendInline(dst, a []byte) []byte {
	for i := 0; i < len(a); i++ {
		switch c := a[i]; c {
		case '"':
			j := stringEnd(a, i)
			dst = append(dst, a[i:j]...)
			i = j - 1
		case ',':
			dst = append(dst, ',', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
