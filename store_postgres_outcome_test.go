package organizations_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// The outcome tests make thousands of writes whose context deadline lands anywhere
// around their statement's flight, or whose server process is killed, and check every
// reported outcome against the database: success means the row is there, ErrOutcomeUnknown
// allows either, and any other error means it is not.

// outcome is what a call reported.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeUnknown
	outcomeFailed
)

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, organizations.ErrOutcomeUnknown):
		return outcomeUnknown
	}
	return outcomeFailed
}

// outcomeCall is one call: the ID of the row it writes, and what it reported.
type outcomeCall struct {
	key uuid.UUID
	err error
}

// outcomeRun makes up to n calls on workers goroutines, for at most budget: call(ctx, i)
// makes the i-th with a context that ends after timeout() (never, if timeout is nil).
func outcomeRun(n, workers int, budget time.Duration, timeout func() time.Duration,
	call func(ctx context.Context, i int) (uuid.UUID, error)) []outcomeCall {
	calls := make([]outcomeCall, n)
	var next atomic.Int64
	stop := time.Now().Add(budget)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(stop) {
					return
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if timeout != nil {
					ctx, cancel = context.WithTimeout(ctx, timeout())
				}
				key, err := call(ctx, i)
				cancel()
				calls[i] = outcomeCall{key: key, err: err}
			}
		})
	}
	wg.Wait()
	return slices.DeleteFunc(calls, func(c outcomeCall) bool { return c.key == uuid.Nil })
}

// requireOutcomes checks every call against the rows present and returns how many
// calls reported each outcome.
func requireOutcomes(t *testing.T, calls []outcomeCall, present map[uuid.UUID]bool) map[outcome]int {
	t.Helper()
	counts := map[outcome]int{}
	for _, c := range calls {
		o := outcomeOf(c.err)
		counts[o]++
		switch o {
		case outcomeOK:
			require.True(t, present[c.key], "reported success, but row %s is not stored", c.key)
		case outcomeFailed:
			require.False(t, present[c.key], "reported %v, but row %s is stored", c.err, c.key)
		}
	}
	return counts
}

// presentIDs returns the IDs of the rows of table in the store's schema.
func presentIDs(t *testing.T, pool *pgxpool.Pool, store *organizations.PostgresStore, table string) map[uuid.UUID]bool {
	t.Helper()
	rows, err := pool.Query(t.Context(), "SELECT id FROM "+pgx.Identifier{store.Schema(), table}.Sanitize())
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	require.NoError(t, err)
	present := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		present[id] = true
	}
	return present
}

// outcomeWorkload is the writes of the outcome tests: AddUser into one organization (the
// issue's case), and CreateOrganization of one name (so that every call also takes the
// next slug).
type outcomeWorkload struct {
	store *organizations.PostgresStore
	org   uuid.UUID
}

func newOutcomeWorkload(t *testing.T, store *organizations.PostgresStore) *outcomeWorkload {
	org, err := organizations.New(store, nil).CreateOrganization(t.Context(), "owner", "Outcome", nil)
	require.NoError(t, err)
	return &outcomeWorkload{store: store, org: org.ID}
}

func (w *outcomeWorkload) addUser(t *testing.T) func(ctx context.Context, i int) (uuid.UUID, error) {
	return func(ctx context.Context, _ int) (uuid.UUID, error) {
		now := organizations.Timestamp(time.Now())
		id := uuid.Must(uuid.NewV7())
		m := organizations.OrganizationUser{ID: id, OrganizationID: w.org,
			UserID: organizations.UserID("user-" + id.String()), Role: organizations.RoleMember,
			CreatedAt: now, UpdatedAt: now}
		return m.ID, w.store.AddUser(ctx, organizations.AddUserParams{Membership: m})
	}
}

func (w *outcomeWorkload) createOrganization() func(ctx context.Context, i int) (uuid.UUID, error) {
	return func(ctx context.Context, i int) (uuid.UUID, error) {
		now := organizations.Timestamp(time.Now())
		org := organizations.Organization{ID: uuid.Must(uuid.NewV7()), Name: "Outcome", Slug: "outcome",
			IsActive: true, Data: []byte(`{}`), Settings: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
		owner := organizations.OrganizationUser{ID: uuid.Must(uuid.NewV7()), OrganizationID: org.ID,
			UserID: "owner", Role: organizations.RoleAdmin, CreatedAt: now, UpdatedAt: now}
		got, err := w.store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: org, Owner: owner, SuffixSlug: true})
		if err == nil && (got.ID != org.ID || got.Slug == "") {
			err = errors.New("CreateOrganization returned another organization")
		}
		return org.ID, err
	}
}

// outcomeScale is how many calls and how long each run of an outcome test makes.
func outcomeScale() (n int, budget time.Duration) {
	if testing.Short() {
		return 300, 500 * time.Millisecond
	}
	return 2000, 600 * time.Millisecond
}

// medianLatency makes 200 calls without deadline on workers goroutines and returns the
// median of their latencies under that concurrency.
func medianLatency(t *testing.T, workers int, call func(ctx context.Context, i int) (uuid.UUID, error)) time.Duration {
	t.Helper()
	var mu sync.Mutex
	var lat []time.Duration
	calls := outcomeRun(200, workers, time.Minute, nil, func(ctx context.Context, i int) (uuid.UUID, error) {
		t0 := time.Now()
		key, err := call(ctx, i)
		mu.Lock()
		lat = append(lat, time.Since(t0))
		mu.Unlock()
		return key, err
	})
	for _, c := range calls {
		require.NoError(t, c.err)
	}
	slices.Sort(lat)
	return lat[len(lat)/2]
}

// Deadlines land before, during and after each statement's flight: a call that reports
// success stored its row, one that reports the context's error (or any error but
// ErrOutcomeUnknown) did not.
func TestPostgresStoreOutcomeUnderDeadlines(t *testing.T) {
	const workers = 8
	n, budget := outcomeScale()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			store, pool := newPostgresStore(t, m.mode)
			w := newOutcomeWorkload(t, store)
			for _, op := range []struct {
				name, table string
				call        func(ctx context.Context, i int) (uuid.UUID, error)
			}{
				{"AddUser", "memberships", w.addUser(t)},
				{"CreateOrganization", "organizations", w.createOrganization()},
			} {
				t.Run(op.name, func(t *testing.T) {
					lat := medianLatency(t, workers, op.call)
					// Uniform over [0, 5 x median latency): some deadlines pass before the
					// statement is sent, many while it is in flight, some after the reply
					// (connections closed by the deadlines make later calls slower).
					timeout := func() time.Duration { return time.Duration(rand.Int64N(int64(5 * lat))) }
					calls := outcomeRun(n, workers, budget, timeout, op.call)
					counts := requireOutcomes(t, calls, presentIDs(t, pool, store, op.table))
					t.Logf("%d calls, median latency %v: %d succeeded, %d unknown, %d failed",
						len(calls), lat, counts[outcomeOK], counts[outcomeUnknown], counts[outcomeFailed])
					for _, c := range calls {
						if outcomeOf(c.err) != outcomeOK {
							require.ErrorIs(t, c.err, context.DeadlineExceeded, "only deadlines end these calls")
						}
					}
					require.Positive(t, counts[outcomeOK])
					require.Positive(t, counts[outcomeUnknown], "no deadline landed mid-flight")
					require.Positive(t, counts[outcomeFailed], "no deadline landed before a statement was sent")
				})
			}
		})
	}
}

// Server processes killed (pg_terminate_backend) while they run the calls' statements:
// the killed statement reports the server's error (57P01) and stored nothing, or, when
// the connection broke first, ErrOutcomeUnknown.
func TestPostgresStoreOutcomeKilledBackends(t *testing.T) {
	const workers = 8
	n, budget := outcomeScale()
	store, _ := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	admin := pgtest.Pool(t, nil)
	w := newOutcomeWorkload(t, store)
	for _, op := range []struct {
		name, table string
		call        func(ctx context.Context, i int) (uuid.UUID, error)
	}{
		{"AddUser", "memberships", w.addUser(t)},
		{"CreateOrganization", "organizations", w.createOrganization()},
	} {
		t.Run(op.name, func(t *testing.T) {
			ctx, stop := context.WithCancel(t.Context())
			var kills atomic.Int64
			killer := make(chan error, 1)
			go func() {
				for ctx.Err() == nil {
					var k int64
					err := admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
						FROM pg_stat_activity
						WHERE state = 'active' AND pid <> pg_backend_pid() AND strpos(query, $1) > 0`,
						pgx.Identifier{store.Schema()}.Sanitize()+"."+op.table).Scan(&k)
					if err != nil && ctx.Err() == nil {
						killer <- err
						return
					}
					kills.Add(k)
					time.Sleep(time.Duration(rand.Int64N(int64(2 * time.Millisecond))))
				}
				killer <- nil
			}()
			calls := outcomeRun(n, workers, budget, nil, op.call)
			stop()
			require.NoError(t, <-killer)
			// The store's pool may hold killed connections: read with the test's own.
			counts := requireOutcomes(t, calls, presentIDs(t, admin, store, op.table))
			killed := 0
			for _, c := range calls {
				var pe *pgconn.PgError
				if errors.As(c.err, &pe) && pe.Code == "57P01" {
					killed++
				}
			}
			t.Logf("%d calls, %d server processes killed: %d succeeded, %d unknown, %d failed (%d with 57P01)",
				len(calls), kills.Load(), counts[outcomeOK], counts[outcomeUnknown], counts[outcomeFailed], killed)
			require.Positive(t, counts[outcomeOK])
			require.Positive(t, killed, "no statement was killed while it ran")
		})
	}
}
