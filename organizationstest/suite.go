// Package organizationstest is the conformance suite of organizations.Store: the contract
// every store must meet, in code. A store implementation runs it from its own tests:
//
//	func TestMyStoreConformance(t *testing.T) {
//		organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
//			return newEmptyStore(t) // a fresh, empty store for every subtest
//		})
//	}
//
// The suite drives most behaviour through organizations.Service, which is what host apps
// call, and calls Store methods directly where the Store contract says more than the
// Service shows (ChangeOwner's OwnerChange, AcceptResult, invitations, activations). It
// uses only the public API, so it holds no store's internals against it.
package organizationstest

import (
	"testing"

	"github.com/go-organizations/organizations"
)

// TestStore runs the whole Store contract against stores made by newStore: organizations,
// members, ownership, pagination, invitations, activations, error precedence, cancelled
// contexts and concurrency, each as a named subtest. newStore is called once per subtest
// and must return an empty store; subtests run in parallel (t.Parallel), so stores made by
// newStore must not share state. It reports failures through t and returns no error.
func TestStore(t *testing.T, newStore func(t *testing.T) organizations.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"CreateOrganization", createTests()},
		{"Lookup", lookupTests()},
		{"UpdateOrganization", updateTests()},
		{"DeleteOrganization", deleteTests()},
		{"Members", memberTests()},
		{"Owner", ownerTests()},
		{"Pagination", paginationTests()},
		{"Events", eventTests()},
		{"Errors", errorTests()},
		{"Invitations", invitationTests()},
		{"InvitationResponses", responseTests()},
		{"Activations", activationTests()},
		{"Concurrency", concurrencyTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, newHarness(t, newStore))
				})
			}
		})
	}
}

// test is one subtest of the suite, run against its own empty store.
type test struct {
	name string
	run  func(t *testing.T, h *harness)
}
