package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Two-phase ownership transfer: the owner proposes, the nominee accepts (or declines),
// and ownership moves in the accepting call's atomic step only if the proposal is still
// open and unexpired, its proposer still owns the organization and the nominee is still
// an active member. There is never a moment with no owner or two. ChangeOwner, the
// one-step transfer, stays.

// DefaultTransferTTL is how long an ownership transfer proposal stays open when
// Options.TransferTTL is zero.
const DefaultTransferTTL = 7 * 24 * time.Hour

// OwnershipTransfer is an open proposal to move an organization's ownership to Nominee,
// made by its owner ProposedBy. An organization has at most one.
type OwnershipTransfer struct {
	OrganizationID uuid.UUID `json:"organization_id"`
	Nominee        UserID    `json:"nominee"`
	ProposedBy     UserID    `json:"proposed_by"`
	CreatedAt      time.Time `json:"created_at"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// TransferStore is the optional interface of a Store that keeps ownership transfer
// proposals, one per organization. Each method is atomic; the Service returns
// ErrNotSupported for the transfer calls on a store without it. MemoryStore and
// PostgresStore implement it.
type TransferStore interface {
	// ProposeOwnershipTransfer records the proposal to make p.Nominee the owner, made by
	// the owner, created p.Now and expiring p.ExpiresAt, replacing the organization's
	// open proposal if any (returned as replaced, nil if none). Actor-checked: the
	// actor must be the owner. Errors: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrNotMember (the nominee is not an active member), ErrAlreadyOwner.
	ProposeOwnershipTransfer(ctx context.Context, p TransferParams) (t OwnershipTransfer, replaced *OwnershipTransfer, err error)
	// OwnershipTransfer returns the organization's open proposal as of now: unexpired,
	// its proposer still the owner, its nominee an active member. A proposal once closed
	// (accepted, declined, cancelled, replaced, its nominee removed or suspended, or the
	// owner changed by ChangeOwner or RemoveUserEverywhere) is gone from the store, and
	// never open again. Errors: ErrOrganizationNotFound, ErrTransferNotFound.
	OwnershipTransfer(ctx context.Context, org uuid.UUID, now time.Time) (OwnershipTransfer, error)
	// AcceptOwnershipTransfer makes the actor, who must be the nominee of the open
	// proposal, the owner (since p.Now) and an admin, keeping the proposer as an admin
	// member, and closes the proposal, in one atomic step that checks the proposal is
	// open as OwnershipTransfer says. Errors: ErrOrganizationNotFound,
	// ErrTransferNotFound, ErrPermissionDenied (the actor is not the nominee).
	AcceptOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, OwnerChange, error)
	// DeclineOwnershipTransfer closes the open proposal; the actor must be its nominee.
	// Errors: ErrOrganizationNotFound, ErrTransferNotFound, ErrPermissionDenied.
	DeclineOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error)
	// CancelOwnershipTransfer closes the open proposal; actor-checked: the actor must be
	// the owner. Errors: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrTransferNotFound.
	CancelOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error)
}

// TransferParams are the inputs of the TransferStore methods.
type TransferParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the organization whose ownership is to move.
	OrganizationID uuid.UUID
	// Nominee is the proposed owner (ProposeOwnershipTransfer only).
	Nominee UserID
	// Now is the time of the call, against which a proposal counts as expired.
	Now time.Time
	// ExpiresAt is the new proposal's expiry (ProposeOwnershipTransfer only).
	ExpiresAt time.Time
	// MaxOwned, if positive, is the per-user organization limit an OwnershipLimitStore
	// enforces in AcceptOwnershipTransfer: ErrOrganizationLimit, after the other errors,
	// if the nominee already owns that many organizations; the proposal stays open.
	// Zero: no limit.
	MaxOwned int
}

// transferTTL is Options.TransferTTL or DefaultTransferTTL.
func (s *Service) transferTTL() time.Duration {
	if s.opts.TransferTTL > 0 {
		return s.opts.TransferTTL
	}
	return DefaultTransferTTL
}

// ProposeOwnershipTransfer proposes, on behalf of the organization's owner, to make the
// active member nominee the owner, replacing any open proposal, and emits
// OwnershipTransferProposed. The proposal stays open for Options.TransferTTL, until the
// nominee accepts or declines it (Actor.AcceptOwnershipTransfer), the owner cancels it,
// or the nominee leaves, is removed or suspended. It is unchecked: for trusted system
// code; an owner's request goes through As(owner).
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember (nominee is not an
// active member), ErrAlreadyOwner, ErrNotSupported (the store is not a TransferStore),
// the store's error, or the context's error.
func (s *Service) ProposeOwnershipTransfer(ctx context.Context, org uuid.UUID, nominee UserID) (OwnershipTransfer, error) {
	return s.proposeTransfer(ctx, "", org, nominee)
}

func (s *Service) proposeTransfer(ctx context.Context, actor UserID, org uuid.UUID, nominee UserID) (OwnershipTransfer, error) {
	ts, err := need[TransferStore](ctx, s, checkOrg(org), checkUser(nominee))
	if err != nil {
		return OwnershipTransfer{}, err
	}
	now := s.now()
	t, replaced, err := ts.ProposeOwnershipTransfer(ctx, TransferParams{
		Auth: s.auth(actor), OrganizationID: org, Nominee: nominee, Now: now, ExpiresAt: Timestamp(now.Add(s.transferTTL())),
	})
	if err != nil {
		return OwnershipTransfer{}, err
	}
	emit(s, ctx, OwnershipTransferProposed{Transfer: t, Replaced: replaced, Actor: actor})
	return t, nil
}

// OwnershipTransfer returns the organization's open ownership transfer proposal, for a
// page that shows it to the owner or the nominee.
//
// Errors: ErrOrganizationNotFound, ErrTransferNotFound, ErrNotSupported, the store's
// error, or the context's error.
func (s *Service) OwnershipTransfer(ctx context.Context, org uuid.UUID) (OwnershipTransfer, error) {
	ts, err := need[TransferStore](ctx, s, checkOrg(org))
	if err != nil {
		return OwnershipTransfer{}, err
	}
	return ts.OwnershipTransfer(ctx, org, s.now())
}

// CancelOwnershipTransfer closes the organization's open proposal and emits
// OwnershipTransferCancelled. It is unchecked (see As).
//
// Errors: ErrOrganizationNotFound, ErrTransferNotFound, ErrNotSupported, the store's
// error, or the context's error.
func (s *Service) CancelOwnershipTransfer(ctx context.Context, org uuid.UUID) error {
	return s.closeTransfer(ctx, "", org, false)
}

func (s *Service) closeTransfer(ctx context.Context, actor UserID, org uuid.UUID, decline bool) error {
	ts, err := need[TransferStore](ctx, s, checkOrg(org))
	if err != nil {
		return err
	}
	p := TransferParams{Auth: s.auth(actor), OrganizationID: org, Now: s.now()}
	if decline {
		t, err := ts.DeclineOwnershipTransfer(ctx, p)
		if err != nil {
			return err
		}
		emit(s, ctx, OwnershipTransferDeclined{Transfer: t, Actor: actor})
		return nil
	}
	t, err := ts.CancelOwnershipTransfer(ctx, p)
	if err != nil {
		return err
	}
	emit(s, ctx, OwnershipTransferCancelled{Transfer: t, Actor: actor})
	return nil
}

// ProposeOwnershipTransfer is Service.ProposeOwnershipTransfer, if the actor is the
// owner. Errors: as Service.ProposeOwnershipTransfer, and ErrPermissionDenied.
func (a *Actor) ProposeOwnershipTransfer(ctx context.Context, org uuid.UUID, nominee UserID) (OwnershipTransfer, error) {
	if err := a.check(ctx); err != nil {
		return OwnershipTransfer{}, err
	}
	return a.s.proposeTransfer(ctx, a.actor, org, nominee)
}

// AcceptOwnershipTransfer makes the actor, the nominee of the organization's open
// proposal, its owner (and an admin), in one atomic step that checks that the proposal
// is open, unexpired, its proposer still the owner and the actor still an active member;
// the proposer stays an admin member. It emits OwnershipTransferAccepted, RoleChanged if
// the actor was promoted, and OwnerChanged.
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrTransferNotFound,
// ErrPermissionDenied (the actor is not the nominee), ErrOrganizationLimit (the actor
// owns Options.MaxOwnedOrganizations already; the proposal stays open),
// ErrNotSupported, the store's error, or the context's error.
func (a *Actor) AcceptOwnershipTransfer(ctx context.Context, org uuid.UUID) error {
	if err := a.check(ctx, checkOrg(org)); err != nil {
		return err
	}
	ts, err := optional[TransferStore](a.s.store)
	if err != nil {
		return err
	}
	maxOwned, err := a.s.ownedLimit()
	if err != nil {
		return err
	}
	t, c, err := ts.AcceptOwnershipTransfer(ctx, TransferParams{
		Auth: a.s.auth(a.actor), OrganizationID: org, Now: a.s.now(), MaxOwned: maxOwned,
	})
	if err != nil {
		return err
	}
	emit(a.s, ctx, OwnershipTransferAccepted{Transfer: t, Actor: a.actor})
	if c.NewOwnerBefore.Role != c.NewOwner.Role {
		emit(a.s, ctx, RoleChanged{Old: c.NewOwnerBefore, New: c.NewOwner, Actor: a.actor})
	}
	emit(a.s, ctx, OwnerChanged{Old: c.OldOwner, New: c.NewOwner, Actor: a.actor})
	return nil
}

// DeclineOwnershipTransfer closes the organization's open proposal, if the actor is its
// nominee, and emits OwnershipTransferDeclined. Errors: ErrInvalidUserID,
// ErrOrganizationNotFound, ErrTransferNotFound, ErrPermissionDenied, ErrNotSupported,
// the store's error, or the context's error.
func (a *Actor) DeclineOwnershipTransfer(ctx context.Context, org uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.closeTransfer(ctx, a.actor, org, true)
}

// CancelOwnershipTransfer is Service.CancelOwnershipTransfer, if the actor is the owner.
// Errors: as Service.CancelOwnershipTransfer, ErrInvalidUserID and ErrPermissionDenied.
func (a *Actor) CancelOwnershipTransfer(ctx context.Context, org uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.closeTransfer(ctx, a.actor, org, false)
}
