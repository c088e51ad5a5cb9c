package organizations

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/google/uuid"
)

// CreateInvitation implements Store.
func (s *MemoryStore) CreateInvitation(ctx context.Context, p CreateInvitationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	inv, tokenHash, now := p.Invitation, p.TokenHash, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.org(inv.OrganizationID)
	if o == nil {
		return Organization{}, ErrOrganizationNotFound
	}
	st, ok := o.allowed(Authorization{Actor: inv.InvitedBy, Policy: p.Policy}, PermInvitationsCreate)
	if !ok || inv.InvitedBy == "" {
		return Organization{}, ErrPermissionDenied
	}
	pol := p.Policy.orDefault()
	if !o.knownRole(pol, inv.Role) {
		return Organization{}, ErrInvalidRole
	}
	if !st.covers(o.roleSet(pol, inv.Role)) {
		return Organization{}, ErrEscalation
	}
	if s.pendingFor(inv.OrganizationID, inv.Email, now) != nil {
		return Organization{}, ErrAlreadyInvited
	}
	if o.head.Load().maxMembers > 0 && !o.seatFree(s.pendingCount(o, now)) {
		return Organization{}, ErrMemberLimit
	}
	mi := &memInvitation{inv: inv, hash: hashKey(tokenHash)}
	mi.inv.Status = InvitationStatusPending
	s.invitations[inv.ID] = mi
	s.invByHash[mi.hash] = inv.ID
	s.invByEmail[inv.Email] = insertSorted(s.invByEmail[inv.Email], inv.ID)
	o.addInvite(inv.ID)
	s.recordID(inv.ID, InvitationCreated{Invitation: mi.inv, Actor: inv.InvitedBy})
	return o.head.Load().organization(o.id), nil
}

// pendingFor returns the pending, unexpired invitation of email to org, if any. The
// caller holds a lock.
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
	return inv
}

// InvitationByTokenHash implements Store.
func (s *MemoryStore) InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mi := s.invitationByHash(tokenHash)
	if mi == nil {
		return InvitationDetails{}, ErrInvitationNotFound
	}
	return s.details(mi, now), nil
}

// details returns the invitation, its status as of now, with its organization. The
// caller holds a lock.
func (s *MemoryStore) details(mi *memInvitation, now time.Time) InvitationDetails {
	o := s.org(mi.inv.OrganizationID)
	return InvitationDetails{Invitation: mi.view(now), Organization: o.head.Load().organization(o.id)}
}

// Invitation implements Store.
func (s *MemoryStore) Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	mi, ok := s.invitations[id]
	if !ok {
		return Invitation{}, ErrInvitationNotFound
	}
	return mi.view(now), nil
}

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
	tokenHash, user, email, m, now := p.TokenHash, p.UserID, p.Email, p.Membership, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	mi := s.invitationByHash(tokenHash)
	if mi == nil {
		return AcceptResult{}, ErrInvitationNotFound
	}
	o := s.org(mi.inv.OrganizationID)
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
	pol := p.Policy.orDefault()
	if st := o.standing(pol, mi.inv.InvitedBy); !st.can(pol, PermInvitationsCreate) || !st.covers(o.roleSet(pol, mi.inv.Role)) {
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
	return res, nil
}

// DeclineInvitation implements Store.
func (s *MemoryStore) DeclineInvitation(ctx context.Context, p DeclineInvitationParams) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	tokenHash, email, now := p.TokenHash, p.Email, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	mi := s.invitationByHash(tokenHash)
	if mi == nil {
		return Invitation{}, ErrInvitationNotFound
	}
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
	id, actor, now := p.InvitationID, p.Actor, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	mi, err := s.managedInvitation(id, actor, p.Policy)
	if err != nil {
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
	id, actor, tokenHash, expiresAt, now := p.InvitationID, p.Actor, p.TokenHash, p.ExpiresAt, p.Now
	s.mu.Lock()
	defer s.mu.Unlock()
	mi, err := s.managedInvitation(id, actor, p.Policy)
	if err != nil {
		return InvitationDetails{}, err
	}
	// The actor takes over as inviter: they must be allowed to invite with the role.
	o, pol := s.org(mi.inv.OrganizationID), p.Policy.orDefault()
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
		o.head.Load().maxMembers > 0 && !o.seatFree(s.pendingCount(o, now)) {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	mi, ok := s.invitations[id]
	if !ok {
		return nil
	}
	delete(s.invByHash, mi.hash)
	if ids := removeSorted(s.invByEmail[mi.inv.Email], id); len(ids) > 0 {
		s.invByEmail[mi.inv.Email] = ids
	} else {
		delete(s.invByEmail, mi.inv.Email)
	}
	if o := s.org(mi.inv.OrganizationID); o != nil {
		o.removeInvite(id)
	}
	delete(s.invitations, id)
	s.unrecord(id) // its InvitationCreated: the Invite is undone
	return nil
}

// managedInvitation finds invitation id and checks that actor holds
// PermInvitationsRevoke in its organization under pol. The caller holds the write lock.
func (s *MemoryStore) managedInvitation(id uuid.UUID, actor UserID, pol *Policy) (*memInvitation, error) {
	mi, ok := s.invitations[id]
	if !ok {
		return nil, ErrInvitationNotFound
	}
	if _, ok := s.org(mi.inv.OrganizationID).allowed(Authorization{Actor: actor, Policy: pol}, PermInvitationsRevoke); !ok || actor == "" {
		return nil, ErrPermissionDenied
	}
	return mi, nil
}

// PendingInvitations implements Store.
func (s *MemoryStore) PendingInvitations(ctx context.Context, p PendingInvitationsParams) ([]Invitation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	org, after, limit, now := p.OrganizationID, p.After, p.Limit, p.Now
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.org(org)
	if o == nil {
		return nil, ErrOrganizationNotFound
	}
	out := []Invitation{}
	var invites []uuid.UUID
	if o.invites != nil {
		invites = *o.invites
	}
	for _, id := range pageAfter(invites, after, len(invites), func(id uuid.UUID) uuid.UUID { return id }) {
		if len(out) == limit {
			break
		}
		if mi := s.invitations[id]; mi.inv.StatusAt(now) == InvitationStatusPending {
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
	s.mu.RLock()
	defer s.mu.RUnlock()
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
	s.mu.Lock()
	defer s.mu.Unlock()
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	ma, err := s.usableActivation(tokenHash, now)
	if err != nil {
		return Activation{}, err
	}
	return ma.a, nil
}

// usableActivation finds an unused, unexpired activation. The caller holds a lock.
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
	s.mu.Lock()
	defer s.mu.Unlock()
	ma, err := s.usableActivation(tokenHash, now)
	if err != nil {
		return Activation{}, nil, err
	}
	ma.a.UsedAt = now
	activated := []Organization{}
	if u := s.users[ma.a.UserID]; u != nil {
		for _, o := range u.orgs {
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
	s.mu.Lock()
	defer s.mu.Unlock()
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

// addInvite and removeInvite keep o's invitation list. The caller holds the write lock.
func (o *memOrg) addInvite(id uuid.UUID) {
	if o.invites == nil {
		o.invites = new([]uuid.UUID)
	}
	*o.invites = insertSorted(*o.invites, id)
}

func (o *memOrg) removeInvite(id uuid.UUID) {
	if o.invites == nil {
		return
	}
	if *o.invites = removeSorted(*o.invites, id); len(*o.invites) == 0 {
		o.invites = nil
	}
}
