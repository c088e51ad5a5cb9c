package organizations

import (
	"context"

	"github.com/google/uuid"
)

var _ DomainStore = (*CachedStore)(nil)

// The DomainStore methods pass through to the wrapped store (ErrNotSupported if it lacks
// DomainStore); nothing of domains is cached, and no domain call changes what the cache
// keeps: none adds or removes a member (Enrollments makes invitations, and
// CreateDomainJoinRequest a join request).

// innerDomains is the wrapped store as a DomainStore, or ErrNotSupported.
func (c *CachedStore) innerDomains() (DomainStore, error) {
	s, ok := c.innerStore.(DomainStore)
	if !ok {
		return nil, ErrNotSupported
	}
	return s, nil
}

// AddDomain implements DomainStore.
func (c *CachedStore) AddDomain(ctx context.Context, p AddDomainParams) (Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return Domain{}, err
	}
	return s.AddDomain(ctx, p)
}

// Domain implements DomainStore; it is not cached.
func (c *CachedStore) Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return Domain{}, err
	}
	return s.Domain(ctx, org, name)
}

// ListDomains implements DomainStore; it is not cached.
func (c *CachedStore) ListDomains(ctx context.Context, p ListDomainsParams) ([]Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return nil, err
	}
	return s.ListDomains(ctx, p)
}

// RemoveDomain implements DomainStore.
func (c *CachedStore) RemoveDomain(ctx context.Context, p DomainParams) (Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return Domain{}, err
	}
	return s.RemoveDomain(ctx, p)
}

// VerifyDomain implements DomainStore.
func (c *CachedStore) VerifyDomain(ctx context.Context, p VerifyDomainParams) (VerifyDomainResult, error) {
	s, err := c.innerDomains()
	if err != nil {
		return VerifyDomainResult{}, err
	}
	return s.VerifyDomain(ctx, p)
}

// UnverifyDomain implements DomainStore.
func (c *CachedStore) UnverifyDomain(ctx context.Context, p DomainParams) (Domain, Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return Domain{}, Domain{}, err
	}
	return s.UnverifyDomain(ctx, p)
}

// SetDomainEnrollment implements DomainStore.
func (c *CachedStore) SetDomainEnrollment(ctx context.Context, p SetDomainEnrollmentParams) (Domain, Domain, error) {
	s, err := c.innerDomains()
	if err != nil {
		return Domain{}, Domain{}, err
	}
	return s.SetDomainEnrollment(ctx, p)
}

// Enrollments implements DomainStore; it is not cached (it may write).
func (c *CachedStore) Enrollments(ctx context.Context, p EnrollmentsParams) ([]EnrollmentResult, error) {
	s, err := c.innerDomains()
	if err != nil {
		return nil, err
	}
	return s.Enrollments(ctx, p)
}

// CreateDomainJoinRequest implements DomainStore.
func (c *CachedStore) CreateDomainJoinRequest(ctx context.Context, p CreateDomainJoinRequestParams) (JoinRequest, error) {
	s, err := c.innerDomains()
	if err != nil {
		return JoinRequest{}, err
	}
	return s.CreateDomainJoinRequest(ctx, p)
}
