package organizations_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// cacheBackend makes two stores on one backend: one MemoryStore seen twice, or two
// PostgresStores on one schema (two processes sharing a database), and how many trials
// a test of it runs: a quarter in the fast tier, every one in the heavy tier
// (pgtest.ByTier), where CI runs them.
type cacheBackend struct {
	name   string
	make   func(t *testing.T) (a, b organizations.Store)
	trials int
}

var cacheBackends = []cacheBackend{
	{"Memory", func(*testing.T) (organizations.Store, organizations.Store) {
		m := organizations.NewMemoryStore()
		return m, m
	}, pgtest.ByTier(250, 1000)},
	{"Postgres", func(t *testing.T) (organizations.Store, organizations.Store) {
		a, pool := newPostgresStore(t, execModes[0].mode)
		b, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: a.Schema()})
		require.NoError(t, err)
		return a, b
	}, pgtest.ByTier(50, 200)},
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
// once, while another goroutine keeps filling the cache with the same keys: 0 stale
// reads in the trials (3 reads each), which go on until the cache has answered reads.
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

		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // fills the cache with whatever is current, racing the writes
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = svc.IsMember(ctx, org.ID, user)
				_, _ = svc.HasPermission(ctx, org.ID, user, organizations.PermMembersAdd)
			}
		})
		// At least be.trials trials, and on until the filler has had the cache answer
		// some reads (a fast trial loop can end before the filler first runs), up to a
		// hundred times as many: a count, not a time, bounds it.
		stale := 0
		for trial := 0; trial < be.trials || c.Stats().Hits == 0 && trial < 100*be.trials; trial++ {
			_, err := svc.AddUser(ctx, org.ID, user, organizations.RoleMember)
			require.NoError(t, err)
			if ok, err := svc.IsMember(ctx, org.ID, user); err != nil || !ok {
				stale++
			}
			_, err = svc.SetRole(ctx, org.ID, user, organizations.RoleAdmin)
			require.NoError(t, err)
			if ok, err := svc.HasPermission(ctx, org.ID, user, organizations.PermMembersAdd); err != nil || !ok {
				stale++
			}
			require.NoError(t, svc.RemoveUser(ctx, org.ID, user))
			if ok, err := svc.IsMember(ctx, org.ID, user); err != nil || ok {
				stale++
			}
		}
		close(stop)
		wg.Wait()
		require.Zero(t, stale, "stale reads of the Service's own writes")
		require.NotZero(t, c.Stats().Hits, "the cache answered some reads")
	})
}

// TestCacheNewEnemy: a member removed through one Service (process A) and checked,
// with the removal's token, through another on the same backend (process B) whose
// cache held them as a member: refused in every trial. In every other trial B's
// follower is paused, so that the read must fall through to the store.
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
		require.Zero(t, admitted, "checks with the removal's token that still admitted the removed member")
	})
}

// TestCacheNeverAuthorizesWrites: process B's cache keeps saying that the actor is an
// admin (its follower is paused) after process A demoted them; the actor's write
// through B is refused, as the store decides it, and changes nothing.
func TestCacheNeverAuthorizesWrites(t *testing.T) {
	t.Parallel()
	forBackends(t, func(t *testing.T, be cacheBackend) {
		ctx := t.Context()
		a, b := be.make(t)
		svcA := organizations.New(a, nil)
		cb := newCachedStore(t, b, nil)
		svcB := organizations.New(cb, nil)
		org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(t, err)
		_, err = svcA.AddUser(ctx, org.ID, "actor", organizations.RoleAdmin)
		require.NoError(t, err)
		_, err = svcA.AddUser(ctx, org.ID, "victim", organizations.RoleMember)
		require.NoError(t, err)
		tok, err := svcA.Token(ctx)
		require.NoError(t, err)
		require.NoError(t, cb.Wait(ctx, tok)) // else applying the additions later would drop B's entry
		fresh := organizations.WithConsistency(ctx, organizations.AtLeast(tok))
		ok, err := svcB.HasPermission(fresh, org.ID, "actor", organizations.PermMembersRemove)
		require.NoError(t, err)
		require.True(t, ok)

		resume := cb.PauseFollower()
		defer resume()
		_, err = svcA.SetRole(ctx, org.ID, "actor", organizations.RoleMember)
		require.NoError(t, err)

		ok, err = svcB.HasPermission(ctx, org.ID, "actor", organizations.PermMembersRemove)
		require.NoError(t, err)
		require.True(t, ok, "B's cache still says yes (MinimizeLatency, follower paused)")
		acc, err := svcB.Access(ctx, org.ID, "actor")
		require.NoError(t, err)
		require.True(t, acc.Can(organizations.PermMembersRemove))

		err = svcB.As("actor").RemoveUser(ctx, org.ID, "victim")
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the write is decided by the store, not the cache")
		_, err = svcB.As("actor").SetRole(ctx, org.ID, "actor", organizations.RoleAdmin)
		require.ErrorIs(t, err, organizations.ErrPermissionDenied)

		full := organizations.WithConsistency(ctx, organizations.FullConsistency())
		ok, err = svcB.IsMember(full, org.ID, "victim")
		require.NoError(t, err)
		require.True(t, ok, "nothing changed")
		tok, err = svcA.Token(ctx)
		require.NoError(t, err)
		ok, err = svcB.HasPermission(organizations.WithConsistency(ctx, organizations.AtLeast(tok)), org.ID, "actor", organizations.PermMembersRemove)
		require.NoError(t, err)
		require.False(t, ok, "a read with the demotion's token sees it, follower paused or not")
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
