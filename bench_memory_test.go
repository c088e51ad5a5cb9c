package organizations_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// benchShape is the content of a benchmark store: orgs organizations, every tenth with
// wideMembers members (for full Members pages) and the others with narrowMembers, drawn in
// turn from users users, so that each user belongs to the same number of organizations.
type benchShape struct {
	name                                string
	orgs, users                         int
	wideMembers, narrowMembers, samples int
}

// Both shapes query the same number of sampled organizations, so that the two sizes compare
// the cost of the store's size, not of a larger working set in the CPU caches;
// BenchmarkIsMemberSpread measures the cache-cold case.
var (
	// smallShape: 1,000 organizations, 10,000 memberships, 200 users in 50 organizations each.
	smallShape = benchShape{name: "1k-orgs", orgs: 1_000, users: 200, wideMembers: 55, narrowMembers: 5, samples: 256}
	// largeShape: 100,000 organizations, 1,000,000 memberships, 20,000 users in 50
	// organizations each.
	largeShape = benchShape{name: "100k-orgs", orgs: 100_000, users: 20_000, wideMembers: 55, narrowMembers: 5, samples: 256}
)

// benchStore is a loaded Service with samples to query, spread over the whole store so that
// lookups do not all hit the same cache lines.
type benchStore struct {
	svc *organizations.Service
	// pairs are (organization, member) samples; wide are organizations with a full page
	// of members; owners[i] owns pairs[i].org and is someone other than pairs[i].user;
	// every holds one (organization, member) pair per organization.
	pairs  []benchPair
	wide   []uuid.UUID
	owners []organizations.UserID
	users  []organizations.UserID
	every  []benchPair
}

type benchPair struct {
	org  uuid.UUID
	user organizations.UserID
}

func benchUser(i int) organizations.UserID { return organizations.UserID("user-" + strconv.Itoa(i)) }

// load fills a new Service through its public API, as a host app would.
func (sh benchShape) load(tb testing.TB) *benchStore {
	ctx := context.Background()
	bs := &benchStore{svc: organizations.New(nil, nil)}
	for i := range sh.users {
		bs.users = append(bs.users, benchUser(i))
	}
	stride := sh.orgs / sh.samples
	next := 0 // the next user to draw
	for i := range sh.orgs {
		n := sh.narrowMembers
		if i%10 == 0 {
			n = sh.wideMembers
		}
		owner := bs.users[next%sh.users]
		org, err := bs.svc.CreateOrganization(ctx, owner, "Organization "+strconv.Itoa(i), nil)
		require.NoError(tb, err)
		for k := 1; k < n; k++ {
			role := organizations.RoleMember
			if k%4 == 0 {
				role = organizations.RoleAdmin
			}
			_, err := bs.svc.AddUser(ctx, org.ID, bs.users[(next+k)%sh.users], role)
			require.NoError(tb, err)
		}
		bs.every = append(bs.every, benchPair{org.ID, bs.users[(next+1)%sh.users]})
		if i%stride == 0 {
			bs.pairs = append(bs.pairs, benchPair{org.ID, bs.users[(next+1)%sh.users]})
			bs.owners = append(bs.owners, owner)
		}
		if i%10 == 0 && len(bs.wide) < sh.samples {
			bs.wide = append(bs.wide, org.ID)
		}
		next += n
	}
	return bs
}

var (
	largeOnce  sync.Once
	largeStore *benchStore
)

// forEachSize runs bench on a fresh small store and on the large store, built once per
// process because it takes seconds. Benchmarks that write leave the large store a little
// larger than its nominal shape. Once loaded, the large store's heap stays live and makes
// every garbage collection dearer: measure the sizes in separate processes
// (-bench=/1k-orgs, then -bench=/100k-orgs) for numbers that do not mix.
func forEachSize(b *testing.B, bench func(b *testing.B, bs *benchStore)) {
	b.Run(smallShape.name, func(b *testing.B) {
		bs := smallShape.load(b)
		runtime.GC() // the loading's garbage is not the benchmark's
		b.ReportAllocs()
		b.ResetTimer()
		bench(b, bs)
	})
	b.Run(largeShape.name, func(b *testing.B) {
		bs := large(b)
		b.ReportAllocs()
		b.ResetTimer()
		bench(b, bs)
	})
}

// large returns the large store, loading it on first use.
func large(b *testing.B) *benchStore {
	largeOnce.Do(func() {
		start := time.Now()
		largeStore = largeShape.load(b)
		took := time.Since(start)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("loaded %d organizations and their members in %v; live heap %d MiB",
			largeShape.orgs, took, ms.HeapAlloc>>20)
	})
	return largeStore
}

func BenchmarkCreateOrganization(b *testing.B) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		b.StopTimer()
		names := make([]string, b.N)
		for i := range names {
			names[i] = fmt.Sprintf("Bench %s %d", uuid.NewString(), i) // unique: no slug collisions
		}
		b.StartTimer()
		for i := range b.N {
			if _, err := bs.svc.CreateOrganization(ctx, bs.users[i%len(bs.users)], names[i], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAddUser(b *testing.B) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		b.StopTimer()
		users := make([]organizations.UserID, b.N)
		prefix := "new-" + uuid.NewString() + "-"
		for i := range users {
			users[i] = organizations.UserID(prefix + strconv.Itoa(i))
		}
		b.StartTimer()
		for i := range b.N {
			p := bs.pairs[i%len(bs.pairs)]
			if _, err := bs.svc.AddUser(ctx, p.org, users[i], organizations.RoleMember); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchPredicate measures a membership predicate on members, half of them hits.
func benchPredicate(b *testing.B, pred func(*organizations.Service) func(context.Context, uuid.UUID, organizations.UserID) (bool, error)) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		fn := pred(bs.svc)
		for i := range b.N {
			p := bs.pairs[i%len(bs.pairs)]
			if i&1 == 1 {
				p.user = bs.owners[i%len(bs.owners)]
			}
			if _, err := fn(ctx, p.org, p.user); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIsMember(b *testing.B) {
	benchPredicate(b, func(s *organizations.Service) func(context.Context, uuid.UUID, organizations.UserID) (bool, error) {
		return s.IsMember
	})
}

// BenchmarkIsMemberSpread asks about a different organization of the large store each
// time, all 100,000 in turn: every lookup misses the CPU caches.
func BenchmarkIsMemberSpread(b *testing.B) {
	bs := large(b)
	ctx := context.Background()
	every := bs.every
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p := every[(i*7919)%len(every)] // 7919 is prime to the count: a permutation
		if ok, err := bs.svc.IsMember(ctx, p.org, p.user); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkIsAdmin(b *testing.B) {
	benchPredicate(b, func(s *organizations.Service) func(context.Context, uuid.UUID, organizations.UserID) (bool, error) {
		return s.IsAdmin
	})
}

func BenchmarkIsOwner(b *testing.B) {
	benchPredicate(b, func(s *organizations.Service) func(context.Context, uuid.UUID, organizations.UserID) (bool, error) {
		return s.IsOwner
	})
}

// BenchmarkChangeOwner hands each sampled organization back and forth between its owner
// and a member, so that every call moves ownership.
func BenchmarkChangeOwner(b *testing.B) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		b.StopTimer()
		current := make([]organizations.UserID, len(bs.pairs))
		for i, p := range bs.pairs {
			o, err := bs.svc.Owner(ctx, p.org)
			require.NoError(b, err)
			current[i] = o.OrganizationUser.UserID
		}
		b.StartTimer()
		for i := range b.N {
			k := i % len(bs.pairs)
			p := bs.pairs[k]
			to := p.user
			if current[k] == p.user {
				to = bs.owners[k]
			}
			if err := bs.svc.ChangeOwner(ctx, p.org, to); err != nil {
				b.Fatal(err)
			}
			current[k] = to
		}
	})
}

func BenchmarkMembersPage(b *testing.B) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		opts := organizations.ListOptions{Limit: 50}
		for i := range b.N {
			page, err := bs.svc.Members(ctx, bs.wide[i%len(bs.wide)], opts)
			if err != nil || len(page.Items) != 50 {
				b.Fatal(len(page.Items), err)
			}
		}
	})
}

func BenchmarkOrganizationsForUserPage(b *testing.B) {
	forEachSize(b, func(b *testing.B, bs *benchStore) {
		ctx := context.Background()
		opts := organizations.ListOptions{Limit: 50}
		for i := range b.N {
			if _, err := bs.svc.OrganizationsForUser(ctx, bs.users[(i*7919)%len(bs.users)], opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestIsMemberDoesNotAllocate holds the memory store's budget: membership checks, hits and
// misses alike, allocate nothing.
func TestIsMemberDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	unknown := uuid.New()
	for name, check := range map[string]func() (bool, error){
		"IsMember hit":          func() (bool, error) { return svc.IsMember(ctx, org.ID, "kim") },
		"IsMember miss":         func() (bool, error) { return svc.IsMember(ctx, org.ID, "tom") },
		"IsMember unknown org":  func() (bool, error) { return svc.IsMember(ctx, unknown, "kim") },
		"IsAdmin hit":           func() (bool, error) { return svc.IsAdmin(ctx, org.ID, "chris") },
		"IsOwner hit":           func() (bool, error) { return svc.IsOwner(ctx, org.ID, "chris") },
		"IsOwner member":        func() (bool, error) { return svc.IsOwner(ctx, org.ID, "kim") },
		"IsMember invalid user": func() (bool, error) { return svc.IsMember(ctx, org.ID, "") },
	} {
		var err error
		allocs := testing.AllocsPerRun(100, func() { _, err = check() })
		require.NoError(t, err, name)
		require.Zero(t, allocs, "%s allocates", name)
	}
}

// The parallel benchmarks run on a store of parOrgs organizations of parMembers members
// each and query parHot of them, spread over the store, with random users: half are
// members of the organization asked about, half are drawn from all users.
const (
	parOrgs    = 20_000
	parMembers = 10
	parUsers   = 20_000
	parHot     = 256
)

// parallelStore is the store of the parallel benchmarks.
type parallelStore struct {
	svc        *organizations.Service
	hot        []uuid.UUID
	hotMembers [][]organizations.UserID // members of hot[i]; [0] is the owner
	users      []organizations.UserID
}

var (
	parallelOnce   sync.Once
	parallelLoaded *parallelStore
)

// loadParallel builds the parallel benchmarks' store through the Service, once per process.
func loadParallel(tb testing.TB) *parallelStore {
	parallelOnce.Do(func() {
		ctx := context.Background()
		ps := &parallelStore{svc: organizations.New(nil, nil)}
		for i := range parUsers {
			ps.users = append(ps.users, benchUser(i))
		}
		stride := parOrgs / parHot
		for i := range parOrgs {
			members := make([]organizations.UserID, parMembers)
			for k := range members {
				members[k] = ps.users[(i*parMembers+k)%parUsers]
			}
			org, err := ps.svc.CreateOrganization(ctx, members[0], "Parallel "+strconv.Itoa(i), nil)
			require.NoError(tb, err)
			for _, u := range members[1:] {
				_, err := ps.svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
				require.NoError(tb, err)
			}
			if i%stride == 0 && len(ps.hot) < parHot {
				ps.hot = append(ps.hot, org.ID)
				ps.hotMembers = append(ps.hotMembers, members)
			}
		}
		runtime.GC()
		parallelLoaded = ps
	})
	return parallelLoaded
}

// parallelSeed gives each RunParallel goroutine its own random stream.
var parallelSeed atomic.Uint64

// query draws a hot organization and a user to ask about: a member of it half the time.
func (ps *parallelStore) query(r *rand.Rand) (uuid.UUID, organizations.UserID) {
	h := r.IntN(parHot)
	x := r.Uint64()
	if x&1 == 0 {
		return ps.hot[h], ps.hotMembers[h][(x>>1)%parMembers]
	}
	return ps.hot[h], ps.users[(x>>1)%parUsers]
}

// BenchmarkIsMemberParallel measures IsMember from all GOMAXPROCS goroutines at once
// (-cpu 1,2,4,...): ns/op is wall time over all lookups, so that lookups/s, the aggregate
// throughput, should grow with the cores.
func BenchmarkIsMemberParallel(b *testing.B) {
	ps := loadParallel(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(parallelSeed.Add(1), 1))
		for pb.Next() {
			org, user := ps.query(r)
			if _, err := ps.svc.IsMember(ctx, org, user); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkReadWriteMixParallel is BenchmarkIsMemberParallel with every hundredth call a
// write: SetRole of a random non-owner member of a hot organization to a random role.
func BenchmarkReadWriteMixParallel(b *testing.B) {
	ps := loadParallel(b)
	ctx := context.Background()
	roles := [2]organizations.Role{organizations.RoleMember, organizations.RoleAdmin}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(parallelSeed.Add(1), 2))
		for n := 1; pb.Next(); n++ {
			if n%100 == 0 {
				h := r.IntN(parHot)
				user := ps.hotMembers[h][1+r.IntN(parMembers-1)]
				if _, err := ps.svc.SetRole(ctx, ps.hot[h], user, roles[r.IntN(2)]); err != nil {
					b.Error(err)
					return
				}
				continue
			}
			org, user := ps.query(r)
			if _, err := ps.svc.IsMember(ctx, org, user); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkSetRoleParallel is writes alone from all GOMAXPROCS goroutines at once: SetRole
// of a random non-owner member of a random hot organization to a random role. Writes to
// different organizations take different locks, so their throughput should grow with the
// cores too.
func BenchmarkSetRoleParallel(b *testing.B) {
	ps := loadParallel(b)
	ctx := context.Background()
	roles := [2]organizations.Role{organizations.RoleMember, organizations.RoleAdmin}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(parallelSeed.Add(1), 3))
		for pb.Next() {
			h := r.IntN(parHot)
			user := ps.hotMembers[h][1+r.IntN(parMembers-1)]
			if _, err := ps.svc.SetRole(ctx, ps.hot[h], user, roles[r.IntN(2)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkCreateOrganizationDuplicateSlug creates an organization whose name's slug is
// already taken by dups others (a name with nothing to slugify, as anyone could send),
// then deletes it, so that every iteration meets the same number of duplicates: a create
// and a delete per op. The time should not depend on dups.
func BenchmarkCreateOrganizationDuplicateSlug(b *testing.B) {
	const name = "😀"
	for _, dups := range []int{0, 1_000, 20_000} {
		b.Run("dups="+strconv.Itoa(dups), func(b *testing.B) {
			ctx := context.Background()
			svc := organizations.New(nil, nil)
			for i := range dups {
				_, err := svc.CreateOrganization(ctx, benchUser(i), name, nil)
				require.NoError(b, err)
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				org, err := svc.CreateOrganization(ctx, benchUser(i), name, nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := svc.DeleteOrganization(ctx, org.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// heapPerMembership loads orgs organizations of members members each through a Service
// on a fresh memory store, from users users made beforehand, and returns the live heap
// the store holds per membership: organizations, slugs and indexes included.
func heapPerMembership(tb testing.TB, orgs, members, users int) float64 {
	ctx := context.Background()
	ids := make([]organizations.UserID, users)
	for i := range ids {
		ids[i] = benchUser(i)
	}
	names := make([]string, orgs)
	for i := range names {
		names[i] = "Organization " + strconv.Itoa(i)
	}
	// Warm up what is built once per process on first use (the slug package's
	// transliteration tables), so that it is not counted.
	_, err := organizations.New(nil, nil).CreateOrganization(ctx, "warm-up", "Ünïcode warm-up", nil)
	require.NoError(tb, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	svc := organizations.New(organizations.NewMemoryStore(), nil)
	for i := range orgs {
		org, err := svc.CreateOrganization(ctx, ids[(i*members)%users], names[i], nil)
		require.NoError(tb, err)
		for k := 1; k < members; k++ {
			_, err := svc.AddUser(ctx, org.ID, ids[(i*members+k)%users], organizations.RoleMember)
			require.NoError(tb, err)
		}
	}
	// The event log grows with every change, memberships or not, until pruned: it is
	// measured apart (TestMemoryStoreHeapPerEvent).
	_, err = svc.PruneEvents(ctx, time.Now().Add(time.Hour))
	require.NoError(tb, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(svc)
	runtime.KeepAlive(ids)
	runtime.KeepAlive(names)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(orgs*members)
}

// BenchmarkHeapPerMembership reports the live heap per membership of a store of 100,000
// organizations of 10 members (1,000,000 memberships) from 20,000 users (-benchtime=1x).
func BenchmarkHeapPerMembership(b *testing.B) {
	var per float64
	for range b.N {
		per = heapPerMembership(b, 100_000, 10, 20_000)
	}
	b.ReportMetric(per, "B/membership")
}

// TestMemoryStoreHeapPerEvent holds the memory store's budget of live heap per event
// record (a UserAdded), measured on 100,000 AddUser calls.
func TestMemoryStoreHeapPerEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("records 100,000 events")
	}
	ctx := context.Background()
	store := organizations.NewMemoryStore()
	svc := organizations.New(store, nil)
	users := make([]organizations.UserID, 100_000)
	for i := range users {
		users[i] = benchUser(i)
	}
	org, err := svc.CreateOrganization(ctx, "owner", "Events", nil)
	require.NoError(t, err)
	var before, mid, after runtime.MemStats
	for i, u := range users {
		if i == 0 {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
		_, err := svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
		require.NoError(t, err)
	}
	runtime.GC()
	runtime.ReadMemStats(&mid)
	_, err = svc.PruneEvents(ctx, time.Now().Add(time.Hour))
	require.NoError(t, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(store)
	runtime.KeepAlive(users)
	per := float64(int64(mid.HeapAlloc)-int64(after.HeapAlloc)) / float64(len(users))
	t.Logf("%.0f bytes of live heap per event record", per)
	require.Less(t, per, 260.0, "bytes of live heap per event record, freed by PruneEvents")
	require.Greater(t, per, 0.0)
}

// TestMemoryStoreHeapPerMembership holds the memory store's budget of live heap per
// membership, measured on 100,000 memberships (10,000 organizations of 10).
func TestMemoryStoreHeapPerMembership(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 memberships")
	}
	per := heapPerMembership(t, 10_000, 10, 10_000)
	t.Logf("%.0f bytes of live heap per membership", per)
	require.Less(t, per, 122.0, "bytes of live heap per membership")
}
