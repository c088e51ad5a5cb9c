package orghttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestResolveFromPathValue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	for _, ref := range []string{f.acme.Slug, f.acme.ID.String(), "urn:uuid:" + f.acme.ID.String()} {
		s := decodeSeen(t, serve(mux, request("GET", orgPath(ref, ""), "admin")))
		require.Equal(t, seen{Org: f.acme.Slug, Role: "admin", User: "admin", HasOrg: true}, s, ref)
	}
}

func TestResolveFromHeader(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromHeader("x-organization")}
	})
	h := m.RequireMember(probe)
	for _, ref := range []string{f.globex.Slug, f.globex.ID.String()} {
		r := request("GET", "/api/things", "member")
		r.Header.Set("X-Organization", ref)
		s := decodeSeen(t, serve(h, r))
		require.Equal(t, seen{Org: f.globex.Slug, Role: "member", User: "member", HasOrg: true}, s)
	}
	r := request("GET", "/api/things", "outsider")
	r.Header.Set("X-Organization", f.globex.Slug)
	require.Equal(t, http.StatusNotFound, serve(h, r).Code)
}

func TestResolveFromQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromQuery("org")}
	})
	s := decodeSeen(t, serve(m.RequireMember(probe), request("GET", "/?org="+f.globex.Slug, "member")))
	require.Equal(t, f.globex.Slug, s.Org)
	require.Equal(t, "member", s.Role)
}

func TestResolveFromCustomResolverFunc(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.ResolverFunc(func(r *http.Request) (string, bool) {
			// The organization is the subdomain: acme.example.com.
			sub, _, ok := cutDot(r.Host)
			return sub, ok
		})}
	})
	r := request("GET", "/", "admin")
	r.Host = f.acme.Slug + ".example.com"
	s := decodeSeen(t, serve(m.RequireAdmin(probe), r))
	require.Equal(t, f.acme.Slug, s.Org)
}

func cutDot(host string) (string, string, bool) {
	for i := 0; i < len(host); i++ {
		if host[i] == '.' {
			return host[:i], host[i+1:], true
		}
	}
	return "", "", false
}

// The first resolver that names an organization decides, in the configured order.
func TestResolveOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, c := range []struct {
		name      string
		resolvers []orghttp.Resolver
		want      string
	}{
		{"header first", []orghttp.Resolver{orghttp.FromHeader("X-Organization"), orghttp.FromQuery("org")}, f.acme.Slug},
		{"query first", []orghttp.Resolver{orghttp.FromQuery("org"), orghttp.FromHeader("X-Organization")}, f.globex.Slug},
		{"empty query skipped", []orghttp.Resolver{orghttp.FromQuery("other"), orghttp.FromHeader("X-Organization")}, f.acme.Slug},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := f.middleware(t, func(cfg *orghttp.Config) { cfg.Resolvers = c.resolvers })
			r := request("GET", "/?org="+f.globex.Slug+"&other=", "member")
			r.Header.Set("X-Organization", f.acme.Slug)
			require.Equal(t, c.want, decodeSeen(t, serve(m.RequireMember(probe), r)).Org)
		})
	}
}

// A path naming an unknown organization never falls back to the session's.
func TestResolveExplicitMissDoesNotFallBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	cookie := f.sessionCookie(t, f.acme.ID)
	w := serve(mux, request("GET", orgPath("typo", ""), "member", cookie))
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Equal(t, "Organization not found.", decodeProblem(t, w).Detail)
	require.Nil(t, setCookie(t, w, f.session.Name()), "the session is left alone")
	// And "solo", with one organization, gets no automatic selection either.
	require.Equal(t, http.StatusNotFound, serve(mux, request("GET", orgPath("typo", ""), "solo")).Code)
}

func TestResolveFromSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	for _, org := range []organizations.Organization{f.acme, f.globex} {
		w := serve(mux, request("GET", "/dashboard", "member", f.sessionCookie(t, org.ID)))
		require.Equal(t, org.Slug, decodeSeen(t, w).Org)
		require.Nil(t, setCookie(t, w, f.session.Name()), "a valid session is not rewritten")
	}
}

// The path wins over the session when it comes first.
func TestResolvePathBeatsSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	w := serve(mux, request("GET", orgPath(f.globex.Slug, ""), "member", f.sessionCookie(t, f.acme.ID)))
	require.Equal(t, f.globex.Slug, decodeSeen(t, w).Org)
}

func TestResolveStaleSessionIsClearedAndSkipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mux := orgMux(f.middleware(t, nil))
	cookie := f.sessionCookie(t, f.globex.ID)
	require.NoError(t, f.svc.RemoveUser(ctx, f.globex.ID, "admin"))
	// "admin" now belongs to acme only: the stale session is cleared, then acme is
	// selected automatically and stored.
	w := serve(mux, request("GET", "/dashboard", "admin", cookie))
	require.Equal(t, f.acme.Slug, decodeSeen(t, w).Org)
	set := setCookie(t, w, f.session.Name())
	require.NotNil(t, set)
	require.Positive(t, len(set.Value))
	id, ok := f.session.CurrentOrganization(request("GET", "/", "", set))
	require.True(t, ok)
	require.Equal(t, f.acme.ID, id)

	// A deleted organization is cleared as well; with two organizations left nothing is
	// selected, and the clearing is visible as a deletion cookie.
	require.NoError(t, f.svc.DeleteOrganization(ctx, f.globex.ID))
	_, err := f.svc.CreateOrganization(ctx, "member", "Initech", nil)
	require.NoError(t, err)
	w = serve(mux, request("GET", "/home", "member", cookie))
	require.False(t, decodeSeen(t, w).HasOrg)
	set = setCookie(t, w, f.session.Name())
	require.NotNil(t, set)
	require.Equal(t, -1, set.MaxAge)
	require.Empty(t, set.Value)
}

func TestResolveSessionIgnoredForAnonymous(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	w := serve(mux, request("GET", "/home", "", f.sessionCookie(t, f.acme.ID)))
	require.Equal(t, seen{}, decodeSeen(t, w))
	require.Zero(t, f.store.orgCalls.Load()+f.store.memberCalls.Load()+f.store.forUserCalls.Load())
}

func TestResolveAnonymousNamedOrganizationHasNoMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /public/{org}", m.Resolve(probe))
	s := decodeSeen(t, serve(mux, request("GET", "/public/"+f.acme.Slug, "")))
	require.Equal(t, seen{Org: f.acme.Slug, HasOrg: true}, s)
	require.Equal(t, int64(1), f.store.memberCalls.Load(), "one store call, which finds no membership without a user")
	// An outsider sees the organization but has no membership.
	s = decodeSeen(t, serve(mux, request("GET", "/public/"+f.acme.Slug, "outsider")))
	require.Equal(t, seen{Org: f.acme.Slug, User: "outsider", HasOrg: true}, s)
}

func TestResolveInvalidUserIDIsAnonymous(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Identify = func(*http.Request) (organizations.UserID, bool) { return "", true }
	})
	w := serve(orgMux(m), request("GET", orgPath(f.acme.Slug, ""), ""))
	require.Equal(t, http.StatusUnauthorized, w.Code)
}

func TestResolveAutoSelect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))

	w := serve(mux, request("GET", "/dashboard", "solo"))
	require.Equal(t, seen{Org: f.acme.Slug, Role: "member", User: "solo", HasOrg: true}, decodeSeen(t, w))
	cookie := setCookie(t, w, f.session.Name())
	require.NotNil(t, cookie, "the selection is stored in the session")

	// The next request resolves from the session without listing organizations.
	f.resetCounts()
	w = serve(mux, request("GET", "/dashboard", "solo", cookie))
	require.Equal(t, f.acme.Slug, decodeSeen(t, w).Org)
	require.Zero(t, f.store.forUserCalls.Load())

	// Two organizations, or none: nothing is selected.
	for _, user := range []string{"member", "outsider"} {
		w = serve(mux, request("GET", "/home", user))
		require.Equal(t, seen{User: user}, decodeSeen(t, w))
		require.Nil(t, setCookie(t, w, f.session.Name()))
	}
}

func TestResolveAutoSelectOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, func(c *orghttp.Config) { c.NoAutoSelect = true }))
	w := serve(mux, request("GET", "/dashboard", "solo"))
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Zero(t, f.store.forUserCalls.Load())
}

// Without a session resolver, automatic selection still works but writes no cookie.
func TestResolveAutoSelectWithoutSessionResolver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromPathValue("org")}
	}))
	w := serve(mux, request("GET", "/dashboard", "solo"))
	require.Equal(t, f.acme.Slug, decodeSeen(t, w).Org)
	require.Empty(t, w.Result().Cookies())
}

func TestResolveFallbackForAnonymous(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, fallback := range []string{f.globex.Slug, f.globex.ID.String()} {
		mux := orgMux(f.middleware(t, func(c *orghttp.Config) { c.Fallback = fallback }))
		w := serve(mux, request("GET", "/home", ""))
		require.Equal(t, seen{Org: f.globex.Slug, HasOrg: true}, decodeSeen(t, w))
		require.Empty(t, w.Result().Cookies(), "anonymous requests get no cookie")
		// Guards still want an identity.
		require.Equal(t, http.StatusUnauthorized, serve(mux, request("GET", "/dashboard", "")).Code)
		// Identified users never get the fallback: "member" has two organizations.
		require.Equal(t, seen{User: "member"}, decodeSeen(t, serve(mux, request("GET", "/home", "member"))))
		// A path still wins.
		w = serve(mux, request("GET", orgPath(f.acme.Slug, ""), ""))
		require.Equal(t, http.StatusUnauthorized, w.Code)
	}
}

func TestResolveFallbackGone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, func(c *orghttp.Config) { c.Fallback = "gone" }))
	require.Equal(t, seen{}, decodeSeen(t, serve(mux, request("GET", "/home", ""))))
}

func TestResolvePassesThroughWithoutOrganization(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	require.Equal(t, seen{}, decodeSeen(t, serve(mux, request("GET", "/home", ""))))
	require.Equal(t, seen{User: "outsider"}, decodeSeen(t, serve(mux, request("GET", "/home", "outsider"))))
}

// Membership is read from the store once per request, and never carried over.
func TestResolveReadsMembershipOncePerRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	for i := 1; i <= 3; i++ {
		require.Equal(t, http.StatusOK, serve(mux, request("GET", orgPath(f.acme.Slug, "edit"), "admin")).Code)
		require.Equal(t, int64(i), f.store.memberCalls.Load(), "one store call per request reads organization and membership")
		require.Zero(t, f.store.orgCalls.Load())
	}
	require.Zero(t, f.store.forUserCalls.Load())
	require.Zero(t, f.store.ownerCalls.Load())
	require.Equal(t, http.StatusOK, serve(mux, request("GET", orgPath(f.acme.Slug, "delete"), "owner")).Code)
	require.Zero(t, f.store.ownerCalls.Load(), "the owner came with the membership")
}

// Around the mux the path value is not yet set; a guard on the route resolves again once
// the mux has matched, and a second guard on the same route reuses the first's work.
func TestResolveAgainAfterRouting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", m.RequireMember(m.RequireAdmin(probe)))
	outer := m.Resolve(mux)

	// The session names globex; the path names acme. The route must see acme.
	w := serve(outer, request("GET", orgPath(f.acme.Slug, ""), "admin", f.sessionCookie(t, f.globex.ID)))
	require.Equal(t, seen{Org: f.acme.Slug, Role: "admin", User: "admin", HasOrg: true}, decodeSeen(t, w))
	// One membership read around the mux (the session's), one on the route.
	require.Equal(t, int64(2), f.store.memberCalls.Load())
}

func TestResolveTwoMiddlewaresDoNotShareState(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	byPath := f.middleware(t, nil)
	byHeader := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromHeader("X-Organization")}
	})
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", byPath.RequireMember(byHeader.RequireMember(probe)))
	r := request("GET", orgPath(f.acme.Slug, ""), "member")
	r.Header.Set("X-Organization", f.globex.Slug)
	require.Equal(t, f.globex.Slug, decodeSeen(t, serve(mux, r)).Org)
}

type failingSession struct{ orghttp.Session }

var errSessionDown = errors.New("session store down")

func (failingSession) SetCurrentOrganization(http.ResponseWriter, *http.Request, uuid.UUID) error {
	return errSessionDown
}

func (failingSession) ClearCurrentOrganization(http.ResponseWriter, *http.Request) error {
	return errSessionDown
}

func TestResolveSessionFailureIs500(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, func(c *orghttp.Config) { c.Session = failingSession{f.session} }))
	// Automatic selection must store "solo"'s organization.
	w := serve(mux, request("GET", "/home", "solo"))
	require.Equal(t, http.StatusInternalServerError, w.Code)
	require.NotContains(t, w.Body.String(), "session store")
	// A stale session must be cleared.
	require.NoError(t, f.svc.RemoveUser(context.Background(), f.globex.ID, "member"))
	w = serve(mux, request("GET", "/home", "member", f.sessionCookie(t, f.globex.ID)))
	require.Equal(t, http.StatusInternalServerError, w.Code)
}

func TestResolveListFailureIs500(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	boom := errors.New("boom")
	f.store.failForUser.Store(&boom)
	require.Equal(t, http.StatusInternalServerError, serve(mux, request("GET", "/home", "solo")).Code)
}

func TestLoadOnOwnReturnsSameRequestWhenResolved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	r := request("GET", "/", "solo")
	w := httptest.NewRecorder()
	r1, err := m.Load(w, r)
	require.NoError(t, err)
	require.NotSame(t, r, r1)
	r2, err := m.Load(w, r1)
	require.NoError(t, err)
	require.Same(t, r1, r2)
	org, ok := orghttp.Organization(r2.Context())
	require.True(t, ok)
	require.Equal(t, f.acme.ID, org.ID)
}

func TestAccessReturnsTheRequestsWholeAccess(t *testing.T) {
	f := newFixture(t)
	m := f.middleware(t, nil)
	ownerMember, err := f.svc.OrganizationUser(context.Background(), f.acme.ID, "owner")
	require.NoError(t, err)
	adminMember, err := f.svc.OrganizationUser(context.Background(), f.acme.ID, "admin")
	require.NoError(t, err)
	for _, c := range []struct {
		user string
		want organizations.Access
	}{
		{"owner", organizations.Access{Organization: f.acme, Membership: ownerMember, IsMember: true, IsOwner: true}},
		{"admin", organizations.Access{Organization: f.acme, Membership: adminMember, IsMember: true}},
		{"other", organizations.Access{Organization: f.acme}},
		{"", organizations.Access{Organization: f.acme}},
	} {
		var got organizations.Access
		var ok bool
		mux := http.NewServeMux()
		mux.Handle("GET /orgs/{org}/", m.Resolve(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			got, ok = orghttp.Access(r.Context())
		})))
		serve(mux, request("GET", orgPath(f.acme.Slug, ""), c.user))
		require.True(t, ok, "user %q", c.user)
		require.Equal(t, c.want.Organization, got.Organization, "user %q", c.user)
		require.Equal(t, c.want.Membership, got.Membership, "user %q", c.user)
		require.Equal(t, c.want.IsMember, got.IsMember, "user %q", c.user)
		require.Equal(t, c.want.IsOwner, got.IsOwner, "user %q", c.user)
		// The permissions come compiled with it: an admin and the owner may add members.
		canAdd := c.user == "owner" || c.user == "admin"
		require.Equal(t, canAdd, got.Can(organizations.PermMembersAdd), "user %q", c.user)
	}
}

func TestAccessorsOnEmptyContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, ok := orghttp.Organization(ctx)
	require.False(t, ok)
	_, ok = orghttp.Access(ctx)
	require.False(t, ok)
	_, ok = orghttp.Membership(ctx)
	require.False(t, ok)
	_, ok = orghttp.User(ctx)
	require.False(t, ok)
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for name, edit := range map[string]func(*orghttp.Config){
		"nil service":         func(c *orghttp.Config) { c.Service = nil },
		"nil identify":        func(c *orghttp.Config) { c.Identify = nil },
		"nil resolver":        func(c *orghttp.Config) { c.Resolvers = []orghttp.Resolver{nil} },
		"empty path value":    func(c *orghttp.Config) { c.Resolvers = []orghttp.Resolver{orghttp.FromPathValue("")} },
		"empty header":        func(c *orghttp.Config) { c.Resolvers = []orghttp.Resolver{orghttp.FromHeader("")} },
		"empty query":         func(c *orghttp.Config) { c.Resolvers = []orghttp.Resolver{orghttp.FromQuery("")} },
		"session without":     func(c *orghttp.Config) { c.Session = nil },
		"bad fallback":        func(c *orghttp.Config) { c.Fallback = "Not A Slug" },
		"fallback with slash": func(c *orghttp.Config) { c.Fallback = "not/slug" },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := f.config()
			edit(&cfg)
			m, err := orghttp.New(cfg)
			require.ErrorIs(t, err, orghttp.ErrInvalidConfig)
			require.Nil(t, m)
		})
	}
}

// Without Resolvers, the path value "org" is used, then the session if there is one.
func TestNewDefaultResolvers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) { c.Resolvers = nil })
	mux := orgMux(m)
	require.Equal(t, f.globex.Slug, decodeSeen(t, serve(mux, request("GET", orgPath(f.globex.Slug, ""), "member"))).Org)
	require.Equal(t, f.globex.Slug, decodeSeen(t, serve(mux, request("GET", "/dashboard", "member", f.sessionCookie(t, f.globex.ID)))).Org)

	noSession := f.middleware(t, func(c *orghttp.Config) { c.Resolvers, c.Session = nil, nil })
	mux = orgMux(noSession)
	require.Equal(t, f.globex.Slug, decodeSeen(t, serve(mux, request("GET", orgPath(f.globex.Slug, ""), "member"))).Org)
	require.Equal(t, http.StatusNotFound, serve(mux, request("GET", "/dashboard", "member", f.sessionCookie(t, f.globex.ID))).Code)
}

// A stale session is cleared even when a later resolver names the organization.
func TestResolveStaleSessionClearedBeforeLaterResolver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) {
		c.Resolvers = []orghttp.Resolver{orghttp.FromSession(), orghttp.FromHeader("X-Organization")}
	})
	r := request("GET", "/", "solo", f.sessionCookie(t, f.globex.ID))
	r.Header.Set("X-Organization", f.acme.Slug)
	w := serve(m.RequireMember(probe), r)
	require.Equal(t, f.acme.Slug, decodeSeen(t, w).Org)
	set := setCookie(t, w, f.session.Name())
	require.NotNil(t, set)
	require.Equal(t, -1, set.MaxAge)
}

// An empty, non-nil Resolvers means no resolver: only automatic selection and the
// fallback give an organization, and only on routes whose path names none (a route with
// an {org} that nothing reads is refused rather than served for the selected one).
func TestNewEmptyResolvers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) { c.Resolvers = []orghttp.Resolver{}; c.Fallback = f.globex.Slug })
	mux := orgMux(m)
	require.Equal(t, http.StatusInternalServerError, serve(mux, request("GET", orgPath(f.globex.Slug, ""), "solo")).Code)
	require.Equal(t, f.acme.Slug, decodeSeen(t, serve(mux, request("GET", "/dashboard", "solo"))).Org)
	require.Equal(t, f.globex.Slug, decodeSeen(t, serve(mux, request("GET", "/home", ""))).Org)
	require.Equal(t, http.StatusNotFound, serve(mux, request("GET", "/dashboard", "member", f.sessionCookie(t, f.globex.ID))).Code)
}
