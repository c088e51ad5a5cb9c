package orghttp

import (
	"net/http"
	"time"

	"github.com/go-organizations/organizations"
)

// ConsistencyHeader is the header that carries a consistency token
// (organizations.ConsistencyToken) between a client and the app: RememberWrite sets it on
// the response to a write, and a request that sends it back has its reads made at least
// as fresh as that write (organizations.AtLeast), in whichever process serves it. An API
// client keeps it as it keeps a cookie; a browser gets the cookie instead.
const ConsistencyHeader = "Organizations-Consistency-Token"

// ConsistencyCookie is the name of the cookie RememberWrite sets when
// Config.ReadYourWrites is positive: the token of the requester's last write, for that
// long.
const ConsistencyCookie = "org-consistency"

// RememberWrite makes the requester's next requests read at least as fresh as every
// write the app had made when it is called: call it after a write the requester made
// (and after its transaction committed), before the response is written. It reads the
// feed's position (organizations.Service.Token: one indexed read on PostgreSQL), sets
// ConsistencyHeader on the response, and, when Config.ReadYourWrites is positive, a
// cookie (ConsistencyCookie, HttpOnly, SameSite=Lax, Secure on a TLS request) that lives
// that long. Requests carrying either are read with organizations.AtLeast(token) (see
// Middleware.Load): in another process, whose CachedStore or replica may not have the
// write yet, such a read waits briefly for it or reads the primary.
//
// The token is not a secret and grants nothing: a forged one can only make the
// requester's reads slower, never staler, and never authorizes a write (writes are
// always checked on the primary, in their atomic step).
//
// Errors: organizations.ErrNotSupported (the Service's store has no event feed), the
// store's error, or the request context's error; nothing is set then.
func (m *Middleware) RememberWrite(w http.ResponseWriter, r *http.Request) error {
	t, err := m.cfg.Service.Token(r.Context())
	if err != nil {
		return err
	}
	if t.IsZero() {
		return nil
	}
	w.Header().Set(ConsistencyHeader, t.String())
	if m.cfg.ReadYourWrites > 0 {
		http.SetCookie(w, &http.Cookie{
			Name:     ConsistencyCookie,
			Value:    t.String(),
			Path:     "/",
			MaxAge:   max(1, int(m.cfg.ReadYourWrites/time.Second)),
			HttpOnly: true,
			Secure:   r.TLS != nil,
			SameSite: http.SameSiteLaxMode,
		})
	}
	return nil
}

// withRequestConsistency returns r with its context asking for reads at least as fresh
// as the token it carries (ConsistencyHeader, else ConsistencyCookie when
// Config.ReadYourWrites is on), unless the context already asks for a consistency of its
// own (organizations.WithConsistency). A token that does not parse is ignored, as if
// absent.
func (m *Middleware) withRequestConsistency(r *http.Request) *http.Request {
	ctx := r.Context()
	if organizations.ConsistencyFrom(ctx) != organizations.MinimizeLatency() {
		return r
	}
	var t organizations.ConsistencyToken
	if v := r.Header.Get(ConsistencyHeader); v != "" {
		if h, err := organizations.ParseConsistencyToken(v); err == nil {
			t = h
		}
	}
	if m.cfg.ReadYourWrites > 0 {
		if c, err := r.Cookie(ConsistencyCookie); err == nil {
			if ct, err := organizations.ParseConsistencyToken(c.Value); err == nil && ct.Covers(t) {
				t = ct
			}
		}
	}
	if t.IsZero() {
		return r
	}
	return r.WithContext(organizations.WithConsistency(ctx, organizations.AtLeast(t)))
}
