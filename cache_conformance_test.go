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

// TestCachedPostgresStoreConformance is TestCachedStoreConformance over PostgreSQL. In
// the fast tier its caches poll (PollOnly): a cache woken on commit takes a connection
// of its own and waits for a probe notification as it starts, once per subtest, which
// made this the longest test of the package; the heavy tier (CI) runs the suite with the
// wake-up on commit, and the wake-up has tests of its own (cache_listen_test.go).
func TestCachedPostgresStoreConformance(t *testing.T) {
	t.Parallel()
	opts := &organizations.CacheOptions{PollOnly: !pgtest.HeavyEnabled()}
	organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
		store, _ := newPostgresStore(t, execModes[0].mode)
		return newCachedStore(t, store, opts)
	})
}
