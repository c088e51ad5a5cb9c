package organizations_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlBackTo0002 undoes migration 0003 exactly: the schema a store of the previous
// release left.
const sqlBackTo0002 = `
DROP TABLE {s}.organization_roles CASCADE;
ALTER TABLE {s}.memberships DROP COLUMN custom_role;
ALTER TABLE {s}.invitations DROP COLUMN custom_role;
ALTER TABLE {s}.memberships DROP CONSTRAINT memberships_role_name_check,
	ADD CONSTRAINT memberships_role_check CHECK (role IN ('member', 'admin'));
ALTER TABLE {s}.invitations DROP CONSTRAINT invitations_role_name_check,
	ADD CONSTRAINT invitations_role_check CHECK (role IN ('member', 'admin'));
DELETE FROM {s}.organizations_migrations WHERE version = 3;`

// sqlPopulate0002 fills a schema at 0002 with what a store of that release wrote: an
// organization with its owner, an admin and a member, and a pending invitation.
const sqlPopulate0002 = `
WITH o AS (
	INSERT INTO {s}.organizations (id, name, slug, created_at, updated_at, owner_id, owner_since)
	VALUES ('00000000-0000-7000-8000-00000000a001', 'Acme', 'acme', now(), now(), 'ann', now())
	RETURNING id
)
INSERT INTO {s}.memberships (id, organization_id, user_id, role, created_at, updated_at)
SELECT gen_random_uuid(), o.id, u.user_id, u.role, now(), now()
FROM o, (VALUES ('ann', 'admin'), ('bob', 'member'), ('cat', 'admin')) AS u(user_id, role);
INSERT INTO {s}.invitations (id, organization_id, email, role, invited_by, bearer, status, token_hash, created_at, expires_at)
VALUES (gen_random_uuid(), '00000000-0000-7000-8000-00000000a001', 'dan@example.com', 'member', 'cat', false, 'pending',
	sha256('t'), now(), now() + interval '1 day');`

// A database at migration 0002, with data, upgraded by Migrate: the data stays, the
// fixed role lists become format checks, and roles, permissions and custom roles work on
// the old rows under the default policy.
func TestPostgresRolesMigrationUpgradesData(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	exec := func(sql string) {
		t.Helper()
		_, err := pool.Exec(ctx, strings.ReplaceAll(sql, "{s}", pgx.Identifier{schema}.Sanitize()))
		require.NoError(t, err)
	}
	exec(sqlBackTo0002)
	require.ErrorIs(t, store.CheckSchema(ctx), organizations.ErrSchemaOutdated)
	exec(sqlPopulate0002)

	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.CheckSchema(ctx))

	svc := organizations.New(store, nil)
	org, err := svc.OrganizationBySlug(ctx, "acme")
	require.NoError(t, err)
	for user, can := range map[organizations.UserID]bool{"ann": true, "bob": false, "cat": true, "zed": false} {
		ok, err := svc.HasPermission(ctx, org.ID, user, organizations.PermMembersRemove)
		require.NoError(t, err)
		require.Equal(t, can, ok, user)
	}
	page, err := svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "the invitation survives")

	// Custom roles on the upgraded data, and the actor checks.
	_, err = svc.As("cat").CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "support", Includes: []organizations.Role{organizations.RoleMember}})
	require.NoError(t, err)
	_, err = svc.As("cat").SetRole(ctx, org.ID, "bob", "support")
	require.NoError(t, err)
	require.ErrorIs(t, svc.As("bob").RemoveUser(ctx, org.ID, "cat"), organizations.ErrPermissionDenied)
	require.ErrorIs(t, svc.As("cat").DeleteRole(ctx, org.ID, "support"), organizations.ErrRoleInUse)
	_, err = svc.As("cat").SetRole(ctx, org.ID, "ann", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	require.NoError(t, svc.As("cat").RevokeInvitation(ctx, page.Items[0].ID))
	require.ErrorIs(t, svc.As("cat").DeleteOrganization(ctx, org.ID), organizations.ErrPermissionDenied)
	require.NoError(t, svc.As("ann").DeleteOrganization(ctx, org.ID))
}
