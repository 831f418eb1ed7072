package edgeauth

// The token profile asks for canonical unpadded base64url: only
// [A-Za-z0-9_-], no '=', and zero bits after the last full byte, so that one
// byte string has exactly one encoding. encoding/base64's Strict mode comes
// close but silently skips '\r' and '\n'; this decoder is exact, works on
// strings and byte slices alike without copying, and decodes into a
// caller-owned buffer.

// b64Invalid marks a byte outside the base64url alphabet in b64Values.
const b64Invalid = 0xFF

var b64Values = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = b64Invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// b64DecodedLen is the decoded size of n base64url characters, assuming n is
// a valid unpadded length.
func b64DecodedLen(n int) int { return n * 6 / 8 }

// appendB64 appends the decoding of src to dst. ok is false if src is not
// canonical unpadded base64url; dst's contents beyond its original length
// are then unspecified.
func appendB64[S ~string | ~[]byte](dst []byte, src S) (out []byte, ok bool) {
	if len(src)%4 == 1 {
		return dst, false
	}
	for len(src) >= 4 {
		a, b, c, d := b64Values[src[0]], b64Values[src[1]], b64Values[src[2]], b64Values[src[3]]
		if (a|b|c|d)&0xC0 != 0 { // b64Invalid has these bits set
			return dst, false
		}
		dst = append(dst, a<<2|b>>4, b<<4|c>>2, c<<6|d)
		src = src[4:]
	}
	switch len(src) {
	case 2:
		a, b := b64Values[src[0]], b64Values[src[1]]
		if (a|b)&0xC0 != 0 || b&0x0F != 0 {
			return dst, false
		}
		dst = append(dst, a<<2|b>>4)
	case 3:
		a, b, c := b64Values[src[0]], b64Values[src[1]], b64Values[src[2]]
		if (a|b|c)&0xC0 != 0 || c&0x03 != 0 {
			return dst, false
		}
		dst = append(dst, a<<2|b>>4, b<<4|c>>2)
	}
	return dst, true
}
