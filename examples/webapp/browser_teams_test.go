package main

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// TestBrowserTeams walks the teams pages in headless Chromium: olivia, the owner of Acme
// (mia and tess are its members), creates the team Docs from the teams page, adds mia as
// a maintainer and tess without a team role; mia signs in, finds the team and edits its
// docs note (docs:write within the team); tess, a plain team member, sees the note but
// no form to edit it. Heavy tier (see startChromeDriver); it skips without chromium and
// chromedriver, except under CI=true.
func TestBrowserTeams(t *testing.T) {
	t.Parallel()
	driver := startChromeDriver(t)
	app, err := New(Config{Store: organizations.NewMemoryStore()})
	require.NoError(t, err)
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)

	olivia := driver.newBrowser(t)
	signInBrowser(t, olivia, srv.URL, "olivia", "olivia@example.com")
	olivia.typeInto("#org-name", "Acme")
	olivia.click("#create-form button[type=submit]")
	require.Equal(t, "Acme · organizations demo", olivia.waitTitle("Acme · organizations demo"))
	// Set-up: mia and tess are members of Acme (the invitation flow has its own test).
	acme, err := app.svc.OrganizationBySlug(t.Context(), "acme")
	require.NoError(t, err)
	for _, u := range []organizations.UserID{"mia", "tess"} {
		_, err := app.users.signIn(string(u), string(u)+"@example.com")
		require.NoError(t, err)
		_, err = app.svc.AddUser(t.Context(), acme.ID, u, organizations.RoleMember)
		require.NoError(t, err)
	}

	// The owner creates the team and adds mia as a maintainer, tess without a team role.
	olivia.open(srv.URL + "/orgs/acme/")
	olivia.click("#teams-link")
	require.Equal(t, "Teams of Acme · organizations demo", olivia.waitTitle("Teams of Acme · organizations demo"))
	olivia.typeInto("#team-name", "Docs")
	olivia.click("#team-form button[type=submit]")
	require.Equal(t, "Docs · Acme · organizations demo", olivia.waitTitle("Docs · Acme · organizations demo"))
	require.Equal(t, "Created the team Docs.", olivia.text("#flash"))
	olivia.click(`#team-add-user option[value="mia"]`)
	olivia.click(`#team-add-role option[value="maintainer"]`)
	olivia.click("#team-add-form button[type=submit]")
	require.Equal(t, "Added mia to Docs as a maintainer.", olivia.text("#flash"))
	require.Contains(t, olivia.text(`#team-members tr[data-user="mia"] td.role`), "maintainer")
	olivia.click(`#team-add-user option[value="tess"]`)
	olivia.click(`#team-add-role option[value=""]`)
	olivia.click("#team-add-form button[type=submit]")
	require.Equal(t, "Added tess to Docs, without a team role.", olivia.text("#flash"))
	require.Equal(t, "none", olivia.text(`#team-members tr[data-user="tess"] td.role`))
	teamURL := olivia.currentURL()

	// mia finds the team from her organization's page and edits its docs note.
	mia := driver.newBrowser(t)
	signInBrowser(t, mia, srv.URL, "mia", "mia@example.com")
	mia.open(srv.URL + "/orgs/acme/")
	mia.click("#teams-link")
	require.Equal(t, "Teams of Acme · organizations demo", mia.waitTitle("Teams of Acme · organizations demo"))
	require.NotContains(t, mia.source(), `id="team-form"`)
	mia.click(`#teams tr[data-team="docs"] a`)
	require.Equal(t, "Docs · Acme · organizations demo", mia.waitTitle("Docs · Acme · organizations demo"))
	require.Equal(t, teamURL, mia.currentURL())
	require.Contains(t, mia.text(".subtitle"), "you are in this team as maintainer")
	mia.typeInto("#docs-text", "Short sentences; one idea each.")
	mia.click("#docs-form button[type=submit]")
	require.Equal(t, "Saved the docs of Docs.", mia.text("#flash"))
	require.Equal(t, "Short sentences; one idea each.", mia.text("#docs-note"))
	// She manages no team members: no add form, and her only action is leaving.
	require.NotContains(t, mia.source(), `id="team-add-form"`)
	saveScreenshot(t, mia, "browser-team.png")

	// tess, a plain team member, reads the note and has no form to edit it.
	tess := driver.newBrowser(t)
	signInBrowser(t, tess, srv.URL, "tess", "tess@example.com")
	tess.open(teamURL)
	require.Equal(t, "Docs · Acme · organizations demo", tess.waitTitle("Docs · Acme · organizations demo"))
	require.Equal(t, "Short sentences; one idea each.", tess.text("#docs-note"))
	require.Contains(t, tess.text("#docs-hint"), "Only the owner and this team's maintainers")
	require.NotContains(t, tess.source(), `id="docs-form"`)
	// The app's tests check that her post is refused (TestTeams, TestAccessMatrix).
}
