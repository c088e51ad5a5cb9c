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
//
// # Core and optional parts
//
// Every store must pass the core: the groups CreateOrganization, Lookup,
// UpdateOrganization, DeleteOrganization, Members, Owner, Pagination, Events, Errors,
// Invitations, InvitationResponses, Concurrency and Authorization, which test the methods of
// organizations.Store. A store may leave out an optional interface (see "How the interface
// evolves" in the Store documentation); the group that tests it then reports each of its
// subtests skipped, with a message naming the interface, and the core tests leave out
// their calls to it. The optional groups:
//
//   - Activations: organizations.ActivationStore (sign-up activations, which
//     Service.Register and Service.Activate need).
//   - Seats: organizations.SeatStore (member limits, and their races).
//   - Suspension: organizations.SuspensionStore (suspending and reactivating members).
//   - OwnershipTransfer: organizations.TransferStore (two-phase ownership transfer).
//   - Offboarding: organizations.OffboardStore (OrganizationsOwnedBy, RemoveUserEverywhere).
//   - OrganizationLimit: organizations.OwnershipLimitStore (the per-user organization
//     limit on create, ChangeOwner and accepted transfers, and its races: parallel
//     creates, and all three paths at once, for a user one short of the limit).
//   - JoinRequests: organizations.JoinRequestStore (request, approve, deny, withdraw,
//     expiry, the actor check, the seat limit, and the races: approve against
//     withdraw, parallel requests, parallel approvals for the last seat).
//   - MemberList: organizations.MemberListStore (ListMembers with filters).
//   - EventLog: organizations.EventStore (every change records its events in its atomic
//     step: one record per event Options.Events receives, in order, decoding to it;
//     failed calls record nothing; the feed's cursors, the audit log's filters and pages,
//     retention, a reader polling during concurrent writes; racing changes to one member
//     come in the feed in the order they took effect, and in the audit log in the
//     feed's order reversed).
//   - Teams: organizations.TeamStore (teams and their members: a team member is always
//     a member of the team's organization, under races with RemoveUser too; suspension,
//     actor checks, events in the feed and the audit log).
//   - TeamRoles: organizations.TeamStore's team roles (TeamAccess and its permissions
//     per team, SetTeamRole, the escalation rule in both scopes, their event records,
//     and a grant racing the granter's demotion: never a grant after it).
//   - TeamLimits: organizations.TeamStore's limits (Options.MaxTeams and
//     MaxTeamMembers: refusals, their order, and parallel creates or additions one short
//     of the limit: exactly one).
//   - TeamInvitations: organizations.TeamInvitationStore (invitations naming teams:
//     reads, accept joining the organization and the teams in one step with their
//     events and records, a team deleted or full before the accept, foreign and unknown
//     teams refused with nothing written, the escalation rule for team roles at invite
//     and accept, and the races: an accept against the team's deletion, two accepts for
//     a team's last seat).
//   - Domains: organizations.DomainStore (verified domains and enrollment: add, list,
//     remove, verification by DNS through a fake resolver and by affiliation, one
//     organization per verified name, subdomains apart, unverification and the maximum
//     age, the actor check, automatic invitations and suggestions through
//     Service.Enrollments, the events in the feed and the audit log, and the races: two
//     or more organizations verifying one name at once, parallel sign-ins of one user,
//     and of several for the last seat).
//   - Relay: organizations.CursorStore (cursors round-trip; a relay killed mid-batch and
//     restarted, and one whose handler fails and panics, deliver every record at least
//     once and in order; OnError hears every failure, cursor loads and saves and feed
//     reads included, before its retry). It needs an EventStore too.
//
// # Helpers for a host's own tests
//
// The package also gives a host app what its handler tests need around a Service, the
// same helpers the library's own tests use:
//
//   - Clock, a fake clock for Options.Now that moves only when told to;
//   - Recorder, whose Record method is Options.Events, keeping the events emitted;
//   - Outbox, an organizations.Inviter and organizations.Activator that keeps the
//     messages with their tokens, and can be made to fail like a mail server that is down.
package organizationstest

import (
	"reflect"
	"testing"

	"github.com/go-organizations/organizations"
)

// TestStore runs the whole Store contract against stores made by newStore: organizations,
// members, ownership, pagination, invitations, activations, error precedence, cancelled
// contexts and concurrency, each as a named subtest. The tests of an optional interface
// the store does not implement are reported skipped (see the package documentation).
// newStore is called once per subtest and must return an empty store; subtests run in
// parallel (t.Parallel), so stores made by newStore must not share state. It reports
// failures through t and returns no error.
func TestStore(t *testing.T, newStore func(t *testing.T) organizations.Store) {
	groups := []struct {
		name  string
		tests []test
		needs *optional // nil: core
	}{
		{"CreateOrganization", createTests(), nil},
		{"Lookup", lookupTests(), nil},
		{"UpdateOrganization", updateTests(), nil},
		{"DeleteOrganization", deleteTests(), nil},
		{"Members", memberTests(), nil},
		{"Owner", ownerTests(), nil},
		{"Pagination", paginationTests(), nil},
		{"Events", eventTests(), nil},
		{"Errors", errorTests(), nil},
		{"Invitations", invitationTests(), nil},
		{"InvitationResponses", responseTests(), nil},
		{"Activations", activationTests(), &activationStore},
		{"Concurrency", concurrencyTests(), nil},
		{"Authorization", authzTests(), nil},
		{"Seats", seatTests(), &seatStore},
		{"Suspension", suspensionTests(), &suspensionStore},
		{"OwnershipTransfer", transferTests(), &transferStore},
		{"Offboarding", offboardTests(), &offboardStore},
		{"OrganizationLimit", ownedLimitTests(), &ownershipLimitStore},
		{"JoinRequests", joinRequestTests(), &joinRequestStore},
		{"MemberList", memberListTests(), &memberListStore},
		{"EventLog", eventLogTests(), &eventStore},
		{"Relay", relayTests(), &cursorStore},
		{"Teams", teamTests(), &teamStore},
		{"TeamRoles", teamRoleTests(), &teamStore},
		{"TeamLimits", teamLimitTests(), &teamStore},
		{"TeamInvitations", teamInvitationTests(), &teamInvitationStore},
		{"Domains", domainTests(), &domainStore},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					h := newHarness(t, newStore)
					if g.needs != nil && !g.needs.implemented(h.store) {
						t.Skipf("the store does not implement the optional interface %s", g.needs.name)
					}
					tc.run(t, h)
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

// optional is an optional interface of a store, which a group of tests needs.
type optional struct {
	name        string
	implemented func(organizations.Store) bool
}

// optionalOf is the optional interface T of the organizations package (its name as the
// skip message gives it: "organizations.T").
func optionalOf[T any]() optional {
	return optional{"organizations." + reflect.TypeFor[T]().Name(), func(s organizations.Store) bool {
		_, ok := s.(T)
		return ok
	}}
}

// activationStore is the optional organizations.ActivationStore.
var activationStore = optionalOf[organizations.ActivationStore]()
