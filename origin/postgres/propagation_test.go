package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/craftingapis/todos/origin"
	"github.com/craftingapis/todos/origin/controlplane"
	"github.com/craftingapis/todos/origin/postgres/pgtest"
	"github.com/craftingapis/todos/origin/sqlstore"
	"github.com/craftingapis/todos/origin/tokens"
)

// TestPollingAloneBoundsPropagation: without notifications, a control plane
// on one replica still picks up a change committed on another within its
// poll interval (plus a rebuild), for each kind of change the auth step
// caches. This is the bound replicas rely on when LISTEN/NOTIFY is down.
func TestPollingAloneBoundsPropagation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := pgtest.NewDatabase(t)
	writer, err := Open(ctx, url, Options{BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	reader, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, _, err := sqlstore.NewKeyService(writer.Store, nil).EnsureActiveKey(ctx, origin.AlgEdDSA); err != nil {
		t.Fatal(err)
	}
	u, err := sqlstore.NewUserService(writer.Store, nil).CreateUser(ctx, origin.NewUser{Email: "p@example.com", Password: "password1", Name: "P"})
	if err != nil {
		t.Fatal(err)
	}

	const poll = 200 * time.Millisecond
	cp, err := controlplane.New(ctx, controlplane.Options{Store: reader, Issuer: "https://origin.test", Audiences: []string{"todos"},
		TokenLifetime: time.Hour, PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	go cp.Run(ctx)

	now := time.Now()
	sessions := sqlstore.NewSessionService(writer.Store, nil)
	if err := sessions.CreateSession(ctx, tokens.NewSession{ID: "sid-poll", UserID: u.ID, Scope: origin.DefaultScope,
		RefreshHash: tokens.HashRefreshToken("rt"), Now: now, IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour),
		AccessExp: now.Add(10 * time.Minute).Unix()}); err != nil {
		t.Fatal(err)
	}
	fullETag := func() string {
		_, etag, err := cp.FullConfig()
		if err != nil {
			t.Fatal(err)
		}
		return etag
	}
	changes := []struct {
		name string
		do   func() error
	}{
		{"rotation", func() error {
			_, err := sqlstore.NewKeyService(writer.Store, nil).RotateKey(ctx, origin.AlgEdDSA)
			return err
		}},
		{"jti revocation", func() error { return writer.Revoke(ctx, "jti-poll", time.Now().Add(time.Hour)) }},
		{"logout", func() error { return sessions.EndSessionByID(ctx, "sid-poll") }},
		{"deletion", func() error { return sqlstore.NewUserService(writer.Store, nil).DeleteUser(ctx, u.ID) }},
	}
	for _, c := range changes {
		before := fullETag()
		start := time.Now()
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for fullETag() == before {
			if time.Since(start) > poll+2*time.Second {
				t.Fatalf("%s: not picked up by polling within %v", c.name, poll+2*time.Second)
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Logf("%s picked up by polling after %v (poll interval %v)", c.name, time.Since(start).Round(time.Millisecond), poll)
	}
}
