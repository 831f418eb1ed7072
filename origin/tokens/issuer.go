package tokens

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/craftingapis/todos/origin"
)

// Defaults of IssuerOptions.
const (
	// DefaultLifetime is the access tokens' lifetime: short, because a
	// refresh token renews them, and because what the auth step must
	// remember about ended sessions lives as long as their access tokens.
	DefaultLifetime   = 10 * time.Minute
	DefaultBcryptCost = 12
	// MaxSIDLen bounds a sid accepted by Logout (ours are 22 characters).
	MaxSIDLen = 128
)

// jtiLen is the number of random bytes in a jti: 128 bits.
const jtiLen = 16

// Credential is an account's password hash as one login reads it.
type Credential struct {
	UserID int64
	Hash   []byte // bcrypt
	// Version moves on every password change of the account.
	Version int64
}

// CredentialStore finds the password hash of an account and confirms, as a
// token is issued, that it has not changed since.
type CredentialStore interface {
	// FindCredentials returns the credential of the user whose (normalised)
	// email is email; an ENOTFOUND error when there is none.
	FindCredentials(ctx context.Context, email string) (Credential, error)
	// ConfirmCredential calls issue with the subject's cutoff (unix
	// seconds, 0 when none) inside one transaction that excludes every
	// password change and deletion of the user, if the user still exists
	// and its credential version is still version. Otherwise it returns
	// ErrCredentialChanged without calling issue. A deletion that commits
	// after the transaction cuts off at a later second than anything issue
	// saw; a password change that commits after it is caught by
	// SessionStore.CreateSession, which checks the version again, or ends
	// the session stored before it.
	ConfirmCredential(ctx context.Context, userID, version int64, issue func(validAfter int64) error) error
}

// KeyStore supplies the key new tokens are signed with.
type KeyStore interface {
	// ActiveKey returns the one active signing key (ErrNoActiveKey if none).
	ActiveKey(ctx context.Context) (*KeyPair, error)
}

// IssuerOptions configures an Issuer. Issuer, Audiences and the three stores
// are required.
type IssuerOptions struct {
	Issuer    string   // the iss claim
	Audiences []string // the aud claim
	Lifetime  time.Duration
	// RefreshIdle is how long a refresh token works unused
	// (DefaultRefreshIdle when 0); RefreshAbsolute how long a session lasts
	// however often it is refreshed (DefaultRefreshAbsolute when 0).
	RefreshIdle, RefreshAbsolute time.Duration
	// BcryptCost must equal the cost the user store hashes with, so that the
	// dummy comparison for an unknown email takes as long as a real one.
	BcryptCost  int
	Credentials CredentialStore
	Keys        KeyStore
	Sessions    SessionStore
	// Notifier, when set, is refreshed before the first token signed with a
	// newly active key, so the auth step already knows it.
	Notifier origin.Notifier
	Now      func() time.Time // time.Now when nil
	Rand     io.Reader        // crypto/rand when nil; for jti, sid and refresh tokens
	// Logger receives a warning for every refresh-token reuse (the session
	// it ended; never a token). Discarded when nil.
	Logger *slog.Logger
}

// Issuer implements origin.AuthService: it checks passwords and issues JWT
// access tokens with golang-jwt. It is safe for concurrent use.
type Issuer struct {
	opts      IssuerOptions
	dummyHash []byte

	mu      sync.Mutex
	lastKid string // the last kid we made sure the auth step knows
}

var _ origin.AuthService = (*Issuer)(nil)

// errBadCredentials is the one answer to a wrong email or a wrong password,
// so the response does not tell which.
var errBadCredentials = origin.Errorf(origin.EUNAUTHORIZED, "invalid email or password")

// errInvalidGrant is the one answer to a refresh token that does not work,
// whatever the reason (unknown, malformed, expired, revoked, reused), so
// the response does not tell which.
var errInvalidGrant = origin.Errorf(origin.EINVALIDGRANT, "the refresh token is invalid, expired or revoked")

// NewIssuer checks opts and computes the dummy bcrypt hash (one hash at
// BcryptCost: about 0.25 s at cost 12).
func NewIssuer(opts IssuerOptions) (*Issuer, error) {
	if opts.Issuer == "" || len(opts.Audiences) == 0 {
		return nil, errors.New("tokens: issuer and at least one audience are required")
	}
	if opts.Credentials == nil || opts.Keys == nil || opts.Sessions == nil {
		return nil, errors.New("tokens: credential, key and session stores are required")
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = DefaultLifetime
	}
	if opts.Lifetime < time.Second {
		return nil, errors.New("tokens: token lifetime must be at least 1s")
	}
	if opts.RefreshIdle == 0 {
		opts.RefreshIdle = DefaultRefreshIdle
	}
	if opts.RefreshAbsolute == 0 {
		opts.RefreshAbsolute = DefaultRefreshAbsolute
	}
	if opts.RefreshIdle < time.Second || opts.RefreshAbsolute < opts.RefreshIdle {
		return nil, errors.New("tokens: the refresh idle limit must be at least 1s and at most the absolute limit")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = DefaultBcryptCost
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	opts.Audiences = append([]string(nil), opts.Audiences...)
	// The dummy password is random so no real password can ever match it.
	pw := make([]byte, 32)
	if _, err := io.ReadFull(opts.Rand, pw); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(b64.EncodeToString(pw)), opts.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("tokens: dummy hash: %w", err)
	}
	return &Issuer{opts: opts, dummyHash: dummy}, nil
}

// Claims is the claim set of an origin access token. Times are whole seconds.
type Claims struct {
	Scope string `json:"scope"`
	// SID names the session that issued the token: ending the session
	// (logout, refresh-token reuse) refuses every token naming it.
	SID string `json:"sid"`
	jwt.RegisteredClaims
}

// Authenticate checks the credentials and issues a token. A wrong email and a
// wrong password get the same EUNAUTHORIZED error after one bcrypt
// comparison each, so neither the answer nor its timing reveals whether the
// account exists.
func (i *Issuer) Authenticate(ctx context.Context, c origin.Credentials) (*origin.Token, error) {
	scope, err := NarrowScope(c.Scope)
	if err != nil {
		return nil, err
	}
	cred, err := i.lookup(ctx, c.Email)
	if err != nil {
		return nil, err
	}
	if cred.Hash == nil || len(c.Password) > origin.MaxPasswordLen {
		// Unknown or malformed email, or a password no account can have
		// (never compare a truncated one): spend the time of a real check.
		i.spendDummy(c.Password)
		return nil, errBadCredentials
	}
	if bcrypt.CompareHashAndPassword(cred.Hash, []byte(c.Password)) != nil {
		return nil, errBadCredentials
	}
	tok, err := i.startSession(ctx, cred, scope)
	if errors.Is(err, ErrCredentialChanged) {
		// The password changed or the account went while bcrypt ran: the
		// password checked is no longer the account's.
		return nil, errBadCredentials
	}
	return tok, err
}

// spendDummy runs one bcrypt comparison against the dummy hash. The input is
// cut to bcrypt's 72 bytes so that an over-long password cannot make bcrypt
// refuse early (and answer faster) on this path only.
func (i *Issuer) spendDummy(password string) {
	p := []byte(password)
	if len(p) > origin.MaxPasswordLen {
		p = p[:origin.MaxPasswordLen]
	}
	_ = bcrypt.CompareHashAndPassword(i.dummyHash, p)
}

// lookup returns a nil hash (and no error) for an email that is malformed or
// unknown, so both take the dummy path.
func (i *Issuer) lookup(ctx context.Context, email string) (Credential, error) {
	e, err := origin.NormalizeEmail(email)
	if err != nil {
		return Credential{}, nil
	}
	cred, err := i.opts.Credentials.FindCredentials(ctx, e)
	if origin.ErrorCode(err) == origin.ENOTFOUND {
		return Credential{}, nil
	} else if err != nil {
		return Credential{}, err
	}
	return cred, nil
}

// errCutoffAhead: the subject's cutoff is ahead of the clock (a change in
// this very second); startSession waits outside the transaction and tries
// again.
var errCutoffAhead = errors.New("tokens: subject cutoff ahead of the clock")

// startSession starts a session for the credential's user, if its
// credential has not changed since it was read (ErrCredentialChanged
// otherwise), and issues its first access and refresh tokens. The iat is
// stamped inside ConfirmCredential's transaction, with the cutoff read
// there (a deletion cuts off every token of the subject), and the session is
// stored by CreateSession, which checks the credential version again under
// the lock every password change takes: a change that commits before it
// refuses the sign-in, one that commits after ends the session.
//
// A deletion at second T sets the cutoff to T+1, strictly after every token
// issued so far; iat may not lie in the future (the auth step refuses an
// iat later than now + leeway, and the leeway may be 0), so a cutoff ahead
// of the clock is waited for, outside the transaction: at most a second.
func (i *Issuer) startSession(ctx context.Context, cred Credential, scope string) (*origin.Token, error) {
	key, err := i.activeKey(ctx)
	if err != nil {
		return nil, err
	}
	sid, err := i.random(sidLen)
	if err != nil {
		return nil, err
	}
	refresh, err := i.random(refreshLen)
	if err != nil {
		return nil, err
	}
	var now time.Time
	var iat int64
	for waited := false; ; waited = true {
		var ahead int64
		err := i.opts.Credentials.ConfirmCredential(ctx, cred.UserID, cred.Version, func(validAfter int64) error {
			now = i.opts.Now()
			if validAfter > now.Unix() && !waited {
				ahead = validAfter
				return errCutoffAhead
			}
			iat = max(now.Unix(), validAfter) // equal to now unless the clock is not real (tests)
			return nil
		})
		if errors.Is(err, errCutoffAhead) {
			if err := waitUntil(ctx, i.opts.Now, ahead); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	exp := iat + int64(i.opts.Lifetime/time.Second)
	// RefreshIdle ≤ RefreshAbsolute (NewIssuer), so the first refresh
	// token lapses before the session's absolute limit.
	expires := now.Add(i.opts.RefreshAbsolute)
	idle := now.Add(i.opts.RefreshIdle)
	err = i.opts.Sessions.CreateSession(ctx, NewSession{
		ID: sid, UserID: cred.UserID, CredentialVersion: cred.Version, Scope: scope,
		RefreshHash: HashRefreshToken(refresh), Now: now, IdleExpiresAt: idle, ExpiresAt: expires, AccessExp: exp,
	})
	if err != nil {
		return nil, err
	}
	return i.sign(key, origin.SubjectOf(cred.UserID), scope, sid, now.Unix(), iat, exp, refresh, idle)
}

// Refresh implements origin.AuthService: it rotates the refresh token and
// issues a new access token of the session, with the scope it was granted
// at sign-in. The session's row is locked while it is renewed, so a
// concurrent logout, password change or deletion either ends it first
// (then this is EINVALIDGRANT) or finds the new access token's exp already
// recorded and revokes it too.
//
// No cutoff wait here, unlike startSession: a cutoff comes only from a
// deletion, which removes the sessions with the account.
func (i *Issuer) Refresh(ctx context.Context, refreshToken string) (*origin.Token, error) {
	if len(refreshToken) != refreshTokenChars {
		return nil, errInvalidGrant
	}
	if raw, err := b64.DecodeString(refreshToken); err != nil || len(raw) != refreshLen {
		return nil, errInvalidGrant
	}
	key, err := i.activeKey(ctx)
	if err != nil {
		return nil, err
	}
	next, err := i.random(refreshLen)
	if err != nil {
		return nil, err
	}
	now := i.opts.Now()
	exp := now.Unix() + int64(i.opts.Lifetime/time.Second)
	g, err := i.opts.Sessions.RotateRefreshToken(ctx, Rotation{
		OldHash: HashRefreshToken(refreshToken), NewHash: HashRefreshToken(next),
		Now: now, Idle: i.opts.RefreshIdle, AccessExp: exp,
	})
	switch {
	case errors.Is(err, origin.ErrRefreshTokenReused):
		i.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "refresh token reused: the session was ended",
			slog.String("outcome", "session_ended"))
		return nil, fmt.Errorf("%w: %w", errInvalidGrant, origin.ErrRefreshTokenReused)
	case errors.Is(err, ErrInvalidRefreshToken):
		return nil, errInvalidGrant
	case err != nil:
		return nil, err
	}
	return i.sign(key, origin.SubjectOf(g.UserID), g.Scope, g.ID, now.Unix(), now.Unix(), exp, next, g.IdleExpiresAt)
}

// Logout implements origin.AuthService: it ends the session sid, and the
// store makes its revocation effective at the auth step before returning.
func (i *Issuer) Logout(ctx context.Context, sid string) error {
	if sid == "" || len(sid) > MaxSIDLen {
		return origin.Errorf(origin.EINVALID, "the token names no session")
	}
	return i.opts.Sessions.EndSessionByID(ctx, sid)
}

// activeKey returns the signing key, after making sure the auth step knows it.
func (i *Issuer) activeKey(ctx context.Context) (*KeyPair, error) {
	key, err := i.opts.Keys.ActiveKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := i.announce(ctx, key.Kid); err != nil {
		return nil, err
	}
	return key, nil
}

// random returns n random bytes in base64url.
func (i *Issuer) random(n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(i.opts.Rand, b); err != nil {
		return "", fmt.Errorf("tokens: random: %w", err)
	}
	return b64.EncodeToString(b), nil
}

// sign signs an access token of session sid and returns it with the
// refresh token that lapses unused at refreshLapse.
func (i *Issuer) sign(key *KeyPair, subject, scope, sid string, now, iat, exp int64, refresh string, refreshLapse time.Time) (*origin.Token, error) {
	jti, err := i.random(jtiLen)
	if err != nil {
		return nil, err
	}
	claims := Claims{
		Scope: scope,
		SID:   sid,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.opts.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings(i.opts.Audiences),
			ExpiresAt: jwt.NewNumericDate(time.Unix(exp, 0)),
			NotBefore: jwt.NewNumericDate(time.Unix(now, 0)),
			IssuedAt:  jwt.NewNumericDate(time.Unix(iat, 0)),
			ID:        jti,
		},
	}
	s, err := key.Sign(claims)
	if err != nil {
		return nil, err
	}
	return &origin.Token{
		Token: s, TokenType: "Bearer", ExpiresIn: exp - now,
		RefreshToken: refresh, RefreshExpiresIn: max(refreshLapse.Unix()-now, 0),
	}, nil
}

// announce makes sure the auth step knows kid before the first token signed
// with it goes out: after `origin keys rotate` in another process the poll
// may not have run yet, and a fresh token must verify at once.
func (i *Issuer) announce(ctx context.Context, kid string) error {
	if i.opts.Notifier == nil {
		return nil
	}
	i.mu.Lock()
	known := i.lastKid == kid
	i.mu.Unlock()
	if known {
		return nil
	}
	if err := i.opts.Notifier.Refresh(ctx); err != nil {
		return fmt.Errorf("tokens: refresh auth step for new key: %w", err)
	}
	i.mu.Lock()
	i.lastKid = kid
	i.mu.Unlock()
	return nil
}

// maxCutoffWait bounds waitUntil: a cutoff is at most one second ahead of the
// clock that set it; more means clocks disagree, and we do not hang on that.
const maxCutoffWait = 2 * time.Second

// waitUntil sleeps until now() reaches unix second t, honouring ctx.
func waitUntil(ctx context.Context, now func() time.Time, t int64) error {
	d := time.Unix(t, 0).Sub(now())
	if d <= 0 {
		return nil
	}
	if d > maxCutoffWait {
		return fmt.Errorf("tokens: subject cutoff is %v ahead of the clock", d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
