package jsonx

// ReadFlat reads b in one pass when b is an object of the simplest shape:
// no whitespace, every member name one of names (each at most once) and
// plain (see PlainPrefix), every value a plain string, an integer
// -?(0|[1-9][0-9]*), or an array of plain strings. It then sets out[i] to
// the value of names[i], or to the zero Value when b has no such member —
// exactly the Values that Parse and Object iteration give — and reports
// true. For anything else it reports false (out is then undefined) and the
// caller reads b with Parse: such a document is valid JSON, and a token's
// claims as issuers write them usually are one.
func ReadFlat(b []byte, names []string, out []Value) bool {
	clear(out)
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	i := 1
	if b[i] == '}' {
		return i+1 == len(b)
	}
	for {
		// "name":
		if b[i] != '"' {
			return false
		}
		n := PlainPrefix(b[i+1:])
		name := b[i+1 : i+1+n]
		i += 1 + n
		if i+1 >= len(b) || b[i] != '"' || b[i+1] != ':' {
			return false
		}
		i += 2
		slot := -1
		for j, want := range names {
			if string(name) == want {
				slot = j
				break
			}
		}
		if slot < 0 || out[slot].raw != nil {
			return false // unknown (its duplicates are the parser's to find) or repeated
		}
		end := flatValueEnd(b, i)
		if end < 0 {
			return false
		}
		out[slot] = Value{raw: b[i:end]}
		i = end
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i+1 == len(b)
		default:
			return false
		}
		if i >= len(b) {
			return false
		}
	}
}

// flatValueEnd returns the end of the plain string, integer or array of
// plain strings that starts at b[i], or -1.
func flatValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return plainStringEnd(b, i)
	case c == '[':
		i++
		if i < len(b) && b[i] == ']' {
			return i + 1
		}
		for {
			if i = plainStringEnd(b, i); i < 0 || i >= len(b) {
				return -1
			}
			switch b[i] {
			case ']':
				return i + 1
			case ',':
				i++
			default:
				return -1
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		if c == '-' {
			i++
		}
		digits := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		switch {
		case i == digits: // "-" alone
			return -1
		case b[digits] == '0' && i-digits > 1: // a leading zero
			return -1
		case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
			return -1 // a fraction or an exponent: the parser's
		}
		return i
	}
	return -1
}

// plainStringEnd returns the index just past the plain string that opens
// at b[i], or -1.
func plainStringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	j := i + 1 + PlainPrefix(b[i+1:])
	if j >= len(b) || b[j] != '"' {
		return -1
	}
	return j + 1
}
