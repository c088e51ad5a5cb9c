package organizations_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// A write judges a change on the row as it locked it, not on its snapshot: bob's role is
// member in SetRole's snapshot, a transaction holding his row makes him an admin and
// commits while SetRole waits for the lock, and SetRole(helper) then reports admin ->
// helper, as the database says. (Judged on the snapshot, the UPDATE skipped the row and
// the call failed with "changed nothing"; the event's old role said member.) SetRole to
// the role bob holds in its snapshot would be a read that waits for nothing
// (TestPostgresSetRoleToTheSameRoleWritesNothing), so the call gives a third role.
func TestPostgresSetRoleJudgesTheLockedRow(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	changed := make(chan organizations.RoleChanged, 1)
	svc := organizations.New(store, &organizations.Options{Events: func(_ context.Context, e organizations.Event) {
		if rc, ok := e.(organizations.RoleChanged); ok {
			changed <- rc
		}
	}})
	org, err := svc.CreateOrganization(ctx, "alice", "Locked Rows", nil)
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "helper",
		Includes: []organizations.Role{organizations.RoleMember}})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	schema := pgx.Identifier{store.Schema()}.Sanitize()

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "UPDATE "+schema+".memberships SET role = 'admin' WHERE organization_id = $1 AND user_id = 'bob'", org.ID)
	require.NoError(t, err)

	type result struct {
		after organizations.OrganizationUser
		err   error
	}
	done := make(chan result, 1)
	go func() {
		a, err := svc.SetRole(ctx, org.ID, "bob", "helper")
		done <- result{a, err}
	}()
	// Wait until SetRole waits for bob's row (its snapshot, taken before, shows member).
	var txPID uint32
	require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&txPID))
	require.Eventually(t, func() bool {
		var waiting bool
		err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid)))", int(txPID)).Scan(&waiting)
		return err == nil && waiting
	}, time.Minute, 5*time.Millisecond, "SetRole never waited for the locked row")
	require.NoError(t, tx.Commit(ctx))

	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, organizations.Role("helper"), r.after.Role)
	rc := <-changed
	require.Equal(t, organizations.RoleAdmin, rc.Old.Role, "the event's old role is the row as locked")
	require.Equal(t, organizations.Role("helper"), rc.New.Role)
	var role string
	require.NoError(t, pool.QueryRow(ctx, "SELECT role FROM "+schema+".memberships WHERE organization_id = $1 AND user_id = 'bob'", org.ID).Scan(&role))
	require.Equal(t, "helper", role, "the database agrees with the reported outcome")
}
