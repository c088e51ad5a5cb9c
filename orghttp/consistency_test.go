package orghttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

// Processes share one store: A writes through it directly; each B reads through a
// CachedStore whose follower sleeps (a long poll; a read asking for a token B has not
// reached goes to the store at once), so a B's cache stays as it was warmed for as long
// as the test runs. A member removed in A is still a member to a B's plain requests; a
// request carrying A's token (the response header, or the cookie when ReadYourWrites is
// on) is refused. Each case runs on a B of its own, warmed before the removal: a read
// that goes to the store teaches that B's cache the removal.
func TestRememberWriteMakesAnotherProcessReadTheWrite(t *testing.T) {
	ctx := context.Background()
	store := organizations.NewMemoryStore()
	svcA := organizations.New(store, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	_, err = svcA.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	identify := func(r *http.Request) (organizations.UserID, bool) {
		u := r.Header.Get("X-User")
		return organizations.UserID(u), u != ""
	}

	// newB returns a process B's handler of the organization's page, its cache warmed
	// with bob's membership.
	newB := func() http.Handler {
		cache, err := organizations.NewCachedStore(ctx, store, &organizations.CacheOptions{
			PollInterval: time.Hour, TokenWait: -1})
		require.NoError(t, err)
		t.Cleanup(cache.Close)
		b, err := orghttp.New(orghttp.Config{Service: organizations.New(cache, nil), Identify: identify,
			ReadYourWrites: 5 * time.Second})
		require.NoError(t, err)
		mux := http.NewServeMux()
		mux.Handle("GET /orgs/{org}/", b.RequireMember(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		})))
		require.Equal(t, http.StatusOK, get(mux, org.ID.String(), func(*http.Request) {}), "bob is a member; B caches it")
		return mux
	}
	stale, byHeader, byCookie, badHeaderGoodCookie, full := newB(), newB(), newB(), newB(), newB()

	a, err := orghttp.New(orghttp.Config{Service: svcA, Identify: identify, ReadYourWrites: 5 * time.Second})
	require.NoError(t, err)
	muxA := http.NewServeMux()
	muxA.Handle("POST /orgs/{org}/remove/{user}", a.RequireAdmin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, _ := orghttp.Organization(r.Context())
		if err := a.As(r).RemoveUser(r.Context(), o.ID, organizations.UserID(r.PathValue("user"))); err != nil {
			orghttp.WriteProblem(w, r, err)
			return
		}
		if err := a.RememberWrite(w, r); err != nil {
			orghttp.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	r := httptest.NewRequest(http.MethodPost, "/orgs/"+org.ID.String()+"/remove/bob", nil)
	r.Header.Set("X-User", "owner")
	w := httptest.NewRecorder()
	muxA.ServeHTTP(w, r)
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	header := w.Header().Get(orghttp.ConsistencyHeader)
	require.NotEmpty(t, header)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	cookie := cookies[0]
	require.Equal(t, orghttp.ConsistencyCookie, cookie.Name)
	require.Equal(t, header, cookie.Value)
	require.Equal(t, 5, cookie.MaxAge)
	require.True(t, cookie.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, cookie.SameSite)

	page := org.ID.String()
	require.Equal(t, http.StatusOK, get(stale, page, func(*http.Request) {}),
		"without the token, B's sleeping cache still says member (the premise of this test)")
	for _, bad := range []string{"x", "-1", "1.5", "99999999999999999999999", "\x00", " " + header} {
		require.Equal(t, http.StatusOK, get(stale, page, func(r *http.Request) { r.Header.Set(orghttp.ConsistencyHeader, bad) }),
			"a token that does not parse (%q) is ignored, as if absent", bad)
		require.Equal(t, http.StatusOK, get(stale, page, func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: orghttp.ConsistencyCookie, Value: bad})
		}), "a cookie that does not parse (%q) is ignored, as if absent", bad)
	}
	require.Equal(t, http.StatusNotFound, get(byHeader, page, func(r *http.Request) { r.Header.Set(orghttp.ConsistencyHeader, header) }),
		"with the write's token in the header, B reads the removal")
	require.Equal(t, http.StatusNotFound, get(byCookie, page, func(r *http.Request) { r.AddCookie(cookie) }),
		"with the write's token in the cookie, B reads the removal")
	require.Equal(t, http.StatusNotFound, get(badHeaderGoodCookie, page, func(r *http.Request) {
		r.Header.Set(orghttp.ConsistencyHeader, "x")
		r.AddCookie(cookie)
	}), "a bad header does not hide a good cookie")
	require.Equal(t, http.StatusNotFound, get(full, page, func(r *http.Request) {
		*r = *r.WithContext(organizations.WithConsistency(r.Context(), organizations.FullConsistency()))
		r.Header.Set(orghttp.ConsistencyHeader, "1")
	}), "a context that asks for full consistency keeps it (an older token does not lower it)")
	require.Equal(t, http.StatusOK, get(stale, page, func(*http.Request) {}),
		"the stale B was never asked for the token: still stale, so the cases above did not share a cache")
}

// get asks h for the page of organization org as bob, with what with adds to the
// request, and returns the status.
func get(h http.Handler, org string, with func(*http.Request)) int {
	r := httptest.NewRequest(http.MethodGet, "/orgs/"+org+"/", nil)
	r.Header.Set("X-User", "bob")
	with(r)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// Without ReadYourWrites, RememberWrite sets the header only.
func TestRememberWriteWithoutReadYourWritesSetsTheHeaderOnly(t *testing.T) {
	f := newFixture(t)
	m, err := orghttp.New(orghttp.Config{Service: f.svc, Identify: func(*http.Request) (organizations.UserID, bool) { return "owner", true }})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	require.NoError(t, m.RememberWrite(w, httptest.NewRequest(http.MethodPost, "/", nil)))
	require.NotEmpty(t, w.Header().Get(orghttp.ConsistencyHeader))
	require.Empty(t, w.Result().Cookies())
}
