package organizations

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// MemoryStore is a Store kept in memory: the default of New(nil, nil), and the store host
// apps unit-test against. It is safe for concurrent use and every operation is atomic.
// Nothing persists past the process.
//
// # Concurrency
//
// There is no store-wide lock. Each organization has its own lock, and the few indexes
// that span organizations have small locks of their own, held for a few map operations:
//
//   - an organization's lock (memOrg.mu) guards everything of it: its row, owner,
//     members, custom roles, suspensions, open transfer and its invitations' state.
//     Every write to an organization, and every decision of an actor-checked operation
//     (the actor's membership and role, custom roles, the owner, seats, suspension,
//     invitation state, the transfer), is made holding it, so it is atomic exactly as it
//     was under one lock: two writes to one organization still happen one at a time,
//     while writes to different organizations run in parallel. Reads of several rows of
//     one organization (Members, ListMembers, Seats, PendingInvitations, CustomRoles)
//     hold it in shared mode.
//   - idxMu guards the tables of organizations by ID and by slug, and the slug counters:
//     CreateOrganization checks and claims its slug, UpdateOrganization a new slug, and a
//     deletion drops both, holding it, so slugs stay unique.
//   - the user index (which organizations each user belongs to, for OrganizationsForUser,
//     OrganizationsOwnedBy and the operations on a user across organizations) is split
//     into userShards shards by a hash of the user ID, each with its own lock. A
//     membership is added or removed holding its organization's lock and its user's
//     shard, so a reader holding either sees both changes or neither.
//   - invMu guards the invitation indexes (by ID, token hash and email). An invitation's
//     state changes holding its organization's lock and invMu, so readers holding either
//     see it whole.
//   - actMu guards the activations; evMu the event log.
//
// Locks are taken in one global order, so no two operations deadlock:
//
//  1. organization locks, in ascending order of organization ID (compareUUID);
//  2. idxMu;
//  3. user-index shards, in ascending shard order;
//  4. invMu;
//     4a. joinMu (the join request index: store_memory_joinrequest.go);
//     4b. domMu (the index of verified domains, and where each organization's domains are:
//     store_memory_domains.go);
//  5. actMu;
//  6. evMu (and, apart from everything, cursorMu for the saved cursors).
//
// An operation never waits for a lock earlier in the order than one it holds. One that
// must find its organizations through a later lock (AcceptInvitation and the other
// invitation writes find the organization through invMu; RemoveUserEverywhere and
// CompleteActivation find the user's organizations through the user's shard) looks them
// up, lets go, takes the locks in order and checks that what it looked up has not
// changed, starting again if it has. Operations on several organizations hold all their
// locks for the whole change: RemoveUserEverywhere holds every organization of the user,
// the user's shard and the shards of every user whose index it changes (the members of
// the organizations it deletes, and the heirs of those it transfers), so that
// OrganizationsForUser and OrganizationsOwnedBy never see half of it; CompleteActivation
// likewise with the organizations it activates.
//
// Every record of the event log is appended holding the lock of the organization it
// describes, after the change is visible, and under evMu, which numbers it: so each
// organization's records are in the order its changes took effect, and the feed is one
// total order without gaps (a record is readable as soon as it has its number). evMu is
// the one lock every write takes, for an append; reading the feed copies the records it
// returns under evMu in shared mode and marshals them after.
//
// Why per-organization locks rather than copy-on-write snapshots: the reads of one
// organization already take no lock (below), so what was left to scale was the writes,
// and copying an organization (its members' table, its ID-ordered list) on every write
// costs O(members) per write, where a lock costs one uncontended atomic. Hosts' writes
// mostly touch one organization each, and those now run in parallel; measured in
// docs/benchmarks.md.
//
// The reads of one organization (Organization, OrganizationBySlug, OrganizationUser,
// Access, Owner: what IsMember, IsAdmin, IsOwner and ResolveOrganization ask)
// take no lock and write no shared memory, so they scale with the cores; a shared lock
// would make every read an atomic add on one cache line that all cores fight over. They
// find the organization in a lock-free hash table (lfTable: atomic slots, new slot arrays
// published whole) and read it under a sequence lock: every write to an organization
// makes its sequence number odd before it changes anything and even again after, all
// inside the organization's lock, and everything a lock-free reader reads of the
// organization is read through atomics (an immutable head holding the organization's row,
// the owner, a lock-free table of membership records whose role and update time are
// atomic). A reader loads the sequence number, reads, and loads it again: if it was even
// and did not move, no write overlapped the read, so what it read is the organization at
// one instant (the reader's linearization point), never half of a ChangeOwner or a
// deletion. Otherwise it tries again, and after a few tries reads under the
// organization's lock in shared mode, which excludes its writers. A deleted
// organization's head is nil, so a reader that found it just before the deletion reports
// it not found, as if it had read after; a writer that found it and then waited for its
// lock sees the nil head once it holds the lock and reports it not found.
//
// # Memory
//
// A membership is one 48-byte record (times as int64 microseconds, the role as a small
// code, the user as a pointer to one interned copy of the user ID shared by all the user's
// memberships), one pointer in its organization's hash table, one in its organization's
// ID-ordered list (for Members pages) and one in its user's organization list (for
// OrganizationsForUser). Times are kept in UTC at microsecond precision, as the Store
// contract says they arrive.
//
// # Slugs
//
// A generated slug (suffixSlug) is the base itself if free; otherwise base-N, where N
// comes from a counter the store keeps per base, starting at 2 and only ever increasing;
// a taken candidate (an explicit slug such as "acme-7") is skipped and the counter moves
// on. So creates cost the same however many organizations share the base, and a suffix
// freed by a deletion or rename is not generated again (an explicit slug can still claim
// it).
type MemoryStore struct {
	idxMu    sync.Mutex                 // guards the writes to orgs and slugs, and slugNext
	orgs     lfTable[uuid.UUID, memOrg] // by ID; lock-free reads
	slugs    lfTable[string, memOrg]    // by current slug; lock-free reads
	slugNext map[string]int             // per base: the next suffix to try

	users [userShards]userShard // the interned users with memberships, by shardOf

	invMu       sync.RWMutex // guards the three invitation indexes and invitations' state
	invitations map[uuid.UUID]*memInvitation
	invByHash   map[[sha256.Size]byte]uuid.UUID
	invByEmail  map[string][]uuid.UUID // each sorted ascending; all statuses

	joinMu  sync.RWMutex            // guards joinOrg
	joinOrg map[uuid.UUID]uuid.UUID // a join request's organization, by request ID

	domMu       sync.RWMutex              // guards domVerified and domainsOf (not the domains)
	domVerified map[string]uuid.UUID      // the organization holding each verified domain name
	domainsOf   map[uuid.UUID]*memDomains // each organization's domains, guarded by its lock

	actMu       sync.Mutex // guards the activations
	activations map[uuid.UUID]*memActivation
	activByHash map[[sha256.Size]byte]uuid.UUID

	evMu     sync.RWMutex // guards events but its cursors
	events   memEvents    // the event log (EventStore)
	cursorMu sync.Mutex   // guards events.cursor
}

// userShards is the number of shards of the user index: a power of two.
const userShards = 64

// userShard is one shard of the user index, padded to its own cache lines so that
// writers of different shards do not share one.
type userShard struct {
	mu sync.RWMutex
	m  map[UserID]*memUser // nil until the first user
	_  [64 - 32]byte
}

// shardOf is the index of the shard of the user index that holds id.
func shardOf(id UserID) int { return int(hashUserID(id) >> (64 - 6)) }

// shardSet is a set of shards of the user index, bit i for shard i.
type shardSet uint64

// add adds id's shard to the set.
func (ss *shardSet) add(id UserID) { *ss |= 1 << shardOf(id) }

// lockShards write-locks the shards of set, in ascending order.
func (s *MemoryStore) lockShards(set shardSet) {
	for b := uint64(set); b != 0; b &= b - 1 {
		s.users[bits.TrailingZeros64(b)].mu.Lock()
	}
}

// unlockShards unlocks the shards of set.
func (s *MemoryStore) unlockShards(set shardSet) {
	for b := uint64(set); b != 0; b &= b - 1 {
		s.users[bits.TrailingZeros64(b)].mu.Unlock()
	}
}

// lockOrg returns the organization id with its lock held (shared if read), or nil if
// there is none: a deletion that took the lock first leaves a nil head, checked here.
func (s *MemoryStore) lockOrg(id uuid.UUID, read bool) *memOrg {
	o := s.org(id)
	if o == nil {
		return nil
	}
	if read {
		o.mu.RLock()
	} else {
		o.mu.Lock()
	}
	if o.head.Load() == nil {
		o.unlock(read)
		return nil
	}
	return o
}

// openOrg begins a call on the organization id: ctx's error if ctx is done, else the
// organization locked (shared if read, exclusively if not), or ErrOrganizationNotFound.
// The caller unlocks it.
func (s *MemoryStore) openOrg(ctx context.Context, id uuid.UUID, read bool) (*memOrg, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := s.lockOrg(id, read)
	if o == nil {
		return nil, ErrOrganizationNotFound
	}
	return o, nil
}

// readUser begins a read of user's memberships: ctx's error if ctx is done, else the
// user's shard locked in shared mode (every change to the user's memberships, and every
// change to several organizations at once that could show in them, holds it). The
// caller unlocks it.
func (s *MemoryStore) readUser(ctx context.Context, user UserID) (*userShard, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh := &s.users[shardOf(user)]
	sh.mu.RLock()
	return sh, nil
}

// lockAllowed is openOrg(ctx, id, false) for a change that auth must be allowed perm
// for (Authorization: an unchecked call always is): it also returns the actor's
// standing, or, with the lock released, ErrPermissionDenied.
func (s *MemoryStore) lockAllowed(ctx context.Context, id uuid.UUID, auth Authorization, perm Permission) (*memOrg, standing, error) {
	o, err := s.openOrg(ctx, id, false)
	if err != nil {
		return nil, standing{}, err
	}
	st, ok := o.allowed(auth, perm)
	if !ok {
		o.mu.Unlock()
		return nil, standing{}, ErrPermissionDenied
	}
	return o, st, nil
}

// unlock releases o's lock, taken shared if read.
func (o *memOrg) unlock(read bool) {
	if read {
		o.mu.RUnlock()
	} else {
		o.mu.Unlock()
	}
}

// lockOrgs write-locks the organizations of orgs, which are sorted by ID, in that
// (the global) order, and reports whether all of them are still there; if not, it has
// locked none.
func lockOrgs(orgs []*memOrg) bool {
	for i, o := range orgs {
		o.mu.Lock()
		if o.head.Load() == nil {
			unlockOrgs(orgs[:i+1])
			return false
		}
	}
	return true
}

// unlockOrgs unlocks the organizations of orgs.
func unlockOrgs(orgs []*memOrg) {
	for _, o := range orgs {
		o.mu.Unlock()
	}
}

// memOrg is an organization. Lock-free readers read seq, head, owner, since and members,
// through atomics; the writers of all its fields hold mu.
type memOrg struct {
	mu      sync.RWMutex // held by the organization's writers; shared by its list reads
	id      uuid.UUID
	seq     atomic.Uint64           // odd while a writer changes the organization
	head    atomic.Pointer[orgHead] // immutable; nil once deleted
	owner   atomic.Pointer[memUser]
	since   atomic.Int64               // ownership start, microseconds
	members lfTable[UserID, memberRec] // by user
	byID    []*memberRec               // sorted by membership ID, for Members pages
	invites *[]*memInvitation          // sorted by ID; all statuses; nil if none
	roles   atomic.Pointer[memRoles]   // the custom roles; immutable, replaced whole; nil if none
	// suspendedAt maps the IDs of the suspended memberships to when they were
	// suspended (microseconds); immutable, replaced whole; nil if none.
	suspendedAt atomic.Pointer[map[uuid.UUID]int64]
	transfer    *OwnershipTransfer // the open ownership transfer proposal
	teams       *memTeams          // guarded by mu; nil until the first team
	joins       *memJoins          // the join requests; nil if none
}

// memRoles are an organization's custom roles, immutable. A member holding a custom role
// has the role code customRoleCode|slot, slot being the role's index in names: codes are
// per organization, so custom role names take no process-wide memory, and a deleted
// role's slot (which no member holds: DeleteRole refuses a role in use) is reused.
type memRoles struct {
	byName map[Role]*CustomRole // the definitions, never changed once stored
	names  []Role               // by slot; "" for a free slot
	slots  map[Role]uint32
}

// customRoleCode marks the role code of a custom role; the low bits are its slot.
const customRoleCode uint32 = 1 << 31

// customRole returns o's custom role r, or nil. Lock-free readers validate o.seq around
// it.
func (o *memOrg) customRole(r Role) *CustomRole {
	if rs := o.roles.Load(); rs != nil {
		return rs.byName[r]
	}
	return nil
}

// roleName is the role of code c in o.
func (o *memOrg) roleName(c uint32) Role {
	if c&customRoleCode != 0 {
		if rs := o.roles.Load(); rs != nil && int(c&^customRoleCode) < len(rs.names) {
			return rs.names[c&^customRoleCode]
		}
		return "" // only in a torn read, which the caller discards
	}
	return roleOf(c)
}

// code is the role code of r in o: its custom role's, or the process-wide one of a
// declared role. The caller holds o's lock.
func (o *memOrg) code(r Role) uint32 {
	if rs := o.roles.Load(); rs != nil {
		if slot, ok := rs.slots[r]; ok {
			return customRoleCode | slot
		}
	}
	return roleCode(r)
}

// knownRole reports whether pol declares r or r is a custom role of o. The caller holds
// o's lock.
func (o *memOrg) knownRole(pol *Policy, r Role) bool {
	return pol.Declares(r) || o.customRole(r) != nil
}

// roleSet is the permission set of role r in o under pol.
func (o *memOrg) roleSet(pol *Policy, r Role) permSet {
	set, _ := pol.roleSet(r, o.customRole(r))
	return set
}

// standing is actor's standing in o under pol. The caller holds o's lock.
func (o *memOrg) standing(pol *Policy, actor UserID) standing {
	m := o.member(actor)
	if m == nil || m.suspended.Load() {
		return standing{} // a suspended member is no member
	}
	return standing{member: true, owner: o.owner.Load() == m.user, perms: o.roleSet(pol, o.roleName(m.role.Load()))}
}

// allowed reports whether the call auth may do what perm allows in o: always for an
// unchecked call. The caller holds o's lock.
func (o *memOrg) allowed(auth Authorization, perm Permission) (standing, bool) {
	if auth.Actor == "" {
		return standing{owner: true}, true
	}
	pol := auth.Policy.orDefault()
	st := o.standing(pol, auth.Actor)
	return st, st.can(pol, perm)
}

// isOwner reports whether the call auth is unchecked or by o's owner. The caller holds
// o's lock.
func (o *memOrg) ownerOrUnchecked(auth Authorization) bool {
	return auth.Actor == "" || o.owner.Load().id == auth.Actor
}

// orgHead is an organization's row, compact: replaced whole, never changed.
type orgHead struct {
	name, slug, data, settings string
	created, updated           int64 // microseconds since the Unix epoch, UTC
	active                     bool
	maxMembers                 int32 // 0: no limit
}

// newHead returns the head of org.
func newHead(org Organization) *orgHead {
	return &orgHead{
		name: org.Name, slug: org.Slug, data: jsonText(org.Data), settings: jsonText(org.Settings),
		created: micros(org.CreatedAt), updated: micros(org.UpdatedAt), active: org.IsActive,
		maxMembers: int32(org.MaxMembers),
	}
}

// organization returns the organization id with this head, with its own copies of the
// JSON documents.
func (h *orgHead) organization(id uuid.UUID) Organization {
	return Organization{
		ID: id, Name: h.name, Slug: h.slug, IsActive: h.active,
		Data: jsonBytes(h.data), Settings: jsonBytes(h.settings),
		CreatedAt: fromMicros(h.created), UpdatedAt: fromMicros(h.updated),
		MaxMembers: int(h.maxMembers),
	}
}

// emptyObject is the text of the documents of most organizations, kept once.
const emptyObject = "{}"

func jsonText(b json.RawMessage) string {
	if string(b) == emptyObject {
		return emptyObject
	}
	return string(b)
}

func jsonBytes(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// memberRec is a membership. ID, user and creation never change; role and update time
// change under its organization's lock, between seq increments.
type memberRec struct {
	id      uuid.UUID
	user    *memUser
	created int64 // microseconds since the Unix epoch, UTC
	updated atomic.Int64
	role    atomic.Uint32 // roleCode
	// suspended is set while the member is suspended (the time is in
	// memOrg.suspendedAt); it fits in the record's padding.
	suspended atomic.Bool
}

// memUser is a user with memberships: the one copy of its ID, and its organizations.
type memUser struct {
	id   UserID
	orgs []*memOrg // sorted by organization ID; changed holding the user's shard and the organization's lock
}

// memInvitation is an invitation. Its ID, organization and email never change; its other
// fields change holding its organization's lock and MemoryStore.invMu, so that a reader
// holding either reads them whole.
type memInvitation struct {
	inv  Invitation
	hash [sha256.Size]byte
}

type memActivation struct {
	a    Activation
	hash [sha256.Size]byte
}

var (
	orgsSpec = &lfSpec[uuid.UUID, memOrg]{
		hash: hashUUID, key: func(o *memOrg) uuid.UUID { return o.id },
	}
	// slugsSpec keys an organization by its current slug: a writer removes an
	// organization under its old slug before changing its head.
	slugsSpec = &lfSpec[string, memOrg]{
		hash: hashString, key: func(o *memOrg) string {
			if h := o.head.Load(); h != nil {
				return h.slug
			}
			return ""
		},
	}
	membersSpec = &lfSpec[UserID, memberRec]{
		hash: hashUserID, key: func(m *memberRec) UserID { return m.user.id },
	}
)

// optimisticReads is how many times a lock-free read retries before it takes the shared
// lock.
const optimisticReads = 4

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		slugNext:    make(map[string]int),
		invitations: make(map[uuid.UUID]*memInvitation),
		invByHash:   make(map[[sha256.Size]byte]uuid.UUID),
		invByEmail:  make(map[string][]uuid.UUID),
		activations: make(map[uuid.UUID]*memActivation),
		activByHash: make(map[[sha256.Size]byte]uuid.UUID),
	}
}

// beginWrite and endWrite bracket every change to o, under o's lock.
func (o *memOrg) beginWrite() { o.seq.Add(1) }
func (o *memOrg) endWrite()   { o.seq.Add(1) }

// Role codes: the two roles the library knows have fixed codes; any other role a caller
// stores is registered once per process.
const (
	roleCodeMember uint32 = iota
	roleCodeAdmin
)

var roleRegistry struct {
	sync.Mutex
	codes map[Role]uint32
	names sync.Map // uint32 -> Role
}

func roleCode(r Role) uint32 {
	switch r {
	case RoleMember:
		return roleCodeMember
	case RoleAdmin:
		return roleCodeAdmin
	}
	roleRegistry.Lock()
	defer roleRegistry.Unlock()
	if c, ok := roleRegistry.codes[r]; ok {
		return c
	}
	if roleRegistry.codes == nil {
		roleRegistry.codes = make(map[Role]uint32)
	}
	c := uint32(len(roleRegistry.codes)) + roleCodeAdmin + 1
	roleRegistry.codes[r] = c
	roleRegistry.names.Store(c, r)
	return c
}

func roleOf(c uint32) Role {
	switch c {
	case roleCodeMember:
		return RoleMember
	case roleCodeAdmin:
		return RoleAdmin
	}
	r, _ := roleRegistry.names.Load(c)
	return r.(Role)
}

func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// view is the membership of o as an OrganizationUser. A lock-free reader validates o.seq
// around it.
func (m *memberRec) view(o *memOrg) OrganizationUser {
	v := OrganizationUser{
		ID: m.id, OrganizationID: o.id, UserID: m.user.id, Role: o.roleName(m.role.Load()),
		CreatedAt: fromMicros(m.created), UpdatedAt: fromMicros(m.updated.Load()),
	}
	if m.suspended.Load() {
		if at := o.suspendedAt.Load(); at != nil {
			v.SuspendedAt = fromMicros((*at)[m.id])
		}
	}
	return v
}

func (m *memberRec) isAdmin() bool { return m.role.Load() == roleCodeAdmin }

// user returns the interned user id, adding it. The caller holds id's shard.
func (s *MemoryStore) user(id UserID) *memUser {
	sh := &s.users[shardOf(id)]
	u, ok := sh.m[id]
	if !ok {
		if sh.m == nil {
			sh.m = make(map[UserID]*memUser)
		}
		u = &memUser{id: id}
		sh.m[id] = u
	}
	return u
}

// slugTaken reports whether an organization has slug. The caller holds idxMu.
func (s *MemoryStore) slugTaken(slug string) bool { return s.slugs.get(slugsSpec, slug) != nil }

// generateSlug returns the slug a generated slug based on base gets (see MemoryStore).
// The caller holds idxMu.
func (s *MemoryStore) generateSlug(base string) string {
	if !s.slugTaken(base) {
		return base
	}
	n := max(s.slugNext[base], 2)
	slug := SlugCandidate(base, n)
	for s.slugTaken(slug) { // each candidate skipped here is skipped once, ever
		n++
		slug = SlugCandidate(base, n)
	}
	s.slugNext[base] = n + 1
	return slug
}

// CreateOrganization implements Store.
func (s *MemoryStore) CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	org, owner, suffixSlug := p.Organization, p.Owner, p.SuffixSlug
	// o is new: nobody else can hold its lock, and it is held from its publication to
	// its record, so that no change to o is recorded before its creation.
	o := &memOrg{id: org.ID}
	o.mu.Lock()
	defer o.mu.Unlock()
	s.idxMu.Lock()
	// The owner's shard is taken before the slug is chosen, so that a create refused
	// for the owner's limit (decided holding it: see store_memory_ownlimit.go) moves no
	// slug counter.
	sh := &s.users[shardOf(owner.UserID)]
	sh.mu.Lock()
	if p.MaxOwned > 0 && s.ownedLocked(owner.UserID) >= p.MaxOwned {
		sh.mu.Unlock()
		s.idxMu.Unlock()
		return Organization{}, ErrOrganizationLimit
	}
	if s.slugTaken(org.Slug) {
		if !suffixSlug {
			sh.mu.Unlock()
			s.idxMu.Unlock()
			return Organization{}, ErrSlugTaken
		}
		org.Slug = s.generateSlug(org.Slug)
	}
	h := newHead(org)
	o.head.Store(h)
	o.since.Store(micros(owner.CreatedAt))
	u := s.user(owner.UserID)
	o.owner.Store(u)
	s.addMember(o, u, owner)
	// o is published only now, whole, holding idxMu (its slug stays unique) and the
	// owner's shard (the owner's index and o appear together).
	s.orgs.put(orgsSpec, o)
	s.slugs.put(slugsSpec, o)
	sh.mu.Unlock()
	s.idxMu.Unlock()
	s.record(OrganizationCreated{Organization: h.organization(o.id), Owner: owner.UserID})
	return h.organization(o.id), nil
}

// org returns the organization with this ID, or nil, without locking: lfTable.find
// written out for this table, so that the hot path makes no indirect calls.
func (s *MemoryStore) org(id uuid.UUID) *memOrg {
	p := s.orgs.groups.Load()
	if p == nil {
		return nil
	}
	gs := *p
	mask := uint64(len(gs) - 1)
	h := hashUUID(id)
	tag := lfTag(h)
	for i := h & mask; ; i = (i + 1) & mask {
		g := &gs[i]
		w := g.tags.Load()
		for m := lfMatch(w, tag); m != 0; m &= m - 1 {
			if o := g.slots[bits.TrailingZeros64(m)>>3].Load(); o != nil && o.id == id {
				return o
			}
		}
		if lfMatch(w, 0) != 0 {
			return nil
		}
	}
}

// member returns user's membership record in o, or nil, without locking: lfTable.find
// written out for this table.
func (o *memOrg) member(user UserID) *memberRec {
	p := o.members.groups.Load()
	if p == nil {
		return nil
	}
	gs := *p
	mask := uint64(len(gs) - 1)
	h := hashUserID(user)
	tag := lfTag(h)
	for i := h & mask; ; i = (i + 1) & mask {
		g := &gs[i]
		w := g.tags.Load()
		for m := lfMatch(w, tag); m != 0; m &= m - 1 {
			if r := g.slots[bits.TrailingZeros64(m)>>3].Load(); r != nil && r.user.id == user {
				return r
			}
		}
		if lfMatch(w, 0) != 0 {
			return nil
		}
	}
}

// Organization implements Store.
func (s *MemoryStore) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	// The head is immutable and read with one atomic load: no sequence check is needed.
	if o := s.org(id); o != nil {
		if h := o.head.Load(); h != nil {
			return h.organization(id), nil
		}
	}
	return Organization{}, ErrOrganizationNotFound
}

// bySlug returns the organization with this slug and its head, or nil: lock-free, it
// retries while the slug index and the head disagree (a rename in between), then reads
// under idxMu.
func (s *MemoryStore) bySlug(slug string) (*memOrg, *orgHead) {
	for range optimisticReads {
		o := s.slugs.get(slugsSpec, slug)
		if o == nil {
			return nil, nil
		}
		if h := o.head.Load(); h != nil && h.slug == slug {
			return o, h
		}
	}
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	if o := s.slugs.get(slugsSpec, slug); o != nil {
		return o, o.head.Load()
	}
	return nil, nil
}

// OrganizationBySlug implements Store.
func (s *MemoryStore) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	o, h := s.bySlug(slug)
	if h == nil {
		return Organization{}, ErrOrganizationNotFound
	}
	return h.organization(o.id), nil
}

// UpdateOrganization implements Store.
func (s *MemoryStore) UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (Organization, bool, error) {
	id, u, now := p.OrganizationID, p.Update, p.Now
	o, _, err := s.lockAllowed(ctx, id, p.Auth, PermOrganizationUpdate)
	if err != nil {
		return Organization{}, false, err
	}
	defer o.mu.Unlock()
	h := o.head.Load()
	cur := h.organization(id)
	next := cur
	if u.Name != nil {
		next.Name = *u.Name
	}
	if u.Slug != nil && *u.Slug != next.Slug {
		// The slug is checked here and claimed below holding idxMu throughout.
		s.idxMu.Lock()
		defer s.idxMu.Unlock()
		if s.slugTaken(*u.Slug) {
			return Organization{}, false, ErrSlugTaken
		}
		next.Slug = *u.Slug
	}
	if u.IsActive != nil {
		next.IsActive = *u.IsActive
	}
	if u.Data != nil {
		next.Data = append(json.RawMessage(nil), *u.Data...)
	}
	if u.Settings != nil {
		next.Settings = append(json.RawMessage(nil), *u.Settings...)
	}
	if u.MaxMembers != nil {
		next.MaxMembers = *u.MaxMembers
	}
	changed := next.Name != cur.Name || next.Slug != cur.Slug || next.IsActive != cur.IsActive ||
		!bytes.Equal(next.Data, cur.Data) || !bytes.Equal(next.Settings, cur.Settings) ||
		next.MaxMembers != cur.MaxMembers
	if !changed {
		return cur, false, nil
	}
	next.UpdatedAt = now
	nh := newHead(next)
	o.beginWrite()
	if next.Slug != cur.Slug {
		s.slugs.del(slugsSpec, cur.Slug) // keyed by the head: before it changes
		o.head.Store(nh)
		s.slugs.put(slugsSpec, o)
	} else {
		o.head.Store(nh)
	}
	o.endWrite()
	s.record(OrganizationUpdated{Organization: nh.organization(id), Actor: p.Auth.Actor})
	return nh.organization(id), true, nil
}

// DeleteOrganization implements Store.
func (s *MemoryStore) DeleteOrganization(ctx context.Context, p DeleteOrganizationParams) (Organization, error) {
	id := p.OrganizationID
	o, err := s.openOrg(ctx, id, false)
	if err != nil {
		return Organization{}, err
	}
	defer o.mu.Unlock()
	if !o.ownerOrUnchecked(p.Auth) {
		return Organization{}, ErrPermissionDenied
	}
	shards := o.memberShards(0)
	s.idxMu.Lock()
	s.lockShards(shards)
	s.invMu.Lock()
	deleted := s.deleteOrg(o)
	s.invMu.Unlock()
	s.unlockShards(shards)
	s.idxMu.Unlock()
	s.record(OrganizationDeleted{Organization: deleted, Actor: p.Auth.Actor})
	return deleted, nil
}

// memberShards adds to set the shards of the user index that hold o's members. The
// caller holds o's lock.
func (o *memOrg) memberShards(set shardSet) shardSet {
	for _, m := range o.byID {
		set.add(m.user.id)
	}
	return set
}

// deleteOrg deletes o with its memberships, invitations and domains, and returns it as it was.
// The caller holds o's lock, idxMu, the shards of o's members (memberShards) and invMu,
// so that no reader of any of them sees half of the deletion.
func (s *MemoryStore) deleteOrg(o *memOrg) Organization {
	id := o.id
	h := o.head.Load()
	s.slugs.del(slugsSpec, h.slug)
	s.orgs.del(orgsSpec, id)
	o.beginWrite()
	o.head.Store(nil)
	o.endWrite()
	for _, m := range o.byID {
		s.unindexUser(m.user, o)
	}
	if o.invites != nil {
		for _, mi := range *o.invites {
			s.unindexInvitation(mi)
		}
	}
	s.dropDomains(o)
	return h.organization(id)
}

// OrganizationsForUser implements Store.
func (s *MemoryStore) OrganizationsForUser(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	sh, err := s.readUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	defer sh.mu.RUnlock()
	var orgs []*memOrg
	if u := sh.m[p.UserID]; u != nil {
		orgs = activeOrgsAfter(u, p.After, p.Limit)
	}
	out := make([]Organization, len(orgs))
	for i, o := range orgs {
		out[i] = o.head.Load().organization(o.id)
	}
	return out, nil
}

// AddUser implements Store.
func (s *MemoryStore) AddUser(ctx context.Context, p AddUserParams) error {
	_, _, err := s.getOrAdd(ctx, p, false)
	return err
}

// GetOrAddUser implements Store.
func (s *MemoryStore) GetOrAddUser(ctx context.Context, p AddUserParams) (OrganizationUser, bool, error) {
	return s.getOrAdd(ctx, p, true)
}

func (s *MemoryStore) getOrAdd(ctx context.Context, p AddUserParams, get bool) (OrganizationUser, bool, error) {
	m := p.Membership
	o, st, err := s.lockAllowed(ctx, m.OrganizationID, p.Auth, PermMembersAdd)
	if err != nil {
		return OrganizationUser{}, false, err
	}
	defer o.mu.Unlock()
	pol := p.Auth.Policy.orDefault()
	if !o.knownRole(pol, m.Role) {
		return OrganizationUser{}, false, ErrInvalidRole
	}
	cur := o.member(m.UserID)
	if cur != nil && get {
		return cur.view(o), false, nil
	}
	if !st.covers(o.roleSet(pol, m.Role)) {
		return OrganizationUser{}, false, ErrEscalation
	}
	if cur != nil {
		return OrganizationUser{}, false, ErrAlreadyMember
	}
	if !o.seatFree(0) {
		return OrganizationUser{}, false, ErrMemberLimit
	}
	s.addMemberLocking(o, m)
	s.record(UserAdded{OrganizationUser: m, Actor: p.Auth.Actor})
	return m, true, nil
}

// addMemberLocking is addMember holding m's user's shard.
func (s *MemoryStore) addMemberLocking(o *memOrg, m OrganizationUser) {
	sh := &s.users[shardOf(m.UserID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s.addMember(o, s.user(m.UserID), m)
}

// addMember adds the new membership m of u to o and indexes it. The caller holds o's
// lock and u's shard.
func (s *MemoryStore) addMember(o *memOrg, u *memUser, m OrganizationUser) {
	r := &memberRec{id: m.ID, user: u, created: micros(m.CreatedAt)}
	r.updated.Store(micros(m.UpdatedAt))
	r.role.Store(o.code(m.Role))
	o.beginWrite()
	o.members.put(membersSpec, r)
	o.endWrite()
	i, _ := slices.BinarySearchFunc(o.byID, r.id, func(e *memberRec, id uuid.UUID) int { return compareUUID(e.id, id) })
	o.byID = insertAt(o.byID, i, r)
	j, _ := slices.BinarySearchFunc(u.orgs, o.id, func(e *memOrg, id uuid.UUID) int { return compareUUID(e.id, id) })
	u.orgs = insertAt(u.orgs, j, o)
}

// unindexUser removes o from u's organizations, and u from the store once it has none.
// The caller holds o's lock and u's shard.
func (s *MemoryStore) unindexUser(u *memUser, o *memOrg) {
	if j, ok := slices.BinarySearchFunc(u.orgs, o.id, func(e *memOrg, id uuid.UUID) int { return compareUUID(e.id, id) }); ok {
		u.orgs = slices.Delete(u.orgs, j, j+1)
	}
	if len(u.orgs) == 0 {
		delete(s.users[shardOf(u.id)].m, u.id)
	}
}

// insertAt inserts v at i, growing a full slice by a quarter rather than doubling it:
// these lists are many and mostly short, and stay close to their length.
func insertAt[T any](s []T, i int, v T) []T {
	if len(s) == cap(s) {
		grown := make([]T, len(s), len(s)+len(s)/4+2)
		copy(grown, s)
		s = grown
	}
	return slices.Insert(s, i, v)
}

// RemoveUser implements Store.
func (s *MemoryStore) RemoveUser(ctx context.Context, p RemoveUserParams) (OrganizationUser, error) {
	org, user := p.OrganizationID, p.UserID
	o, err := s.openOrg(ctx, org, false)
	if err != nil {
		return OrganizationUser{}, err
	}
	defer o.mu.Unlock()
	m := o.member(user)
	// The actor leaving, unless suspended: a suspended member may do nothing, leaving
	// included, which with an invitation back would lift the suspension.
	self := p.Auth.Actor == user && (m == nil || !m.suspended.Load())
	st, ok := o.allowed(p.Auth, PermMembersRemove)
	if !ok && !self {
		return OrganizationUser{}, ErrPermissionDenied
	}
	if m == nil {
		return OrganizationUser{}, ErrNotMember
	}
	if o.owner.Load() == m.user {
		return OrganizationUser{}, ErrOwnershipRequired
	}
	if !self && !st.covers(o.roleSet(p.Auth.Policy.orDefault(), o.roleName(m.role.Load()))) {
		return OrganizationUser{}, ErrEscalation
	}
	sh := &s.users[shardOf(user)]
	sh.mu.Lock()
	v := s.dropMember(o, m)
	sh.mu.Unlock()
	s.record(UserRemoved{OrganizationUser: v, Actor: p.Auth.Actor})
	return v, nil
}

// SetRole implements Store.
func (s *MemoryStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	org, user, role, now := p.OrganizationID, p.UserID, p.Role, p.Now
	o, st, err := s.lockAllowed(ctx, org, p.Auth, PermMembersRoles)
	if err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	defer o.mu.Unlock()
	m := o.member(user)
	if m == nil {
		return OrganizationUser{}, OrganizationUser{}, ErrNotMember
	}
	pol := p.Auth.Policy.orDefault()
	if !o.knownRole(pol, role) {
		return OrganizationUser{}, OrganizationUser{}, ErrInvalidRole
	}
	before := m.view(o)
	if before.Role == role {
		return before, before, nil
	}
	if o.owner.Load() == m.user {
		return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
	}
	if !st.covers(o.roleSet(pol, before.Role)) || !st.covers(o.roleSet(pol, role)) {
		return OrganizationUser{}, OrganizationUser{}, ErrEscalation
	}
	o.beginWrite()
	m.role.Store(o.code(role))
	m.updated.Store(micros(now))
	o.endWrite()
	s.record(RoleChanged{Old: before, New: m.view(o), Actor: p.Auth.Actor})
	return before, m.view(o), nil
}

// OrganizationUser implements Store.
func (s *MemoryStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	o := s.org(org)
	if o == nil {
		return OrganizationUser{}, ErrOrganizationNotFound
	}
	for range optimisticReads {
		seq := o.seq.Load()
		if seq&1 == 0 {
			m, err := o.memberView(user)
			if o.seq.Load() == seq {
				return m, err
			}
		}
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.memberView(user)
}

// memberView reads user's membership of o. A lock-free reader validates o.seq around it.
func (o *memOrg) memberView(user UserID) (OrganizationUser, error) {
	if o.head.Load() == nil {
		return OrganizationUser{}, ErrOrganizationNotFound
	}
	m := o.member(user)
	if m == nil {
		return OrganizationUser{}, ErrNotMember
	}
	return m.view(o), nil
}

// Access implements Store.
func (s *MemoryStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	id, slug, user := p.OrganizationID, p.Slug, p.UserID
	var o *memOrg
	if id == uuid.Nil {
		o, _ = s.bySlug(slug)
	} else {
		o = s.org(id)
	}
	if o == nil {
		return Access{}, ErrOrganizationNotFound
	}
	for range optimisticReads {
		seq := o.seq.Load()
		if seq&1 == 0 {
			a, h := o.access(user)
			if o.seq.Load() == seq {
				return o.finishAccess(a, h)
			}
		}
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.finishAccess(o.access(user))
}

// access reads user's access to o and o's head (nil: o was deleted); the caller makes
// the organization from the head, which never changes, once it has validated the read.
// A lock-free reader validates o.seq around it.
func (o *memOrg) access(user UserID) (Access, *orgHead) {
	h := o.head.Load()
	if h == nil {
		return Access{}, nil
	}
	var a Access
	if m := o.member(user); m != nil && !m.suspended.Load() {
		a.Membership, a.IsMember, a.IsOwner = m.view(o), true, o.owner.Load() == m.user
		a.CustomRole = o.customRole(a.Membership.Role) // shared and immutable: finishAccess copies it
	}
	return a, h
}

func (o *memOrg) finishAccess(a Access, h *orgHead) (Access, error) {
	if h == nil {
		return Access{}, ErrOrganizationNotFound
	}
	a.Organization = h.organization(o.id)
	if a.CustomRole != nil {
		c := a.CustomRole.clone()
		a.CustomRole = &c
	}
	return a, nil
}

// Members implements Store.
func (s *MemoryStore) Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, true)
	if err != nil {
		return nil, err
	}
	defer o.mu.RUnlock()
	page := pageAfter(o.byID, p.After, p.Limit, func(m *memberRec) uuid.UUID { return m.id })
	out := make([]OrganizationUser, len(page))
	for i, m := range page {
		out[i] = m.view(o)
	}
	return out, nil
}

// Owner implements Store.
func (s *MemoryStore) Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationOwner{}, err
	}
	o := s.org(org)
	if o == nil {
		return OrganizationOwner{}, ErrOrganizationNotFound
	}
	for range optimisticReads {
		seq := o.seq.Load()
		if seq&1 == 0 {
			own, err := o.ownerView()
			if o.seq.Load() == seq {
				return own, err
			}
		}
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.ownerView()
}

// ownerView reads o's ownership. A lock-free reader validates o.seq around it.
func (o *memOrg) ownerView() (OrganizationOwner, error) {
	if o.head.Load() == nil {
		return OrganizationOwner{}, ErrOrganizationNotFound
	}
	m := o.member(o.owner.Load().id)
	if m == nil { // only in a torn read, which the caller discards
		return OrganizationOwner{}, ErrNotMember
	}
	return OrganizationOwner{OrganizationID: o.id, OrganizationUser: m.view(o), Since: fromMicros(o.since.Load())}, nil
}

// ChangeOwner implements Store.
func (s *MemoryStore) ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error) {
	org, newOwner, now := p.OrganizationID, p.NewOwner, p.Now
	o, err := s.openOrg(ctx, org, false)
	if err != nil {
		return OwnerChange{}, err
	}
	defer o.mu.Unlock()
	if !o.ownerOrUnchecked(p.Auth) {
		return OwnerChange{}, ErrPermissionDenied
	}
	m := o.member(newOwner)
	if m == nil || m.suspended.Load() {
		return OwnerChange{}, ErrNotMember
	}
	old := o.owner.Load()
	c := OwnerChange{OldOwner: o.member(old.id).view(o), NewOwnerBefore: m.view(o)}
	if old == m.user {
		c.NewOwner = c.NewOwnerBefore
		return c, nil
	}
	if !s.lockOwnedBelow(newOwner, p.MaxOwned) {
		return OwnerChange{}, ErrOrganizationLimit
	}
	o.beginWrite()
	if !m.isAdmin() {
		m.role.Store(roleCodeAdmin)
		m.updated.Store(micros(now))
	}
	o.owner.Store(m.user)
	o.since.Store(micros(now))
	o.endWrite()
	s.unlockOwned(newOwner, p.MaxOwned)
	o.transfer = nil // the change of owner closes the proposal, for good
	c.NewOwner, c.Changed = m.view(o), true
	if c.NewOwnerBefore.Role != c.NewOwner.Role {
		s.record(RoleChanged{Old: c.NewOwnerBefore, New: c.NewOwner, Actor: p.Auth.Actor})
	}
	s.record(OwnerChanged{Old: c.OldOwner, New: c.NewOwner, Actor: p.Auth.Actor})
	return c, nil
}

// insertSorted inserts id into the ascending slice ids (once).
func insertSorted(ids []uuid.UUID, id uuid.UUID) []uuid.UUID {
	i, found := slices.BinarySearchFunc(ids, id, compareUUID)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

// removeSorted removes id from the ascending slice ids.
func removeSorted(ids []uuid.UUID, id uuid.UUID) []uuid.UUID {
	if i, found := slices.BinarySearchFunc(ids, id, compareUUID); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}

// pageAfter returns up to limit items of the slice sorted by key that come after the key
// after (uuid.Nil: from the start). The result aliases items: copy before unlocking.
func pageAfter[T any](items []T, after uuid.UUID, limit int, key func(T) uuid.UUID) []T {
	start := 0
	if after != uuid.Nil {
		i, found := slices.BinarySearchFunc(items, after, func(e T, id uuid.UUID) int { return compareUUID(key(e), id) })
		if found {
			i++
		}
		start = i
	}
	end := min(start+limit, len(items))
	return items[start:end]
}
