package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// MemberStatus is a membership's status (OrganizationUser.Status).
type MemberStatus string

// The statuses of a membership.
const (
	// MemberStatusActive is a member with the access their role gives.
	MemberStatusActive MemberStatus = "active"
	// MemberStatusSuspended is a member without access: IsMember, IsAdmin, Access (and so the
	// orghttp guards), OrganizationsForUser and the actor checks treat them as a
	// non-member, and they hold no seat; their role and history stay, and ReactivateUser
	// restores them. They cannot leave (ErrPermissionDenied), and accepting an invitation
	// leaves them suspended: only ReactivateUser ends a suspension, or a removal by
	// someone else, which ends the membership. Members lists them, with their status. The
	// owner is never suspended.
	MemberStatusSuspended MemberStatus = "suspended"
)

// PermMembersSuspend allows Actor.SuspendUser and Actor.ReactivateUser of a member whose
// permissions are within the actor's. DefaultPolicy gives it to RoleAdmin.
const PermMembersSuspend Permission = "members:suspend"

// SuspensionStore is the optional interface of a Store that suspends members. A store
// implementing it treats a suspended member as a non-member everywhere else, in the same
// atomic steps: Access (IsMember false, no Membership), OrganizationsForUser, the actor of
// every actor-checked method (ErrPermissionDenied), the inviter whose invitation is
// accepted (ErrInviterNotAllowed), ChangeOwner's new owner (ErrNotMember) and the seats
// of a SeatStore; OrganizationUser and Members return suspended memberships with
// SuspendedAt set, as does GetOrAddUser (created false: a suspended member is not added
// again); AcceptInvitation by a suspended member closes the invitation and leaves the
// membership suspended, with its role. A suspended member cannot remove themselves
// (RemoveUser with the member as actor: ErrPermissionDenied, judged on the membership
// as the same atomic step locks it), so that no path lifts a suspension; RemoveUser by
// anyone else allowed to removes a suspended member as any other, and that ends the
// suspension with the membership: the user is then a non-member whom any usable
// invitation admits (to keep someone out, leave them suspended). The Service
// returns ErrNotSupported for SuspendUser and ReactivateUser on a store without it.
// MemoryStore and PostgresStore implement it.
type SuspensionStore interface {
	// SuspendUser suspends the member (SuspendedAt and UpdatedAt become p.Now) and
	// returns the membership before and after; a member already suspended is returned
	// unchanged (before equal to after). Actor-checked: PermMembersSuspend, and the
	// member's permissions within the actor's. Errors: ErrOrganizationNotFound,
	// ErrPermissionDenied, ErrNotMember, ErrOwnershipRequired (the member is the owner),
	// ErrEscalation.
	SuspendUser(ctx context.Context, p MemberStatusParams) (before, after OrganizationUser, err error)
	// ReactivateUser makes the suspended member active (SuspendedAt zero, UpdatedAt
	// p.Now) with the role they had, and returns the membership before and after; an
	// active member is returned unchanged. A SeatStore refuses it with ErrMemberLimit
	// when the organization's members would exceed its limit. Actor-checked as
	// SuspendUser. Errors: ErrOrganizationNotFound, ErrPermissionDenied, ErrNotMember,
	// ErrEscalation, ErrMemberLimit.
	ReactivateUser(ctx context.Context, p MemberStatusParams) (before, after OrganizationUser, err error)
}

// MemberStatusParams are the inputs of SuspensionStore.SuspendUser and ReactivateUser.
type MemberStatusParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the membership's organization.
	OrganizationID uuid.UUID
	// UserID is the member whose status changes.
	UserID UserID
	// Now is when the status changes.
	Now time.Time
}

// SuspendUser suspends user's membership of the organization and emits MemberSuspended:
// the member keeps their role and history but loses all access (see MemberStatusSuspended)
// until ReactivateUser. Suspending a suspended member changes nothing and emits
// nothing. It is unchecked: for trusted system code (see As).
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, ErrOwnershipRequired
// (the owner cannot be suspended), ErrNotSupported (the store is not a SuspensionStore),
// the store's error, or the context's error.
func (s *Service) SuspendUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	return s.setStatus(ctx, "", org, user, MemberStatusSuspended)
}

// ReactivateUser makes user's suspended membership of the organization active again,
// with the role it had, and emits MemberReactivated. It needs a seat when the
// organization has a member limit. Reactivating an active member changes nothing and
// emits nothing. It is unchecked: for trusted system code (see As).
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, ErrMemberLimit,
// ErrNotSupported (the store is not a SuspensionStore), the store's error, or the
// context's error.
func (s *Service) ReactivateUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	return s.setStatus(ctx, "", org, user, MemberStatusActive)
}

func (s *Service) setStatus(ctx context.Context, actor UserID, org uuid.UUID, user UserID, to MemberStatus) (OrganizationUser, error) {
	ss, err := need[SuspensionStore](ctx, s, checkOrg(org), checkUser(user))
	if err != nil {
		return OrganizationUser{}, err
	}
	p := MemberStatusParams{Auth: s.auth(actor), OrganizationID: org, UserID: user, Now: s.now()}
	var before, after OrganizationUser
	if to == MemberStatusSuspended {
		before, after, err = ss.SuspendUser(ctx, p)
	} else {
		before, after, err = ss.ReactivateUser(ctx, p)
	}
	if err != nil {
		return OrganizationUser{}, err
	}
	switch {
	case before.Status() == after.Status():
	case to == MemberStatusSuspended:
		emit(s, ctx, MemberSuspended{OrganizationUser: after, Actor: actor})
	default:
		emit(s, ctx, MemberReactivated{OrganizationUser: after, Actor: actor})
	}
	return after, nil
}

// SuspendUser is Service.SuspendUser, if the actor holds PermMembersSuspend and the
// member's permissions are within the actor's. A suspended actor holds no permission.
// Errors: as Service.SuspendUser, ErrPermissionDenied and ErrEscalation.
func (a *Actor) SuspendUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, err
	}
	return a.s.setStatus(ctx, a.actor, org, user, MemberStatusSuspended)
}

// ReactivateUser is Service.ReactivateUser, if the actor holds PermMembersSuspend and
// the member's permissions are within the actor's. Errors: as Service.ReactivateUser,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) ReactivateUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, err
	}
	return a.s.setStatus(ctx, a.actor, org, user, MemberStatusActive)
}
