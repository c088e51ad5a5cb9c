package main

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// TestBrowserDomainJoin walks a verified domain's suggestion in headless Chromium: alice
// creates Acme Rockets, adds acme.test on its domains page, publishes the TXT record the
// page shows (in the app's fake DNS), verifies the domain and sets automatic suggestion;
// bob, signing in with bob@acme.test in another browser, lands on his list, which
// suggests Acme Rockets, and asks to join; alice approves in the join-request queue, and
// bob is a member. Heavy tier (see startChromeDriver); it skips without chromium and
// chromedriver, except under CI=true.
func TestBrowserDomainJoin(t *testing.T) {
	t.Parallel()
	driver := startChromeDriver(t)
	dns := &fakeDNS{records: map[string][]string{}}
	app, err := New(Config{Store: organizations.NewMemoryStore(), DomainResolver: dns})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	alice := driver.newBrowser(t)
	signInBrowser(t, alice, srv.URL, "alice", "alice@acme.test")
	alice.typeInto("#org-name", "Acme Rockets")
	alice.click("#create-form button[type=submit]")
	require.Equal(t, "Acme Rockets", alice.text("#org-title"))
	alice.click("#domains-link")
	require.Equal(t, "Domains of Acme Rockets · organizations demo", alice.waitTitle("Domains of Acme Rockets · organizations demo"))
	alice.typeInto("#domain-name", "acme.test")
	alice.click("#add-domain-form button[type=submit]")
	requireFlash(t, alice, "Added acme.test. Publish its TXT record, then verify it.")
	row := `tr[data-domain="acme.test"]`
	require.Contains(t, alice.text(row+" .status"), "unverified")

	// The owner publishes the record the page shows, then verifies.
	name := alice.text(`tr.dns-record[data-domain="acme.test"] .txt-name`)
	value := alice.text(`tr.dns-record[data-domain="acme.test"] .txt-value`)
	require.Equal(t, "_organizations-verification.acme.test", name)
	dns.publish(name, value)
	alice.click(row + " .verify-form button[type=submit]")
	requireFlash(t, alice, "Verified acme.test.")
	require.Contains(t, alice.text(row+" .status"), "verified by alice")
	alice.click(row + ` .enrollment-form option[value="automatic_suggestion"]`)
	alice.click(row + " .enrollment-form button[type=submit]")
	requireFlash(t, alice, "Enrollment of acme.test: automatic suggestion.")
	require.Equal(t, true, alice.property(row+` .enrollment-form option[value="automatic_suggestion"]`, "selected"))
	saveScreenshot(t, alice, "browser-domains.png")

	// bob signs in with an address at the domain: home sends him to his list, which
	// suggests Acme Rockets.
	bob := driver.newBrowser(t)
	signInBrowser(t, bob, srv.URL, "bob", "bob@acme.test")
	require.Equal(t, srv.URL+"/orgs", bob.currentURL())
	require.Contains(t, bob.text("#suggestions"), "Acme Rockets")
	bob.typeInto("#suggestions .ask-form input[name=message]", "I build the engines")
	bob.click("#suggestions .ask-form button[type=submit]")
	requireFlash(t, bob, "You asked to join Acme Rockets. An admin will approve or deny your request.")
	require.Contains(t, bob.text("#suggestions .pending-request"), "you asked to join")

	// alice approves in the queue.
	alice.open(srv.URL + "/orgs/acme-rockets/")
	alice.click("#requests-link")
	require.Equal(t, "Join requests to Acme Rockets · organizations demo", alice.waitTitle("Join requests to Acme Rockets · organizations demo"))
	require.Contains(t, alice.text(`#requests tr[data-user="bob"]`), "I build the engines")
	saveScreenshot(t, alice, "browser-join-requests.png")
	alice.click(`#requests tr[data-user="bob"] .approve-form button[type=submit]`)
	requireFlash(t, alice, "bob is now a member of Acme Rockets.")
	require.Equal(t, "No pending join requests.", alice.text("#no-requests"))

	// bob is a member: home opens Acme Rockets, his only organization.
	bob.open(srv.URL + "/")
	require.Equal(t, "Acme Rockets", bob.text("#org-title"))
	require.Contains(t, bob.text(`tr[data-user="bob"]`), "member")
}

// requireFlash waits for b's page to show the flash message want (waitText).
func requireFlash(t *testing.T, b *browser, want string) {
	t.Helper()
	require.Equal(t, want, waitText(b, "#flash", want))
}

// waitText returns the text of the element css names once it is want, or the last text
// seen after 15 s: after a click, the page that was there may still be showing, with an
// element of the same name (the flash message of the previous form).
func waitText(b *browser, css, want string) string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := b.text(css)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}
