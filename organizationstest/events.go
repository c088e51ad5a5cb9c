package organizationstest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func eventTests() []test {
	return []test{
		{"Lifecycle", testEventsLifecycle},
	}
}

// testEventsLifecycle walks one organization through every Service change and checks
// that each emits exactly its events, in order, and that failed and no-op calls emit none.
// (The recorder checks on arrival that each change was already stored.)
func testEventsLifecycle(t *testing.T, h *harness) {
	ctx, svc := h.ctx, h.svc
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	h.requireEvents(organizations.OrganizationCreated{Organization: org, Owner: "chris"})
	_, err = svc.CreateOrganization(ctx, "chris", "X", &organizations.CreateOptions{Slug: "soundgarden"})
	require.Error(t, err)
	h.requireNoEvents()
	chris := h.member(org.ID, "chris")

	tom, err := svc.AddUser(ctx, org.ID, "tom", organizations.RoleMember)
	require.NoError(t, err)
	h.requireEvents(organizations.UserAdded{OrganizationUser: tom})
	_, err = svc.AddUser(ctx, org.ID, "tom", organizations.RoleMember)
	require.Error(t, err)
	_, _, err = svc.GetOrAddUser(ctx, org.ID, "tom", organizations.RoleAdmin)
	require.NoError(t, err)
	h.requireNoEvents()
	kim, _, err := svc.GetOrAddUser(ctx, org.ID, "kim", organizations.RoleAdmin)
	require.NoError(t, err)
	h.requireEvents(organizations.UserAdded{OrganizationUser: kim})

	h.clock.Advance(time.Minute)
	kimMember, err := svc.SetRole(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	h.requireEvents(organizations.RoleChanged{Old: kim, New: kimMember})
	_, err = svc.SetRole(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.SetRole(ctx, org.ID, "chris", organizations.RoleMember)
	require.Error(t, err)
	h.requireNoEvents()

	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "chris"))
	require.Error(t, svc.ChangeOwner(ctx, org.ID, "nobody"))
	h.requireNoEvents()
	h.clock.Advance(time.Minute)
	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "tom"))
	tomOwner := h.member(org.ID, "tom")
	h.requireEvents(
		organizations.RoleChanged{Old: tom, New: tomOwner},
		organizations.OwnerChanged{Old: chris, New: tomOwner},
	)
	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "chris"))
	h.requireEvents(organizations.OwnerChanged{Old: tomOwner, New: chris})

	require.Error(t, svc.RemoveUser(ctx, org.ID, "chris"))
	require.Error(t, svc.RemoveUser(ctx, org.ID, "nobody"))
	h.requireNoEvents()
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "kim"))
	h.requireEvents(organizations.UserRemoved{OrganizationUser: kimMember})

	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: ptr("Soundgarden")})
	require.NoError(t, err)
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Slug: ptr("-")})
	require.Error(t, err)
	h.requireNoEvents()
	h.clock.Advance(time.Minute)
	updated, err := svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: ptr("Chris Cornell")})
	require.NoError(t, err)
	h.requireEvents(organizations.OrganizationUpdated{Organization: updated})

	require.NoError(t, svc.DeleteOrganization(ctx, org.ID))
	h.requireEvents(organizations.OrganizationDeleted{Organization: updated})
	require.Error(t, svc.DeleteOrganization(ctx, org.ID))
	h.requireNoEvents()
}
