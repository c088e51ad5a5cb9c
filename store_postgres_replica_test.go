package organizations_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// The tests of read routing run against a real primary and its streaming hot standby
// (pgtest.Standby), shared by the test binary. Those that pause the standby's replay,
// or need it to have replayed everything the primary wrote (whoever wrote it), are not
// parallel: go test runs them before any parallel test starts.

// replicaEnv is a migrated, empty schema on the standby pair (replicaSchemas), replayed
// by the standby, with pools to both servers.
type replicaEnv struct {
	primaryURL, standbyURL string
	schema                 string
	primary, standby       *pgxpool.Pool
}

func newReplicaEnv(t testing.TB) *replicaEnv {
	t.Helper()
	e := &replicaEnv{}
	e.primaryURL, e.standbyURL = pgtest.Standby(t)
	e.schema = replicaSchemas.Schema(t)
	e.primary = pgtest.PoolAt(t, e.primaryURL, nil)
	e.standby = pgtest.PoolAt(t, e.standbyURL, func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["application_name"] = "replica " + e.schema
		// A connection the standby dropped is found by the read that uses it, as in
		// production between the pool's liveness checks (TestReplicaDownFallsBack).
		c.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	})
	e.replayed(t)
	return e
}

// plain returns a store on the primary alone: another process, as far as the store
// with the replica can tell.
func (e *replicaEnv) plain(t testing.TB) *organizations.PostgresStore {
	t.Helper()
	s, err := organizations.NewPostgresStore(e.primary, &organizations.PostgresOptions{Schema: e.schema})
	require.NoError(t, err)
	return s
}

// routed returns a store on the primary with replica (e.standby, or another) as its
// Replica.
func (e *replicaEnv) routed(t testing.TB, replica organizations.DBTX) *organizations.PostgresStore {
	t.Helper()
	s, err := organizations.NewPostgresStore(e.primary, &organizations.PostgresOptions{Schema: e.schema, Replica: replica})
	require.NoError(t, err)
	return s
}

// replayed waits until the standby shows everything written so far.
func (e *replicaEnv) replayed(t testing.TB) {
	t.Helper()
	pgtest.WaitReplayed(t, e.primaryURL, e.standbyURL)
}

// pauseReplay pauses the standby's replay until resumeReplay or the end of the test.
func (e *replicaEnv) pauseReplay(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	_, err := e.standby.Exec(ctx, "SELECT pg_wal_replay_pause()")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = e.standby.Exec(context.Background(), "SELECT pg_wal_replay_resume()") })
	require.Eventually(t, func() bool {
		var state string
		return e.standby.QueryRow(ctx, "SELECT pg_get_wal_replay_pause_state()").Scan(&state) == nil && state == "paused"
	}, time.Minute, time.Millisecond)
}

func (e *replicaEnv) resumeReplay(t *testing.T) {
	t.Helper()
	_, err := e.standby.Exec(t.Context(), "SELECT pg_wal_replay_resume()")
	require.NoError(t, err)
	e.replayed(t)
}

// countingDB is a DBTX that counts the statements it runs: which server answered.
type countingDB struct {
	organizations.DBTX
	n atomic.Int64
}

func (c *countingDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.n.Add(1)
	return c.DBTX.Exec(ctx, sql, args...)
}

func (c *countingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.n.Add(1)
	return c.DBTX.Query(ctx, sql, args...)
}

func (c *countingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.n.Add(1)
	return c.DBTX.QueryRow(ctx, sql, args...)
}

// inRecovery reports whether the server behind db is a standby.
func inRecovery(t *testing.T, db organizations.DBTX) bool {
	t.Helper()
	var r bool
	require.NoError(t, db.QueryRow(t.Context(), "SELECT pg_is_in_recovery()").Scan(&r))
	return r
}

// full asks for a read on the primary.
func full(ctx context.Context) context.Context {
	return organizations.WithConsistency(ctx, organizations.FullConsistency())
}

func atLeast(ctx context.Context, tok organizations.ConsistencyToken) context.Context {
	return organizations.WithConsistency(ctx, organizations.AtLeast(tok))
}

// TestReplicaAnswersUntokenedReads: once the standby has replayed the store's writes,
// every routable read without a token (checks, lists, the feed) is answered by the
// standby, and agrees with the primary; FullConsistency goes to the primary. The
// standby need not have what the primary wrote since: its replay is paused while the
// reads run, after a transaction elsewhere has committed.
func TestReplicaAnswersUntokenedReads(t *testing.T) {
	e := newReplicaEnv(t)
	replica := &countingDB{DBTX: e.standby}
	require.True(t, inRecovery(t, replica), "the replica is a standby")
	replica.n.Store(0)
	store := e.routed(t, replica)
	svc := organizations.New(store, nil)
	ctx := t.Context()

	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.As("ann").CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "ops", Permissions: []organizations.Permission{organizations.PermMembersAdd}})
	require.NoError(t, err)
	_, err = svc.As("ann").CreateTeam(ctx, org.ID, "Core", nil)
	require.NoError(t, err)
	e.replayed(t)
	require.Zero(t, replica.n.Load(), "writes never reach the replica")
	// The store reads the primary's WAL position once after its writes, at the first
	// read that follows them, and routes every later read on it. Taken now, and the
	// standby brought past it, so that what the primary writes from here on (here a
	// transaction elsewhere; autovacuum and checkpoints do it on their own, which made
	// this test fail once on a loaded machine when the position was taken during the
	// reads below) is not what the reads wait for.
	_, err = svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	e.replayed(t)
	e.pauseReplay(t)
	_, err = e.primary.Exec(ctx, "SELECT pg_current_xact_id()") // commits a transaction record
	require.NoError(t, err)
	start := store.ReplicaStats()

	reads := []struct {
		name string
		read func(ctx context.Context) (any, error)
	}{
		{"Access", func(ctx context.Context) (any, error) { return svc.Access(ctx, org.ID, "bob") }},
		{"IsMember", func(ctx context.Context) (any, error) { return svc.IsMember(ctx, org.ID, "bob") }},
		{"HasPermission", func(ctx context.Context) (any, error) {
			return svc.HasPermission(ctx, org.ID, "bob", organizations.PermMembersAdd)
		}},
		{"Organization", func(ctx context.Context) (any, error) { return svc.Organization(ctx, org.ID) }},
		{"OrganizationBySlug", func(ctx context.Context) (any, error) { return svc.OrganizationBySlug(ctx, org.Slug) }},
		{"Owner", func(ctx context.Context) (any, error) { return svc.Owner(ctx, org.ID) }},
		{"Roles", func(ctx context.Context) (any, error) { return svc.Roles(ctx, org.ID) }},
		{"Members", func(ctx context.Context) (any, error) {
			return svc.Members(ctx, org.ID, organizations.ListOptions{})
		}},
		{"ListMembers", func(ctx context.Context) (any, error) {
			return svc.ListMembers(ctx, org.ID, organizations.MemberFilter{}, organizations.ListOptions{})
		}},
		{"OrganizationsForUser", func(ctx context.Context) (any, error) {
			return svc.OrganizationsForUser(ctx, "bob", organizations.ListOptions{})
		}},
		{"Teams", func(ctx context.Context) (any, error) {
			return svc.Teams(ctx, org.ID, organizations.ListOptions{})
		}},
		{"EventFeed", func(ctx context.Context) (any, error) {
			recs, _, err := svc.EventFeed(ctx, "", 100)
			return recs, err
		}},
		{"AuditLog", func(ctx context.Context) (any, error) {
			return svc.AuditLog(ctx, organizations.AuditQuery{OrganizationID: org.ID}, organizations.ListOptions{})
		}},
	}
	for _, r := range reads {
		before, stats := replica.n.Load(), store.ReplicaStats()
		got, err := r.read(ctx)
		require.NoError(t, err, r.name)
		require.Greater(t, replica.n.Load(), before, "%s: answered by the replica", r.name)
		after := store.ReplicaStats()
		require.Equal(t, stats.Primary, after.Primary, "%s: nothing sent to the primary", r.name)
		require.Zero(t, after.Fallbacks, r.name)

		before = replica.n.Load()
		want, err := r.read(full(ctx))
		require.NoError(t, err, r.name)
		require.Equal(t, before, replica.n.Load(), "%s: FullConsistency reads the primary", r.name)
		require.Equal(t, want, got, "%s: the replica agrees with the primary", r.name)
	}
	st := store.ReplicaStats()
	require.Equal(t, uint64(1), st.FloorReads, "one read of the primary's head covers the writes before")
	require.Equal(t, uint64(len(reads)), st.Primary-start.Primary, "the FullConsistency reads")
	t.Logf("stats: %+v", st)
}

// TestReplicaPausedReplay pauses the standby's replay and shows the three modes apart:
// a change made elsewhere (another store on the primary: another process) after the
// pause is seen by a read with its token (sent to the primary, never stale), missed by
// an untokened read (answered by the standby: stale, within the documented bound), and
// seen by both once replay resumes, the token read then answered by the standby. The
// store's own writes are read back at once (the primary answers until the standby has
// them).
func TestReplicaPausedReplay(t *testing.T) {
	e := newReplicaEnv(t)
	replica := &countingDB{DBTX: e.standby}
	store := e.routed(t, replica)
	svc := organizations.New(store, nil)
	other := organizations.New(e.plain(t), nil) // another process
	ctx := t.Context()

	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	reached, err := other.Token(ctx)
	require.NoError(t, err)
	e.replayed(t)

	// A token the standby has replayed: the standby answers.
	n := replica.n.Load()
	ok, err := svc.IsMember(atLeast(ctx, reached), org.ID, "ann")
	require.NoError(t, err)
	require.True(t, ok)
	require.Greater(t, replica.n.Load(), n, "a token the standby has reached is read there")

	e.pauseReplay(t)
	_, err = other.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	beyond, err := other.Token(ctx)
	require.NoError(t, err)
	require.True(t, beyond.Covers(reached) && !reached.Covers(beyond))

	// The token read goes to the primary and sees bob; the standby was asked for its
	// head only (one statement), not for the read.
	n, primary := replica.n.Load(), store.ReplicaStats().Primary
	ok, err = svc.IsMember(atLeast(ctx, beyond), org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok, "a token read is never stale")
	require.LessOrEqual(t, replica.n.Load(), n+1, "only the standby's head was read there")
	require.Equal(t, primary+1, store.ReplicaStats().Primary, "the primary answered")
	members, err := svc.Members(atLeast(ctx, beyond), org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, members.Items, 2, "a token list is never stale")

	// Untokened: the standby answers, without bob: stale, as documented.
	n = replica.n.Load()
	ok, err = svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.False(t, ok, "an untokened read may be stale: the standby has not replayed bob")
	require.Greater(t, replica.n.Load(), n, "answered by the standby")
	members, err = svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, members.Items, 1)

	// The store's own write is read back at once, untokened: from the primary.
	_, err = svc.AddUser(ctx, org.ID, "cid", organizations.RoleMember)
	require.NoError(t, err)
	ok, err = svc.IsMember(ctx, org.ID, "cid")
	require.NoError(t, err)
	require.True(t, ok, "read-your-own-writes while the standby is paused")
	ok, err = svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok, "the primary, which answers until the standby has the store's write, shows bob too")

	// Resumed: the standby catches up and answers both kinds again.
	e.resumeReplay(t)
	n = replica.n.Load()
	ok, err = svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = svc.IsMember(atLeast(ctx, beyond), org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok)
	require.GreaterOrEqual(t, replica.n.Load(), n+2, "both answered by the standby")
	require.Zero(t, store.ReplicaStats().Fallbacks)
	t.Logf("stats: %+v", store.ReplicaStats())
}

// TestReplicaNeverAuthorizesWrites: an actor demoted on the primary while the paused
// standby still shows them as admin may read "admin" there, untokened, and is refused
// every write: actor checks are part of the writes, on the primary.
func TestReplicaNeverAuthorizesWrites(t *testing.T) {
	e := newReplicaEnv(t)
	replica := &countingDB{DBTX: e.standby}
	svc := organizations.New(e.routed(t, replica), nil)
	other := organizations.New(e.plain(t), nil)
	ctx := t.Context()
	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = other.AddUser(ctx, org.ID, "eve", organizations.RoleAdmin)
	require.NoError(t, err)
	e.replayed(t)

	e.pauseReplay(t)
	_, err = other.SetRole(ctx, org.ID, "eve", organizations.RoleMember)
	require.NoError(t, err)
	admin, err := svc.IsAdmin(ctx, org.ID, "eve")
	require.NoError(t, err)
	require.True(t, admin, "the standby still says admin")

	n := replica.n.Load()
	_, err = svc.As("eve").AddUser(ctx, org.ID, "mallory", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	err = svc.As("eve").RemoveUser(ctx, org.ID, "ann")
	require.Error(t, err)
	require.Equal(t, n, replica.n.Load(), "no write, and no actor check, reached the standby")
}

// TestReplicaHostTransactionReadsItsOwnWrites: a store joined to a host transaction
// (WithTx) reads in the transaction, its uncommitted writes included, never on the
// replica.
func TestReplicaHostTransactionReadsItsOwnWrites(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t)
	replica := &countingDB{DBTX: e.standby}
	store := e.routed(t, replica)
	svc := organizations.New(store, nil)
	ctx := t.Context()
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	e.replayed(t)

	tx, err := e.primary.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	inTx := svc.WithStore(store.WithTx(tx))
	n := replica.n.Load()
	_, err = inTx.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	ok, err := inTx.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok, "the transaction reads its own uncommitted write")
	members, err := inTx.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, members.Items, 2)
	require.Equal(t, n, replica.n.Load(), "nothing in the transaction went to the replica")
	require.Zero(t, store.WithTx(tx).ReplicaStats(), "a store in a transaction has no replica")

	ok, err = svc.IsMember(full(ctx), org.ID, "bob")
	require.NoError(t, err)
	require.False(t, ok, "uncommitted")
	require.NoError(t, tx.Commit(ctx))
	tok, err := svc.Token(ctx)
	require.NoError(t, err)
	ok, err = svc.IsMember(atLeast(ctx, tok), org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok, "after the commit, a token read sees it")
}

// failingDB is a DBTX whose statements fail with err while fail is positive
// (decremented by each), and pass to the DBTX otherwise.
type failingDB struct {
	countingDB
	fail atomic.Int64
	err  error
}

func (f *failingDB) failing() bool { return f.fail.Add(-1) >= 0 }

func (f *failingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if f.failing() {
		f.n.Add(1)
		return nil, f.err
	}
	return f.countingDB.Query(ctx, sql, args...)
}

func (f *failingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if f.failing() {
		f.n.Add(1)
		return errRow{f.err}
	}
	return f.countingDB.QueryRow(ctx, sql, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// TestReplicaRecoveryConflictFallsBack: a read the standby cancels (40001, "canceling
// statement due to conflict with recovery") is answered by the primary, and the next
// read goes to the standby again: a statement error fails that read only.
func TestReplicaRecoveryConflictFallsBack(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t)
	replica := &failingDB{countingDB: countingDB{DBTX: e.standby},
		err: &pgconn.PgError{Severity: "ERROR", Code: "40001", Message: "canceling statement due to conflict with recovery"}}
	store := e.routed(t, replica)
	other := organizations.New(e.plain(t), nil)
	svc := organizations.New(store, nil)
	ctx := t.Context()
	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	e.replayed(t)

	replica.fail.Store(2)
	ok, err := svc.IsMember(ctx, org.ID, "ann")
	require.NoError(t, err)
	require.True(t, ok)
	members, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, members.Items, 1)
	require.Equal(t, uint64(2), store.ReplicaStats().Fallbacks)

	n := replica.n.Load()
	ok, err = svc.IsMember(ctx, org.ID, "ann")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, n+1, replica.n.Load(), "the next read goes to the standby again")
	require.Equal(t, uint64(1), store.ReplicaStats().Replica)
}

// TestReplicaDownFallsBack: a replica that cannot be reached (nothing listens on its
// socket) costs one failed try; the primary answers that read and, for
// DefaultReplicaRetry, every read without trying the replica. Connections the standby
// drops (pg_terminate_backend) do the same.
func TestReplicaDownFallsBack(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t)
	ctx := t.Context()
	other := organizations.New(e.plain(t), nil)
	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	e.replayed(t)

	t.Run("refused", func(t *testing.T) {
		dead := &countingDB{DBTX: pgtest.PoolAt(t, "postgres://postgres@/postgres?host="+t.TempDir()+"&port=1&sslmode=disable", nil)}
		store := e.routed(t, dead)
		svc := organizations.New(store, nil)
		for range 3 {
			ok, err := svc.IsMember(ctx, org.ID, "ann")
			require.NoError(t, err)
			require.True(t, ok)
			page, err := svc.OrganizationsForUser(ctx, "ann", organizations.ListOptions{})
			require.NoError(t, err)
			require.Len(t, page.Items, 1)
		}
		require.Equal(t, int64(1), dead.n.Load(), "tried once, then marked down")
		st := store.ReplicaStats()
		require.Equal(t, uint64(1), st.Fallbacks)
		require.Equal(t, uint64(5), st.Primary)
	})

	t.Run("terminated", func(t *testing.T) {
		replica := &countingDB{DBTX: e.standby}
		store := e.routed(t, replica)
		svc := organizations.New(store, nil)
		ok, err := svc.IsMember(ctx, org.ID, "ann")
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, uint64(1), store.ReplicaStats().Replica)
		admin, err := pgx.Connect(ctx, e.standbyURL) // not one of the pool's connections
		require.NoError(t, err)
		defer admin.Close(ctx)
		var killed int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1`, "replica "+e.schema).Scan(&killed))
		require.Positive(t, killed)
		ok, err = svc.IsMember(ctx, org.ID, "ann")
		require.NoError(t, err, "the primary answers a read whose standby connection was dropped")
		require.True(t, ok)
		st := store.ReplicaStats()
		require.Equal(t, uint64(1), st.Fallbacks)
		require.Zero(t, st.Head, "a replica that failed is not trusted with what it showed before")
	})
}

// writeLoad runs writes through svc on an organization of its own, about rate a second,
// until the test ends; after each it calls done (if not nil) with the write's token.
func writeLoad(t testing.TB, svc *organizations.Service, rate int, done func(organizations.ConsistencyToken)) *atomic.Int64 {
	t.Helper()
	ctx := context.Background()
	busy, err := svc.CreateOrganization(ctx, "owner", "Busy", nil)
	require.NoError(t, err)
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			u := organizations.UserID(fmt.Sprint("load", i%50))
			var err error
			if i%100 < 50 {
				_, err = svc.AddUser(ctx, busy.ID, u, organizations.RoleMember)
			} else {
				err = svc.RemoveUser(ctx, busy.ID, u)
			}
			if err != nil {
				continue
			}
			n.Add(1)
			if done != nil {
				if tok, err := svc.Token(ctx); err == nil {
					done(tok)
				}
			}
		}
	})
	t.Cleanup(func() { close(stop); wg.Wait() })
	return &n
}

// TestReplicaTokenReadsNeverStale: under about 500 writes/s from another process, each
// trial changes bob's membership in that process (added, then removed, in turn), takes
// its token and reads IsMember through the store with the replica: with the token, the
// read is never stale (0 of N, whether the standby or the primary answered); without,
// it may be (counted, not asserted: the documented bound at work).
func TestReplicaTokenReadsNeverStale(t *testing.T) {
	t.Parallel()
	e := newReplicaEnv(t)
	store := e.routed(t, e.standby)
	svc := organizations.New(store, nil)
	other := organizations.New(e.plain(t), nil)
	ctx := t.Context()
	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	writeLoad(t, organizations.New(e.plain(t), nil), 500, nil)

	trials := pgtest.ByTier(300, 3000)
	var stale, untokenedStale int
	var byReplica uint64
	for i := range trials {
		member := i%2 == 0
		if member {
			_, err = other.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
		} else {
			err = other.RemoveUser(ctx, org.ID, "bob")
		}
		require.NoError(t, err)
		tok, err := other.Token(ctx)
		require.NoError(t, err)

		before := store.ReplicaStats().Replica
		ok, err := svc.IsMember(atLeast(ctx, tok), org.ID, "bob")
		require.NoError(t, err)
		if ok != member {
			stale++
		}
		byReplica += store.ReplicaStats().Replica - before
		ok, err = svc.IsMember(ctx, org.ID, "bob")
		require.NoError(t, err)
		if ok != member {
			untokenedStale++
		}
	}
	t.Logf("%d trials: token reads stale %d, answered by the standby %d (%.0f%%); untokened reads stale %d (%.0f%%); stats %+v",
		trials, stale, byReplica, 100*float64(byReplica)/float64(trials), untokenedStale, 100*float64(untokenedStale)/float64(trials), store.ReplicaStats())
	require.Zero(t, stale, "a token read is never stale")
}

// BenchmarkReplicaReads measures IsMember through a store with the standby as its
// Replica, under about 1,000 writes/s, and reports which share of the reads the standby
// answered (replica-%) and the writes per second achieved (writes/s):
//
//   - primary: the same read on a store without a replica, for reference;
//
//   - untokened: the writes come from another process (another store): every read goes
//     to the standby, which may be as stale as its replay lag;
//
//   - token: each read asks for the token of the last write (the worst case: the
//     freshest token there is), so it goes to the standby only once the standby has
//     replayed that write;
//
//   - own-writes: the writes go through the same store, and reads are untokened: a read
//     goes to the standby once it has replayed the store's last write.
//
//     go test -run='^$' -bench=ReplicaReads -benchtime=3s .
func BenchmarkReplicaReads(b *testing.B) {
	for _, mode := range []string{"primary", "untokened", "token", "own-writes"} {
		b.Run(mode, func(b *testing.B) {
			e := newReplicaEnv(b)
			ctx := context.Background()
			var replica organizations.DBTX = e.standby
			if mode == "primary" {
				replica = nil
			}
			store := e.routed(b, replica)
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
			require.NoError(b, err)
			writer := organizations.New(e.plain(b), nil)
			if mode == "own-writes" {
				writer = svc
			}
			var last atomic.Pointer[organizations.ConsistencyToken]
			var done func(organizations.ConsistencyToken)
			if mode == "token" {
				done = func(tok organizations.ConsistencyToken) { last.Store(&tok) }
			}
			e.replayed(b)
			writes := writeLoad(b, writer, 1000, done)
			time.Sleep(50 * time.Millisecond)
			start, before, w0 := time.Now(), store.ReplicaStats(), writes.Load()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rctx := ctx
					if tok := last.Load(); tok != nil {
						rctx = atLeast(ctx, *tok)
					}
					if _, err := svc.IsMember(rctx, org.ID, "ann"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			st := store.ReplicaStats()
			rep, pri := st.Replica-before.Replica, st.Primary-before.Primary
			b.ReportMetric(100*float64(rep)/float64(max(1, rep+pri)), "replica-%")
			b.ReportMetric(float64(writes.Load()-w0)/time.Since(start).Seconds(), "writes/s")
		})
	}
}
