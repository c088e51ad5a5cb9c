package organizations

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"
)

var _ SuspensionStore = (*MemoryStore)(nil)

// nSuspended is the number of o's suspended members. The caller holds a lock.
func (o *memOrg) nSuspended() int {
	if at := o.suspendedAt.Load(); at != nil {
		return len(*at)
	}
	return 0
}

// setSuspended suspends m since at (microseconds), or with at 0 makes it active,
// replacing o.suspendedAt whole. The caller holds the write lock, between beginWrite and
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
// u is not suspended. The caller holds a lock.
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
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org(p.OrganizationID)
	if o == nil {
		return OrganizationUser{}, OrganizationUser{}, ErrOrganizationNotFound
	}
	st, ok := o.allowed(p.Auth, PermMembersSuspend)
	if !ok {
		return OrganizationUser{}, OrganizationUser{}, ErrPermissionDenied
	}
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
	} else {
		o.setSuspended(m, 0)
	}
	m.updated.Store(now)
	o.endWrite()
	return before, m.view(o), nil
}
