package orghttp

import (
	"fmt"
	"net/http"

	"github.com/go-organizations/organizations"
)

// Access is what a guard requires of the requester in the current organization.
type Access int

// The access levels, each including the ones before it. The zero Access is invalid, so a
// forgotten value refuses rather than allows.
const (
	// AccessMember: any member of the organization.
	AccessMember Access = iota + 1
	// AccessAdmin: an admin of the organization (the owner always is one).
	AccessAdmin
	// AccessOwner: the organization's owner.
	AccessOwner
)

// String returns "member", "admin" or "owner", or "Access(n)" for an invalid value.
func (a Access) String() string {
	switch a {
	case AccessMember:
		return "member"
	case AccessAdmin:
		return "admin"
	case AccessOwner:
		return "owner"
	}
	return fmt.Sprintf("Access(%d)", int(a))
}

// Authorize loads the request (see Load) and checks that the requester has access a to
// its current organization. It returns the request with the resolved organization,
// membership and user in its context, never nil, even when the check fails, so that an
// error page can show who is signed in.
//
// Errors, in this order: those of Load; ErrUnauthenticated (anonymous); ErrNoOrganization
// (nothing named or selected an organization); organizations.ErrOrganizationNotFound (an
// unknown organization, or one the requester does not belong to: deliberately the same
// error); organizations.ErrPermissionDenied (a member without the role); for AccessOwner,
// the store's errors. A Config.Superuser passes the last two refusals, though not for an
// unknown organization. An invalid Access is an error that StatusCode maps to 500.
func (m *Middleware) Authorize(w http.ResponseWriter, r *http.Request, a Access) (*http.Request, error) {
	if a < AccessMember || a > AccessOwner {
		return r, fmt.Errorf("orghttp: invalid %v", a)
	}
	r, err := m.Load(w, r)
	if err != nil {
		return r, err
	}
	return r, m.check(r, stateFrom(r.Context()), a)
}

func (m *Middleware) check(r *http.Request, st *state, a Access) error {
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
	case AccessAdmin:
		ok = st.member.IsAdmin()
	case AccessOwner:
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
func (m *Middleware) Require(a Access) func(http.Handler) http.Handler {
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
	return m.Require(AccessMember)(next)
}

// RequireAdmin lets through admins of the request's organization (AdminRequiredMixin);
// see Authorize for the refusals: 401, 404, 404 and 403.
func (m *Middleware) RequireAdmin(next http.Handler) http.Handler {
	return m.Require(AccessAdmin)(next)
}

// RequireOwner lets through the owner of the request's organization (OwnerRequiredMixin);
// see Authorize for the refusals: 401, 404, 404 and 403. It costs one more store call
// than RequireMember.
func (m *Middleware) RequireOwner(next http.Handler) http.Handler {
	return m.Require(AccessOwner)(next)
}
