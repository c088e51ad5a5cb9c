package organizationstest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// suspensionStore is the optional organizations.SuspensionStore.
var suspensionStore = optionalOf[organizations.SuspensionStore]()

func suspensionTests() []test {
	return []test{
		{"SuspendAndReactivate", testSuspendAndReactivate},
		{"SuspendedIsNoMember", testSuspendedIsNoMember},
		{"OwnerCannotBeSuspended", testSuspendOwner},
		{"Errors", testSuspendErrors},
		{"ActorChecked", testSuspendActorChecked},
		{"SuspendedActorRefused", testSuspendedActorRefused},
		{"Seats", testSuspendSeats},
		{"RemoveSuspended", testRemoveSuspended},
		{"SuspendedMemberCannotLeaveToEscape", testSuspendedCannotLeave},
		{"RemovedSuspendedMemberMayBeAdmittedAgain", testRemovedSuspendedReadmitted},
		{"RaceSuspendActingMember", testRaceSuspendActing},
		{"RaceSuspendLeavingMember", testRaceSuspendLeaving},
		{"RaceReactivateAtLimit", testRaceReactivate},
	}
}

// suspend suspends user in org, unchecked, and drops its event.
func (h *harness) suspend(org uuid.UUID, user organizations.UserID) {
	h.t.Helper()
	_, err := h.svc.SuspendUser(h.ctx, org, user)
	require.NoError(h.t, err)
	h.events.take()
}

func testSuspendAndReactivate(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	added := h.addUser(org.ID, "ann", organizations.RoleAdmin)
	require.Equal(t, organizations.MemberStatusActive, added.Status())
	h.clock.Advance(time.Minute)

	got, err := h.svc.SuspendUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.Equal(t, organizations.MemberStatusSuspended, got.Status())
	require.Equal(t, h.now(), got.SuspendedAt)
	require.Equal(t, h.now(), got.UpdatedAt)
	require.Equal(t, organizations.RoleAdmin, got.Role, "the role stays")
	require.Equal(t, added.ID, got.ID)
	requireSameMember(t, got, h.member(org.ID, "ann"), "OrganizationUser returns it, suspended")
	h.requireEvents(organizations.MemberSuspended{OrganizationUser: got})

	again, err := h.svc.SuspendUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	requireSameMember(t, got, again, "suspending again changes nothing")
	h.requireNoEvents()

	h.clock.Advance(time.Minute)
	back, err := h.svc.ReactivateUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.Equal(t, organizations.MemberStatusActive, back.Status())
	require.True(t, back.SuspendedAt.IsZero())
	require.Equal(t, organizations.RoleAdmin, back.Role, "restored with the role it had")
	require.Equal(t, h.now(), back.UpdatedAt)
	h.requireEvents(organizations.MemberReactivated{OrganizationUser: back})
	ok, err := h.svc.IsAdmin(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.True(t, ok)
	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "ann")
	require.NoError(t, err, "reactivating an active member changes nothing")
	h.requireNoEvents()
}

func testSuspendedIsNoMember(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	h.suspend(org.ID, "ann")

	ok, err := h.svc.IsMember(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.False(t, ok, "IsMember")
	ok, err = h.svc.IsAdmin(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.False(t, ok, "IsAdmin")
	a, err := h.svc.Access(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.False(t, a.IsMember, "Access")
	require.False(t, a.Can(organizations.PermMembersAdd))
	a, err = h.svc.ResolveOrganization(h.ctx, org.Slug, "ann")
	require.NoError(t, err)
	require.False(t, a.IsMember, "ResolveOrganization by slug")
	can, err := h.svc.HasPermission(h.ctx, org.ID, "ann", organizations.PermMembersRemove)
	require.NoError(t, err)
	require.False(t, can)
	require.Empty(t, h.orgsFor("ann", 0), "OrganizationsForUser leaves it out")

	ms := h.members(org.ID, 0)
	require.Len(t, ms, 3, "Members lists suspended members")
	statuses := map[organizations.UserID]organizations.MemberStatus{}
	for _, m := range ms {
		statuses[m.UserID] = m.Status()
	}
	require.Equal(t, map[organizations.UserID]organizations.MemberStatus{
		"owner": organizations.MemberStatusActive, "ann": organizations.MemberStatusSuspended, "bob": organizations.MemberStatusActive,
	}, statuses)

	// Still a membership: not added twice.
	_, err = h.svc.AddUser(h.ctx, org.ID, "ann", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrAlreadyMember)
	got, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "ann", organizations.RoleMember)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, organizations.MemberStatusSuspended, got.Status())
	// Not a new owner.
	require.ErrorIs(t, h.svc.ChangeOwner(h.ctx, org.ID, "ann"), organizations.ErrNotMember)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
}

func testSuspendOwner(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	_, err := h.svc.SuspendUser(h.ctx, org.ID, "owner")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	_, err = h.svc.As("ann").SuspendUser(h.ctx, org.ID, "owner")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	_, err = h.svc.As("owner").SuspendUser(h.ctx, org.ID, "owner")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	require.Equal(t, organizations.MemberStatusActive, h.member(org.ID, "owner").Status())
	h.requireNoEvents()
	back, err := h.svc.ReactivateUser(h.ctx, org.ID, "owner")
	require.NoError(t, err, "the owner is active: nothing to do")
	require.Equal(t, organizations.MemberStatusActive, back.Status())
	// After a transfer the old owner can be suspended, the new one not.
	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "ann"))
	h.events.take()
	_, err = h.svc.SuspendUser(h.ctx, org.ID, "owner")
	require.NoError(t, err)
	_, err = h.svc.SuspendUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
}

func testSuspendErrors(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	_, err := h.svc.SuspendUser(h.ctx, org.ID, "nobody")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "nobody")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.SuspendUser(h.ctx, uuid.New(), "owner")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.SuspendUser(h.ctx, uuid.Nil, "owner")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.SuspendUser(h.ctx, org.ID, "")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = h.svc.As("").SuspendUser(h.ctx, org.ID, "owner")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	h.requireNoEvents()
}

func testSuspendActorChecked(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	h.addUser(org.ID, "admin", organizations.RoleAdmin)
	h.addUser(org.ID, "member", organizations.RoleMember)
	h.addUser(org.ID, "other", organizations.RoleMember)
	_, err := h.svc.CreateRole(h.ctx, org.ID, organizations.RoleDefinition{Name: "moderator", Permissions: []organizations.Permission{organizations.PermMembersSuspend}})
	require.NoError(t, err)
	h.addUser(org.ID, "mod", "moderator")
	h.events.take()

	_, err = h.svc.As("member").SuspendUser(h.ctx, org.ID, "other")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a member lacks the permission")
	_, err = h.svc.As("outsider").SuspendUser(h.ctx, org.ID, "other")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = h.svc.As("mod").SuspendUser(h.ctx, org.ID, "admin")
	require.ErrorIs(t, err, organizations.ErrEscalation, "not above the actor's own permissions")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	h.requireNoEvents()

	got, err := h.svc.As("mod").SuspendUser(h.ctx, org.ID, "other")
	require.NoError(t, err)
	h.requireEvents(organizations.MemberSuspended{OrganizationUser: got, Actor: "mod"})
	back, err := h.svc.As("admin").ReactivateUser(h.ctx, org.ID, "other")
	require.NoError(t, err)
	h.requireEvents(organizations.MemberReactivated{OrganizationUser: back, Actor: "admin"})
	_, err = h.svc.As("member").ReactivateUser(h.ctx, org.ID, "other")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
}

func testSuspendedActorRefused(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	inv := h.newInvitation(org.ID, "admin", "zed@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	h.suspend(org.ID, "admin")

	as := h.svc.As("admin")
	_, err := as.AddUser(h.ctx, org.ID, "carl", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.ErrorIs(t, as.RemoveUser(h.ctx, org.ID, "bob"), organizations.ErrPermissionDenied)
	_, err = as.SetRole(h.ctx, org.ID, "bob", organizations.RoleAdmin)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = as.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{Name: new(string)})
	require.Error(t, err)
	_, err = as.SuspendUser(h.ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = as.ReactivateUser(h.ctx, org.ID, "admin")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "no one reactivates themselves")
	_, err = h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{
		Auth:       organizations.Authorization{Actor: "admin"},
		Invitation: h.newInvitation(org.ID, "admin", "yan@example.com", organizations.RoleMember, false, time.Hour),
		TokenHash:  h.tokenHash(), Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a suspended member invites no one")
	_, err = h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
		Auth:      organizations.Authorization{Actor: "zed"},
		TokenHash: hash, Email: "zed@example.com", Membership: h.newMembership(org.ID, "zed"), Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrInviterNotAllowed, "an invitation by a suspended member waits")
	require.Len(t, h.members(org.ID, 0), 3)
	h.requireNoEvents()
}

func testSuspendSeats(t *testing.T, h *harness) {
	if _, ok := h.store.(organizations.SeatStore); !ok {
		t.Skip("the store does not implement organizations.SeatStore")
	}
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(2)})
	h.addUser(org.ID, "ann", organizations.RoleMember)
	_, err := h.svc.SuspendUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.Equal(t, organizations.Seats{Limit: 2, Members: 1}, h.seats(org.ID), "a suspended member holds no seat")
	h.addUser(org.ID, "bob", organizations.RoleMember)
	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "reactivating needs a seat")
	require.Equal(t, organizations.MemberStatusSuspended, h.member(org.ID, "ann").Status(), "unchanged")
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "bob"))
	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
}

func testRemoveSuspended(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	h.suspend(org.ID, "ann")
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "ann"))
	_, err := h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	require.Equal(t, organizations.MemberStatusActive, h.member(org.ID, "ann").Status(), "a new membership starts active")
}

// A suspended member may do nothing until reactivated, leaving included: leaving and
// coming back through an invitation to their address (or a bearer link) would lift the
// suspension without ReactivateUser. Leaving is refused as any act of a suspended
// member is (ErrPermissionDenied), on the membership as the store's atomic step reads
// it, and changes nothing; an invitation the suspended member accepts meanwhile is
// closed and leaves the membership suspended, with its role.
func testSuspendedCannotLeave(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	bound := h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleAdmin, false, time.Hour)
	boundHash := h.invite(bound)
	bearer := h.newInvitation(org.ID, "admin", "", organizations.RoleMember, true, time.Hour)
	bearerHash := h.invite(bearer)
	suspended, err := h.svc.SuspendUser(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	h.events.take()

	require.ErrorIs(t, h.svc.As("bob").RemoveUser(h.ctx, org.ID, "bob"), organizations.ErrPermissionDenied,
		"a suspended member cannot leave")
	_, err = h.store.RemoveUser(h.ctx, organizations.RemoveUserParams{
		Auth: organizations.Authorization{Actor: "bob"}, OrganizationID: org.ID, UserID: "bob",
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the store refuses it")
	requireSameMember(t, suspended, h.member(org.ID, "bob"), "still a member, still suspended")
	h.requireNoEvents()

	for _, hash := range [][]byte{boundHash, bearerHash} {
		res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
			Auth:      organizations.Authorization{Actor: "bob"},
			TokenHash: hash, Email: "bob@example.com", Membership: h.newMembership(org.ID, "bob"), Now: h.now(),
		})
		require.NoError(t, err)
		require.True(t, res.Accepted, "the invitation is closed")
		require.False(t, res.MembershipCreated)
		requireSameMember(t, suspended, res.Membership, "the membership the user has: suspended")
	}
	requireSameMember(t, suspended, h.member(org.ID, "bob"), "accepting invitations reactivates nothing, nor changes the role")
	ok, err := h.svc.IsMember(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.False(t, ok)
	require.ErrorIs(t, h.svc.As("bob").RemoveUser(h.ctx, org.ID, "bob"), organizations.ErrPermissionDenied, "still")

	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.As("bob").RemoveUser(h.ctx, org.ID, "bob"), "reactivated, bob may leave")
}

// Removing a suspended member (PermMembersRemove, or unchecked code and offboarding) is
// someone else's decision, and it ends the membership and the suspension with it: the
// user is then a non-member like any other, whom an invitation that is still pending
// (one to their address, a bearer link) admits, if its inviter may still grant it. To
// keep someone out, leave them suspended.
func testRemovedSuspendedReadmitted(t *testing.T, h *harness) {
	org := h.staffedOrg("Team", nil)
	hash := h.invite(h.newInvitation(org.ID, "admin", "bob@example.com", organizations.RoleMember, false, time.Hour))
	_, err := h.svc.SuspendUser(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, h.svc.As("admin").RemoveUser(h.ctx, org.ID, "bob"), "an admin removes a suspended member")
	res, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
		Auth:      organizations.Authorization{Actor: "bob"},
		TokenHash: hash, Email: "bob@example.com", Membership: h.newMembership(org.ID, "bob"), Now: h.now(),
	})
	require.NoError(t, err)
	require.True(t, res.MembershipCreated, "a new membership")
	require.Equal(t, organizations.MemberStatusActive, h.member(org.ID, "bob").Status())
}

// A suspension racing an admin action of the member being suspended: the action is
// refused, or it happened before (its change is there); never a change by a member
// suspended first.
func testRaceSuspendActing(t *testing.T, h *harness) {
	h.events.noVerify()
	for round := range raceRounds {
		org := h.raceOrg("owner", round)
		h.addUser(org.ID, "admin", organizations.RoleAdmin)
		h.addUser(org.ID, "target", organizations.RoleMember)
		actErr, suspendErr := race(round,
			func() error { return h.svc.As("admin").RemoveUser(h.ctx, org.ID, "target") },
			func() error { return errOnly(h.svc.As("owner").SuspendUser(h.ctx, org.ID, "admin")) })
		require.NoError(t, suspendErr, "round %d: the suspension succeeds", round)
		_, err := h.svc.OrganizationUser(h.ctx, org.ID, "target")
		switch {
		case actErr == nil:
			require.ErrorIs(t, err, organizations.ErrNotMember, "round %d: the removal happened", round)
		default:
			require.ErrorIs(t, actErr, organizations.ErrPermissionDenied, "round %d", round)
			require.NoError(t, err, "round %d: a refused removal changed nothing", round)
		}
		require.ErrorIs(t, h.svc.As("admin").RemoveUser(h.ctx, org.ID, "owner"), organizations.ErrPermissionDenied)
	}
}

// A suspension racing the member's leaving: either the member left first (the
// suspension finds no member: ErrNotMember) or the suspension came first (the leaving is
// refused: ErrPermissionDenied, and the member stays, suspended); never both.
func testRaceSuspendLeaving(t *testing.T, h *harness) {
	h.events.noVerify()
	for round := range raceRounds {
		org := h.raceOrg("owner", round)
		h.addUser(org.ID, "bob", organizations.RoleMember)
		leaveErr, suspendErr := race(round,
			func() error { return h.svc.As("bob").RemoveUser(h.ctx, org.ID, "bob") },
			func() error { return errOnly(h.svc.As("owner").SuspendUser(h.ctx, org.ID, "bob")) })
		m, err := h.svc.OrganizationUser(h.ctx, org.ID, "bob")
		if leaveErr == nil {
			require.ErrorIs(t, suspendErr, organizations.ErrNotMember, "round %d: bob left first", round)
			require.ErrorIs(t, err, organizations.ErrNotMember, "round %d", round)
		} else {
			require.ErrorIs(t, leaveErr, organizations.ErrPermissionDenied, "round %d: suspended first", round)
			require.NoError(t, suspendErr, "round %d", round)
			require.NoError(t, err, "round %d: bob stays", round)
			require.Equal(t, organizations.MemberStatusSuspended, m.Status(), "round %d", round)
		}
	}
}

func testRaceReactivate(t *testing.T, h *harness) {
	if _, ok := h.store.(organizations.SeatStore); !ok {
		t.Skip("the store does not implement organizations.SeatStore")
	}
	h.events.noVerify()
	org := h.createOrg("owner", "Team", nil)
	for i := range seatRace {
		u := userN(i)
		h.addUser(org.ID, u, organizations.RoleMember)
		_, err := h.svc.SuspendUser(h.ctx, org.ID, u)
		require.NoError(t, err)
	}
	_, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(2)})
	require.NoError(t, err)
	errs := parallel(seatRace, func(i int) error {
		return errOnly(h.svc.ReactivateUser(h.ctx, org.ID, userN(i)))
	})
	requireOneWon(t, h, org.ID, errs)
}
