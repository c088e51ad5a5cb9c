package organizations_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// ChangeOwner to a member who holds a custom role promotes them to admin, leaving the
// custom role, as the memory store does and as an accepted ownership transfer does. (The
// single statement it replaced set role but left custom_role, which
// memberships_custom_role_check refused: ErrInvalidRole on PostgreSQL only.)
func TestPostgresChangeOwnerPromotesACustomRoleMember(t *testing.T) {
	t.Parallel()
	pg, _ := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	for name, store := range map[string]organizations.Store{"Memory": organizations.NewMemoryStore(), "Postgres": pg} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "alice", "Custom Owner", nil)
			require.NoError(t, err)
			_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "boss", Includes: []organizations.Role{organizations.RoleMember}})
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, org.ID, "bob", "boss")
			require.NoError(t, err)

			require.NoError(t, svc.As("alice").ChangeOwner(ctx, org.ID, "bob"))
			owner, err := svc.Owner(ctx, org.ID)
			require.NoError(t, err)
			require.Equal(t, organizations.UserID("bob"), owner.OrganizationUser.UserID)
			require.Equal(t, organizations.RoleAdmin, owner.OrganizationUser.Role)
			// The role is no longer held: it can go.
			require.NoError(t, svc.DeleteRole(ctx, org.ID, "boss"))
		})
	}
}
