package main

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The pages' Content-Security-Policy allows no inline styles or scripts: a template that
// used one would look broken in browsers, so none may.
func TestTemplatesNeedNoInlineStyleOrScript(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(templateFiles, "templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		require.NoError(t, err)
		s := strings.ToLower(string(b))
		for _, bad := range []string{"style=", "<style", "<script", "javascript:"} {
			require.NotContains(t, s, bad, f)
		}
		require.NotRegexp(t, `\son[a-z]+=`, s, f) // event handler attributes
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, path := range []string{"/", "/signin", "/orgs", "/no/such/page"} {
		res := e.client().get(path)
		requireHTML(t, res)
		csp := res.header.Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'none'", path)
		require.Contains(t, csp, "form-action 'self'", path)
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		require.Equal(t, "no-referrer", res.header.Get("Referrer-Policy"), path)
		require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"), path)
	}
	res := e.client().get("/static/style.css")
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, ".card")
}

// The DEMO sign-in cookie cannot be edited by hand into another user's.
func TestDemoCookieIsSigned(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	alice := e.signIn("alice", "alice@example.com")
	_ = e.signIn("bob", "bob@example.com")
	site, err := url.Parse(e.srv.URL)
	require.NoError(t, err)
	var value string
	for _, c := range alice.hc.Jar.Cookies(site) {
		if c.Name == demoCookie {
			value = c.Value
		}
	}
	require.NotEmpty(t, value)
	enc, mac, ok := strings.Cut(value, ".")
	require.True(t, ok)
	require.Equal(t, "YWxpY2U", enc) // base64url("alice")
	forged := e.client()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/orgs", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: demoCookie, Value: "Ym9i." + mac}) // "bob" with alice's MAC
	require.Equal(t, http.StatusUnauthorized, forged.do(req).status)

	req, err = http.NewRequest(http.MethodGet, e.srv.URL+"/orgs", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: demoCookie, Value: value})
	res := e.client().do(req)
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, "Signed in as <strong>alice</strong>")

	// Signing out forgets the user.
	require.Equal(t, http.StatusSeeOther, alice.post("/signout", nil).status)
	require.Equal(t, http.StatusUnauthorized, alice.get("/orgs").status)
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"":                         "/",
		"/orgs":                    "/orgs",
		"/invitations/abc?x=1":     "/invitations/abc?x=1",
		"orgs":                     "/",
		"//evil.example/":          "/",
		"/\\evil.example":          "/",
		"https://evil.example/":    "/",
		"/\tevil":                  "/",
		"/%0a":                     "/%0a",
		"javascript:alert(1)":      "/",
		"/ok#frag":                 "/ok#frag",
		"http:/relative-but-typed": "/",
	} {
		require.Equal(t, want, localPath(next), "localPath(%q)", next)
	}
}

// Signing in returns to the page that asked for it, never to another site.
func TestSignInNext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	res := e.client().get("/orgs")
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Contains(t, res.body, `href="/signin?next=%2Forgs"`)
	require.Contains(t, e.client().get("/signin?next=%2forgs").body, `name="next" value="/orgs"`)

	c := e.client()
	res = c.post("/signin", url.Values{"name": {"alice"}, "email": {"alice@example.com"}, "next": {"/orgs"}})
	require.Equal(t, "/orgs", res.location)
	res = c.post("/signin", url.Values{"name": {"alice"}, "email": {"alice@example.com"}, "next": {"//evil.example"}})
	require.Equal(t, "/", res.location)
}
