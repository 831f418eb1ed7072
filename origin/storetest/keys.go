package storetest

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

func testKeyLifecycle(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	n := &countingNotifier{}
	s = s.withNotifier(n)
	ks, clk := s.Keys, s.Clock
	ctx := context.Background()

	if _, err := ks.ActiveKey(ctx); !errors.Is(err, tokens.ErrNoActiveKey) {
		t.Fatalf("ActiveKey on empty db: %v", err)
	}
	first, created, err := ks.EnsureActiveKey(ctx, origin.AlgEdDSA)
	if err != nil || !created || first.State != origin.KeyActive || first.Alg != origin.AlgEdDSA ||
		!first.CreatedAt.Equal(time.Unix(clk.Now().Unix(), 0)) {
		t.Fatalf("EnsureActiveKey = %+v, %v, %v", first, created, err)
	}
	again, created, err := ks.EnsureActiveKey(ctx, origin.AlgES256)
	if err != nil || created || again.Kid != first.Kid {
		t.Fatalf("second EnsureActiveKey = %+v, %v, %v; want the existing key", again, created, err)
	}
	_, _, err = ks.EnsureActiveKey(ctx, "none")
	wantCode(t, err, origin.EINVALID)

	clk.Advance(time.Minute)
	second, err := ks.RotateKey(ctx, origin.AlgES256)
	if err != nil || second.Alg != origin.AlgES256 || second.Kid == first.Kid {
		t.Fatalf("RotateKey = %+v, %v", second, err)
	}
	keys, err := ks.ListKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %v, %v", keys, err)
	}
	if keys[0].Kid != second.Kid || keys[0].State != origin.KeyActive || keys[0].RetireAt != nil {
		t.Fatalf("newest key = %+v", keys[0])
	}
	wantRetire := clk.Now().Add(RetireAfter).Unix()
	if keys[1].Kid != first.Kid || keys[1].State != origin.KeyRetiring || keys[1].RetireAt == nil || keys[1].RetireAt.Unix() != wantRetire {
		t.Fatalf("old key = %+v, want retiring at %d", keys[1], wantRetire)
	}
	active, err := ks.ActiveKey(ctx)
	if err != nil || active.Kid != second.Kid || active.Alg != origin.AlgES256 {
		t.Fatalf("ActiveKey = %+v, %v", active, err)
	}
	vks, err := s.Edge.VerifyingKeys(ctx, clk.Now())
	if err != nil || len(vks) != 2 {
		t.Fatalf("VerifyingKeys = %+v, %v", vks, err)
	}
	if vks[0].JWK.Kid > vks[1].JWK.Kid {
		t.Fatalf("VerifyingKeys not sorted by kid: %s, %s", vks[0].JWK.Kid, vks[1].JWK.Kid)
	}
	for _, vk := range vks {
		want := origin.KeyActive
		if vk.JWK.Kid == first.Kid {
			want = origin.KeyRetiring
		}
		if vk.State != want || (want == origin.KeyRetiring) != (vk.RetireAt != nil) {
			t.Fatalf("verifying key %s = %+v, want state %s", vk.JWK.Kid, vk, want)
		}
	}

	// Once retire_at passes, the old key leaves on the next build.
	clk.Advance(RetireAfter + time.Second)
	vks, err = s.Edge.VerifyingKeys(ctx, clk.Now())
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
	vks, _ = s.Edge.VerifyingKeys(ctx, clk.Now())
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

func testVerifyingKeysHS256(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	ctx := context.Background()
	if _, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgHS256); err != nil {
		t.Fatal(err)
	}
	active, err := s.Keys.ActiveKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vks, err := s.Edge.VerifyingKeys(ctx, s.Clock.Now())
	if err != nil || len(vks) != 1 {
		t.Fatalf("VerifyingKeys = %+v, %v", vks, err)
	}
	if j := vks[0].JWK; j.Kty != "oct" || j.K == "" || j.Kid != active.Kid || j.Alg != origin.AlgHS256 {
		t.Fatalf("HS256 verifying key = %+v", j)
	}
	if raw := s.RawKey(t, active.Kid); raw.PublicJWK != nil {
		t.Fatalf("HS256 row has a public JWK %q; its secret must not be stored as one", *raw.PublicJWK)
	}
}

func testKeyEncryptionAtRest(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	master := make([]byte, 32)
	rand.Read(master)
	s := open(t).Reopen(t, mustSealer(t, master))
	if _, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	active, err := s.Keys.ActiveKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw := s.RawKey(t, active.Kid)
	if raw.Enc != tokens.EncAES256GCM || bytes.Contains(raw.Private, active.Private) || bytes.Contains(raw.Private, active.Private[len(active.Private)-32:]) {
		t.Fatalf("private key stored in the clear (enc %q)", raw.Enc)
	}

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
			got, err := s.Reopen(t, tt.sealer).Keys.ActiveKey(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ActiveKey err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got.Private, active.Private) {
				t.Fatal("decrypted key differs")
			}
		})
	}
}

// testPlainKeyReadableWithMasterKey: setting a master key later must not
// lock out keys stored before it.
func testPlainKeyReadableWithMasterKey(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	k, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA)
	if err != nil {
		t.Fatal(err)
	}
	if raw := s.RawKey(t, k.Kid); raw.Enc != tokens.EncNone {
		t.Fatalf("enc = %q without a master key", raw.Enc)
	}
	if _, err := s.Reopen(t, mustSealer(t, make([]byte, 32))).Keys.ActiveKey(ctx); err != nil {
		t.Fatal(err)
	}
}

// testConcurrentFirstKey: several processes (replicas) start at once on an
// empty database; exactly one key must exist afterwards and all must agree.
func testConcurrentFirstKey(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	first := open(t)
	const n = 6
	stores := []Store{first}
	for range n - 1 {
		stores = append(stores, first.Reopen(t, nil))
	}
	var wg sync.WaitGroup
	kids := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() {
			<-start
			k, c, err := s.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA)
			if err == nil {
				kids[i], created[i] = k.Kid, c
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	makers := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		if kids[i] != kids[0] {
			t.Fatalf("process %d got kid %s, process 0 got %s", i, kids[i], kids[0])
		}
		if created[i] {
			makers++
		}
	}
	if makers != 1 {
		t.Fatalf("%d processes say they created the key, want 1", makers)
	}
	if c := first.Count(t, "signing_keys"); c != 1 {
		t.Fatalf("%d keys stored, want 1", c)
	}
}

// testConcurrentRotations: two operators rotating at once both succeed, one
// after the other, and exactly one key is active afterwards.
func testConcurrentRotations(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	a := open(t)
	b := a.Reopen(t, nil)
	if _, _, err := a.Keys.EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	const rounds = 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for _, s := range []Store{a, b} {
		wg.Go(func() {
			for range rounds {
				if _, err := s.Keys.RotateKey(ctx, origin.AlgEdDSA); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	keys, err := a.Keys.ListKeys(ctx)
	if err != nil || len(keys) != 1+2*rounds {
		t.Fatalf("ListKeys = %d keys, %v; want %d", len(keys), err, 1+2*rounds)
	}
	active := 0
	for _, k := range keys {
		if k.State == origin.KeyActive {
			active++
		}
	}
	if active != 1 {
		t.Fatalf("%d active keys, want 1", active)
	}
}
