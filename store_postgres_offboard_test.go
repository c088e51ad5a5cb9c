package organizations_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
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

// RemoveUserEverywhere decides on the successor's membership as it locked it: a
// transaction deleting the only other admin's membership holds the row, the offboarding
// (whose snapshot still shows the admin) waits for it, the transaction commits, and the
// offboarding finds no successor: ErrNoSuccessor, nothing changed. (Deciding on its
// snapshot, the statement handed the organization to the deleted membership and failed
// on organizations_owner_fkey, reported as ErrOwnershipRequired.)
func TestPostgresOffboardingDecidesOnTheLockedSuccessor(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	rec := &organizationstest.Recorder{}
	svc := organizations.New(store, &organizations.Options{Events: rec.Record})
	org, err := svc.CreateOrganization(ctx, "ann", "Successors", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "heir", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "member", organizations.RoleMember)
	require.NoError(t, err)
	rec.Take()
	schema := pgx.Identifier{store.Schema()}.Sanitize()

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "DELETE FROM "+schema+".memberships WHERE organization_id = $1 AND user_id = 'heir'", org.ID)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := svc.RemoveUserEverywhere(ctx, "ann", &organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin})
		done <- err
	}()
	// Wait until the offboarding waits for the heir's row.
	var txPID uint32
	require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&txPID))
	require.Eventually(t, func() bool {
		var waiting bool
		err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid)))", int(txPID)).Scan(&waiting)
		return err == nil && waiting
	}, time.Minute, 5*time.Millisecond, "RemoveUserEverywhere never waited for the locked row")
	require.NoError(t, tx.Commit(ctx))

	err = <-done
	require.ErrorIs(t, err, organizations.ErrNoSuccessor)
	require.NotErrorIs(t, err, organizations.ErrOwnershipRequired)
	owner, err := svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("ann"), owner.OrganizationUser.UserID, "nothing changed")
	ms, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, ms.Items, 2, "ann and member")
	require.Empty(t, rec.Take(), "no event")
}
