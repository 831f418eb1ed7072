package hmac256

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// NIST's SHA-256 examples (FIPS 180-4 examples, "SHA256.pdf" and the
// two-block and long messages of the Secure Hash Standard validation).
func TestSum256Vectors(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"448 bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"896 bits", "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
		{"a million a", strings.Repeat("a", 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sum256([]byte(tt.msg))
			if hex.EncodeToString(got[:]) != tt.want {
				t.Fatalf("Sum256 = %x, want %s", got, tt.want)
			}
		})
	}
}

// RFC 4231's HMAC-SHA-256 test cases; case 5's MAC is truncated to 128 bits.
func TestSumRFC4231(t *testing.T) {
	aa131 := bytes.Repeat([]byte{0xaa}, 131)
	tests := []struct {
		name      string
		key, data []byte
		want      string
	}{
		{"case 1", bytes.Repeat([]byte{0x0b}, 20), []byte("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"case 2", []byte("Jefe"), []byte("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"case 3", bytes.Repeat([]byte{0xaa}, 20), bytes.Repeat([]byte{0xdd}, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{"case 4", mustHex(t, "0102030405060708090a0b0c0d0e0f10111213141516171819"), bytes.Repeat([]byte{0xcd}, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{"case 5", bytes.Repeat([]byte{0x0c}, 20), []byte("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"},
		{"case 6", aa131, []byte("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{"case 7", aa131, []byte("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [Size]byte
			New(tt.key).Sum(&got, tt.data)
			if h := hex.EncodeToString(got[:]); !strings.HasPrefix(h, tt.want) {
				t.Fatalf("Sum = %s, want %s", h, tt.want)
			}
		})
	}
}

// Every message length across the one- and two-block padding cases and a
// few blocks beyond, and key lengths around the block size, against the
// standard library.
func TestAgainstStandardLibrary(t *testing.T) {
	msg := make([]byte, 4*blockSize+1)
	for i := range msg {
		msg[i] = byte(i*131 + 7)
	}
	for n := range len(msg) + 1 {
		if got, want := Sum256(msg[:n]), sha256.Sum256(msg[:n]); got != want {
			t.Fatalf("Sum256 of %d bytes = %x, want %x", n, got, want)
		}
	}
	for _, keyLen := range []int{0, 1, 32, 63, 64, 65, 200} {
		k := New(msg[:keyLen])
		for n := range len(msg) + 1 {
			var got [Size]byte
			k.Sum(&got, msg[:n])
			if want := stdMAC(msg[:keyLen], msg[:n]); !bytes.Equal(got[:], want) {
				t.Fatalf("key of %d bytes, message of %d: Sum = %x, want %x", keyLen, n, got, want)
			}
		}
	}
}

// FuzzHMAC holds Sum and Sum256 to crypto/hmac and crypto/sha256.
func FuzzHMAC(f *testing.F) {
	f.Add([]byte("key"), []byte("message"))
	f.Add(bytes.Repeat([]byte{0xaa}, 131), bytes.Repeat([]byte{0xdd}, 119))
	f.Add([]byte{}, bytes.Repeat([]byte{'a'}, 55))
	f.Fuzz(func(t *testing.T, key, msg []byte) {
		var got [Size]byte
		New(key).Sum(&got, msg)
		if want := stdMAC(key, msg); !bytes.Equal(got[:], want) {
			t.Fatalf("Sum = %x, want %x", got, want)
		}
		if got, want := Sum256(msg), sha256.Sum256(msg); got != want {
			t.Fatalf("Sum256 = %x, want %x", got, want)
		}
	})
}

func stdMAC(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkSum(b *testing.B) {
	k := New(make([]byte, 32))
	msg := make([]byte, 300)
	var out [Size]byte
	for b.Loop() {
		k.Sum(&out, msg)
	}
}

func BenchmarkStandardLibrary(b *testing.B) {
	h := hmac.New(sha256.New, make([]byte, 32))
	msg := make([]byte, 300)
	var out [Size]byte
	for b.Loop() {
		h.Reset()
		h.Write(msg)
		h.Sum(out[:0])
	}
}
