package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store keeps organizations, memberships, ownership, invitations and activations. It has one
// method per domain operation and each method is atomic on its own: it happens completely
// or not at all, and concurrent calls never break the invariants listed in the package
// documentation. MemoryStore and PostgresStore implement it; the conformance suite
// organizationstest.TestStore states the contract in code.
//
// The Service validates input, generates IDs, slugs, timestamps and token hashes and emits
// events; a Store only stores. Values passed in are fully formed (times in UTC at
// microsecond precision) and the store returns them unchanged. Stores never emit events.
//
// Unless a method says otherwise, a store returns ErrOrganizationNotFound for an
// organization ID that does not exist, and the context's error when ctx is done.
type Store interface {
	// CreateOrganization inserts org, the owner's membership (owner.Role is RoleAdmin) and
	// the ownership together. If suffixSlug is true and org.Slug (the base) is taken, the
	// store uses SlugCandidate(org.Slug, n), n from a per-base counter it keeps: it starts
	// at 2, only increases, and skips candidates that are taken, so a suffix freed by a
	// delete or rename is not generated again and the cost does not grow with the number
	// of slugs sharing the base; otherwise a taken slug fails with ErrSlugTaken. It
	// returns the organization as stored.
	CreateOrganization(ctx context.Context, org Organization, owner OrganizationUser, suffixSlug bool) (Organization, error)
	// Organization returns the organization with this ID.
	Organization(ctx context.Context, id uuid.UUID) (Organization, error)
	// OrganizationBySlug returns the organization with this slug.
	OrganizationBySlug(ctx context.Context, slug string) (Organization, error)
	// UpdateOrganization applies the non-nil fields of u (already validated) and sets
	// UpdatedAt to now if any field changed. changed reports whether one did; when none
	// did, nothing is written. Errors: ErrOrganizationNotFound, ErrSlugTaken.
	UpdateOrganization(ctx context.Context, id uuid.UUID, u OrganizationUpdate, now time.Time) (org Organization, changed bool, err error)
	// DeleteOrganization deletes the organization with its memberships, ownership,
	// invitations and nothing else, and returns it as it was.
	DeleteOrganization(ctx context.Context, id uuid.UUID) (Organization, error)
	// OrganizationsForUser returns up to limit organizations the user is a member of, in
	// ascending organization ID order, starting after the ID after (uuid.Nil: from the
	// start). An unknown user has none.
	OrganizationsForUser(ctx context.Context, user UserID, after uuid.UUID, limit int) ([]Organization, error)

	// AddUser inserts the membership m. Errors: ErrOrganizationNotFound, ErrAlreadyMember.
	AddUser(ctx context.Context, m OrganizationUser) error
	// GetOrAddUser inserts m unless the user is already a member, in which case it returns
	// the existing membership unchanged and created false.
	GetOrAddUser(ctx context.Context, m OrganizationUser) (member OrganizationUser, created bool, err error)
	// RemoveUser deletes the user's membership and returns it. Errors:
	// ErrOrganizationNotFound, ErrNotMember, ErrOwnershipRequired (the user is the owner).
	RemoveUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error)
	// SetRole sets the member's role, updating UpdatedAt to now only if the role changes,
	// and returns the membership before and after. Errors: ErrOrganizationNotFound,
	// ErrNotMember, ErrOwnershipRequired (demoting the owner below admin).
	SetRole(ctx context.Context, org uuid.UUID, user UserID, role Role, now time.Time) (before, after OrganizationUser, err error)
	// OrganizationUser returns the user's membership. Errors: ErrOrganizationNotFound,
	// ErrNotMember.
	OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error)
	// OrganizationMember returns the organization with this ID (or, when id is uuid.Nil,
	// with this slug) together with user's standing in it, read in one atomic step: what
	// a request handler needs to authorize. user may be empty (an anonymous request): it
	// is nobody's member. Error: ErrOrganizationNotFound.
	OrganizationMember(ctx context.Context, id uuid.UUID, slug string, user UserID) (Membership, error)
	// Members returns up to limit memberships of the organization in ascending membership
	// ID order, starting after the membership ID after (uuid.Nil: from the start).
	Members(ctx context.Context, org uuid.UUID, after uuid.UUID, limit int) ([]OrganizationUser, error)

	// Owner returns the organization's ownership.
	Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error)
	// ChangeOwner makes the member newOwner the owner (since now) and an admin, keeping the
	// old owner as an admin member. If newOwner already owns the organization, nothing is
	// written and the result has Changed false. Errors: ErrOrganizationNotFound,
	// ErrNotMember.
	ChangeOwner(ctx context.Context, org uuid.UUID, newOwner UserID, now time.Time) (OwnerChange, error)

	// CreateInvitation inserts inv (status pending) with the SHA-256 hash of its token.
	// inv.InvitedBy must be an admin of the organization (ErrPermissionDenied otherwise,
	// checked in the same atomic step). ErrAlreadyInvited if the email has a pending
	// invitation to the organization that is unexpired at now (an expired one does not
	// count). Two concurrent calls for one email never both succeed. It returns the
	// invitation's organization, which the invitation message carries.
	CreateInvitation(ctx context.Context, inv Invitation, tokenHash []byte, now time.Time) (Organization, error)
	// InvitationByTokenHash returns the invitation with this token hash, its Status as of
	// now (a pending invitation is reported as InvitationStatusExpired from ExpiresAt on).
	// Error: ErrInvitationNotFound.
	InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Invitation, error)
	// Invitation returns the invitation with this ID, its status as of now. Error:
	// ErrInvitationNotFound.
	Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error)
	// AcceptInvitation accepts the pending invitation with this token hash for user, whose
	// verified, normalised email is email, and makes the membership m (m.Role is the
	// invitation's role, set by the store) unless the user is already a member. All or
	// nothing. See AcceptResult. Errors, in this order: ErrInvitationNotFound,
	// ErrInvitationClosed (declined, revoked, or accepted by another user),
	// ErrInvitationExpired, ErrInvitationEmailMismatch (email-bound and email differs),
	// ErrPermissionDenied (user is the inviter).
	AcceptInvitation(ctx context.Context, tokenHash []byte, user UserID, email string, m OrganizationUser, now time.Time) (AcceptResult, error)
	// DeclineInvitation closes the pending invitation with this token hash as declined.
	// Errors: ErrInvitationNotFound, ErrInvitationClosed, ErrInvitationExpired,
	// ErrInvitationEmailMismatch.
	DeclineInvitation(ctx context.Context, tokenHash []byte, email string, now time.Time) (Invitation, error)
	// RevokeInvitation closes the pending invitation as revoked; actor must be an admin of
	// its organization. Errors: ErrInvitationNotFound, ErrPermissionDenied,
	// ErrInvitationClosed, ErrInvitationExpired.
	RevokeInvitation(ctx context.Context, id uuid.UUID, actor UserID, now time.Time) (Invitation, error)
	// RenewInvitation replaces the token hash of a pending invitation (expired ones too) and
	// sets its expiry; actor must be an admin of its organization. Errors:
	// ErrInvitationNotFound, ErrPermissionDenied, ErrInvitationClosed, ErrAlreadyInvited
	// (the invitation had expired and the email has a newer pending one).
	RenewInvitation(ctx context.Context, id uuid.UUID, actor UserID, tokenHash []byte, expiresAt, now time.Time) (Invitation, error)
	// DeleteInvitation deletes the invitation with this ID, whatever its status (used to
	// undo an Invite whose message could not be sent, so that no pending invitation is
	// left behind). Deleting one that does not exist is not an error.
	DeleteInvitation(ctx context.Context, id uuid.UUID) error
	// PendingInvitations returns up to limit pending, unexpired invitations of the
	// organization in ascending ID order after the ID after.
	PendingInvitations(ctx context.Context, org uuid.UUID, after uuid.UUID, limit int, now time.Time) ([]Invitation, error)
	// InvitationsForEmail returns the pending, unexpired invitations for the normalised
	// email across all organizations, in ascending ID order.
	InvitationsForEmail(ctx context.Context, email string, now time.Time) ([]Invitation, error)

	// CreateActivation inserts a sign-up activation with the SHA-256 hash of its token.
	CreateActivation(ctx context.Context, a Activation, tokenHash []byte) error
	// ActivationByTokenHash returns the activation with this token hash. Errors:
	// ErrActivationNotFound, ErrActivationUsed, ErrActivationExpired.
	ActivationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Activation, error)
	// CompleteActivation marks the activation used and activates every inactive
	// organization its user owns, in one atomic step, returning those organizations.
	// Errors: ErrActivationNotFound, ErrActivationUsed, ErrActivationExpired.
	CompleteActivation(ctx context.Context, tokenHash []byte, now time.Time) (Activation, []Organization, error)
	// DeleteActivation deletes the activation with this ID (used to undo a failed
	// sign-up). Deleting one that does not exist is not an error.
	DeleteActivation(ctx context.Context, id uuid.UUID) error
}

// OwnerChange is what Store.ChangeOwner did.
type OwnerChange struct {
	// OldOwner is the previous owner's membership (unchanged: still an admin member).
	OldOwner OrganizationUser
	// NewOwnerBefore is the new owner's membership before the change (its role may have
	// been member).
	NewOwnerBefore OrganizationUser
	// NewOwner is the new owner's membership after the change (role admin).
	NewOwner OrganizationUser
	// Changed is false when newOwner already was the owner; nothing was written then.
	Changed bool
}

// AcceptResult is what Store.AcceptInvitation did.
type AcceptResult struct {
	// Invitation is the invitation after the call (status accepted).
	Invitation Invitation
	// Membership is the user's membership: the one made, or the one the user already had.
	Membership OrganizationUser
	// Accepted is true when this call moved the invitation from pending to accepted; false
	// when the same user had already accepted it.
	Accepted bool
	// MembershipCreated is true when this call made the membership.
	MembershipCreated bool
}
