package orghttp_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

func TestSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	mux := orgMux(m)
	for _, ref := range []string{f.globex.Slug, f.acme.ID.String()} {
		w := httptest.NewRecorder()
		org, err := m.Switch(w, request("POST", "/switch", "member"), ref)
		require.NoError(t, err)
		cookie := setCookie(t, w, f.session.Name())
		require.NotNil(t, cookie)
		// The next request is in the chosen organization.
		s := decodeSeen(t, serve(mux, request("GET", "/dashboard", "member", cookie)))
		require.Equal(t, org.Slug, s.Org)
		require.Equal(t, "member", s.Role)
	}
}

func TestSwitchRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	for _, c := range []struct {
		name, user, ref string
		super           bool
		want            error
	}{
		{"anonymous", "", f.acme.Slug, false, orghttp.ErrUnauthenticated},
		{"outsider", "outsider", f.acme.Slug, false, organizations.ErrOrganizationNotFound},
		{"member of another", "other", f.acme.ID.String(), false, organizations.ErrOrganizationNotFound},
		{"superuser outsider", "outsider", f.acme.Slug, true, organizations.ErrOrganizationNotFound},
		{"unknown slug", "member", "no-such-org", false, organizations.ErrOrganizationNotFound},
		{"unknown ID", "member", "0190a000-0000-7000-8000-000000000000", false, organizations.ErrOrganizationNotFound},
		{"empty", "member", "", false, organizations.ErrOrganizationNotFound},
		{"malformed", "member", "../../etc", false, organizations.ErrOrganizationNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := request("POST", "/switch", c.user)
			if c.super {
				r.Header.Set("X-Super", "yes")
			}
			org, err := m.Switch(w, r, c.ref)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, organizations.Organization{}, org)
			require.Empty(t, w.Result().Cookies(), "the session is unchanged")
		})
	}
}

func TestSwitchWithoutSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) { c.Session, c.Resolvers = nil, nil })
	_, err := m.Switch(httptest.NewRecorder(), request("POST", "/switch", "member"), f.acme.Slug)
	require.ErrorIs(t, err, organizations.ErrNotConfigured)
}

func TestSwitchSessionFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, func(c *orghttp.Config) { c.Session = failingSession{f.session} })
	_, err := m.Switch(httptest.NewRecorder(), request("POST", "/switch", "member"), f.acme.Slug)
	require.ErrorIs(t, err, errSessionDown)
}

func postForm(target, user string, form url.Values) *http.Request {
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.Header.Set("X-User", user)
	}
	return r
}

func TestSwitchHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.middleware(t, nil).SwitchHandler()
	for next, want := range map[string]string{
		"":                       "/",
		"/orgs/x/people?tab=1#a": "/orgs/x/people?tab=1#a",
		"/dashboard":             "/dashboard",
		"//evil.example/":        "/",
		"/\\evil.example/":       "/",
		"/x\\y":                  "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"dashboard":              "/",
		"/\t/evil.example":       "/",
		"/ok\n":                  "/",
		"/%zz":                   "/",
	} {
		w := serve(h, postForm("/switch", "member", url.Values{"org": {f.globex.Slug}, "next": {next}}))
		require.Equal(t, http.StatusSeeOther, w.Code, next)
		require.Equal(t, want, w.Header().Get("Location"), next)
		require.NotNil(t, setCookie(t, w, f.session.Name()))
	}
}

func TestSwitchHandlerRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.middleware(t, nil).SwitchHandler()
	w := serve(h, postForm("/switch", "outsider", url.Values{"org": {f.acme.Slug}, "next": {"/x"}}))
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Equal(t, "Organization not found.", decodeProblem(t, w).Detail)
	require.Empty(t, w.Result().Cookies())

	w = serve(h, postForm("/switch", "", url.Values{"org": {f.acme.Slug}}))
	require.Equal(t, http.StatusUnauthorized, w.Code)

	// An oversized body reads as no organization.
	big := postForm("/switch", "member", url.Values{"pad": {strings.Repeat("x", 128<<10)}, "org": {f.acme.Slug}})
	w = serve(h, big)
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Empty(t, w.Result().Cookies())
}
