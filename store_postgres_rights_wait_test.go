package organizations_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// rightsDB is the database side of the PostgreSQL rights sweep, on pgx or database/sql:
// a store, a way to read outside any transaction, and host transactions.
type rightsDB struct {
	store    *organizations.PostgresStore
	queryRow rowReader
	begin    func(ctx context.Context) (rightsTx, error)
}

// rightsTx is a host transaction: its store, a read inside it, and its end.
type rightsTx struct {
	store    *organizations.PostgresStore
	queryRow rowReader
	commit   func(ctx context.Context) error
	rollback func(ctx context.Context) error
}

// rowReader reads one row: a pool's, a database/sql handle's or a transaction's QueryRow.
type rowReader func(ctx context.Context, sql string, args ...any) interface{ Scan(...any) error }

// waitBlockedBy returns once some backend waits for a lock that the backend pid holds,
// as pg_blocking_pids tells; it fails the test if the call behind done ends first (it
// did not wait for pid, so the test would not test what it says).
func waitBlockedBy(t *testing.T, read rowReader, pid int, done <-chan error) {
	t.Helper()
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("the call ended without waiting for the host transaction: %v", err)
		default:
		}
		err := read(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid)))", pid).Scan(&waiting)
		require.NoError(t, err)
		if !waiting {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// poolReader is pool's QueryRow as a rowReader.
func poolReader(pool *pgxpool.Pool) rowReader {
	return func(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
		return pool.QueryRow(ctx, q, args...)
	}
}

func pgxRightsDB(store *organizations.PostgresStore, pool *pgxpool.Pool) rightsDB {
	return rightsDB{
		store: store,
		queryRow: func(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
			return pool.QueryRow(ctx, q, args...)
		},
		begin: func(ctx context.Context) (rightsTx, error) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return rightsTx{}, err
			}
			return rightsTx{
				store: store.WithTx(tx),
				queryRow: func(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
					return tx.QueryRow(ctx, q, args...)
				},
				commit: tx.Commit, rollback: tx.Rollback,
			}, nil
		},
	}
}

func sqlRightsDB(store *organizations.PostgresStore, db *sql.DB) rightsDB {
	return rightsDB{
		store: store,
		queryRow: func(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
			return db.QueryRowContext(ctx, q, args...)
		},
		begin: func(ctx context.Context) (rightsTx, error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return rightsTx{}, err
			}
			return rightsTx{
				store: store.WithSQLTx(tx),
				queryRow: func(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
					return tx.QueryRowContext(ctx, q, args...)
				},
				commit:   func(context.Context) error { return tx.Commit() },
				rollback: func(context.Context) error { return tx.Rollback() },
			}, nil
		},
	}
}

// rightsFingerprint is a query of everything an organization ($1) has: its row, members,
// invitations, custom roles, open transfer and event records.
func rightsFingerprint(schema string) string {
	s := pgx.Identifier{schema}.Sanitize() + "."
	return `SELECT concat_ws(' | ',
	(SELECT row_to_json(o)::text FROM ` + s + `organizations o WHERE o.id = $1::uuid),
	(SELECT json_agg(m ORDER BY m.user_id)::text FROM ` + s + `memberships m WHERE m.organization_id = $1::uuid),
	(SELECT json_agg(i ORDER BY i.id)::text FROM ` + s + `invitations i WHERE i.organization_id = $1::uuid),
	(SELECT json_agg(r ORDER BY r.name)::text FROM ` + s + `organization_roles r WHERE r.organization_id = $1::uuid),
	(SELECT json_agg(t)::text FROM ` + s + `ownership_transfers t WHERE t.organization_id = $1::uuid),
	(SELECT json_agg(e.type ORDER BY e.seq)::text FROM ` + s + `organization_events e WHERE e.organization_id = $1::uuid))`
}

// runRightsCase runs case c: a host transaction takes the right away from the actor and
// changes the organization row (in that order, or the other way round with orgFirst);
// the actor's call starts and waits for the row; the host commits; the call must fail
// with c.want and leave the organization as the host left it.
func runRightsCase(t *testing.T, db rightsDB, c rightsCase, orgFirst bool) {
	ctx := t.Context()
	svc := organizations.New(db.store, rightsOptions())
	w, err := setupRights(ctx, svc, c)
	require.NoError(t, err)

	host, err := db.begin(ctx)
	require.NoError(t, err)
	defer func() { _ = host.rollback(context.WithoutCancel(ctx)) }()
	hostSvc := svc.WithStore(host.store)
	steps := []func(context.Context, *organizations.Service, rightsWorld) error{c.change.apply, touchOrganization}
	if orgFirst {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, step := range steps {
		require.NoError(t, step(ctx, hostSvc, w))
	}
	fingerprint := rightsFingerprint(db.store.Schema())
	var want string
	require.NoError(t, host.queryRow(ctx, fingerprint, w.org.String()).Scan(&want))
	var hostPID int
	require.NoError(t, host.queryRow(ctx, "SELECT pg_backend_pid()").Scan(&hostPID))

	done := make(chan error, 1)
	go func() { done <- c.op.call(ctx, svc.As(rightsActor), w) }()
	// Wait until the call waits for the host's locks (it takes the organization row
	// first), or fail if it ends without waiting.
	waitBlockedBy(t, db.queryRow, hostPID, done)
	require.NoError(t, host.commit(ctx))

	err = <-done
	require.ErrorIs(t, err, c.want, "the actor lost the right before the call decided")
	var got string
	require.NoError(t, db.queryRow(ctx, fingerprint, w.org.String()).Scan(&got))
	require.Equal(t, want, got, "a refused call changes nothing and records nothing")
}

// The two orders of the host transaction's steps: taking the right first, then changing
// the organization row, or the other way round.
var rightsOrders = []struct {
	name     string
	orgFirst bool
}{{"RightsThenOrganization", false}, {"OrganizationThenRights", true}}

// runRightsSweep runs every case of the sweep, in parallel, each on a store of its own
// from open (so that no case's locks can be taken for another's wait). With bothOrders,
// the heavy tier runs each case with the host transaction's steps in both orders, and
// the fast tier in one of them, alternating like a checkerboard over operations and
// changes (so that every operation and every change meets both orders); without, each
// case takes the right first.
func runRightsSweep(t *testing.T, open func(t *testing.T) rightsDB, bothOrders bool) {
	for _, c := range rightsCases() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			db := open(t)
			for i, order := range rightsOrders {
				switch {
				case !bothOrders && order.orgFirst:
					continue
				case bothOrders && !pgtest.HeavyEnabled() && i != rightsCheckerboard(c):
					continue
				}
				t.Run(order.name, func(t *testing.T) { runRightsCase(t, db, c, order.orgFirst) })
			}
		})
	}
}

// rightsCheckerboard is the index in rightsOrders of the order that the fast tier runs
// case c in.
func rightsCheckerboard(c rightsCase) int {
	op := slices.IndexFunc(rightsOps, func(o rightsOp) bool { return o.name == c.op.name })
	change := slices.IndexFunc(rightsChanges, func(ch rightsChange) bool { return ch.name == c.change.name })
	return (op + change) % len(rightsOrders)
}

// An actor-checked call decides on the actor's rights as they are when it has its locks:
// a host transaction that takes a right away from the actor (demotes them, narrows their
// custom role, suspends or removes them, moves the ownership away) and changes the
// organization row commits while the call waits for that row, and the call is refused
// and changes nothing. In READ COMMITTED the call's statement reads its snapshot, taken
// before the wait, except for the rows it locks: every input of the decision has to be
// one of those.
func TestPostgresActorRightsChangedDuringLockWait(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			if m.mode != pgx.QueryExecModeCacheStatement {
				pgtest.Heavy(t) // the fast tier sweeps in pgx's default mode
			}
			runRightsSweep(t, func(t *testing.T) rightsDB {
				store, pool := newPostgresStore(t, m.mode)
				return pgxRightsDB(store, pool)
			}, true)
		})
	}
	// The same statements over database/sql: one order is enough to show they run there
	// alike.
	t.Run("DatabaseSQL", func(t *testing.T) {
		t.Parallel()
		pgtest.Heavy(t) // the fast tier sweeps on pgx
		db := openSQL(t, "")
		runRightsSweep(t, func(t *testing.T) rightsDB {
			store, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
			require.NoError(t, err)
			return sqlRightsDB(store, db)
		}, false)
	})
}

// An invitation is accepted only while its inviter may grant it, judged on the inviter's
// custom role as it is when the acceptance has its locks: a host transaction narrows the
// inviter's custom role (no more invitations:create) and holds the invitation's row; the
// acceptance waits for the row, the host commits, and the acceptance is refused with
// ErrInviterNotAllowed, leaving the invitation pending and no membership. (Read from the
// statement's snapshot, the role still allowed it.)
func TestPostgresAcceptInvitationJudgesTheInvitersLockedRole(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	var token string
	svc := organizations.New(store, &organizations.Options{Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
		token = m.Token
		return nil
	})})
	org, err := svc.CreateOrganization(ctx, "alice", "Inviter Role", nil)
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "recruiter",
		Permissions: []organizations.Permission{organizations.PermInvitationsCreate}})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "rita", "recruiter")
	require.NoError(t, err)
	inv, err := svc.Invite(ctx, "rita", org.ID, "newbie@example.com", nil)
	require.NoError(t, err)
	schema := pgx.Identifier{store.Schema()}.Sanitize()

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = svc.WithStore(store.WithTx(tx)).UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "recruiter"})
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SELECT 1 FROM "+schema+".invitations WHERE id = $1 FOR UPDATE", inv.ID)
	require.NoError(t, err)
	var txPID int
	require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&txPID))

	done := make(chan error, 1)
	go func() {
		_, err := svc.AcceptInvitation(ctx, token, "newbie", "newbie@example.com")
		done <- err
	}()
	waitBlockedBy(t, poolReader(pool), txPID, done)
	require.NoError(t, tx.Commit(ctx))

	require.ErrorIs(t, <-done, organizations.ErrInviterNotAllowed)
	got, err := svc.Store().Invitation(ctx, inv.ID, time.Now())
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusPending, got.Status)
	ok, err := svc.IsMember(ctx, org.ID, "newbie")
	require.NoError(t, err)
	require.False(t, ok, "no membership")
}

// The lock-order hazard a host transaction can make (README, "Roles and permissions"): it
// narrows the actor's custom role (locking the role row), the actor's AddUser starts and
// waits for that row while holding its share lock on the organization row, and the host
// then updates the organization row. The two wait for each other; PostgreSQL aborts one
// (SQLSTATE 40P01), and whichever it is, the outcome is whole: either the narrowing
// committed and the addition was refused, or the host rolled back and the addition, made
// with the rights the actor still had, stands.
func TestPostgresRightsChangeInterleavedWithActorCallEndsWhole(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	svc := organizations.New(store, rightsOptions())
	c := rightsCase{op: rightsOps[1], change: rightsChanges[1], want: organizations.ErrPermissionDenied}
	require.Equal(t, "AddUser/CustomRoleNarrowed", c.name())
	w, err := setupRights(ctx, svc, c)
	require.NoError(t, err)

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	hostSvc := svc.WithStore(store.WithTx(tx))
	require.NoError(t, c.change.apply(ctx, hostSvc, w))
	var txPID int
	require.NoError(t, tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&txPID))

	done := make(chan error, 1)
	go func() { done <- c.op.call(ctx, svc.As(rightsActor), w) }()
	waitBlockedBy(t, poolReader(pool), txPID, done)
	hostErr := touchOrganization(ctx, hostSvc, w)
	if hostErr == nil {
		hostErr = tx.Commit(ctx)
	} else {
		_ = tx.Rollback(ctx)
	}
	callErr := <-done

	var pe *pgconn.PgError
	added, err := svc.IsMember(ctx, w.org, "newbie")
	require.NoError(t, err)
	roles, err := svc.Store().CustomRoles(ctx, w.org)
	require.NoError(t, err)
	narrowed := len(roles[0].Permissions) == 0
	require.Equal(t, rightsBoss, roles[0].Name)
	switch {
	case hostErr == nil:
		require.True(t, errors.As(callErr, &pe) && pe.Code == "40P01", "the call is the one aborted: %v", callErr)
		require.True(t, narrowed)
		require.False(t, added, "the aborted call added nobody")
	default:
		require.True(t, errors.As(hostErr, &pe) && pe.Code == "40P01", "the host is the one aborted: %v", hostErr)
		require.NoError(t, callErr)
		require.False(t, narrowed, "the host's narrowing rolled back")
		require.True(t, added)
	}
}
