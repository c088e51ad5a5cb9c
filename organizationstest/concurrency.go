package organizationstest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Sizes of the concurrency tests: enough goroutines to collide, few enough rounds to keep
// the suite fast on a database.
const (
	parallelism = 16
	raceRounds  = 20
)

func concurrencyTests() []test {
	return []test{
		{"CreateSameName", testParallelCreateSameName},
		{"CreateSameExplicitSlug", testParallelCreateSameSlug},
		{"ChangeOwnerRacingRemoveUser", testChangeOwnerRacingRemove},
		{"ChangeOwnerRacingDemotion", testChangeOwnerRacingDemotion},
		{"AddUserSameUser", testParallelAddUser},
		{"GetOrAddUserSameUser", testParallelGetOrAdd},
		{"AcceptOneTokenManyUsers", testParallelAcceptManyUsers},
		{"AcceptOneTokenSameUser", testParallelAcceptSameUser},
		{"CreateInvitationSameEmail", testParallelCreateInvitation},
		{"DeleteRacingAddUser", testDeleteRacingAddUser},
		{"ReadsRacingWrites", testReadsRacingWrites},
	}
}

// parallel runs f(0..n-1) on n goroutines released together, and returns their errors. f
// must not call t.FailNow (require): assertions belong after parallel returns.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// parallelValues is parallel for calls that make a value too: the values and the errors
// of f(0..n-1), by i.
func parallelValues[T any](n int, f func(i int) (T, error)) ([]T, []error) {
	vals := make([]T, n)
	errs := parallel(n, func(i int) error {
		var err error
		vals[i], err = f(i)
		return err
	})
	return vals, errs
}

// userN is the user ID "u<i>": the i-th of the users a parallel test makes.
func userN(i int) organizations.UserID { return organizations.UserID(fmt.Sprintf("u%d", i)) }

// together runs every f of fs at once (parallel) and waits for all of them. An f must
// not call t.FailNow.
func together(fs ...func()) {
	parallel(len(fs), func(i int) error {
		fs[i]()
		return nil
	})
}

// race runs a and b at once (parallel), alternating with the round which goroutine runs
// which, since the scheduler favours one of them, and returns their errors. a and b must
// not call t.FailNow.
func race(round int, a, b func() error) (errA, errB error) {
	first := round % 2
	errs := parallel(2, func(i int) error {
		if i == first {
			return a()
		}
		return b()
	})
	return errs[first], errs[1-first]
}

// raceOrg creates the organization of one race round, owned by owner.
func (h *harness) raceOrg(owner organizations.UserID, round int) organizations.Organization {
	return h.createOrg(owner, fmt.Sprintf("Round %d", round), nil)
}

// raceRounds runs round raceRounds times, each time on a new organization owned by
// "owner" (raceOrg), then checks the invariants of every one of them and of users. It
// does not verify the events: who wins a race decides them.
func (h *harness) raceRounds(users []organizations.UserID, round func(round int, org organizations.Organization)) {
	h.events.noVerify()
	var orgIDs []uuid.UUID
	for i := range raceRounds {
		org := h.raceOrg("owner", i)
		orgIDs = append(orgIDs, org.ID)
		round(i, org)
	}
	h.requireInvariants(orgIDs, users)
}

func testParallelCreateSameName(t *testing.T, h *harness) {
	h.events.noVerify()
	orgs, errs := parallelValues(parallelism, func(i int) (organizations.Organization, error) {
		return h.svc.CreateOrganization(h.ctx, userN(i), "Same Name", nil)
	})
	want := []string{"same-name"}
	for n := 2; n <= parallelism; n++ {
		want = append(want, fmt.Sprintf("same-name-%d", n))
	}
	var slugs []string
	var orgIDs []uuid.UUID
	var users []organizations.UserID
	for i, err := range errs {
		require.NoError(t, err, "every create succeeds")
		slugs = append(slugs, orgs[i].Slug)
		orgIDs = append(orgIDs, orgs[i].ID)
		users = append(users, userN(i))
		got, err := h.svc.OrganizationBySlug(h.ctx, orgs[i].Slug)
		require.NoError(t, err)
		require.Equal(t, orgs[i].ID, got.ID)
	}
	require.ElementsMatch(t, want, slugs)
	require.Len(t, h.events.take(), parallelism)
	h.requireInvariants(orgIDs, users)
}

func testParallelCreateSameSlug(t *testing.T, h *harness) {
	h.events.noVerify()
	orgs, errs := parallelValues(parallelism, func(i int) (organizations.Organization, error) {
		return h.svc.CreateOrganization(h.ctx, userN(i), "Name", &organizations.CreateOptions{Slug: "contested"})
	})
	taken, ok := countErrors(errs, organizations.ErrSlugTaken)
	require.Equal(t, 1, ok, "exactly one create gets the slug")
	require.Equal(t, parallelism-1, taken)
	var users []organizations.UserID
	var winner uuid.UUID
	for i, err := range errs {
		u := userN(i)
		users = append(users, u)
		if err == nil {
			winner = orgs[i].ID
			continue
		}
		h.requireNoOrgsFor(u)
	}
	got, err := h.svc.OrganizationBySlug(h.ctx, "contested")
	require.NoError(t, err)
	require.Equal(t, winner, got.ID)
	h.requireInvariants([]uuid.UUID{winner}, users)
}

func testChangeOwnerRacingRemove(t *testing.T, h *harness) {
	h.raceRounds([]organizations.UserID{"owner", "heir"}, func(round int, org organizations.Organization) {
		h.addUser(org.ID, "heir", organizations.RoleMember)
		changeErr, removeErr := race(round,
			func() error { return h.svc.ChangeOwner(h.ctx, org.ID, "heir") },
			func() error { return h.svc.RemoveUser(h.ctx, org.ID, "heir") })
		owner := h.owner(org.ID).OrganizationUser.UserID
		isMember, err := h.svc.IsMember(h.ctx, org.ID, "heir")
		require.NoError(t, err)
		switch {
		case changeErr == nil:
			// The transfer came first: the heir owns it and could not be removed.
			require.ErrorIs(t, removeErr, organizations.ErrOwnershipRequired, "round %d", round)
			require.Equal(t, organizations.UserID("heir"), owner, "round %d", round)
			require.True(t, isMember, "round %d: the owner is a member", round)
		default:
			// The removal came first: the transfer found no member.
			require.ErrorIs(t, changeErr, organizations.ErrNotMember, "round %d", round)
			require.NoError(t, removeErr, "round %d", round)
			require.Equal(t, organizations.UserID("owner"), owner, "round %d", round)
			require.False(t, isMember, "round %d", round)
		}
	})
}

func testChangeOwnerRacingDemotion(t *testing.T, h *harness) {
	h.raceRounds([]organizations.UserID{"owner", "heir"}, func(round int, org organizations.Organization) {
		h.addUser(org.ID, "heir", organizations.RoleAdmin)
		changeErr, demoteErr := race(round,
			func() error { return h.svc.ChangeOwner(h.ctx, org.ID, "heir") },
			func() error { return errOnly(h.svc.SetRole(h.ctx, org.ID, "heir", organizations.RoleMember)) })
		require.NoError(t, changeErr, "round %d: the heir is a member either way", round)
		if err := demoteErr; err != nil {
			require.ErrorIs(t, err, organizations.ErrOwnershipRequired, "round %d", round)
		}
		// Whichever came first, the owner ends up an admin.
		o := h.owner(org.ID).OrganizationUser
		require.Equal(t, organizations.UserID("heir"), o.UserID, "round %d", round)
		require.Equal(t, organizations.RoleAdmin, o.Role, "round %d", round)
	})
}

func testParallelAddUser(t *testing.T, h *harness) {
	h.events.noVerify()
	org := h.createOrg("owner", "Band", nil)
	errs := parallel(parallelism, func(i int) error {
		role := organizations.RoleMember
		if i%2 == 1 {
			role = organizations.RoleAdmin
		}
		_, err := h.svc.AddUser(h.ctx, org.ID, "tom", role)
		return err
	})
	dup, ok := countErrors(errs, organizations.ErrAlreadyMember)
	require.Equal(t, 1, ok, "exactly one AddUser succeeds")
	require.Equal(t, parallelism-1, dup, "the rest are ErrAlreadyMember")
	require.Len(t, h.members(org.ID, 0), 2)
	require.Len(t, h.events.take(), 1, "one UserAdded")
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"owner", "tom"})
}

func testParallelGetOrAdd(t *testing.T, h *harness) {
	h.events.noVerify()
	org := h.createOrg("owner", "Band", nil)
	got := make([]organizations.OrganizationUser, parallelism)
	created := make([]bool, parallelism)
	errs := parallel(parallelism, func(i int) error {
		var err error
		got[i], created[i], err = h.svc.GetOrAddUser(h.ctx, org.ID, "tom", organizations.RoleMember)
		return err
	})
	n := 0
	for i, err := range errs {
		require.NoError(t, err)
		require.Equal(t, got[0].ID, got[i].ID, "everyone gets the one membership")
		if created[i] {
			n++
		}
	}
	require.Equal(t, 1, n, "exactly one call created it")
	require.Len(t, h.events.take(), 1)
	requireSameMember(t, got[0], h.member(org.ID, "tom"))
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"owner", "tom"})
}

func testParallelAcceptManyUsers(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "anyone@example.com", organizations.RoleMember, true, time.Hour)
	hash := h.invite(inv)
	users := make([]organizations.UserID, parallelism)
	offers := make([]organizations.OrganizationUser, parallelism)
	for i := range users {
		users[i] = userN(i)
		offers[i] = h.newMembership(org.ID, users[i])
	}
	results, errs := parallelValues(parallelism, func(i int) (organizations.AcceptResult, error) {
		return h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: users[i]}, TokenHash: hash, Email: string(users[i]) + "@example.com", Membership: offers[i], Now: h.now()})
	})
	closed, ok := countErrors(errs, organizations.ErrInvitationClosed)
	require.Equal(t, 1, ok, "exactly one accept wins")
	require.Equal(t, parallelism-1, closed, "the rest find it closed")
	for i, err := range errs {
		if err != nil {
			h.requireNoOrgsFor(users[i])
			continue
		}
		require.True(t, results[i].Accepted)
		require.True(t, results[i].MembershipCreated)
		require.Equal(t, users[i], h.invitation(inv.ID).AcceptedBy)
		requireSameMember(t, results[i].Membership, h.member(org.ID, users[i]))
	}
	require.Len(t, h.members(org.ID, 0), 4, "owner, admin, member and the one winner")
	h.requireInvariants([]uuid.UUID{org.ID}, users)
}

func testParallelAcceptSameUser(t *testing.T, h *harness) {
	org := inviteFixture(h)
	inv := h.newInvitation(org.ID, "admin", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	offers := make([]organizations.OrganizationUser, parallelism)
	for i := range offers {
		offers[i] = h.newMembership(org.ID, "ann")
	}
	results, errs := parallelValues(parallelism, func(i int) (organizations.AcceptResult, error) {
		return h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, TokenHash: hash, Email: "ann@example.com", Membership: offers[i], Now: h.now()})
	})
	accepted := 0
	for i, err := range errs {
		require.NoError(t, err, "a repeated accept by the same user succeeds")
		require.Equal(t, results[0].Membership.ID, results[i].Membership.ID, "one membership for all")
		if results[i].Accepted {
			accepted++
			require.True(t, results[i].MembershipCreated)
		} else {
			require.False(t, results[i].MembershipCreated)
		}
	}
	require.Equal(t, 1, accepted, "exactly one call accepted it")
	requireSameMember(t, results[0].Membership, h.member(org.ID, "ann"))
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"ann"})
}

func testParallelCreateInvitation(t *testing.T, h *harness) {
	org := inviteFixture(h)
	invs := make([]organizations.Invitation, parallelism)
	hashes := make([][]byte, parallelism)
	for i := range invs {
		hashes[i] = h.tokenHash()
		by := organizations.UserID("admin")
		if i%2 == 1 {
			by = "owner"
		}
		invs[i] = h.newInvitation(org.ID, by, "ann@example.com", organizations.RoleMember, false, time.Hour)
	}
	errs := parallel(parallelism, func(i int) error {
		return errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: invs[i].InvitedBy}, Invitation: invs[i], TokenHash: hashes[i], Now: h.now()}))
	})
	dup, ok := countErrors(errs, organizations.ErrAlreadyInvited)
	require.Equal(t, 1, ok, "exactly one invitation is made")
	require.Equal(t, parallelism-1, dup)
	pending := h.pending(org.ID)
	require.Len(t, pending, 1)
	for i, err := range errs {
		if err == nil {
			require.Equal(t, invs[i].ID, pending[0].ID)
			continue
		}
		_, err := h.store.Invitation(h.ctx, invs[i].ID, h.now())
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	}
	forEmail, err := h.store.InvitationsForEmail(h.ctx, "ann@example.com", h.now())
	require.NoError(t, err)
	require.Len(t, forEmail, 1)
}

func testDeleteRacingAddUser(t *testing.T, h *harness) {
	h.raceRounds([]organizations.UserID{"owner", "tom"}, func(round int, org organizations.Organization) {
		delErr, addErr := race(round,
			func() error { return h.svc.DeleteOrganization(h.ctx, org.ID) },
			func() error { return errOnly(h.svc.AddUser(h.ctx, org.ID, "tom", organizations.RoleMember)) })
		require.NoError(t, delErr, "round %d", round)
		if err := addErr; err != nil {
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "round %d", round)
		}
		h.requireOrgGone(org.ID)
	})
	h.requireNoOrgsFor("tom")
	h.requireNoOrgsFor("owner")
}

// testReadsRacingWrites reads an organization while ownership moves back and forth, the
// heir is demoted again and the slug changes: every read sees a state some write left
// whole (the owner an admin member, a slug lookup the organization with that slug), never
// half of one, and a deletion makes the reads report the organization not found.
func testReadsRacingWrites(t *testing.T, h *harness) {
	h.events.noVerify()
	org := h.createOrg("owner", "Relay", &organizations.CreateOptions{Slug: "relay-a"})
	h.addUser(org.ID, "heir", organizations.RoleMember)
	slugs := []string{"relay-a", "relay-b"}
	const readers = 4
	done := make(chan struct{})
	errs := parallel(readers+1, func(i int) error {
		if i == readers { // the writer
			defer close(done)
			for round := range raceRounds {
				if err := h.svc.ChangeOwner(h.ctx, org.ID, "heir"); err != nil {
					return err
				}
				if err := h.svc.ChangeOwner(h.ctx, org.ID, "owner"); err != nil {
					return err
				}
				if _, err := h.svc.SetRole(h.ctx, org.ID, "heir", organizations.RoleMember); err != nil {
					return err
				}
				slug := slugs[(round+1)%2]
				if _, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{Slug: &slug}); err != nil {
					return err
				}
			}
			return nil
		}
		for n := 0; ; n++ {
			select {
			case <-done:
				if n > 0 {
					return nil
				}
			default:
			}
			o, err := h.store.Owner(h.ctx, org.ID)
			if err != nil {
				return err
			}
			if o.OrganizationUser.Role != organizations.RoleAdmin {
				return fmt.Errorf("read %d: owner %s has role %s", n, o.OrganizationUser.UserID, o.OrganizationUser.Role)
			}
			for _, user := range []organizations.UserID{"owner", "heir"} {
				ms, err := h.store.Access(h.ctx, organizations.AccessParams{OrganizationID: org.ID, UserID: user})
				if err != nil {
					return err
				}
				if !ms.IsMember || (ms.IsOwner && ms.Membership.Role != organizations.RoleAdmin) {
					return fmt.Errorf("read %d: %s: member %v, owner %v, role %s", n, user, ms.IsMember, ms.IsOwner, ms.Membership.Role)
				}
			}
			slug := slugs[n%2]
			got, err := h.store.OrganizationBySlug(h.ctx, slug)
			switch {
			case errors.Is(err, organizations.ErrOrganizationNotFound):
			case err != nil:
				return err
			case got.ID != org.ID || got.Slug != slug:
				return fmt.Errorf("read %d: slug %s gave %s with slug %s", n, slug, got.ID, got.Slug)
			}
		}
	})
	for i, err := range errs {
		require.NoError(t, err, "goroutine %d", i)
	}
	h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"owner", "heir"})

	// Deletion racing the reads: each read finds the organization whole or not at all.
	errs = parallel(readers+1, func(i int) error {
		if i == readers {
			return h.svc.DeleteOrganization(h.ctx, org.ID)
		}
		for range raceRounds {
			if _, err := h.store.Owner(h.ctx, org.ID); err != nil && !errors.Is(err, organizations.ErrOrganizationNotFound) {
				return err
			}
			if _, err := h.store.OrganizationUser(h.ctx, org.ID, "heir"); err != nil && !errors.Is(err, organizations.ErrOrganizationNotFound) {
				return err
			}
		}
		return nil
	})
	for i, err := range errs {
		require.NoError(t, err, "goroutine %d", i)
	}
	h.requireOrgGone(org.ID)
	h.requireNoOrgsFor("heir")
}
