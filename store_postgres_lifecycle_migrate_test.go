package organizations_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlUndo0005 undoes migration 0005 exactly: the schema a store of the previous
// release left (0004 is another branch's and may be absent).
const sqlUndo0005 = `
DROP TABLE {s}.ownership_transfers;
DROP INDEX {s}.organizations_owner_idx;
DROP INDEX {s}.memberships_organization_role_idx;
DROP INDEX {s}.memberships_suspended_idx;
ALTER TABLE {s}.organizations DROP CONSTRAINT organizations_owner_fkey;
ALTER TABLE {s}.memberships ADD CONSTRAINT memberships_organization_user_role_key UNIQUE (organization_id, user_id, role);
ALTER TABLE {s}.organizations ADD CONSTRAINT organizations_owner_fkey
	FOREIGN KEY (id, owner_id, owner_role) REFERENCES {s}.memberships (organization_id, user_id, role);
ALTER TABLE {s}.organizations DROP COLUMN owner_status, DROP COLUMN max_members, DROP COLUMN seat_seq;
ALTER TABLE {s}.memberships DROP COLUMN status, DROP COLUMN suspended_at;
DELETE FROM {s}.organizations_migrations WHERE version = 5;`

// A database at migration 0003, with data (sqlPopulate0002 wrote nothing 0003 changed),
// upgraded by Migrate: the data stays, every membership is active, the organization has
// no limit, and seats and suspension work on the old rows; the owner cannot be suspended
// even by SQL that bypasses the store.
func TestPostgresLifecycleMigrationUpgradesData(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	sanitized := pgx.Identifier{schema}.Sanitize()
	exec := func(sql string) error {
		t.Helper()
		_, err := pool.Exec(ctx, strings.ReplaceAll(sql, "{s}", sanitized))
		return err
	}
	require.NoError(t, exec(sqlUndo0006))
	require.NoError(t, exec(sqlUndo0005))
	require.ErrorIs(t, store.CheckSchema(ctx), organizations.ErrSchemaOutdated)
	require.NoError(t, exec(sqlPopulate0002))

	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.CheckSchema(ctx))

	svc := organizations.New(store, nil)
	org, err := svc.OrganizationBySlug(ctx, "acme")
	require.NoError(t, err)
	require.Zero(t, org.MaxMembers)
	seats, err := svc.Seats(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.Seats{Members: 3, PendingInvitations: 1}, seats)
	page, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	for _, m := range page.Items {
		require.Equal(t, organizations.MemberStatusActive, m.Status(), m.UserID)
	}

	// The owner is held active by the schema: no SQL suspends it.
	err = exec(`UPDATE {s}.memberships SET status = 'suspended', suspended_at = now() WHERE user_id = 'ann'`)
	var pe interface{ SQLState() string }
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "23503", pe.SQLState(), "organizations_owner_fkey: %v", err)
	_, err = svc.SuspendUser(ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)

	// Seats and suspension on the old rows.
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: ptr(3)})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "eve", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "3 members at a limit of 3")
	_, err = svc.As("cat").SuspendUser(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.ErrorIs(t, svc.As("bob").RemoveUser(ctx, org.ID, "cat"), organizations.ErrPermissionDenied)
	_, err = svc.As("cat").ReactivateUser(ctx, org.ID, "bob")
	require.NoError(t, err)
}
