package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/craftingapis/todos/edgeauth"
)

// ReadinessCheck is one dependency GET /readyz asks about. Check returns
// nil when the dependency can serve; its error is logged, and only Name and
// Down reach the client (a database's error message names hosts and users).
type ReadinessCheck struct {
	Name  string // e.g. "database"
	Down  string // what the 503 says when Check fails, e.g. "the database is unreachable"
	Check func(ctx context.Context) error
}

// readinessTimeout bounds each check: a load balancer's probe must get an
// answer, and a dependency that slow is not ready.
const readinessTimeout = 2 * time.Second

// readyz: GET /readyz -> 200 when every dependency can serve: the
// Options.Readiness checks (the database) and the auth step (its config
// built and, with security on, a public route allowed by it); else 503
// with the reasons. /healthz stays liveness: the process answers.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := append([]ReadinessCheck{{Name: "auth", Down: "the auth step is not configured", Check: s.authReady}}, s.readiness...)
	status := map[string]string{}
	var down []string
	for _, c := range checks {
		ctx, cancel := context.WithTimeout(r.Context(), readinessTimeout)
		err := c.Check(ctx)
		cancel()
		if err == nil {
			status[c.Name] = "ok"
			continue
		}
		status[c.Name] = "down"
		down = append(down, c.Down)
		if r.Context().Err() == nil {
			s.log.WarnContext(r.Context(), "not ready", "check", c.Name, "err", err,
				"request_id", RequestIDFromContext(r.Context()))
		}
	}
	if len(down) > 0 {
		s.writeProblem(w, r, Problem{Status: http.StatusServiceUnavailable, Error: "not_ready",
			Detail: "not ready: " + strings.Join(down, "; ")}, map[string]string{"Retry-After": "1"})
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]any{"status": "ready", "checks": status})
}

// errNotBuilt: the control plane has no documents yet.
var errNotBuilt = errors.New("the control plane has built no edge config yet")

// authReady checks the auth step: the control plane has built its config,
// and, with security on, the auth step itself allows a public route (a
// module that lost its config, or a pool that cannot run, does not).
func (s *server) authReady(ctx context.Context) error {
	if s.control.Current() == nil {
		return errNotBuilt
	}
	if !s.security {
		return nil
	}
	d, err := s.authorizer.Authorize(ctx, &edgeauth.Request{Method: http.MethodGet, Path: readyzPath})
	if err != nil {
		return err
	}
	if !d.Allow {
		return errors.New("the auth step refuses a public route: " + edgeauth.Reason(d))
	}
	return nil
}
