package organizations_test

import (
	"context"
	"fmt"
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
	a, poolA := newPostgresStore(t, execModes[0].mode)
	b, _ := otherProcess(t, a, nil)
	cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: time.Hour})
	until(t, ctx, "listening", func() bool { return cb.Stats().Listening })
	svcA := organizations.New(a, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok) // woken by the notification: nothing else wakes it within the hour
	require.NotZero(t, cb.Stats().Notifications)

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
	other, _ := newPostgresStore(t, execModes[0].mode)
	_, err = organizations.New(other, nil).CreateOrganization(ctx, "owner", "Other", nil)
	require.NoError(t, err)
	_, err = poolA.Exec(ctx, "SELECT pg_notify('organizations_feed', 'no such schema')")
	require.NoError(t, err)
	_, err = svcA.AddUser(ctx, org.ID, "u5", organizations.RoleMember)
	require.NoError(t, err)
	tok, err = svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	require.Equal(t, n0+3, cb.Stats().Notifications, "one notification per committed transaction of this schema")
}

// TestCachePollOnly: with PollOnly, or over a store that cannot listen (database/sql),
// nothing listens; the follower still applies another process's commits by polling.
func TestCachePollOnly(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, _ := newPostgresStore(t, execModes[0].mode)
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
	a, poolA := newPostgresStore(t, execModes[0].mode)
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

// TestCacheNotifyTriggerDisabled: a host that turns the notifications off
// (ALTER TABLE organization_events DISABLE TRIGGER organization_events_notify) gets a
// follower that still applies every commit, by its poll.
func TestCacheNotifyTriggerDisabled(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema, pool := pgtest.Schema(t)
	a, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, a.Migrate(ctx))
	_, err = pool.Exec(ctx, "ALTER TABLE "+pgx.Identifier{schema, "organization_events"}.Sanitize()+" DISABLE TRIGGER organization_events_notify")
	require.NoError(t, err)
	b, _ := otherProcess(t, a, nil)
	cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: 5 * time.Millisecond})
	until(t, ctx, "listening", func() bool { return cb.Stats().Listening })
	svcA := organizations.New(a, nil)
	for i := range 3 {
		_, err := svcA.CreateOrganization(ctx, "owner", fmt.Sprint("Acme ", i), nil)
		require.NoError(t, err)
	}
	tok, err := svcA.Token(ctx)
	require.NoError(t, err)
	reached(t, ctx, cb, tok)
	require.Zero(t, cb.Stats().Notifications)
}

// TestListenFeedDetectsMissingNotifications: a listening connection that its probe
// does not reach (as behind a transaction pooler) gives up with ErrNotifyUnavailable.
func TestListenFeedDetectsMissingNotifications(t *testing.T) {
	t.Parallel()
	a, _ := newPostgresStore(t, execModes[0].mode)
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
	a, _ := newPostgresStore(t, execModes[0].mode)
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
