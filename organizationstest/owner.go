package organizationstest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func ownerTests() []test {
	return []test{
		{"ChangeOwnerToMember", testChangeOwnerToMember},
		{"ChangeOwnerToAdmin", testChangeOwnerToAdmin},
		{"ChangeOwnerToCurrentOwner", testChangeOwnerToCurrent},
		{"ChangeOwnerErrors", testChangeOwnerErrors},
		{"StoreOwnerChange", testStoreOwnerChange},
		{"OwnerNotFound", testOwnerNotFound},
	}
}

func testChangeOwnerToMember(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Audioslave", nil)
	chris := h.member(org.ID, "chris")
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	h.clock.Advance(time.Hour)
	now := h.now()

	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "tom"))
	newOwner := tom
	newOwner.Role, newOwner.UpdatedAt = organizations.RoleAdmin, now
	h.requireEvents(
		organizations.RoleChanged{Old: tom, New: newOwner},
		organizations.OwnerChanged{Old: chris, New: newOwner},
	)
	requireSameOwner(t, organizations.OrganizationOwner{OrganizationID: org.ID, OrganizationUser: newOwner, Since: now}, h.owner(org.ID))
	requireSameMember(t, newOwner, h.member(org.ID, "tom"))
	requireSameMember(t, chris, h.member(org.ID, "chris"), "the old owner stays an admin member, unchanged")
	for user, want := range map[organizations.UserID]bool{"tom": true, "chris": false} {
		ok, err := h.svc.IsOwner(h.ctx, org.ID, user)
		require.NoError(t, err)
		require.Equal(t, want, ok, "IsOwner(%s)", user)
	}

	// Roles follow ownership: the new owner is protected, the old one no longer.
	require.ErrorIs(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"), organizations.ErrOwnershipRequired)
	_, err := h.svc.SetRole(h.ctx, org.ID, "tom", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	demoted, err := h.svc.SetRole(h.ctx, org.ID, "chris", organizations.RoleMember)
	require.NoError(t, err)
	require.Equal(t, organizations.RoleMember, demoted.Role)
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "chris"))
	h.requireNoOrgsFor("chris")
	h.events.take()
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"chris", "tom"})
}

func testChangeOwnerToAdmin(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Audioslave", nil)
	chris := h.member(org.ID, "chris")
	kim := h.addUser(org.ID, "kim", organizations.RoleAdmin)
	h.clock.Advance(time.Hour)
	now := h.now()

	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "kim"))
	h.requireEvents(organizations.OwnerChanged{Old: chris, New: kim})
	requireSameMember(t, kim, h.member(org.ID, "kim"), "an admin's membership is not rewritten")
	requireSameOwner(t, organizations.OrganizationOwner{OrganizationID: org.ID, OrganizationUser: kim, Since: now}, h.owner(org.ID))

	// And back: Since moves each time.
	h.clock.Advance(time.Hour)
	back := h.now()
	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "chris"))
	h.requireEvents(organizations.OwnerChanged{Old: kim, New: chris})
	requireSameOwner(t, organizations.OrganizationOwner{OrganizationID: org.ID, OrganizationUser: chris, Since: back}, h.owner(org.ID))
}

func testChangeOwnerToCurrent(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Audioslave", nil)
	h.addUser(org.ID, "tom", organizations.RoleMember)
	owner := h.owner(org.ID)
	h.clock.Advance(time.Hour)

	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "chris"))
	h.requireNoEvents()
	requireSameOwner(t, owner, h.owner(org.ID), "a no-op transfer keeps Since")

	c, err := h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: "chris", Now: h.now()})
	require.NoError(t, err)
	require.False(t, c.Changed)
	requireSameMember(t, owner.OrganizationUser, c.OldOwner)
	requireSameMember(t, owner.OrganizationUser, c.NewOwnerBefore)
	requireSameMember(t, owner.OrganizationUser, c.NewOwner)
	requireSameOwner(t, owner, h.owner(org.ID))
}

func testChangeOwnerErrors(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Audioslave", nil)
	h.addUser(org.ID, "tom", organizations.RoleMember)
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"))
	other := h.createOrg("ann", "Other", nil)
	owner := h.owner(org.ID)
	members := h.members(org.ID, 0)
	h.events.take()
	h.clock.Advance(time.Hour)

	for _, user := range []organizations.UserID{"ann", "tom", "nobody"} {
		require.ErrorIs(t, h.svc.ChangeOwner(h.ctx, org.ID, user), organizations.ErrNotMember, "%q", user)
		_, err := h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: user, Now: h.now()})
		require.ErrorIs(t, err, organizations.ErrNotMember, "%q", user)
	}
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		require.ErrorIs(t, h.svc.ChangeOwner(h.ctx, id, "chris"), organizations.ErrOrganizationNotFound)
	}
	_, err := h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: h.id(), NewOwner: "chris", Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	for _, user := range invalidUsers {
		require.ErrorIs(t, h.svc.ChangeOwner(h.ctx, org.ID, user), organizations.ErrInvalidUserID, "%q", user)
	}
	requireSameOwner(t, owner, h.owner(org.ID))
	requireSameMembers(t, members, h.members(org.ID, 0))
	require.Equal(t, organizations.UserID("ann"), h.owner(other.ID).OrganizationUser.UserID)
	h.requireNoEvents()
}

func testStoreOwnerChange(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Audioslave", nil)
	chris := h.member(org.ID, "chris")
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	h.clock.Advance(time.Hour)
	now := h.now()

	c, err := h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: "tom", Now: now})
	require.NoError(t, err)
	require.True(t, c.Changed)
	requireSameMember(t, chris, c.OldOwner, "the old owner's membership, unchanged")
	requireSameMember(t, tom, c.NewOwnerBefore)
	want := tom
	want.Role, want.UpdatedAt = organizations.RoleAdmin, now
	requireSameMember(t, want, c.NewOwner)
	requireSameOwner(t, organizations.OrganizationOwner{OrganizationID: org.ID, OrganizationUser: want, Since: now}, h.owner(org.ID))
	h.requireNoEvents()
}

func testOwnerNotFound(t *testing.T, h *harness) {
	h.createOrg("chris", "Audioslave", nil)
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err := h.svc.Owner(h.ctx, id)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	_, err := h.store.Owner(h.ctx, h.id())
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}
