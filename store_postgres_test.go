package organizations_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
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

// newPostgresStore returns a migrated store in a fresh schema of its own, on a pool in
// exec mode mode.
func newPostgresStore(t testing.TB, mode pgx.QueryExecMode) (*organizations.PostgresStore, *pgxpool.Pool) {
	t.Helper()
	schema, pool := pgtest.SchemaWith(t, func(c *pgxpool.Config) { c.ConnConfig.DefaultQueryExecMode = mode })
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(t.Context()))
	return store, pool
}

func TestPostgresStoreConformance(t *testing.T) {
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
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
