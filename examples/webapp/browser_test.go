package main

import (
	"bytes"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// screenshotPath is where the browser test saves its screenshot, for people to look at.
var screenshotPath = filepath.Join("testdata", "browser-main-flow.png")

// TestBrowserMainFlow runs the main flow in headless Chromium through chromedriver: alice
// signs in, creates an organization and invites bob; bob, in another browser, signs in
// and accepts; alice transfers ownership to bob. It saves a screenshot of alice's page at
// the end. It skips without chromium and chromedriver, except under CI=true.
func TestBrowserMainFlow(t *testing.T) {
	t.Parallel()
	driver := startChromeDriver(t)
	app, err := New(Config{Store: organizations.NewMemoryStore()})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	alice := driver.newBrowser(t)
	signInBrowser(t, alice, srv.URL, "alice", "alice@example.com")
	// Alice has no organization yet: home is her list, with the create form.
	alice.typeInto("#org-name", "Acme Rockets")
	alice.click("#create-form button[type=submit]")
	require.Equal(t, "Acme Rockets", alice.text("#org-title"))
	require.Equal(t, srv.URL+"/orgs/acme-rockets/", alice.currentURL())

	alice.click("#invite-link")
	alice.typeInto("#invite-email", "bob@example.com")
	alice.click("#invite-form button[type=submit]")
	require.Contains(t, alice.text("#pending"), "bob@example.com")
	link := alice.attribute("#sent a.invite-link", "href")
	require.True(t, strings.HasPrefix(link, "/invitations/"), link)

	bob := driver.newBrowser(t)
	signInBrowser(t, bob, srv.URL, "bob", "bob@example.com")
	bob.open(srv.URL + link)
	bob.click("#accept-form button[type=submit]")
	require.Equal(t, "Acme Rockets", bob.text("#org-title"))
	require.Contains(t, bob.text(`tr[data-user="bob"]`), "member")
	require.NotContains(t, bob.source(), `id="transfer-form"`)

	alice.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, alice.text(`tr[data-user="bob"]`), "bob@example.com")
	alice.click(`#transfer-user option[value="bob"]`)
	alice.click("#transfer-form button[type=submit]")
	// Alice is now an admin who sees bob as the owner, and no transfer form.
	require.Contains(t, alice.text(`tr[data-user="bob"]`), "owner")
	require.Contains(t, alice.text(`tr[data-user="alice"]`), "admin")
	require.NotContains(t, alice.source(), `id="transfer-form"`)
	require.Contains(t, alice.source(), "<strong>bob</strong> owns this organization")

	bob.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, bob.source(), `id="transfer-form"`)

	shot := alice.screenshot()
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 800)
	require.NoError(t, os.MkdirAll(filepath.Dir(screenshotPath), 0o755))
	require.NoError(t, os.WriteFile(screenshotPath, shot, 0o644))
	abs, _ := filepath.Abs(screenshotPath)
	t.Logf("screenshot saved to %s", abs)
}

// signInBrowser signs b in through the DEMO sign-in form.
func signInBrowser(t *testing.T, b *browser, base, name, email string) {
	t.Helper()
	b.open(base + "/signin")
	b.typeInto("#signin-form #name", name)
	b.typeInto("#signin-form #email", email)
	b.click("#signin-form button[type=submit]")
	require.Contains(t, b.text("#whoami"), name)
}
