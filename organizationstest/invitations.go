package organizationstest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func invitationTests() []test {
	return []test{
		{"CreateAndRead", testInvitationCreateAndRead},
		{"CreatePermission", testInvitationPermission},
		{"AlreadyInvited", testAlreadyInvited},
		{"StatusAsOfNow", testInvitationStatusAsOfNow},
		{"NotFound", testInvitationNotFound},
		{"PendingInvitations", testPendingInvitations},
		{"InvitationsForEmail", testInvitationsForEmail},
		{"DeleteInvitation", testDeleteInvitation},
	}
}

// newInvitation returns a fully formed invitation, as the Service would make it, created
// now and expiring after ttl.
func (h *harness) newInvitation(org uuid.UUID, by organizations.UserID, email string, role organizations.Role, bearer bool, ttl time.Duration) organizations.Invitation {
	now := h.now()
	return organizations.Invitation{
		ID: h.id(), OrganizationID: org, Email: email, Role: role, InvitedBy: by, Bearer: bearer,
		Status: organizations.InvitationStatusPending, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
}

// invite stores inv with a fresh token and returns the token's hash.
func (h *harness) invite(inv organizations.Invitation) []byte {
	h.t.Helper()
	hash := h.tokenHash()
	org, err := h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: hash, Now: h.now()})
	require.NoError(h.t, err)
	require.Equal(h.t, inv.OrganizationID, org.ID, "CreateInvitation returns the invitation's organization")
	requireSameOrg(h.t, h.org(inv.OrganizationID), org)
	return hash
}

// invitation reads an invitation back by ID, its status as of the clock.
func (h *harness) invitation(id uuid.UUID) organizations.Invitation {
	h.t.Helper()
	inv, err := h.store.Invitation(h.ctx, id, h.now())
	require.NoError(h.t, err)
	return inv
}

// inviteFixture is an organization with an owner, a second admin and a plain member.
func inviteFixture(h *harness) organizations.Organization {
	h.t.Helper()
	org := h.createOrg("owner", "Band", nil)
	h.addUser(org.ID, "admin", organizations.RoleAdmin)
	h.addUser(org.ID, "member", organizations.RoleMember)
	return org
}

func (h *harness) pending(org uuid.UUID) []organizations.Invitation {
	h.t.Helper()
	got, err := h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org, After: uuid.Nil, Limit: 1000, Now: h.now()})
	require.NoError(h.t, err)
	return got
}

func testInvitationCreateAndRead(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleAdmin, false, time.Hour)
	hash := h.invite(inv)

	got, err := h.store.InvitationByTokenHash(h.ctx, hash, h.now())
	require.NoError(t, err)
	requireSameDetails(t, inv, h.org(org.ID), got, "stored as given, pending, not responded, with its organization")
	require.Equal(t, organizations.InvitationStatusPending, got.Status)
	require.True(t, got.RespondedAt.IsZero())
	require.Empty(t, got.AcceptedBy)
	requireSameInvitation(t, inv, h.invitation(inv.ID))
	requireSameInvitations(t, []organizations.Invitation{inv}, h.pending(org.ID))

	byOwner := h.newInvitation(org.ID, "owner", "bob@example.com", organizations.RoleMember, true, time.Hour)
	h.invite(byOwner)
	requireSameInvitation(t, byOwner, h.invitation(byOwner.ID), "the owner is an admin and may invite; Bearer kept")

	// The ID is not the token: the ID's bytes, hashed or not, find nothing.
	for _, guess := range [][]byte{inv.ID[:], sha256Of(inv.ID[:]), sha256Of([]byte(inv.ID.String()))} {
		_, err := h.store.InvitationByTokenHash(h.ctx, guess, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	}
	h.requireNoEvents()
}

func sha256Of(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

func testInvitationPermission(t *testing.T, h *harness) {
	org := inviteFixture(h)
	other := h.createOrg("stranger", "Other", nil)
	for _, by := range []organizations.UserID{"member", "stranger", "nobody"} {
		inv := h.newInvitation(org.ID, by, "ann@example.com", organizations.RoleMember, false, time.Hour)
		hash := h.tokenHash()
		require.ErrorIs(t, errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: hash, Now: h.now()})), organizations.ErrPermissionDenied, "%q", by)
		_, err := h.store.InvitationByTokenHash(h.ctx, hash, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "nothing stored")
		_, err = h.store.Invitation(h.ctx, inv.ID, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	}
	inv := h.newInvitation(h.id(), "owner", "ann@example.com", organizations.RoleMember, false, time.Hour)
	require.ErrorIs(t, errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: h.now()})), organizations.ErrOrganizationNotFound)

	// A demoted admin loses the right, a promoted member gains it.
	_, err := h.svc.SetRole(h.ctx, org.ID, "admin", organizations.RoleMember)
	require.NoError(t, err)
	_, err = h.svc.SetRole(h.ctx, org.ID, "member", organizations.RoleAdmin)
	require.NoError(t, err)
	h.events.take()
	inv = h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	require.ErrorIs(t, errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: h.now()})), organizations.ErrPermissionDenied)
	inv.InvitedBy = "member"
	h.invite(inv)

	require.Empty(t, h.pending(other.ID))
	require.Len(t, h.pending(org.ID), 1)
}

func testAlreadyInvited(t *testing.T, h *harness) {
	org := inviteFixture(h)
	other := h.createOrg("owner", "Other", nil)
	first := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(first)
	again := func() error {
		inv := h.newInvitation(org.ID, "owner", "ann@example.com", organizations.RoleAdmin, true, time.Hour)
		return errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: h.now()}))
	}
	require.ErrorIs(t, again(), organizations.ErrAlreadyInvited, "whoever invites, whatever role")
	member := h.newInvitation(org.ID, "member", "ann@example.com", organizations.RoleMember, false, time.Hour)
	require.ErrorIs(t, errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: member.InvitedBy}, Invitation: member, TokenHash: h.tokenHash(), Now: h.now()})), organizations.ErrPermissionDenied,
		"permission is checked before duplicates")
	h.invite(h.newInvitation(other.ID, "owner", "ann@example.com", organizations.RoleMember, false, time.Hour))
	h.invite(h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Hour))
	requireSameInvitations(t, []organizations.Invitation{first}, filterEmail(h.pending(org.ID), "ann@example.com"))

	// Allowed again once the pending one expired...
	h.clock.Advance(2 * time.Hour)
	second := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	secondHash := h.invite(second)
	require.Equal(t, organizations.InvitationStatusExpired, h.invitation(first.ID).Status)
	require.ErrorIs(t, again(), organizations.ErrAlreadyInvited)

	// ... was declined ...
	_, err := h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: secondHash, Email: "ann@example.com", Now: h.now()})
	require.NoError(t, err)
	third := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(third)
	require.ErrorIs(t, again(), organizations.ErrAlreadyInvited)

	// ... or was revoked.
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: third.ID, Now: h.now()})
	require.NoError(t, err)
	fourth := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(fourth)
	requireSameInvitations(t, []organizations.Invitation{fourth}, filterEmail(h.pending(org.ID), "ann@example.com"))
}

func filterEmail(invs []organizations.Invitation, email string) []organizations.Invitation {
	var out []organizations.Invitation
	for _, inv := range invs {
		if inv.Email == email {
			out = append(out, inv)
		}
	}
	return out
}

func testInvitationStatusAsOfNow(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	for _, c := range []struct {
		at   time.Time
		want organizations.InvitationStatus
	}{
		{inv.CreatedAt, organizations.InvitationStatusPending},
		{inv.ExpiresAt.Add(-time.Microsecond), organizations.InvitationStatusPending},
		{inv.ExpiresAt.Add(time.Microsecond), organizations.InvitationStatusExpired},
		{inv.ExpiresAt.Add(24 * time.Hour), organizations.InvitationStatusExpired},
		// Expiry is computed, not stored: an earlier "now" sees it pending again.
		{inv.CreatedAt.Add(time.Minute), organizations.InvitationStatusPending},
	} {
		got, err := h.store.InvitationByTokenHash(h.ctx, hash, c.at)
		require.NoError(t, err)
		require.Equal(t, c.want, got.Status, "at %v", c.at)
		want := inv
		want.Status = c.want
		requireSameDetails(t, want, org, got)
		byID, err := h.store.Invitation(h.ctx, inv.ID, c.at)
		require.NoError(t, err)
		requireSameInvitation(t, want, byID)
	}
	late := inv.ExpiresAt.Add(time.Microsecond)
	pending, err := h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 10, Now: late})
	require.NoError(t, err)
	require.Empty(t, pending, "an expired invitation is not pending")
	forEmail, err := h.store.InvitationsForEmail(h.ctx, "ann@example.com", late)
	require.NoError(t, err)
	require.Empty(t, forEmail)
}

func testInvitationNotFound(t *testing.T, h *harness) {
	org := inviteFixture(h)
	h.invite(h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour))
	for _, hash := range [][]byte{nil, {}, {1, 2, 3}, h.tokenHash(), make([]byte, sha256.Size), make([]byte, 64)} {
		_, err := h.store.InvitationByTokenHash(h.ctx, hash, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "%x", hash)
	}
	for _, id := range []uuid.UUID{uuid.Nil, h.id(), org.ID} {
		_, err := h.store.Invitation(h.ctx, id, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "%s", id)
	}
}

func testPendingInvitations(t *testing.T, h *harness) {
	org := inviteFixture(h)
	other := h.createOrg("owner", "Other", nil)
	mk := func(email string, ttl time.Duration) (organizations.Invitation, []byte) {
		inv := h.newInvitation(org.ID, "admin", email, organizations.RoleMember, false, ttl)
		return inv, h.invite(inv)
	}
	p1, _ := mk("p1@example.com", time.Hour)
	_, declinedHash := mk("declined@example.com", time.Hour)
	p2, _ := mk("p2@example.com", time.Hour)
	revoked, _ := mk("revoked@example.com", time.Hour)
	mk("expired@example.com", time.Minute)
	p3, _ := mk("p3@example.com", time.Hour)
	_, acceptedHash := mk("accepted@example.com", time.Hour)
	p4, _ := mk("p4@example.com", time.Hour)
	h.invite(h.newInvitation(other.ID, "owner", "p1@example.com", organizations.RoleMember, false, time.Hour))

	h.clock.Advance(2 * time.Minute)
	now := h.now()
	_, err := h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: declinedHash, Email: "declined@example.com", Now: now})
	require.NoError(t, err)
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: revoked.ID, Now: now})
	require.NoError(t, err)
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "acc"}, TokenHash: acceptedHash, Email: "accepted@example.com", Membership: h.newMembership(org.ID, "acc"), Now: now})
	require.NoError(t, err)

	want := []organizations.Invitation{p1, p2, p3, p4}
	requireSameInvitations(t, want, h.pending(org.ID), "only pending, unexpired ones, ascending ID")
	page, err := h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 2, Now: now})
	require.NoError(t, err)
	requireSameInvitations(t, want[:2], page)
	page, err = h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: page[1].ID, Limit: 2, Now: now})
	require.NoError(t, err)
	requireSameInvitations(t, want[2:], page)
	page, err = h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: page[1].ID, Limit: 2, Now: now})
	require.NoError(t, err)
	require.Empty(t, page)
	page, err = h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: revoked.ID, Limit: 10, Now: now})
	require.NoError(t, err)
	requireSameInvitations(t, want[2:], page, "the cursor may be an invitation that is no longer pending")

	_, err = h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: h.id(), After: uuid.Nil, Limit: 10, Now: now})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}

func testInvitationsForEmail(t *testing.T, h *harness) {
	a := inviteFixture(h)
	b := h.createOrg("owner", "B", nil)
	c := h.createOrg("owner", "C", nil)
	d := h.createOrg("owner", "D", nil)
	inA := h.newInvitation(a.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(inA)
	h.invite(h.newInvitation(a.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Hour))
	inB := h.newInvitation(b.ID, "owner", "ann@example.com", organizations.RoleAdmin, true, time.Hour)
	hashB := h.invite(inB)
	inC := h.newInvitation(c.ID, "owner", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(inC)
	h.invite(h.newInvitation(d.ID, "owner", "ann@example.com", organizations.RoleMember, false, time.Minute))
	_, err := h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: inC.ID, Now: h.now()})
	require.NoError(t, err)
	h.clock.Advance(2 * time.Minute)

	got, err := h.store.InvitationsForEmail(h.ctx, "ann@example.com", h.now())
	require.NoError(t, err)
	require.Len(t, got, 2, "pending, unexpired, across organizations")
	requireSameDetails(t, inA, a, got[0], "ascending ID, each with its organization")
	requireSameDetails(t, inB, b, got[1], "ascending ID, each with its organization")
	got, err = h.store.InvitationsForEmail(h.ctx, "nobody@example.com", h.now())
	require.NoError(t, err)
	require.NotNil(t, got, "none is an empty, non-nil slice")
	require.Empty(t, got)

	// The organization is read with the invitation, not copied when it was made: a
	// renamed organization shows its new name and slug, an activated one its state.
	renamed, err := h.svc.UpdateOrganization(h.ctx, b.ID, organizations.OrganizationUpdate{
		Name: ptr("B Renamed"), Slug: ptr("b-renamed"), IsActive: ptr(false),
	})
	require.NoError(t, err)
	h.events.take()
	got, err = h.store.InvitationsForEmail(h.ctx, "ann@example.com", h.now())
	require.NoError(t, err)
	require.Len(t, got, 2)
	requireSameDetails(t, inA, a, got[0])
	requireSameDetails(t, inB, renamed, got[1], "the organization as it is now")
	byHash, err := h.store.InvitationByTokenHash(h.ctx, hashB, h.now())
	require.NoError(t, err)
	requireSameDetails(t, inB, renamed, byHash, "the organization as it is now")
}

func testDeleteInvitation(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	keep := h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(keep)

	require.NoError(t, h.store.DeleteInvitation(h.ctx, inv.ID))
	_, err := h.store.InvitationByTokenHash(h.ctx, hash, h.now())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = h.store.Invitation(h.ctx, inv.ID, h.now())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	requireSameInvitations(t, []organizations.Invitation{keep}, h.pending(org.ID))

	require.NoError(t, h.store.DeleteInvitation(h.ctx, inv.ID), "deleting twice is not an error")
	require.NoError(t, h.store.DeleteInvitation(h.ctx, h.id()))
	h.invite(h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour))
	require.Len(t, h.pending(org.ID), 2, "the email can be invited again")
}
