package organizations

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

var _ DomainStore = (*MemoryStore)(nil)

// Domains in memory: an organization's domains are guarded by its lock, so a decision
// reads the domain, the actor, the members, the invitations and the join requests in
// one critical section, as every other write to the organization. They are kept beside
// the organization rather than in it (domainsOf, whose map domMu guards, not the
// domains), so that organizations without domains pay nothing for them. Which
// organization holds each name verified is the index domVerified, also guarded by domMu
// (after joinMu in the lock order: store_memory.go); it changes only holding that
// organization's lock and domMu, together with the domain it indexes, so a holder of
// either sees both agree. Deleting an organization drops its domains and its entries of
// the index (deleteOrg, under its lock).
//
// Verifying a name takes the locks of the organization verifying it and of the one the
// index names as holding it, in the global order, then domMu, and checks that the index
// still says what it said before the locks (else starts again): so of two organizations
// verifying one name at once, the second sees the first's claim and is refused.

// memDomains are an organization's domains. The caller holds the organization's lock.
type memDomains struct {
	byName map[string]*Domain
	ids    []uuid.UUID // sorted ascending
	byID   map[uuid.UUID]*Domain
	// auto holds the IDs of the invitations Enrollments made: their tokens are renewed
	// by the next Enrollments; an admin's are not.
	auto map[uuid.UUID]bool
}

// domainsOfOrg returns o's domains, made empty first if create; nil if it has none. The
// caller holds o's lock.
func (s *MemoryStore) domainsOfOrg(o *memOrg, create bool) *memDomains {
	s.domMu.RLock()
	ds := s.domainsOf[o.id]
	s.domMu.RUnlock()
	if ds != nil || !create {
		return ds
	}
	ds = &memDomains{byName: map[string]*Domain{}, byID: map[uuid.UUID]*Domain{}, auto: map[uuid.UUID]bool{}}
	s.domMu.Lock()
	if s.domainsOf == nil {
		s.domainsOf = map[uuid.UUID]*memDomains{}
	}
	s.domainsOf[o.id] = ds
	s.domMu.Unlock()
	return ds
}

// domain returns o's domain name, or nil. The caller holds o's lock.
func (s *MemoryStore) domain(o *memOrg, name string) *Domain {
	if ds := s.domainsOfOrg(o, false); ds != nil {
		return ds.byName[name]
	}
	return nil
}

// dropDomains forgets the domains of o, being deleted, and its verified names. The
// caller holds o's lock.
func (s *MemoryStore) dropDomains(o *memOrg) {
	s.domMu.Lock()
	defer s.domMu.Unlock()
	ds := s.domainsOf[o.id]
	if ds == nil {
		return
	}
	for name, d := range ds.byName {
		if d.Verified() && s.domVerified[name] == o.id {
			delete(s.domVerified, name)
		}
	}
	delete(s.domainsOf, o.id)
}

// lockDomainOrgs write-locks the organization org and, if another organization holds
// name verified by the index, that one too, in the global order, then domMu, with the
// index as it was when the locks were chosen. other is nil when no (live) other
// organization holds it. unlock releases everything.
func (s *MemoryStore) lockDomainOrgs(org uuid.UUID, name string) (o, other *memOrg, unlock func(), err error) {
	for {
		s.domMu.RLock()
		holder, held := s.domVerified[name]
		s.domMu.RUnlock()
		o = s.org(org)
		if o == nil {
			return nil, nil, nil, ErrOrganizationNotFound
		}
		other = nil
		orgs := []*memOrg{o}
		if held && holder != org {
			if x := s.org(holder); x != nil && x.head.Load() != nil {
				other = x
				orgs = append(orgs, x)
				slices.SortFunc(orgs, func(a, b *memOrg) int { return compareUUID(a.id, b.id) })
			}
		}
		if !lockOrgs(orgs) {
			if o.head.Load() == nil {
				return nil, nil, nil, ErrOrganizationNotFound
			}
			continue // the other organization was deleted meanwhile
		}
		s.domMu.Lock()
		if now, ok := s.domVerified[name]; ok != held || now != holder {
			s.domMu.Unlock()
			unlockOrgs(orgs)
			continue // verified, released or moved meanwhile
		}
		return o, other, func() {
			s.domMu.Unlock()
			unlockOrgs(orgs)
		}, nil
	}
}

// AddDomain implements DomainStore.
func (s *MemoryStore) AddDomain(ctx context.Context, p AddDomainParams) (Domain, error) {
	d := p.Domain
	o, _, err := s.lockAllowed(ctx, d.OrganizationID, p.Auth, PermDomainsManage)
	if err != nil {
		return Domain{}, err
	}
	defer o.mu.Unlock()
	if s.domain(o, d.Name) != nil {
		return Domain{}, ErrDomainExists
	}
	ds := s.domainsOfOrg(o, true)
	stored := d
	stored.VerifiedAt, stored.Verification, stored.VerifiedBy = time.Time{}, "", ""
	ds.byName[d.Name] = &stored
	ds.byID[d.ID] = &stored
	ds.ids = insertSorted(ds.ids, d.ID)
	s.record(DomainAdded{Domain: stored, Actor: p.Auth.Actor})
	return stored, nil
}

// Domain implements DomainStore.
func (s *MemoryStore) Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	o, err := s.openOrg(ctx, org, true)
	if err != nil {
		return Domain{}, err
	}
	defer o.mu.RUnlock()
	d := s.domain(o, name)
	if d == nil {
		return Domain{}, ErrDomainNotFound
	}
	return *d, nil
}

// ListDomains implements DomainStore.
func (s *MemoryStore) ListDomains(ctx context.Context, p ListDomainsParams) ([]Domain, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, true)
	if err != nil {
		return nil, err
	}
	defer o.mu.RUnlock()
	out := []Domain{}
	ds := s.domainsOfOrg(o, false)
	if ds == nil {
		return out, nil
	}
	i, found := slices.BinarySearchFunc(ds.ids, p.After, compareUUID)
	if found {
		i++
	}
	for _, id := range ds.ids[i:] {
		if len(out) >= p.Limit {
			break
		}
		out = append(out, *ds.byID[id])
	}
	return out, nil
}

// lockDomain write-locks the organization of p and returns it with the domain p names,
// after the actor check; the caller unlocks o.mu unless err is set.
func (s *MemoryStore) lockDomain(p DomainParams) (*memOrg, *Domain, error) {
	o := s.lockOrg(p.OrganizationID, false)
	if o == nil {
		return nil, nil, ErrOrganizationNotFound
	}
	if _, ok := o.allowed(p.Auth, PermDomainsManage); !ok {
		o.mu.Unlock()
		return nil, nil, ErrPermissionDenied
	}
	d := s.domain(o, p.Name)
	if d == nil {
		o.mu.Unlock()
		return nil, nil, ErrDomainNotFound
	}
	return o, d, nil
}

// unindexVerified drops o's claim of name from the verified index, if it is o's. The
// caller holds o's lock.
func (s *MemoryStore) unindexVerified(o *memOrg, name string) {
	s.domMu.Lock()
	if s.domVerified[name] == o.id {
		delete(s.domVerified, name)
	}
	s.domMu.Unlock()
}

// RemoveDomain implements DomainStore.
func (s *MemoryStore) RemoveDomain(ctx context.Context, p DomainParams) (Domain, error) {
	if err := ctx.Err(); err != nil {
		return Domain{}, err
	}
	o, d, err := s.lockDomain(p)
	if err != nil {
		return Domain{}, err
	}
	defer o.mu.Unlock()
	if d.Verified() {
		s.unindexVerified(o, d.Name)
	}
	ds := s.domainsOfOrg(o, false)
	delete(ds.byName, d.Name)
	delete(ds.byID, d.ID)
	ds.ids = removeSorted(ds.ids, d.ID)
	s.record(DomainRemoved{Domain: *d, Actor: p.Auth.Actor})
	return *d, nil
}

// VerifyDomain implements DomainStore.
func (s *MemoryStore) VerifyDomain(ctx context.Context, p VerifyDomainParams) (VerifyDomainResult, error) {
	if err := ctx.Err(); err != nil {
		return VerifyDomainResult{}, err
	}
	o, other, unlock, err := s.lockDomainOrgs(p.OrganizationID, p.Name)
	if err != nil {
		return VerifyDomainResult{}, err
	}
	defer unlock()
	// domMu is held: the domains are read from domainsOf directly.
	domain := func(org *memOrg) *Domain {
		if ds := s.domainsOf[org.id]; ds != nil {
			return ds.byName[p.Name]
		}
		return nil
	}
	if _, ok := o.allowed(p.Auth, PermDomainsManage); !ok {
		return VerifyDomainResult{}, ErrPermissionDenied
	}
	d := domain(o)
	if d == nil {
		return VerifyDomainResult{}, ErrDomainNotFound
	}
	if p.Verification == DomainVerificationDNS && p.Token != d.Token {
		return VerifyDomainResult{}, ErrDomainVerificationFailed
	}
	var res VerifyDomainResult
	if other != nil {
		if x := domain(other); x != nil && x.Verified() {
			if x.VerifiedSince(p.VerifiedSince) {
				return VerifyDomainResult{}, ErrDomainTaken
			}
			x.VerifiedAt, x.Verification, x.VerifiedBy, x.UpdatedAt = time.Time{}, "", "", p.Now
			released := *x
			res.Released = &released
			s.record(DomainUnverified{Domain: released})
		}
	}
	d.VerifiedAt, d.Verification, d.VerifiedBy, d.UpdatedAt = p.Now, p.Verification, p.Auth.Actor, p.Now
	if s.domVerified == nil {
		s.domVerified = map[string]uuid.UUID{}
	}
	s.domVerified[p.Name] = o.id
	res.Domain = *d
	s.record(DomainVerified{Domain: *d, Actor: p.Auth.Actor})
	return res, nil
}

// UnverifyDomain implements DomainStore.
func (s *MemoryStore) UnverifyDomain(ctx context.Context, p DomainParams) (Domain, Domain, error) {
	if err := ctx.Err(); err != nil {
		return Domain{}, Domain{}, err
	}
	o, d, err := s.lockDomain(p)
	if err != nil {
		return Domain{}, Domain{}, err
	}
	defer o.mu.Unlock()
	before := *d
	if !d.Verified() {
		return before, before, nil
	}
	s.unindexVerified(o, d.Name)
	d.VerifiedAt, d.Verification, d.VerifiedBy, d.UpdatedAt = time.Time{}, "", "", p.Now
	s.record(DomainUnverified{Domain: *d, Actor: p.Auth.Actor})
	return before, *d, nil
}

// SetDomainEnrollment implements DomainStore.
func (s *MemoryStore) SetDomainEnrollment(ctx context.Context, p SetDomainEnrollmentParams) (Domain, Domain, error) {
	if err := ctx.Err(); err != nil {
		return Domain{}, Domain{}, err
	}
	o, d, err := s.lockDomain(DomainParams{Auth: p.Auth, OrganizationID: p.OrganizationID, Name: p.Name})
	if err != nil {
		return Domain{}, Domain{}, err
	}
	defer o.mu.Unlock()
	before := *d
	if d.Enrollment == p.Enrollment {
		return before, before, nil
	}
	d.Enrollment, d.UpdatedAt = p.Enrollment, p.Now
	s.record(DomainUpdated{Old: before, New: *d, Actor: p.Auth.Actor})
	return before, *d, nil
}

// lockVerifiedDomain write-locks the organization that holds name verified at or after
// since and returns it with the domain; nil (nothing locked) if none does.
func (s *MemoryStore) lockVerifiedDomain(name string, since time.Time) (*memOrg, *Domain) {
	s.domMu.RLock()
	holder, ok := s.domVerified[name]
	s.domMu.RUnlock()
	for ok {
		// The holder's domain, read under its lock, decides: verified there means it
		// holds the name (the index and the domain change together).
		if o := s.lockOrg(holder, false); o != nil {
			if d := s.domain(o, name); d != nil && d.Verified() {
				if d.VerifiedSince(since) {
					return o, d
				}
				o.mu.Unlock()
				return nil, nil // lapsed
			}
			o.mu.Unlock()
		}
		// Released, moved or deleted since the index was read: read it again.
		s.domMu.RLock()
		again, held := s.domVerified[name]
		s.domMu.RUnlock()
		if !held || again == holder {
			return nil, nil
		}
		holder = again
	}
	return nil, nil
}

// Enrollments implements DomainStore.
func (s *MemoryStore) Enrollments(ctx context.Context, p EnrollmentsParams) ([]EnrollmentResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []EnrollmentResult{}
	o, d := s.lockVerifiedDomain(p.Domain, p.VerifiedSince)
	if o == nil {
		return out, nil
	}
	defer o.mu.Unlock()
	if o.member(p.UserID) != nil || d.Enrollment == EnrollmentManual {
		return out, nil
	}
	r := EnrollmentResult{Enrollment: Enrollment{Organization: o.head.Load().organization(o.id), Domain: *d}}
	switch d.Enrollment {
	case EnrollmentAutomaticSuggestion:
		if o.joins != nil {
			if id, ok := o.joins.open[p.UserID]; ok {
				if jr := o.joins.byID[id]; jr.StatusAt(p.Now) == JoinRequestStatusPending {
					c := *jr
					r.JoinRequest = &c
				}
			}
		}
	case EnrollmentAutomaticInvitation:
		s.enrollInvitation(o, p, &r)
	}
	return append(out, r), nil
}

// enrollInvitation gives r the user's pending invitation to o, renewed or made as
// DomainStore.Enrollments says. The caller holds o's lock.
func (s *MemoryStore) enrollInvitation(o *memOrg, p EnrollmentsParams, r *EnrollmentResult) {
	owner := o.owner.Load().id
	ds := s.domainsOfOrg(o, true)
	s.invMu.Lock()
	defer s.invMu.Unlock()
	if mi := s.pendingFor(o.id, p.Email, p.Now); mi != nil {
		if ds.auto[mi.inv.ID] {
			delete(s.invByHash, mi.hash)
			mi.hash = hashKey(p.TokenHash)
			s.invByHash[mi.hash] = mi.inv.ID
			mi.inv.InvitedBy = owner
			r.InvitationRenewed = true
		}
		inv := mi.inv
		r.Invitation = &inv
		return
	}
	if o.head.Load().maxMembers > 0 && !o.seatFree(o.pendingCount(p.Now)) {
		return // no seat: no invitation
	}
	inv := p.Invitation
	inv.OrganizationID, inv.InvitedBy, inv.Role, inv.Status = o.id, owner, RoleMember, InvitationStatusPending
	mi := &memInvitation{inv: inv, hash: hashKey(p.TokenHash)}
	s.invitations[inv.ID] = mi
	s.invByHash[mi.hash] = inv.ID
	s.invByEmail[inv.Email] = insertSorted(s.invByEmail[inv.Email], inv.ID)
	o.addInvite(mi)
	ds.auto[inv.ID] = true
	s.evMu.Lock()
	s.recordID(inv.ID, InvitationCreated{Invitation: inv})
	s.evMu.Unlock()
	r.Invitation, r.InvitationCreated = &inv, true
}

// CreateDomainJoinRequest implements DomainStore.
func (s *MemoryStore) CreateDomainJoinRequest(ctx context.Context, p CreateDomainJoinRequestParams) (JoinRequest, error) {
	o, err := s.openOrg(ctx, p.Request.OrganizationID, false)
	if err != nil {
		return JoinRequest{}, err
	}
	defer o.mu.Unlock()
	d := s.domain(o, p.Domain)
	open := d != nil && d.VerifiedSince(p.VerifiedSince) && d.Enrollment == EnrollmentAutomaticSuggestion
	return s.addJoinRequest(o, CreateJoinRequestParams{Request: p.Request, Now: p.Now}, open)
}
