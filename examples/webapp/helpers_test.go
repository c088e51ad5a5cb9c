package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// env is the real app handler on a test server, with its clock.
type env struct {
	t     *testing.T
	app   *App
	srv   *httptest.Server
	clock *organizationstest.Clock // the app's clock: it moves only when told to
	dns   *fakeDNS                 // the app's DNS for domain verification (domains_test.go)
}

func newEnv(t *testing.T, store organizations.Store) *env {
	t.Helper()
	return newEnvWith(t, Config{Store: store})
}

// newEnvWith is newEnv for an app of cfg, on the test's clock.
func newEnvWith(t *testing.T, cfg Config) *env {
	t.Helper()
	clock := organizationstest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	cfg.Now = clock.Now
	dns := &fakeDNS{records: map[string][]string{}}
	if cfg.DomainResolver == nil {
		cfg.DomainResolver = dns // no test asks the network
	}
	app, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(app.Close)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return &env{t: t, app: app, srv: srv, clock: clock, dns: dns}
}

// TestMain runs the tests under pgtest.Main, which reuses the migrated schemas of
// migratedSchemas and drops them at the end, with a default -parallel raised to
// testParallel: the PostgreSQL flows spend most of their time waiting for the server. It
// then stops the browser tests' chromedriver and Chromiums (stopBrowsers).
func TestMain(m *testing.M) {
	pgtest.DefaultParallel(testParallel)
	code := pgtest.Main(m)
	stopBrowsers()
	os.Exit(code)
}

// testParallel is the default of -parallel for this package (see TestMain).
const testParallel = 8

// migratedSchemas hands out migrated schemas to the PostgreSQL store kind, and empties
// and reuses those of passing tests: migrating one for every flow took most of the
// package's time. TestOpenStore migrates one through openStore, as main does.
var migratedSchemas = pgtest.NewSchemas(func(ctx context.Context, db *pgxpool.Pool, schema string) error {
	store, err := organizations.NewPostgresStore(db, &organizations.PostgresOptions{Schema: schema})
	if err != nil {
		return err
	}
	return store.Migrate(ctx)
}, "organizations_migrations")

// storeKinds are the stores every flow runs on. The PostgreSQL one is a migrated, empty
// store in a schema of its own until the test ends, on a pool the test binary shares;
// pgtest skips it without a database, except under CI=true.
var storeKinds = []struct {
	name string
	open func(t *testing.T) organizations.Store
}{
	{"memory", func(*testing.T) organizations.Store { return organizations.NewMemoryStore() }},
	{"postgres", func(t *testing.T) organizations.Store {
		pool := pgtest.SharedPool(t, "webapp", func(c *pgxpool.Config) { c.MaxConns = 2 * testParallel })
		store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
		require.NoError(t, err)
		return store
	}},
}

// eachStore runs test on a fresh app over each store kind, and once more with the cache
// on (Config.Cache) over the memory store: every flow also passes with its checks read
// from a CachedStore and each write's token handed to the browser.
func eachStore(t *testing.T, test func(t *testing.T, e *env)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, k.open(t)))
		})
	}
	t.Run("memory+cache", func(t *testing.T) {
		t.Parallel()
		test(t, newEnvWith(t, Config{Store: organizations.NewMemoryStore(), Cache: &organizations.CacheOptions{}}))
	})
}

// client is one browser: its own cookie jar, redirects not followed so that tests see
// each 303.
type client struct {
	t  *testing.T
	e  *env
	hc *http.Client
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	return &client{t: e.t, e: e, hc: &http.Client{
		// The server's own transport: httptest servers closing in parallel tests close
		// the idle connections of http.DefaultTransport, under other tests' requests.
		Transport:     e.srv.Client().Transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signIn returns a client signed in (DEMO sign-in) as name with email.
func (e *env) signIn(name, email string) *client {
	e.t.Helper()
	c := e.client()
	res := c.post("/signin", url.Values{"name": {name}, "email": {email}})
	require.Equal(e.t, http.StatusSeeOther, res.status, res.body)
	return c
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return response{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	require.NoError(c.t, err)
	return c.do(req)
}

// post sends form as a browser does from a page of this site (same-origin), or with the
// given extra headers.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// mailLink finds, on a page, the newest demo-mailbox link sent to email.
func mailLink(t *testing.T, page, email string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<strong>` + regexp.QuoteMeta(email) + `</strong>.*?href="(/(?:invitations|activate)/[A-Za-z0-9_-]{43})"`)
	m := re.FindStringSubmatch(page)
	require.NotNil(t, m, "no link to %s in the page:\n%s", email, page)
	return m[1]
}

// errorMessage returns the explanation of a refusal: the message of the error page, or
// of a form shown again with its error.
func errorMessage(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<p class="[^"]*" id="message"[^>]*>(.*?)</p>`).FindStringSubmatch(page)
	require.NotNil(t, m, "neither an error page nor a refused form:\n%s", page)
	return m[1]
}

// requireHTML asserts that res is one of the app's HTML pages.
func requireHTML(t *testing.T, res response) {
	t.Helper()
	require.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/html"), "Content-Type %q", res.header.Get("Content-Type"))
	require.Contains(t, res.body, "</html>")
}
