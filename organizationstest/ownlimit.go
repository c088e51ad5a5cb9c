package organizationstest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// ownershipLimitStore is the optional organizations.OwnershipLimitStore.
var ownershipLimitStore = optionalOf[organizations.OwnershipLimitStore]()

// ownedRace is how many calls race to make one user the owner of one more organization.
const ownedRace = 16

func ownedLimitTests() []test {
	return []test{
		{"CreateAtLimit", testOwnedCreateAtLimit},
		{"ChangeOwnerAtLimit", testOwnedChangeOwnerAtLimit},
		{"AcceptTransferAtLimit", testOwnedAcceptAtLimit},
		{"RaceCreate", testOwnedRaceCreate},
		{"RaceMixed", testOwnedRaceMixed},
	}
}

// limitedService returns a Service over h's store with the per-user organization limit
// n, recording its events with h's recorder.
func (h *harness) limitedService(n int) *organizations.Service {
	return organizations.New(h.store, &organizations.Options{Now: h.clock.Now, Events: h.events.record, MaxOwnedOrganizations: n})
}

// owned returns how many organizations user owns, as the store counts them.
func (h *harness) owned(user organizations.UserID) int {
	h.t.Helper()
	n, _, err := h.svc.OwnedOrganizations(h.ctx, user)
	require.NoError(h.t, err)
	return n
}

func testOwnedCreateAtLimit(t *testing.T, h *harness) {
	svc := h.limitedService(2)
	other := h.createOrg("someone", "Elsewhere", nil)
	h.addUser(other.ID, "ann", organizations.RoleAdmin) // a membership is no ownership
	a, err := svc.CreateOrganization(h.ctx, "ann", "Team", nil)
	require.NoError(t, err)
	_, err = svc.CreateOrganization(h.ctx, "ann", "Team", &organizations.CreateOptions{Inactive: true})
	require.NoError(t, err, "inactive organizations count, but the second is within the limit")
	h.events.take()
	n, limit, err := svc.OwnedOrganizations(h.ctx, "ann")
	require.NoError(t, err)
	require.Equal(t, [2]int{2, 2}, [2]int{n, limit})

	_, err = svc.CreateOrganization(h.ctx, "ann", "Team", nil)
	require.ErrorIs(t, err, organizations.ErrOrganizationLimit)
	_, err = svc.CreateOrganization(h.ctx, "ann", "Other", &organizations.CreateOptions{Slug: a.Slug})
	require.ErrorIs(t, err, organizations.ErrOrganizationLimit, "the limit comes before a taken slug")
	require.Empty(t, h.events.take(), "a refusal emits nothing")
	require.Equal(t, 2, h.owned("ann"))
	require.Len(t, h.orgsFor("ann", 10), 3, "nothing stored")

	unlimited, err := h.svc.CreateOrganization(h.ctx, "ann", "Team", nil)
	require.NoError(t, err, "a Service without the limit does not enforce it")
	require.Equal(t, "team-3", unlimited.Slug, "the refused create moved no slug counter")
	h.events.take()
	require.Equal(t, 3, h.owned("ann"))
	_, err = svc.CreateOrganization(h.ctx, "bob", "Team", nil)
	require.NoError(t, err, "the limit is per user")

	for _, o := range h.orgsFor("ann", 10) {
		if o.ID != other.ID {
			require.NoError(t, h.svc.DeleteOrganization(h.ctx, o.ID))
		}
	}
	require.Equal(t, 0, h.owned("ann"))
	_, err = svc.CreateOrganization(h.ctx, "ann", "Team", nil)
	require.NoError(t, err, "deleting frees the limit")
}

func testOwnedChangeOwnerAtLimit(t *testing.T, h *harness) {
	svc := h.limitedService(1)
	h.createOrg("bob", "Bob's", nil)
	org := h.createOrg("owner", "Team", nil)
	bob := h.addUser(org.ID, "bob", organizations.RoleMember)

	err := svc.ChangeOwner(h.ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrOrganizationLimit)
	require.ErrorIs(t, svc.As("owner").ChangeOwner(h.ctx, org.ID, "bob"), organizations.ErrOrganizationLimit)
	require.ErrorIs(t, svc.As("bob").ChangeOwner(h.ctx, org.ID, "bob"), organizations.ErrPermissionDenied, "the actor is checked first")
	require.ErrorIs(t, svc.ChangeOwner(h.ctx, org.ID, "nobody"), organizations.ErrNotMember, "membership is checked first")
	require.NoError(t, svc.ChangeOwner(h.ctx, org.ID, "owner"), "the owner already owns it: nothing changes, nothing is refused")
	require.Empty(t, h.events.take())
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
	requireSameMember(t, bob, h.member(org.ID, "bob"), "not promoted")

	// The store refuses it on its own, as ChangeOwnerParams.MaxOwned says.
	_, err = h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: "bob", Now: h.now(), MaxOwned: 1})
	require.ErrorIs(t, err, organizations.ErrOrganizationLimit)

	bobs := h.orgsFor("bob", 10)
	for _, o := range bobs {
		if o.ID != org.ID {
			require.NoError(t, h.svc.DeleteOrganization(h.ctx, o.ID))
		}
	}
	h.events.take()
	require.NoError(t, svc.ChangeOwner(h.ctx, org.ID, "bob"), "bob owns nothing now")
	require.Equal(t, organizations.UserID("bob"), h.owner(org.ID).OrganizationUser.UserID)
	require.Equal(t, 0, h.owned("owner"))
}

func testOwnedAcceptAtLimit(t *testing.T, h *harness) {
	if !transferStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface organizations.TransferStore")
	}
	svc := h.limitedService(1)
	mine := h.createOrg("bob", "Bob's", nil)
	org := h.staffedOrg("Team", nil)
	tr, err := svc.As("owner").ProposeOwnershipTransfer(h.ctx, org.ID, "bob")
	require.NoError(t, err, "proposing is not limited: accepting is")
	h.events.take()

	require.ErrorIs(t, svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrOrganizationLimit)
	require.ErrorIs(t, svc.As("admin").AcceptOwnershipTransfer(h.ctx, org.ID), organizations.ErrPermissionDenied, "only the nominee, first")
	require.Empty(t, h.events.take())
	got, err := h.svc.OwnershipTransfer(h.ctx, org.ID)
	require.NoError(t, err, "the proposal stays open")
	require.Equal(t, tr, got)
	require.Equal(t, organizations.UserID("owner"), h.owner(org.ID).OrganizationUser.UserID)
	require.Equal(t, organizations.RoleMember, h.member(org.ID, "bob").Role, "not promoted")

	require.NoError(t, h.svc.DeleteOrganization(h.ctx, mine.ID))
	h.events.take()
	require.NoError(t, svc.As("bob").AcceptOwnershipTransfer(h.ctx, org.ID))
	require.Equal(t, organizations.UserID("bob"), h.owner(org.ID).OrganizationUser.UserID)
	require.Equal(t, 1, h.owned("bob"))
}

func testOwnedRaceCreate(t *testing.T, h *harness) {
	const limit = 3
	svc := h.limitedService(limit)
	for i := range limit - 1 {
		_, err := svc.CreateOrganization(h.ctx, "ann", fmt.Sprintf("Team %d", i), nil)
		require.NoError(t, err)
	}
	h.events.take()
	errs := parallel(ownedRace, func(i int) error {
		name := "Race" // half share a name (and a slug counter), half do not
		if i%2 == 1 {
			name = fmt.Sprintf("Race %d", i)
		}
		return errOnly(svc.CreateOrganization(h.ctx, "ann", name, nil))
	})
	refused, ok := countErrors(errs, organizations.ErrOrganizationLimit)
	require.Equal(t, 1, ok, "exactly one create at limit - 1 succeeds: %v", errs)
	require.Equal(t, ownedRace-1, refused, "%v", errs)
	require.Equal(t, limit, h.owned("ann"))
	require.Len(t, h.events.take(), 1, "one event, for the one create")
}

// testOwnedRaceMixed races every path that makes a user an owner, for a user one short
// of the limit: creates, ChangeOwner in other organizations and accepted transfers.
// Exactly one wins.
func testOwnedRaceMixed(t *testing.T, h *harness) {
	const limit = 2
	svc := h.limitedService(limit)
	_, err := svc.CreateOrganization(h.ctx, "ann", "Mine", nil)
	require.NoError(t, err)
	transfers := transferStore.implemented(h.store)
	const n = 6
	var moved, accepted []uuid.UUID
	for i := range n {
		o := h.createOrg(organizations.UserID(fmt.Sprintf("owner%d", i)), fmt.Sprintf("Moved %d", i), nil)
		h.addUser(o.ID, "ann", organizations.RoleMember)
		moved = append(moved, o.ID)
		if transfers {
			o := h.createOrg(organizations.UserID(fmt.Sprintf("proposer%d", i)), fmt.Sprintf("Proposed %d", i), nil)
			h.addUser(o.ID, "ann", organizations.RoleMember)
			_, err := h.svc.As(organizations.UserID(fmt.Sprintf("proposer%d", i))).ProposeOwnershipTransfer(h.ctx, o.ID, "ann")
			require.NoError(t, err)
			accepted = append(accepted, o.ID)
		}
	}
	h.events.take()
	calls := 3 * n
	errs := parallel(calls, func(i int) error {
		switch k := i / 3; i % 3 {
		case 0:
			return errOnly(svc.CreateOrganization(h.ctx, "ann", fmt.Sprintf("New %d", k), nil))
		case 1:
			return svc.ChangeOwner(h.ctx, moved[k], "ann")
		default:
			if !transfers {
				return organizations.ErrOrganizationLimit
			}
			return svc.As("ann").AcceptOwnershipTransfer(h.ctx, accepted[k])
		}
	})
	refused, ok := countErrors(errs, organizations.ErrOrganizationLimit)
	require.Equal(t, 1, ok, "exactly one path makes ann an owner: %v", errs)
	require.Equal(t, calls-1, refused, "%v", errs)
	require.Equal(t, limit, h.owned("ann"))
	h.events.take()
}
