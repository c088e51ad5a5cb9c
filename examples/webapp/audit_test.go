package main

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// auditRowRe matches one row of the audit table: its type and its sentence.
var auditRowRe = regexp.MustCompile(`(?s)<tr data-type="([a-z_]+)">.*?<td class="event">(.*?)</td>`)

// auditRows returns the audit page's rows as "type: sentence", top to bottom.
func auditRows(t *testing.T, page string) []string {
	t.Helper()
	var rows []string
	for _, m := range auditRowRe.FindAllStringSubmatch(page, -1) {
		rows = append(rows, m[1]+": "+html.UnescapeString(m[2]))
	}
	return rows
}

// nextLink returns the page's link to older events, or "".
func nextLink(page string) string {
	m := regexp.MustCompile(`<a href="([^"]*)" id="audit-next">`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// auditScenario makes, through the app, changes of most kinds in Acme (owned by alice)
// and some in Other (owned by oscar), and returns Acme's slug, alice and mia (a member),
// and oscar, with Acme's expected audit rows, newest first.
func auditScenario(t *testing.T, e *env) (slug string, alice, mia, oscar *client, want []string) {
	t.Helper()
	alice = e.signIn("alice", "alice@example.com")
	bob := e.signIn("bob", "bob@example.com")
	mia = e.signIn("mia", "mia@example.com")
	oscar = e.signIn("oscar", "oscar@example.com")
	slug = create(t, alice, "Acme")
	other := create(t, oscar, "Other")
	// Other's changes interleave with Acme's: none of them may show on Acme's page.
	otherLink := invite(t, oscar, other, "bob@example.com", "member")
	require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
	require.Equal(t, http.StatusSeeOther, bob.post(otherLink+"/accept", nil).status)
	require.Equal(t, http.StatusSeeOther, mia.post(invite(t, alice, slug, "mia@example.com", "member")+"/accept", nil).status)
	require.Equal(t, http.StatusSeeOther, oscar.post(orgPath(other, "members", "bob", "role"), url.Values{"role": {"admin"}}).status)
	require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "role"), url.Values{"role": {"admin"}}).status)
	require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "roles"), url.Values{"name": {"recruiter"}, "includes": {"member"}}).status)
	invite(t, alice, slug, "carol@example.com", "member")
	require.Equal(t, http.StatusSeeOther, bob.post(orgPath(slug, "invitations", pendingID(t, e, slug, "carol@example.com"), "revoke"), nil).status)
	require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "edit"), url.Values{"name": {"Acme Inc"}}).status)
	require.Equal(t, http.StatusSeeOther, bob.post(orgPath(other, "leave"), nil).status)
	want = []string{
		"organization_updated: alice changed the settings: now Acme Inc (acme), active",
		"invitation_revoked: bob revoked the invitation of carol@example.com",
		"invitation_created: alice invited carol@example.com as member",
		"custom_role_created: alice created the role recruiter",
		"role_changed: alice changed bob's role from member to admin",
		"user_added: mia joined as member",
		"invitation_accepted: mia accepted the invitation of mia@example.com and joined as member",
		"invitation_created: alice invited mia@example.com as member",
		"user_added: bob joined as member",
		"invitation_accepted: bob accepted the invitation of bob@example.com and joined as member",
		"invitation_created: alice invited bob@example.com as member",
		"organization_created: alice created the organization Acme",
	}
	return slug, alice, mia, oscar, want
}

// The audit page lists the organization's changes made through the app, newest first,
// each as a sentence, and none of another organization's; it pages with the filter kept;
// it filters by type and actor; a member gets 403, an outsider 404; a bad filter or page
// link is the 400 page.
func TestAuditLogPage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		slug, alice, mia, oscar, want := auditScenario(t, e)
		auditPath := orgPath(slug, "audit")

		// Linked from the organization page for the owner (and admins), not for members.
		require.Contains(t, alice.get(orgPath(slug)).body, `href="`+auditPath+`" id="audit-link"`)
		require.NotContains(t, mia.get(orgPath(slug)).body, `id="audit-link"`)

		page := alice.get(auditPath)
		require.Equal(t, http.StatusOK, page.status, page.body)
		requireHTML(t, page)
		require.Equal(t, want, auditRows(t, page.body))
		require.NotContains(t, page.body, "Other")
		require.NotContains(t, page.body, "oscar")
		require.Empty(t, nextLink(page.body))
		require.Contains(t, page.body, "<td><strong>alice</strong></td>")

		// Paging: two rows a page, following the links, gives the same rows.
		e.app.auditPageSize = 2
		var paged []string
		pages := 0
		for path := auditPath; path != ""; pages++ {
			res := alice.get(path)
			require.Equal(t, http.StatusOK, res.status, res.body)
			rows := auditRows(t, res.body)
			require.LessOrEqual(t, len(rows), 2)
			paged = append(paged, rows...)
			if pages > 0 {
				require.Contains(t, res.body, `id="audit-first"`)
			}
			path = nextLink(res.body)
			require.Less(t, pages, 20, "the next links go round")
		}
		require.Equal(t, want, paged)
		require.Equal(t, 6, pages)

		// Filters; the next link keeps them.
		res := alice.get(auditPath + "?type=invitation_created")
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Equal(t, []string{want[2], want[7]}, auditRows(t, res.body))
		require.Equal(t, auditPath+"?after=", nextLink(res.body)[:len(auditPath)+7])
		require.Contains(t, nextLink(res.body), "type=invitation_created")
		require.Equal(t, []string{want[10]}, auditRows(t, alice.get(nextLink(res.body)).body))
		e.app.auditPageSize = auditPageSize
		res = alice.get(auditPath + "?actor=bob")
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Equal(t, []string{want[1], want[8], want[9]}, auditRows(t, res.body))
		res = alice.get(auditPath + "?actor=bob&type=user_added")
		require.Equal(t, []string{want[8]}, auditRows(t, res.body))
		res = alice.get(auditPath + "?actor=oscar")
		require.Equal(t, http.StatusOK, res.status)
		require.Empty(t, auditRows(t, res.body))
		require.Contains(t, res.body, `id="audit-empty"`)

		// bob, an admin now, sees it; mia, a member, gets 403; oscar, an outsider, 404.
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, want, auditRows(t, bob.get(auditPath).body))
		res = mia.get(auditPath)
		require.Equal(t, http.StatusForbidden, res.status)
		requireHTML(t, res)
		require.NotContains(t, res.body, "carol@example.com")
		res = oscar.get(auditPath)
		require.Equal(t, http.StatusNotFound, res.status)
		require.NotContains(t, res.body, "carol@example.com")

		// Bad filters and page links: the 400 page, with what to do.
		for _, q := range []string{"?type=nope", "?type=user_added%27", "?actor=Bad%20Name!", "?actor=" + strings.Repeat("a", 40), "?after=notacursor", "?after=AAAAAAAAAAAAAAAAAAAAAA"} {
			res := alice.get(auditPath + q)
			require.Equal(t, http.StatusBadRequest, res.status, "%s: %s", q, res.body)
			requireHTML(t, res)
			require.NotEmpty(t, errorMessage(t, res.body), q)
		}
		require.Contains(t, errorMessage(t, alice.get(auditPath+"?type=nope").body), "choose one from the list")
		require.Contains(t, errorMessage(t, alice.get(auditPath+"?actor=Bad%20Name!").body), "user name")
	})
}

// describe has a sentence for every event type, records with no actor included, and falls
// back to the type name for a type it does not know or data it cannot decode.
func TestDescribe(t *testing.T) {
	t.Parallel()
	ou := func(u organizations.UserID, role organizations.Role) organizations.OrganizationUser {
		return organizations.OrganizationUser{UserID: u, Role: role}
	}
	inv := organizations.Invitation{Email: "dan@example.com", Role: organizations.RoleMember}
	acme := organizations.Organization{Name: "Acme", Slug: "acme"}
	role := organizations.CustomRole{Name: "recruiter"}
	transfer := organizations.OwnershipTransfer{Nominee: "bob", ProposedBy: "alice"}
	cases := []struct {
		ev   organizations.Event
		want string
	}{
		{organizations.OrganizationCreated{Organization: acme, Actor: "alice"}, "alice created the organization Acme"},
		{organizations.OrganizationCreated{Organization: acme, Owner: "alice"}, "alice created the organization Acme"},
		{organizations.OrganizationCreated{Organization: acme}, "The organization Acme was created"},
		{organizations.OrganizationUpdated{Organization: acme, Actor: "alice"}, "alice changed the settings: now Acme (acme), inactive"},
		{organizations.OrganizationDeleted{Organization: acme, Actor: "alice"}, "alice deleted the organization Acme"},
		{organizations.UserAdded{OrganizationUser: ou("bob", "member"), Actor: "alice"}, "alice added bob as member"},
		{organizations.UserAdded{OrganizationUser: ou("bob", "member")}, "The app added bob as member"},
		{organizations.UserRemoved{OrganizationUser: ou("bob", "member"), Actor: "alice"}, "alice removed bob"},
		{organizations.UserRemoved{OrganizationUser: ou("bob", "member"), Actor: "bob"}, "bob left the organization"},
		{organizations.RoleChanged{Old: ou("bob", "member"), New: ou("bob", "admin"), Actor: "alice"}, "alice changed bob's role from member to admin"},
		{organizations.OwnerChanged{Old: ou("alice", "admin"), New: ou("bob", "admin"), Actor: "alice"}, "alice transferred ownership to bob"},
		{organizations.OwnerChanged{Old: ou("alice", "admin"), New: ou("bob", "admin")}, "The app transferred ownership from alice to bob"},
		{organizations.InvitationCreated{Invitation: inv, Actor: "alice"}, "alice invited dan@example.com as member"},
		{organizations.InvitationDeclined{Invitation: inv}, "dan@example.com declined the invitation"},
		{organizations.InvitationRevoked{Invitation: inv, Actor: "alice"}, "alice revoked the invitation of dan@example.com"},
		{organizations.CustomRoleCreated{Role: role, Actor: "alice"}, "alice created the role recruiter"},
		{organizations.CustomRoleUpdated{Old: role, New: role, Actor: "alice"}, "alice changed the role recruiter"},
		{organizations.CustomRoleDeleted{Role: role, Actor: "alice"}, "alice deleted the role recruiter"},
		{organizations.OwnerChanged{Old: ou("alice", "admin"), New: ou("bob", "admin"), Actor: "bob"}, "bob took over ownership from alice"},
		{organizations.RoleChanged{Old: ou("bob", "member"), New: ou("bob", "admin"), Actor: "bob"}, "bob's role changed from member to admin"},
		{organizations.MemberSuspended{OrganizationUser: ou("bob", "member"), Actor: "alice"}, "alice suspended bob"},
		{organizations.MemberReactivated{OrganizationUser: ou("bob", "member"), Actor: "alice"}, "alice reactivated bob"},
		{organizations.OwnershipTransferProposed{Transfer: transfer, Actor: "alice"}, "alice proposed to transfer ownership to bob"},
		{organizations.OwnershipTransferAccepted{Transfer: transfer, Actor: "bob"}, "bob accepted the ownership transfer from alice"},
		{organizations.OwnershipTransferDeclined{Transfer: transfer, Actor: "bob"}, "bob declined the ownership transfer from alice"},
		{organizations.OwnershipTransferCancelled{Transfer: transfer, Actor: "alice"}, "alice cancelled the ownership transfer to bob"},
	}
	for _, c := range cases {
		data, err := json.Marshal(c.ev)
		require.NoError(t, err)
		require.Equal(t, c.want, describe(organizations.EventRecord{Type: c.ev.EventName(), Data: data}))
	}
	require.Equal(t, "invoice_paid", describe(organizations.EventRecord{Type: "invoice_paid", Data: []byte(`{}`)}))
	require.Equal(t, "user_added", describe(organizations.EventRecord{Type: "user_added", Data: []byte(`not json`)}))
}

// TestAuditFilterAcceptsEveryEventType: the type filter offers and accepts every event
// type the library defines (organizations.EventTypes), the lifecycle ones included: a
// suspension and a reactivation each show under their own type.
func TestAuditFilterAcceptsEveryEventType(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		e.signIn("bob", "bob@example.com")
		slug := create(t, alice, "Acme")
		_, err := e.app.svc.AddUser(t.Context(), mustOrg(t, e, slug).ID, "bob", organizations.RoleMember)
		require.NoError(t, err)
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "suspend"), nil).status)
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "reactivate"), nil).status)
		auditPath := orgPath(slug, "audit")
		page := alice.get(auditPath).body
		for _, typ := range organizations.EventTypes() {
			require.True(t, strings.Contains(page, `<option value="`+typ+`">`), "the filter offers %s", typ)
			res := alice.get(auditPath + "?type=" + typ)
			require.Equal(t, http.StatusOK, res.status, "%s: %s", typ, res.body)
			for _, row := range auditRows(t, res.body) {
				require.True(t, strings.HasPrefix(row, typ+": "), "%s filter shows %s", typ, row)
			}
		}
		require.Equal(t, []string{"member_suspended: alice suspended bob"}, auditRows(t, alice.get(auditPath+"?type=member_suspended").body))
		require.Equal(t, []string{"member_reactivated: alice reactivated bob"}, auditRows(t, alice.get(auditPath+"?type=member_reactivated").body))
	})
}
