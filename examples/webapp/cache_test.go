package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

// With Config.Cache, a successful POST gives the browser its write's consistency token
// (the header, and the cookie its next requests carry); a refused one gives none; and
// without the cache there is none. (Every flow of eachStore also runs with the cache on;
// orghttp's TestRememberWriteMakesAnotherProcessReadTheWrite shows the token making
// another process read the write.)
func TestCacheModeHandsOutWriteTokens(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, Config{Store: organizations.NewMemoryStore(), Cache: &organizations.CacheOptions{}})
	alice := e.signIn("alice", "alice@example.com")
	res := alice.post("/orgs", url.Values{"name": {"Cached"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	token := res.header.Get(orghttp.ConsistencyHeader)
	require.NotEmpty(t, token, "a successful write hands out its token")
	var cookie *http.Cookie
	for _, c := range alice.hc.Jar.Cookies(&url.URL{Scheme: "http", Host: e.srv.Listener.Addr().String()}) {
		if c.Name == orghttp.ConsistencyCookie {
			cookie = c
		}
	}
	require.NotNil(t, cookie, "the browser keeps the token")
	require.Equal(t, token, cookie.Value)
	page := alice.get("/orgs/cached/")
	require.Equal(t, http.StatusOK, page.status, "a request carrying the token is served")

	res = alice.post("/orgs/cached/members/nobody/role", url.Values{"role": {"admin"}})
	require.GreaterOrEqual(t, res.status, http.StatusBadRequest, res.body)
	require.Empty(t, res.header.Get(orghttp.ConsistencyHeader), "a refused write hands out no token")

	plain := newEnv(t, organizations.NewMemoryStore())
	bob := plain.signIn("bob", "bob@example.com")
	res = bob.post("/orgs", url.Values{"name": {"Plain"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Empty(t, res.header.Get(orghttp.ConsistencyHeader), "without the cache, no token")
}
