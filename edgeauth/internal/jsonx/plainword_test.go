package jsonx

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// plainWordByTable is the definition plainWord must match.
func plainWordByTable(w uint64) bool {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w)
	for _, c := range b {
		if !plainByte[c] {
			return false
		}
	}
	return true
}

func TestPlainWord(t *testing.T) {
	// Every byte value in every position of an otherwise plain word, then
	// random words biased toward the boundaries.
	for pos := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			w := binary.LittleEndian.Uint64(b)
			if got, want := plainWord(w), plainWordByTable(w); got != want {
				t.Fatalf("byte %#02x at %d: plainWord %t, table %t", c, pos, got, want)
			}
		}
	}
	edges := []byte{0x00, 0x1f, 0x20, 0x21, '"', 0x23, 0x5b, '\\', 0x5d, 0x7f, 0x80, 0xff, 'a'}
	r := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		var b [8]byte
		for i := range b {
			b[i] = edges[r.IntN(len(edges))]
		}
		w := binary.LittleEndian.Uint64(b[:])
		if got, want := plainWord(w), plainWordByTable(w); got != want {
			t.Fatalf("% x: plainWord %t, table %t", b, got, want)
		}
	}
}

func FuzzPlainWord(f *testing.F) {
	f.Add(uint64(0x6867666564636261))
	f.Fuzz(func(t *testing.T, w uint64) {
		if got, want := plainWord(w), plainWordByTable(w); got != want {
			t.Fatalf("%#x: plainWord %t, table %t", w, got, want)
		}
	})
}

// TestPlainPrefix holds PlainPrefix to the byte table: every byte value at
// every position of a run long enough for the word loop.
func TestPlainPrefix(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 20; pos++ {
			b := []byte("abcdefghijklmnopqrstuvwxyz")
			b[pos] = byte(c)
			want := len(b)
			if !plainByte[c] {
				want = pos
			}
			if got := PlainPrefix(b); got != want {
				t.Fatalf("byte %#x at %d: PlainPrefix = %d, want %d", c, pos, got, want)
			}
		}
	}
}
