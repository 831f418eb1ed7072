package main

import (
	"context"
	"strings"

	"github.com/craftingapis/todos/origin/devicecookie"
	"github.com/craftingapis/todos/origin/httpapi"
	"github.com/craftingapis/todos/origin/sqlstore"
)

// deviceCookies returns the device cookies of POST /authenticate, signed
// with the database's shared secret (so every replica verifies every
// replica's cookies), Secure when the issuer (iss, the one in force) is an
// https URL; nil when the rate limit is off (the cookies only ever exempt a
// client from it).
func deviceCookies(ctx context.Context, c Config, iss string, db *sqlstore.Store) (httpapi.DeviceCookies, error) {
	if !c.RateLimit.Enabled {
		return nil, nil
	}
	secret, err := db.Secret(ctx, sqlstore.SecretDeviceCookie)
	if err != nil {
		return nil, err
	}
	return devicecookie.New(secret, devicecookie.Options{Secure: strings.HasPrefix(iss, "https://")})
}
