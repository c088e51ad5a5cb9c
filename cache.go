package organizations

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// CacheOptions configure a CachedStore. The zero value, and a nil *CacheOptions, mean
// defaults.
type CacheOptions struct {
	// MaxEntries bounds the cache: beyond it, an insertion evicts an entry chosen at
	// random (among those of its shard). Default DefaultCacheEntries. An entry is one
	// (organization, user) pair's Access or membership, or one organization's owner,
	// custom roles, row or slug.
	MaxEntries int
	// TTL is the most an entry lives, whatever the feed says: the bound on staleness
	// should the follower stall or fall behind. Default DefaultCacheTTL.
	TTL time.Duration
	// NegativeTTL is the most a "not a member" entry lives (capped at TTL). Default
	// DefaultCacheNegativeTTL.
	NegativeTTL time.Duration
	// PollInterval is how long the follower sleeps once it has read the feed to its end,
	// unless a commit's notification or a read asking for a token it has not reached
	// wakes it first. Default DefaultCachePollInterval. The poll goes on while the cache
	// listens for commits: it bounds the lag when a notification is lost.
	PollInterval time.Duration
	// PollOnly turns off the wake-up on commit: the follower only polls. By default, over
	// a PostgresStore on a *pgxpool.Pool, the cache keeps one connection of its own
	// (taken out of the pool) LISTENing for the notification that each transaction
	// writing to the feed sends as it commits, and reads the feed when woken, provided
	// the store's schema sends them: they are off until the host turns them on with
	// PostgresStore.SetFeedNotify; a cache that finds them off tells OnError
	// (ErrFeedNotifyOff) once, and polls. Over any other store the follower polls.
	PollOnly bool
	// MinReadInterval is the least time from the start of one of the follower's feed
	// reads to the start of the next, unless the first read a full page (BatchSize
	// records; the next goes on at once): wake-ups that come sooner (commits'
	// notifications, token reads) fold into one read at its end. It bounds a cache's
	// feed reads at 1/MinReadInterval a second, whatever the commit rate, so that N
	// processes with caches do not put N times the commit rate of reads on the
	// database; a change that closely follows another may be seen up to
	// MinReadInterval later. Default DefaultCacheMinReadInterval; negative: no gap.
	MinReadInterval time.Duration
	// TokenWait is the most a read asking for AtLeast(t) waits for the follower to reach
	// t before it reads the store instead. Default DefaultCacheTokenWait; negative: never
	// wait.
	TokenWait time.Duration
	// BatchSize is how many feed records the follower reads per round trip. Default
	// MaxEventFeedLimit.
	BatchSize int
	// OnError hears every error of the follower's feed reads (it retries after a pause
	// that doubles up to a second) and of its listening for commits (ErrFeedNotifyOff,
	// ErrNotifyUnavailable, a lost connection). Default: logged with log/slog.
	OnError func(error)
	// Now is the clock of the TTLs. Default time.Now.
	Now func() time.Time
}

// Defaults of CacheOptions.
const (
	DefaultCacheEntries      = 100_000
	DefaultCacheTTL          = 30 * time.Second
	DefaultCacheNegativeTTL  = 5 * time.Second
	DefaultCachePollInterval = 50 * time.Millisecond
	DefaultCacheTokenWait    = 100 * time.Millisecond
	// DefaultCacheMinReadInterval: at most 200 feed reads a second per cache.
	DefaultCacheMinReadInterval = 5 * time.Millisecond
)

// innerStore names the wrapped Store, so that CachedStore embeds it without an exported
// field through which a caller could write around the cache.
type innerStore = Store

// CachedStore is a Store that answers the reads of permission checks from memory: Access
// (Service.Access, ResolveOrganization, HasPermission), OrganizationUser (IsMember,
// IsAdmin, OrganizationUser), Owner (IsOwner, Owner), CustomRoles and Organization. Every
// other call, and every write, goes to the wrapped store as it is.
//
// # What is fresh, and when
//
// A follower goroutine reads the wrapped store's event feed from where it stood when
// the CachedStore was made and applies each record in feed order (each organization's
// records in the order its changes took effect), invalidating what the change may
// have touched: the member's entries for a membership change, the whole
// organization's for an organization, owner or custom-role change. An entry filled
// from a store read that raced with a change is never served after that change has
// been applied. Besides:
//
//   - a write through the CachedStore invalidates what it touched as soon as it
//     returns, so a process reads its own writes with nothing to do;
//   - a read whose context asks for AtLeast(t) is answered from memory only once the
//     follower has applied the feed up to t; it wakes the follower, waits at most
//     CacheOptions.TokenWait, then reads the store;
//   - a read whose context asks for FullConsistency reads the store;
//   - any other read (MinimizeLatency, the default) may miss changes made elsewhere
//     (another process, a host transaction) for as long as the follower lags: the
//     delivery of the commit's notification plus a feed read where the cache listens
//     (see PollOnly; up to MinReadInterval more when commits come closer than that),
//     else up to PollInterval plus a feed read; and never longer than
//     TTL (NegativeTTL for "not a member").
//
// # The governing rule
//
// The cache answers reads only. No write is ever authorized from it: every
// actor-checked write goes to the wrapped store, which decides the actor's rights in
// the write's own atomic step, so a stale cached "admin" can at worst be shown, never
// act.
//
// The wrapped store must be an EventStore. A CachedStore implements every optional
// interface; a call whose interface the wrapped store lacks returns ErrNotSupported.
// Use it like the store it wraps (a Service on it, Service.WithStore), and Close it when
// done: the follower then stops, and every read goes to the wrapped store.
type CachedStore struct {
	innerStore
	events EventStore
	opts   CacheOptions
	seed   maphash.Seed
	base   time.Time // the TTL clock's origin

	shards    [cacheShards]cacheShard
	perShard  int
	global    atomic.Uint64 // bumped to invalidate everything
	orgEpochs [orgStripes]atomic.Uint64
	keyEpochs [keyStripes]atomic.Uint64

	applied  atomic.Int64                  // the feed position the follower has applied
	advanced atomic.Pointer[chan struct{}] // closed (and replaced) when applied moves
	wake     chan struct{}
	pause    sync.Mutex // held by the follower during a round (tests hold it to stop it)
	stop     context.CancelFunc
	done     chan struct{}
	closed   atomic.Bool

	// The wake-up on commit (cache_listen.go): closed when the listener has stopped
	// (at once if there is none), whether it is up, how many notifications woke the
	// follower; and how many feed reads the follower made.
	listenDone    chan struct{}
	listening     atomic.Bool
	notifications atomic.Uint64
	feedReads     atomic.Uint64

	// Over a store with a replica (cache_replica.go): whether it has one, the last
	// position of the records being applied, the highest position a read waits for.
	replicated       bool
	applying, wanted atomic.Int64
}

const (
	cacheShards = 64
	orgStripes  = 1 << 12
	keyStripes  = 1 << 14
)

// cacheKind says what an entry holds.
type cacheKind uint8

const (
	kindAccess cacheKind = iota + 1 // (org, user): Access
	kindMember                      // (org, user): OrganizationUser, or not a member
	kindOwner                       // org: OrganizationOwner
	kindRoles                       // org: []CustomRole
	kindOrg                         // org: Organization
	kindSlug                        // slug (in user): the organization ID it named
)

type cacheKey struct {
	org  uuid.UUID
	user UserID
	kind cacheKind
}

// stamp is what an entry's validity is checked against: the epochs when its fill began
// (before the store read), and when that was.
type stamp struct {
	globalEpoch, orgEpoch, keyEpoch uint64
	born                            int64 // nanoseconds since CachedStore.base
}

type cacheEntry struct {
	stamp
	ttl      int64
	negative bool // kindMember: not a member
	access   Access
	member   OrganizationUser
	owner    OrganizationOwner
	roles    []CustomRole
	org      Organization
}

type cacheShard struct {
	mu           sync.RWMutex
	m            map[cacheKey]*cacheEntry
	hits, misses atomic.Uint64
	_            [40]byte // keep shards' locks off each other's cache lines
}

// NewCachedStore returns a CachedStore over store and starts its follower at the
// feed's current end (read with ctx; the follower lives until Close). Errors:
// ErrNotSupported (store is not an EventStore), the store's error reading the feed's
// end, or the context's error.
func NewCachedStore(ctx context.Context, store Store, opts *CacheOptions) (*CachedStore, error) {
	es, ok := store.(EventStore)
	if !ok {
		return nil, ErrNotSupported
	}
	c := &CachedStore{innerStore: store, events: es, seed: maphash.MakeSeed(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	if opts != nil {
		c.opts = *opts
	}
	o := &c.opts
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultCacheEntries
	}
	if o.TTL <= 0 {
		o.TTL = DefaultCacheTTL
	}
	if o.NegativeTTL <= 0 {
		o.NegativeTTL = DefaultCacheNegativeTTL
	}
	o.NegativeTTL = min(o.NegativeTTL, o.TTL)
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultCachePollInterval
	}
	if o.TokenWait == 0 {
		o.TokenWait = DefaultCacheTokenWait
	}
	if o.MinReadInterval == 0 {
		o.MinReadInterval = DefaultCacheMinReadInterval
	}
	if o.BatchSize <= 0 {
		o.BatchSize = MaxEventFeedLimit
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnError == nil {
		o.OnError = func(err error) { slog.Warn("organizations: cache follower", "error", err) }
	}
	c.base = o.Now()
	c.perShard = max(1, o.MaxEntries/cacheShards)
	for i := range c.shards {
		c.shards[i].m = make(map[cacheKey]*cacheEntry)
	}
	ch := make(chan struct{})
	c.advanced.Store(&ch)
	head, err := feedHead(ctx, store, 0)
	if err != nil {
		return nil, err
	}
	c.applied.Store(head)
	c.applying.Store(head)
	if r, ok := store.(readsReplica); ok {
		c.replicated = r.routesReads()
	}
	fctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stop = stop
	c.listenDone = make(chan struct{})
	if l, ok := store.(feedListener); ok && !o.PollOnly && l.canListen() {
		go c.listen(fctx, l)
	} else {
		close(c.listenDone)
	}
	go c.follow(fctx, head)
	return c, nil
}

// Unwrap returns the wrapped store.
func (c *CachedStore) Unwrap() Store { return c.innerStore }

// Close stops the follower (and closes its listening connection) and waits for it; from
// then on every read goes to the wrapped store. It does not close the wrapped store.
// Calling it again does nothing.
func (c *CachedStore) Close() {
	if c.closed.Swap(true) {
		<-c.done
		<-c.listenDone
		return
	}
	c.stop()
	<-c.done
	<-c.listenDone
	c.global.Add(1)
}

// Position returns the token of the feed position the follower has applied: every read
// served from memory reflects every change up to it (and a MinimizeLatency read may
// reflect later ones).
func (c *CachedStore) Position() ConsistencyToken { return ConsistencyToken{pos: c.applied.Load()} }

// CacheStats counts a CachedStore's work since it was made.
type CacheStats struct {
	// Hits and Misses count the cacheable reads answered from memory and from the
	// wrapped store (those whose context asked for a freshness the follower had not
	// reached, or for FullConsistency, included).
	Hits, Misses uint64
	// Entries is the number of entries held, valid or not yet evicted.
	Entries int
	// Position is the feed position the follower has applied.
	Position ConsistencyToken
	// Listening reports whether the follower is woken by commits now: a connection is
	// LISTENing and has been shown to receive notifications (CacheOptions.PollOnly).
	Listening bool
	// Notifications counts the commits' notifications that woke the follower (several
	// that come during one feed read lead to one more read), and FeedReads the
	// follower's reads of the feed.
	Notifications, FeedReads uint64
}

// Stats returns the cache's counters.
func (c *CachedStore) Stats() CacheStats {
	st := CacheStats{Position: c.Position(), Listening: c.listening.Load(),
		Notifications: c.notifications.Load(), FeedReads: c.feedReads.Load()}
	for i := range c.shards {
		sh := &c.shards[i]
		st.Hits += sh.hits.Load()
		st.Misses += sh.misses.Load()
		sh.mu.RLock()
		st.Entries += len(sh.m)
		sh.mu.RUnlock()
	}
	return st
}

// mix is a 64-bit finaliser (splitmix64's), spreading the bits of h.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

func orgHash(org uuid.UUID) uint64 {
	return mix(binary.LittleEndian.Uint64(org[:8]) ^ mix(binary.LittleEndian.Uint64(org[8:])))
}

func (c *CachedStore) keyHash(org uuid.UUID, user UserID) uint64 {
	return mix(orgHash(org) ^ maphash.String(c.seed, string(user)))
}

func (c *CachedStore) orgEpoch(org uuid.UUID) *atomic.Uint64 {
	return &c.orgEpochs[orgHash(org)%orgStripes]
}

func (c *CachedStore) keyEpoch(org uuid.UUID, user UserID) *atomic.Uint64 {
	return &c.keyEpochs[c.keyHash(org, user)%keyStripes]
}

func (c *CachedStore) shard(k cacheKey) *cacheShard {
	return &c.shards[(c.keyHash(k.org, k.user)+uint64(k.kind))%cacheShards]
}

// now is the TTL clock: nanoseconds since base (monotonic with time.Now).
func (c *CachedStore) now() int64 { return int64(c.opts.Now().Sub(c.base)) }

// memberKind reports whether entries of kind k depend on a member's epoch too.
func memberKind(k cacheKind) bool { return k == kindAccess || k == kindMember }

// stampFor reads the epochs an entry for k is checked against: before its store read.
func (c *CachedStore) stampFor(k cacheKey) stamp {
	st := stamp{globalEpoch: c.global.Load(), orgEpoch: c.orgEpoch(k.org).Load()}
	if memberKind(k.kind) {
		st.keyEpoch = c.keyEpoch(k.org, k.user).Load()
	}
	st.born = c.now()
	return st
}

// usable reports whether ctx lets the read be answered from memory.
func (c *CachedStore) usable(ctx context.Context) bool {
	if c.closed.Load() {
		return false
	}
	cons := ConsistencyFrom(ctx)
	switch cons.mode {
	case modeFull:
		return false
	case modeAtLeast:
		return c.reach(ctx, cons.token.pos)
	}
	return true
}

// reach reports whether the follower has applied the feed up to pos, waking it and
// waiting at most TokenWait for it.
func (c *CachedStore) reach(ctx context.Context, pos int64) bool {
	if c.applied.Load() >= pos {
		return true
	}
	if c.opts.TokenWait < 0 {
		return false
	}
	c.want(pos)
	c.kick()
	t := time.NewTimer(c.opts.TokenWait)
	defer t.Stop()
	for {
		ch := *c.advanced.Load()
		if c.applied.Load() >= pos {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// Wait blocks until the follower has applied the feed up to t, waking it: from then on
// every read from memory reflects every change up to t. Errors: the context's error
// (the follower goes on), or ErrNotSupported once the cache is closed.
func (c *CachedStore) Wait(ctx context.Context, t ConsistencyToken) error {
	for {
		ch := *c.advanced.Load()
		switch {
		case c.applied.Load() >= t.pos:
			return nil
		case c.closed.Load():
			return ErrNotSupported
		}
		c.want(t.pos)
		c.kick()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.done:
		}
	}
}

// kick wakes the follower, if asleep.
func (c *CachedStore) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// get returns k's entry if it is valid now.
func (c *CachedStore) get(k cacheKey) (*cacheEntry, bool) {
	sh := c.shard(k)
	sh.mu.RLock()
	e := sh.m[k]
	sh.mu.RUnlock()
	if e == nil || e.stamp.stale(c, k) || c.now()-e.born >= e.ttl {
		sh.misses.Add(1)
		return nil, false
	}
	sh.hits.Add(1)
	return e, true
}

// put stores e under k unless an invalidation since its stamp makes it stale already,
// evicting a random entry of the shard when it is full.
func (c *CachedStore) put(k cacheKey, e *cacheEntry) {
	if c.closed.Load() || e.stamp.stale(c, k) {
		return
	}
	if e.ttl == 0 {
		e.ttl = int64(c.opts.TTL)
	}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[k]; !ok && len(sh.m) >= c.perShard {
		for victim := range sh.m { // a map's iteration starts at a random entry
			delete(sh.m, victim)
			break
		}
	}
	sh.m[k] = e
}

// stale reports whether an invalidation since st makes an entry for k stale.
func (st *stamp) stale(c *CachedStore, k cacheKey) bool {
	return st.globalEpoch != c.global.Load() || st.orgEpoch != c.orgEpoch(k.org).Load() ||
		(memberKind(k.kind) && st.keyEpoch != c.keyEpoch(k.org, k.user).Load())
}

// invalidateOrg makes every entry of org stale.
func (c *CachedStore) invalidateOrg(org uuid.UUID) { c.orgEpoch(org).Add(1) }

// invalidateMember makes the entries of (org, user) stale.
func (c *CachedStore) invalidateMember(org uuid.UUID, user UserID) { c.keyEpoch(org, user).Add(1) }

// invalidateAll makes every entry stale.
func (c *CachedStore) invalidateAll() { c.global.Add(1) }

// Access implements Store, from memory when it can (see CachedStore). The organization's
// Data and Settings and the custom role are the caller's copies.
func (c *CachedStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	a, err := c.access(ctx, p)
	if err != nil {
		return Access{}, err
	}
	a.Organization = a.Organization.clone()
	if a.CustomRole != nil {
		r := a.CustomRole.clone()
		a.CustomRole = &r
	}
	return a, nil
}

// accessShared implements sharedAccessStore: Access whose result shares the cache's
// memory (the organization's documents, the custom role), for a caller that only reads
// it and lets it go, as Service.HasPermission does. It allocates nothing when served
// from memory.
func (c *CachedStore) accessShared(ctx context.Context, p AccessParams) (Access, error) {
	return c.access(ctx, p)
}

func (c *CachedStore) access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	if !c.usable(ctx) {
		c.shard(cacheKey{org: p.OrganizationID, user: p.UserID, kind: kindAccess}).misses.Add(1)
		return c.fillAccess(ctx, p, p.OrganizationID)
	}
	id := p.OrganizationID
	if id == uuid.Nil {
		se, ok := c.get(cacheKey{user: UserID(p.Slug), kind: kindSlug})
		if !ok {
			return c.fillAccess(ctx, p, uuid.Nil)
		}
		id = se.org.ID
	}
	if e, ok := c.get(cacheKey{org: id, user: p.UserID, kind: kindAccess}); ok &&
		(p.OrganizationID != uuid.Nil || e.access.Organization.Slug == p.Slug) {
		return e.access, nil
	}
	return c.fillAccess(ctx, p, id)
}

// fillAccess reads p from the store and caches it under id (uuid.Nil: unknown yet, as
// for a slug not seen before: only the slug is learnt).
func (c *CachedStore) fillAccess(ctx context.Context, p AccessParams, id uuid.UUID) (Access, error) {
	k := cacheKey{org: id, user: p.UserID, kind: kindAccess}
	sk := cacheKey{user: UserID(p.Slug), kind: kindSlug}
	st, sst := c.stampFor(k), c.stampFor(sk)
	a, err := c.innerStore.Access(c.fillCtx(ctx), p)
	if err != nil {
		return Access{}, err
	}
	got := a.Organization.ID
	if p.OrganizationID == uuid.Nil {
		c.put(sk, &cacheEntry{stamp: sst, org: Organization{ID: got}})
	}
	if id == got { // a slug that moved to another organization is learnt, not cached
		e := &cacheEntry{stamp: st, access: a}
		e.access.Organization = a.Organization.clone()
		if a.CustomRole != nil {
			r := a.CustomRole.clone()
			e.access.CustomRole = &r
		}
		if !a.IsMember {
			e.ttl = int64(c.opts.NegativeTTL)
		}
		c.put(k, e)
	}
	return a, nil
}

// OrganizationUser implements Store, from memory when it can (see CachedStore); "not a
// member" is cached too (NegativeTTL).
func (c *CachedStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	k := cacheKey{org: org, user: user, kind: kindMember}
	if c.usable(ctx) {
		if e, ok := c.get(k); ok {
			if e.negative {
				return OrganizationUser{}, ErrNotMember
			}
			return e.member, nil
		}
	} else {
		c.shard(k).misses.Add(1)
	}
	st := c.stampFor(k)
	m, err := c.innerStore.OrganizationUser(c.fillCtx(ctx), org, user)
	switch {
	case err == nil:
		c.put(k, &cacheEntry{stamp: st, member: m})
	case errors.Is(err, ErrNotMember):
		c.put(k, &cacheEntry{stamp: st, negative: true, ttl: int64(c.opts.NegativeTTL)})
	}
	return m, err
}

// Owner implements Store, from memory when it can (see CachedStore).
func (c *CachedStore) Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationOwner{}, err
	}
	k := cacheKey{org: org, kind: kindOwner}
	if c.usable(ctx) {
		if e, ok := c.get(k); ok {
			return e.owner, nil
		}
	} else {
		c.shard(k).misses.Add(1)
	}
	st := c.stampFor(k)
	o, err := c.innerStore.Owner(c.fillCtx(ctx), org)
	if err == nil {
		c.put(k, &cacheEntry{stamp: st, owner: o})
	}
	return o, err
}

// CustomRoles implements Store, from memory when it can (see CachedStore). The roles are
// the caller's copies.
func (c *CachedStore) CustomRoles(ctx context.Context, org uuid.UUID) ([]CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k := cacheKey{org: org, kind: kindRoles}
	if c.usable(ctx) {
		if e, ok := c.get(k); ok {
			return cloneRoles(e.roles), nil
		}
	} else {
		c.shard(k).misses.Add(1)
	}
	st := c.stampFor(k)
	roles, err := c.innerStore.CustomRoles(c.fillCtx(ctx), org)
	if err == nil {
		c.put(k, &cacheEntry{stamp: st, roles: cloneRoles(roles)})
	}
	return roles, err
}

// Organization implements Store, from memory when it can (see CachedStore). Data and
// Settings are the caller's copies.
func (c *CachedStore) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	k := cacheKey{org: id, kind: kindOrg}
	if c.usable(ctx) {
		if e, ok := c.get(k); ok {
			return e.org.clone(), nil
		}
	} else {
		c.shard(k).misses.Add(1)
	}
	st := c.stampFor(k)
	o, err := c.innerStore.Organization(c.fillCtx(ctx), id)
	if err == nil {
		c.put(k, &cacheEntry{stamp: st, org: o.clone()})
	}
	return o, err
}

// clone returns o with its own Data and Settings.
func (o Organization) clone() Organization {
	o.Data = bytes.Clone(o.Data)
	o.Settings = bytes.Clone(o.Settings)
	return o
}

func cloneRoles(rs []CustomRole) []CustomRole {
	if rs == nil {
		return nil
	}
	out := make([]CustomRole, len(rs))
	for i, r := range rs {
		out[i] = r.clone()
	}
	return out
}

var _ feedHeader = (*CachedStore)(nil)

// feedHead implements feedHeader through the wrapped store.
func (c *CachedStore) feedHead(ctx context.Context) (int64, error) {
	return feedHead(ctx, c.innerStore, c.applied.Load())
}
