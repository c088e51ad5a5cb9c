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
