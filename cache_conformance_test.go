package organizations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// newCachedStore wraps store in a CachedStore closed when the test ends.
func newCachedStore(t testing.TB, store organizations.Store, opts *organizations.CacheOptions) *organizations.CachedStore {
	t.Helper()
	c, err := organizations.NewCachedStore(t.Context(), store, opts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// TestCachedStoreConformance runs the whole Store contract against a CachedStore over
// a MemoryStore: the cache changes no behaviour a Service shows.
func TestCachedStoreConformance(t *testing.T) {
	t.Parallel()
	organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
		return newCachedStore(t, organizations.NewMemoryStore(), nil)
	})
}

// TestCachedPostgresStoreConformance is TestCachedStoreConformance over PostgreSQL. Its
// caches poll: the wake-up on commit is off in the shared schemas, as Migrate leaves it
// (turning it on changes a trigger, so the schema would be dropped rather than reused),
// and has tests of its own (cache_listen_test.go). Heavy tier: the fast tier runs the
// suite on a CachedStore over the memory store and directly on PostgreSQL, and holds the
// cache's PostgreSQL follower with the tests of its own (cache_listen_test.go, the
// read-your-writes and new-enemy trials on PostgreSQL); the suite again cost it about 13
// CPU seconds.
func TestCachedPostgresStoreConformance(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t)
	organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
		store, _ := newPostgresStore(t, execModes[0].mode)
		return newCachedStore(t, store, nil)
	})
}
