package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeChannel is the LISTEN/NOTIFY channel the edge_version trigger
// announces every committed change to keys, revocations and cutoffs on.
const ChangeChannel = "origin_edge_changes"

// Watch calls changed after every change to signing keys, revocations or
// subject cutoffs committed by any process sharing the database, typically
// within milliseconds: it LISTENs on ChangeChannel on a connection of its
// own (outside the pool, so it never takes one from requests). It also calls
// changed after each (re)connection, since a change may have been missed
// while disconnected. A lost connection is retried with backoff, logged at
// warn level on log (which may be nil).
//
// Watch shortens the wait; it is not what makes replicas correct. Keep
// polling ChangeVersion beside it: a notification can be lost with its
// connection, and polling bounds the delay whatever happens.
//
// changed runs on Watch's goroutine, one call at a time; a slow changed
// delays the next one, and notifications arriving meanwhile are coalesced
// by the caller's version check. Watch returns nil when ctx is done.
func (db *DB) Watch(ctx context.Context, changed func(ctx context.Context), log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	backoff := 100 * time.Millisecond
	for {
		start := time.Now()
		err := db.listen(ctx, changed)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond // it was up for a while: a fresh failure
		}
		log.LogAttrs(ctx, slog.LevelWarn, "postgres: change notifications interrupted; polling continues",
			slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen holds one LISTEN session until it fails or ctx is done.
func (db *DB) listen(ctx context.Context, changed func(ctx context.Context)) error {
	conn, err := pgx.ConnectConfig(ctx, db.conn.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+ChangeChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	changed(ctx)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		changed(ctx)
	}
}
