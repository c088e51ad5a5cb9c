package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// flashOf returns a page's success message, or "" when it has none.
func flashOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<p class="note ok flash" id="flash" role="status">(.*?)</p>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// between returns the part of page after the first from and before the next to; it fails
// the test when either is missing.
func between(t *testing.T, page, from, to string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, from)
	require.True(t, ok, "no %q in the page:\n%s", from, page)
	part, _, ok := strings.Cut(rest, to)
	require.True(t, ok, "no %q after %q in the page:\n%s", to, from, page)
	return part
}

// TestFormErrorsKeepInput posts forms a user can get wrong and checks that each comes
// back as its own page, with the refusal's status, the message at the form and the
// typed values in the fields, having changed nothing.
func TestFormErrorsKeepInput(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		org := "/orgs/" + slug + "/"
		before := stateOf(t, e, slug)

		t.Run("blank organization name", func(t *testing.T) {
			res := alice.post("/orgs", url.Values{"name": {"   "}, "slug": {"my-rockets"}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			requireHTML(t, res)
			require.Contains(t, res.body, "<h1>My organizations</h1>")
			card := between(t, res.body, "<h2>Create an organization</h2>", "</form>")
			require.Contains(t, errorMessage(t, card), "organization name")
			require.Contains(t, card, `id="org-name" name="name" required maxlength="200" placeholder="Organization name" aria-label="Organization name" value="   "`)
			require.Contains(t, card, `value="my-rockets"`)
			// The rest of the page is there: the list of organizations.
			require.Contains(t, res.body, `href="/orgs/`+slug+`/"><strong>Acme</strong>`)
		})
		t.Run("slug taken", func(t *testing.T) {
			res := alice.post("/orgs", url.Values{"name": {"Acme Two"}, "slug": {slug}})
			require.Equal(t, http.StatusConflict, res.status)
			card := between(t, res.body, "<h2>Create an organization</h2>", "</form>")
			require.Contains(t, errorMessage(t, card), "Another organization already has this slug")
			require.Contains(t, card, `value="Acme Two"`)
			require.Contains(t, card, `value="`+slug+`"`)
		})
		t.Run("slug taken on edit", func(t *testing.T) {
			_ = create(t, alice, "Taken")
			before := stateOf(t, e, slug)
			res := alice.post(org+"edit", url.Values{"name": {"Acme Inc"}, "slug": {"taken"}, "active": {"false"}})
			require.Equal(t, http.StatusConflict, res.status)
			form := between(t, res.body, "<h1>Edit Acme</h1>", "</form>")
			require.Contains(t, errorMessage(t, form), "slug")
			require.Contains(t, form, `value="Acme Inc"`)
			require.Contains(t, form, `value="taken"`)
			require.Contains(t, form, `<option value="false" selected>inactive</option>`)
			require.Equal(t, before, stateOf(t, e, slug))
			// Unrefused, the form holds the stored values.
			form = between(t, alice.get(org+"edit").body, "<h1>Edit Acme</h1>", "</form>")
			require.NotContains(t, form, `id="message"`)
			require.Contains(t, form, `value="Acme"`)
			require.Contains(t, form, `<option value="true" selected>active</option>`)
		})
		t.Run("no transfer target", func(t *testing.T) {
			res := alice.post(org+"transfer", url.Values{"user": {""}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			require.Contains(t, res.body, `<h1 id="org-title">Acme</h1>`)
			card := between(t, res.body, "<h2>Transfer ownership</h2>", "</form>")
			require.Equal(t, "Please choose a member.", errorMessage(t, card))
			// Only the transfer form carries the message.
			require.Equal(t, 1, strings.Count(res.body, `id="message"`))
		})
		t.Run("invitation to a bad address", func(t *testing.T) {
			res := alice.post(org+"invitations", url.Values{"email": {"bob@"}, "role": {"admin"}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			form := between(t, res.body, "<h2>Invite someone</h2>", "</form>")
			require.Contains(t, errorMessage(t, form), "email address")
			require.Contains(t, form, `value="bob@"`)
			require.Contains(t, form, `<option value="admin" selected>admin</option>`)
		})
		t.Run("role change refused", func(t *testing.T) {
			res := alice.post(org+"members/alice/role", url.Values{"role": {"member"}})
			require.Equal(t, http.StatusConflict, res.status)
			card := between(t, res.body, "<h2>Members</h2>", "</table>")
			require.Contains(t, errorMessage(t, card), "transfer ownership")
		})
		t.Run("sign-up without an organization name", func(t *testing.T) {
			res := e.client().post("/signup", url.Values{"name": {"zoe"}, "email": {"zoe@example.com"}, "organization": {""}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status)
			form := between(t, res.body, "<h1>Sign up</h1>", "</form>")
			require.Contains(t, errorMessage(t, form), "organization name")
			require.Contains(t, form, `value="zoe"`)
			require.Contains(t, form, `value="zoe@example.com"`)
			_, kept := e.app.users.lookup("zoe")
			require.False(t, kept)
		})
		t.Run("sign-in with another user's email", func(t *testing.T) {
			res := e.client().post("/signin", url.Values{"name": {"alice"}, "email": {"eve@example.com"}, "next": {"/orgs"}})
			require.Equal(t, http.StatusForbidden, res.status)
			form := between(t, res.body, "<h1>Sign in", "</form>")
			require.Contains(t, errorMessage(t, form), "another email address")
			require.Contains(t, form, `value="alice"`)
			require.Contains(t, form, `value="eve@example.com"`)
			require.Contains(t, form, `name="next" value="/orgs"`)
		})
		// A refusal that is not about the input is still the error page.
		res := alice.post("/orgs/nope/transfer", url.Values{"user": {""}})
		require.Equal(t, http.StatusNotFound, res.status)
		require.Contains(t, res.body, `<p class="message" id="message">`)
		require.NotEqual(t, before, stateOf(t, e, slug)) // "Taken" was created above
	})
}

// TestFlashMessages checks the message shown once after each successful step.
func TestFlashMessages(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		res := alice.post("/orgs", url.Values{"name": {"Acme"}})
		require.Equal(t, http.StatusSeeOther, res.status)
		org := res.location
		require.Equal(t, "Created Acme. You are its owner.", flashOf(t, alice.get(org).body))
		// Once only.
		require.Empty(t, flashOf(t, alice.get(org).body))

		res = alice.post(org+"invitations", url.Values{"email": {"Bob@Example.com"}})
		require.Equal(t, http.StatusSeeOther, res.status)
		page := alice.get(res.location).body
		require.Equal(t, "Invitation sent to bob@example.com.", flashOf(t, page))
		link := mailLink(t, page, "bob@example.com")

		bob := e.signIn("bob", "bob@example.com")
		res = bob.post(link+"/accept", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "You joined Acme as a member.", flashOf(t, bob.get(res.location).body))
		// A flash belongs to the session that earned it.
		require.Empty(t, flashOf(t, alice.get(org).body))

		res = alice.post(org+"members/bob/role", url.Values{"role": {"admin"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "bob is now an admin of Acme.", flashOf(t, alice.get(res.location).body))

		res = alice.post(org+"transfer", url.Values{"user": {"bob"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = alice.get(res.location).body
		require.Contains(t, flashOf(t, page), "You proposed to make bob the owner of Acme. You stay the owner until they accept, by ")
		res = alice.post(org+"transfer/cancel", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "You cancelled the transfer of ownership of Acme.", flashOf(t, alice.get(res.location).body))
		require.Equal(t, http.StatusSeeOther, alice.post(org+"transfer", url.Values{"user": {"bob"}}).status)
		res = bob.post(org+"transfer/decline", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "You declined to become the owner of Acme.", flashOf(t, bob.get(res.location).body))
		require.Equal(t, http.StatusSeeOther, alice.post(org+"transfer", url.Values{"user": {"bob"}}).status)
		res = bob.post(org+"transfer/accept", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "You now own Acme. The former owner stays an admin.", flashOf(t, bob.get(res.location).body))
		require.Contains(t, alice.get(org).body, "<strong>bob</strong> owns this organization")

		// A refused step sets none.
		require.Equal(t, http.StatusForbidden, alice.post(org+"transfer", url.Values{"user": {"alice"}}).status)
		require.Empty(t, flashOf(t, alice.get(org).body))
	})
}

// TestEmptyTransferListDisablesButton: an owner alone in the organization has nobody to
// transfer to, and the form says so instead of offering a button that can only fail.
func TestEmptyTransferListDisablesButton(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		org := "/orgs/" + slug + "/"
		form := between(t, alice.get(org).body, `id="transfer-form"`, "</form>")
		require.Contains(t, form, `<button type="submit" disabled>Transfer…</button>`)
		require.NotContains(t, form, `name="user"`)
		require.Contains(t, alice.get(org).body, `id="transfer-hint"`)

		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
		page := alice.get(org).body
		form = between(t, page, `id="transfer-form"`, "</form>")
		require.Contains(t, form, `<button type="submit">Transfer…</button>`)
		require.Contains(t, form, `<option value="bob">bob</option>`)
		require.NotContains(t, page, `id="transfer-hint"`)
	})
}

// TestSignOutEndsSession: signing out ends the session on the server, so a copy of the
// cookie taken before no longer signs anyone in; other sessions of the user stay.
func TestSignOutEndsSession(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.signIn("alice", "alice@example.com")
	other := e.signIn("alice", "alice@example.com") // a second browser
	site, err := url.Parse(e.srv.URL)
	require.NoError(t, err)
	var kept *http.Cookie
	for _, c := range alice.hc.Jar.Cookies(site) {
		if c.Name == demoCookie {
			kept = c
		}
	}
	require.NotNil(t, kept)
	replay := func() response {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/orgs", nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: demoCookie, Value: kept.Value})
		return e.client().do(req)
	}
	require.Equal(t, http.StatusOK, replay().status)

	res := alice.post("/signout", nil)
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, http.StatusUnauthorized, alice.get("/orgs").status)
	res = replay()
	require.Equal(t, http.StatusUnauthorized, res.status)
	requireHTML(t, res)
	// Nor does the replayed cookie act: a post with it is refused and creates nothing.
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/orgs", strings.NewReader("name=Replayed"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: demoCookie, Value: kept.Value})
	require.Equal(t, http.StatusUnauthorized, e.client().do(req).status)
	orgs, err := e.app.svc.OrganizationsForUser(t.Context(), "alice", organizations.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, orgs.Items)

	require.Equal(t, http.StatusOK, other.get("/orgs").status)
	// Signing in again starts a new session, with a new cookie.
	again := e.signIn("alice", "alice@example.com")
	require.Equal(t, http.StatusOK, again.get("/orgs").status)
	require.Equal(t, http.StatusUnauthorized, replay().status)
}

// TestSwitchBodyTooLarge: /switch reads its form with the app's bound like every other
// form, answering 413 to an oversized body and changing nothing.
func TestSwitchBodyTooLarge(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		acme := create(t, alice, "Acme")
		globex := create(t, alice, "Globex")
		res := alice.post("/switch", url.Values{"org": {globex}, "pad": {strings.Repeat("x", maxForm)}})
		require.Equal(t, http.StatusRequestEntityTooLarge, res.status)
		requireHTML(t, res)
		require.Contains(t, errorMessage(t, res.body), "too large")
		require.Empty(t, res.header.Values("Set-Cookie"))
		require.Equal(t, "/orgs", alice.get("/").location, "no organization became current")

		// Within the bound the switch works.
		res = alice.post("/switch", url.Values{"org": {acme}, "pad": {strings.Repeat("x", 1000)}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs/"+acme+"/", alice.get("/").location)
	})
}
