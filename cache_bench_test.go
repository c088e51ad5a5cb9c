package organizations_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
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

// BenchmarkRevocationLag is TestCacheRevocationLag's measurement as a benchmark: b.N
// trials in each mode (Notify: the follower woken by commits; Poll: PollOnly); the
// figures are lag-p50-ms, lag-p99-ms and lag-max-ms, and the background writes/s
// achieved.
//
//	go test -run='^$' -bench=RevocationLag -benchtime=1000x .
func BenchmarkRevocationLag(b *testing.B) {
	for _, pollOnly := range []bool{false, true} {
		name := "Notify"
		if pollOnly {
			name = "Poll"
		}
		b.Run(name, func(b *testing.B) {
			r := measureRevocationLag(b, pollOnly, b.N, 1000)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(r.p50), "lag-p50-ms")
			b.ReportMetric(ms(r.p99), "lag-p99-ms")
			b.ReportMetric(ms(r.max), "lag-max-ms")
			b.ReportMetric(r.writesPerSec, "writes/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkFeedNotifyWriteCost is what the wake-up on commit (SetFeedNotify) costs a
// writer: AddUser then RemoveUser (two autocommit writes, two notifications) on a schema
// with it on, on one with it off (the default), and on one without the trigger at all
// (dropped: what off must cost no more than), in one run, alternating in rounds of b.N/10
// pairs so that a change of the machine's load falls on each. ratio is on against off,
// off-ratio off against dropped.
//
//	go test -run='^$' -bench=FeedNotifyWriteCost -benchtime=2000x -count=3 .
func BenchmarkFeedNotifyWriteCost(b *testing.B) {
	ctx := context.Background()
	type side struct {
		svc *organizations.Service
		org uuid.UUID
		d   time.Duration
	}
	const on, off, dropped = 0, 1, 2
	sides := make([]*side, 3)
	for i := range sides {
		schema, pool := pgtest.Schema(b)
		s, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
		require.NoError(b, err)
		require.NoError(b, s.Migrate(ctx))
		require.NoError(b, s.SetFeedNotify(ctx, i == on))
		if i == dropped {
			_, err := pool.Exec(ctx, "DROP TRIGGER organization_events_notify ON "+pgx.Identifier{schema, "organization_events"}.Sanitize())
			require.NoError(b, err)
		}
		svc := organizations.New(s, nil)
		org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
		require.NoError(b, err)
		sides[i] = &side{svc: svc, org: org.ID}
	}
	round := max(1, b.N/10)
	b.ResetTimer()
	for done := 0; done < b.N; done += round {
		for _, sd := range sides {
			start := time.Now()
			for range min(round, b.N-done) {
				_, err := sd.svc.AddUser(ctx, sd.org, "u", organizations.RoleMember)
				require.NoError(b, err)
				require.NoError(b, sd.svc.RemoveUser(ctx, sd.org, "u"))
			}
			sd.d += time.Since(start)
		}
	}
	b.ReportMetric(float64(sides[on].d.Microseconds())/float64(b.N), "notify-us/pair")
	b.ReportMetric(float64(sides[off].d.Microseconds())/float64(b.N), "disabled-us/pair")
	b.ReportMetric(float64(sides[dropped].d.Microseconds())/float64(b.N), "dropped-us/pair")
	b.ReportMetric(float64(sides[on].d)/float64(sides[off].d), "ratio")
	b.ReportMetric(float64(sides[off].d)/float64(sides[dropped].d), "off-ratio")
	b.ReportMetric(0, "ns/op")
}
