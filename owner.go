package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// OrganizationOwner is an organization's ownership: which membership owns it, and since
// when. Every organization has exactly one owner, always an admin member; ownership moves
// only by ChangeOwner.
type OrganizationOwner struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	// OrganizationUser is the owner's membership.
	OrganizationUser OrganizationUser `json:"organization_user"`
	// Since is when this member became the owner.
	Since time.Time `json:"since"`
}

// Owner returns the organization's ownership. Errors: ErrOrganizationNotFound, the store's
// error, or the context's error.
func (s *Service) Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error) {
	if err := ready(ctx, checkOrg(org)); err != nil {
		return OrganizationOwner{}, err
	}
	return s.store.Owner(ctx, org)
}

// IsOwner reports whether user owns the organization. An unknown organization or user, or
// an invalid UserID, gives false and no error.
//
// Errors: the store's error, or the context's error.
func (s *Service) IsOwner(ctx context.Context, org uuid.UUID, user UserID) (bool, error) {
	if err := ready(ctx); err != nil {
		return false, err
	}
	if org == uuid.Nil || !user.Valid() {
		return false, nil
	}
	o, err := s.store.Owner(ctx, org)
	if errors.Is(err, ErrOrganizationNotFound) {
		return false, nil
	}
	return err == nil && o.OrganizationUser.UserID == user, err
}

// ChangeOwner transfers ownership to newOwner, who must already be a member and is made an
// admin if they were not (emitting RoleChanged); the old owner stays an admin member. It
// emits OwnerChanged. Transferring to the current owner succeeds, changes nothing and
// emits nothing. It is unchecked: for trusted system code; a transfer asked for by a user
// goes through As(user).ChangeOwner, which only the owner may make.
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, ErrOrganizationLimit
// (newOwner owns Options.MaxOwnedOrganizations already), ErrNotSupported (that option
// on a store that is not an OwnershipLimitStore), the store's error, or the context's
// error.
func (s *Service) ChangeOwner(ctx context.Context, org uuid.UUID, newOwner UserID) error {
	return s.changeOwner(ctx, "", org, newOwner)
}

func (s *Service) changeOwner(ctx context.Context, actor UserID, org uuid.UUID, newOwner UserID) error {
	if err := ready(ctx, checkOrg(org), checkUser(newOwner)); err != nil {
		return err
	}
	maxOwned, err := s.ownedLimit()
	if err != nil {
		return err
	}
	c, err := s.store.ChangeOwner(ctx, ChangeOwnerParams{
		Auth: s.auth(actor), OrganizationID: org, NewOwner: newOwner, Now: s.now(), MaxOwned: maxOwned,
	})
	if err != nil || !c.Changed {
		return err
	}
	if c.NewOwnerBefore.Role != c.NewOwner.Role {
		emit(s, ctx, RoleChanged{Old: c.NewOwnerBefore, New: c.NewOwner, Actor: actor})
	}
	emit(s, ctx, OwnerChanged{Old: c.OldOwner, New: c.NewOwner, Actor: actor})
	return nil
}
