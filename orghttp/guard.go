package orghttp

import (
	"fmt"
	"net/http"

	"github.com/go-organizations/organizations"
)

// Level is what a guard requires of the requester in the current organization.
type Level int

// The levels, each including the ones before it. The zero Level is invalid, so a
// forgotten value refuses rather than allows.
const (
	// LevelMember: any member of the organization.
	LevelMember Level = iota + 1
	// LevelAdmin: an admin of the organization (the owner always is one).
	LevelAdmin
	// LevelOwner: the organization's owner.
	LevelOwner
)

// String returns "member", "admin" or "owner", or "Level(n)" for an invalid value.
func (a Level) String() string {
	switch a {
	case LevelMember:
		return "member"
	case LevelAdmin:
		return "admin"
	case LevelOwner:
		return "owner"
	}
	return fmt.Sprintf("Level(%d)", int(a))
}

// Authorize loads the request (see Load) and checks that the requester has level a in
// its current organization. It returns the request with the resolved organization,
// membership and user in its context, never nil, even when the check fails, so that an
// error page can show who is signed in.
//
// Errors, in this order: those of Load; ErrUnauthenticated (anonymous); ErrNoOrganization
// (nothing named or selected an organization); organizations.ErrOrganizationNotFound (an
// unknown organization, or one the requester does not belong to: deliberately the same
// error); organizations.ErrPermissionDenied (a member without the role or, for LevelOwner,
// not the owner). A Config.Superuser passes the last two refusals, though not for an
// unknown organization. An invalid Level is an error that StatusCode maps to 500. The
// check reads only what Load resolved: no guard costs a store call of its own.
func (m *Middleware) Authorize(w http.ResponseWriter, r *http.Request, a Level) (*http.Request, error) {
	if a < LevelMember || a > LevelOwner {
		return r, fmt.Errorf("orghttp: invalid %v", a)
	}
	r, err := m.Load(w, r)
	if err != nil {
		return r, err
	}
	return r, m.check(r, stateFrom(r.Context()), a)
}

func (m *Middleware) check(r *http.Request, st *state, a Level) error {
	switch {
	case !st.identified:
		return ErrUnauthenticated
	case !st.hasOrg && st.named:
		return organizations.ErrOrganizationNotFound
	case !st.hasOrg:
		return ErrNoOrganization
	case !st.isMember:
		if m.superuser(r) {
			return nil
		}
		return organizations.ErrOrganizationNotFound
	}
	ok := true
	switch a {
	case LevelAdmin:
		ok = st.member.IsAdmin()
	case LevelOwner:
		ok = st.isOwner
	}
	if !ok && !m.superuser(r) {
		return organizations.ErrPermissionDenied
	}
	return nil
}

func (m *Middleware) superuser(r *http.Request) bool {
	return m.cfg.Superuser != nil && m.cfg.Superuser(r)
}

// Require returns a middleware that lets a request through to its handler only if
// Authorize(w, r, a) succeeds, and otherwise hands the error to Config.ErrorHandler.
func (m *Middleware) Require(a Level) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, err := m.Authorize(w, r, a)
			if err != nil {
				m.cfg.ErrorHandler(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequireMember lets through members of the request's organization (django-organizations'
// MembershipRequiredMixin); see Authorize for the refusals: 401, 404 and 404.
func (m *Middleware) RequireMember(next http.Handler) http.Handler {
	return m.Require(LevelMember)(next)
}

// RequireAdmin lets through admins of the request's organization (AdminRequiredMixin);
// see Authorize for the refusals: 401, 404, 404 and 403.
func (m *Middleware) RequireAdmin(next http.Handler) http.Handler {
	return m.Require(LevelAdmin)(next)
}

// RequireOwner lets through the owner of the request's organization (OwnerRequiredMixin);
// see Authorize for the refusals: 401, 404, 404 and 403. It costs no more store calls
// than RequireMember: ownership is read with the membership.
func (m *Middleware) RequireOwner(next http.Handler) http.Handler {
	return m.Require(LevelOwner)(next)
}
