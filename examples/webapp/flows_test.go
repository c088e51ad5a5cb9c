package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// invite has admin invite email into the organization slug with role, and returns the
// accept link shown in the invitations page's demo mailbox.
func invite(t *testing.T, admin *client, slug, email, role string) string {
	t.Helper()
	res := admin.post("/orgs/"+slug+"/invitations", url.Values{"email": {email}, "role": {role}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, "/orgs/"+slug+"/invitations", res.location)
	page := admin.get(res.location)
	require.Equal(t, http.StatusOK, page.status)
	return mailLink(t, page.body, email)
}

// create has c create an organization and returns its slug.
func create(t *testing.T, c *client, name string) string {
	t.Helper()
	res := c.post("/orgs", url.Values{"name": {name}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	slug := strings.TrimSuffix(strings.TrimPrefix(res.location, "/orgs/"), "/")
	require.Equal(t, organizations.Slugify(name), slug)
	return slug
}

// memberRowOf returns the members table row of user on an organization page.
func memberRowOf(t *testing.T, page, user string) string {
	t.Helper()
	_, rest, found := strings.Cut(page, `<tr data-user="`+user+`">`)
	require.True(t, found, "%s is not in the members table:\n%s", user, page)
	row, _, _ := strings.Cut(rest, "</tr>")
	return row
}

func TestSignUpAndActivate(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		c := e.client()
		require.Contains(t, c.get("/signup").body, "<title>Sign up · organizations demo</title>")
		res := c.post("/signup", url.Values{"name": {"Alice"}, "email": {" Alice@Example.com "}, "organization": {"Acme Rockets"}})
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Contains(t, res.body, "acme-rockets")
		// The page after sign-up and the activation page are two steps, titled as such.
		require.Contains(t, res.body, "<title>Check your email · organizations demo</title>")
		m := regexp.MustCompile(`id="activation-link"[^>]*href="(/activate/[A-Za-z0-9_-]{43})"`).FindStringSubmatch(res.body)
		require.NotNil(t, m, res.body)
		link := m[1]

		// Until activation the account cannot sign in, and the organization is inactive.
		res = c.post("/signin", url.Values{"name": {"alice"}, "email": {"alice@example.com"}})
		require.Equal(t, http.StatusForbidden, res.status)
		require.Contains(t, errorMessage(t, res.body), "activation")
		org, err := e.app.svc.OrganizationBySlug(t.Context(), "acme-rockets")
		require.NoError(t, err)
		require.False(t, org.IsActive)

		// A sign-up with the same name and another email is refused; a typo in the
		// organization name does not keep the name reserved.
		res = e.client().post("/signup", url.Values{"name": {"alice"}, "email": {"other@example.com"}, "organization": {"X"}})
		require.Equal(t, http.StatusForbidden, res.status)
		res = e.client().post("/signup", url.Values{"name": {"bob"}, "email": {"bob@example.com"}, "organization": {"  "}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		_, kept := e.app.users.lookup("bob")
		require.False(t, kept)

		// Opening the link changes nothing; the form post activates, signs in and opens
		// the new organization.
		page := c.get(link)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, "<title>Activate your account · organizations demo</title>")
		_, err = e.app.svc.Activate(t.Context(), "")
		require.ErrorIs(t, err, organizations.ErrActivationNotFound)
		res = c.post(link, nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs/acme-rockets/", res.location)
		page = c.get(res.location)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, `<h1 id="org-title">Acme Rockets</h1>`)
		require.Contains(t, page.body, "the <span class=\"badge owner\">owner</span>")
		require.Equal(t, "Welcome! Your account and Acme Rockets are active.", flashOf(t, page.body))
		list := c.get("/orgs")
		require.Equal(t, http.StatusOK, list.status)
		require.Contains(t, list.body, "Signed in as <strong>alice</strong>")
		require.Contains(t, list.body, "Acme Rockets")
		require.NotContains(t, list.body, `badge inactive`)

		// The link works once.
		res = c.post(link, nil)
		require.Equal(t, http.StatusConflict, res.status)
		requireHTML(t, res)
		// Signing up again with an active account's email is a conflict, not a 500.
		res = e.client().post("/signup", url.Values{"name": {"alice"}, "email": {"alice@example.com"}, "organization": {"Again"}})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "sign in")
	})
}

func TestInviteAndAccept(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme Rockets")
		link := invite(t, alice, slug, "bob@example.com", "member")

		// Anyone with the link sees what it is; only bob can accept.
		preview := e.client().get(link)
		require.Equal(t, http.StatusOK, preview.status)
		require.Contains(t, preview.body, "Acme Rockets")
		require.Contains(t, preview.body, "Sign in as bob@example.com")
		require.Equal(t, http.StatusUnauthorized, e.client().post(link+"/accept", nil).status)
		carol := e.signIn("carol", "carol@example.com")
		require.Contains(t, carol.get(link).body, "this invitation was sent to bob@example.com")
		require.Equal(t, http.StatusForbidden, carol.post(link+"/accept", nil).status)

		bob := e.signIn("bob", "bob@example.com")
		page := bob.get(link)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, `id="accept-form"`)
		res := bob.post(link+"/accept", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs/"+slug+"/", res.location)
		page = bob.get(res.location)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, memberRowOf(t, page.body, "bob"), `badge member`)
		require.Contains(t, memberRowOf(t, alice.get("/orgs/"+slug+"/").body, "bob"), "bob@example.com")

		// The link is spent: accepting again is refused with 409, and the invitation is
		// no longer pending.
		require.Equal(t, http.StatusConflict, carol.post(link+"/accept", nil).status)
		require.Equal(t, http.StatusConflict, e.client().get(link).status)
		require.Contains(t, alice.get("/orgs/"+slug+"/invitations").body, "No pending invitations.")
	})
}

func TestChangeRoleAndRemove(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
		org := "/orgs/" + slug + "/"

		require.Equal(t, http.StatusForbidden, bob.get(org+"edit").status)
		res := alice.post(org+"members/bob/role", url.Values{"role": {"admin"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Contains(t, memberRowOf(t, alice.get(org).body, "bob"), "badge admin")
		require.Equal(t, http.StatusOK, bob.get(org+"edit").status)

		// The admin bob cannot demote or remove the owner; the page says why.
		res = bob.post(org+"members/alice/role", url.Values{"role": {"member"}})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "transfer ownership")
		res = bob.post(org+"members/alice/remove", nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "cannot be removed")
		require.Contains(t, memberRowOf(t, bob.get(org).body, "alice"), "The owner cannot be removed, suspended or made a plain member")

		require.Equal(t, http.StatusSeeOther, alice.post(org+"members/bob/role", url.Values{"role": {"member"}}).status)
		require.Equal(t, http.StatusForbidden, bob.get(org+"edit").status)

		// Removal takes effect on the removed member's very next request.
		require.Equal(t, http.StatusSeeOther, alice.post(org+"members/bob/remove", nil).status)
		require.Equal(t, http.StatusNotFound, bob.get(org).status)
		require.NotContains(t, alice.get(org).body, `data-user="bob"`)
		require.Equal(t, http.StatusNotFound, alice.post(org+"members/bob/remove", nil).status)
	})
}

func TestLeave(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "admin")+"/accept", nil).status)
		org := "/orgs/" + slug + "/"

		// The owner's page explains that the owner cannot leave, and the post is refused.
		require.Contains(t, alice.get(org).body, "You own this organization, so you cannot leave it")
		res := alice.post(org+"leave", nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "You own this organization, so you cannot leave it")

		require.Contains(t, bob.get(org).body, `id="leave-form"`)
		res = bob.post(org+"leave", nil)
		require.Equal(t, http.StatusSeeOther, res.status)
		require.Equal(t, "/orgs", res.location)
		require.Equal(t, http.StatusNotFound, bob.get(org).status)
		require.NotContains(t, bob.get("/orgs").body, "Acme")
	})
}

func TestTransferAndDelete(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
		org := "/orgs/" + slug + "/"

		require.Equal(t, http.StatusForbidden, bob.post(org+"transfer", url.Values{"user": {"bob"}}).status)
		require.Equal(t, http.StatusForbidden, bob.get(org+"transfer?user=bob").status)
		require.Equal(t, http.StatusNotFound, alice.post(org+"transfer", url.Values{"user": {"nobody"}}).status)
		require.Equal(t, http.StatusNotFound, alice.get(org+"transfer?user=nobody").status)
		// The owner's form leads to a confirmation page, which changes nothing.
		res := alice.get(org + "transfer?user=bob")
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Contains(t, res.body, "<h1>Transfer ownership of Acme to bob?</h1>")
		require.Contains(t, res.body, `id="propose-form"`)
		_, err := e.app.svc.OwnershipTransfer(t.Context(), mustOrg(t, e, slug).ID)
		require.ErrorIs(t, err, organizations.ErrTransferNotFound)
		res = alice.post(org+"transfer", url.Values{"user": {"bob"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		// Proposed only: alice still owns Acme, and sees her proposal with a cancel button.
		owner, err := e.app.svc.Owner(t.Context(), mustOrg(t, e, slug).ID)
		require.NoError(t, err)
		require.Equal(t, organizations.UserID("alice"), owner.OrganizationUser.UserID)
		require.Contains(t, between(t, alice.get(org).body, `id="transfer-proposal"`, "</div>"), "<strong>bob</strong>")
		// Bob is offered it; the confirmation page has accept and decline.
		require.Contains(t, bob.get(org).body, `id="respond-link"`)
		page := bob.get(org + "transfer/respond").body
		require.Contains(t, page, "<h1>Become the owner of Acme?</h1>")
		require.Contains(t, page, `id="transfer-accept-form"`)
		require.Contains(t, page, `id="transfer-decline-form"`)
		res = bob.post(org+"transfer/accept", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "You now own Acme. The former owner stays an admin.", flashOf(t, bob.get(org).body))
		owner, err = e.app.svc.Owner(t.Context(), mustOrg(t, e, slug).ID)
		require.NoError(t, err)
		require.Equal(t, organizations.UserID("bob"), owner.OrganizationUser.UserID)
		// Accepted once: a second accept finds no open proposal.
		res = bob.post(org+"transfer/accept", nil)
		require.Equal(t, http.StatusNotFound, res.status)
		require.Contains(t, errorMessage(t, res.body), "no open ownership transfer")

		// Bob is now the owner (and an admin); alice stays an admin but may not delete.
		page = bob.get(org).body
		require.Contains(t, memberRowOf(t, page, "bob"), "badge owner")
		require.Contains(t, memberRowOf(t, page, "bob"), "badge admin")
		require.Contains(t, memberRowOf(t, page, "alice"), "badge admin")
		require.Equal(t, http.StatusForbidden, alice.get(org+"delete").status)
		require.Equal(t, http.StatusForbidden, alice.post(org+"delete", nil).status)
		require.Equal(t, http.StatusSeeOther, alice.post(org+"leave", nil).status)

		require.Equal(t, http.StatusOK, bob.get(org+"delete").status)
		res = bob.post(org+"delete", nil)
		require.Equal(t, http.StatusSeeOther, res.status)
		require.Equal(t, "/orgs", res.location)
		require.Equal(t, http.StatusNotFound, bob.get(org).status)
		_, err = e.app.svc.OrganizationBySlug(t.Context(), slug)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		// The users stay.
		require.Equal(t, http.StatusOK, bob.get("/orgs").status)
	})
}

func mustOrg(t *testing.T, e *env, slug string) organizations.Organization {
	t.Helper()
	org, err := e.app.svc.OrganizationBySlug(t.Context(), slug)
	require.NoError(t, err)
	return org
}

func TestDeclineInvitation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		link := invite(t, alice, slug, "carol@example.com", "admin")
		carol := e.signIn("carol", "carol@example.com")
		require.Contains(t, carol.get("/orgs").body, "invited you as")

		require.Equal(t, http.StatusForbidden, alice.post(link+"/decline", nil).status)
		res := carol.post(link+"/decline", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs", res.location)

		res = carol.post(link+"/accept", nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "no longer pending")
		page := carol.get(link)
		require.Equal(t, http.StatusConflict, page.status)
		require.Contains(t, page.body, "it was declined")
		require.Equal(t, http.StatusNotFound, carol.get("/orgs/"+slug+"/").status)
		require.NotContains(t, carol.get("/orgs").body, "invited you as")
	})
}

func TestRevokeAndResendInvitation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		dave := e.signIn("dave", "dave@example.com")
		first := invite(t, alice, slug, "dave@example.com", "member")
		inv := pendingID(t, e, slug, "dave@example.com")

		// Resending makes a new link and kills the old one.
		res := alice.post("/orgs/"+slug+"/invitations/"+inv+"/resend", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		second := mailLink(t, alice.get(res.location).body, "dave@example.com")
		require.NotEqual(t, first, second)
		require.Equal(t, http.StatusNotFound, dave.get(first).status)
		require.Equal(t, http.StatusOK, dave.get(second).status)

		res = alice.post("/orgs/"+slug+"/invitations/"+inv+"/revoke", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page := dave.get(second)
		require.Equal(t, http.StatusConflict, page.status)
		require.Contains(t, page.body, "it was revoked")
		require.Equal(t, http.StatusConflict, dave.post(second+"/accept", nil).status)
		require.Equal(t, http.StatusConflict, alice.post("/orgs/"+slug+"/invitations/"+inv+"/revoke", nil).status)
		require.Equal(t, http.StatusConflict, alice.post("/orgs/"+slug+"/invitations/"+inv+"/resend", nil).status)
		require.Equal(t, http.StatusNotFound, dave.get("/orgs/"+slug+"/").status)

		// An admin of two organizations cannot reach one's invitations through the other.
		other := create(t, alice, "Other")
		_ = invite(t, alice, slug, "erin@example.com", "member")
		erin := pendingID(t, e, slug, "erin@example.com")
		require.Equal(t, http.StatusNotFound, alice.post("/orgs/"+other+"/invitations/"+erin+"/revoke", nil).status)
		require.NotEmpty(t, pendingID(t, e, slug, "erin@example.com"))
	})
}

// pendingID returns the ID of the pending invitation of email to the organization.
func pendingID(t *testing.T, e *env, slug, email string) string {
	t.Helper()
	page, err := e.app.svc.PendingInvitations(t.Context(), mustOrg(t, e, slug).ID, organizations.ListOptions{})
	require.NoError(t, err)
	for _, inv := range page.Items {
		if inv.Email == email {
			return inv.ID.String()
		}
	}
	t.Fatalf("no pending invitation of %s", email)
	return ""
}

func TestExpiredInvitation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		link := invite(t, alice, slug, "bob@example.com", "member")
		bob := e.signIn("bob", "bob@example.com")

		e.clock.Advance(organizations.DefaultInvitationTTL + time.Minute)
		page := bob.get(link)
		require.Equal(t, http.StatusGone, page.status)
		requireHTML(t, page)
		require.Contains(t, page.body, "This invitation expired")
		res := bob.post(link+"/accept", nil)
		require.Equal(t, http.StatusGone, res.status)
		require.Contains(t, errorMessage(t, res.body), "expired")
		require.Equal(t, http.StatusGone, bob.post(link+"/decline", nil).status)
		require.Equal(t, http.StatusNotFound, bob.get("/orgs/"+slug+"/").status)
	})
}

func TestSwitchCurrentOrganization(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		// With one organization, home is that organization.
		acme := create(t, alice, "Acme")
		require.Equal(t, "/orgs/"+acme+"/", alice.get("/").location)
		// With two and none chosen, home is the list.
		globex := create(t, alice, "Globex")
		bob := e.signIn("bob", "bob@example.com")
		_ = create(t, bob, "Bobs")
		res := bob.post("/switch", url.Values{"org": {globex}})
		require.Equal(t, http.StatusNotFound, res.status)
		requireHTML(t, res)

		alice2 := e.signIn("alice", "alice@example.com") // a browser without a session
		_ = create(t, alice2, "Initech")
		require.Equal(t, "/orgs", alice2.get("/").location)
		res = alice2.post("/switch", url.Values{"org": {globex}, "next": {"/orgs"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs", res.location)
		require.Equal(t, "/orgs/"+globex+"/", alice2.get("/").location)
		_, list, _ := strings.Cut(alice2.get("/orgs").body, `id="org-list"`)
		_, globexRow, _ := strings.Cut(list, `href="/orgs/`+globex+`/"><strong>`)
		globexRow, _, _ = strings.Cut(globexRow, "</tr>")
		require.Contains(t, globexRow, "badge current")
		require.Equal(t, 1, strings.Count(list, "badge current"))
		// An off-site "next" is ignored.
		res = alice2.post("/switch", url.Values{"org": {acme}, "next": {"//evil.example/"}})
		require.Equal(t, "/", res.location)
	})
}

func TestEditOrganization(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		_ = create(t, alice, "Taken")
		require.Contains(t, alice.get("/orgs/"+slug+"/edit").body, `value="Acme"`)

		res := alice.post("/orgs/"+slug+"/edit", url.Values{"name": {"Acme Inc"}, "slug": {"taken"}, "active": {"true"}})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "slug")
		res = alice.post("/orgs/"+slug+"/edit", url.Values{"name": {"Acme Inc"}, "slug": {"acme-inc"}, "active": {"false"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs/acme-inc/", res.location)
		page := alice.get(res.location)
		require.Contains(t, page.body, "Acme Inc")
		require.Contains(t, page.body, "This organization is inactive")
		require.Equal(t, http.StatusNotFound, alice.get("/orgs/"+slug+"/").status)
		// The list shows inactive organizations, flagged.
		list := alice.get("/orgs").body
		require.Contains(t, list, "Acme Inc")
		require.Equal(t, 1, strings.Count(list, "badge inactive"))
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		for _, headers := range [][]string{
			{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
			{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
		} {
			res := alice.post("/orgs/"+slug+"/delete", nil, headers...)
			require.Equal(t, http.StatusForbidden, res.status)
			requireHTML(t, res)
			require.Contains(t, errorMessage(t, res.body), "other sites are refused")
			res = alice.post("/orgs", url.Values{"name": {"Evil"}}, headers...)
			require.Equal(t, http.StatusForbidden, res.status)
		}
		page, err := e.app.svc.OrganizationsForUser(t.Context(), "alice", organizations.ListOptions{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, slug, page.Items[0].Slug)
		// A same-origin post still works.
		require.Equal(t, http.StatusSeeOther, alice.post("/orgs/"+slug+"/delete", nil).status)
	})
}

// TestBadInputIsA4xxPage sends the mistakes a user can make and checks each gets its 4xx
// status as an HTML page that says what was wrong, and changes nothing.
func TestBadInputIsA4xxPage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
		_ = invite(t, alice, slug, "dup@example.com", "member")
		org := "/orgs/" + slug + "/"
		before := stateOf(t, e, slug)

		for _, c := range []struct {
			name, method, path string
			form               url.Values
			status             int
			says               string
		}{
			{"empty organization name", "POST", "/orgs", url.Values{"name": {"   "}}, 422, "organization name"},
			{"control character in name", "POST", "/orgs", url.Values{"name": {"a\x00b"}}, 422, "organization name"},
			{"malformed slug", "POST", "/orgs", url.Values{"name": {"X"}, "slug": {"Not A Slug"}}, 422, "slug"},
			{"taken slug", "POST", "/orgs", url.Values{"name": {"X"}, "slug": {slug}}, 409, "slug"},
			{"unknown role", "POST", org + "members/bob/role", url.Values{"role": {"owner"}}, 422, "role"},
			{"empty role", "POST", org + "members/bob/role", nil, 422, "role"},
			{"unknown member", "POST", org + "members/nobody/role", url.Values{"role": {"admin"}}, 404, "not a member"},
			{"remove unknown member", "POST", org + "members/nobody/remove", nil, 404, "not a member"},
			{"transfer to nobody", "POST", org + "transfer", nil, 422, "choose a member"},
			{"invalid email", "POST", org + "invitations", url.Values{"email": {"not-an-email"}}, 422, "email"},
			{"invalid invitation role", "POST", org + "invitations", url.Values{"email": {"x@example.com"}, "role": {"boss"}}, 422, "role"},
			{"already invited", "POST", org + "invitations", url.Values{"email": {"DUP@example.com"}}, 409, "pending invitation"},
			{"malformed invitation ID", "POST", org + "invitations/xyz/revoke", nil, 404, "not valid"},
			{"unknown invitation ID", "POST", org + "invitations/01890000-0000-7000-8000-000000000000/resend", nil, 404, "not valid"},
			{"malformed token", "GET", "/invitations/abc", nil, 404, "not valid"},
			{"forged token", "POST", "/invitations/" + strings.Repeat("A", 43) + "/accept", nil, 404, "not valid"},
			{"malformed activation", "POST", "/activate/abc", nil, 404, "not valid"},
			{"malformed members cursor", "GET", org + "?after=!!", nil, 400, "page link"},
			{"malformed list cursor", "GET", "/orgs?after=AAAA", nil, 400, "page link"},
			{"bad status", "POST", org + "edit", url.Values{"active": {"maybe"}}, 400, "status"},
			{"empty new name", "POST", org + "edit", url.Values{"name": {""}}, 422, "organization name"},
			{"bad user name", "POST", "/signin", url.Values{"name": {"Bad Name!"}, "email": {"x@example.com"}}, 422, "user names"},
			{"bad sign-in email", "POST", "/signin", url.Values{"name": {"zed"}, "email": {"zed"}}, 422, "email"},
			{"wrong email", "POST", "/signin", url.Values{"name": {"alice"}, "email": {"mallory@example.com"}}, 403, "another email"},
			{"email of another user", "POST", "/signin", url.Values{"name": {"mallory"}, "email": {"alice@example.com"}}, 409, "another user"},
			{"unknown organization", "GET", "/orgs/nope/", nil, 404, "no such organization"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var res response
				if c.method == "GET" {
					res = alice.get(c.path)
				} else {
					res = alice.post(c.path, c.form)
				}
				require.Equal(t, c.status, res.status, res.body)
				requireHTML(t, res)
				require.Contains(t, strings.ToLower(errorMessage(t, res.body)), c.says)
				require.Equal(t, before, stateOf(t, e, slug))
			})
		}

		t.Run("body too large", func(t *testing.T) {
			res := alice.post("/orgs", url.Values{"name": {strings.Repeat("x", maxForm)}})
			require.Equal(t, http.StatusRequestEntityTooLarge, res.status)
			requireHTML(t, res)
		})
		t.Run("not a form", func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/orgs", strings.NewReader("name=%zz"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res := alice.do(req)
			require.Equal(t, http.StatusBadRequest, res.status)
			requireHTML(t, res)
			require.Contains(t, errorMessage(t, res.body), "could not be read")
			require.Equal(t, before, stateOf(t, e, slug))
		})
	})
}

// stateOf summarises what the bad-input test must leave unchanged.
func stateOf(t *testing.T, e *env, slug string) string {
	t.Helper()
	ctx := t.Context()
	orgs, err := e.app.svc.OrganizationsForUser(ctx, "alice", organizations.ListOptions{})
	require.NoError(t, err)
	org := mustOrg(t, e, slug)
	members, err := e.app.svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	pending, err := e.app.svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	var b strings.Builder
	for _, o := range orgs.Items {
		b.WriteString(o.Name + "/" + o.Slug + " ")
	}
	for _, m := range members.Items {
		b.WriteString(string(m.UserID) + "=" + string(m.Role) + " ")
	}
	for _, inv := range pending.Items {
		b.WriteString(inv.Email + ":" + inv.ID.String() + " ")
	}
	u, _ := e.app.users.lookup("mallory")
	return b.String() + string(u.Name)
}
