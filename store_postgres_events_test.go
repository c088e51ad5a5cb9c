package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// feedWait bounds how long a test waits for committed records to show in the feed. On
// PostgreSQL they show at commit; the bound is only a backstop.
const feedWait = 10 * time.Minute

// feedOf reads svc's whole feed once it holds at least want records (see feedWait).
func feedOf(t *testing.T, svc *organizations.Service, want int) []organizations.EventRecord {
	t.Helper()
	deadline := time.Now().Add(feedWait)
	for {
		var all []organizations.EventRecord
		cursor := ""
		for {
			recs, next, err := svc.EventFeed(t.Context(), cursor, organizations.MaxEventFeedLimit)
			require.NoError(t, err)
			if len(recs) == 0 {
				break
			}
			all, cursor = append(all, recs...), next
		}
		if len(all) >= want || time.Now().After(deadline) {
			return all
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func recordTypes(recs []organizations.EventRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

// A host transaction that rolls back leaves no record of the library's changes in it; one
// that commits leaves exactly the records of the events the hook received (before the
// commit), in order. Options survive the join (Service.WithStore).
func TestPostgresEventsCommitWithHostTx(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	rec := &organizationstest.Recorder{}
	svc := organizations.New(store, &organizations.Options{Events: rec.Record})
	var committed []organizations.Event
	for _, commit := range []bool{false, true} {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		inTx := svc.WithStore(store.WithTx(tx))
		org, err := inTx.CreateOrganization(ctx, "owner", fmt.Sprint("Commit ", commit), nil)
		require.NoError(t, err)
		_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
		require.NoError(t, err)
		require.NoError(t, inTx.RemoveUser(ctx, org.ID, "ann"))
		events := rec.Take()
		require.Equal(t, []string{"organization_created", "user_added", "user_removed"}, eventNames(events),
			"the hook fired in the transaction, before the commit")
		if commit {
			require.NoError(t, tx.Commit(ctx))
			committed = events
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
	}
	recs := feedOf(t, svc, len(committed))
	require.Len(t, recs, len(committed), "the rolled-back transaction left no record")
	for i, r := range recs {
		e, err := r.Event()
		require.NoError(t, err)
		require.Equal(t, committed[i], e)
	}
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{store.Schema()}.Sanitize()+".organization_events").Scan(&n))
	require.Equal(t, len(committed), n)
}

func eventNames(events []organizations.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.EventName()
	}
	return out
}

// The classic outbox bug: transaction A writes first, B writes later and commits first. A
// reader polling in between reads B's record at once (the feed is in commit order: it
// waits for no older transaction), and once A commits, the reader, resuming from its
// cursor, reads A's record: nothing is skipped, whatever order the transactions began or
// wrote in.
func TestPostgresEventFeedOutOfOrderCommits(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	svc := organizations.New(store, nil)
	txA, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = txA.Rollback(context.Background()) }()
	orgA, err := svc.WithStore(store.WithTx(txA)).CreateOrganization(ctx, "ann", "Started First", nil)
	require.NoError(t, err)
	txB, err := pool.Begin(ctx)
	require.NoError(t, err)
	orgB, err := svc.WithStore(store.WithTx(txB)).CreateOrganization(ctx, "bob", "Committed First", nil)
	require.NoError(t, err)
	require.NoError(t, txB.Commit(ctx))

	// B is committed and A is not: B's record is readable, A's not yet.
	recs, cursor, err := svc.EventFeed(ctx, "", 100)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, orgB.ID, recs[0].OrganizationID, "B's record shows as soon as B commits")
	for range 20 {
		more, next, err := svc.EventFeed(ctx, cursor, 100)
		require.NoError(t, err)
		require.Empty(t, more, "A's record shows before A commits")
		require.Equal(t, cursor, next)
	}
	require.NoError(t, txA.Commit(ctx))
	more, _, err := svc.EventFeed(ctx, cursor, 100)
	require.NoError(t, err)
	require.Len(t, more, 1, "the reader resuming after B's record reads A's")
	require.Equal(t, orgA.ID, more[0].OrganizationID)
	require.Equal(t, append(recs, more...), feedOf(t, svc, 2), "commit order: B, then A")
}

// sqlUndo0004 undoes migration 0004 (and 0007, which changes its tables): the schema a
// store of the previous release left.
const sqlUndo0004 = `
DROP TABLE {s}.organization_events;
DROP TABLE {s}.organization_event_cursors;
DROP FUNCTION {s}.organization_events_number();
DELETE FROM {s}.organizations_migrations WHERE version IN (4, 7);`

// A database at migration 0003, with data, upgraded by Migrate: the data stays (no record
// is made up for it), and the changes after the upgrade are recorded.
func TestPostgresEventsMigrationUpgradesData(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	exec := func(sql string) {
		t.Helper()
		_, err := pool.Exec(ctx, strings.ReplaceAll(sql, "{s}", pgx.Identifier{schema}.Sanitize()))
		require.NoError(t, err)
	}
	exec(sqlUndo0004)
	require.ErrorIs(t, store.CheckSchema(ctx), organizations.ErrSchemaOutdated)
	exec(sqlPopulate0002) // valid at 0003 too

	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.CheckSchema(ctx))
	svc := organizations.New(store, nil)
	recs, _, err := svc.EventFeed(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, recs, "no record for what was there before")
	org, err := svc.OrganizationBySlug(ctx, "acme")
	require.NoError(t, err)
	require.NoError(t, svc.As("cat").RemoveUser(ctx, org.ID, "bob"))
	recs = feedOf(t, svc, 1)
	require.Equal(t, []string{"user_removed"}, recordTypes(recs))
	require.Equal(t, organizations.UserID("cat"), recs[0].Actor)
	require.Equal(t, organizations.UserID("bob"), recs[0].Subject)
	page, err := svc.AuditLog(ctx, organizations.AuditQuery{OrganizationID: org.ID}, organizations.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, recs, page.Items)
}

// Backends of writers and of a relay are killed while events flow: afterwards every
// committed change has exactly one record, nothing else has one, and the relay delivered
// every record, in order.
func TestPostgresEventsBackendsKilled(t *testing.T) {
	pgtest.Heavy(t)
	t.Parallel()
	app := func(name string) func(*pgxpool.Config) {
		return func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["application_name"] = name }
	}
	tag := strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	schema, writerPool := pgtest.SchemaWith(t, app("w"+tag))
	relayPool := pgtest.Pool(t, app("r"+tag))
	admin := pgtest.Pool(t, nil)
	ctx := t.Context()
	writerStore, err := organizations.NewPostgresStore(writerPool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, writerStore.Migrate(ctx))
	relayStore, err := organizations.NewPostgresStore(relayPool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	writers := organizations.New(writerStore, nil)
	org, err := writers.CreateOrganization(ctx, "owner", "Faults", nil)
	require.NoError(t, err)

	var mu sync.Mutex
	var delivered []organizations.EventRecord
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	relay := organizations.NewRelay(organizations.New(relayStore, nil), relayStore, "fault", organizations.HandlerFunc(
		func(_ context.Context, r organizations.EventRecord) error {
			mu.Lock()
			delivered = append(delivered, r)
			mu.Unlock()
			return nil
		}), &organizations.RelayOptions{PollInterval: 5 * time.Millisecond, BatchSize: 7, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	go func() { relayDone <- relay.Run(relayCtx) }()

	// The killer: every backend of both pools, again and again, paced by the writers'
	// progress rather than by the clock: after each round it waits until some writer has
	// finished a call, then a few milliseconds more (calls in flight, to be cut), so that
	// writers get through on a machine of any speed (a clock-paced killer starved them on
	// a loaded one, where connecting and planning outlast its interval).
	var kills, progress atomic.Int64
	killCtx, stopKilling := context.WithCancel(ctx)
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for killCtx.Err() == nil {
			seen := progress.Load()
			var n int64
			err := admin.QueryRow(killCtx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE application_name IN ($1, $2)`, "w"+tag, "r"+tag).Scan(&n)
			if err == nil {
				kills.Add(n)
			}
			for progress.Load() == seen && killCtx.Err() == nil {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	const goroutines, each = 4, 30
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				user := organizations.UserID(fmt.Sprintf("u%d-%d", g, i))
				// Retried until it is known to be stored: a killed call is either not
				// stored, or ErrOutcomeUnknown, or stored and refused as a duplicate now.
				// A busy machine can meet the killer many times in a row, so the bound is
				// time, with a pause between tries, not a count.
				giveUp := time.Now().Add(2 * time.Minute)
				for {
					_, err := writers.AddUser(ctx, org.ID, user, organizations.RoleMember)
					if err == nil || errors.Is(err, organizations.ErrAlreadyMember) {
						progress.Add(1)
						break
					}
					if time.Now().After(giveUp) {
						t.Errorf("AddUser %s kept failing: %v", user, err)
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	stopKilling()
	<-killed
	t.Logf("%d backends killed", kills.Load())
	// The killer's last round may have left dead connections idle in the writers' pool:
	// the checks below read on fresh ones.
	writerPool.Reset()

	want := goroutines*each + 1
	// Exactly one record per committed change, read from the table itself.
	rows, err := writerPool.Query(ctx, "SELECT type, COALESCE(subject, '') FROM "+pgx.Identifier{schema}.Sanitize()+".organization_events ORDER BY pos")
	require.NoError(t, err)
	type typeSubject struct{ Type, Subject string }
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[typeSubject])
	require.NoError(t, err)
	require.Len(t, stored, want, "one record per change, the organization's included")
	subjects := map[organizations.UserID]int{}
	for _, r := range stored[1:] {
		require.Equal(t, "user_added", r.Type)
		subjects[organizations.UserID(r.Subject)]++
	}
	all := feedOf(t, organizations.New(writerStore, nil), want)
	require.Len(t, all, want, "the feed shows them all")
	members, err := writers.Members(ctx, org.ID, organizations.ListOptions{Limit: organizations.MaxPageSize})
	require.NoError(t, err)
	require.Len(t, members.Items, want)
	for _, m := range members.Items[1:] {
		require.Equal(t, 1, subjects[m.UserID], "exactly one record of %s's membership", m.UserID)
	}

	deadline := time.Now().Add(feedWait)
	for {
		mu.Lock()
		n := len(distinctRecords(delivered))
		mu.Unlock()
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopRelay()
	require.NoError(t, <-relayDone)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, all, distinctRecords(delivered), "the relay delivered every record, first deliveries in feed order")
}

func distinctRecords(recs []organizations.EventRecord) []organizations.EventRecord {
	seen := map[uuid.UUID]bool{}
	var out []organizations.EventRecord
	for _, r := range recs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}
