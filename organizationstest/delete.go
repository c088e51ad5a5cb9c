package organizationstest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func deleteTests() []test {
	return []test{
		{"RemovesEverythingOfIt", testDeleteRemovesAll},
		{"StoreReturnsDeleted", testDeleteStoreReturns},
		{"NotFound", testDeleteNotFound},
	}
}

func testDeleteRemovesAll(t *testing.T, h *harness) {
	a := h.createOrg("chris", "Alpha", nil)
	b := h.createOrg("chris", "Beta", nil)
	c := h.createOrg("kim", "Gamma", nil)
	h.addUser(a.ID, "tom", organizations.RoleMember)
	tomInB := h.addUser(b.ID, "tom", organizations.RoleAdmin)
	h.addUser(c.ID, "tom", organizations.RoleMember)
	membersB := h.members(b.ID, 0)
	ownerB := h.owner(b.ID)
	inv := h.newInvitation(a.ID, "chris", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	invB := h.newInvitation(b.ID, "chris", "ann@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(invB)

	require.NoError(t, h.svc.DeleteOrganization(h.ctx, a.ID))
	h.requireEvents(organizations.OrganizationDeleted{Organization: a})

	h.requireOrgGone(a.ID)
	_, err := h.svc.OrganizationBySlug(h.ctx, "alpha")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	for _, u := range []organizations.UserID{"chris", "tom"} {
		ok, err := h.svc.IsMember(h.ctx, a.ID, u)
		require.NoError(t, err)
		require.False(t, ok)
		_, err = h.svc.OrganizationUser(h.ctx, a.ID, u)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	_, err = h.store.InvitationByTokenHash(h.ctx, hash, h.now())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the organization's invitations go with it")
	_, err = h.store.Invitation(h.ctx, inv.ID, h.now())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)

	// Nothing else changed: the users, their other organizations, other invitations.
	requireSameOrgs(t, []organizations.Organization{b}, h.orgsFor("chris", 0))
	requireSameOrgs(t, []organizations.Organization{b, c}, h.orgsFor("tom", 0))
	requireSameMembers(t, membersB, h.members(b.ID, 0))
	requireSameOwner(t, ownerB, h.owner(b.ID))
	requireSameMember(t, tomInB, h.member(b.ID, "tom"))
	requireSameOrg(t, c, h.org(c.ID))
	pending, err := h.store.InvitationsForEmail(h.ctx, "ann@example.com", h.now())
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, invB.ID, pending[0].ID)

	// The slug is free again, for a generated and an explicit slug alike.
	require.Equal(t, "alpha", h.createOrg("kim", "Alpha", nil).Slug)
	require.NoError(t, h.svc.DeleteOrganization(h.ctx, h.orgsFor("kim", 0)[1].ID))
	h.events.take()
	require.Equal(t, "alpha", h.createOrg("kim", "Other", &organizations.CreateOptions{Slug: "alpha"}).Slug)
	h.requireInvariants([]uuid.UUID{a.ID, b.ID, c.ID}, []organizations.UserID{"chris", "tom", "kim"})
}

func testDeleteStoreReturns(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", nil)
	h.clock.Advance(time.Minute)
	org = update(t, h, org.ID, organizations.OrganizationUpdate{Name: ptr("Acme Corp")})
	got, err := h.store.DeleteOrganization(h.ctx, organizations.DeleteOrganizationParams{OrganizationID: org.ID})
	require.NoError(t, err)
	requireSameOrg(t, org, got, "DeleteOrganization returns the organization as it was")
	h.requireOrgGone(org.ID)
}

func testDeleteNotFound(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", nil)
	require.NoError(t, h.svc.DeleteOrganization(h.ctx, org.ID))
	h.events.take()
	for _, id := range []uuid.UUID{org.ID, h.id(), uuid.Nil} {
		require.ErrorIs(t, h.svc.DeleteOrganization(h.ctx, id), organizations.ErrOrganizationNotFound)
	}
	_, err := h.store.DeleteOrganization(h.ctx, organizations.DeleteOrganizationParams{OrganizationID: org.ID})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
}
