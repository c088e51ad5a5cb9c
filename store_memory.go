package organizations

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// MemoryStore is a Store kept in memory: the default of New(nil, nil), and the store host
// apps unit-test against. Every operation runs in one critical section, so it is atomic
// and safe for concurrent use; reads share a read lock. Per-organization and per-user
// indexes mean no operation scans all organizations or another organization's members:
// IsMember is two map lookups. Values are copied in and out, so callers never share
// memory with the store. Nothing persists past the process.
type MemoryStore struct {
	mu sync.RWMutex

	orgs  map[uuid.UUID]*memOrg
	slugs map[string]uuid.UUID
	// slugCounters holds, per base, the highest suffix a generated slug took or skipped:
	// the next one starts after it, so a create never walks the suffixes already used.
	slugCounters map[string]int
	userOrgs     map[UserID][]uuid.UUID // each sorted ascending

	invitations map[uuid.UUID]*memInvitation
	invByHash   map[[sha256.Size]byte]uuid.UUID
	invByEmail  map[string][]uuid.UUID // each sorted ascending; all statuses
	activations map[uuid.UUID]*memActivation
	activByHash map[[sha256.Size]byte]uuid.UUID
}

type memOrg struct {
	org        Organization
	owner      UserID
	ownerSince time.Time
	members    map[UserID]*OrganizationUser
	byID       []*OrganizationUser // sorted by ID, for Members pages
	invites    []uuid.UUID         // sorted ascending; all statuses
}

type memInvitation struct {
	inv  Invitation
	hash [sha256.Size]byte
}

type memActivation struct {
	a    Activation
	hash [sha256.Size]byte
}

var (
	_ Store           = (*MemoryStore)(nil)
	_ ActivationStore = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		orgs:         make(map[uuid.UUID]*memOrg),
		slugs:        make(map[string]uuid.UUID),
		slugCounters: make(map[string]int),
		userOrgs:     make(map[UserID][]uuid.UUID),
		invitations:  make(map[uuid.UUID]*memInvitation),
		invByHash:    make(map[[sha256.Size]byte]uuid.UUID),
		invByEmail:   make(map[string][]uuid.UUID),
		activations:  make(map[uuid.UUID]*memActivation),
		activByHash:  make(map[[sha256.Size]byte]uuid.UUID),
	}
}

// CreateOrganization implements Store.
func (s *MemoryStore) CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	org, owner, suffixSlug := copyOrg(p.Organization), p.Owner, p.SuffixSlug
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.slugs[org.Slug]; taken {
		if !suffixSlug {
			return Organization{}, ErrSlugTaken
		}
		base := org.Slug
		n := max(s.slugCounters[base], 1)
		for {
			n++ // each taken candidate is skipped once per base, never again
			org.Slug = SlugCandidate(base, n)
			if _, taken := s.slugs[org.Slug]; !taken {
				break
			}
		}
		s.slugCounters[base] = n
	}
	m := owner
	o := &memOrg{
		org: org, owner: m.UserID, ownerSince: m.CreatedAt,
		members: map[UserID]*OrganizationUser{m.UserID: &m},
		byID:    []*OrganizationUser{&m},
	}
	s.orgs[org.ID] = o
	s.slugs[org.Slug] = org.ID
	s.userOrgs[m.UserID] = insertSorted(s.userOrgs[m.UserID], org.ID)
	return copyOrg(org), nil
}

// Organization implements Store.
func (s *MemoryStore) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgs[id]
	if !ok {
		return Organization{}, ErrOrganizationNotFound
	}
	return copyOrg(o.org), nil
}

// OrganizationBySlug implements Store.
func (s *MemoryStore) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.slugs[slug]
	if !ok {
		return Organization{}, ErrOrganizationNotFound
	}
	return copyOrg(s.orgs[id].org), nil
}

// UpdateOrganization implements Store.
func (s *MemoryStore) UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (Organization, bool, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, false, err
	}
	id, u, now := p.OrganizationID, p.Update, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[id]
	if !ok {
		return Organization{}, false, ErrOrganizationNotFound
	}
	next := o.org
	if u.Name != nil {
		next.Name = *u.Name
	}
	if u.Slug != nil && *u.Slug != next.Slug {
		if _, taken := s.slugs[*u.Slug]; taken {
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
	changed := next.Name != o.org.Name || next.Slug != o.org.Slug || next.IsActive != o.org.IsActive ||
		!bytes.Equal(next.Data, o.org.Data) || !bytes.Equal(next.Settings, o.org.Settings)
	if !changed {
		return copyOrg(o.org), false, nil
	}
	if next.Slug != o.org.Slug {
		delete(s.slugs, o.org.Slug)
		s.slugs[next.Slug] = id
	}
	next.UpdatedAt = now
	o.org = next
	return copyOrg(next), true, nil
}

// DeleteOrganization implements Store.
func (s *MemoryStore) DeleteOrganization(ctx context.Context, id uuid.UUID) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[id]
	if !ok {
		return Organization{}, ErrOrganizationNotFound
	}
	for user := range o.members {
		s.userOrgs[user] = removeSorted(s.userOrgs[user], id)
		if len(s.userOrgs[user]) == 0 {
			delete(s.userOrgs, user)
		}
	}
	for _, invID := range o.invites {
		mi := s.invitations[invID]
		delete(s.invByHash, mi.hash)
		s.invByEmail[mi.inv.Email] = removeSorted(s.invByEmail[mi.inv.Email], invID)
		if len(s.invByEmail[mi.inv.Email]) == 0 {
			delete(s.invByEmail, mi.inv.Email)
		}
		delete(s.invitations, invID)
	}
	delete(s.slugs, o.org.Slug)
	delete(s.orgs, id)
	return copyOrg(o.org), nil
}

// OrganizationsForUser implements Store.
func (s *MemoryStore) OrganizationsForUser(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := pageAfter(s.userOrgs[p.UserID], p.After, p.Limit, func(id uuid.UUID) uuid.UUID { return id })
	out := make([]Organization, len(ids))
	for i, id := range ids {
		out[i] = copyOrg(s.orgs[id].org)
	}
	return out, nil
}

// AddUser implements Store.
func (s *MemoryStore) AddUser(ctx context.Context, m OrganizationUser) error {
	_, created, err := s.getOrAdd(ctx, m)
	if err == nil && !created {
		err = ErrAlreadyMember
	}
	return err
}

// GetOrAddUser implements Store.
func (s *MemoryStore) GetOrAddUser(ctx context.Context, m OrganizationUser) (OrganizationUser, bool, error) {
	return s.getOrAdd(ctx, m)
}

func (s *MemoryStore) getOrAdd(ctx context.Context, m OrganizationUser) (OrganizationUser, bool, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[m.OrganizationID]
	if !ok {
		return OrganizationUser{}, false, ErrOrganizationNotFound
	}
	if cur, ok := o.members[m.UserID]; ok {
		return *cur, false, nil
	}
	s.addMember(o, m)
	return m, true, nil
}

// addMember indexes the new membership m of o. The caller holds the write lock.
func (s *MemoryStore) addMember(o *memOrg, m OrganizationUser) {
	p := &m
	o.members[m.UserID] = p
	i, _ := slices.BinarySearchFunc(o.byID, m.ID, func(e *OrganizationUser, id uuid.UUID) int { return compareUUID(e.ID, id) })
	o.byID = slices.Insert(o.byID, i, p)
	s.userOrgs[m.UserID] = insertSorted(s.userOrgs[m.UserID], m.OrganizationID)
}

// RemoveUser implements Store.
func (s *MemoryStore) RemoveUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, err := s.member(org, user)
	if err != nil {
		return OrganizationUser{}, err
	}
	if o.owner == user {
		return OrganizationUser{}, ErrOwnershipRequired
	}
	delete(o.members, user)
	if i, ok := slices.BinarySearchFunc(o.byID, m.ID, func(e *OrganizationUser, id uuid.UUID) int { return compareUUID(e.ID, id) }); ok {
		o.byID = slices.Delete(o.byID, i, i+1)
	}
	s.userOrgs[user] = removeSorted(s.userOrgs[user], org)
	if len(s.userOrgs[user]) == 0 {
		delete(s.userOrgs, user)
	}
	return *m, nil
}

// SetRole implements Store.
func (s *MemoryStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	org, user, role, now := p.OrganizationID, p.UserID, p.Role, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, err := s.member(org, user)
	if err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	before := *m
	if m.Role == role {
		return before, before, nil
	}
	if o.owner == user && role != RoleAdmin {
		return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
	}
	m.Role, m.UpdatedAt = role, now
	return before, *m, nil
}

// OrganizationUser implements Store.
func (s *MemoryStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, m, err := s.member(org, user)
	if err != nil {
		return OrganizationUser{}, err
	}
	return *m, nil
}

// Access implements Store.
func (s *MemoryStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := p.OrganizationID
	if id == uuid.Nil {
		id = s.slugs[p.Slug]
	}
	o, ok := s.orgs[id]
	if !ok {
		return Access{}, ErrOrganizationNotFound
	}
	a := Access{Organization: copyOrg(o.org)}
	if m, ok := o.members[p.UserID]; ok {
		a.Membership, a.IsMember, a.IsOwner = *m, true, o.owner == p.UserID
	}
	return a, nil
}

// member finds a membership. The caller holds a lock.
func (s *MemoryStore) member(org uuid.UUID, user UserID) (*memOrg, *OrganizationUser, error) {
	o, ok := s.orgs[org]
	if !ok {
		return nil, nil, ErrOrganizationNotFound
	}
	m, ok := o.members[user]
	if !ok {
		return o, nil, ErrNotMember
	}
	return o, m, nil
}

// Members implements Store.
func (s *MemoryStore) Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgs[p.OrganizationID]
	if !ok {
		return nil, ErrOrganizationNotFound
	}
	page := pageAfter(o.byID, p.After, p.Limit, func(m *OrganizationUser) uuid.UUID { return m.ID })
	out := make([]OrganizationUser, len(page))
	for i, m := range page {
		out[i] = *m
	}
	return out, nil
}

// Owner implements Store.
func (s *MemoryStore) Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationOwner{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.orgs[org]
	if !ok {
		return OrganizationOwner{}, ErrOrganizationNotFound
	}
	return OrganizationOwner{OrganizationID: org, OrganizationUser: *o.members[o.owner], Since: o.ownerSince}, nil
}

// ChangeOwner implements Store.
func (s *MemoryStore) ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error) {
	if err := ctx.Err(); err != nil {
		return OwnerChange{}, err
	}
	org, newOwner, now := p.OrganizationID, p.NewOwner, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	o, m, err := s.member(org, newOwner)
	if err != nil {
		return OwnerChange{}, err
	}
	c := OwnerChange{OldOwner: *o.members[o.owner], NewOwnerBefore: *m}
	if o.owner == newOwner {
		c.NewOwner = *m
		return c, nil
	}
	if m.Role != RoleAdmin {
		m.Role, m.UpdatedAt = RoleAdmin, now
	}
	o.owner, o.ownerSince = newOwner, now
	c.NewOwner, c.Changed = *m, true
	return c, nil
}

// copyOrg returns o with its JSON documents copied, so that the caller and the store
// never share them.
func copyOrg(o Organization) Organization {
	o.Data = append(json.RawMessage(nil), o.Data...)
	o.Settings = append(json.RawMessage(nil), o.Settings...)
	return o
}

func compareUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }

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
