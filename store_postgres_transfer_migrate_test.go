package organizations_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlUndo0006 undoes migration 0006 exactly (less the closed proposals it deleted).
const sqlUndo0006 = `
DROP TRIGGER memberships_suspended ON {s}.memberships;
DROP TRIGGER organizations_owner_changed ON {s}.organizations;
DROP FUNCTION {s}.memberships_suspended();
DROP FUNCTION {s}.organizations_owner_changed();
DELETE FROM {s}.organizations_migrations WHERE version = 6;`

// A database at migration 0005 holding proposals that were closed only in the reading
// (their proposer no longer the owner; their nominee suspended, as a suspension racing
// the proposal could leave) and an open one, upgraded by Migrate: the closed ones are
// deleted, the open one stays, and from then on the schema closes proposals itself.
func TestPostgresTransferClosingMigrationUpgradesData(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	exec := func(sql string, args ...any) {
		t.Helper()
		_, err := pool.Exec(ctx, strings.ReplaceAll(sql, "{s}", pgx.Identifier{schema}.Sanitize()), args...)
		require.NoError(t, err)
	}
	exec(sqlUndo0006)
	require.ErrorIs(t, store.CheckSchema(ctx), organizations.ErrSchemaOutdated)

	svc := organizations.New(store, nil)
	var orgs [3]organizations.Organization
	for i, name := range []string{"Stale owner", "Suspended nominee", "Open"} {
		orgs[i], err = svc.CreateOrganization(ctx, "owner", name, nil)
		require.NoError(t, err)
		for _, u := range []organizations.UserID{"admin", "bob"} {
			_, err = svc.AddUser(ctx, orgs[i].ID, u, organizations.RoleAdmin)
			require.NoError(t, err)
		}
		_, err = svc.As("owner").ProposeOwnershipTransfer(ctx, orgs[i].ID, "bob")
		require.NoError(t, err)
	}
	// What the previous release could leave, closed by reading alone: the owner moved
	// (by SQL, now that no trigger closes it) and the nominee suspended.
	exec(`UPDATE {s}.organizations SET owner_id = 'admin' WHERE id = $1`, orgs[0].ID)
	exec(`UPDATE {s}.memberships SET status = 'suspended', suspended_at = now() WHERE organization_id = $1 AND user_id = 'bob'`, orgs[1].ID)
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, "ownership_transfers"}.Sanitize()).Scan(&n))
	require.Equal(t, 3, n)

	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.CheckSchema(ctx))
	require.Zero(t, transferRows(t, pool, store, orgs[0].ID), "its proposer no longer owns it")
	require.Zero(t, transferRows(t, pool, store, orgs[1].ID), "its nominee is suspended")
	require.Equal(t, 1, transferRows(t, pool, store, orgs[2].ID), "an open proposal stays")
	tr, err := svc.OwnershipTransfer(ctx, orgs[2].ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("bob"), tr.Nominee)

	exec(`UPDATE {s}.organizations SET owner_id = 'admin' WHERE id = $1`, orgs[2].ID)
	require.Zero(t, transferRows(t, pool, store, orgs[2].ID), "the schema closes it now")
}
