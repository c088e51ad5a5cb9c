package organizations

import (
	"context"
	"crypto/sha256"
	"slices"
	"time"

	"github.com/google/uuid"
)

// CreateInvitation implements Store.
func (s *MemoryStore) CreateInvitation(ctx context.Context, p CreateInvitationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	inv, tokenHash, now := p.Invitation, p.TokenHash, p.Now
	inv.InvitedBy = p.Auth.Actor
	o := s.lockOrg(inv.OrganizationID, false)
	if o == nil {
		return Organization{}, ErrOrganizationNotFound
	}
	defer o.mu.Unlock()
	st, ok := o.allowed(p.Auth, PermInvitationsCreate)
	if !ok || inv.InvitedBy == "" {
		return Organization{}, ErrPermissionDenied
	}
	pol := p.Auth.Policy.orDefault()
	if !o.knownRole(pol, inv.Role) {
		return Organization{}, ErrInvalidRole
	}
	if !st.covers(o.roleSet(pol, inv.Role)) {
		return Organization{}, ErrEscalation
	}
	if err := o.checkTeamInvites(p.Auth, st, inv.Teams); err != nil {
		return Organization{}, err
	}
	inv.Teams = slices.Clone(inv.Teams)
	s.invMu.Lock()
	if s.pendingFor(inv.OrganizationID, inv.Email, now) != nil {
		s.invMu.Unlock()
		return Organization{}, ErrAlreadyInvited
	}
	if o.head.Load().maxMembers > 0 && !o.seatFree(o.pendingCount(now)) {
		s.invMu.Unlock()
		return Organization{}, ErrMemberLimit
	}
	mi := &memInvitation{inv: inv, hash: hashKey(tokenHash)}
	mi.inv.Status = InvitationStatusPending
	s.invitations[inv.ID] = mi
	s.invByHash[mi.hash] = inv.ID
	s.invByEmail[inv.Email] = insertSorted(s.invByEmail[inv.Email], inv.ID)
	o.addInvite(mi)
	s.invMu.Unlock()
	s.evMu.Lock()
	s.recordID(inv.ID, InvitationCreated{Invitation: mi.inv, Actor: inv.InvitedBy})
	s.evMu.Unlock()
	return o.head.Load().organization(o.id), nil
}

// lockInvitation finds an invitation with find, which reads the invitation indexes, and
// returns it with, in the store's order, its organization's lock, user's shard (if
// withUser) and invMu held; unlock releases them. If find finds none, it returns nil
// and holds nothing. It finds the invitation under invMu in shared mode, lets go, takes
// the locks and finds it again, starting over if it is no longer what find finds (the
// token was renewed, the invitation deleted).
func (s *MemoryStore) lockInvitation(find func() *memInvitation, user UserID, withUser bool) (mi *memInvitation, o *memOrg, unlock func()) {
	for {
		s.invMu.RLock()
		mi = find()
		s.invMu.RUnlock()
		if mi == nil {
			return nil, nil, nil
		}
		// An invitation's organization never changes. If it is gone, so is the
		// invitation, deleted with it: find says so on the next turn.
		if o = s.lockOrg(mi.inv.OrganizationID, false); o == nil {
			continue
		}
		var sh *userShard
		if withUser {
			sh = &s.users[shardOf(user)]
			sh.mu.Lock()
		}
		s.invMu.Lock()
		unlock = func() {
			s.invMu.Unlock()
			if sh != nil {
				sh.mu.Unlock()
			}
			o.mu.Unlock()
		}
		if find() == mi {
			return mi, o, unlock
		}
		unlock()
	}
}

// unindexInvitation removes mi from the invitation indexes. The caller holds its
// organization's lock and invMu.
func (s *MemoryStore) unindexInvitation(mi *memInvitation) {
	id, email := mi.inv.ID, mi.inv.Email
	delete(s.invByHash, mi.hash)
	if ids := removeSorted(s.invByEmail[email], id); len(ids) > 0 {
		s.invByEmail[email] = ids
	} else {
		delete(s.invByEmail, email)
	}
	delete(s.invitations, id)
}

// pendingFor returns the pending, unexpired invitation of email to org, if any. The
// caller holds invMu.
func (s *MemoryStore) pendingFor(org uuid.UUID, email string, now time.Time) *memInvitation {
	for _, id := range s.invByEmail[email] {
		mi := s.invitations[id]
		if mi.inv.OrganizationID == org && mi.inv.StatusAt(now) == InvitationStatusPending {
			return mi
		}
	}
	return nil
}

// view returns a copy of the invitation with its status as of now.
func (mi *memInvitation) view(now time.Time) Invitation {
	inv := mi.inv
	inv.Status = inv.StatusAt(now)
	inv.Teams = slices.Clone(inv.Teams)
	return inv
}

// InvitationByTokenHash implements Store.
func (s *MemoryStore) InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	s.invMu.RLock()
	defer s.invMu.RUnlock()
	mi := s.invitationByHash(tokenHash)
	if mi == nil {
		return InvitationDetails{}, ErrInvitationNotFound
	}
	return s.details(mi, now), nil
}

// details returns the invitation, its status as of now, with its organization. The
// caller holds invMu, which a deletion of the organization holds too, or the
// organization's lock.
func (s *MemoryStore) details(mi *memInvitation, now time.Time) InvitationDetails {
	o := s.org(mi.inv.OrganizationID)
	return InvitationDetails{Invitation: mi.view(now), Organization: o.head.Load().organization(o.id)}
}

// Invitation implements Store.
func (s *MemoryStore) Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	s.invMu.RLock()
	defer s.invMu.RUnlock()
	mi, ok := s.invitations[id]
	if !ok {
		return Invitation{}, ErrInvitationNotFound
	}
	return mi.view(now), nil
}

// invitationByHash returns the invitation with this token hash, or nil. The caller
// holds invMu.
func (s *MemoryStore) invitationByHash(tokenHash []byte) *memInvitation {
	if len(tokenHash) != sha256.Size {
		return nil
	}
	id, ok := s.invByHash[hashKey(tokenHash)]
	if !ok {
		return nil
	}
	return s.invitations[id]
}

// AcceptInvitation implements Store.
func (s *MemoryStore) AcceptInvitation(ctx context.Context, p AcceptInvitationParams) (AcceptResult, error) {
	if err := ctx.Err(); err != nil {
		return AcceptResult{}, err
	}
	tokenHash, user, email, m, now := p.TokenHash, p.Auth.Actor, p.Email, p.Membership, p.Now
	mi, o, unlock := s.lockInvitation(func() *memInvitation { return s.invitationByHash(tokenHash) }, user, true)
	if mi == nil {
		return AcceptResult{}, ErrInvitationNotFound
	}
	defer unlock()
	st := mi.inv.StatusAt(now)
	if cur := o.member(user); cur != nil && st == InvitationStatusAccepted && mi.inv.AcceptedBy == user {
		return AcceptResult{Invitation: mi.view(now), Membership: cur.view(o)}, nil
	}
	if err := st.Err(); err != nil {
		return AcceptResult{}, err
	}
	if !mi.inv.Bearer && mi.inv.Email != email {
		return AcceptResult{}, ErrInvitationEmailMismatch
	}
	if mi.inv.InvitedBy == user {
		return AcceptResult{}, ErrPermissionDenied
	}
	// The inviter's right to grant the role, as of now (the invitation stays pending).
	pol := p.Auth.Policy.orDefault()
	if st := o.standing(pol, mi.inv.InvitedBy); !st.can(pol, PermInvitationsCreate) || !st.covers(o.roleSet(pol, mi.inv.Role)) ||
		o.checkTeamInvites(Authorization{Actor: mi.inv.InvitedBy, Policy: p.Auth.Policy}, st, mi.inv.Teams) != nil {
		return AcceptResult{}, ErrInviterNotAllowed
	}
	res := AcceptResult{Accepted: true}
	if cur := o.member(user); cur != nil {
		res.Membership = cur.view(o)
	} else if !o.seatFree(0) {
		return AcceptResult{}, ErrMemberLimit // the invitation stays pending
	} else {
		m.OrganizationID, m.UserID, m.Role = mi.inv.OrganizationID, user, mi.inv.Role
		s.addMember(o, s.user(user), m)
		res.Membership, res.MembershipCreated = m, true
	}
	mi.inv.Status, mi.inv.RespondedAt, mi.inv.AcceptedBy = InvitationStatusAccepted, now, user
	res.Invitation = mi.view(now)
	s.record(InvitationAccepted{Invitation: res.Invitation, OrganizationUser: res.Membership, Actor: user})
	if res.MembershipCreated {
		s.record(UserAdded{OrganizationUser: res.Membership, Actor: user})
	}
	res.TeamMembers = s.joinInvitedTeams(o, mi.inv.Teams, res.Membership, p)
	return res, nil
}

// DeclineInvitation implements Store.
func (s *MemoryStore) DeclineInvitation(ctx context.Context, p DeclineInvitationParams) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	tokenHash, email, now := p.TokenHash, p.Email, p.Now
	mi, _, unlock := s.lockInvitation(func() *memInvitation { return s.invitationByHash(tokenHash) }, "", false)
	if mi == nil {
		return Invitation{}, ErrInvitationNotFound
	}
	defer unlock()
	if err := mi.inv.StatusAt(now).Err(); err != nil {
		return Invitation{}, err
	}
	if !mi.inv.Bearer && mi.inv.Email != email {
		return Invitation{}, ErrInvitationEmailMismatch
	}
	mi.inv.Status, mi.inv.RespondedAt = InvitationStatusDeclined, now
	s.record(InvitationDeclined{Invitation: mi.view(now)})
	return mi.view(now), nil
}

// RevokeInvitation implements Store.
func (s *MemoryStore) RevokeInvitation(ctx context.Context, p RevokeInvitationParams) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	id, actor, now := p.InvitationID, p.Auth.Actor, p.Now
	mi, o, unlock := s.lockInvitation(func() *memInvitation { return s.invitations[id] }, "", false)
	if mi == nil {
		return Invitation{}, ErrInvitationNotFound
	}
	defer unlock()
	if err := o.manages(p.Auth); err != nil {
		return Invitation{}, err
	}
	if err := mi.inv.StatusAt(now).Err(); err != nil {
		return Invitation{}, err
	}
	mi.inv.Status, mi.inv.RespondedAt = InvitationStatusRevoked, now
	s.record(InvitationRevoked{Invitation: mi.view(now), Actor: actor})
	return mi.view(now), nil
}

// RenewInvitation implements Store.
func (s *MemoryStore) RenewInvitation(ctx context.Context, p RenewInvitationParams) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	id, actor, tokenHash, expiresAt, now := p.InvitationID, p.Auth.Actor, p.TokenHash, p.ExpiresAt, p.Now
	mi, o, unlock := s.lockInvitation(func() *memInvitation { return s.invitations[id] }, "", false)
	if mi == nil {
		return InvitationDetails{}, ErrInvitationNotFound
	}
	defer unlock()
	if err := o.manages(p.Auth); err != nil {
		return InvitationDetails{}, err
	}
	// The actor takes over as inviter: they must be allowed to invite with the role.
	pol := p.Auth.Policy.orDefault()
	st := o.standing(pol, actor)
	if !st.can(pol, PermInvitationsCreate) {
		return InvitationDetails{}, ErrPermissionDenied
	}
	if mi.inv.Status != InvitationStatusPending {
		return InvitationDetails{}, ErrInvitationClosed
	}
	if !st.covers(o.roleSet(pol, mi.inv.Role)) {
		return InvitationDetails{}, ErrEscalation
	}
	if other := s.pendingFor(mi.inv.OrganizationID, mi.inv.Email, now); other != nil && other != mi {
		return InvitationDetails{}, ErrAlreadyInvited
	}
	// An expired invitation held no seat; renewed, it takes one.
	if mi.inv.StatusAt(now) != InvitationStatusPending &&
		o.head.Load().maxMembers > 0 && !o.seatFree(o.pendingCount(now)) {
		return InvitationDetails{}, ErrMemberLimit
	}
	delete(s.invByHash, mi.hash)
	mi.hash = hashKey(tokenHash)
	s.invByHash[mi.hash] = id
	mi.inv.ExpiresAt, mi.inv.InvitedBy = expiresAt, actor
	return s.details(mi, now), nil
}

// DeleteInvitation implements Store.
func (s *MemoryStore) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	mi, o, unlock := s.lockInvitation(func() *memInvitation { return s.invitations[id] }, "", false)
	if mi == nil {
		return nil
	}
	defer unlock()
	s.unindexInvitation(mi)
	o.removeInvite(id)
	s.unrecord(id) // its InvitationCreated: the Invite is undone
	return nil
}

// manages reports whether a.Actor holds PermInvitationsRevoke in o under a.Policy: nil,
// or ErrPermissionDenied (an empty actor too). The caller holds o's lock.
func (o *memOrg) manages(a Authorization) error {
	if _, ok := o.allowed(a, PermInvitationsRevoke); !ok || a.Actor == "" {
		return ErrPermissionDenied
	}
	return nil
}

// PendingInvitations implements Store.
func (s *MemoryStore) PendingInvitations(ctx context.Context, p PendingInvitationsParams) ([]Invitation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	org, after, limit, now := p.OrganizationID, p.After, p.Limit, p.Now
	o := s.lockOrg(org, true)
	if o == nil {
		return nil, ErrOrganizationNotFound
	}
	defer o.mu.RUnlock()
	out := []Invitation{}
	var invites []*memInvitation
	if o.invites != nil {
		invites = *o.invites
	}
	for _, mi := range pageAfter(invites, after, len(invites), func(mi *memInvitation) uuid.UUID { return mi.inv.ID }) {
		if len(out) == limit {
			break
		}
		if mi.inv.StatusAt(now) == InvitationStatusPending {
			out = append(out, mi.view(now))
		}
	}
	return out, nil
}

// InvitationsForEmail implements Store.
func (s *MemoryStore) InvitationsForEmail(ctx context.Context, email string, now time.Time) ([]InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.invMu.RLock()
	defer s.invMu.RUnlock()
	out := []InvitationDetails{}
	for _, id := range s.invByEmail[email] {
		if mi := s.invitations[id]; mi.inv.StatusAt(now) == InvitationStatusPending {
			out = append(out, s.details(mi, now))
		}
	}
	return out, nil
}

// CreateActivation implements Store.
func (s *MemoryStore) CreateActivation(ctx context.Context, a Activation, tokenHash []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.actMu.Lock()
	defer s.actMu.Unlock()
	ma := &memActivation{a: a, hash: hashKey(tokenHash)}
	s.activations[a.ID] = ma
	s.activByHash[ma.hash] = a.ID
	return nil
}

// ActivationByTokenHash implements Store.
func (s *MemoryStore) ActivationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Activation, error) {
	if err := ctx.Err(); err != nil {
		return Activation{}, err
	}
	s.actMu.Lock()
	defer s.actMu.Unlock()
	ma, err := s.usableActivation(tokenHash, now)
	if err != nil {
		return Activation{}, err
	}
	return ma.a, nil
}

// usableActivation finds an unused, unexpired activation. The caller holds actMu.
func (s *MemoryStore) usableActivation(tokenHash []byte, now time.Time) (*memActivation, error) {
	if len(tokenHash) != sha256.Size {
		return nil, ErrActivationNotFound
	}
	id, ok := s.activByHash[hashKey(tokenHash)]
	if !ok {
		return nil, ErrActivationNotFound
	}
	ma := s.activations[id]
	switch {
	case !ma.a.UsedAt.IsZero():
		return nil, ErrActivationUsed
	case !now.Before(ma.a.ExpiresAt):
		return nil, ErrActivationExpired
	}
	return ma, nil
}

// CompleteActivation implements Store.
func (s *MemoryStore) CompleteActivation(ctx context.Context, tokenHash []byte, now time.Time) (Activation, []Organization, error) {
	if err := ctx.Err(); err != nil {
		return Activation{}, nil, err
	}
	s.actMu.Lock()
	ma, err := s.usableActivation(tokenHash, now)
	s.actMu.Unlock()
	if err != nil {
		return Activation{}, nil, err
	}
	// An activation's user never changes. Lock the user's organizations, and the
	// shards of the members of those it activates (so that no OrganizationsForUser
	// sees half of it), then check the activation again.
	u, orgs, unlock := s.lockUserOrgs(ma.a.UserID, false, func(u *memUser, orgs []*memOrg) (set shardSet) {
		for _, o := range orgs {
			if o.owner.Load() == u && !o.head.Load().active {
				set = o.memberShards(set)
			}
		}
		return set
	})
	defer unlock()
	s.actMu.Lock()
	defer s.actMu.Unlock()
	if again, err := s.usableActivation(tokenHash, now); err != nil {
		return Activation{}, nil, err
	} else if again != ma {
		return Activation{}, nil, ErrActivationNotFound // deleted and another made with the token
	}
	ma.a.UsedAt = now
	activated := []Organization{}
	if u != nil {
		for _, o := range orgs {
			h := o.head.Load()
			if o.owner.Load() != u || h.active {
				continue
			}
			nh := *h
			nh.active, nh.updated = true, micros(now)
			o.beginWrite()
			o.head.Store(&nh)
			o.endWrite()
			activated = append(activated, nh.organization(o.id))
			s.record(OrganizationUpdated{Organization: nh.organization(o.id)})
		}
	}
	return ma.a, activated, nil
}

// DeleteActivation implements Store.
func (s *MemoryStore) DeleteActivation(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.actMu.Lock()
	defer s.actMu.Unlock()
	if ma, ok := s.activations[id]; ok {
		delete(s.activByHash, ma.hash)
		delete(s.activations, id)
	}
	return nil
}

func hashKey(h []byte) [sha256.Size]byte {
	var k [sha256.Size]byte
	copy(k[:], h)
	return k
}

// addInvite and removeInvite keep o's invitation list. The caller holds o's lock.
func (o *memOrg) addInvite(mi *memInvitation) {
	if o.invites == nil {
		o.invites = new([]*memInvitation)
	}
	i, _ := slices.BinarySearchFunc(*o.invites, mi.inv.ID, compareInvitation)
	*o.invites = slices.Insert(*o.invites, i, mi)
}

func (o *memOrg) removeInvite(id uuid.UUID) {
	if o.invites == nil {
		return
	}
	if i, ok := slices.BinarySearchFunc(*o.invites, id, compareInvitation); ok {
		*o.invites = slices.Delete(*o.invites, i, i+1)
	}
	if len(*o.invites) == 0 {
		o.invites = nil
	}
}

// compareInvitation orders invitations by ID.
func compareInvitation(mi *memInvitation, id uuid.UUID) int { return compareUUID(mi.inv.ID, id) }
