package organizations_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"math/rand/v2"
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

// The outcome tests make hundreds of writes per operation (about 2,600 in all) whose
// context deadline lands anywhere around their statement's flight, or whose server
// process is killed, and check every reported outcome against the database: success
// means the row is there, ErrOutcomeUnknown allows either, and any other error means it
// is not.

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

// outcomeRun makes calls on workers goroutines until at least min calls were made and
// enough() says the run has seen what it needs, or until budget has passed, whichever
// comes first: call(ctx, i) makes the i-th with a context that ends after timeout()
// (never, if timeout is nil or returns 0). The bound is the budget, not the machine's
// speed: a slow machine makes fewer calls per second, and the run simply goes on longer.
func outcomeRun(min, workers int, budget time.Duration, timeout func() time.Duration,
	call func(ctx context.Context, i int) (uuid.UUID, error), enough func() bool) []outcomeCall {
	var mu sync.Mutex
	var calls []outcomeCall
	var next atomic.Int64
	stop := time.Now().Add(budget)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if (i >= min && (enough == nil || enough())) || time.Now().After(stop) {
					return
				}
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if timeout != nil {
					if d := timeout(); d > 0 {
						ctx, cancel = context.WithTimeout(ctx, d)
					}
				}
				key, err := call(ctx, i)
				cancel()
				if key != uuid.Nil {
					mu.Lock()
					calls = append(calls, outcomeCall{key: key, err: err})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return calls
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
// issue's case), CreateOrganization of one name (so that every call also takes the next
// slug), and CreateInvitation into the organization (a write function of migration
// 0014).
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

// createInvitation invites a new email into the organization, by its owner: a write
// function of migration 0014.
func (w *outcomeWorkload) createInvitation() func(ctx context.Context, i int) (uuid.UUID, error) {
	return func(ctx context.Context, _ int) (uuid.UUID, error) {
		now := organizations.Timestamp(time.Now())
		id := uuid.Must(uuid.NewV7())
		hash := sha256.Sum256(id[:])
		inv := organizations.Invitation{ID: id, OrganizationID: w.org, Email: "user-" + id.String() + "@example.com",
			Role: organizations.RoleMember, InvitedBy: "owner", Status: organizations.InvitationStatusPending,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		_, err := w.store.CreateInvitation(ctx, organizations.CreateInvitationParams{
			Auth: organizations.Authorization{Actor: "owner"}, Invitation: inv, TokenHash: hash[:], Now: now})
		return id, err
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

// outcomeScale is how many calls an outcome test makes at least, and how long it may
// go on past them to see every outcome it expects. The budget is only a backstop: a
// run stops as soon as it has made its calls and seen what it needs, which on a quiet
// machine takes about a second.
//
// 300 calls: about one in seven has its deadline land mid-flight (some 40 unknown
// outcomes per operation and mode) and one in four succeeds, each checked against the
// table. It was 1,000, for the same outcomes three times over: a deadline that lands
// mid-flight costs the call its connection, and the next call's new server process
// compiles and plans the store's functions again, so the outcome tests were a fifth
// of the heavy tier's CPU time (140 of about 630 CPU seconds with -race on 2 cores).
func outcomeScale() (min int, budget time.Duration) {
	if testing.Short() {
		return 100, 2 * time.Minute
	}
	return 300, 2 * time.Minute
}

// outcomeCounter counts, as calls return, how many reported each outcome, and how many
// reported the server's "terminating connection" error (57P01), for runs that stop once
// they have seen enough of each.
type outcomeCounter struct {
	ok, unknown, failed, killed atomic.Int64
}

func (c *outcomeCounter) wrap(call func(ctx context.Context, i int) (uuid.UUID, error)) func(ctx context.Context, i int) (uuid.UUID, error) {
	return func(ctx context.Context, i int) (uuid.UUID, error) {
		key, err := call(ctx, i)
		switch outcomeOf(err) {
		case outcomeOK:
			c.ok.Add(1)
		case outcomeUnknown:
			c.unknown.Add(1)
		default:
			c.failed.Add(1)
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "57P01" {
			c.killed.Add(1)
		}
		return key, err
	}
}

// logUniform returns a duration drawn log-uniformly from [lo, hi): as many deadlines
// in each decade, so that whatever a call costs on this machine (a warm connection's
// statement, or a new connection's dial and first prepare under load), some deadlines
// pass before it sends anything, some land while it is in flight, and some after.
func logUniform(lo, hi time.Duration) time.Duration {
	return time.Duration(float64(lo) * math.Exp(rand.Float64()*math.Log(float64(hi)/float64(lo))))
}

// Deadlines land before, during and after each statement's flight: a call that reports
// success stored its row, one that reports the context's error (or any error but
// ErrOutcomeUnknown) did not.
func TestPostgresStoreOutcomeUnderDeadlines(t *testing.T) {
	pgtest.Heavy(t)
	const workers = 8
	min, budget := outcomeScale()
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
				{"CreateInvitation", "invitations", w.createInvitation()},
			} {
				t.Run(op.name, func(t *testing.T) {
					// Deadlines from 20µs to 1s, log-uniform: the spread, not a latency
					// measured beforehand, makes every outcome likely on any machine. (A
					// window derived from a warm call's latency never let a call through
					// on a loaded machine: each deadline closed a connection, and the next
					// call's dial and prepare outlasted every deadline after it.)
					timeout := func() time.Duration { return logUniform(20*time.Microsecond, time.Second) }
					var seen outcomeCounter
					calls := outcomeRun(min, workers, budget, timeout, seen.wrap(op.call), func() bool {
						return seen.ok.Load() > 0 && seen.unknown.Load() > 0 && seen.failed.Load() > 0
					})
					counts := requireOutcomes(t, calls, presentIDs(t, pool, store, op.table))
					t.Logf("%d calls: %d succeeded, %d unknown, %d failed",
						len(calls), counts[outcomeOK], counts[outcomeUnknown], counts[outcomeFailed])
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
	pgtest.Heavy(t)
	const workers = 8
	min, budget := outcomeScale()
	min /= 4 // every kill costs the writers a connection's dial and first prepare
	// A pool of the test's own, sized like the shared one: the killer's last kill can
	// land on a connection that has just gone back to the pool, and a shared pool would
	// hand that dead connection to the next test (seen failing: "broken pipe" on the
	// first call of the test that ran after this one).
	store, _ := newPostgresStoreWith(t, func(c *pgxpool.Config) { c.MaxConns = testConns })
	admin := pgtest.Pool(t, nil)
	w := newOutcomeWorkload(t, store)
	for _, op := range []struct {
		name, table string
		// marker is in the text of the statement the call sends, after the schema's
		// quoted name and a dot: the write function it runs (migrations 0008, 0014), or
		// for AddUser's common case, its statement of its own (qAddUserCommon).
		marker string
		call   func(ctx context.Context, i int) (uuid.UUID, error)
	}{
		{"AddUser", "memberships", "memberships AS x (", w.addUser(t)},
		{"CreateOrganization", "organizations", "organizations_create(", w.createOrganization()},
		{"CreateInvitation", "invitations", "organizations_create_invitation(", w.createInvitation()},
	} {
		t.Run(op.name, func(t *testing.T) {
			var seen outcomeCounter
			ctx, stop := context.WithCancel(t.Context())
			var kills atomic.Int64
			killer := make(chan error, 1)
			// The killer terminates every backend running the call's statement, then
			// waits until some call has succeeded since, before it kills again: killing on
			// a fixed interval starved every writer on a loaded machine (a killed
			// connection's replacement must dial and prepare, which can outlast any
			// interval), so the pace is set by the writers' progress, not by the clock.
			go func() {
				for ctx.Err() == nil {
					var k int64
					err := admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
						FROM pg_stat_activity
						WHERE state = 'active' AND pid <> pg_backend_pid() AND strpos(query, $1) > 0`,
						pgx.Identifier{store.Schema()}.Sanitize()+"."+op.marker).Scan(&k)
					if err != nil && ctx.Err() == nil {
						killer <- err
						return
					}
					kills.Add(k)
					if k > 0 {
						for ok := seen.ok.Load(); seen.ok.Load() == ok && ctx.Err() == nil; {
							time.Sleep(100 * time.Microsecond)
						}
					}
					time.Sleep(time.Duration(rand.Int64N(int64(2 * time.Millisecond))))
				}
				killer <- nil
			}()
			calls := outcomeRun(min, workers, budget, nil, seen.wrap(op.call), func() bool {
				return seen.ok.Load() > 0 && seen.killed.Load() > 0
			})
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
