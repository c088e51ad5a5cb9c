package organizations_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// cacheBackend makes two stores on one backend: one MemoryStore seen twice, or two
// PostgresStores on one schema over separate pools (two processes sharing a database),
// and how many trials a test of it runs (cacheTrials).
type cacheBackend struct {
	name   string
	make   func(t *testing.T) (a, b organizations.Store)
	trials int
}

var cacheBackends = []cacheBackend{
	{"Memory", func(*testing.T) (organizations.Store, organizations.Store) {
		m := organizations.NewMemoryStore()
		return m, m
	}, cacheTrials(250, 2500)},
	{"Postgres", func(t *testing.T) (organizations.Store, organizations.Store) {
		a, _ := newPostgresStore(t, execModes[0].mode)
		b, _ := otherProcess(t, a, nil)
		return a, b
	}, cacheTrials(50, 1000)},
}

// cacheTrials is the number of trials of the cache's consistency tests: fast in the fast
// tier, heavy in the heavy tier, which CI runs, or ORGANIZATIONS_TEST_CACHE_TRIALS
// (docs/cache.md's 10,000 trials on PostgreSQL: ORGANIZATIONS_TEST_CACHE_TRIALS=10000).
func cacheTrials(fast, heavy int) int {
	return pgtest.ByTierOr("ORGANIZATIONS_TEST_CACHE_TRIALS", fast, heavy)
}

// forBackends runs f once per backend, as parallel subtests.
func forBackends(t *testing.T, f func(t *testing.T, be cacheBackend)) {
	for _, be := range cacheBackends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			f(t, be)
		})
	}
}

// TestCacheReadYourOwnWrites: a Service on a CachedStore reads every write it made at
// once, while another goroutine fills the cache with the same keys during each write: 0
// stale reads in the trials (3 reads each), which go on until the cache has answered
// reads. With the invalidation moved before the write (broken on purpose), it found 1 to
// 12 stale reads of 750 on the memory store and about 100 of 150 on PostgreSQL in the
// fast tier, and 43 to 67 of 7,500 and about 2,250 of 3,000 in the heavy tier.
func TestCacheReadYourOwnWrites(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, _ := be.make(t)
		c := newCachedStore(t, a, &organizations.CacheOptions{PollInterval: time.Hour}) // the follower does not help
		svc := organizations.New(c, nil)
		org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		user := organizations.UserID("u")

		// The filler reads the same keys while each write is in flight, filling the
		// cache with whatever is current: the race is there (a fill whose store read
		// comes before the write commits, put after it). Between writes it waits rather
		// than spin on cache hits; the write never waits for it.
		stop, kick := make(chan struct{}), make(chan struct{}, 1)
		var writing atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-kick:
				}
				for writing.Load() {
					_, _ = svc.IsMember(ctx, org.ID, user)
					_, _ = svc.HasPermission(ctx, org.ID, user, organizations.PermMembersAdd)
				}
			}
		})
		write := func(f func() error) {
			writing.Store(true)
			select { // wakes the filler; never waits for it
			case kick <- struct{}{}:
			default:
			}
			err := f()
			writing.Store(false)
			require.NoError(t, err)
		}
		// At least be.trials trials, and on until the cache has answered some reads,
		// up to a hundred times as many: a count, not a time, bounds it.
		stale := 0
		for trial := 0; trial < be.trials || c.Stats().Hits == 0 && trial < 100*be.trials; trial++ {
			write(func() error {
				_, err := svc.AddUser(ctx, org.ID, user, organizations.RoleMember)
				return err
			})
			if ok, err := svc.IsMember(ctx, org.ID, user); err != nil || !ok {
				stale++
			}
			write(func() error {
				_, err := svc.SetRole(ctx, org.ID, user, organizations.RoleAdmin)
				return err
			})
			if ok, err := svc.HasPermission(ctx, org.ID, user, organizations.PermMembersAdd); err != nil || !ok {
				stale++
			}
			write(func() error { return svc.RemoveUser(ctx, org.ID, user) })
			if ok, err := svc.IsMember(ctx, org.ID, user); err != nil || ok {
				stale++
			}
		}
		close(stop)
		wg.Wait()
		t.Logf("%d trials, %d stale reads of the Service's own writes", be.trials, stale)
		require.Zero(t, stale, "stale reads of the Service's own writes")
		require.NotZero(t, c.Stats().Hits, "the cache answered some reads")
	})
}

// TestCacheNewEnemy: a member removed through one Service (process A) and checked,
// with the removal's token, through another on the same backend (process B) whose
// cache held them as a member: refused in every trial (10,000 of 10,000 in the heavy
// tier). In every other trial B's follower is paused, so that the read must fall
// through to the store.
func TestCacheNewEnemy(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, b := be.make(t)
		ca := newCachedStore(t, a, nil)
		cb := newCachedStore(t, b, &organizations.CacheOptions{TokenWait: time.Millisecond})
		svcA, svcB := organizations.New(ca, nil), organizations.New(cb, nil)
		org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		user := organizations.UserID("enemy")

		admitted := 0
		for i := range be.trials {
			_, err := svcA.AddUser(ctx, org.ID, user, organizations.RoleAdmin)
			require.NoError(t, err)
			tok, err := svcA.Token(ctx)
			require.NoError(t, err)
			require.NoError(t, cb.Wait(ctx, tok)) // else applying the addition later would drop B's entry
			ctxB := organizations.WithConsistency(ctx, organizations.AtLeast(tok))
			ok, err := svcB.IsMember(ctxB, org.ID, user) // B now caches "member"
			require.NoError(t, err)
			require.True(t, ok)
			_, err = svcB.HasPermission(ctxB, org.ID, user, organizations.PermMembersRemove)
			require.NoError(t, err)
			hits := cb.Stats().Hits
			ok, err = svcB.IsMember(ctx, org.ID, user)
			require.NoError(t, err)
			require.True(t, ok)
			require.Greater(t, cb.Stats().Hits, hits, "B answers from its cache")

			resume := func() {}
			if i%2 == 1 {
				resume = cb.PauseFollower()
			}
			require.NoError(t, svcA.RemoveUser(ctx, org.ID, user))
			tok, err = svcA.Token(ctx)
			require.NoError(t, err)
			ctxB = organizations.WithConsistency(ctx, organizations.AtLeast(tok))
			if ok, err := svcB.IsMember(ctxB, org.ID, user); err != nil || ok {
				admitted++
			}
			if ok, err := svcB.HasPermission(ctxB, org.ID, user, organizations.PermMembersRemove); err != nil || ok {
				admitted++
			}
			if ok, err := svcB.IsAdmin(ctxB, org.ID, user); err != nil || ok {
				admitted++
			}
			resume()
		}
		t.Logf("%d trials, %d checks with the removal's token admitted the removed member", be.trials, admitted)
		require.Zero(t, admitted, "checks with the removal's token that still admitted the removed member")
	})
}

// TestCacheNeverAuthorizesWrites: the rights of two admins are revoked (one demoted,
// one removed) behind the back of every cache: through a Service on the bare store (a
// third process, a host's own path), while the followers of both processes' caches
// are paused and each cache still says both may remove members. Their writes through
// either cache are refused, as the store decides them, and change nothing.
func TestCacheNeverAuthorizesWrites(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, b := be.make(t)
		bare := organizations.New(a, nil)
		ca, cb := newCachedStore(t, a, nil), newCachedStore(t, b, nil)
		caches := map[string]*organizations.CachedStore{"A": ca, "B": cb}
		actors := []organizations.UserID{"demoted", "removed"}
		org, err := bare.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		for _, u := range actors {
			_, err = bare.AddUser(ctx, org.ID, u, organizations.RoleAdmin)
			require.NoError(t, err)
		}
		_, err = bare.AddUser(ctx, org.ID, "victim", organizations.RoleMember)
		require.NoError(t, err)
		tok, err := bare.Token(ctx)
		require.NoError(t, err)
		for name, c := range caches {
			require.NoError(t, c.Wait(ctx, tok), name) // else applying the additions later would drop the entries
			for _, u := range actors {
				ok, err := organizations.New(c, nil).HasPermission(organizations.WithConsistency(ctx, organizations.AtLeast(tok)), org.ID, u, organizations.PermMembersRemove)
				require.NoError(t, err)
				require.True(t, ok, name)
			}
			defer c.PauseFollower()()
		}

		_, err = bare.SetRole(ctx, org.ID, "demoted", organizations.RoleMember)
		require.NoError(t, err)
		require.NoError(t, bare.RemoveUser(ctx, org.ID, "removed"))

		for name, c := range caches {
			svc := organizations.New(c, nil)
			for _, u := range actors {
				ok, err := svc.HasPermission(ctx, org.ID, u, organizations.PermMembersRemove)
				require.NoError(t, err)
				require.True(t, ok, "cache %s still says %s may (MinimizeLatency, follower paused)", name, u)
				acc, err := svc.Access(ctx, org.ID, u)
				require.NoError(t, err)
				require.True(t, acc.Can(organizations.PermMembersRemove), "cache %s, %s", name, u)
			}
		}
		denied := func(err error) bool {
			return errors.Is(err, organizations.ErrPermissionDenied) || errors.Is(err, organizations.ErrNotMember)
		}
		for name, c := range caches {
			for _, u := range actors {
				actor := organizations.New(c, nil).As(u)
				err := actor.RemoveUser(ctx, org.ID, "victim")
				require.True(t, denied(err), "%s through cache %s: the write is decided by the store, not the cache: %v", u, name, err)
				_, err = actor.SetRole(ctx, org.ID, "victim", organizations.RoleAdmin)
				require.True(t, denied(err), "%s through cache %s: %v", u, name, err)
				_, err = actor.AddUser(ctx, org.ID, "intruder", organizations.RoleAdmin)
				require.True(t, denied(err), "%s through cache %s: %v", u, name, err)
			}
		}
		full := organizations.WithConsistency(ctx, organizations.FullConsistency())
		m, err := bare.OrganizationUser(full, org.ID, "victim")
		require.NoError(t, err)
		require.Equal(t, organizations.RoleMember, m.Role, "nothing changed")
		ok, err := bare.IsMember(full, org.ID, "intruder")
		require.NoError(t, err)
		require.False(t, ok, "nothing changed")

		tok, err = bare.Token(ctx)
		require.NoError(t, err)
		for name, c := range caches {
			for _, u := range actors {
				ok, err := organizations.New(c, nil).HasPermission(organizations.WithConsistency(ctx, organizations.AtLeast(tok)), org.ID, u, organizations.PermMembersRemove)
				require.NoError(t, err)
				require.False(t, ok, "cache %s, %s: a read with the revocation's token sees it, follower paused or not", name, u)
			}
		}
	})
}

// TestCacheTTL: with the follower paused, a change made elsewhere is served stale until
// the entry's TTL (NegativeTTL for "not a member") has passed on the cache's clock, and
// not after.
func TestCacheTTL(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, b := be.make(t)
		svcA := organizations.New(a, nil)
		clock := organizationstest.NewClock(time.Now())
		const ttl, negTTL = 10 * time.Second, 2 * time.Second
		cb := newCachedStore(t, b, &organizations.CacheOptions{TTL: ttl, NegativeTTL: negTTL, Now: clock.Now})
		svcB := organizations.New(cb, nil)
		org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		_, err = svcA.AddUser(ctx, org.ID, "member", organizations.RoleMember)
		require.NoError(t, err)
		tok, err := svcA.Token(ctx)
		require.NoError(t, err)
		require.NoError(t, cb.Wait(ctx, tok))
		fresh := organizations.WithConsistency(ctx, organizations.AtLeast(tok))
		for _, u := range []organizations.UserID{"member", "outsider"} {
			_, err = svcB.IsMember(fresh, org.ID, u) // cached: yes and no
			require.NoError(t, err)
		}

		resume := cb.PauseFollower()
		defer resume()
		require.NoError(t, svcA.RemoveUser(ctx, org.ID, "member"))
		_, err = svcA.AddUser(ctx, org.ID, "outsider", organizations.RoleMember)
		require.NoError(t, err)

		isMember := func(u organizations.UserID) bool {
			ok, err := svcB.IsMember(ctx, org.ID, u)
			require.NoError(t, err)
			return ok
		}
		clock.Advance(negTTL - time.Nanosecond)
		require.True(t, isMember("member"), "stale within the TTL")
		require.False(t, isMember("outsider"), "stale within the negative TTL")
		clock.Advance(time.Nanosecond)
		require.True(t, isMember("outsider"), "the negative entry expired")
		clock.Advance(ttl - negTTL - time.Nanosecond)
		require.True(t, isMember("member"), "stale within the TTL")
		clock.Advance(time.Nanosecond)
		require.False(t, isMember("member"), "never staler than the TTL")
	})
}

// TestCacheFollowerApplies: without tokens or own writes, the follower alone brings
// another process's changes in, for every kind of entry: waiting for its position
// (Position) to reach the change's token, never for time.
func TestCacheFollowerApplies(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, b := be.make(t)
		svcA := organizations.New(a, nil)
		cb := newCachedStore(t, b, &organizations.CacheOptions{PollInterval: time.Hour}) // Wait wakes it
		svcB := organizations.New(cb, nil)
		org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		_, err = svcA.AddUser(ctx, org.ID, "m", organizations.RoleMember)
		require.NoError(t, err)
		caughtUp := func() {
			tok, err := svcA.Token(ctx)
			require.NoError(t, err)
			require.NoError(t, cb.Wait(ctx, tok))
		}
		caughtUp()
		read := func() (member, admin, owner bool, name string, roles int) {
			member, err := svcB.IsMember(ctx, org.ID, "m")
			require.NoError(t, err)
			admin, err = svcB.HasPermission(ctx, org.ID, "m", organizations.PermMembersAdd)
			require.NoError(t, err)
			owner, err = svcB.IsOwner(ctx, org.ID, "m")
			require.NoError(t, err)
			acc, err := svcB.ResolveOrganization(ctx, org.Slug, "m")
			require.NoError(t, err)
			rs, err := cb.CustomRoles(ctx, org.ID)
			require.NoError(t, err)
			return member, admin, owner, acc.Organization.Name, len(rs)
		}
		m, ad, ow, name, roles := read()
		require.Equal(t, []any{true, false, false, "Acme", 0}, []any{m, ad, ow, name, roles})

		_, err = svcA.SetRole(ctx, org.ID, "m", organizations.RoleAdmin)
		require.NoError(t, err)
		require.NoError(t, svcA.ChangeOwner(ctx, org.ID, "m"))
		newName := "Acme Two"
		_, err = svcA.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &newName})
		require.NoError(t, err)
		_, err = svcA.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing", Permissions: []organizations.Permission{organizations.PermAuditRead}})
		require.NoError(t, err)
		caughtUp()
		m, ad, ow, name, roles = read()
		require.Equal(t, []any{true, true, true, "Acme Two", 1}, []any{m, ad, ow, name, roles})

		require.NoError(t, svcA.ChangeOwner(ctx, org.ID, "owner"))
		_, err = svcA.SuspendUser(ctx, org.ID, "m")
		require.NoError(t, err)
		caughtUp()
		m, ad, ow, _, _ = read()
		require.Equal(t, []any{false, false, false}, []any{m, ad, ow})
	})
}

// TestCacheBudget: the cache holds at most MaxEntries entries, however many keys are
// read.
func TestCacheBudget(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCachedStore(t, organizations.NewMemoryStore(), &organizations.CacheOptions{MaxEntries: 128})
	svc := organizations.New(c, nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	for i := range 2000 {
		_, err := svc.IsMember(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)))
		require.NoError(t, err)
	}
	require.LessOrEqual(t, c.Stats().Entries, 128)
}

// TestCacheConsistencyModes: FullConsistency always reads the store, a closed cache
// too; tokens round-trip through their text form.
func TestCacheConsistencyModes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCachedStore(t, organizations.NewMemoryStore(), nil)
	svc := organizations.New(c, nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.IsMember(ctx, org.ID, "owner")
	require.NoError(t, err)
	full := organizations.WithConsistency(ctx, organizations.FullConsistency())
	before := c.Stats()
	for range 3 {
		_, err = svc.IsMember(full, org.ID, "owner")
		require.NoError(t, err)
	}
	after := c.Stats()
	require.Equal(t, before.Hits, after.Hits)
	require.Equal(t, before.Misses+3, after.Misses)
	require.Equal(t, "full", organizations.ConsistencyFrom(full).String())
	require.Equal(t, "minimize_latency", organizations.ConsistencyFrom(ctx).String())

	tok, err := svc.Token(ctx)
	require.NoError(t, err)
	require.False(t, tok.IsZero())
	back, err := organizations.ParseConsistencyToken(tok.String())
	require.NoError(t, err)
	require.Equal(t, tok, back)
	for _, bad := range []string{"x", "0", "-1", "1.2"} {
		_, err := organizations.ParseConsistencyToken(bad)
		require.ErrorIs(t, err, organizations.ErrInvalidCursor, bad)
	}

	c.Close()
	hits := c.Stats().Hits
	_, err = svc.IsMember(ctx, org.ID, "owner")
	require.NoError(t, err)
	require.Equal(t, hits, c.Stats().Hits, "a closed cache answers nothing")

	_, err = organizations.NewCachedStore(ctx, coreOnlyStore{organizations.NewMemoryStore()}, nil)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
}
