package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// setLimit has c set the organization's member limit through its settings form.
func setLimit(t *testing.T, c *client, slug, limit string) {
	t.Helper()
	res := c.post(orgPath(slug, "edit"), url.Values{"max_members": {limit}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
}

// seatsOf returns the seats line of an organization page.
func seatsOf(t *testing.T, page string) string {
	t.Helper()
	return between(t, page, `<p class="muted small" id="seats">`, "</p>")
}

// TestSeatLimit: the limit set in the settings shows on the organization page; an
// invitation at the limit (pending invitations hold a seat) and an accept at the limit
// are refused with 409 and a message, changing nothing; the refused invitation stays
// pending and can be accepted once a seat frees.
func TestSeatLimit(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@example.com")
		bob := e.signIn("bob", "bob@example.com")
		carol := e.signIn("carol", "carol@example.com")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		require.Contains(t, seatsOf(t, alice.get(orgPath(slug)).body), "1 member, 0 pending invitations · no member limit")

		// Bad limits come back on the form.
		for _, bad := range []string{"-1", "many"} {
			res := alice.post(orgPath(slug, "edit"), url.Values{"max_members": {bad}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status, bad)
			require.Contains(t, errorMessage(t, between(t, res.body, "<h1>Edit Acme</h1>", "</form>")), "member limit")
			require.Contains(t, res.body, `value="`+bad+`"`)
		}
		setLimit(t, alice, slug, "2")
		require.Contains(t, alice.get(orgPath(slug, "edit")).body, `name="max_members" min="0" value="2"`)
		require.Contains(t, seatsOf(t, alice.get(orgPath(slug)).body), "1 of 2 seats used")

		bobLink := invite(t, alice, slug, "bob@example.com", "member")
		require.Contains(t, seatsOf(t, alice.get(orgPath(slug)).body), "2 of 2 seats used (1 member, 1 pending invitation) · <strong>no free seat</strong>")
		require.Contains(t, seatsOf(t, alice.get(orgPath(slug, "invitations")).body), "2 of 2 seats used: each pending invitation holds one. <strong>No free seat</strong>")
		// Invite at the limit: the form again, with 409 and the reason.
		res := alice.post(orgPath(slug, "invitations"), url.Values{"email": {"carol@example.com"}, "role": {"member"}})
		require.Equal(t, http.StatusConflict, res.status)
		form := between(t, res.body, "<h2>Invite someone</h2>", "</form>")
		require.Contains(t, errorMessage(t, form), "no free seat")
		require.Contains(t, form, `value="carol@example.com"`)
		pending, err := e.app.svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
		require.NoError(t, err)
		require.Len(t, pending.Items, 1)

		// Accept at the limit: carol is invited under a limit of 3, then it drops to 2.
		setLimit(t, alice, slug, "3")
		carolLink := invite(t, alice, slug, "carol@example.com", "member")
		setLimit(t, alice, slug, "2")
		require.Equal(t, http.StatusSeeOther, bob.post(bobLink+"/accept", nil).status)
		res = carol.post(carolLink+"/accept", nil)
		require.Equal(t, http.StatusConflict, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "Your invitation stays pending")
		ok, err := e.app.svc.IsMember(ctx, org.ID, "carol")
		require.NoError(t, err)
		require.False(t, ok)
		require.Equal(t, http.StatusNotFound, carol.get(orgPath(slug)).status)
		// Once a seat frees, the same link works.
		setLimit(t, alice, slug, "")
		require.Equal(t, http.StatusSeeOther, carol.post(carolLink+"/accept", nil).status)
		require.Contains(t, seatsOf(t, alice.get(orgPath(slug)).body), "3 members, 0 pending invitations · no member limit")
	})
}

// TestSuspendAndReactivate: an admin suspends a member, who keeps their row (marked
// suspended) but gets 404 on the organization's pages and loses it from their list;
// reactivated, they have access again. Only those who may suspend see the buttons and get
// through; the owner cannot be suspended; reactivating needs a free seat.
func TestSuspendAndReactivate(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@example.com")
		bob := e.signIn("bob", "bob@example.com")
		mia := e.signIn("mia", "mia@example.com")
		adam := e.signIn("adam", "adam@example.com")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		for u, role := range map[organizations.UserID]organizations.Role{"bob": "member", "mia": "member", "adam": "admin"} {
			_, err := e.app.svc.AddUser(ctx, org.ID, u, role)
			require.NoError(t, err)
		}
		page := orgPath(slug)
		require.Equal(t, http.StatusOK, bob.get(page).status)
		require.Contains(t, memberRowOf(t, adam.get(page).body, "bob"), "/members/bob/suspend")
		require.NotContains(t, mia.get(page).body, "/suspend")
		require.Equal(t, http.StatusForbidden, mia.post(orgPath(slug, "members", "bob", "suspend"), nil).status)

		res := adam.post(orgPath(slug, "members", "bob", "suspend"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		row := memberRowOf(t, adam.get(page).body, "bob")
		require.Contains(t, row, `<span class="badge inactive">suspended</span>`)
		require.Contains(t, row, "/members/bob/reactivate")
		// The suspended member is an outsider: 404 on the pages, gone from the list.
		require.Equal(t, http.StatusNotFound, bob.get(page).status)
		require.Equal(t, http.StatusNotFound, bob.get(orgPath(slug, "roles")).status)
		require.Equal(t, http.StatusNotFound, bob.post(orgPath(slug, "leave"), nil).status)
		require.NotContains(t, bob.get("/orgs").body, "/orgs/"+slug+"/")
		// The filter lists the suspended members only.
		filtered := alice.get(page + "?status=suspended").body
		require.Contains(t, filtered, `<tr data-user="bob">`)
		require.NotContains(t, filtered, `<tr data-user="mia">`)
		require.NotContains(t, alice.get(page+"?status=active").body, `<tr data-user="bob">`)
		adminsOnly := alice.get(page + "?role=admin").body
		require.Contains(t, adminsOnly, `<tr data-user="adam">`)
		require.NotContains(t, adminsOnly, `<tr data-user="mia">`)
		require.Equal(t, http.StatusBadRequest, alice.get(page+"?status=gone").status)

		// The owner cannot be suspended.
		res = adam.post(orgPath(slug, "members", "alice", "suspend"), nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "cannot be suspended")

		// Reactivating needs a seat: with the limit at the three active members, refused.
		setLimit(t, alice, slug, "3")
		res = adam.post(orgPath(slug, "members", "bob", "reactivate"), nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "no free seat")
		require.Equal(t, http.StatusNotFound, bob.get(page).status)
		setLimit(t, alice, slug, "4")
		res = adam.post(orgPath(slug, "members", "bob", "reactivate"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "Reactivated bob.", flashOf(t, adam.get(page).body))
		require.Equal(t, http.StatusOK, bob.get(page).status)
		require.Contains(t, bob.get("/orgs").body, "/orgs/"+slug+"/")
	})
}

// TestTransferDeclineCancelAndOthers: the nominee declines; the owner cancels, after
// which accepting finds nothing; a member who is not the nominee cannot see the answer
// page or accept (403), an outsider gets 404; suspending the nominee closes the proposal.
func TestTransferDeclineCancelAndOthers(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@example.com")
		bob := e.signIn("bob", "bob@example.com")
		carol := e.signIn("carol", "carol@example.com")
		oscar := e.signIn("oscar", "oscar@example.com")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		for _, u := range []organizations.UserID{"bob", "carol"} {
			_, err := e.app.svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
			require.NoError(t, err)
		}
		owner := func() organizations.UserID {
			o, err := e.app.svc.Owner(ctx, org.ID)
			require.NoError(t, err)
			return o.OrganizationUser.UserID
		}
		propose := func() {
			res := alice.post(orgPath(slug, "transfer"), url.Values{"user": {"bob"}})
			require.Equal(t, http.StatusSeeOther, res.status, res.body)
		}

		propose()
		require.NotContains(t, carol.get(orgPath(slug)).body, `id="transfer-offer"`)
		require.Equal(t, http.StatusForbidden, carol.get(orgPath(slug, "transfer", "respond")).status)
		require.Equal(t, http.StatusForbidden, carol.post(orgPath(slug, "transfer", "accept"), nil).status)
		require.Equal(t, http.StatusForbidden, carol.post(orgPath(slug, "transfer", "decline"), nil).status)
		require.Equal(t, http.StatusForbidden, alice.post(orgPath(slug, "transfer", "accept"), nil).status)
		require.Equal(t, http.StatusNotFound, oscar.post(orgPath(slug, "transfer", "accept"), nil).status)
		require.Equal(t, http.StatusForbidden, bob.post(orgPath(slug, "transfer", "cancel"), nil).status)
		require.Equal(t, organizations.UserID("alice"), owner())

		res := bob.post(orgPath(slug, "transfer", "decline"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.NotContains(t, alice.get(orgPath(slug)).body, `id="transfer-proposal"`)
		require.Equal(t, http.StatusNotFound, bob.get(orgPath(slug, "transfer", "respond")).status)
		require.Equal(t, http.StatusNotFound, bob.post(orgPath(slug, "transfer", "accept"), nil).status)

		propose()
		res = alice.post(orgPath(slug, "transfer", "cancel"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.NotContains(t, bob.get(orgPath(slug)).body, `id="transfer-offer"`)
		require.Equal(t, http.StatusNotFound, bob.post(orgPath(slug, "transfer", "accept"), nil).status)
		require.Equal(t, http.StatusNotFound, alice.post(orgPath(slug, "transfer", "cancel"), nil).status)

		// Suspending the nominee closes the proposal.
		propose()
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "suspend"), nil).status)
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "reactivate"), nil).status)
		require.Equal(t, http.StatusNotFound, bob.post(orgPath(slug, "transfer", "accept"), nil).status)
		require.Equal(t, organizations.UserID("alice"), owner())

		// Proposing to oneself or a suspended member is refused on the form.
		res = alice.get(orgPath(slug, "transfer") + "?user=alice")
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, between(t, res.body, "<h2>Transfer ownership</h2>", "</form>")), "already own")
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "carol", "suspend"), nil).status)
		require.Equal(t, http.StatusNotFound, alice.get(orgPath(slug, "transfer")+"?user=carol").status)
		require.Equal(t, http.StatusNotFound, alice.post(orgPath(slug, "transfer"), url.Values{"user": {"carol"}}).status)
		// Suspended members are not offered as the new owner.
		form := between(t, alice.get(orgPath(slug)).body, `id="transfer-form"`, "</form>")
		require.Contains(t, form, `<option value="bob">bob</option>`)
		require.NotContains(t, form, "carol")
	})
}

// TestDeleteAccount: deleting one's account is refused, changing nothing, until each
// owned organization has a choice that can be carried out; then it removes every
// membership, deletes or hands over the owned organizations as chosen, deletes the user
// and ends all their sessions.
func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@example.com")
		aliceElsewhere := e.signIn("alice", "alice@example.com") // a second browser
		_ = e.signIn("adam", "adam@example.com")
		oscar := e.signIn("oscar", "oscar@example.com")
		acme := mustOrg(t, e, create(t, alice, "Acme"))
		solo := mustOrg(t, e, create(t, alice, "Solo"))
		other := mustOrg(t, e, create(t, oscar, "Other"))
		_, err := e.app.svc.AddUser(ctx, acme.ID, "adam", organizations.RoleAdmin)
		require.NoError(t, err)
		_, err = e.app.svc.AddUser(ctx, other.ID, "alice", organizations.RoleMember)
		require.NoError(t, err)
		state := func() string {
			var b strings.Builder
			for _, org := range []organizations.Organization{acme, solo, other} {
				o, err := e.app.svc.Owner(ctx, org.ID)
				if err != nil {
					b.WriteString(org.Name + ":" + err.Error() + " ")
					continue
				}
				ok, err := e.app.svc.IsMember(ctx, org.ID, "alice")
				require.NoError(t, err)
				b.WriteString(org.Name + ":" + string(o.OrganizationUser.UserID) + ":" + map[bool]string{true: "alice-in", false: "alice-out"}[ok] + " ")
			}
			return b.String()
		}
		before := state()

		require.Contains(t, alice.get("/account").body, `id="delete-account-link"`)
		page := alice.get("/account/delete").body
		require.Contains(t, between(t, page, `<tr data-org="solo">`, "</tr>"), "no other admin")
		require.Contains(t, between(t, page, `<tr data-org="acme">`, "</tr>"), `value="transfer"`)
		require.NotContains(t, page, `data-org="other"`)

		deleteWith := func(choices map[*organizations.Organization]string) response {
			form := url.Values{}
			for org, c := range choices {
				form.Set(ownedField(org.ID), c)
			}
			return alice.post("/account/delete", form)
		}
		// No choice for Solo: refused, nothing changed, still signed in.
		res := deleteWith(map[*organizations.Organization]string{&acme: "transfer"})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "choose, for each")
		require.Contains(t, res.body, `value="transfer" aria-label="Hand Acme to its admin" checked`)
		require.Equal(t, before, state())
		// Solo has no admin to take it.
		res = deleteWith(map[*organizations.Organization]string{&acme: "transfer", &solo: "transfer"})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "no other active admin")
		require.Equal(t, before, state())
		require.Equal(t, http.StatusBadRequest, deleteWith(map[*organizations.Organization]string{&acme: "keep"}).status)
		require.Equal(t, http.StatusOK, alice.get("/orgs").status)

		res = deleteWith(map[*organizations.Organization]string{&acme: "transfer", &solo: "delete"})
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Contains(t, res.body, `id="deleted"`)
		require.Contains(t, res.body, "Deleted Solo.")
		require.Contains(t, res.body, "adam now owns")
		require.NotContains(t, res.body, `id="whoami"`)
		require.Equal(t, "Acme:adam:alice-out Solo:organization not found Other:oscar:alice-out ", strings.ReplaceAll(state(), "organizations: ", ""))
		_, known := e.app.users.lookup("alice")
		require.False(t, known)
		// Signed out everywhere, even once someone else takes the name.
		require.Equal(t, http.StatusUnauthorized, alice.get("/orgs").status)
		require.Equal(t, http.StatusUnauthorized, aliceElsewhere.get("/orgs").status)
		_ = e.signIn("alice", "new-alice@example.com")
		require.Equal(t, http.StatusUnauthorized, aliceElsewhere.get("/orgs").status)
	})
}
