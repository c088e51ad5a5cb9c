package orghttp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

// addMember is a handler that adds the user "newcomer" to the current organization as the
// requester, the way a host's POST /orgs/{id}/members handler would.
func addMember(m *orghttp.Middleware) http.Handler {
	return m.RequirePermission(organizations.PermMembersAdd)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		if _, err := m.As(r).AddUser(r.Context(), org.ID, "newcomer", organizations.RoleMember); err != nil {
			orghttp.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
}

// A route that names its organization with a wildcard the resolvers do not read ({id},
// while the default resolver reads {org}) is never served for another organization: not
// for the requester's only organization (automatic selection), nor for the session's. It
// is refused with ErrInvalidConfig (500) and nothing changes.
func TestRouteWildcardNoResolverReadsIsNeverServedForAnotherOrganization(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var handled error
	cases := map[string]func(*orghttp.Config){
		"default resolvers, automatic selection": func(c *orghttp.Config) { c.Resolvers = nil; c.Session = nil },
		"path then session":                      nil,
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			m := f.middleware(t, func(c *orghttp.Config) {
				if edit != nil {
					edit(c)
				}
				c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
					handled = err
					orghttp.WriteProblem(w, r, err)
				}
			})
			mux := http.NewServeMux()
			mux.Handle("POST /orgs/{id}/members", addMember(m))
			// "owner" belongs to Acme only; the path names Globex.
			r := request("POST", "/orgs/"+f.globex.ID.String()+"/members", "owner", f.sessionCookie(t, f.acme.ID))
			w := serve(mux, r)
			require.Equal(t, http.StatusInternalServerError, w.Code, w.Body.String())
			require.ErrorIs(t, handled, orghttp.ErrInvalidConfig)
			require.Contains(t, handled.Error(), "{id}")
			require.Contains(t, handled.Error(), `FromPathValue("id")`)
			for _, org := range []organizations.Organization{f.acme, f.globex} {
				ok, err := f.svc.IsMember(ctx, org.ID, "newcomer")
				require.NoError(t, err)
				require.False(t, ok, "newcomer was added to %s", org.Slug)
			}
		})
	}
}

// With the wildcard read by a resolver, the path decides: the owner of Acme gets 404 for
// Globex and 201 for Acme.
func TestRouteWildcardReadByAResolverDecides(t *testing.T) {
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromPathValue("id"), orghttp.FromSession()}
	})
	mux := http.NewServeMux()
	mux.Handle("POST /orgs/{id}/members", addMember(m))
	w := serve(mux, request("POST", "/orgs/"+f.globex.ID.String()+"/members", "owner", f.sessionCookie(t, f.acme.ID)))
	require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
	w = serve(mux, request("POST", "/orgs/"+f.acme.Slug+"/members", "owner"))
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	ok, err := f.svc.IsMember(context.Background(), f.acme.ID, "newcomer")
	require.NoError(t, err)
	require.True(t, ok)
}

// Wildcards beside one a resolver reads need no declaration ({user} in
// /orgs/{org}/members/{user}); a route whose only wildcards never name an organization is
// served for the session's or the selected organization once they are declared in
// NonOrganizationPathValues, and refused until then.
func TestNonOrganizationPathValues(t *testing.T) {
	f := newFixture(t)
	mux := func(m *orghttp.Middleware) *http.ServeMux {
		mux := http.NewServeMux()
		mux.Handle("GET /orgs/{org}/members/{user}", m.RequireMember(probe))
		mux.Handle("GET /docs/{doc}", m.RequireMember(probe))
		mux.Handle("GET /files/{path...}", m.RequireMember(probe))
		return mux
	}
	strict := mux(f.middleware(t, nil))
	require.Equal(t, "acme", decodeSeen(t, serve(strict, request("GET", "/orgs/acme/members/solo", "solo"))).Org)
	for _, path := range []string{"/docs/readme", "/files/a/b"} {
		w := serve(strict, request("GET", path, "solo"))
		require.Equal(t, http.StatusInternalServerError, w.Code, path)
	}
	lenient := mux(f.middleware(t, func(c *orghttp.Config) { c.NonOrganizationPathValues = []string{"doc", "path"} }))
	for _, path := range []string{"/docs/readme", "/files/a/b"} {
		require.Equal(t, "acme", decodeSeen(t, serve(lenient, request("GET", path, "solo"))).Org, path)
	}
	_, err := orghttp.New(orghttp.Config{Service: f.svc, Identify: identify, NonOrganizationPathValues: []string{""}})
	require.True(t, errors.Is(err, orghttp.ErrInvalidConfig), "%v", err)
}
