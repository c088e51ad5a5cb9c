package organizations_test

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// otherProcess returns a PostgresStore on a's schema over a pool of its own (configured
// by configure, if not nil): another process sharing a's database.
func otherProcess(t testing.TB, a *organizations.PostgresStore, configure func(*pgxpool.Config)) (*organizations.PostgresStore, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t, configure)
	b, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: a.Schema()})
	require.NoError(t, err)
	return b, pool
}

// newNotifyingStore is newPostgresStore (in the first exec mode) with the wake-up on
// commit turned on (SetFeedNotify), as a host whose caches listen has it.
func newNotifyingStore(t testing.TB) (*organizations.PostgresStore, *pgxpool.Pool) {
	t.Helper()
	a, pool := newPostgresStore(t, execModes[0].mode)
	require.NoError(t, a.SetFeedNotify(t.Context(), true))
	return a, pool
}

// newListeningCache returns a notifying store (newNotifyingStore) with its pool, and a
// CachedStore with opts over the same schema in another process (otherProcess), once it
// listens.
func newListeningCache(t *testing.T, opts *organizations.CacheOptions) (*organizations.PostgresStore, *pgxpool.Pool, *organizations.CachedStore) {
	t.Helper()
	a, pool := newNotifyingStore(t)
	b, _ := otherProcess(t, a, nil)
	cb := newCachedStore(t, b, opts)
	until(t, t.Context(), "listening", func() bool { return cb.Stats().Listening })
	return a, pool, cb
}

// until polls cond every millisecond until it holds or the test's context ends (then
// the test fails): a wait for an event, never a bound on how long it takes.
func until(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}

// reached waits, without waking the follower, until c has applied the feed up to tok.
func reached(t testing.TB, ctx context.Context, c *organizations.CachedStore, tok organizations.ConsistencyToken) {
	t.Helper()
	until(t, ctx, "the follower reaches "+tok.String(), func() bool { return c.Position().Covers(tok) })
}

// TestCacheWakesOnCommit: over PostgreSQL, a CachedStore whose follower would poll only
// once an hour is woken by the commits of another process (its own pool) and applies
// them; a transaction that writes several records sends one notification, as does each
// autocommit write; a notification of another schema does not wake it.
func TestCacheWakesOnCommit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, poolA, cb := newListeningCache(t, &organizations.CacheOptions{PollInterval: time.Hour})
	svcA := organizations.New(a, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	// The follower may have applied the write with the read it makes once it listens,
	// before the write's notification came: wait for the notification, which is the
	// only thing that can wake it within the hour after that. (Required at once, it
	// failed 1 run in 40: the notification was counted just after.)
	notified := func(n uint64) func() bool { return func() bool { return cb.Stats().Notifications >= n } }
	until(t, ctx, "the commit's notification", notified(1))

	// One host transaction writing three records, then one autocommit write: two
	// notifications (delivered in commit order, so once the second write is applied
	// both have come).
	n0 := cb.Stats().Notifications
	tx, err := poolA.Begin(ctx)
	require.NoError(t, err)
	svcTx := svcA.WithStore(a.WithTx(tx))
	for _, u := range []organizations.UserID{"u1", "u2", "u3"} {
		_, err := svcTx.AddUser(ctx, org.ID, u, organizations.RoleMember)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	_, err = svcA.AddUser(ctx, org.ID, "u4", organizations.RoleMember)
	require.NoError(t, err)
	tok, err = svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	ok, err := organizations.New(cb, nil).IsMember(ctx, org.ID, "u4")
	require.NoError(t, err)
	require.True(t, ok)

	// Another schema's commit, then a probe-like notification of no schema: neither
	// wakes this follower; a last write of this schema does, and is the only one counted.
	other, _ := newNotifyingStore(t)
	_, err = organizations.New(other, nil).CreateOrganization(ctx, "owner", "Other", nil)
	require.NoError(t, err)
	_, err = poolA.Exec(ctx, "SELECT pg_notify('organizations_feed', 'no such schema')")
	require.NoError(t, err)
	_, err = svcA.AddUser(ctx, org.ID, "u5", organizations.RoleMember)
	require.NoError(t, err)
	tok, err = svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	// A read woken by an earlier notification may have applied the last write before its
	// own notification was counted: wait for it. Notifications come in the order of the
	// commits, so one of another schema, had it been counted, would be counted by then.
	until(t, ctx, "the last write's notification", notified(n0+3))
	require.Equal(t, n0+3, cb.Stats().Notifications, "one notification per committed transaction of this schema")
}

// TestCacheMinReadInterval: a burst of commits, each waking the follower, is read in
// at most one feed read per MinReadInterval of the burst's own duration (plus the reads
// at its two ends), however fast the commits come; the follower still reaches the last.
func TestCacheMinReadInterval(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const gap = 100 * time.Millisecond
	a, _, cb := newListeningCache(t, &organizations.CacheOptions{PollInterval: time.Hour, MinReadInterval: gap})
	svcA := organizations.New(a, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)

	before := cb.Stats()
	start := time.Now()
	for i := range 100 {
		_, err := svcA.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	tok, err = svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok) // woken: the poll is an hour away
	elapsed := time.Since(start)
	after := cb.Stats()
	reads := after.FeedReads - before.FeedReads
	require.NotZero(t, reads)
	require.LessOrEqual(t, reads, uint64(elapsed/gap)+2, "%d feed reads for %d notifications in %v", reads, after.Notifications-before.Notifications, elapsed)
}

// TestCachePollOnly: with PollOnly, or over a store that cannot listen (database/sql),
// nothing listens; the follower still applies another process's commits by polling.
func TestCachePollOnly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, _ := newNotifyingStore(t)
	b, _ := otherProcess(t, a, nil)
	sqlB, err := organizations.NewPostgresStoreSQL(openSQL(t, ""), &organizations.PostgresOptions{Schema: a.Schema()})
	require.NoError(t, err)
	for name, c := range map[string]*organizations.CachedStore{
		"PollOnly":     newCachedStore(t, b, &organizations.CacheOptions{PollOnly: true, PollInterval: 5 * time.Millisecond}),
		"database/sql": newCachedStore(t, sqlB, &organizations.CacheOptions{PollInterval: 5 * time.Millisecond}),
	} {
		_, err := organizations.New(a, nil).CreateOrganization(ctx, "owner", "Acme "+name, nil)
		require.NoError(t, err)
		tok, err := organizations.New(a, nil).Token(ctx)
		require.NoError(t, err)
		reached(t, ctx, c, tok)
		st := c.Stats()
		require.False(t, st.Listening, name)
		require.Zero(t, st.Notifications, name)
		require.NotZero(t, st.FeedReads, name)
	}
}

// TestCacheListenerReconnects: when the listening connection is lost (its backend
// terminated), the cache tells OnError, polls meanwhile, and listens again on a new
// connection, by which commits wake it again.
func TestCacheListenerReconnects(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, poolA := newNotifyingStore(t)
	app := "orgs-listen-" + a.Schema()
	b, _ := otherProcess(t, a, func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["application_name"] = app })
	var mu sync.Mutex
	var errs []error
	cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: time.Hour, OnError: func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}})
	until(t, ctx, "listening", func() bool { return cb.Stats().Listening })

	var killed int
	require.NoError(t, poolA.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND query LIKE 'LISTEN%'`, app).Scan(&killed))
	require.Equal(t, 1, killed, "the listening connection")
	until(t, ctx, "OnError hears of the lost connection", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(errs) > 0
	})
	until(t, ctx, "listening again", func() bool { return cb.Stats().Listening })

	svcA := organizations.New(a, nil)
	_, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok) // woken: the poll is an hour away
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, errs, 1)
	require.NotErrorIs(t, errs[0], organizations.ErrNotifyUnavailable)
}

// newMigratedSchema returns a store migrated by Migrate in a new schema of its own
// (pgtest.Schema: never one reused from another test), with the schema and its pool.
func newMigratedSchema(t *testing.T) (*organizations.PostgresStore, string, *pgxpool.Pool) {
	t.Helper()
	schema, pool := pgtest.Schema(t)
	a, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, a.Migrate(t.Context()))
	return a, schema, pool
}

// TestFeedNotifyIsOptIn: after Migrate the wake-up on commit is off: a write sends no
// notification (a raw listener hears the probe sent after it first), and a cache over the
// store hears ErrFeedNotifyOff, does not listen, and applies every commit by its poll.
// SetFeedNotify turns it on for the schema (in a host transaction: only once committed)
// and off again; asking for what is already set takes no lock.
func TestFeedNotifyIsOptIn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, schema, pool := newMigratedSchema(t)
	on, err := a.FeedNotify(ctx)
	require.NoError(t, err)
	require.False(t, on, "off after Migrate")

	listener, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer listener.Release()
	_, err = listener.Exec(ctx, "LISTEN organizations_feed")
	require.NoError(t, err)
	// heard returns the payloads of this schema's notifications that came before the
	// probe it sends (other tests' schemas notify on the channel too).
	heard := func() []string {
		t.Helper()
		probe := "probe " + t.Name()
		_, err := pool.Exec(ctx, "SELECT pg_notify('organizations_feed', $1::text)", probe)
		require.NoError(t, err)
		var got []string
		for {
			n, err := listener.Conn().WaitForNotification(ctx)
			require.NoError(t, err)
			if n.Payload == probe {
				return got
			}
			if n.Payload == schema {
				got = append(got, n.Payload)
			}
		}
	}
	svcA := organizations.New(a, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	require.Empty(t, heard(), "a write sends nothing while the wake-up is off")

	b, _ := otherProcess(t, a, nil)
	errs := make(chan error, 4)
	cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: 5 * time.Millisecond, OnError: func(err error) { errs <- err }})
	select {
	case err := <-errs:
		require.ErrorIs(t, err, organizations.ErrFeedNotifyOff)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	for i := range 3 {
		_, err := svcA.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	require.False(t, cb.Stats().Listening)
	require.Zero(t, cb.Stats().Notifications)

	// In a host transaction: off again when it rolls back, on once it commits.
	for _, commit := range []bool{false, true} {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		require.NoError(t, a.WithTx(tx).SetFeedNotify(ctx, true))
		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
		on, err := a.FeedNotify(ctx)
		require.NoError(t, err)
		require.Equal(t, commit, on)
	}
	// One notification for a transaction of three records; none from a refusal.
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	for _, u := range []organizations.UserID{"v1", "v2", "v3"} {
		_, err := svcA.WithStore(a.WithTx(tx)).AddUser(ctx, org.ID, u, organizations.RoleMember)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	_, err = svcA.AddUser(ctx, org.ID, "v1", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrAlreadyMember)
	require.Equal(t, []string{schema}, heard())

	// Asking for what is set takes no lock: it does not wait for a writer in flight (a
	// host transaction that wrote a record holds the feed's table), as ALTER TABLE would.
	host, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = svcA.WithStore(a.WithTx(host)).AddUser(ctx, org.ID, "w", organizations.RoleMember)
	require.NoError(t, err)
	var hostPID int
	require.NoError(t, host.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&hostPID))
	done := make(chan error, 1)
	go func() { done <- a.SetFeedNotify(ctx, true) }()
	for waiting := true; waiting; {
		select {
		case err := <-done:
			require.NoError(t, err)
			waiting = false
		case <-time.After(time.Millisecond):
			var blocked bool
			require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid)))", hostPID).Scan(&blocked))
			if blocked {
				require.NoError(t, host.Rollback(ctx))
				t.Fatal("SetFeedNotify(true) with the wake-up on waited for a writer")
			}
		}
	}
	require.NoError(t, host.Rollback(ctx))
	require.NoError(t, a.SetFeedNotify(ctx, false))
	on, err = a.FeedNotify(ctx)
	require.NoError(t, err)
	require.False(t, on)
	require.NoError(t, svcA.RemoveUser(ctx, org.ID, "v1"))
	require.Empty(t, heard())
}

// TestPostgresFeedNotifyMigration: a schema that migration 0017 left notifying (its
// statement trigger on) is upgraded by Migrate to 0019's row trigger, off.
func TestPostgresFeedNotifyMigration(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, schema, pool := newMigratedSchema(t)
	sql0017, err := fs.ReadFile(organizations.Migrations(), "0017_feed_notify.up.sql")
	require.NoError(t, err)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	ident := pgx.Identifier{schema}.Sanitize()
	for _, sql := range []string{
		"SET LOCAL search_path = " + ident,
		"DROP TRIGGER organization_events_notify ON organization_events",
		"DROP FUNCTION organization_events_notify()",
		string(sql0017),
		"DELETE FROM organizations_migrations WHERE version = 19",
	} {
		_, err := tx.Exec(ctx, sql)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit(ctx))
	require.ErrorIs(t, a.CheckSchema(ctx), organizations.ErrSchemaOutdated)
	on, err := a.FeedNotify(ctx)
	require.NoError(t, err)
	require.True(t, on, "0017 left it on")

	require.NoError(t, a.Migrate(ctx))
	require.NoError(t, a.CheckSchema(ctx))
	on, err = a.FeedNotify(ctx)
	require.NoError(t, err)
	require.False(t, on, "0019 turns it off")
	var row bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT t.tgtype & 1 = 1 FROM pg_catalog.pg_trigger t
		WHERE t.tgrelid = $1::regclass AND t.tgname = 'organization_events_notify'`,
		pgx.Identifier{schema, "organization_events"}.Sanitize()).Scan(&row))
	require.True(t, row, "a row trigger, without a transition table")
}

// TestListenFeedDetectsMissingNotifications: a listening connection that its probe
// does not reach (as behind a transaction pooler) gives up with ErrNotifyUnavailable.
func TestListenFeedDetectsMissingNotifications(t *testing.T) {
	t.Parallel()
	a, _ := newNotifyingStore(t)
	err := organizations.ListenFeedUnprobed(t.Context(), a, 50*time.Millisecond)
	require.ErrorIs(t, err, organizations.ErrNotifyUnavailable)
}

// TestCacheBehindPgBouncerPolls: behind PgBouncer in transaction mode, where LISTEN
// holds on a server connection the client does not keep, the cache finds that no
// notification reaches it, says so (ErrNotifyUnavailable to OnError), and polls.
func TestCacheBehindPgBouncerPolls(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := bouncerPool(t, pgx.QueryExecModeExec, 4)
	a, _ := newNotifyingStore(t)
	b, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: a.Schema()})
	require.NoError(t, err)
	heard := make(chan error, 16)
	cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: 5 * time.Millisecond, OnError: func(err error) { heard <- err }})
	var err2 error
	select {
	case err2 = <-heard:
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	require.ErrorIs(t, err2, organizations.ErrNotifyUnavailable)
	require.False(t, cb.Stats().Listening)
	svcA := organizations.New(a, nil)
	_, err = svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
}
