package organizations

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

var _ OffboardStore = (*MemoryStore)(nil)

// OrganizationsOwnedBy implements OffboardStore.
func (s *MemoryStore) OrganizationsOwnedBy(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []Organization{}
	u := s.users[p.UserID]
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
// holds a lock.
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
	s.mu.Lock()
	defer s.mu.Unlock()
	res := OffboardResult{Removed: []OrganizationUser{}, Deleted: []Organization{}, Transferred: []OwnerChange{}, Revoked: []Invitation{}}
	u := s.users[p.UserID]
	// Check everything first: a refusal changes nothing.
	heirs := map[*memOrg]*memberRec{}
	if u != nil {
		for _, o := range u.orgs {
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
	for _, o := range slices.Clone(u.orgs) {
		if o.owner.Load() == u && slices.Contains(p.Delete, o.id) {
			org, _ := s.deleteOrg(o)
			res.Deleted = append(res.Deleted, org)
			continue
		}
		if o.invites != nil {
			for _, id := range *o.invites {
				mi := s.invitations[id]
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
	res.sort()
	for _, e := range res.events() {
		s.record(e)
	}
	return res, nil
}

// dropMember removes the membership m of o, which is not the owner's, and returns it.
// The caller holds the write lock.
func (s *MemoryStore) dropMember(o *memOrg, m *memberRec) OrganizationUser {
	v := m.view(o)
	o.beginWrite()
	o.members.del(membersSpec, m.user.id)
	o.setSuspended(m, 0)
	o.endWrite()
	o.closeTransferTo(m.user.id)
	if i, ok := slices.BinarySearchFunc(o.byID, m.id, func(e *memberRec, id uuid.UUID) int { return compareUUID(e.id, id) }); ok {
		o.byID = slices.Delete(o.byID, i, i+1)
	}
	s.unindexUser(m.user, o)
	return v
}
