package organizations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// The host pattern of RemoveUserEverywhere: in the transaction that deletes the user
// row, so that a rollback keeps both and a commit removes both.
func TestPostgresRemoveUserEverywhereInHostTransaction(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	users := pgx.Identifier{schema, "app_users"}.Sanitize()
	_, err = pool.Exec(ctx, "CREATE TABLE "+users+" (id text PRIMARY KEY); INSERT INTO "+users+" VALUES ('ann')")
	require.NoError(t, err)
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "bob", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "ann", organizations.RoleAdmin)
	require.NoError(t, err)

	offboard := func(commit bool) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
		res, err := svc.WithStore(store.WithTx(tx)).RemoveUserEverywhere(ctx, "ann", nil)
		require.NoError(t, err)
		require.Len(t, res.Removed, 1)
		_, err = tx.Exec(ctx, "DELETE FROM "+users+" WHERE id = $1", "ann")
		require.NoError(t, err)
		if commit {
			require.NoError(t, tx.Commit(ctx))
		}
	}
	userRows := func() int {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+users).Scan(&n))
		return n
	}

	offboard(false)
	ok, err := svc.IsMember(ctx, org.ID, "ann")
	require.NoError(t, err)
	require.True(t, ok, "rolled back: still a member")
	require.Equal(t, 1, userRows())

	offboard(true)
	ok, err = svc.IsMember(ctx, org.ID, "ann")
	require.NoError(t, err)
	require.False(t, ok, "committed: gone with the user row")
	require.Equal(t, 0, userRows())
}
