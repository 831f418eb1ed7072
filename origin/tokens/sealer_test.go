package tokens

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestParseMasterKey(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"padded", base64.StdEncoding.EncodeToString(key), true},
		{"unpadded", base64.RawStdEncoding.EncodeToString(key), true},
		{"surrounding newline", base64.StdEncoding.EncodeToString(key) + "\n", true},
		{"31 bytes", base64.StdEncoding.EncodeToString(key[:31]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(key, 1)), false},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))), false},
		{"empty", "", false},
		{"hex", strings.Repeat("ab", 32), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMasterKey(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadMasterKey) {
				t.Fatalf("err = %v, want ErrBadMasterKey", err)
			}
			if tt.ok && len(got) != 32 {
				t.Fatalf("len = %d", len(got))
			}
		})
	}
}

func TestSealer(t *testing.T) {
	master := make([]byte, 32)
	rand.Read(master)
	s, err := NewSealer(master, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("private key material")
	enc, sealed, err := s.Seal("kid-1", secret)
	if err != nil || enc != EncAES256GCM || bytes.Contains(sealed, secret) {
		t.Fatalf("Seal = %q, %x, %v", enc, sealed, err)
	}
	_, sealed2, _ := s.Seal("kid-1", secret)
	if bytes.Equal(sealed, sealed2) {
		t.Fatal("two seals are identical: nonce reused")
	}
	plain := mustSealerNoKey(t)
	other := make([]byte, 32)
	rand.Read(other)
	wrong, _ := NewSealer(other, nil)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1

	tests := []struct {
		name    string
		sealer  *Sealer
		kid     string
		enc     string
		data    []byte
		wantErr error
	}{
		{"round trip", s, "kid-1", enc, sealed, nil},
		{"other kid (moved row)", s, "kid-2", enc, sealed, ErrDecrypt},
		{"wrong master key", wrong, "kid-1", enc, sealed, ErrDecrypt},
		{"no master key", plain, "kid-1", enc, sealed, ErrMasterKeyRequired},
		{"tampered", s, "kid-1", enc, flipped, ErrDecrypt},
		{"truncated", s, "kid-1", enc, sealed[:10], ErrDecrypt},
		{"unknown encoding", s, "kid-1", "rot13", sealed, ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(tt.kid, tt.enc, tt.data)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got, secret) {
				t.Fatalf("Open = %q", got)
			}
		})
	}
}

func TestSealerPlain(t *testing.T) {
	s := mustSealerNoKey(t)
	if s.Encrypting() {
		t.Fatal("Encrypting() without a master key")
	}
	enc, sealed, err := s.Seal("k", []byte("abc"))
	if err != nil || enc != EncNone || string(sealed) != "abc" {
		t.Fatalf("Seal = %q, %q, %v", enc, sealed, err)
	}
	if got, err := s.Open("k", enc, sealed); err != nil || string(got) != "abc" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := NewSealer(make([]byte, 16), nil); !errors.Is(err, ErrBadMasterKey) {
		t.Fatalf("16-byte master key: %v", err)
	}
}

func mustSealerNoKey(t *testing.T) *Sealer {
	t.Helper()
	s, err := NewSealer(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
