package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// These tests hold the memory store's locking (see MemoryStore, Concurrency): writes to
// one organization decide and change under its lock, operations on several
// organizations or on the global indexes take their locks in order, and the event feed
// keeps each organization's changes in order. Each races writes that the locking must
// keep apart, many times over, and checks what no serial order could produce; run them
// with -race. Each was seen to fail with the locking it holds broken on purpose.

// raceRounds is how many times each test races its writes.
const raceRounds = 25

// together runs the functions at once, each in its own goroutine, released together, and
// waits for them.
func together(fns ...func()) {
	var start, done sync.WaitGroup
	start.Add(1)
	for _, fn := range fns {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			fn()
		}()
	}
	start.Done()
	done.Wait()
}

// TestMemoryRaceSeatLimit races adds to an organization up to and past its member limit:
// exactly as many succeed as there are seats, whatever the interleaving.
func TestMemoryRaceSeatLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	limit := 30
	for round := range 8 * raceRounds {
		org, err := svc.CreateOrganization(ctx, "owner", "Seats "+strconv.Itoa(round), &organizations.CreateOptions{MaxMembers: &limit})
		require.NoError(t, err)
		var mu sync.Mutex
		added, refused := 0, 0
		const goroutines, each = 8, 6 // 48 adds for 29 free seats
		fns := make([]func(), goroutines)
		for i := range fns {
			fns[i] = func() {
				for k := range each {
					_, err := svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprintf("u-%d-%d-%d", round, i, k)), organizations.RoleMember)
					mu.Lock()
					switch {
					case err == nil:
						added++
					case errors.Is(err, organizations.ErrMemberLimit):
						refused++
					default:
						t.Error(err)
					}
					mu.Unlock()
				}
			}
		}
		together(fns...)
		require.Equal(t, limit-1, added, "round %d: adds past the limit", round)
		require.Equal(t, goroutines*each-(limit-1), refused)
		seats, err := svc.Seats(ctx, org.ID)
		require.NoError(t, err)
		require.Equal(t, limit, seats.Members)
	}
	checkMemoryConsistent(t, svc)
}

// TestMemoryRaceSameSlug races creates and renames to the same slugs: exactly one gets
// each; and creates of one name: each gets its own generated slug.
func TestMemoryRaceSameSlug(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	const goroutines, slugs = 6, 8
	for round := range 2 * raceRounds {
		var mu sync.Mutex
		won := map[string]int{}
		var generated []string
		tally := func(slug string, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won[slug]++
			case !errors.Is(err, organizations.ErrSlugTaken):
				t.Error(err)
			}
		}
		var fns []func()
		for i := range goroutines {
			renamed, err := svc.CreateOrganization(ctx, "owner", fmt.Sprintf("Rename %d %d", round, i), nil)
			require.NoError(t, err)
			fns = append(fns, func() { // creates with explicit slugs
				for k := range slugs {
					slug := fmt.Sprintf("acme-%d-%d", round, (k+i)%slugs)
					_, err := svc.CreateOrganization(ctx, organizations.UserID("c-"+strconv.Itoa(i)), "Acme", &organizations.CreateOptions{Slug: slug})
					tally(slug, err)
				}
			}, func() { // renames to the same slugs
				for k := range slugs {
					slug := fmt.Sprintf("acme-%d-%d", round, (k+2*i)%slugs)
					_, err := svc.UpdateOrganization(ctx, renamed.ID, organizations.OrganizationUpdate{Slug: &slug})
					tally(slug, err)
				}
			}, func() { // generated slugs
				for range 2 {
					org, err := svc.CreateOrganization(ctx, organizations.UserID("g-"+strconv.Itoa(i)), "Gen "+strconv.Itoa(round), nil)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					generated = append(generated, org.Slug)
					mu.Unlock()
				}
			})
		}
		together(fns...)
		// A rename can win a slug and leave it by its next rename, for another to win:
		// so a slug may be won more than once, but never held by two at a time.
		for k := range slugs {
			slug := fmt.Sprintf("acme-%d-%d", round, k)
			require.GreaterOrEqual(t, won[slug], 1, "slug %s", slug)
		}
		require.Len(t, generated, 2*goroutines)
		slices.Sort(generated)
		require.Len(t, slices.Compact(generated), 2*goroutines, "generated slugs: %v", generated)
	}
	checkMemoryConsistent(t, svc)
}

// TestMemoryRaceOffboard races RemoveUserEverywhere, deleting the organization the user
// owns, against adds of another user to that organization and of the user to others,
// and against the user leaving one: no membership survives in a deleted organization or
// the offboarding, and the user index, the memberships and the feed agree.
func TestMemoryRaceOffboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	for round := range raceRounds {
		r := strconv.Itoa(round)
		u, v, w := organizations.UserID("u-"+r), organizations.UserID("v-"+r), organizations.UserID("w-"+r)
		doomed, err := svc.CreateOrganization(ctx, u, "Doomed "+r, nil)
		require.NoError(t, err)
		kept, err := svc.CreateOrganization(ctx, w, "Kept "+r, nil)
		require.NoError(t, err)
		other, err := svc.CreateOrganization(ctx, w, "Other "+r, nil)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, kept.ID, u, organizations.RoleAdmin)
		require.NoError(t, err)
		left, err := svc.CreateOrganization(ctx, w, "Left "+r, nil)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, left.ID, u, organizations.RoleMember)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, doomed.ID, w, organizations.RoleAdmin)
		require.NoError(t, err)
		var offboarded organizations.OffboardResult
		together(func() {
			res, err := svc.RemoveUserEverywhere(ctx, u, &organizations.OffboardOptions{
				Owned: map[uuid.UUID]organizations.OwnedPolicy{doomed.ID: organizations.OwnedDelete},
			})
			if err != nil {
				t.Error(err)
			}
			offboarded = res
		}, func() {
			if _, err := svc.AddUser(ctx, doomed.ID, v, organizations.RoleMember); err != nil && !errors.Is(err, organizations.ErrOrganizationNotFound) {
				t.Error(err)
			}
		}, func() {
			if _, err := svc.AddUser(ctx, other.ID, u, organizations.RoleMember); err != nil {
				t.Error(err)
			}
		}, func() {
			if _, err := svc.AddUser(ctx, kept.ID, v, organizations.RoleMember); err != nil {
				t.Error(err)
			}
		}, func() { // the user leaves one organization meanwhile
			if err := svc.RemoveUser(ctx, left.ID, u); err != nil && !errors.Is(err, organizations.ErrNotMember) {
				t.Error(err)
			}
		})
		require.Len(t, offboarded.Deleted, 1)
		_, err = svc.Organization(ctx, doomed.ID)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		for _, id := range []uuid.UUID{kept.ID, left.ID} {
			ok, err := svc.IsMember(ctx, id, u)
			require.NoError(t, err)
			require.False(t, ok, "round %d: the user is still in an organization it was offboarded from", round)
		}
		// Whether the user joined other before or after the offboarding, the result
		// says so: it removed the membership exactly when the add came first.
		ok, err := svc.IsMember(ctx, other.ID, u)
		require.NoError(t, err)
		removedOther := slices.ContainsFunc(offboarded.Removed, func(m organizations.OrganizationUser) bool { return m.OrganizationID == other.ID })
		require.NotEqual(t, ok, removedOther, "round %d", round)
	}
	checkMemoryConsistent(t, svc)
}

// TestMemoryRaceFeedOrder races adds, removals and role changes of the same members of
// a few organizations: the feed stays gap-free, and replaying each organization's
// records reaches its real members and roles, which it would not if a record could
// land out of its change's order.
func TestMemoryRaceFeedOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	var fns []func()
	for i := range 4 {
		org, err := svc.CreateOrganization(ctx, "owner", "Feed "+strconv.Itoa(i), nil)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, org.ID, "flip", organizations.RoleMember)
		require.NoError(t, err)
		fns = append(fns, func() {
			for range 10 * raceRounds {
				if _, err := svc.AddUser(ctx, org.ID, "churn", organizations.RoleMember); err != nil && !errors.Is(err, organizations.ErrAlreadyMember) {
					t.Error(err)
				}
			}
		}, func() {
			for range 10 * raceRounds {
				if err := svc.RemoveUser(ctx, org.ID, "churn"); err != nil && !errors.Is(err, organizations.ErrNotMember) {
					t.Error(err)
				}
			}
		}, func() {
			for k := range 10 * raceRounds {
				if _, err := svc.SetRole(ctx, org.ID, "flip", [2]organizations.Role{organizations.RoleAdmin, organizations.RoleMember}[k%2]); err != nil {
					t.Error(err)
				}
			}
		}, func() {
			for k := range 10 * raceRounds {
				if _, err := svc.SetRole(ctx, org.ID, "flip", [2]organizations.Role{organizations.RoleMember, organizations.RoleAdmin}[k%2]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	together(fns...)
	checkMemoryConsistent(t, svc)
}

// TestMemoryRaceRevokedActor races an admin's adds against the owner demoting them: in
// the feed, no add by the admin follows the demotion (the right is checked under the
// same lock as the write), and every add that succeeded is recorded.
func TestMemoryRaceRevokedActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	for round := range raceRounds {
		org, err := svc.CreateOrganization(ctx, "owner", "Demote "+strconv.Itoa(round), nil)
		require.NoError(t, err)
		_, err = svc.AddUser(ctx, org.ID, "eve", organizations.RoleAdmin)
		require.NoError(t, err)
		eve := svc.As("eve")
		var mu sync.Mutex
		added := map[organizations.UserID]bool{}
		adds := make([]func(), 8)
		for i := range adds {
			adds[i] = func() {
				user := organizations.UserID(fmt.Sprintf("e-%d-%d", round, i))
				_, err := eve.AddUser(ctx, org.ID, user, organizations.RoleMember)
				switch {
				case err == nil:
					mu.Lock()
					added[user] = true
					mu.Unlock()
				case !errors.Is(err, organizations.ErrPermissionDenied):
					t.Error(err)
				}
			}
		}
		together(append(adds, func() {
			if _, err := svc.SetRole(ctx, org.ID, "eve", organizations.RoleMember); err != nil {
				t.Error(err)
			}
		})...)
		demoted, recorded := false, map[organizations.UserID]bool{}
		for _, rec := range memoryFeed(t, svc) {
			if rec.OrganizationID != org.ID {
				continue
			}
			e, err := rec.Event()
			require.NoError(t, err)
			switch e := e.(type) {
			case organizations.RoleChanged:
				if e.New.UserID == "eve" {
					demoted = true
				}
			case organizations.UserAdded:
				if e.Actor == "eve" {
					require.False(t, demoted, "round %d: eve added %s after her demotion", round, e.OrganizationUser.UserID)
					recorded[e.OrganizationUser.UserID] = true
				}
			}
		}
		require.Equal(t, added, recorded)
	}
	checkMemoryConsistent(t, svc)
}

// memoryFeed reads the whole event feed of svc, checking that its positions are 1, 2,
// 3, ...: gap-free and in one order.
func memoryFeed(t *testing.T, svc *organizations.Service) []organizations.EventRecord {
	t.Helper()
	var all []organizations.EventRecord
	cursor := ""
	for {
		recs, next, err := svc.EventFeed(context.Background(), cursor, 500)
		require.NoError(t, err)
		if len(recs) == 0 {
			break
		}
		all = append(all, recs...)
		cursor = next
	}
	for i, rec := range all {
		c, err := organizations.ParseEventCursor(rec.Cursor)
		require.NoError(t, err)
		require.Equal(t, int64(i+1), c.Pos, "the feed's positions skip or repeat")
	}
	return all
}

// checkMemoryConsistent checks, once the writes are over, that the store agrees with
// itself and with its feed: replaying each organization's records gives its members and
// their roles, deleted organizations are gone, no two organizations share a slug, and
// each user's OrganizationsForUser lists exactly the organizations it is a member of.
func checkMemoryConsistent(t *testing.T, svc *organizations.Service) {
	t.Helper()
	ctx := context.Background()
	type key struct {
		org  uuid.UUID
		user organizations.UserID
	}
	roles := map[key]organizations.Role{} // replayed memberships
	orgs := map[uuid.UUID]bool{}          // replayed organizations: true while live
	users := map[organizations.UserID]bool{}
	for _, rec := range memoryFeed(t, svc) {
		e, err := rec.Event()
		require.NoError(t, err)
		switch e := e.(type) {
		case organizations.OrganizationCreated:
			orgs[e.Organization.ID] = true
			roles[key{e.Organization.ID, e.Owner}] = organizations.RoleAdmin
			users[e.Owner] = true
		case organizations.OrganizationDeleted:
			orgs[e.Organization.ID] = false
			for k := range roles {
				if k.org == e.Organization.ID {
					delete(roles, k)
				}
			}
		// Each record must follow from the state the records before it reached: a
		// record out of its change's order shows as an add of a member, a removal of a
		// non-member or a role change from a role the member did not have.
		case organizations.UserAdded:
			m := e.OrganizationUser
			k := key{m.OrganizationID, m.UserID}
			require.True(t, orgs[m.OrganizationID], "a member added to a deleted organization")
			_, dup := roles[k]
			require.False(t, dup, "record %s adds %s, a member already", rec.Cursor, m.UserID)
			roles[k] = m.Role
			users[m.UserID] = true
		case organizations.UserRemoved:
			k := key{e.OrganizationUser.OrganizationID, e.OrganizationUser.UserID}
			_, ok := roles[k]
			require.True(t, ok, "record %s removes %s, not a member", rec.Cursor, k.user)
			delete(roles, k)
		case organizations.RoleChanged:
			k := key{e.New.OrganizationID, e.New.UserID}
			require.Equal(t, roles[k], e.Old.Role, "record %s changes %s's role from one it did not have", rec.Cursor, k.user)
			roles[k] = e.New.Role
		}
	}
	memberOf := map[organizations.UserID][]uuid.UUID{}
	for id, live := range orgs {
		if !live {
			_, err := svc.Organization(ctx, id)
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
			continue
		}
		org, err := svc.Organization(ctx, id)
		require.NoError(t, err)
		bySlug, err := svc.OrganizationBySlug(ctx, org.Slug)
		require.NoError(t, err)
		require.Equal(t, id, bySlug.ID, "two organizations have the slug %q", org.Slug)
		page, err := svc.Members(ctx, id, organizations.ListOptions{Limit: 1000})
		require.NoError(t, err)
		got := map[key]organizations.Role{}
		for _, m := range page.Items {
			got[key{id, m.UserID}] = m.Role
			memberOf[m.UserID] = append(memberOf[m.UserID], id)
		}
		want := map[key]organizations.Role{}
		for k, r := range roles {
			if k.org == id {
				want[k] = r
			}
		}
		require.Equal(t, want, got, "organization %s: the feed's replay and the members differ", id)
	}
	for user := range users {
		page, err := svc.OrganizationsForUser(ctx, user, organizations.ListOptions{Limit: 1000})
		require.NoError(t, err)
		var got []uuid.UUID
		for _, o := range page.Items {
			got = append(got, o.ID)
		}
		want := memberOf[user]
		slices.SortFunc(got, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		slices.SortFunc(want, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		require.Equal(t, want, got, "user %s: OrganizationsForUser and the memberships differ", user)
	}
}
