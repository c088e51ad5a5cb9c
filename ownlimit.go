package organizations

import "context"

// Per-user organization limit: Options.MaxOwnedOrganizations caps how many organizations
// one user may own. Every path that makes a user an owner checks it in the store's atomic
// step, against the organizations the user owns as that step finds them:
// CreateOrganization (and Register), ChangeOwner, and Actor.AcceptOwnershipTransfer (the
// nominee's count). Concurrent calls for one user are serialised by the store (on
// PostgreSQL, a transaction-scoped advisory lock keyed by the user; in memory, the user's
// shard of the user index), so parallel creates by a user who owns limit − 1
// organizations make exactly one. Inactive organizations count. Lowering the limit below
// what a user owns takes nothing away: it only refuses new ownership. RemoveUserEverywhere,
// which hands a departing user's organizations to their admins, is not limited: leaving
// must not fail because an heir owns enough already.

// OwnershipLimitStore is the optional interface of a Store that enforces the per-user
// organization limit: the MaxOwned field of CreateOrganizationParams, ChangeOwnerParams
// and TransferParams (AcceptOwnershipTransfer). A store that implements it refuses, with
// ErrOrganizationLimit and in the same atomic step as the write, a call that would make
// a user who already owns MaxOwned organizations (or more) the owner of one more; zero
// MaxOwned means no limit. A Service with Options.MaxOwnedOrganizations set returns
// ErrNotSupported for those calls on a store without it, so that no store silently
// ignores the limit. MemoryStore and PostgresStore implement it.
type OwnershipLimitStore interface {
	// CountOwnedOrganizations returns how many organizations user owns (inactive ones
	// included): what the limit is checked against. An unknown user owns none.
	CountOwnedOrganizations(ctx context.Context, user UserID) (int, error)
}

// ownedLimit returns Options.MaxOwnedOrganizations when the store can enforce it, 0
// when there is none, or ErrNotSupported.
func (s *Service) ownedLimit() (int, error) {
	if s.opts.MaxOwnedOrganizations <= 0 {
		return 0, nil
	}
	if !supports[OwnershipLimitStore](s.store) {
		return 0, ErrNotSupported
	}
	return s.opts.MaxOwnedOrganizations, nil
}

// OwnedOrganizations returns how many organizations user owns (inactive ones included)
// and the limit Options.MaxOwnedOrganizations sets (0: none), for a page that says "3 of
// 5 organizations". A create the count allows may still be refused: the store decides
// again in its atomic step.
//
// Errors: ErrInvalidUserID, ErrNotSupported (the store, or a store it wraps, is not an OwnershipLimitStore),
// the store's error, or the context's error.
func (s *Service) OwnedOrganizations(ctx context.Context, user UserID) (owned, limit int, err error) {
	if err := ready(ctx, checkUser(user)); err != nil {
		return 0, 0, err
	}
	ls, err := enforcing[OwnershipLimitStore](s.store)
	if err != nil {
		return 0, 0, err
	}
	n, err := ls.CountOwnedOrganizations(ctx, user)
	if err != nil {
		return 0, 0, err
	}
	return n, max(s.opts.MaxOwnedOrganizations, 0), nil
}
