package organizations_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// BenchmarkCachedCheck compares the checks of a request handler (IsMember,
// HasPermission, Access) answered by a CachedStore with the same checks read from
// PostgreSQL, in one run, on one organization of 1,000 members: Postgres/* is one round
// trip per check, Cached/* a hit (the key is read once before the timer starts). The
// cached checks allocate nothing but Access (which copies the organization's documents
// for its caller).
//
//	go test -run='^$' -bench=CachedCheck -benchmem -count=5 .
func BenchmarkCachedCheck(b *testing.B) {
	ctx := context.Background()
	pg, _ := newPostgresStore(b, execModes[0].mode)
	c := newCachedStore(b, pg, nil)
	mem := newCachedStore(b, organizations.NewMemoryStore(), nil)
	for _, be := range []struct {
		name  string
		store organizations.Store
	}{{"Postgres", pg}, {"Cached", c}, {"CachedMemory", mem}} {
		svc := organizations.New(be.store, nil)
		org, err := svc.CreateOrganization(ctx, "owner", "Acme "+be.name, nil)
		require.NoError(b, err)
		for i := range 1000 {
			_, err := svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
			require.NoError(b, err)
		}
		user := organizations.UserID("u500")
		checks := []struct {
			name string
			f    func() bool
		}{
			{"IsMember", func() bool { ok, _ := svc.IsMember(ctx, org.ID, user); return ok }},
			{"HasPermission", func() bool {
				ok, _ := svc.HasPermission(ctx, org.ID, user, organizations.PermAuditRead)
				return !ok
			}},
			{"Access", func() bool { a, _ := svc.Access(ctx, org.ID, user); return a.IsMember }},
		}
		for _, ch := range checks {
			b.Run(be.name+"/"+ch.name, func(b *testing.B) {
				require.True(b, ch.f())
				b.ReportAllocs()
				for b.Loop() {
					if !ch.f() {
						b.Fatal("wrong answer")
					}
				}
			})
			b.Run(be.name+"/"+ch.name+"Parallel16", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(8) // 16 callers on 2 CPUs
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !ch.f() {
							b.Error("wrong answer")
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkRevocationLag measures, across two processes (two Services on one
// PostgreSQL database, each with its own CachedStore at the default PollInterval), the
// time from the return of a removal in A (its commit) until B, reading with
// MinimizeLatency every 200 µs, refuses the removed member; under a background load of
// about 1,000 writes/s in A on another organization. Each removal comes at a random
// moment of B's poll interval. One trial per iteration; the
// figures are lag-p50-ms, lag-p99-ms and lag-max-ms.
//
//	go test -run='^$' -bench=RevocationLag -benchtime=300x .
func BenchmarkRevocationLag(b *testing.B) {
	ctx := context.Background()
	pgA, pool := newPostgresStore(b, execModes[0].mode)
	pgB, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: pgA.Schema()})
	require.NoError(b, err)
	ca, cb := newCachedStore(b, pgA, nil), newCachedStore(b, pgB, nil)
	svcA, svcB := organizations.New(ca, nil), organizations.New(cb, nil)
	org, err := svcA.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(b, err)
	busy, err := svcA.CreateOrganization(ctx, "owner", "Busy", nil)
	require.NoError(b, err)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // background load: ~1,000 writes/s
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			u := organizations.UserID(fmt.Sprint("load", i%50))
			if i%100 < 50 {
				_, _ = svcA.AddUser(ctx, busy.ID, u, organizations.RoleMember)
			} else {
				_ = svcA.RemoveUser(ctx, busy.ID, u)
			}
		}
	})
	lags := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		user := organizations.UserID(fmt.Sprint("m", i))
		_, err := svcA.AddUser(ctx, org.ID, user, organizations.RoleMember)
		require.NoError(b, err)
		tok, err := svcA.Token(ctx)
		require.NoError(b, err)
		require.NoError(b, cb.Wait(ctx, tok))
		ok, err := svcB.IsMember(ctx, org.ID, user) // cached in B
		require.NoError(b, err)
		require.True(b, ok)

		// Wait woke B's follower: decorrelate the removal from its next poll.
		time.Sleep(rand.N(organizations.DefaultCachePollInterval))
		require.NoError(b, svcA.RemoveUser(ctx, org.ID, user))
		start := time.Now()
		for {
			ok, err := svcB.IsMember(ctx, org.ID, user)
			require.NoError(b, err)
			if !ok {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		lags = append(lags, time.Since(start))
	}
	close(stop)
	wg.Wait()
	slices.Sort(lags)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lags[len(lags)/2]), "lag-p50-ms")
	b.ReportMetric(ms(lags[len(lags)*99/100]), "lag-p99-ms")
	b.ReportMetric(ms(lags[len(lags)-1]), "lag-max-ms")
	b.ReportMetric(0, "ns/op")
}
