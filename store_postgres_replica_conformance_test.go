package organizations_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// replicaSchemas hands out migrated schemas on the standby pair's primary (reused, as
// migratedSchemas does on the test server).
var replicaSchemas = pgtest.NewSchemasAt(func(t testing.TB) string {
	primary, _ := pgtest.Standby(t)
	return primary
}, func(ctx context.Context, db *pgxpool.Pool, schema string) error {
	store, err := organizations.NewPostgresStore(db, &organizations.PostgresOptions{Schema: schema})
	if err != nil {
		return err
	}
	return store.Migrate(ctx)
}, "organizations_migrations")

// replicaPools are the test binary's pools to the standby pair, by name.
var replicaPools struct {
	sync.Mutex
	m map[string]*pgxpool.Pool
}

// replicaPool returns the shared pool to url named name.
func replicaPool(t testing.TB, name, url string) *pgxpool.Pool {
	t.Helper()
	replicaPools.Lock()
	defer replicaPools.Unlock()
	if p, ok := replicaPools.m[name]; ok {
		return p
	}
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = testConns
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	if replicaPools.m == nil {
		replicaPools.m = map[string]*pgxpool.Pool{}
	}
	replicaPools.m[name] = p
	return p
}

// replicaTally adds up where the routable reads of a conformance run went.
type replicaTally struct{ replica, primary, fallbacks atomic.Uint64 }

func (r *replicaTally) add(s organizations.ReplicaStats) {
	r.replica.Add(s.Replica)
	r.primary.Add(s.Primary)
	r.fallbacks.Add(s.Fallbacks)
}

func (r *replicaTally) log(t *testing.T) {
	rep, pri := r.replica.Load(), r.primary.Load()
	t.Logf("routable reads: %d answered by the standby, %d by the primary (%.0f%% standby), %d fallbacks",
		rep, pri, 100*float64(rep)/float64(max(1, rep+pri)), r.fallbacks.Load())
}

// newReplicaStore returns a store in a fresh migrated schema of the standby pair, over a
// shared pool to the primary, whose Replica is the standby; its routing counts go to
// tally when the test ends. The standby has replayed the schema (emptied by the test
// before, as another process would) when it returns.
func newReplicaStore(t *testing.T, tally *replicaTally) *organizations.PostgresStore {
	t.Helper()
	primaryURL, standbyURL := pgtest.Standby(t)
	schema := replicaSchemas.Schema(t)
	primary := replicaPool(t, "primary", primaryURL)
	standby := replicaPool(t, "standby", standbyURL)
	pgtest.WaitReplayed(t, primaryURL, standbyURL)
	store, err := organizations.NewPostgresStore(primary, &organizations.PostgresOptions{Schema: schema, Replica: standby})
	require.NoError(t, err)
	t.Cleanup(func() { tally.add(store.ReplicaStats()) })
	return store
}

// TestReplicaPostgresStoreConformance runs the whole Store contract over a PostgresStore
// whose reads the standby answers when it may, with every read untokened
// (MinimizeLatency, the default): the contract expects each test to read its own
// writes, which is what the store promises in one process (a read goes to the standby
// only once the standby has replayed the store's last write). Nothing is made easier:
// the suite reads with the context a host would pass. Heavy tier: the fast tier holds
// the routing with the tests of store_postgres_replica_test.go (a token's reads never
// stale, the standby down or in conflict, the example), and the suite over the pair cost
// it 15 CPU seconds.
//
// Async: the standby replays when it can (the primary's commits do not wait for it), as
// most hosts run one. A read right after a write goes to the primary until the standby
// has replayed the write, and to the standby after that: the run checks the routing
// both ways, and that every routed statement answers on a standby as on the primary (the
// standby answered 84 % of the routable reads in a heavy-tier run on 2 cores). A second
// run with synchronous_commit = remote_apply (90 % on the standby) checked the same
// statements again, for about 40 of the heavy tier's 630 CPU seconds, and was dropped.
func TestReplicaPostgresStoreConformance(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t)
	t.Run("Async", func(t *testing.T) {
		t.Parallel()
		pgtest.Standby(t) // skip (or fail under CI) before the suite starts its subtests
		var tally replicaTally
		t.Cleanup(func() { tally.log(t) })
		organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
			return newReplicaStore(t, &tally)
		})
	})
}

// TestReplicaCachedPostgresStoreConformance (heavy tier) runs the contract over a
// CachedStore over such a store (Async), untokened: the cache fills its entries from
// the standby when it holds what the follower has applied and the process's own
// writes, and its follower reads the feed there.
func TestReplicaCachedPostgresStoreConformance(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t)
	pgtest.Standby(t)
	var tally replicaTally
	t.Cleanup(func() { tally.log(t) })
	organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
		return newCachedStore(t, newReplicaStore(t, &tally), nil)
	})
}
