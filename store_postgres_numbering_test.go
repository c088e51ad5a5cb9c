package organizations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Who numbers a write function's record (docs/postgres.md, "The write path"): a call on
// its own numbers it as its last step, so the record has its position before COMMIT; a
// call inside a transaction leaves it to COMMIT, so that the numbering lock is not held
// across the rest of the host's work. A *pgx.Conn is asked on every call, so a
// transaction begun on it by hand, without WithTx, is seen too.
func TestPostgresWriteFunctionsNumberOutsideATransactionOnly(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	pc, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer pc.Release()
	conn := pc.Conn()
	onConn, err := organizations.NewPostgresStore(conn, &organizations.PostgresOptions{Schema: store.Schema()})
	require.NoError(t, err)
	svc := organizations.New(onConn, nil)
	s := pgx.Identifier{store.Schema()}.Sanitize()
	// numbered reports whether the user_added record of user has a position, as conn
	// (inside its transaction, if any) sees it.
	numbered := func(user organizations.UserID) bool {
		var ok bool
		require.NoError(t, conn.QueryRow(ctx, `SELECT pos IS NOT NULL FROM `+s+`.organization_events
			WHERE type = 'user_added' AND subject = $1`, string(user)).Scan(&ok))
		return ok
	}
	org, err := svc.CreateOrganization(ctx, "ann", "Numbering", nil)
	require.NoError(t, err)

	_, err = svc.AddUser(ctx, org.ID, "alone", organizations.RoleMember)
	require.NoError(t, err)
	require.True(t, numbered("alone"), "a call on its own numbers its record")

	_, err = conn.Exec(ctx, "BEGIN")
	require.NoError(t, err)
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK") }()
	_, err = svc.AddUser(ctx, org.ID, "inside", organizations.RoleMember)
	require.NoError(t, err)
	require.False(t, numbered("inside"), "inside a transaction the record waits for COMMIT")
	_, err = conn.Exec(ctx, "COMMIT")
	require.NoError(t, err)
	require.True(t, numbered("inside"), "COMMIT numbered it")
}
