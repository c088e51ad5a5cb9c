package organizations

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

var _ OffboardStore = (*MemoryStore)(nil)

// OrganizationsOwnedBy implements OffboardStore.
func (s *MemoryStore) OrganizationsOwnedBy(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	sh, err := s.readUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	defer sh.mu.RUnlock()
	out := []Organization{}
	u := sh.m[p.UserID]
	if u == nil {
		return out, nil
	}
	for _, o := range u.orgs {
		if len(out) == p.Limit {
			break
		}
		if compareUUID(o.id, p.After) > 0 && o.owner.Load() == u {
			out = append(out, o.head.Load().organization(o.id))
		}
	}
	return out, nil
}

// successor is o's longest-standing active admin other than user, or nil. The caller
// holds o's lock.
func (o *memOrg) successor(user UserID) *memberRec {
	var best *memberRec
	for _, m := range o.byID {
		if m.user.id == user || m.suspended.Load() || !m.isAdmin() {
			continue
		}
		if best == nil || m.created < best.created || (m.created == best.created && compareUUID(m.id, best.id) < 0) {
			best = m
		}
	}
	return best
}

// RemoveUserEverywhere implements OffboardStore.
func (s *MemoryStore) RemoveUserEverywhere(ctx context.Context, p RemoveEverywhereParams) (OffboardResult, error) {
	if err := ctx.Err(); err != nil {
		return OffboardResult{}, err
	}
	// Lock every organization of the user, idxMu (for deletions) and the shards of
	// every user whose index changes: the user's, the members' of the organizations
	// deleted, the heirs'.
	u, orgs, unlock := s.lockUserOrgs(p.UserID, true, func(u *memUser, orgs []*memOrg) (set shardSet) {
		for _, o := range orgs {
			if o.owner.Load() != u {
				continue
			}
			if slices.Contains(p.Delete, o.id) {
				set = o.memberShards(set)
			} else if h := o.successor(p.UserID); h != nil {
				set.add(h.user.id)
			}
		}
		return set
	})
	defer unlock()
	res := OffboardResult{Removed: []OrganizationUser{}, Deleted: []Organization{}, Transferred: []OwnerChange{}, Revoked: []Invitation{}}
	// Check everything first: a refusal changes nothing.
	heirs := map[*memOrg]*memberRec{}
	if u != nil {
		for _, o := range orgs {
			if o.owner.Load() != u {
				continue
			}
			switch {
			case slices.Contains(p.Delete, o.id):
			case slices.Contains(p.Transfer, o.id):
				h := o.successor(p.UserID)
				if h == nil {
					return OffboardResult{}, ErrNoSuccessor
				}
				heirs[o] = h
			default:
				return OffboardResult{}, ErrOwnershipRequired
			}
		}
	}
	if u == nil {
		return res, nil
	}
	s.invMu.Lock() // for the deletions and the revocations
	for _, o := range orgs {
		if o.owner.Load() == u && slices.Contains(p.Delete, o.id) {
			res.Deleted = append(res.Deleted, s.deleteOrg(o))
			continue
		}
		if o.invites != nil {
			for _, mi := range *o.invites {
				if mi.inv.InvitedBy == p.UserID && mi.inv.StatusAt(p.Now) == InvitationStatusPending {
					mi.inv.Status, mi.inv.RespondedAt = InvitationStatusRevoked, p.Now
					res.RevokedInvitations++
					res.Revoked = append(res.Revoked, mi.view(p.Now))
				}
			}
		}
		m := o.member(p.UserID)
		if h := heirs[o]; h != nil {
			c := OwnerChange{OldOwner: m.view(o), NewOwnerBefore: h.view(o), Changed: true}
			o.beginWrite()
			o.owner.Store(h.user)
			o.since.Store(micros(p.Now))
			o.endWrite()
			o.transfer = nil // closed for good, as by ChangeOwner
			c.NewOwner = h.view(o)
			res.Transferred = append(res.Transferred, c)
		}
		res.Removed = append(res.Removed, s.dropMember(o, m))
	}
	s.invMu.Unlock()
	res.sort()
	for _, e := range res.events() {
		s.record(e)
	}
	return res, nil
}

// dropMember removes the membership m of o, which is not the owner's, and returns it.
// The caller holds o's lock and m's user's shard.
func (s *MemoryStore) dropMember(o *memOrg, m *memberRec) OrganizationUser {
	v := m.view(o)
	o.beginWrite()
	o.members.del(membersSpec, m.user.id)
	o.setSuspended(m, 0)
	o.endWrite()
	o.closeTransferTo(m.user.id)
	o.dropTeamMemberships(m.user.id)
	if i, ok := slices.BinarySearchFunc(o.byID, m.id, func(e *memberRec, id uuid.UUID) int { return compareUUID(e.id, id) }); ok {
		o.byID = slices.Delete(o.byID, i, i+1)
	}
	s.unindexUser(m.user, o)
	return v
}

// lockUserOrgs locks, in the store's order, every organization user id belongs to, then
// idxMu if idx, then id's shard of the user index and the shards that more names (called
// holding the organizations' locks, with the user and its organizations). It looks the
// organizations up in the shard, lets go, locks them and checks, holding every lock,
// that they are still the user's organizations, starting over if not (a membership
// added or removed meanwhile). It returns the user (nil if it has no memberships) and
// its organizations, sorted by ID; unlock releases everything.
func (s *MemoryStore) lockUserOrgs(id UserID, idx bool, more func(u *memUser, orgs []*memOrg) shardSet) (u *memUser, orgs []*memOrg, unlock func()) {
	sh := &s.users[shardOf(id)]
	for {
		sh.mu.RLock()
		u, orgs = sh.m[id], nil
		if u != nil {
			orgs = slices.Clone(u.orgs)
		}
		sh.mu.RUnlock()
		if !lockOrgs(orgs) {
			continue // one was deleted meanwhile
		}
		var set shardSet
		set.add(id)
		if u != nil {
			set |= more(u, orgs)
		}
		if idx {
			s.idxMu.Lock()
		}
		s.lockShards(set)
		unlock = func() {
			s.unlockShards(set)
			if idx {
				s.idxMu.Unlock()
			}
			unlockOrgs(orgs)
		}
		if sh.m[id] == u && (u == nil || slices.Equal(u.orgs, orgs)) {
			return u, orgs, unlock
		}
		unlock()
	}
}
