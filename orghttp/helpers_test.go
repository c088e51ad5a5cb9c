package orghttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// testKey signs the test cookies.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// countingStore counts the store calls a request makes and can fail chosen ones.
type countingStore struct {
	*organizations.MemoryStore
	memberCalls, forUserCalls, orgCalls, ownerCalls atomic.Int64
	failMember, failForUser                         atomic.Pointer[error]
}

func (s *countingStore) Access(ctx context.Context, p organizations.AccessParams) (organizations.Access, error) {
	s.memberCalls.Add(1)
	if err := s.failMember.Load(); err != nil {
		return organizations.Access{}, *err
	}
	return s.MemoryStore.Access(ctx, p)
}

func (s *countingStore) OrganizationsForUser(ctx context.Context, p organizations.OrganizationsForUserParams) ([]organizations.Organization, error) {
	s.forUserCalls.Add(1)
	if err := s.failForUser.Load(); err != nil {
		return nil, *err
	}
	return s.MemoryStore.OrganizationsForUser(ctx, p)
}

func (s *countingStore) Organization(ctx context.Context, id uuid.UUID) (organizations.Organization, error) {
	s.orgCalls.Add(1)
	return s.MemoryStore.Organization(ctx, id)
}

func (s *countingStore) OrganizationBySlug(ctx context.Context, slug string) (organizations.Organization, error) {
	s.orgCalls.Add(1)
	return s.MemoryStore.OrganizationBySlug(ctx, slug)
}

func (s *countingStore) Owner(ctx context.Context, org uuid.UUID) (organizations.OrganizationOwner, error) {
	s.ownerCalls.Add(1)
	return s.MemoryStore.Owner(ctx, org)
}

// fixture is a service with two organizations:
//
//	acme:   "owner" (owner, admin), "admin" (admin), "member", "solo" (members)
//	globex: "other" (owner, admin), "member", "admin" (members)
//
// So "owner", "solo" and "other" belong to one organization, "admin" and "member" to two,
// and "outsider" to none.
type fixture struct {
	store   *countingStore
	svc     *organizations.Service
	acme    organizations.Organization
	globex  organizations.Organization
	session *orghttp.CookieSession
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{store: &countingStore{MemoryStore: organizations.NewMemoryStore()}}
	f.svc = organizations.New(f.store, nil)
	var err error
	f.acme, err = f.svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	f.globex, err = f.svc.CreateOrganization(ctx, "other", "Globex", nil)
	require.NoError(t, err)
	for _, m := range []struct {
		org  organizations.Organization
		user organizations.UserID
		role organizations.Role
	}{
		{f.acme, "admin", organizations.RoleAdmin},
		{f.acme, "member", organizations.RoleMember},
		{f.acme, "solo", organizations.RoleMember},
		{f.globex, "member", organizations.RoleMember},
		{f.globex, "admin", organizations.RoleMember},
	} {
		_, err := f.svc.AddUser(ctx, m.org.ID, m.user, m.role)
		require.NoError(t, err)
	}
	f.session, err = orghttp.NewCookieSession(testKey, &orghttp.CookieOptions{Insecure: true})
	require.NoError(t, err)
	f.resetCounts()
	return f
}

func (f *fixture) resetCounts() {
	f.store.memberCalls.Store(0)
	f.store.forUserCalls.Store(0)
	f.store.orgCalls.Store(0)
	f.store.ownerCalls.Store(0)
}

// identify reads the test's stand-in for authentication: the X-User header.
func identify(r *http.Request) (organizations.UserID, bool) {
	u := r.Header.Get("X-User")
	return organizations.UserID(u), u != ""
}

// config returns the usual configuration: path value "org", then the cookie session.
func (f *fixture) config() orghttp.Config {
	return orghttp.Config{
		Service:   f.svc,
		Identify:  identify,
		Session:   f.session,
		Resolvers: []orghttp.Resolver{orghttp.FromPathValue("org"), orghttp.FromSession()},
		Superuser: func(r *http.Request) bool { return r.Header.Get("X-Super") == "yes" },
	}
}

func (f *fixture) middleware(t testing.TB, edit func(*orghttp.Config)) *orghttp.Middleware {
	t.Helper()
	cfg := f.config()
	if edit != nil {
		edit(&cfg)
	}
	m, err := orghttp.New(cfg)
	require.NoError(t, err)
	return m
}

// seen is what the probe handler reports of the request context.
type seen struct {
	Org    string `json:"org"`
	Role   string `json:"role"`
	User   string `json:"user"`
	HasOrg bool   `json:"has_org"`
}

// probe writes what the context holds as JSON.
var probe = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var s seen
	if org, ok := orghttp.Organization(r.Context()); ok {
		s.Org, s.HasOrg = org.Slug, true
	}
	if m, ok := orghttp.Membership(r.Context()); ok {
		s.Role = string(m.Role)
	}
	if u, ok := orghttp.User(r.Context()); ok {
		s.User = string(u)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
})

// request builds a request as user ("" for anonymous), with extra headers and cookies.
func request(method, target, user string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	if user != "" {
		r.Header.Set("X-User", user)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeSeen(t *testing.T, w *httptest.ResponseRecorder) seen {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var s seen
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &s))
	return s
}

func decodeProblem(t *testing.T, w *httptest.ResponseRecorder) orghttp.Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	var p orghttp.Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(t, w.Code, p.Status)
	return p
}

// sessionCookie returns the cookie a session holding org would carry.
func (f *fixture) sessionCookie(t testing.TB, org uuid.UUID) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	require.NoError(t, f.session.SetCurrentOrganization(w, httptest.NewRequest("GET", "/", nil), org))
	cs := w.Result().Cookies()
	require.Len(t, cs, 1)
	return cs[0]
}

// setCookie returns the one Set-Cookie of the session's name on w, or nil.
func setCookie(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	var found *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			require.Nil(t, found, "two Set-Cookie for %s", name)
			found = c
		}
	}
	return found
}

// orgMux routes the usual guarded pages of one middleware.
func orgMux(m *orghttp.Middleware) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", m.RequireMember(probe))
	mux.Handle("GET /orgs/{org}/edit", m.RequireAdmin(probe))
	mux.Handle("GET /orgs/{org}/delete", m.RequireOwner(probe))
	mux.Handle("GET /dashboard", m.RequireMember(probe))
	mux.Handle("GET /home", m.Resolve(probe))
	return mux
}

func orgPath(ref, page string) string {
	return fmt.Sprintf("/orgs/%s/%s", ref, strings.TrimPrefix(page, "/"))
}
