package organizationstest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func activationTests() []test {
	return []test{
		{"CreateAndLookup", testActivationLookup},
		{"CompleteActivatesOwnedOnly", testActivationComplete},
		{"Expired", testActivationExpired},
		{"Delete", testActivationDelete},
	}
}

// newActivation stores an activation of user created now, expiring after ttl, and
// returns it with its token's hash.
func (h *harness) newActivation(user organizations.UserID, ttl time.Duration) (organizations.Activation, []byte) {
	h.t.Helper()
	now := h.now()
	a := organizations.Activation{
		ID: h.id(), UserID: user, Email: string(user) + "@example.com", CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	hash := h.tokenHash()
	require.NoError(h.t, h.activations.CreateActivation(h.ctx, a, hash))
	return a, hash
}

func testActivationLookup(t *testing.T, h *harness) {
	a, hash := h.newActivation("ann", time.Hour)
	got, err := h.activations.ActivationByTokenHash(h.ctx, hash, h.now())
	require.NoError(t, err)
	requireSameActivation(t, a, got)
	require.True(t, got.UsedAt.IsZero())
	got, err = h.activations.ActivationByTokenHash(h.ctx, hash, a.ExpiresAt.Add(-time.Microsecond))
	require.NoError(t, err, "valid until its expiry")
	requireSameActivation(t, a, got)

	for _, bad := range [][]byte{nil, {7}, h.tokenHash(), a.ID[:], sha256Of(a.ID[:])} {
		_, err := h.activations.ActivationByTokenHash(h.ctx, bad, h.now())
		require.ErrorIs(t, err, organizations.ErrActivationNotFound, "%x", bad)
		_, _, err = h.activations.CompleteActivation(h.ctx, bad, h.now())
		require.ErrorIs(t, err, organizations.ErrActivationNotFound, "%x", bad)
	}
}

func testActivationComplete(t *testing.T, h *harness) {
	inactive := &organizations.CreateOptions{Inactive: true}
	ownedA := h.createOrg("ann", "A", inactive)
	ownedB := h.createOrg("ann", "B", inactive)
	active := h.createOrg("ann", "Active", nil)
	memberOnly := h.createOrg("bob", "Bob's", inactive)
	h.addUser(memberOnly.ID, "ann", organizations.RoleAdmin)
	handedOver := h.createOrg("ann", "Handed Over", inactive)
	h.addUser(handedOver.ID, "bob", organizations.RoleMember)
	require.NoError(t, h.svc.ChangeOwner(h.ctx, handedOver.ID, "bob"))
	notAnns := h.createOrg("cat", "Cat's", inactive)
	h.events.take()
	handedOver = h.org(handedOver.ID)
	a, hash := h.newActivation("ann", time.Hour)

	h.clock.Advance(time.Minute)
	now := h.now()
	used, orgs, err := h.activations.CompleteActivation(h.ctx, hash, now)
	require.NoError(t, err)
	want := a
	want.UsedAt = now
	requireSameActivation(t, want, used)

	var wantOrgs []organizations.Organization
	for _, o := range []organizations.Organization{ownedA, ownedB} {
		o.IsActive, o.UpdatedAt = true, now
		wantOrgs = append(wantOrgs, o)
	}
	slices.SortFunc(orgs, func(x, y organizations.Organization) int { return compareID(x.ID, y.ID) })
	requireSameOrgs(t, wantOrgs, orgs, "exactly the inactive organizations the user owns, activated")
	requireSameOrg(t, wantOrgs[0], h.org(ownedA.ID))
	requireSameOrg(t, wantOrgs[1], h.org(ownedB.ID))
	requireSameOrg(t, active, h.org(active.ID), "an active one is not rewritten")
	requireSameOrg(t, memberOnly, h.org(memberOnly.ID), "membership is not ownership")
	requireSameOrg(t, handedOver, h.org(handedOver.ID), "ownership moved away")
	requireSameOrg(t, notAnns, h.org(notAnns.ID))

	_, _, err = h.activations.CompleteActivation(h.ctx, hash, now)
	require.ErrorIs(t, err, organizations.ErrActivationUsed, "single use")
	_, err = h.activations.ActivationByTokenHash(h.ctx, hash, now)
	require.ErrorIs(t, err, organizations.ErrActivationUsed)

	// A user with nothing to activate completes with an empty list.
	_, danHash := h.newActivation("dan", time.Hour)
	_, orgs, err = h.activations.CompleteActivation(h.ctx, danHash, now)
	require.NoError(t, err)
	require.Empty(t, orgs)
	h.requireInvariants([]uuid.UUID{ownedA.ID, ownedB.ID, active.ID, memberOnly.ID, handedOver.ID, notAnns.ID},
		[]organizations.UserID{"ann", "bob", "cat"})
}

func testActivationExpired(t *testing.T, h *harness) {
	org := h.createOrg("ann", "A", &organizations.CreateOptions{Inactive: true})
	a, hash := h.newActivation("ann", time.Hour)
	late := a.ExpiresAt.Add(time.Microsecond)
	_, err := h.activations.ActivationByTokenHash(h.ctx, hash, late)
	require.ErrorIs(t, err, organizations.ErrActivationExpired)
	_, _, err = h.activations.CompleteActivation(h.ctx, hash, late)
	require.ErrorIs(t, err, organizations.ErrActivationExpired)
	requireSameOrg(t, org, h.org(org.ID), "an expired activation activates nothing")
	got, err := h.activations.ActivationByTokenHash(h.ctx, hash, h.now())
	require.NoError(t, err, "and is not marked used")
	require.True(t, got.UsedAt.IsZero())
}

func testActivationDelete(t *testing.T, h *harness) {
	org := h.createOrg("ann", "A", &organizations.CreateOptions{Inactive: true})
	a, hash := h.newActivation("ann", time.Hour)
	other, otherHash := h.newActivation("bob", time.Hour)
	require.NoError(t, h.activations.DeleteActivation(h.ctx, a.ID))
	_, err := h.activations.ActivationByTokenHash(h.ctx, hash, h.now())
	require.ErrorIs(t, err, organizations.ErrActivationNotFound)
	_, _, err = h.activations.CompleteActivation(h.ctx, hash, h.now())
	require.ErrorIs(t, err, organizations.ErrActivationNotFound)
	requireSameOrg(t, org, h.org(org.ID))
	require.NoError(t, h.activations.DeleteActivation(h.ctx, a.ID), "deleting twice is not an error")
	require.NoError(t, h.activations.DeleteActivation(h.ctx, h.id()))
	got, err := h.activations.ActivationByTokenHash(h.ctx, otherHash, h.now())
	require.NoError(t, err, "other activations stay")
	requireSameActivation(t, other, got)
}
