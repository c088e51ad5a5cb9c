package organizations_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// execModes are the pgx modes PostgresStore must work in: the default statement cache,
// and the simple protocol that PgBouncer in transaction mode needs.
var execModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"CacheStatement", pgx.QueryExecModeCacheStatement},
	{"SimpleProtocol", pgx.QueryExecModeSimpleProtocol},
}

// TestMain runs the tests under pgtest.Main, which reuses migrated schemas (see
// newPostgresStore) and drops them at the end, starts the servers in the background
// at once (pgtest.StartEarly), and raises the default of -parallel: the
// PostgreSQL tests spend most of their time waiting for the server, not on the CPU that
// the default (GOMAXPROCS) is sized for. An explicit -parallel wins.
func TestMain(m *testing.M) {
	pgtest.DefaultParallel(testParallel)
	pgtest.StartEarly(true) // the cluster, and the replica tests' standby pair
	os.Exit(runWithExampleDatabase(func() int { return pgtest.Main(m) }))
}

// testParallel is the default of -parallel for this package (see TestMain): 3, in both
// tiers. On 2 cores, 3 keep both busy; 8 took a quarter more CPU time for the same tests
// (more schemas to migrate, each server session planning the functions of more schemas,
// racing readers spinning longer) and more wall time, in a full run of the package's
// fast tier (7 December 2026: about 80 CPU seconds and 45-49 s against 56 and 41-49 s at
// 3, on a loaded 2-vCPU VM), and in the heavy tier: the whole of `CI=true .ci/run` took
// 8 min 44 s at 8, 7 min 23 s at 4 and 7 min 5 s at 3 (the root package 482, 390 and
// 369 s), a fresh clone each, one after the other, on that VM on a slower day.
const testParallel = 3

// testConns is the size of the pools that this package's tests share: 16 whatever
// testParallel is. A test that holds a host transaction while its call waits for a lock
// takes three connections (the transaction, the call, the reader that sees the wait) and
// never gives one back until the call ends; with pools sized by a smaller -parallel
// (2 x 3), three of the rights sweep's cases filled the pool and waited for each other
// until the run timed out. The pools open connections only when asked.
const testConns = 16

// migratedSchemas hands out migrated schemas to newPostgresStore, and empties and reuses
// those of passing tests: a migration costs far more than emptying the tables.
var migratedSchemas = pgtest.NewSchemas(func(ctx context.Context, db *pgxpool.Pool, schema string) error {
	store, err := organizations.NewPostgresStore(db, &organizations.PostgresOptions{Schema: schema})
	if err != nil {
		return err
	}
	return store.Migrate(ctx)
}, "organizations_migrations")

// sharedPool returns the test binary's pool in exec mode mode, shared by the tests that
// take a store from newPostgresStore.
func sharedPool(t testing.TB, mode pgx.QueryExecMode) *pgxpool.Pool {
	t.Helper()
	return pgtest.SharedPool(t, "exec mode "+mode.String(), func(c *pgxpool.Config) {
		c.ConnConfig.DefaultQueryExecMode = mode
		c.MaxConns = testConns
		if mode == pgx.QueryExecModeSimpleProtocol {
			// The throwaway servers plan generically (pgtest.PlanCacheAuto); the simple
			// protocol's pool, which the heavy tier's conformance suite runs on, plans as
			// production does, so that CI runs the statements under custom plans too.
			pgtest.PlanCacheAuto(c)
		}
	})
}

// newPostgresStore returns a migrated, empty store in a schema of its own until the test
// ends, on the test binary's shared pool in exec mode mode (see sharedPool). A test may
// use the pool, but must leave its sessions as it found them; one that changes the
// schema's structure gets it dropped afterwards instead of reused.
func newPostgresStore(t testing.TB, mode pgx.QueryExecMode) (*organizations.PostgresStore, *pgxpool.Pool) {
	t.Helper()
	pool := sharedPool(t, mode)
	schema := migratedSchemas.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	return store, pool
}

// newPostgresStoreWith is newPostgresStore on a pool of the test's own, configured by
// configure (see pgtest.Pool): for a test that counts its statements, kills its
// backends or sizes its pool.
func newPostgresStoreWith(t testing.TB, configure func(*pgxpool.Config)) (*organizations.PostgresStore, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t, configure)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
	require.NoError(t, err)
	return store, pool
}

func TestPostgresStoreConformance(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel() // both exec modes at once
			if m.mode != pgx.QueryExecModeCacheStatement {
				pgtest.Heavy(t) // the fast tier runs the suite in pgx's default mode
			}
			pgtest.URL(t) // skip (or fail under CI) before the suite starts its subtests
			organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
				store, _ := newPostgresStore(t, m.mode)
				return store
			})
		})
	}
}

func newID(t testing.TB) uuid.UUID {
	t.Helper()
	id, err := uuid.NewV7()
	require.NoError(t, err)
	return id
}

// randomSuffix makes names of schemas that tests create themselves unique.
func randomSuffix(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// randomHash is the SHA-256 hash of a fresh random token.
func randomHash(t testing.TB) []byte {
	t.Helper()
	raw := make([]byte, 32)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	return sum[:]
}

// errOnly drops a value to keep the error, for calls checked only for their error.
func errOnly[T any](_ T, err error) error { return err }
