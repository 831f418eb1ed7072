package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/tokens"
)

// keyInfo returns kid's row of ListKeys.
func keyInfo(t *testing.T, ks KeyStore, kid string) *origin.SigningKey {
	t.Helper()
	keys, err := ks.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Kid == kid {
			return k
		}
	}
	t.Fatalf("no key %s", kid)
	return nil
}

// testPrivatePartDestroyed: a key that will never sign again loses its
// private part: an EdDSA or ES256 key when rotated out (its public JWK
// verifies), an HS256 secret when retired (until then it verifies), every
// key when retired by hand or when its time is up.
func testPrivatePartDestroyed(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	for _, alg := range []string{origin.AlgEdDSA, origin.AlgES256, origin.AlgHS256} {
		t.Run(alg, func(t *testing.T) {
			s := open(t)
			first, _, err := s.Keys.EnsureActiveKey(ctx, alg)
			if err != nil {
				t.Fatal(err)
			}
			if got := keyInfo(t, s.Keys, first.Kid).Private; got != origin.KeyPlain {
				t.Fatalf("active key's private part is %q, want plain", got)
			}
			if _, err := s.Keys.RotateKey(ctx, alg); err != nil {
				t.Fatal(err)
			}
			raw := s.RawKey(t, first.Kid)
			if alg == origin.AlgHS256 {
				if len(raw.Private) == 0 || keyInfo(t, s.Keys, first.Kid).Private != origin.KeyPlain {
					t.Fatal("a retiring HS256 secret was destroyed: it still verifies")
				}
			} else if len(raw.Private) != 0 || keyInfo(t, s.Keys, first.Kid).Private != origin.KeyDestroyed {
				t.Fatalf("a rotated-out %s key kept %d private bytes", alg, len(raw.Private))
			}
			// Still verifying until its retire time, private part or not.
			vks, err := s.Edge.VerifyingKeys(ctx, s.Clock.Now())
			if err != nil || len(vks) != 2 {
				t.Fatalf("verifying keys: %d, %v", len(vks), err)
			}
			if _, err := s.Keys.RotateKey(ctx, alg); err != nil {
				t.Fatal(err)
			}
			// Retired by hand: destroyed whatever its algorithm.
			if err := s.Keys.RetireKey(ctx, first.Kid); err != nil {
				t.Fatal(err)
			}
			if raw := s.RawKey(t, first.Kid); len(raw.Private) != 0 {
				t.Fatalf("a retired key kept %d private bytes", len(raw.Private))
			}
			// Retired when its time is up (the key the second rotation
			// demoted): the same.
			s.Clock.Advance(RetireAfter + time.Second)
			all, _ := s.Keys.ListKeys(ctx)
			retired := 0
			for _, k := range all {
				if k.State == origin.KeyRetired {
					retired++
				}
				wantGone := k.State == origin.KeyRetired || (k.State == origin.KeyRetiring && alg != origin.AlgHS256)
				if raw := s.RawKey(t, k.Kid); wantGone != (len(raw.Private) == 0) || wantGone != (k.Private == origin.KeyDestroyed) {
					t.Errorf("%s key %s: %d private bytes, listed %s", k.State, k.Kid, len(raw.Private), k.Private)
				}
			}
			if retired != 2 {
				t.Fatalf("%d retired keys, want 2", retired)
			}
			if _, err := s.Keys.ActiveKey(ctx); err != nil {
				t.Fatalf("the active key no longer signs: %v", err)
			}
		})
	}
}

// testSealExistingKeys: setting a master key on a database whose keys and
// secrets are stored in plain, SealKeys seals them all; without one it
// refuses.
func testSealExistingKeys(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	k, _, err := s.Keys.EnsureActiveKey(ctx, origin.AlgHS256)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.Edge.Secret(ctx, "device-cookie")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Keys.SealKeys(ctx); !errors.Is(err, tokens.ErrMasterKeyRequired) {
		t.Fatalf("SealKeys without a master key: %v", err)
	}
	master := make([]byte, 32)
	rand.Read(master)
	sealed := s.Reopen(t, mustSealer(t, master))
	n, err := sealed.Keys.SealKeys(ctx)
	if err != nil || n != 2 {
		t.Fatalf("SealKeys = %d, %v; want the key and the secret", n, err)
	}
	if raw := s.RawKey(t, k.Kid); raw.Enc != tokens.EncAES256GCM {
		t.Fatalf("key enc = %q after sealing", raw.Enc)
	}
	if got := keyInfo(t, sealed.Keys, k.Kid).Private; got != origin.KeySealed {
		t.Fatalf("keys list says %q", got)
	}
	if n, err := sealed.Keys.SealKeys(ctx); err != nil || n != 0 {
		t.Fatalf("sealing again = %d, %v; want nothing left", n, err)
	}
	// Readable with the master key, and only with it.
	if _, err := sealed.Keys.ActiveKey(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := sealed.Edge.Secret(ctx, "device-cookie"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("secret after sealing: %v", err)
	}
	plain := s.Reopen(t, nil)
	if _, err := plain.Keys.ActiveKey(ctx); !errors.Is(err, tokens.ErrMasterKeyRequired) {
		t.Fatalf("key readable without the master key: %v", err)
	}
	if _, err := plain.Edge.Secret(ctx, "device-cookie"); !errors.Is(err, tokens.ErrMasterKeyRequired) {
		t.Fatalf("secret readable without the master key: %v", err)
	}
}
