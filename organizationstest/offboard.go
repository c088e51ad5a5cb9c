package organizationstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// offboardStore is the optional organizations.OffboardStore.
var offboardStore = optionalOf[organizations.OffboardStore]()

func offboardTests() []test {
	return []test{
		{"OrganizationsOwnedBy", testOwnedBy},
		{"RefusedWhileOwning", testOffboardRefused},
		{"RemovesMembershipsAndInvitations", testOffboardMember},
		{"DeleteOwned", testOffboardDelete},
		{"TransferOwned", testOffboardTransfer},
		{"NoSuccessor", testOffboardNoSuccessor},
		{"OtherOwned", testOffboardOtherOwned},
		{"TransferRacingSuccessorLeaving", testOffboardRaceSuccessorLeaves},
	}
}

func testOwnedBy(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	b := h.createOrg("ann", "B", nil)
	c := h.createOrg("bob", "C", nil)
	h.addUser(c.ID, "ann", organizations.RoleAdmin)
	page, err := h.svc.OrganizationsOwnedBy(h.ctx, "ann", organizations.ListOptions{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a.ID}, ids(page.Items, orgID))
	page, err = h.svc.OrganizationsOwnedBy(h.ctx, "ann", organizations.ListOptions{Limit: 1, After: page.Next})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{b.ID}, ids(page.Items, orgID))
	require.Empty(t, page.Next)
	page, err = h.svc.OrganizationsOwnedBy(h.ctx, "nobody", organizations.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, page.Items)
	_, err = h.svc.OrganizationsOwnedBy(h.ctx, "", organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
}

func testOffboardRefused(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	h.addUser(a.ID, "bob", organizations.RoleAdmin)
	c := h.createOrg("bob", "C", nil)
	h.addUser(c.ID, "ann", organizations.RoleMember)
	_, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", nil)
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	_, err = h.svc.RemoveUserEverywhere(h.ctx, "ann", &organizations.OffboardOptions{
		Owned: map[uuid.UUID]organizations.OwnedPolicy{a.ID: organizations.OwnedRefuse},
	})
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	require.Len(t, h.orgsFor("ann", 0), 2, "nothing changed")
	require.Equal(t, organizations.UserID("ann"), h.owner(a.ID).OrganizationUser.UserID)
	h.requireNoEvents()
	_, err = h.svc.RemoveUserEverywhere(h.ctx, "", nil)
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
}

func testOffboardMember(t *testing.T, h *harness) {
	a := h.createOrg("owner", "A", nil)
	b := h.createOrg("owner", "B", nil)
	h.addUser(a.ID, "ann", organizations.RoleAdmin)
	h.addUser(b.ID, "ann", organizations.RoleMember)
	h.addUser(a.ID, "bob", organizations.RoleMember)
	sent := h.newInvitation(a.ID, "ann", "zed@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(sent)
	other := h.newInvitation(a.ID, "owner", "yan@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(other)
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		h.suspend(b.ID, "ann")
	}
	res, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", nil)
	require.NoError(t, err)
	require.Len(t, res.Removed, 2, "suspended memberships too")
	require.Empty(t, res.Deleted)
	require.Empty(t, res.Transferred)
	require.Equal(t, 1, res.RevokedInvitations)
	require.Empty(t, h.orgsFor("ann", 0))
	for _, org := range []uuid.UUID{a.ID, b.ID} {
		_, err := h.svc.OrganizationUser(h.ctx, org, "ann")
		require.ErrorIs(t, err, organizations.ErrNotMember)
	}
	require.Equal(t, organizations.InvitationStatusRevoked, h.invitation(sent.ID).Status, "the invitations the user sent go")
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(other.ID).Status)
	require.Len(t, h.members(a.ID, 0), 2, "the others stay")
	require.Len(t, res.Revoked, 1)
	require.Equal(t, sent.ID, res.Revoked[0].ID)
	require.Equal(t, organizations.InvitationStatusRevoked, res.Revoked[0].Status)
	events := h.events.take()
	require.Len(t, events, 3)
	require.Equal(t, organizations.InvitationRevoked{Invitation: res.Revoked[0]}, events[0], "the revocation, then the removals")
	for _, e := range events[1:] {
		require.IsType(t, organizations.UserRemoved{}, e)
	}
	res, err = h.svc.RemoveUserEverywhere(h.ctx, "ann", nil)
	require.NoError(t, err, "again: nothing left to do")
	require.Empty(t, res.Removed)
}

func testOffboardDelete(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	h.addUser(a.ID, "bob", organizations.RoleAdmin)
	h.invite(h.newInvitation(a.ID, "ann", "zed@example.com", organizations.RoleMember, false, time.Hour))
	b := h.createOrg("bob", "B", nil)
	h.addUser(b.ID, "ann", organizations.RoleMember)
	res, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", &organizations.OffboardOptions{
		Owned: map[uuid.UUID]organizations.OwnedPolicy{a.ID: organizations.OwnedDelete},
	})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a.ID}, ids(res.Deleted, orgID))
	require.Len(t, res.Removed, 1, "the membership in B; A's went with A")
	h.requireOrgGone(a.ID)
	require.Empty(t, h.orgsFor("ann", 0))
	require.Equal(t, []uuid.UUID{b.ID}, ids(h.orgsFor("bob", 0), orgID))
	require.Len(t, h.events.take(), 2, "OrganizationDeleted and UserRemoved")
}

func testOffboardTransfer(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	h.addUser(a.ID, "member", organizations.RoleMember)
	h.clock.Advance(time.Second)
	h.addUser(a.ID, "first", organizations.RoleAdmin)
	h.clock.Advance(time.Second)
	h.addUser(a.ID, "second", organizations.RoleAdmin)
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		_, err := h.svc.SuspendUser(h.ctx, a.ID, "first")
		require.NoError(t, err, "a suspended admin is passed over")
	}
	h.events.take()
	res, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", &organizations.OffboardOptions{
		Owned: map[uuid.UUID]organizations.OwnedPolicy{a.ID: organizations.OwnedTransferToAdmin},
	})
	require.NoError(t, err)
	want := organizations.UserID("first")
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		want = "second"
	}
	require.Equal(t, want, h.owner(a.ID).OrganizationUser.UserID, "the longest-standing active admin")
	require.Len(t, res.Transferred, 1)
	require.Equal(t, want, res.Transferred[0].NewOwner.UserID)
	require.Equal(t, organizations.UserID("ann"), res.Transferred[0].OldOwner.UserID)
	_, err = h.svc.OrganizationUser(h.ctx, a.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	h.requireInvariants([]uuid.UUID{a.ID}, []organizations.UserID{"ann", "member", "first", "second"})
}

func testOffboardNoSuccessor(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	h.addUser(a.ID, "member", organizations.RoleMember)
	b := h.createOrg("ann", "B", nil)
	h.addUser(b.ID, "admin", organizations.RoleAdmin)
	_, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", &organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin})
	require.ErrorIs(t, err, organizations.ErrNoSuccessor, "A has no other admin")
	require.Equal(t, organizations.UserID("ann"), h.owner(a.ID).OrganizationUser.UserID)
	require.Equal(t, organizations.UserID("ann"), h.owner(b.ID).OrganizationUser.UserID, "nothing changed, B included")
	require.Len(t, h.orgsFor("ann", 0), 2)
}

func testOffboardOtherOwned(t *testing.T, h *harness) {
	a := h.createOrg("ann", "A", nil)
	b := h.createOrg("ann", "B", nil)
	h.addUser(b.ID, "admin", organizations.RoleAdmin)
	res, err := h.svc.RemoveUserEverywhere(h.ctx, "ann", &organizations.OffboardOptions{
		Owned:      map[uuid.UUID]organizations.OwnedPolicy{b.ID: organizations.OwnedTransferToAdmin},
		OtherOwned: organizations.OwnedDelete,
	})
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a.ID}, ids(res.Deleted, orgID))
	h.requireOrgGone(a.ID)
	require.Equal(t, organizations.UserID("admin"), h.owner(b.ID).OrganizationUser.UserID)
}

// Offboarding the owner with the organization handed to its only other admin, while that
// admin leaves: either the hand-over came first (the admin owns the organization and
// cannot leave: ErrOwnershipRequired) or the leaving did (ErrNoSuccessor, and nothing
// changed: the user still owns the organization and is still a member). The store
// decides on the successor's membership as it stands when it writes, never on a read
// made before.
func testOffboardRaceSuccessorLeaves(t *testing.T, h *harness) {
	h.events.noVerify()
	var orgIDs []uuid.UUID
	users := []organizations.UserID{"heir", "member"}
	for round := range raceRounds {
		// A new owner each round: one offboarded user owns nothing more.
		ann := organizations.UserID(fmt.Sprintf("ann%d", round))
		users = append(users, ann)
		org := h.raceOrg(ann, round)
		orgIDs = append(orgIDs, org.ID)
		h.addUser(org.ID, "heir", organizations.RoleAdmin)
		h.addUser(org.ID, "member", organizations.RoleMember)
		var res organizations.OffboardResult
		offErr, leaveErr := race(round, func() error {
			var err error
			res, err = h.svc.RemoveUserEverywhere(h.ctx, ann, &organizations.OffboardOptions{
				Owned: map[uuid.UUID]organizations.OwnedPolicy{org.ID: organizations.OwnedTransferToAdmin},
			})
			return err
		}, func() error { return h.svc.As("heir").RemoveUser(h.ctx, org.ID, "heir") })
		owner := h.owner(org.ID).OrganizationUser.UserID
		if offErr == nil {
			require.ErrorIs(t, leaveErr, organizations.ErrOwnershipRequired, "round %d: the new owner cannot leave", round)
			require.Equal(t, organizations.UserID("heir"), owner, "round %d", round)
			require.Len(t, res.Transferred, 1, "round %d", round)
			_, err := h.svc.OrganizationUser(h.ctx, org.ID, ann)
			require.ErrorIs(t, err, organizations.ErrNotMember, "round %d", round)
		} else {
			require.ErrorIs(t, offErr, organizations.ErrNoSuccessor, "round %d: the successor left first", round)
			require.NoError(t, leaveErr, "round %d", round)
			require.Equal(t, ann, owner, "round %d: nothing changed", round)
			_, err := h.svc.OrganizationUser(h.ctx, org.ID, ann)
			require.NoError(t, err, "round %d: still a member", round)
			require.Len(t, h.members(org.ID, 0), 2, "round %d: the owner and member", round)
		}
	}
	h.requireInvariants(orgIDs, users)
}
