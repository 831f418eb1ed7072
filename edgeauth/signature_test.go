package edgeauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/nistec"
)

// The Ed25519 and ES256 verifiers are built on filippo.io/edwards25519 and
// filippo.io/nistec rather than crypto/ed25519 and crypto/ecdsa (see
// es256.go and comb.go). These tests hold them to the standard library's
// answers, with and without the precomputed key tables, on valid
// signatures and on every kind of damage: one flipped bit anywhere, S + L,
// high S, zero and out-of-range scalars, a non-canonical R.

// edKeyUnderTest returns our verifier for pub, with or without a table.
func edKeyUnderTest(t testing.TB, pub ed25519.PublicKey, table bool) *ed25519Key {
	t.Helper()
	return edKeyIn(t, pub, tablesFor(table))
}

// edKeyIn returns our verifier for pub, keeping its table in tables (none
// when tables is nil).
func edKeyIn(t testing.TB, pub ed25519.PublicKey, tables *tableCache) *ed25519Key {
	t.Helper()
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		t.Fatal(err)
	}
	return newEd25519Key(pub, a, tables)
}

// hasTable reports whether k has a precomputed table, of either form,
// building it if needed.
func hasTable(k *ed25519Key) bool {
	return k.precomputed() != nil || k.vtTable() != nil
}

// tablesFor returns a new cache of tables, or nil for a key without one.
func tablesFor(table bool) *tableCache {
	if table {
		return new(tableCache)
	}
	return nil
}

func ecKeyUnderTest(t testing.TB, pub *ecdsa.PublicKey, table bool) *p256Key {
	t.Helper()
	enc, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	k, err := newP256Key(enc, tablesFor(table))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// edCases returns signatures of msg to try: the valid one, each with one bit
// flipped (every bit of R and S), S + L, S with high bits set, random bytes
// and a non-canonical R (y ≥ p).
func edCases(priv ed25519.PrivateKey, msg []byte, rng *mrand.Rand) map[string][]byte {
	sig := ed25519.Sign(priv, msg)
	cases := map[string][]byte{"valid": sig}
	for bit := range 512 {
		c := append([]byte(nil), sig...)
		c[bit/8] ^= 1 << (bit % 8)
		cases["flip bit "+itoa(bit)] = c
	}
	// S + L: the same scalar, non-canonical.
	l := new(big.Int).SetBytes(reverse([]byte{
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	}))
	s := new(big.Int).SetBytes(reverse(append([]byte(nil), sig[32:]...)))
	s.Add(s, l)
	if s.BitLen() <= 256 {
		c := append([]byte(nil), sig[:32]...)
		cases["S + L"] = append(c, reverse(s.FillBytes(make([]byte, 32)))...)
	}
	hi := append([]byte(nil), sig...)
	hi[63] |= 0xe0
	cases["S high bits"] = hi
	junk := make([]byte, 64)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	cases["random"] = junk
	nc := append([]byte(nil), sig...)
	copy(nc, []byte{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}) // y = p + 1
	cases["non-canonical R"] = nc
	cases["short"] = sig[:63]
	cases["long"] = append(append([]byte(nil), sig...), 0)
	return cases
}

func TestEd25519MatchesStdlib(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	for round := range 8 {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		msg := make([]byte, rng.IntN(300))
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		for variant, tables := range []*tableCache{nil, new(tableCache), {forceRef10: true}} {
			k := edKeyIn(t, pub, tables)
			accepted := 0
			for name, sig := range edCases(priv, msg, rng) {
				want := ed25519.Verify(pub, msg, sig)
				if got := k.verify(msg, sig); got != want {
					t.Fatalf("round %d, variant %d (none, a key table, ed25519vt's tables), %s: got %v, crypto/ed25519 says %v", round, variant, name, got, want)
				}
				if want {
					accepted++
				}
			}
			if accepted != 1 {
				t.Fatalf("round %d: %d signatures accepted, want exactly the valid one", round, accepted)
			}
			if k.verify(append(msg, 0), ed25519.Sign(priv, msg)) {
				t.Fatal("a signature verified for another message")
			}
		}
	}
}

// ecSign signs msg's SHA-256 and returns the JWS form r‖s.
func ecSign(t testing.TB, priv *ecdsa.PrivateKey, msg []byte) []byte {
	t.Helper()
	h := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, priv, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
}

// stdlibES256 is crypto/ecdsa's answer for a JWS ES256 signature.
func stdlibES256(pub *ecdsa.PublicKey, msg, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	h := sha256.Sum256(msg)
	return ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

func TestES256MatchesStdlib(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(3, 4))
	n := new(big.Int).SetBytes(p256Order[:])
	scalar := func(v *big.Int) []byte { return v.FillBytes(make([]byte, 32)) }
	for round := range 6 {
		priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		msg := make([]byte, rng.IntN(300))
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		sig := ecSign(t, priv, msg)
		r, s := sig[:32], new(big.Int).SetBytes(sig[32:])
		cases := map[string][]byte{
			"valid":     sig,
			"high S":    append(append([]byte(nil), r...), scalar(new(big.Int).Sub(n, s))...),
			"r = 0":     append(make([]byte, 32), sig[32:]...),
			"s = 0":     append(append([]byte(nil), r...), make([]byte, 32)...),
			"r = n":     append(scalar(n), sig[32:]...),
			"s = n":     append(append([]byte(nil), r...), scalar(n)...),
			"r = n - 1": append(scalar(new(big.Int).Sub(n, big.NewInt(1))), sig[32:]...),
			"s = 1":     append(append([]byte(nil), r...), scalar(big.NewInt(1))...),
			"short":     sig[:63],
		}
		if v := new(big.Int).Add(s, n); v.BitLen() <= 256 {
			cases["s + n"] = append(append([]byte(nil), r...), scalar(v)...)
		}
		for bit := range 512 {
			c := append([]byte(nil), sig...)
			c[bit/8] ^= 1 << (bit % 8)
			cases["flip bit "+itoa(bit)] = c
		}
		for _, table := range []bool{false, true} {
			k := ecKeyUnderTest(t, &priv.PublicKey, table)
			accepted := 0
			for name, c := range cases {
				want := stdlibES256(&priv.PublicKey, msg, c)
				if got := k.verify(msg, c); got != want {
					t.Fatalf("round %d, table %v, %s: got %v, crypto/ecdsa says %v", round, table, name, got, want)
				}
				if want {
					accepted++
				}
			}
			if accepted != 2 { // the signature and its high-S twin
				t.Fatalf("round %d: %d signatures accepted, want 2", round, accepted)
			}
		}
	}
}

// TestES256LargeX covers the step a random test never reaches: R.x ≥ n, so
// r = R.x − n (SEC 1 section 4.1.4 step 7). It picks such an R, a signature
// (r, s) and a message, and solves for the public key that makes them valid.
func TestES256LargeX(t *testing.T) {
	curve := elliptic.P256().Params()
	msg := []byte("large x")
	h := sha256.Sum256(msg)
	e := new(big.Int).SetBytes(h[:])
	n, p := curve.N, curve.P
	// The smallest x ≥ n on the curve.
	x := new(big.Int).Set(n)
	var y *big.Int
	for ; y == nil; x.Add(x, big.NewInt(1)) {
		rhs := new(big.Int).Exp(x, big.NewInt(3), p)
		rhs.Sub(rhs, new(big.Int).Mul(big.NewInt(3), x))
		rhs.Add(rhs, curve.B).Mod(rhs, p)
		y = new(big.Int).ModSqrt(rhs, p)
	}
	x.Sub(x, big.NewInt(1))
	r := new(big.Int).Sub(x, n)
	s := big.NewInt(0x1234567)
	// R = u1·G + u2·Q with u1 = e/s, u2 = r/s, so Q = (R − u1·G)/u2.
	sInv := new(big.Int).ModInverse(s, n)
	u1 := new(big.Int).Mul(e, sInv)
	u1.Mod(u1, n)
	u2 := new(big.Int).Mul(r, sInv)
	u2.Mod(u2, n)
	gx, gy := curve.ScalarBaseMult(u1.Bytes())
	tx, ty := curve.Add(x, y, gx, new(big.Int).Sub(p, gy))
	qx, qy := curve.ScalarMult(tx, ty, new(big.Int).ModInverse(u2, n).Bytes())
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: qx, Y: qy}
	sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	if !stdlibES256(pub, msg, sig) {
		t.Fatal("the constructed signature does not verify with crypto/ecdsa")
	}
	for _, table := range []bool{false, true} {
		k := ecKeyUnderTest(t, pub, table)
		if !k.verify(msg, sig) {
			t.Errorf("table %v: a valid signature with R.x ≥ n was refused", table)
		}
		// r = R.x itself is out of range and must fail.
		if k.verify(msg, append(x.FillBytes(make([]byte, 32)), sig[32:]...)) {
			t.Errorf("table %v: r = R.x ≥ n was accepted", table)
		}
	}
}

// TestCombTable holds the tables to the libraries' own scalar multiplication.
func TestCombTable(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(5, 6))
	scalars := [][]byte{make([]byte, 32), {31: 1}, {31: 15}, {31: 16}, {0: 0xff, 31: 0xff}}
	for range 20 {
		s := make([]byte, 32)
		for i := range s {
			s[i] = byte(rng.Uint32())
		}
		s[0] &= 0x7f // below both group orders' 2^255 bound for nistec's input
		scalars = append(scalars, s)
	}
	n1 := new(big.Int).Sub(new(big.Int).SetBytes(p256Order[:]), big.NewInt(1))
	scalars = append(scalars, n1.FillBytes(make([]byte, 32)))

	t.Run("P-256", func(t *testing.T) {
		q, _ := nistec.NewP256Point().ScalarBaseMult([]byte{31: 7, 0: 0x42})
		tab := newCombTable(q)
		for _, s := range scalars {
			want, err := nistec.NewP256Point().ScalarMult(q, s)
			if err != nil {
				t.Fatal(err)
			}
			got := tab.addMult(nistec.NewP256Point(), digitsBE(s))
			if string(got.Bytes()) != string(want.Bytes()) {
				t.Fatalf("scalar %x: the table disagrees with ScalarMult", s)
			}
		}
	})
	t.Run("Ed25519", func(t *testing.T) {
		a := new(edwards25519.Point).ScalarBaseMult(mustScalar(t, 12345))
		tab := newCombTable(a)
		for _, s := range scalars {
			le := reverse(append([]byte(nil), s...))
			le[31] &= 0x0f // a canonical scalar (< L < 2^253)
			sc, err := edwards25519.NewScalar().SetCanonicalBytes(le)
			if err != nil {
				t.Fatal(err)
			}
			want := new(edwards25519.Point).ScalarMult(sc, a)
			got := tab.addMult(edwards25519.NewIdentityPoint(), digitsLE(le))
			if got.Equal(want) != 1 {
				t.Fatalf("scalar %x: the table disagrees with ScalarMult", le)
			}
		}
	})
}

// TestTablesBounded checks that a Config gives tables to at most
// maxTablesPerConfig keys, and that an Authorizer keeps at most
// maxCachedTables of them.
func TestTablesBounded(t *testing.T) {
	var jwks []map[string]any
	for i := range maxTablesPerConfig + 3 {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		jwks = append(jwks, map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "k" + itoa(i), "alg": "EdDSA", "x": b64(pub)})
	}
	c := baseConfig(t)
	c["keys"] = map[string]any{"keys": jwks}
	a := newTestAuthorizer(t, c)
	with := 0
	for _, k := range a.policy.Load().keys {
		if hasTable(k.ed) {
			with++
		}
	}
	if with != maxTablesPerConfig {
		t.Errorf("%d keys got a table, want %d", with, maxTablesPerConfig)
	}
	if n := a.tables.len(); n != maxTablesPerConfig {
		t.Errorf("the Authorizer holds %d tables, want %d", n, maxTablesPerConfig)
	}
	for range maxCachedTables + 2 {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		hasTable(edKeyIn(t, pub, &a.tables))
	}
	a.tables.mu.Lock()
	defer a.tables.mu.Unlock()
	if len(a.tables.table) != maxCachedTables || len(a.tables.keys) != maxCachedTables {
		t.Errorf("the table cache holds %d (%d in order), want %d", len(a.tables.table), len(a.tables.keys), maxCachedTables)
	}
}

// TestTablesOwnedByAuthorizer checks that a key's table outlives a Config
// within its Authorizer (a new Config, as every revocation brings, does not
// rebuild it) and that two Authorizers share nothing.
func TestTablesOwnedByAuthorizer(t *testing.T) {
	cfg := baseConfig(t)
	a := newTestAuthorizer(t, cfg)
	tableOf := func(a *Authorizer) any {
		t.Helper()
		k := a.policy.Load().keys["ed"]
		if k == nil || k.ed == nil {
			t.Fatal("the test Config has no Ed25519 key \"ed\"")
		}
		if tab := k.ed.precomputed(); tab != nil {
			return tab
		}
		if tab := k.ed.vtTable(); tab != nil {
			return tab
		}
		t.Fatal("the Ed25519 key got no table")
		return nil
	}
	first := tableOf(a)
	cfg["revoked"] = []map[string]any{{"jti": "gone", "exp": testNow + 60}}
	if err := a.Configure(mustJSON(t, cfg)); err != nil {
		t.Fatal(err)
	}
	if tableOf(a) != first {
		t.Error("a new Config of the same Authorizer rebuilt the key's table")
	}
	b := newTestAuthorizer(t, cfg)
	if tableOf(b) == first {
		t.Error("two Authorizers share a table")
	}
	if n := b.tables.len(); n != 1 {
		t.Errorf("the second Authorizer holds %d tables, want its own 1", n)
	}
}

func mustScalar(t testing.TB, v uint64) *edwards25519.Scalar {
	t.Helper()
	var b [32]byte
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(b[:])
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func reverse(b []byte) []byte {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

// FuzzSignatures holds both verifiers, with and without tables, to the
// standard library on arbitrary messages and signature bytes. The seeds are
// valid signatures, so mutations stay near the interesting boundary.
func FuzzSignatures(f *testing.F) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, msg := range [][]byte{nil, []byte("eyJhbGciOiJFZERTQSJ9.e30"), make([]byte, 200)} {
		f.Add(msg, ed25519.Sign(edPriv, msg))
		f.Add(msg, ecSign(f, ecPriv, msg))
	}
	// Without a table, with one, and with ed25519vt's tables (what wasm runs).
	ed := []*ed25519Key{edKeyUnderTest(f, edPub, false), edKeyUnderTest(f, edPub, true),
		edKeyIn(f, edPub, &tableCache{forceRef10: true})}
	ec := []*p256Key{ecKeyUnderTest(f, &ecPriv.PublicKey, false), ecKeyUnderTest(f, &ecPriv.PublicKey, true)}
	f.Fuzz(func(t *testing.T, msg, sig []byte) {
		wantEd := ed25519.Verify(edPub, msg, sig)
		wantEC := stdlibES256(&ecPriv.PublicKey, msg, sig)
		for i, k := range ed {
			if got := k.verify(msg, sig); got != wantEd {
				t.Fatalf("Ed25519 (variant %d): got %v, crypto/ed25519 says %v", i, got, wantEd)
			}
		}
		for i, k := range ec {
			if got := k.verify(msg, sig); got != wantEC {
				t.Fatalf("ES256 (table %v): got %v, crypto/ecdsa says %v", i == 1, got, wantEC)
			}
		}
	})
}
