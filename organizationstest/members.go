package organizationstest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func memberTests() []test {
	return []test{
		{"AddUser", testAddUser},
		{"AddUserErrors", testAddUserErrors},
		{"GetOrAddUser", testGetOrAddUser},
		{"RemoveUser", testRemoveUser},
		{"RemoveUserErrors", testRemoveUserErrors},
		{"SetRole", testSetRole},
		{"SetRoleErrors", testSetRoleErrors},
		{"OrganizationUser", testOrganizationUser},
		{"Predicates", testPredicates},
		{"ResolveOrganization", testResolveOrganization},
		{"IsolationBetweenOrganizations", testIsolation},
	}
}

var (
	invalidUsers = []organizations.UserID{
		"", "\xff", "a\x00b", "tab\t", organizations.UserID(strings.Repeat("u", organizations.MaxUserIDLength+1)),
	}
	invalidRoles = []organizations.Role{"", "owner", "Admin", "MEMBER", "admin "}
)

func testAddUser(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	h.clock.Advance(time.Second)
	now := h.now()
	tom, err := h.svc.AddUser(h.ctx, org.ID, "tom", organizations.RoleMember)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, tom.ID)
	require.Equal(t, org.ID, tom.OrganizationID)
	require.Equal(t, organizations.UserID("tom"), tom.UserID)
	require.Equal(t, organizations.RoleMember, tom.Role)
	require.False(t, tom.IsAdmin())
	require.True(t, now.Equal(tom.CreatedAt))
	require.True(t, now.Equal(tom.UpdatedAt))
	requireStamp(t, tom.CreatedAt, tom.UpdatedAt)
	h.requireEvents(organizations.UserAdded{OrganizationUser: tom})

	kim, err := h.svc.AddUser(h.ctx, org.ID, "kim", organizations.RoleAdmin)
	require.NoError(t, err)
	require.True(t, kim.IsAdmin())
	h.requireEvents(organizations.UserAdded{OrganizationUser: kim})

	requireSameMember(t, tom, h.member(org.ID, "tom"))
	requireSameMember(t, kim, h.member(org.ID, "kim"))
	owner := h.owner(org.ID).OrganizationUser
	requireSameMembers(t, []organizations.OrganizationUser{owner, tom, kim}, h.members(org.ID, 0))
	requireSameOrgs(t, []organizations.Organization{org}, h.orgsFor("tom", 0))
	require.Equal(t, organizations.UserID("chris"), owner.UserID, "adding members does not move ownership")

	// The store keeps the membership exactly as given.
	direct := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: org.ID, UserID: "ben", Role: organizations.RoleMember,
		CreatedAt: h.now(), UpdatedAt: h.now(),
	}
	require.NoError(t, h.store.AddUser(h.ctx, organizations.AddUserParams{Membership: direct}))
	requireSameMember(t, direct, h.member(org.ID, "ben"))
}

func testAddUserErrors(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	before := h.members(org.ID, 0)

	for _, role := range []organizations.Role{organizations.RoleMember, organizations.RoleAdmin} {
		_, err := h.svc.AddUser(h.ctx, org.ID, "tom", role)
		require.ErrorIs(t, err, organizations.ErrAlreadyMember)
		_, err = h.svc.AddUser(h.ctx, org.ID, "chris", role)
		require.ErrorIs(t, err, organizations.ErrAlreadyMember, "the owner is a member")
	}
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err := h.svc.AddUser(h.ctx, id, "ann", organizations.RoleMember)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	for _, role := range invalidRoles {
		_, err := h.svc.AddUser(h.ctx, org.ID, "ann", role)
		require.ErrorIs(t, err, organizations.ErrInvalidRole, "%q", role)
	}
	for _, user := range invalidUsers {
		_, err := h.svc.AddUser(h.ctx, org.ID, user, organizations.RoleMember)
		require.ErrorIs(t, err, organizations.ErrInvalidUserID, "%q", user)
	}

	dup := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: org.ID, UserID: "tom", Role: organizations.RoleAdmin,
		CreatedAt: h.now(), UpdatedAt: h.now(),
	}
	require.ErrorIs(t, h.store.AddUser(h.ctx, organizations.AddUserParams{Membership: dup}), organizations.ErrAlreadyMember)
	lost := dup
	lost.OrganizationID, lost.UserID = h.id(), "ann"
	require.ErrorIs(t, h.store.AddUser(h.ctx, organizations.AddUserParams{Membership: lost}), organizations.ErrOrganizationNotFound)

	requireSameMembers(t, before, h.members(org.ID, 0), "refused additions change nothing")
	requireSameMember(t, tom, h.member(org.ID, "tom"))
	h.requireNoOrgsFor("ann")
	h.requireNoEvents()
}

func testGetOrAddUser(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	h.clock.Advance(time.Second)

	got, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "tom", organizations.RoleAdmin)
	require.NoError(t, err)
	require.False(t, created)
	requireSameMember(t, tom, got, "an existing membership is returned unchanged, whatever role is asked")
	requireSameMember(t, tom, h.member(org.ID, "tom"))
	owner, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "chris", organizations.RoleMember)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, organizations.RoleAdmin, owner.Role)
	h.requireNoEvents()

	now := h.now()
	kim, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "kim", organizations.RoleAdmin)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, organizations.RoleAdmin, kim.Role)
	require.Equal(t, organizations.UserID("kim"), kim.UserID)
	require.True(t, now.Equal(kim.CreatedAt))
	h.requireEvents(organizations.UserAdded{OrganizationUser: kim})
	requireSameMember(t, kim, h.member(org.ID, "kim"))

	// At the store level the existing membership wins over the one offered.
	offer := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: org.ID, UserID: "tom", Role: organizations.RoleAdmin,
		CreatedAt: h.now(), UpdatedAt: h.now(),
	}
	got, created, err = h.store.GetOrAddUser(h.ctx, organizations.AddUserParams{Membership: offer})
	require.NoError(t, err)
	require.False(t, created)
	requireSameMember(t, tom, got)
	offer.UserID = "ben"
	got, created, err = h.store.GetOrAddUser(h.ctx, organizations.AddUserParams{Membership: offer})
	require.NoError(t, err)
	require.True(t, created)
	requireSameMember(t, offer, got)

	_, _, err = h.svc.GetOrAddUser(h.ctx, h.id(), "tom", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	offer.OrganizationID, offer.UserID = h.id(), "zed"
	_, _, err = h.store.GetOrAddUser(h.ctx, organizations.AddUserParams{Membership: offer})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, _, err = h.svc.GetOrAddUser(h.ctx, org.ID, "ann", "owner")
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	_, _, err = h.svc.GetOrAddUser(h.ctx, org.ID, "", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	h.requireNoOrgsFor("ann")
	h.requireNoOrgsFor("zed")
	h.requireNoEvents()
}

func testRemoveUser(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleAdmin)
	kim := h.addUser(org.ID, "kim", organizations.RoleMember)

	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"))
	h.requireEvents(organizations.UserRemoved{OrganizationUser: tom})
	ok, err := h.svc.IsMember(h.ctx, org.ID, "tom")
	require.NoError(t, err)
	require.False(t, ok)
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "tom")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	h.requireNoOrgsFor("tom")
	requireSameMembers(t, []organizations.OrganizationUser{h.owner(org.ID).OrganizationUser, kim}, h.members(org.ID, 0))

	// The store returns the membership it removed.
	got, err := h.store.RemoveUser(h.ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "kim"})
	require.NoError(t, err)
	requireSameMember(t, kim, got)

	// A removed user can come back, as a new membership.
	back := h.addUser(org.ID, "tom", organizations.RoleMember)
	require.NotEqual(t, tom.ID, back.ID)
	require.Equal(t, organizations.RoleMember, back.Role)
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"chris", "tom", "kim"})
}

func testRemoveUserErrors(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	h.addUser(org.ID, "tom", organizations.RoleAdmin)
	owner := h.owner(org.ID)
	members := h.members(org.ID, 0)

	require.ErrorIs(t, h.svc.RemoveUser(h.ctx, org.ID, "chris"), organizations.ErrOwnershipRequired)
	_, err := h.store.RemoveUser(h.ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "chris"})
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	require.ErrorIs(t, h.svc.RemoveUser(h.ctx, org.ID, "ann"), organizations.ErrNotMember)
	_, err = h.store.RemoveUser(h.ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "ann"})
	require.ErrorIs(t, err, organizations.ErrNotMember)
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		require.ErrorIs(t, h.svc.RemoveUser(h.ctx, id, "tom"), organizations.ErrOrganizationNotFound)
	}
	for _, user := range invalidUsers {
		require.ErrorIs(t, h.svc.RemoveUser(h.ctx, org.ID, user), organizations.ErrInvalidUserID, "%q", user)
	}

	requireSameOwner(t, owner, h.owner(org.ID), "the owner stays owner")
	requireSameMembers(t, members, h.members(org.ID, 0), "refused removals change nothing")
	h.requireNoEvents()

	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"))
	h.events.take()
	require.ErrorIs(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"), organizations.ErrNotMember, "removing twice")
	h.requireNoEvents()
}

func testSetRole(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	h.clock.Advance(time.Minute)
	now := h.now()

	admin, err := h.svc.SetRole(h.ctx, org.ID, "tom", organizations.RoleAdmin)
	require.NoError(t, err)
	want := tom
	want.Role, want.UpdatedAt = organizations.RoleAdmin, now
	requireSameMember(t, want, admin)
	requireSameMember(t, want, h.member(org.ID, "tom"))
	h.requireEvents(organizations.RoleChanged{Old: tom, New: admin})
	ok, err := h.svc.IsAdmin(h.ctx, org.ID, "tom")
	require.NoError(t, err)
	require.True(t, ok)

	h.clock.Advance(time.Minute)
	same, err := h.svc.SetRole(h.ctx, org.ID, "tom", organizations.RoleAdmin)
	require.NoError(t, err)
	requireSameMember(t, admin, same, "setting the same role writes nothing, UpdatedAt included")
	h.requireNoEvents()
	ownerSame, err := h.svc.SetRole(h.ctx, org.ID, "chris", organizations.RoleAdmin)
	require.NoError(t, err)
	require.Equal(t, organizations.RoleAdmin, ownerSame.Role)
	h.requireNoEvents()

	before, after, err := h.store.SetRole(h.ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "tom", Role: organizations.RoleAdmin, Now: h.now()})
	require.NoError(t, err)
	requireSameMember(t, admin, before)
	requireSameMember(t, admin, after)

	now = h.now()
	before, after, err = h.store.SetRole(h.ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "tom", Role: organizations.RoleMember, Now: now})
	require.NoError(t, err)
	requireSameMember(t, admin, before)
	want = admin
	want.Role, want.UpdatedAt = organizations.RoleMember, now
	requireSameMember(t, want, after)
	requireSameMember(t, want, h.member(org.ID, "tom"))
	h.requireNoEvents()
}

func testSetRoleErrors(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	h.addUser(org.ID, "tom", organizations.RoleMember)
	members := h.members(org.ID, 0)
	h.clock.Advance(time.Minute)

	_, err := h.svc.SetRole(h.ctx, org.ID, "chris", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired, "the owner cannot be demoted")
	_, _, err = h.store.SetRole(h.ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "chris", Role: organizations.RoleMember, Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	_, err = h.svc.SetRole(h.ctx, org.ID, "ann", organizations.RoleAdmin)
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, _, err = h.store.SetRole(h.ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "ann", Role: organizations.RoleAdmin, Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrNotMember)
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err = h.svc.SetRole(h.ctx, id, "tom", organizations.RoleAdmin)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	for _, role := range invalidRoles {
		_, err = h.svc.SetRole(h.ctx, org.ID, "tom", role)
		require.ErrorIs(t, err, organizations.ErrInvalidRole, "%q", role)
	}
	for _, user := range invalidUsers {
		_, err = h.svc.SetRole(h.ctx, org.ID, user, organizations.RoleAdmin)
		require.ErrorIs(t, err, organizations.ErrInvalidUserID, "%q", user)
	}
	requireSameMembers(t, members, h.members(org.ID, 0), "refused role changes change nothing")
	h.requireNoOrgsFor("ann")
	h.requireNoEvents()
}

func testOrganizationUser(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	requireSameMember(t, tom, h.member(org.ID, "tom"))
	got, err := h.store.OrganizationUser(h.ctx, org.ID, "tom")
	require.NoError(t, err)
	requireSameMember(t, tom, got)

	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "TOM")
	require.ErrorIs(t, err, organizations.ErrNotMember, "user IDs are compared exactly")
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err = h.svc.OrganizationUser(h.ctx, id, "tom")
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	_, err = h.store.OrganizationUser(h.ctx, h.id(), "tom")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
}

func testPredicates(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	other := h.createOrg("ann", "Other", nil)
	h.addUser(org.ID, "kim", organizations.RoleAdmin)
	h.addUser(org.ID, "tom", organizations.RoleMember)
	for _, c := range []struct {
		org                    uuid.UUID
		user                   organizations.UserID
		member, admin, isOwner bool
	}{
		{org.ID, "chris", true, true, true},
		{org.ID, "kim", true, true, false},
		{org.ID, "tom", true, false, false},
		{org.ID, "ann", false, false, false},
		{org.ID, "nobody", false, false, false},
		{org.ID, "", false, false, false},
		{org.ID, "\xff", false, false, false},
		{other.ID, "chris", false, false, false},
		{h.id(), "chris", false, false, false},
		{uuid.Nil, "chris", false, false, false},
	} {
		member, err := h.svc.IsMember(h.ctx, c.org, c.user)
		require.NoError(t, err)
		admin, err := h.svc.IsAdmin(h.ctx, c.org, c.user)
		require.NoError(t, err)
		isOwner, err := h.svc.IsOwner(h.ctx, c.org, c.user)
		require.NoError(t, err)
		require.Equal(t, []bool{c.member, c.admin, c.isOwner}, []bool{member, admin, isOwner},
			"IsMember, IsAdmin, IsOwner of %q", c.user)
	}
}

func testResolveOrganization(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", nil)
	h.createOrg("ann", "Other", nil)
	tom := h.addUser(org.ID, "tom", organizations.RoleMember)
	owner := h.member(org.ID, "chris")
	for _, ref := range []string{org.ID.String(), org.Slug} {
		for _, c := range []struct {
			user              organizations.UserID
			want              organizations.OrganizationUser
			isMember, isOwner bool
		}{
			{"chris", owner, true, true},
			{"tom", tom, true, false},
			{"ann", organizations.OrganizationUser{}, false, false},
			{"", organizations.OrganizationUser{}, false, false},
			{"\xff", organizations.OrganizationUser{}, false, false},
		} {
			got, err := h.svc.ResolveOrganization(h.ctx, ref, c.user)
			require.NoError(t, err, "ref %q user %q", ref, c.user)
			requireSameOrg(t, org, got.Organization, "ref %q", ref)
			require.Equal(t, []bool{c.isMember, c.isOwner}, []bool{got.IsMember, got.IsOwner}, "ref %q user %q", ref, c.user)
			if c.isMember {
				requireSameMember(t, c.want, got.Membership)
			} else {
				require.Zero(t, got.Membership)
			}
		}
	}
	// A removed member is refused on the very next lookup.
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "tom"))
	got, err := h.svc.ResolveOrganization(h.ctx, org.Slug, "tom")
	require.NoError(t, err)
	require.False(t, got.IsMember)
	// Ownership moves with ChangeOwner, and the next lookup sees it.
	h.addUser(org.ID, "kim", organizations.RoleMember)
	require.NoError(t, h.svc.ChangeOwner(h.ctx, org.ID, "kim"))
	got, err = h.svc.ResolveOrganization(h.ctx, org.ID.String(), "kim")
	require.NoError(t, err)
	require.True(t, got.IsOwner)
	require.True(t, got.Membership.IsAdmin())
	got, err = h.svc.ResolveOrganization(h.ctx, org.ID.String(), "chris")
	require.NoError(t, err)
	require.Equal(t, []bool{true, false}, []bool{got.IsMember, got.IsOwner})

	for _, ref := range []string{"", "nope", h.id().String(), uuid.Nil.String(), "Soundgarden", "sound garden", "\xff"} {
		_, err := h.svc.ResolveOrganization(h.ctx, ref, "chris")
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "ref %q", ref)
	}
	_, err = h.store.Access(h.ctx, organizations.AccessParams{OrganizationID: h.id(), UserID: "chris"})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.store.Access(h.ctx, organizations.AccessParams{Slug: "nope", UserID: "chris"})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}

func testIsolation(t *testing.T, h *harness) {
	a := h.createOrg("chris", "Alpha", nil)
	b := h.createOrg("ann", "Beta", nil)
	h.addUser(a.ID, "tom", organizations.RoleMember)
	tomB := h.addUser(b.ID, "tom", organizations.RoleMember)
	ownerB := h.owner(b.ID)

	_, err := h.svc.SetRole(h.ctx, a.ID, "tom", organizations.RoleAdmin)
	require.NoError(t, err)
	require.NoError(t, h.svc.ChangeOwner(h.ctx, a.ID, "tom"))
	requireSameMember(t, tomB, h.member(b.ID, "tom"), "a role or ownership in one organization does not leak")
	requireSameOwner(t, ownerB, h.owner(b.ID))
	require.NoError(t, h.svc.ChangeOwner(h.ctx, a.ID, "chris"))
	require.NoError(t, h.svc.RemoveUser(h.ctx, a.ID, "tom"))
	requireSameOrgs(t, []organizations.Organization{b}, h.orgsFor("tom", 0), "removal from one keeps the other")
	requireSameMember(t, tomB, h.member(b.ID, "tom"))

	_, err = h.svc.OrganizationUser(h.ctx, a.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember, "owning another organization makes no member here")
	require.ErrorIs(t, h.svc.ChangeOwner(h.ctx, a.ID, "ann"), organizations.ErrNotMember)
	h.requireInvariants([]uuid.UUID{a.ID, b.ID}, []organizations.UserID{"chris", "ann", "tom"})
}
