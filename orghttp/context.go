package orghttp

import (
	"context"

	"github.com/go-organizations/organizations"
)

// state is what a Middleware resolved for one request. It is never changed once it is in
// a context, so handlers may read it from any goroutine.
type state struct {
	m *Middleware
	// pattern is the request's ServeMux pattern when it was resolved: a Middleware
	// resolves again once the mux has matched a route and set path values.
	pattern string

	user       organizations.UserID
	identified bool

	// named is true when a resolver named an organization, found or not.
	named  bool
	org    organizations.Organization
	hasOrg bool

	member   organizations.OrganizationUser
	isMember bool
	isOwner  bool
	// access is the requester's access as the Service returned it, its permissions
	// compiled, so that Access(ctx).Can needs no second store call.
	access organizations.Access

	// teamNamed is true when a team resolver named a team, found or not; team is the
	// requester's access to it (Service.TeamAccess), when hasTeam.
	teamNamed, hasTeam bool
	team               organizations.TeamAccess
}

// enter makes the organization r found the request's, with the requester's standing in it.
func (st *state) enter(r lookup) {
	st.org, st.hasOrg = r.org, true
	st.member, st.isMember, st.isOwner = r.member, r.isMember, r.isOwner
	st.access = r.access
}

type stateKey struct{}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// Organization returns the request's current organization, as resolved by a Middleware,
// and whether there is one. It is the organization the request names whether or not the
// requester belongs to it (an anonymous request may have the fallback organization, and a
// route with only Resolve may name any organization): behind RequireMember, RequireAdmin,
// RequireOwner or RequirePermission the requester is a member, or a superuser.
func Organization(ctx context.Context) (organizations.Organization, bool) {
	if st := stateFrom(ctx); st != nil && st.hasOrg {
		return st.org, true
	}
	return organizations.Organization{}, false
}

// Access returns the requester's whole access to the current organization, as
// organizations.Service.ResolveOrganization read it for this request (the organization,
// the membership, whether the requester is a member and the owner, and their effective
// permissions), and whether there is a current organization. Its Can answers permission
// checks without another store call, as RequirePermission does. For an anonymous
// request, an outsider or a superuser who is not a member, IsMember is false, Membership
// zero and Can false.
func Access(ctx context.Context) (organizations.Access, bool) {
	st := stateFrom(ctx)
	if st == nil || !st.hasOrg {
		return organizations.Access{}, false
	}
	return st.access, true
}

// Membership returns the requester's membership (an OrganizationUser) of the current
// organization, read from the store for this request, and whether there is one. It is
// absent for anonymous requests, outsiders and superusers who are not members.
func Membership(ctx context.Context) (organizations.OrganizationUser, bool) {
	if st := stateFrom(ctx); st != nil && st.isMember {
		return st.member, true
	}
	return organizations.OrganizationUser{}, false
}

// Team returns the request's current team (see Config.TeamResolvers) with the requester's
// access to it, as organizations.Service.TeamAccess read it for this request, and
// whether there is one: a team of the current organization that a team resolver named.
// Like Organization, it is there whether or not the requester belongs to the team or
// the organization; its Can answers permission checks within the team (the
// organization's permissions plus the requester's team role's) without another store
// call, as RequireTeamPermission does.
func Team(ctx context.Context) (organizations.TeamAccess, bool) {
	if st := stateFrom(ctx); st != nil && st.hasTeam {
		return st.team, true
	}
	return organizations.TeamAccess{}, false
}

// User returns the requester's user ID, as Config.Identify gave it to the Middleware that
// resolved the request, and false for an anonymous request.
func User(ctx context.Context) (organizations.UserID, bool) {
	if st := stateFrom(ctx); st != nil && st.identified {
		return st.user, true
	}
	return "", false
}
