package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

var _ JoinRequestStore = (*CachedStore)(nil)

// CreateJoinRequest implements JoinRequestStore (ErrNotSupported if the wrapped store
// lacks it). It changes no membership: nothing is invalidated.
func (c *CachedStore) CreateJoinRequest(ctx context.Context, p CreateJoinRequestParams) (JoinRequest, error) {
	return passThrough(c, func(s JoinRequestStore) (JoinRequest, error) { return s.CreateJoinRequest(ctx, p) })
}

// JoinRequest implements JoinRequestStore (ErrNotSupported if the wrapped store lacks
// it); it is not cached.
func (c *CachedStore) JoinRequest(ctx context.Context, id uuid.UUID, now time.Time) (JoinRequest, error) {
	return passThrough(c, func(s JoinRequestStore) (JoinRequest, error) { return s.JoinRequest(ctx, id, now) })
}

// PendingJoinRequests implements JoinRequestStore (ErrNotSupported if the wrapped store
// lacks it); it is not cached.
func (c *CachedStore) PendingJoinRequests(ctx context.Context, p PendingJoinRequestsParams) ([]JoinRequest, error) {
	return passThrough(c, func(s JoinRequestStore) ([]JoinRequest, error) { return s.PendingJoinRequests(ctx, p) })
}

// DecideJoinRequest implements JoinRequestStore (ErrNotSupported if the wrapped store
// lacks it). An approval adds a member whose organization is known only from the
// result: it invalidates everything.
func (c *CachedStore) DecideJoinRequest(ctx context.Context, p DecideJoinRequestParams) (JoinRequest, OrganizationUser, error) {
	return passThrough2(c, func(s JoinRequestStore) (JoinRequest, OrganizationUser, error) {
		defer c.invalidateAll()
		return s.DecideJoinRequest(ctx, p)
	})
}

// WithdrawJoinRequest implements JoinRequestStore (ErrNotSupported if the wrapped store
// lacks it). It changes no membership: nothing is invalidated.
func (c *CachedStore) WithdrawJoinRequest(ctx context.Context, p WithdrawJoinRequestParams) (JoinRequest, error) {
	return passThrough(c, func(s JoinRequestStore) (JoinRequest, error) { return s.WithdrawJoinRequest(ctx, p) })
}
