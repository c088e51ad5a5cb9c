package organizations_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Every change of owner closes the proposal as it stands when the change is written, not
// as in the statement's snapshot: a proposal made by a transaction that holds the
// organization row and commits while ChangeOwner (or RemoveUserEverywhere's hand-over)
// waits for the row, so after its snapshot was taken, is closed too (deleted), and stays
// closed when the organization comes back to its proposer. So is one whose owner a
// host's own SQL moves. (Closed only by the statement's own DELETE, which reads its
// snapshot, the proposal survived and opened again.)
func TestPostgresOwnerChangeClosesAProposalMadeWhileItWaited(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		move func(ctx context.Context, svc *organizations.Service, org uuid.UUID) error
	}{
		{"ChangeOwner", func(ctx context.Context, svc *organizations.Service, org uuid.UUID) error {
			return svc.As("owner").ChangeOwner(ctx, org, "admin")
		}},
		{"RemoveUserEverywhere", func(ctx context.Context, svc *organizations.Service, org uuid.UUID) error {
			_, err := svc.RemoveUserEverywhere(ctx, "owner", &organizations.OffboardOptions{OtherOwned: organizations.OwnedTransferToAdmin})
			if err == nil {
				_, err = svc.AddUser(ctx, org, "owner", organizations.RoleAdmin)
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "owner", "Waiting", nil)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, org.ID, "admin", organizations.RoleAdmin)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
			require.NoError(t, err)

			tx, err := pool.Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = tx.Rollback(ctx) }()
			_, err = svc.WithStore(store.WithTx(tx)).As("owner").ProposeOwnershipTransfer(ctx, org.ID, "bob")
			require.NoError(t, err)

			require.NoError(t, whileBlocked(t, pool, tx, func() error { return tc.move(ctx, svc, org.ID) }))

			require.Zero(t, transferRows(t, pool, store, org.ID), "the proposal is closed: deleted")
			require.NoError(t, svc.As("admin").ChangeOwner(ctx, org.ID, "owner"), "the organization comes back to the proposer")
			_, err = svc.OwnershipTransfer(ctx, org.ID)
			require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed for good")
			require.ErrorIs(t, svc.As("bob").AcceptOwnershipTransfer(ctx, org.ID), organizations.ErrTransferNotFound)
		})
	}
	t.Run("HostSQL", func(t *testing.T) {
		t.Parallel()
		store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
		ctx := t.Context()
		svc := organizations.New(store, nil)
		org, err := svc.CreateOrganization(ctx, "owner", "Host", nil)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, org.ID, "admin", organizations.RoleAdmin)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
		require.NoError(t, err)
		_, err = svc.As("owner").ProposeOwnershipTransfer(ctx, org.ID, "bob")
		require.NoError(t, err)
		orgs := pgx.Identifier{store.Schema(), "organizations"}.Sanitize()
		_, err = pool.Exec(ctx, "UPDATE "+orgs+" SET owner_id = 'admin' WHERE id = $1", org.ID)
		require.NoError(t, err)
		require.Zero(t, transferRows(t, pool, store, org.ID), "the schema closes it")
		_, err = pool.Exec(ctx, "UPDATE "+orgs+" SET owner_id = 'owner' WHERE id = $1", org.ID)
		require.NoError(t, err)
		_, err = svc.OwnershipTransfer(ctx, org.ID)
		require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed for good")
	})
}

// transferRows counts the organization's rows in ownership_transfers.
func transferRows(t *testing.T, pool *pgxpool.Pool, store *organizations.PostgresStore, org uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{store.Schema(), "ownership_transfers"}.Sanitize()+
		" WHERE organization_id = $1", org).Scan(&n))
	return n
}

// A suspension of the nominee closes the proposal as it stands when the suspension is
// written: a proposal made by a transaction that holds the organization row and commits
// while SuspendUser waits for the row (after SuspendUser's snapshot) is closed too, and
// stays closed when the nominee is reactivated. (Closed only by the statement's own
// DELETE, which reads its snapshot, the proposal survived, and the reactivated nominee
// could accept it.)
func TestPostgresSuspensionClosesAProposalMadeWhileItWaited(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Suspended nominee", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = svc.WithStore(store.WithTx(tx)).As("owner").ProposeOwnershipTransfer(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, whileBlocked(t, pool, tx, func() error { return errOnly(svc.As("owner").SuspendUser(ctx, org.ID, "bob")) }))

	require.Zero(t, transferRows(t, pool, store, org.ID), "the proposal is closed: deleted")
	_, err = svc.ReactivateUser(ctx, org.ID, "bob")
	require.NoError(t, err)
	_, err = svc.OwnershipTransfer(ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound, "closed for good")
	require.ErrorIs(t, svc.As("bob").AcceptOwnershipTransfer(ctx, org.ID), organizations.ErrTransferNotFound)
	owner, err := svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("owner"), owner.OrganizationUser.UserID)
}

// whileBlocked runs f on another goroutine, waits until f's statement waits for a lock
// that tx holds (pg_blocking_pids: no timing), commits tx and returns f's error.
func whileBlocked(t *testing.T, pool *pgxpool.Pool, tx pgx.Tx, f func() error) error {
	t.Helper()
	ctx := t.Context()
	done := make(chan error, 1)
	go func() { done <- f() }()
	var txPID uint32
	require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&txPID))
	require.Eventually(t, func() bool {
		var waiting bool
		err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid)))", int(txPID)).Scan(&waiting)
		return err == nil && waiting
	}, time.Minute, 5*time.Millisecond, "the call never waited for the transaction's lock")
	require.NoError(t, tx.Commit(ctx))
	return <-done
}
