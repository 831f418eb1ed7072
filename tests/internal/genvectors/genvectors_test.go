package genvectors

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"os"
	"testing"
)

// These tests prove that the generator's broken signatures are the attacks
// their vectors name: the wrong-form signatures are otherwise genuine, so a
// verifier that accepts them is lax about exactly the rule under test.

func testKeys(t *testing.T) *keys {
	t.Helper()
	k, err := loadKeys(os.DirFS("../../testdata/conformance/keys"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var msg = []byte("header.payload")

func TestES256Variants(t *testing.T) {
	k := testKeys(t)
	d := sha256.Sum256(msg)
	r, s := es256RS(k.ecPriv1, msg)
	pub := &k.ecPriv1.PublicKey
	for _, c := range []struct {
		name   string
		r, s   *big.Int
		der    []byte
		stdlib bool // what crypto/ecdsa says: the attack is a genuine signature
	}{
		{"rfc6979", r, s, nil, true},
		{"high-s", r, new(big.Int).Sub(p256N, s), nil, true},
		{"der", nil, nil, derSig(r, s), true},
		{"r-zero", big.NewInt(0), s, nil, false},
		{"s-equals-n", r, p256N, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ok bool
			if c.der != nil {
				ok = ecdsa.VerifyASN1(pub, d[:], c.der)
				pr, ps, err := parseDERSig(c.der)
				if err != nil || pr.Cmp(r) != 0 || ps.Cmp(s) != 0 {
					t.Errorf("DER round trip: %v", err)
				}
			} else {
				ok = ecdsa.Verify(pub, d[:], c.r, c.s)
			}
			if ok != c.stdlib {
				t.Errorf("crypto/ecdsa verifies it: %v, want %v", ok, c.stdlib)
			}
		})
	}
	r2, s2 := es256RS(k.ecPriv1, msg)
	if r2.Cmp(r) != 0 || s2.Cmp(s) != 0 {
		t.Error("ES256 signing is not deterministic")
	}
}

func TestEd25519SPlusL(t *testing.T) {
	k := testKeys(t)
	sig := ed25519.Sign(k.edPriv1, msg)
	bad := sPlusL(sig)
	if ed25519.Verify(k.edPriv1.Public().(ed25519.PublicKey), msg, bad) {
		t.Error("crypto/ed25519 accepts S+L; the vector would prove nothing")
	}
	le := func(b []byte) *big.Int {
		r := make([]byte, len(b))
		for i := range b {
			r[i] = b[len(b)-1-i]
		}
		return new(big.Int).SetBytes(r)
	}
	diff := new(big.Int).Sub(le(bad[32:]), le(sig[32:]))
	if diff.String() != "7237005577332262213973186563042994240857116359379907606001950938285454250989" {
		t.Errorf("S' - S = %v, want L", diff)
	}
}

func TestPSSSaltLengths(t *testing.T) {
	k := testKeys(t)
	d := sha256.Sum256(msg)
	pub := &k.rsaPrivB.PublicKey
	for _, c := range []struct {
		salt                int
		auto, equalsHashLen bool
	}{{32, true, true}, {0, true, false}, {64, true, false}} {
		sig := ps256Sign(k.rsaPrivB, c.salt)(msg)
		auto := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		eq := rsa.VerifyPSS(pub, crypto.SHA256, d[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		if auto != c.auto || eq != c.equalsHashLen {
			t.Errorf("salt %d: verifies with auto salt %v (want %v), with hash-length salt %v (want %v)", c.salt, auto, c.auto, eq, c.equalsHashLen)
		}
	}
}

func TestNoncanonical(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"AA", "AB"},   // 1 byte, 4 unused bits
		{"AAA", "AAB"}, // 2 bytes, 2 unused bits
		{"QQ", "QR"},
	} {
		if got := noncanonical(c.in); got != c.want {
			t.Errorf("noncanonical(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestObjectKeepsOrderAndDuplicates(t *testing.T) {
	o := obj("b", 1, "a", raw("1e9")).add("b", nil).set("a", "x").del("zz")
	if got, want := o.String(), `{"b":1,"a":"x","b":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
