package organizationstest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// transferStore is the optional organizations.TransferStore.
var transferStore = optionalOf[organizations.TransferStore]()

func transferTests() []test {
	return []test{
		{"ProposeAndAccept", testTransferAccept},
		{"NewProposalReplacesOld", testTransferReplace},
		{"Decline", testTransferDecline},
		{"Cancel", testTransferCancel},
		{"ProposeErrors", testTransferProposeErrors},
		{"Expires", testTransferExpires},
		{"ProposerNoLongerOwner", testTransferOwnerChanged},
		{"NomineeLeavesOrIsSuspended", testTransferNomineeGone},
		{"ChangeOwnerClosesTheProposalForGood", testTransferClosedByChangeOwner},
		{"OffboardingClosesTheProposalForGood", testTransferClosedByOffboarding},
		{"RaceAcceptRemoval", testTransferRaceRemoval},
		{"RaceAcceptChangeOwner", testTransferRaceChangeOwner},
	}
}

// propose proposes the transfer of org to nominee, unchecked, and drops its event.
func (h *harness) propose(org uuid.UUID, nominee organizations.UserID) organizations.OwnershipTransfer {
	h.t.Helper()
	tr, err := h.svc.ProposeOwnershipTransfer(h.ctx, org, nominee)
	require.NoError(h.t, err)
	h.events.take()
	return tr
}

func testTransferAccept(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	oldOwner := h.member(org.ID, "owner")
	bobBefore := h.member(org.ID, "bob")
	_, err := h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound)

	tr, err := h.svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	want := organizations.OwnershipTransfer{OrganizationID: org.ID, Nominee: "bob", ProposedBy: "owner",
		CreatedAt: h.now(), ExpiresAt: h.now().Add(organizations.DefaultTransferTTL)}
	require.Equal(t, want, tr)
	h.requireEvents(organizations.OwnershipTransferProposed{Transfer: tr, Actor: "owner"})
	got, err := h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, tr, got)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID, "nothing moves yet")

	require.ErrorIs(t, h.svc.As("admin").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied, "only the nominee accepts")
	require.ErrorIs(t, h.svc.As("owner").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied)
	h.requireNoEvents()

	h.clock.Advance(time.Minute)
	require.NoError(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID))
	o := h.owner(org.ID)
	require.Equal(t, organizations.UserID("bob"), o.OrganizationUser.UserID)
	require.Equal(t, h.now(), o.Since)
	bob := h.member(org.ID, "bob")
	require.Equal(t, organizations.RoleAdmin, bob.Role, "the new owner is an admin")
	requireSameMember(t, oldOwner, h.member(org.ID, "owner"), "the old owner stays an admin member")
	h.requireEvents(
		organizations.OwnershipTransferAccepted{Transfer: tr, Actor: "bob"},
		organizations.RoleChanged{Old: bobBefore, New: bob, Actor: "bob"},
		organizations.OwnerChanged{Old: oldOwner, New: bob, Actor: "bob"},
	)
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "accepting closes it")
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"owner", "admin", "bob"})
}

func testTransferReplace(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	first := h.propose(org.ID, "bob")
	h.clock.Advance(time.Minute)
	second, err := h.svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "admin")
	require.NoError(t, err)
	h.requireEvents(organizations.OwnershipTransferProposed{Transfer: second, Replaced: &first, Actor: "owner"})
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied, "the old proposal is gone")
	require.NoError(t, h.svc.As("admin").AcceptOwnershipTransfer(h.ctx, org.ID))
	require.Equal(t, organizations.UserID("admin"), h.owner(org.ID).OrganizationUser.UserID)
}

func testTransferDecline(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	tr := h.propose(org.ID, "bob")
	require.ErrorIs(t, h.svc.As("admin").DeclineOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied)
	require.NoError(t, h.svc.As("bob").DeclineOwnershipTransfer(h.ctx, org.ID))
	h.requireEvents(organizations.OwnershipTransferDeclined{Transfer: tr, Actor: "bob"})
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.ErrorIs(t, h.svc.As("bob").DeclineOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
}

func testTransferCancel(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	tr := h.propose(org.ID, "bob")
	require.ErrorIs(t, h.svc.As("admin").CancelOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied, "only the owner cancels")
	require.ErrorIs(t, h.svc.As("bob").CancelOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied)
	require.NoError(t, h.svc.As("owner").CancelOwnershipTransfer(h.ctx, org.ID))
	h.requireEvents(organizations.OwnershipTransferCancelled{Transfer: tr, Actor: "owner"})
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.ErrorIs(t, h.svc.CancelOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.CancelOwnershipTransfer(h.ctx, org.ID), "unchecked")
}

func testTransferProposeErrors(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	h.addUser(org.ID, "sus", organizations.RoleMember)
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		_, err := h.svc.SuspendUser(h.ctx, org.ID, "sus")
		require.NoError(t, err)
		_, err = h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "sus")
		require.ErrorIs(t, err, organizations.ErrNotMember, "a suspended member is no nominee")
	}
	h.events.take()
	_, err := h.svc.As("admin").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "only the owner proposes")
	_, err = h.svc.As("outsider").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "nobody")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "owner")
	require.ErrorIs(t, err, organizations.ErrAlreadyOwner)
	_, err = h.svc.ProposeOwnershipTransfer(h.ctx, uuid.New(), "bob")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = h.svc.OwnershipTransfer(h.ctx, uuid.New())
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, uuid.New()), organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "no refused proposal was stored")
}

func testTransferExpires(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	h.clock.Advance(organizations.DefaultTransferTTL)
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound)
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
}

func testTransferOwnerChanged(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "admin"))
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound,
		"a proposal by a former owner is void")
	require.Equal(t, organizations.UserID("admin"), h.owner(org.ID).OrganizationUser.UserID)
}

// ChangeOwner's OwnerChanged closes the open proposal, as a change of state: when the
// organization comes back to the proposer, the proposal stays closed (the nominee cannot
// accept it, decline it, nor the owner cancel it). A closed proposal is never open again.
func testTransferClosedByChangeOwner(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	_, err := h.svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.As("owner").ChangeOwner(h.ctx, org.ID, "admin"))
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed by the change of owner")
	require.NoError(t, h.svc.As("admin").ChangeOwner(h.ctx, org.ID, "owner"), "the organization comes back to the proposer")
	h.events.take()

	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed for good")
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.ErrorIs(t, h.svc.As("bob").DeclineOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.ErrorIs(t, h.svc.As("owner").CancelOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
	h.requireNoEvents()

	// A new proposal replaces nothing: there is no open one.
	_, err = h.svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "admin")
	require.NoError(t, err)
	events := h.events.take()
	require.Len(t, events, 1)
	require.Nil(t, events[0].(organizations.OwnershipTransferProposed).Replaced, "the closed proposal is gone")
}

// Offboarding the proposer with their organization handed to its admin closes the
// proposal for good too: the user coming back and owning the organization again does not
// reopen it.
func testTransferClosedByOffboarding(t *testing.T, h *harness) {
	if _, ok := h.store.(organizations.OffboardStore); !ok {
		t.Skip("the store does not implement organizations.OffboardStore")
	}
	org := h.staffedOrg("Team", nil)
	_, err := h.svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	_, err = h.svc.RemoveUserEverywhere(h.ctx, "owner", &organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin})
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("admin"), h.owner(org.ID).OrganizationUser.UserID)
	h.addUser(org.ID, "owner", organizations.RoleAdmin)
	require.NoError(t, h.svc.As("admin").ChangeOwner(h.ctx, org.ID, "owner"), "the proposer owns the organization again")

	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed for good")
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
}

func testTransferNomineeGone(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.As("bob").RemoveUser(h.ctx, org.ID, "bob"), "bob leaves")
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	_, err = h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "coming back does not reopen it")
	require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound)

	if _, ok := h.store.(organizations.SuspensionStore); ok {
		_, err = h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
		require.NoError(t, err)
		_, err = h.svc.SuspendUser(h.ctx, org.ID, "bob")
		require.NoError(t, err)
		_, err = h.svc.ReactivateUser(h.ctx, org.ID, "bob")
		require.NoError(t, err)
		require.ErrorIs(t, h.svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrTransferNotFound,
			"a suspension closes the proposal")
	}
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
}

// The nominee accepting while the owner removes them: either the acceptance came first
// (the nominee owns the organization and cannot be removed) or the removal did (the
// proposal is gone); never a removed owner, never two owners.
func testTransferRaceRemoval(t *testing.T, h *harness) {
	h.raceRounds([]organizations.UserID{"owner", "heir"}, func(round int, org organizations.Organization) {
		h.addUser(org.ID, "heir", organizations.RoleMember)
		_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "heir")
		require.NoError(t, err)
		acceptErr, removeErr := race(round,
			func() error { return h.svc.As("heir").AcceptOwnershipTransfer(h.ctx, org.ID) },
			func() error { return h.svc.As("owner").RemoveUser(h.ctx, org.ID, "heir") })
		owner := h.owner(org.ID).OrganizationUser.UserID
		if acceptErr == nil {
			require.Error(t, removeErr, "round %d: the new owner cannot be removed", round)
			require.Equal(t, organizations.UserID("heir"), owner, "round %d", round)
		} else {
			require.ErrorIs(t, acceptErr, organizations.ErrTransferNotFound, "round %d", round)
			require.NoError(t, removeErr, "round %d", round)
			require.Equal(t, organizations.UserID("owner"), owner, "round %d", round)
		}
	})
}

// The nominee accepting while the owner hands the organization to someone else in one
// step: exactly one of them moves it.
func testTransferRaceChangeOwner(t *testing.T, h *harness) {
	h.raceRounds([]organizations.UserID{"owner", "heir", "other"}, func(round int, org organizations.Organization) {
		h.addUser(org.ID, "heir", organizations.RoleMember)
		h.addUser(org.ID, "other", organizations.RoleMember)
		_, err := h.svc.ProposeOwnershipTransfer(h.ctx, org.ID, "heir")
		require.NoError(t, err)
		acceptErr, changeErr := race(round,
			func() error { return h.svc.As("heir").AcceptOwnershipTransfer(h.ctx, org.ID) },
			func() error { return h.svc.As("owner").ChangeOwner(h.ctx, org.ID, "other") })
		owner := h.owner(org.ID).OrganizationUser.UserID
		switch {
		case acceptErr == nil:
			require.ErrorIs(t, changeErr, organizations.ErrPermissionDenied, "round %d: no longer the owner", round)
			require.Equal(t, organizations.UserID("heir"), owner, "round %d", round)
		default:
			require.ErrorIs(t, acceptErr, organizations.ErrTransferNotFound, "round %d", round)
			require.NoError(t, changeErr, "round %d", round)
			require.Equal(t, organizations.UserID("other"), owner, "round %d", round)
		}
	})
}
