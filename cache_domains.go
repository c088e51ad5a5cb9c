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

// AddDomain implements DomainStore.
func (c *CachedStore) AddDomain(ctx context.Context, p AddDomainParams) (Domain, error) {
	return passThrough(c, func(s DomainStore) (Domain, error) { return s.AddDomain(ctx, p) })
}

// Domain implements DomainStore; it is not cached.
func (c *CachedStore) Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	return passThrough(c, func(s DomainStore) (Domain, error) { return s.Domain(ctx, org, name) })
}

// ListDomains implements DomainStore; it is not cached.
func (c *CachedStore) ListDomains(ctx context.Context, p ListDomainsParams) ([]Domain, error) {
	return passThrough(c, func(s DomainStore) ([]Domain, error) { return s.ListDomains(ctx, p) })
}

// RemoveDomain implements DomainStore.
func (c *CachedStore) RemoveDomain(ctx context.Context, p DomainParams) (Domain, error) {
	return passThrough(c, func(s DomainStore) (Domain, error) { return s.RemoveDomain(ctx, p) })
}

// VerifyDomain implements DomainStore.
func (c *CachedStore) VerifyDomain(ctx context.Context, p VerifyDomainParams) (VerifyDomainResult, error) {
	return passThrough(c, func(s DomainStore) (VerifyDomainResult, error) { return s.VerifyDomain(ctx, p) })
}

// UnverifyDomain implements DomainStore.
func (c *CachedStore) UnverifyDomain(ctx context.Context, p DomainParams) (Domain, Domain, error) {
	return passThrough2(c, func(s DomainStore) (Domain, Domain, error) { return s.UnverifyDomain(ctx, p) })
}

// SetDomainEnrollment implements DomainStore.
func (c *CachedStore) SetDomainEnrollment(ctx context.Context, p SetDomainEnrollmentParams) (Domain, Domain, error) {
	return passThrough2(c, func(s DomainStore) (Domain, Domain, error) { return s.SetDomainEnrollment(ctx, p) })
}

// Enrollments implements DomainStore; it is not cached (it may write).
func (c *CachedStore) Enrollments(ctx context.Context, p EnrollmentsParams) ([]EnrollmentResult, error) {
	return passThrough(c, func(s DomainStore) ([]EnrollmentResult, error) { return s.Enrollments(ctx, p) })
}

// CreateDomainJoinRequest implements DomainStore.
func (c *CachedStore) CreateDomainJoinRequest(ctx context.Context, p CreateDomainJoinRequestParams) (JoinRequest, error) {
	return passThrough(c, func(s DomainStore) (JoinRequest, error) { return s.CreateDomainJoinRequest(ctx, p) })
}
