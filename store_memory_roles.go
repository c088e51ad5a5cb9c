package organizations

import (
	"context"
	"maps"
	"slices"

	"github.com/google/uuid"
)

// CreateRole implements Store.
func (s *MemoryStore) CreateRole(ctx context.Context, p CreateRoleParams) (CustomRole, error) {
	c := p.Role.clone()
	o, st, err := s.lockAllowed(ctx, c.OrganizationID, p.Auth, PermRolesManage)
	if err != nil {
		return CustomRole{}, err
	}
	defer o.mu.Unlock()
	pol := p.Auth.Policy.orDefault()
	if !st.covers(pol.customSet(c.Includes, c.Permissions)) {
		return CustomRole{}, ErrEscalation
	}
	if o.customRole(c.Name) != nil {
		return CustomRole{}, ErrRoleExists
	}
	next := o.copyRoles()
	slot := slices.Index(next.names, "")
	if slot < 0 {
		slot = len(next.names)
		next.names = append(next.names, "")
	}
	next.names[slot] = c.Name
	next.slots[c.Name] = uint32(slot)
	next.byName[c.Name] = &c
	o.beginWrite()
	o.roles.Store(next)
	o.endWrite()
	s.record(CustomRoleCreated{Role: c.clone(), Actor: p.Auth.Actor})
	return c.clone(), nil
}

// copyRoles returns a copy of o's custom roles to change and publish. The caller holds
// o's lock.
func (o *memOrg) copyRoles() *memRoles {
	next := &memRoles{byName: map[Role]*CustomRole{}, slots: map[Role]uint32{}}
	if cur := o.roles.Load(); cur != nil {
		next.byName, next.slots, next.names = maps.Clone(cur.byName), maps.Clone(cur.slots), slices.Clone(cur.names)
	}
	return next
}

// UpdateRole implements Store.
func (s *MemoryStore) UpdateRole(ctx context.Context, p UpdateRoleParams) (CustomRole, CustomRole, error) {
	c := p.Role.clone()
	o, st, err := s.lockAllowed(ctx, c.OrganizationID, p.Auth, PermRolesManage)
	if err != nil {
		return CustomRole{}, CustomRole{}, err
	}
	defer o.mu.Unlock()
	cur := o.customRole(c.Name)
	if cur == nil {
		return CustomRole{}, CustomRole{}, ErrRoleNotFound
	}
	pol := p.Auth.Policy.orDefault()
	if !st.covers(pol.customSet(cur.Includes, cur.Permissions)) || !st.covers(pol.customSet(c.Includes, c.Permissions)) {
		return CustomRole{}, CustomRole{}, ErrEscalation
	}
	if slices.Equal(cur.Includes, c.Includes) && slices.Equal(cur.Permissions, c.Permissions) {
		return cur.clone(), cur.clone(), nil
	}
	c.CreatedAt = cur.CreatedAt
	next := o.copyRoles()
	next.byName[c.Name] = &c
	o.beginWrite()
	o.roles.Store(next)
	o.endWrite()
	s.record(CustomRoleUpdated{Old: cur.clone(), New: c.clone(), Actor: p.Auth.Actor})
	return cur.clone(), c.clone(), nil
}

// DeleteRole implements Store.
func (s *MemoryStore) DeleteRole(ctx context.Context, p DeleteRoleParams) (CustomRole, error) {
	o, st, err := s.lockAllowed(ctx, p.OrganizationID, p.Auth, PermRolesManage)
	if err != nil {
		return CustomRole{}, err
	}
	defer o.mu.Unlock()
	cur := o.customRole(p.Name)
	if cur == nil {
		return CustomRole{}, ErrRoleNotFound
	}
	if !st.covers(p.Auth.Policy.orDefault().customSet(cur.Includes, cur.Permissions)) {
		return CustomRole{}, ErrEscalation
	}
	if o.roleInUse(p.Name) {
		return CustomRole{}, ErrRoleInUse
	}
	next := o.copyRoles()
	next.names[next.slots[p.Name]] = ""
	delete(next.slots, p.Name)
	delete(next.byName, p.Name)
	if len(next.byName) == 0 {
		next = nil
	}
	o.beginWrite()
	o.roles.Store(next)
	o.endWrite()
	s.record(CustomRoleDeleted{Role: cur.clone(), Actor: p.Auth.Actor})
	return cur.clone(), nil
}

// roleInUse reports whether a member of o, or an open invitation to it (stored pending,
// expired ones included, or stored expired: ResendInvitation renews both), holds the
// custom role r. The caller holds o's lock.
func (o *memOrg) roleInUse(r Role) bool {
	code := o.code(r)
	for _, m := range o.byID {
		if m.role.Load() == code {
			return true
		}
	}
	if o.invites != nil {
		for _, mi := range *o.invites {
			inv := mi.inv
			if inv.Role == r && (inv.Status == InvitationStatusPending || inv.Status == InvitationStatusExpired) {
				return true
			}
		}
	}
	return false
}

// CustomRoles implements Store.
func (s *MemoryStore) CustomRoles(ctx context.Context, org uuid.UUID) ([]CustomRole, error) {
	o, err := s.openOrg(ctx, org, true)
	if err != nil {
		return nil, err
	}
	defer o.mu.RUnlock()
	out := []CustomRole{}
	if rs := o.roles.Load(); rs != nil {
		for _, name := range slices.Sorted(maps.Keys(rs.byName)) {
			out = append(out, rs.byName[name].clone())
		}
	}
	return out, nil
}
