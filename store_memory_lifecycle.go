package organizations

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
)

var _ SuspensionStore = (*MemoryStore)(nil)

// nSuspended is the number of o's suspended members. The caller holds o's lock.
func (o *memOrg) nSuspended() int {
	if at := o.suspendedAt.Load(); at != nil {
		return len(*at)
	}
	return 0
}

// setSuspended suspends m since at (microseconds), or with at 0 makes it active,
// replacing o.suspendedAt whole. The caller holds o's lock, between beginWrite and
// endWrite.
func (o *memOrg) setSuspended(m *memberRec, at int64) {
	cur := o.suspendedAt.Load()
	if at == 0 && (cur == nil || !m.suspended.Load()) {
		return
	}
	next := make(map[uuid.UUID]int64)
	if cur != nil {
		maps.Copy(next, *cur)
	}
	if at == 0 {
		delete(next, m.id)
	} else {
		next[m.id] = at
	}
	if len(next) == 0 {
		o.suspendedAt.Store(nil)
	} else {
		o.suspendedAt.Store(&next)
	}
	m.suspended.Store(at != 0)
}

// activeOrgsAfter returns up to limit of u's organizations after the ID after in which
// u is not suspended. The caller holds u's shard.
func activeOrgsAfter(u *memUser, after uuid.UUID, limit int) []*memOrg {
	i := 0
	if after != uuid.Nil {
		j, found := slices.BinarySearchFunc(u.orgs, after, func(e *memOrg, id uuid.UUID) int { return compareUUID(e.id, id) })
		if found {
			j++
		}
		i = j
	}
	var out []*memOrg
	for ; i < len(u.orgs) && len(out) < limit; i++ {
		if m := u.orgs[i].member(u.id); m != nil && !m.suspended.Load() {
			out = append(out, u.orgs[i])
		}
	}
	return out
}

// SuspendUser implements SuspensionStore.
func (s *MemoryStore) SuspendUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, true)
}

// ReactivateUser implements SuspensionStore.
func (s *MemoryStore) ReactivateUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, false)
}

func (s *MemoryStore) setStatus(ctx context.Context, p MemberStatusParams, suspend bool) (OrganizationUser, OrganizationUser, error) {
	o, st, err := s.lockAllowed(ctx, p.OrganizationID, p.Auth, PermMembersSuspend)
	if err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	defer o.mu.Unlock()
	m := o.member(p.UserID)
	if m == nil {
		return OrganizationUser{}, OrganizationUser{}, ErrNotMember
	}
	before := m.view(o)
	if m.suspended.Load() == suspend {
		return before, before, nil // unchanged
	}
	if o.owner.Load() == m.user {
		return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
	}
	if !st.covers(o.roleSet(p.Auth.Policy.orDefault(), before.Role)) {
		return OrganizationUser{}, OrganizationUser{}, ErrEscalation
	}
	if !suspend && !o.seatFree(0) {
		return OrganizationUser{}, OrganizationUser{}, ErrMemberLimit
	}
	now := micros(p.Now)
	o.beginWrite()
	if suspend {
		o.setSuspended(m, now)
		o.closeTransferTo(p.UserID)
	} else {
		o.setSuspended(m, 0)
	}
	m.updated.Store(now)
	o.endWrite()
	after := m.view(o)
	if suspend {
		s.record(MemberSuspended{OrganizationUser: after, Actor: p.Auth.Actor})
	} else {
		s.record(MemberReactivated{OrganizationUser: after, Actor: p.Auth.Actor})
	}
	return before, after, nil
}

var _ TransferStore = (*MemoryStore)(nil)

// closeTransferTo drops o's proposal if user is its nominee. The caller holds o's lock.
func (o *memOrg) closeTransferTo(user UserID) {
	if o.transfer != nil && o.transfer.Nominee == user {
		o.transfer = nil
	}
}

// openTransfer returns o's proposal if it is open at now: unexpired, its proposer the
// owner, its nominee an active member. The caller holds o's lock.
func (o *memOrg) openTransfer(now time.Time) *OwnershipTransfer {
	t := o.transfer
	if t == nil || !now.Before(t.ExpiresAt) || o.owner.Load().id != t.ProposedBy {
		return nil
	}
	if m := o.member(t.Nominee); m == nil || m.suspended.Load() {
		return nil
	}
	return t
}

// ProposeOwnershipTransfer implements TransferStore.
func (s *MemoryStore) ProposeOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, *OwnershipTransfer, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, false)
	if err != nil {
		return OwnershipTransfer{}, nil, err
	}
	defer o.mu.Unlock()
	if !o.ownerOrUnchecked(p.Auth) {
		return OwnershipTransfer{}, nil, ErrPermissionDenied
	}
	if m := o.member(p.Nominee); m == nil || m.suspended.Load() {
		return OwnershipTransfer{}, nil, ErrNotMember
	}
	owner := o.owner.Load().id
	if owner == p.Nominee {
		return OwnershipTransfer{}, nil, ErrAlreadyOwner
	}
	var replaced *OwnershipTransfer
	if o.transfer != nil {
		r := *o.transfer
		replaced = &r
	}
	t := OwnershipTransfer{OrganizationID: o.id, Nominee: p.Nominee, ProposedBy: owner, CreatedAt: p.Now, ExpiresAt: p.ExpiresAt}
	o.transfer = &t
	s.record(OwnershipTransferProposed{Transfer: t, Replaced: replaced, Actor: p.Auth.Actor})
	return t, replaced, nil
}

// OwnershipTransfer implements TransferStore.
func (s *MemoryStore) OwnershipTransfer(ctx context.Context, org uuid.UUID, now time.Time) (OwnershipTransfer, error) {
	o, err := s.openOrg(ctx, org, true)
	if err != nil {
		return OwnershipTransfer{}, err
	}
	defer o.mu.RUnlock()
	t := o.openTransfer(now)
	if t == nil {
		return OwnershipTransfer{}, ErrTransferNotFound
	}
	return *t, nil
}

// AcceptOwnershipTransfer implements TransferStore.
func (s *MemoryStore) AcceptOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, OwnerChange, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, false)
	if err != nil {
		return OwnershipTransfer{}, OwnerChange{}, err
	}
	defer o.mu.Unlock()
	t := o.openTransfer(p.Now)
	switch {
	case t == nil:
		return OwnershipTransfer{}, OwnerChange{}, ErrTransferNotFound
	case p.Auth.Actor != "" && p.Auth.Actor != t.Nominee:
		return OwnershipTransfer{}, OwnerChange{}, ErrPermissionDenied
	}
	m := o.member(t.Nominee)
	old := o.owner.Load()
	c := OwnerChange{OldOwner: o.member(old.id).view(o), NewOwnerBefore: m.view(o), Changed: true}
	if !s.lockOwnedBelow(t.Nominee, p.MaxOwned) {
		return OwnershipTransfer{}, OwnerChange{}, ErrOrganizationLimit
	}
	o.beginWrite()
	if !m.isAdmin() {
		m.role.Store(roleCodeAdmin)
		m.updated.Store(micros(p.Now))
	}
	o.owner.Store(m.user)
	o.since.Store(micros(p.Now))
	o.endWrite()
	s.unlockOwned(t.Nominee, p.MaxOwned)
	o.transfer = nil
	c.NewOwner = m.view(o)
	s.record(OwnershipTransferAccepted{Transfer: *t, Actor: p.Auth.Actor})
	if c.NewOwnerBefore.Role != c.NewOwner.Role {
		s.record(RoleChanged{Old: c.NewOwnerBefore, New: c.NewOwner, Actor: p.Auth.Actor})
	}
	s.record(OwnerChanged{Old: c.OldOwner, New: c.NewOwner, Actor: p.Auth.Actor})
	return *t, c, nil
}

// DeclineOwnershipTransfer implements TransferStore.
func (s *MemoryStore) DeclineOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, true)
}

// CancelOwnershipTransfer implements TransferStore.
func (s *MemoryStore) CancelOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, false)
}

func (s *MemoryStore) closeTransfer(ctx context.Context, p TransferParams, decline bool) (OwnershipTransfer, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, false)
	if err != nil {
		return OwnershipTransfer{}, err
	}
	defer o.mu.Unlock()
	if !decline && !o.ownerOrUnchecked(p.Auth) {
		return OwnershipTransfer{}, ErrPermissionDenied
	}
	t := o.openTransfer(p.Now)
	switch {
	case t == nil:
		return OwnershipTransfer{}, ErrTransferNotFound
	case decline && p.Auth.Actor != "" && p.Auth.Actor != t.Nominee:
		return OwnershipTransfer{}, ErrPermissionDenied
	}
	o.transfer = nil
	if decline {
		s.record(OwnershipTransferDeclined{Transfer: *t, Actor: p.Auth.Actor})
	} else {
		s.record(OwnershipTransferCancelled{Transfer: *t, Actor: p.Auth.Actor})
	}
	return *t, nil
}

var _ MemberListStore = (*MemoryStore)(nil)

// ListMembers implements MemberListStore. It reads the organization's members in ID
// order from p.After, skipping those that do not match.
func (s *MemoryStore) ListMembers(ctx context.Context, p ListMembersParams) ([]Member, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, true)
	if err != nil {
		return nil, err
	}
	defer o.mu.RUnlock()
	i, found := slices.BinarySearchFunc(o.byID, p.After, func(e *memberRec, id uuid.UUID) int { return compareUUID(e.id, id) })
	if found {
		i++
	}
	owner := o.owner.Load()
	out := []Member{}
	for ; i < len(o.byID) && len(out) < p.Limit; i++ {
		m := o.byID[i]
		v := m.view(o)
		if (p.Filter.Role != "" && v.Role != p.Filter.Role) || (p.Filter.Status != "" && v.Status() != p.Filter.Status) {
			continue
		}
		out = append(out, Member{OrganizationUser: v, IsOwner: m.user == owner})
	}
	return out, nil
}
