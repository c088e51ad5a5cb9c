package organizations_test

import (
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
)

// TestMemoryStoreConformance runs the Store contract against MemoryStore.
func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	organizationstest.TestStore(t, func(*testing.T) organizations.Store { return organizations.NewMemoryStore() })
}

// coreOnlyStore shows a MemoryStore as the core Store alone, hiding its optional
// interfaces, as a third-party store that implements only the core would be.
type coreOnlyStore struct{ organizations.Store }

// TestCoreOnlyStoreConformance runs the suite against a store without ActivationStore:
// the core passes and the activation tests are reported skipped.
func TestCoreOnlyStoreConformance(t *testing.T) {
	organizationstest.TestStore(t, func(*testing.T) organizations.Store {
		return coreOnlyStore{organizations.NewMemoryStore()}
	})
}
