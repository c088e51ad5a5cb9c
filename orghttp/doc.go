// Package orghttp connects organizations to net/http: it resolves the current organization
// of a request and the requester's membership of it, guards handlers by role or
// permission, keeps the current organization in a session, and maps the library's errors
// to HTTP statuses and RFC 9457 problem responses. It is what django-organizations' mixins, views and
// django-ar-organizations' current-organization middleware give Django sites.
//
// # Resolution
//
// A Middleware (see New) asks Config.Identify who the requester is, then asks each of
// Config.Resolvers in order for a reference to an organization: an ID (anything shaped
// like a UUID) or a slug (which can never be shaped like a UUID, see organizations.ValidSlug).
// The first resolver that names one decides, and a name that matches nothing resolves to no
// organization: a request for /orgs/typo/ never falls back to another organization. The
// session is the one soft source: a session organization that was deleted, or that the
// requester no longer belongs to, is cleared and resolution goes on. When nothing names an
// organization, an identified user who belongs to exactly one gets it (and it is stored in
// the session), and an anonymous request gets Config.Fallback, if set.
//
// The membership is read from the store on every request, never cached across requests, so
// a member removed from an organization is refused on their very next request. A request
// costs one store call (Service.ResolveOrganization: the organization, the membership and
// the ownership together, one round trip on PostgreSQL) for an organization named by ID or
// slug, by the session or by the fallback, whatever the guard; when nothing names an
// organization, one more lists the user's organizations for the automatic selection.
//
// Path values are set by http.ServeMux when it routes a request, so apply the guards (or
// Resolve) per route, inside the mux:
//
//	mux.Handle("GET /orgs/{org}/", orgs.RequireMember(showOrganization))
//	mux.Handle("POST /orgs/{org}/edit", orgs.RequirePermission(organizations.PermOrganizationUpdate)(editOrganization))
//	mux.Handle("POST /orgs/{org}/delete", orgs.RequireOwner(deleteOrganization))
//
// The default resolver reads the wildcard {org}. A route that names its organization with
// another wildcard needs its own resolver, or the request would be served for the
// session's or the automatically selected organization instead of the one in its path;
// the Middleware refuses such a request with ErrInvalidConfig (a 500 naming the wildcard)
// rather than guess. Wildcards beside one a resolver reads need nothing; a route whose
// only wildcards never name an organization declares them in
// Config.NonOrganizationPathValues:
//
//	orgs, err := orghttp.New(orghttp.Config{
//		Service:   svc,
//		Identify:  identify,
//		Resolvers: []orghttp.Resolver{orghttp.FromPathValue("id")}, // POST /orgs/{id}/members
//		NonOrganizationPathValues: []string{"doc"},                 // GET /docs/{doc}
//	})
//
// # Teams
//
// With Config.TeamResolvers (say FromPathValue("team") for /orgs/{org}/teams/{team}/),
// a request may also name a team of its organization, by ID: Team(ctx) gives the
// requester's organizations.TeamAccess to it, read with one more store call
// (Service.TeamAccess) when a team is named, and RequireTeamPermission(p) guards a route
// by a permission within that team (the organization's permissions plus the requester's
// team role's): 401, 404 (no organization, an outsider, no team named, an unknown
// team), 403.
//
// Handlers then read Organization, Access, Membership and User from the request context;
// Access(ctx).Can(p) answers a permission check (to show or hide a button) without
// another store call.
// A Middleware applied twice to one request (say around the mux and again on a route)
// resolves again only if the mux matched a route in between (http.Request.Pattern
// changed), so the inner one sees the path values.
//
// # Guards
//
// RequireMember, RequireAdmin (the role admin), RequireOwner and RequirePermission(p) (p
// held, as Access.Can answers it: the owner holds every permission, a member what their
// role, declared or custom, grants) answer like this, in this order: no identity, 401
// (ErrUnauthenticated); no organization named and none selected, 404
// (ErrNoOrganization); an unknown organization or one the requester does not belong to,
// 404 (organizations.ErrOrganizationNotFound, the same response for both, so that
// outsiders cannot probe which organizations exist); a member without the role or the
// permission, 403 (organizations.ErrPermissionDenied). Every guard reads only what the
// request's one store call resolved (RequireOwner and RequirePermission included).
// Inactive organizations are resolved like active ones (as django-organizations' mixins
// do); check Organization.IsActive where it matters.
//
// # Acting as the requester
//
// A guard answers from what was read when the request began; it spares a handler the
// requests it would refuse, but a demotion can commit between the guard and the write.
// Make each change through Middleware.As(r), the Service acting as the requester
// (organizations.Service.As): the store checks the requester's rights in the same atomic
// step as the write, and refuses with organizations.ErrPermissionDenied (or
// organizations.ErrEscalation, which wraps it), which StatusCode maps to 403:
//
//	err := orgs.As(r).SetRole(r.Context(), org.ID, user, role)
//
// StatusCode also maps the role sentinels: ErrRoleNotFound 404, ErrRoleExists and
// ErrRoleInUse 409.
//
// # Caches and reading your own writes
//
// A Service over an organizations.CachedStore answers the Middleware's read from memory,
// at most the cache's follower lag behind the store (writes are still checked on the
// store). After a write, Middleware.RememberWrite gives the requester the write's
// consistency token (the ConsistencyHeader response header, and with
// Config.ReadYourWrites a short-lived cookie); a request that carries it is resolved and
// served with organizations.AtLeast(token), so that the requester reads their own write
// in whichever process serves them.
package orghttp
