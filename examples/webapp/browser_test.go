package main

import (
	"bytes"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// updateScreenshots is the environment variable that makes the browser test write its
// screenshots under testdata/, for people to look at (docs/http.md shows one). Without it
// the test leaves the committed files alone: PNG bytes differ from run to run, so a
// screenshot is written only on request, never compared byte for byte.
const updateScreenshots = "UPDATE_SCREENSHOTS"

// TestBrowserMainFlow runs the main flow in headless Chromium through chromedriver: alice
// signs in and creates an organization (nobody to transfer it to yet), mistypes a second
// one's slug and sees the form again, and invites bob; bob, in another browser, signs in
// and accepts; alice proposes to transfer ownership to bob (confirming it), and bob, on
// the proposal's confirmation page, accepts: the organization page shows him as owner.
// bob then reads the audit log and filters it.
// Carol, in a third browser, signs up and activates, landing in her new organization. It
// checks what each page shows and takes a screenshot of each error and success state.
// Heavy tier (see startChromeDriver); it skips without chromium and chromedriver, except
// under CI=true.
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
	require.Equal(t, "Created Acme Rockets. You are its owner.", alice.text("#flash"))
	// Alone in it, she has nobody to transfer it to: the button is disabled.
	require.Equal(t, true, alice.property("#transfer-form button[type=submit]", "disabled"))
	require.Contains(t, alice.text("#transfer-hint"), "invite someone")
	saveScreenshot(t, alice, "browser-new-organization.png")

	// A taken slug: the form comes back with the message and what she typed.
	alice.open(srv.URL + "/orgs")
	alice.typeInto("#org-name", "Acme Rockets Two")
	alice.typeInto("#org-slug", "acme-rockets")
	alice.click("#create-form button[type=submit]")
	require.Contains(t, alice.text("#message"), "Another organization already has this slug")
	require.Equal(t, "Acme Rockets Two", alice.property("#org-name", "value"))
	require.Equal(t, "acme-rockets", alice.property("#org-slug", "value"))
	require.Equal(t, "My organizations · organizations demo", alice.waitTitle("My organizations · organizations demo"))
	saveScreenshot(t, alice, "browser-form-error.png")

	alice.open(srv.URL + "/orgs/acme-rockets/")
	alice.click("#invite-link")
	alice.typeInto("#invite-email", "bob@example.com")
	alice.click("#invite-form button[type=submit]")
	require.Equal(t, "Invitation sent to bob@example.com.", alice.text("#flash"))
	require.Contains(t, alice.text("#pending"), "bob@example.com")
	link := alice.attribute("#sent a.invite-link", "href")
	require.True(t, strings.HasPrefix(link, "/invitations/"), link)

	bob := driver.newBrowser(t)
	signInBrowser(t, bob, srv.URL, "bob", "bob@example.com")
	bob.open(srv.URL + link)
	bob.click("#accept-form button[type=submit]")
	require.Equal(t, "Acme Rockets", bob.text("#org-title"))
	require.Equal(t, "You joined Acme Rockets as a member.", bob.text("#flash"))
	require.Contains(t, bob.text(`tr[data-user="bob"]`), "member")
	require.NotContains(t, bob.source(), `id="transfer-form"`)
	saveScreenshot(t, bob, "browser-accepted.png")

	alice.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, alice.text(`tr[data-user="bob"]`), "bob@example.com")
	require.Equal(t, false, alice.property("#transfer-form button[type=submit]", "disabled"))
	alice.click(`#transfer-user option[value="bob"]`)
	alice.click("#transfer-form button[type=submit]")
	// A confirmation first; proposing changes no owner yet.
	require.Equal(t, "Transfer ownership of Acme Rockets to bob?", waitText(alice, "h1", "Transfer ownership of Acme Rockets to bob?"))
	saveScreenshot(t, alice, "browser-transfer-confirm.png")
	alice.click("#propose-form button[type=submit]")
	require.Contains(t, alice.text("#flash"), "You proposed to make bob the owner of Acme Rockets.")
	require.Contains(t, alice.text("#transfer-proposal"), "bob")
	require.Contains(t, alice.text(`tr[data-user="alice"]`), "owner")

	// Bob sees the offer, reviews it and accepts.
	bob.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, bob.text("#transfer-offer"), "alice proposes to make you the owner")
	bob.click("#respond-link")
	require.Equal(t, "Become the owner of Acme Rockets?", waitText(bob, "h1", "Become the owner of Acme Rockets?"))
	saveScreenshot(t, bob, "browser-transfer-respond.png")
	bob.click("#transfer-accept-form button[type=submit]")
	require.Equal(t, "You now own Acme Rockets. The former owner stays an admin.", bob.text("#flash"))
	require.Contains(t, bob.text(`tr[data-user="bob"]`), "owner")
	require.Contains(t, bob.source(), `id="transfer-form"`)

	// Alice is now an admin who sees bob as the owner, and no transfer form.
	alice.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, alice.text(`tr[data-user="bob"]`), "owner")
	require.Contains(t, alice.text(`tr[data-user="alice"]`), "admin")
	require.NotContains(t, alice.text(`tr[data-user="alice"]`), "owner")
	require.NotContains(t, alice.source(), `id="transfer-form"`)
	require.Contains(t, alice.source(), "<strong>bob</strong> owns this organization")
	saveScreenshot(t, alice, "browser-main-flow.png")

	bob.open(srv.URL + "/orgs/acme-rockets/")
	require.Contains(t, bob.source(), `id="transfer-form"`)
	// The owner reads the audit log, newest first, and filters it by actor.
	bob.click("#audit-link")
	require.Equal(t, "Audit log of Acme Rockets · organizations demo", bob.waitTitle("Audit log of Acme Rockets · organizations demo"))
	require.Contains(t, bob.text("#audit tbody tr:first-child"), "bob took over ownership from alice")
	require.Contains(t, bob.text("#audit"), "alice proposed to transfer ownership to bob")
	require.Contains(t, bob.text("#audit"), "alice invited bob@example.com as member")
	bob.typeInto("#audit-actor", "bob")
	bob.click("#audit-filter button[type=submit]")
	bob.waitTitle("Audit log of Acme Rockets, filtered · organizations demo")
	require.Equal(t, srv.URL+"/orgs/acme-rockets/audit?type=&actor=bob", bob.currentURL())
	require.Contains(t, bob.text("#audit"), "bob joined as member")
	require.NotContains(t, bob.text("#audit"), "alice proposed")

	// Sign-up: the page after the form and the activation page have titles of their own,
	// and activating opens the new organization.
	carol := driver.newBrowser(t)
	carol.open(srv.URL + "/signup")
	carol.typeInto("#signup-form #name", "carol")
	carol.typeInto("#signup-form #email", "carol@example.com")
	carol.typeInto("#signup-form #organization", "Carol's Bakery")
	carol.click("#signup-form button[type=submit]")
	require.Equal(t, "Check your email · organizations demo", carol.waitTitle("Check your email · organizations demo"))
	carol.click("#activation-link")
	require.Equal(t, "Activate your account · organizations demo", carol.waitTitle("Activate your account · organizations demo"))
	carol.click("#activate-form button[type=submit]")
	require.Equal(t, "Carol's Bakery", carol.text("#org-title"))
	require.Equal(t, srv.URL+"/orgs/carols-bakery/", carol.currentURL())
	require.Equal(t, "Welcome! Your account and Carol's Bakery are active.", carol.text("#flash"))
	require.Contains(t, carol.text("#whoami"), "carol")
	saveScreenshot(t, carol, "browser-activated.png")
}

// saveScreenshot takes a screenshot of b's page and checks it is a real one. With
// UPDATE_SCREENSHOTS=1 it writes it to testdata/name; otherwise it checks that
// testdata/name is committed, a PNG as wide as the fresh one.
func saveScreenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	shot := b.screenshot()
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 800)
	path := filepath.Join("testdata", name)
	if os.Getenv(updateScreenshots) == "1" {
		require.NoError(t, os.WriteFile(path, shot, 0o644))
		abs, _ := filepath.Abs(path)
		t.Logf("screenshot saved to %s", abs)
		return
	}
	f, err := os.Open(path)
	require.NoError(t, err, "run with %s=1 to write the screenshots", updateScreenshots)
	defer f.Close()
	committed, _, err := image.DecodeConfig(f)
	require.NoError(t, err, path)
	require.Equal(t, img.Bounds().Dx(), committed.Width, "%s: run with %s=1 to write the screenshots again", path, updateScreenshots)
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
