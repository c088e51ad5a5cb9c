package organizationstest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func responseTests() []test {
	return []test{
		{"Accept", testAccept},
		{"AcceptByExistingMember", testAcceptExistingMember},
		{"AcceptBearer", testAcceptBearer},
		{"AcceptErrorOrder", testAcceptErrorOrder},
		{"Decline", testDecline},
		{"Revoke", testRevoke},
		{"Renew", testRenew},
	}
}

// newMembership is the membership the Service offers AcceptInvitation: new ID, now, and a
// role the store must replace with the invitation's.
func (h *harness) newMembership(org uuid.UUID, user organizations.UserID) organizations.OrganizationUser {
	now := h.now()
	return organizations.OrganizationUser{
		ID: h.id(), OrganizationID: org, UserID: user, Role: organizations.RoleMember, CreatedAt: now, UpdatedAt: now,
	}
}

func testAccept(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleAdmin, false, time.Hour)
	hash := h.invite(inv)
	h.clock.Advance(time.Minute)
	now := h.now()
	m := h.newMembership(org.ID, "ann")

	res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: m, Now: now})
	require.NoError(t, err)
	require.True(t, res.Accepted)
	require.True(t, res.MembershipCreated)
	want := m
	want.Role = organizations.RoleAdmin
	requireSameMember(t, want, res.Membership, "the membership offered, with the invitation's role")
	accepted := inv
	accepted.Status, accepted.RespondedAt, accepted.AcceptedBy = organizations.InvitationStatusAccepted, now, "ann"
	requireSameInvitation(t, accepted, res.Invitation)
	requireSameInvitation(t, accepted, h.invitation(inv.ID))
	byHash, err := h.store.InvitationByTokenHash(h.ctx, hash, now)
	require.NoError(t, err)
	requireSameDetails(t, accepted, org, byHash)
	requireSameMember(t, want, h.member(org.ID, "ann"))
	require.Empty(t, h.pending(org.ID))

	// The same user again: same membership, nothing new. Long after expiry too.
	for _, at := range []time.Time{now.Add(time.Minute), inv.ExpiresAt.Add(time.Hour)} {
		again, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: at})
		require.NoError(t, err)
		require.False(t, again.Accepted)
		require.False(t, again.MembershipCreated)
		requireSameMember(t, want, again.Membership)
		requireSameInvitation(t, accepted, again.Invitation)
	}
	// Anyone else: closed, even with the invited email.
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "bob"}, TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "bob"), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	h.requireNoOrgsFor("bob")
	require.Len(t, h.members(org.ID, 0), 4, "owner, admin, member and ann")
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"ann", "bob"})
}

func testAcceptExistingMember(t *testing.T, h *harness) {
	org := inviteFixture(h)
	member := h.member(org.ID, "member")
	inv := h.newInvitation(org.ID, "admin", "member@example.com", organizations.RoleAdmin, false, time.Hour)
	hash := h.invite(inv)
	h.clock.Advance(time.Minute)
	now := h.now()

	res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "member"}, TokenHash: hash, Email: "member@example.com", Membership: h.newMembership(org.ID, "member"), Now: now})
	require.NoError(t, err)
	require.True(t, res.Accepted, "the invitation is accepted")
	require.False(t, res.MembershipCreated)
	requireSameMember(t, member, res.Membership, "the existing membership, role unchanged")
	requireSameMember(t, member, h.member(org.ID, "member"))
	require.Equal(t, organizations.InvitationStatusAccepted, res.Invitation.Status)
	require.Equal(t, organizations.UserID("member"), res.Invitation.AcceptedBy)
	require.True(t, now.Equal(res.Invitation.RespondedAt))

	again, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "member"}, TokenHash: hash, Email: "member@example.com", Membership: h.newMembership(org.ID, "member"), Now: now})
	require.NoError(t, err)
	require.False(t, again.Accepted)
	require.False(t, again.MembershipCreated)
	requireSameMember(t, member, again.Membership)
	require.Len(t, h.members(org.ID, 0), 3)
}

func testAcceptBearer(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, true, time.Hour)
	hash := h.invite(inv)
	res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "zoe"}, TokenHash: hash, Email: "zoe@elsewhere.example", Membership: h.newMembership(org.ID, "zoe"), Now: h.now()})
	require.NoError(t, err, "a bearer invitation accepts any email")
	require.True(t, res.MembershipCreated)
	require.Equal(t, organizations.RoleMember, res.Membership.Role)
	require.Equal(t, organizations.UserID("zoe"), res.Invitation.AcceptedBy)
	requireSameMember(t, res.Membership, h.member(org.ID, "zoe"))

	own := h.newInvitation(org.ID, "admin", "x@example.com", organizations.RoleMember, true, time.Hour)
	ownHash := h.invite(own)
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, TokenHash: ownHash, Email: "admin@example.com", Membership: h.newMembership(org.ID, "admin"), Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the inviter cannot accept even a bearer invitation")
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(own.ID).Status)
}

// testAcceptErrorOrder checks each AcceptInvitation error, and that when several apply the
// documented order decides: not found, closed, expired, email mismatch, inviter.
func testAcceptErrorOrder(t *testing.T, h *harness) {
	org := inviteFixture(h)
	mk := func(email string, ttl time.Duration) (organizations.Invitation, []byte) {
		inv := h.newInvitation(org.ID, "admin", email, organizations.RoleMember, false, ttl)
		return inv, h.invite(inv)
	}
	accept := func(hash []byte, user organizations.UserID, email string, at time.Time) error {
		_, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: user}, TokenHash: hash, Email: email, Membership: h.newMembership(org.ID, user), Now: at})
		return err
	}
	now := h.now()
	later := now.Add(2 * time.Hour) // past every expiry below

	for _, hash := range [][]byte{nil, {0x01}, h.tokenHash()} {
		require.ErrorIs(t, accept(hash, "ann", "ann@example.com", now), organizations.ErrInvitationNotFound)
	}

	revoked, revokedHash := mk("revoked@example.com", time.Hour)
	_, err := h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: revoked.ID, Now: now})
	require.NoError(t, err)
	_, declinedHash := mk("declined@example.com", time.Hour)
	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: declinedHash, Email: "declined@example.com", Now: now})
	require.NoError(t, err)
	_, takenHash := mk("taken@example.com", time.Hour)
	require.NoError(t, accept(takenHash, "taker", "taken@example.com", now))
	for _, c := range []struct {
		hash  []byte
		email string
	}{{revokedHash, "revoked@example.com"}, {declinedHash, "declined@example.com"}, {takenHash, "taken@example.com"}} {
		require.ErrorIs(t, accept(c.hash, "ann", c.email, now), organizations.ErrInvitationClosed)
		require.ErrorIs(t, accept(c.hash, "ann", c.email, later), organizations.ErrInvitationClosed, "closed before expired")
		require.ErrorIs(t, accept(c.hash, "admin", "wrong@example.com", later), organizations.ErrInvitationClosed)
	}

	expired, expiredHash := mk("expired@example.com", time.Hour)
	require.ErrorIs(t, accept(expiredHash, "ann", "expired@example.com", later), organizations.ErrInvitationExpired)
	require.ErrorIs(t, accept(expiredHash, "ann", "wrong@example.com", later), organizations.ErrInvitationExpired,
		"expired before email mismatch")
	require.ErrorIs(t, accept(expiredHash, "admin", "expired@example.com", later), organizations.ErrInvitationExpired,
		"expired before inviter")

	bound, boundHash := mk("bound@example.com", time.Hour)
	require.ErrorIs(t, accept(boundHash, "ann", "other@example.com", now), organizations.ErrInvitationEmailMismatch)
	require.ErrorIs(t, accept(boundHash, "admin", "other@example.com", now), organizations.ErrInvitationEmailMismatch,
		"email mismatch before inviter")
	require.ErrorIs(t, accept(boundHash, "admin", "bound@example.com", now), organizations.ErrPermissionDenied)

	// None of the refusals changed anything.
	require.Equal(t, organizations.InvitationStatusRevoked, h.invitation(revoked.ID).Status)
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(bound.ID).Status)
	exp, err := h.store.Invitation(h.ctx, expired.ID, now)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusPending, exp.Status, "a refused accept does not close it")
	h.requireNoOrgsFor("ann")
	require.Len(t, h.members(org.ID, 0), 4, "owner, admin, member and taker")
	require.NoError(t, accept(boundHash, "ann", "bound@example.com", now), "still acceptable by the right user")
}

func testDecline(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	h.clock.Advance(time.Minute)
	now := h.now()

	_, err := h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: hash, Email: "bob@example.com", Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationEmailMismatch)
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(inv.ID).Status)

	got, err := h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: hash, Email: "ann@example.com", Now: now})
	require.NoError(t, err)
	want := inv
	want.Status, want.RespondedAt = organizations.InvitationStatusDeclined, now
	requireSameInvitation(t, want, got)
	requireSameInvitation(t, want, h.invitation(inv.ID))

	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: hash, Email: "ann@example.com", Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed, "declining twice")
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	h.requireNoOrgsFor("ann")

	late := h.newInvitation(org.ID, "admin", "late@example.com", organizations.RoleMember, false, time.Minute)
	lateHash := h.invite(late)
	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: lateHash, Email: "late@example.com", Now: now.Add(time.Hour)})
	require.ErrorIs(t, err, organizations.ErrInvitationExpired)
	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: lateHash, Email: "wrong@example.com", Now: now.Add(time.Hour)})
	require.ErrorIs(t, err, organizations.ErrInvitationExpired, "expired before email mismatch")
	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: h.tokenHash(), Email: "ann@example.com", Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = h.store.DeclineInvitation(h.ctx, organizations.DeclineInvitationParams{TokenHash: nil, Email: "ann@example.com", Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
}

func testRevoke(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "owner", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	h.clock.Advance(time.Minute)
	now := h.now()

	for _, actor := range []organizations.UserID{"member", "nobody", ""} {
		_, err := h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: actor}, InvitationID: inv.ID, Now: now})
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, "%q", actor)
	}
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(inv.ID).Status)

	got, err := h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: inv.ID, Now: now})
	require.NoError(t, err, "any admin may revoke, not only the inviter")
	want := inv
	want.Status, want.RespondedAt = organizations.InvitationStatusRevoked, now
	requireSameInvitation(t, want, got)
	requireSameInvitation(t, want, h.invitation(inv.ID))
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: inv.ID, Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed, "revoking twice")
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "member"}, InvitationID: inv.ID, Now: now})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "permission before state")

	late := h.newInvitation(org.ID, "admin", "late@example.com", organizations.RoleMember, false, time.Minute)
	h.invite(late)
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: late.ID, Now: now.Add(time.Hour)})
	require.ErrorIs(t, err, organizations.ErrInvitationExpired)
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: h.id(), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	h.requireNoOrgsFor("ann")
}

func testRenew(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	oldHash := h.invite(inv)
	h.clock.Advance(30 * time.Minute)
	now := h.now()

	newHash := h.tokenHash()
	got, err := h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: inv.ID, TokenHash: newHash, ExpiresAt: now.Add(time.Hour), Now: now})
	require.NoError(t, err)
	want := inv
	want.ExpiresAt = now.Add(time.Hour)
	want.InvitedBy = "owner"
	requireSameDetails(t, want, org, got, "the expiry and the token change, and the renewing actor is the inviter; with the organization")
	requireSameInvitation(t, want, h.invitation(inv.ID))
	byHash, err := h.store.InvitationByTokenHash(h.ctx, newHash, now)
	require.NoError(t, err)
	requireSameDetails(t, want, org, byHash)
	_, err = h.store.InvitationByTokenHash(h.ctx, oldHash, now)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the old token stops working")
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: oldHash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)

	// An expired invitation becomes pending again.
	h.clock.Advance(2 * time.Hour)
	now = h.now()
	require.Equal(t, organizations.InvitationStatusExpired, h.invitation(inv.ID).Status)
	renewedHash := h.tokenHash()
	got, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: inv.ID, TokenHash: renewedHash, ExpiresAt: now.Add(time.Hour), Now: now})
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusPending, got.Status)
	require.True(t, now.Add(time.Hour).Equal(got.ExpiresAt))
	require.Equal(t, organizations.UserID("admin"), got.InvitedBy)
	requireSameInvitations(t, []organizations.Invitation{got.Invitation}, h.pending(org.ID))
	res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: renewedHash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: now})
	require.NoError(t, err, "the renewed token accepts")
	require.True(t, res.MembershipCreated)

	// Errors: unknown, not an admin (before state), closed, a newer pending one exists.
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: h.id(), TokenHash: h.tokenHash(), ExpiresAt: now.Add(time.Hour), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "member"}, InvitationID: inv.ID, TokenHash: h.tokenHash(), ExpiresAt: now.Add(time.Hour), Now: now})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: inv.ID, TokenHash: h.tokenHash(), ExpiresAt: now.Add(time.Hour), Now: now})
	require.ErrorIs(t, err, organizations.ErrInvitationClosed, "an accepted invitation cannot be renewed")

	stale := h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Minute)
	staleHash := h.invite(stale)
	h.clock.Advance(time.Hour)
	fresh := h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(fresh)
	now = h.now()
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "admin"}, InvitationID: stale.ID, TokenHash: h.tokenHash(), ExpiresAt: now.Add(time.Hour), Now: now})
	require.ErrorIs(t, err, organizations.ErrAlreadyInvited)
	_, err = h.store.InvitationByTokenHash(h.ctx, staleHash, now)
	require.NoError(t, err, "a refused renewal keeps the old token")
	requireSameInvitations(t, []organizations.Invitation{fresh}, h.pending(org.ID))
}
