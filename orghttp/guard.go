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
	return m.authorize(w, r, func(st *state) bool {
		switch a {
		case LevelAdmin:
			return st.member.IsAdmin()
		case LevelOwner:
			return st.isOwner
		}
		return true
	})
}

// AuthorizePermission is Authorize for a permission instead of a level: it checks that
// the requester holds p in the current organization, as Access(ctx).Can(p) answers it
// (the owner holds every permission; a member what their role, declared or custom,
// grants). Errors: as Authorize, with organizations.ErrPermissionDenied for a member who
// does not hold p; and, for a p that the Service's Policy does not know (see
// organizations.Policy.Knows), an error wrapping ErrInvalidConfig, which StatusCode maps
// to 500, for every requester: a misspelt permission refuses everyone rather than
// letting only the owner through. It costs no store call of its own either.
func (m *Middleware) AuthorizePermission(w http.ResponseWriter, r *http.Request, p organizations.Permission) (*http.Request, error) {
	if !m.cfg.Service.Policy().Knows(p) {
		return r, fmt.Errorf("%w: permission %q is not known to the Service's Policy", ErrInvalidConfig, p)
	}
	return m.authorize(w, r, func(st *state) bool { return st.access.Can(p) })
}

// AuthorizeTeamPermission is AuthorizePermission within the request's current team (see
// Config.TeamResolvers): it checks that the requester holds p in that team, as
// Team(ctx).Can(p) answers it (the owner holds every permission; a member what their
// organization role grants, and within the team what their team role grants besides).
// Errors, in this order: those of Load; ErrUnauthenticated; ErrNoOrganization;
// organizations.ErrOrganizationNotFound (an unknown organization, or one the requester
// does not belong to); ErrNoTeam (no team resolver named a team); organizations.
// ErrTeamNotFound (no such team in the organization, another organization's team
// included); organizations.ErrPermissionDenied (a member who does not hold p there). A
// Config.Superuser passes where AuthorizePermission lets one pass, but never an unknown
// team. A p the Service's Policy does not know is ErrInvalidConfig, for everyone. It
// reads only what Load resolved: the team's one store call included.
func (m *Middleware) AuthorizeTeamPermission(w http.ResponseWriter, r *http.Request, p organizations.Permission) (*http.Request, error) {
	if !m.cfg.Service.Policy().Knows(p) {
		return r, fmt.Errorf("%w: permission %q is not known to the Service's Policy", ErrInvalidConfig, p)
	}
	r, err := m.Load(w, r)
	if err != nil {
		return r, err
	}
	st := stateFrom(r.Context())
	if err := m.check(r, st, func(*state) bool { return true }); err != nil {
		return r, err
	}
	switch {
	case !st.teamNamed:
		return r, ErrNoTeam
	case !st.hasTeam:
		return r, organizations.ErrTeamNotFound
	case !st.team.Can(p) && !m.superuser(r):
		return r, organizations.ErrPermissionDenied
	}
	return r, nil
}

// RequireTeamPermission returns a middleware that lets a request through to its handler
// only if the requester holds permission p in the request's current team
// (AuthorizeTeamPermission), and otherwise hands the error to Config.ErrorHandler: 401
// for an anonymous request, 404 for an outsider, for no team named and for an unknown
// team, 403 for a member without p there.
//
//	mux.Handle("POST /orgs/{org}/teams/{team}/docs", orgs.RequireTeamPermission("docs:write")(editDocs))
//
// As for RequirePermission, the guard spares the handler a request it would refuse; the
// change itself goes through As(r), checked in the store's atomic write.
func (m *Middleware) RequireTeamPermission(p organizations.Permission) func(http.Handler) http.Handler {
	return m.guard(func(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
		return m.AuthorizeTeamPermission(w, r, p)
	})
}

// authorize loads the request and checks it with allowed, which is asked only about a
// member of the current organization.
func (m *Middleware) authorize(w http.ResponseWriter, r *http.Request, allowed func(*state) bool) (*http.Request, error) {
	r, err := m.Load(w, r)
	if err != nil {
		return r, err
	}
	return r, m.check(r, stateFrom(r.Context()), allowed)
}

func (m *Middleware) check(r *http.Request, st *state, allowed func(*state) bool) error {
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
	if !allowed(st) && !m.superuser(r) {
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
	return m.guard(func(w http.ResponseWriter, r *http.Request) (*http.Request, error) { return m.Authorize(w, r, a) })
}

// RequirePermission returns a middleware that lets a request through to its handler only
// if the requester holds permission p in the request's organization
// (AuthorizePermission), and otherwise hands the error to Config.ErrorHandler. The
// refusals are those of the other guards: 401 for an anonymous request, 404 for an
// outsider (as for an unknown organization), 403 for a member without p; a permission
// the Policy does not know gives 500 to everyone. The owner always passes.
//
//	mux.Handle("POST /orgs/{org}/members", orgs.RequirePermission(organizations.PermMembersAdd)(addMember))
//
// The guard answers from the one store call that resolved the request; it spares the
// handler a request it would refuse, but it is not what protects the change: make the
// change through As(r), whose check is part of the store's atomic write, so that a
// demotion that commits after the guard still refuses it.
func (m *Middleware) RequirePermission(p organizations.Permission) func(http.Handler) http.Handler {
	return m.guard(func(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
		return m.AuthorizePermission(w, r, p)
	})
}

// guard makes a middleware of an authorization.
func (m *Middleware) guard(authorize func(http.ResponseWriter, *http.Request) (*http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, err := authorize(w, r)
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

// RequireAdmin lets through members whose role is organizations.RoleAdmin, and the owner
// (AdminRequiredMixin); see Authorize for the refusals: 401, 404, 404 and 403. It checks
// the role, not permissions: a custom role that holds every library permission is not
// admin. Prefer RequirePermission with the permission the route needs.
func (m *Middleware) RequireAdmin(next http.Handler) http.Handler {
	return m.Require(LevelAdmin)(next)
}

// RequireOwner lets through the owner of the request's organization (OwnerRequiredMixin);
// see Authorize for the refusals: 401, 404, 404 and 403. Ownership is read with the
// membership, in the one store call that resolves the request, so it costs nothing more
// than RequireMember.
func (m *Middleware) RequireOwner(next http.Handler) http.Handler {
	return m.Require(LevelOwner)(next)
}

// As returns the Service acting as the requester (organizations.Service.As): the way a
// handler makes the change the request asks for, checked by the store against the
// requester's rights at the moment of the write:
//
//	err := orgs.As(r).RemoveUser(r.Context(), org.ID, user)
//	if errors.Is(err, organizations.ErrPermissionDenied) { /* 403 */ }
//
// The requester is the user this Middleware resolved for r (see User), or else the one
// Config.Identify names. For an anonymous request the Actor acts as nobody: each of its
// methods returns organizations.ErrInvalidUserID and changes nothing. Config.Superuser
// does not carry over: the store checks the requester's own membership, so a superuser
// who is not a member is refused there (use the unchecked Service methods for a
// superuser console).
func (m *Middleware) As(r *http.Request) *organizations.Actor {
	return m.cfg.Service.As(m.requester(r))
}

// requester is the user of r: as resolved by m, else as Identify says; "" when anonymous.
func (m *Middleware) requester(r *http.Request) organizations.UserID {
	if st := stateFrom(r.Context()); st != nil && st.m == m {
		return st.user
	}
	if id, ok := m.cfg.Identify(r); ok && id.Valid() {
		return id
	}
	return ""
}
