package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

func mustSealer(t *testing.T, master []byte) *tokens.Sealer {
	t.Helper()
	s, err := tokens.NewSealer(master, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKeyLifecycle(t *testing.T) {
	db, clk, _ := openTest(t, Options{RetireAfter: time.Hour + 30*time.Second})
	n := &countingNotifier{}
	db.SetNotifier(n)
	ks := NewKeyService(db)
	ctx := context.Background()

	if _, err := ks.ActiveKey(ctx); !errors.Is(err, tokens.ErrNoActiveKey) {
		t.Fatalf("ActiveKey on empty db: %v", err)
	}
	first, created, err := ks.EnsureActiveKey(ctx, origin.AlgEdDSA)
	if err != nil || !created || first.State != origin.KeyActive || first.Alg != origin.AlgEdDSA {
		t.Fatalf("EnsureActiveKey = %+v, %v, %v", first, created, err)
	}
	again, created, err := ks.EnsureActiveKey(ctx, origin.AlgES256)
	if err != nil || created || again.Kid != first.Kid {
		t.Fatalf("second EnsureActiveKey = %+v, %v, %v; want the existing key", again, created, err)
	}

	clk.Advance(time.Minute)
	second, err := ks.RotateKey(ctx, origin.AlgES256)
	if err != nil || second.Alg != origin.AlgES256 || second.Kid == first.Kid {
		t.Fatalf("RotateKey = %+v, %v", second, err)
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %v, %v", keys, err)
	}
	if keys[0].Kid != second.Kid || keys[0].State != origin.KeyActive {
		t.Fatalf("newest key = %+v", keys[0])
	}
	wantRetire := clk.Now().Add(time.Hour + 30*time.Second).Unix()
	if keys[1].Kid != first.Kid || keys[1].State != origin.KeyRetiring || keys[1].RetireAt == nil || keys[1].RetireAt.Unix() != wantRetire {
		t.Fatalf("old key = %+v, want retiring at %d", keys[1], wantRetire)
	}
	active, err := ks.ActiveKey(ctx)
	if err != nil || active.Kid != second.Kid || active.Alg != origin.AlgES256 {
		t.Fatalf("ActiveKey = %+v, %v", active, err)
	}
	vks, err := db.VerifyingKeys(ctx, clk.Now())
	if err != nil || len(vks) != 2 {
		t.Fatalf("VerifyingKeys = %+v, %v", vks, err)
	}

	// Once retire_at passes, the old key leaves on the next build.
	clk.Advance(time.Hour + 31*time.Second)
	vks, err = db.VerifyingKeys(ctx, clk.Now())
	if err != nil || len(vks) != 1 || vks[0].JWK.Kid != second.Kid {
		t.Fatalf("after retire_at: %+v, %v", vks, err)
	}
	keys, _ = ks.ListKeys(ctx)
	if keys[1].State != origin.KeyRetired {
		t.Fatalf("old key state = %q, want retired", keys[1].State)
	}

	// RetireKey: the active key is refused, unknown kids are not found.
	wantCode(t, ks.RetireKey(ctx, second.Kid), origin.EINVALID)
	wantCode(t, ks.RetireKey(ctx, "nope"), origin.ENOTFOUND)
	third, err := ks.RotateKey(ctx, origin.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	if err := ks.RetireKey(ctx, second.Kid); err != nil {
		t.Fatal(err)
	}
	if err := ks.RetireKey(ctx, second.Kid); err != nil {
		t.Fatalf("retiring twice: %v", err)
	}
	vks, _ = db.VerifyingKeys(ctx, clk.Now())
	if len(vks) != 1 || vks[0].JWK.Kid != third.Kid {
		t.Fatalf("after RetireKey: %+v", vks)
	}
	_, err = ks.RotateKey(ctx, "RS256")
	wantCode(t, err, origin.EINVALID)
	// created, rotate, rotate, retire: four changes the auth step had to see.
	if n.count() != 4 {
		t.Fatalf("notified %d times, want 4", n.count())
	}
}

func TestVerifyingKeysHS256(t *testing.T) {
	db, clk, _ := openTest(t, Options{})
	ks := NewKeyService(db)
	ctx := context.Background()
	if _, _, err := ks.EnsureActiveKey(ctx, origin.AlgHS256); err != nil {
		t.Fatal(err)
	}
	active, err := ks.ActiveKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vks, err := db.VerifyingKeys(ctx, clk.Now())
	if err != nil || len(vks) != 1 {
		t.Fatalf("VerifyingKeys = %+v, %v", vks, err)
	}
	if j := vks[0].JWK; j.Kty != "oct" || j.K == "" || j.Kid != active.Kid || j.Alg != origin.AlgHS256 {
		t.Fatalf("HS256 verifying key = %+v", j)
	}
	var public *string
	if err := db.db.QueryRow(`SELECT public_jwk FROM signing_keys`).Scan(&public); err != nil || public != nil {
		t.Fatalf("HS256 row has a public JWK %v (%v); its secret must not be stored as one", public, err)
	}
}

func TestKeyEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	master := make([]byte, 32)
	rand.Read(master)
	db, _, path := openTest(t, Options{Sealer: mustSealer(t, master)})
	ks := NewKeyService(db)
	if _, _, err := ks.EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	active, err := ks.ActiveKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	var enc string
	if err := db.db.QueryRow(`SELECT private_key, private_enc FROM signing_keys`).Scan(&stored, &enc); err != nil {
		t.Fatal(err)
	}
	if enc != tokens.EncAES256GCM || bytes.Contains(stored, active.Private) || bytes.Contains(stored, active.Private[len(active.Private)-32:]) {
		t.Fatalf("private key stored in the clear (enc %q)", enc)
	}
	db.Close()

	wrong := make([]byte, 32)
	rand.Read(wrong)
	tests := []struct {
		name    string
		sealer  *tokens.Sealer
		wantErr error
	}{
		{"same master key", mustSealer(t, master), nil},
		{"no master key", nil, tokens.ErrMasterKeyRequired},
		{"wrong master key", mustSealer(t, wrong), tokens.ErrDecrypt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db2, err := Open(ctx, path, Options{Sealer: tt.sealer})
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			got, err := NewKeyService(db2).ActiveKey(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ActiveKey err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got.Private, active.Private) {
				t.Fatal("decrypted key differs")
			}
		})
	}
}

func TestPlainKeyReadableWithMasterKey(t *testing.T) {
	// Setting a master key later must not lock out keys stored before it.
	ctx := context.Background()
	db, _, path := openTest(t, Options{})
	if _, _, err := NewKeyService(db).EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	db.Close()
	master := make([]byte, 32)
	db2, err := Open(ctx, path, Options{Sealer: mustSealer(t, master)})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := NewKeyService(db2).ActiveKey(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentFirstKey(t *testing.T) {
	// Several "processes" (separate connection pools on one file) start at
	// once: exactly one active key must exist afterwards.
	ctx := context.Background()
	first, _, path := openTest(t, Options{})
	const n = 6
	dbs := []*DB{first}
	for range n - 1 {
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	var wg sync.WaitGroup
	kids := make([]string, n)
	errs := make([]error, n)
	for i, db := range dbs {
		wg.Go(func() {
			k, _, err := NewKeyService(db).EnsureActiveKey(ctx, origin.AlgEdDSA)
			if err == nil {
				kids[i] = k.Kid
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		if kids[i] != kids[0] {
			t.Fatalf("process %d got kid %s, process 0 got %s", i, kids[i], kids[0])
		}
	}
	var count int
	if err := first.db.QueryRow(`SELECT COUNT(*) FROM signing_keys`).Scan(&count); err != nil || count != 1 {
		t.Fatalf("%d keys stored (%v), want 1", count, err)
	}
}

func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/race.db"
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			db, err := Open(ctx, path, Options{})
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
}
