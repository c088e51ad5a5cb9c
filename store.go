package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store keeps organizations, memberships, ownership and invitations. It has one method per
// domain operation and each method is atomic on its own: it happens completely or not at
// all, and concurrent calls never break the invariants listed in the package
// documentation. MemoryStore and PostgresStore implement it; the conformance suite
// organizationstest.TestStore states the contract in code.
//
// The Service validates input, generates IDs, slugs, timestamps and token hashes and emits
// events; a Store only stores. Values passed in are fully formed (times in UTC at
// microsecond precision) and the store returns them unchanged. Stores never call
// Options.Events; a store that implements EventStore writes each change's EventRecords in
// the change's own atomic step.
//
// Unless a method says otherwise, a store returns ErrOrganizationNotFound for an
// organization ID that does not exist, and the context's error when ctx is done.
//
// # How the interface evolves
//
// Store is the core every store implements. A method with several inputs takes a params
// struct (CreateOrganizationParams, ...), so that no two inputs of one type can be swapped
// silently. New capabilities arrive as optional interfaces that a store may implement
// besides Store, detected by a type assertion (ActivationStore is the first); a Service
// call that needs one the store lacks returns ErrNotSupported and changes nothing. A
// params struct gains a field only when its zero value keeps the earlier meaning for a
// store that does not know the field; a field that changes what a store must enforce (an
// actor to check, a limit) comes with a new method or optional interface instead, so that
// an older store can never silently skip a check. The conformance suite runs the tests of
// an optional interface only against stores that implement it, and reports the others as
// skipped.
//
// One exception was made before v1.0, when no third-party store existed: authorization
// (Authorization, the custom-role methods, the Policy fields) changed the core itself,
// so that every store must decide an actor's rights inside the atomic step of the write.
// From v1.0 on the rule above holds without exception.
//
// # Authorization
//
// The params of the methods that change an organization carry an Authorization. Its
// zero Actor is an unchecked call by trusted system code; a non-empty Actor makes the
// method refuse, in the same atomic step as the write (a PostgreSQL statement that locks
// the actor's membership row, and the organization row where ownership matters; one
// critical section in memory), with ErrPermissionDenied, or ErrEscalation (which wraps
// it), when the actor may not do it by the rules of the package documentation
// ("Actor-checked operations"), evaluated on Policy (nil: DefaultPolicy) and the
// organization's custom roles. Each method names the permission it requires. The
// precedence of errors: ErrOrganizationNotFound, then ErrPermissionDenied for an actor
// without the permission, then the method's own errors about its target
// (ErrNotMember, ErrInvalidRole, ErrRoleNotFound), then ErrOwnershipRequired, then
// ErrEscalation, then conflicts (ErrAlreadyMember, ErrAlreadyInvited, ErrRoleExists,
// ErrRoleInUse, ErrSlugTaken). A refused call changes nothing. The invitation methods
// carry one too: CreateInvitation, RevokeInvitation and RenewInvitation have no
// unchecked form (an empty Actor is ErrPermissionDenied), and AcceptInvitation's Actor
// is the accepting user, whom the token entitles (its Policy judges the inviter's
// rights).
//
// Roles: any role the Policy declares or the organization's custom roles define is
// accepted by the methods that store a role; anything else is ErrInvalidRole, also for
// unchecked calls (a custom role's existence is checked in the same atomic step).
type Store interface {
	// CreateOrganization inserts p.Organization, the owner's membership p.Owner (Role
	// RoleAdmin) and the ownership together. If p.SuffixSlug is true and the slug (the
	// base) is taken, the store uses SlugCandidate(base, n), n from a per-base counter it
	// keeps: it starts at 2, only increases, and skips candidates that are taken, so a
	// suffix freed by a delete or rename is not generated again and the cost does not grow
	// with the number of slugs sharing the base; otherwise a taken slug fails with
	// ErrSlugTaken. It returns the organization as stored.
	CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error)
	// Organization returns the organization with this ID.
	Organization(ctx context.Context, id uuid.UUID) (Organization, error)
	// OrganizationBySlug returns the organization with this slug.
	OrganizationBySlug(ctx context.Context, slug string) (Organization, error)
	// UpdateOrganization applies the non-nil fields of p.Update (already validated) and
	// sets UpdatedAt to p.Now if any field changed. changed reports whether one did; when
	// none did, nothing is written. Actor-checked: PermOrganizationUpdate. Errors:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrSlugTaken.
	UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (org Organization, changed bool, err error)
	// DeleteOrganization deletes the organization with its memberships, ownership,
	// invitations, custom roles and nothing else, and returns it as it was.
	// Actor-checked: the actor must be the owner. Errors: ErrOrganizationNotFound,
	// ErrPermissionDenied.
	DeleteOrganization(ctx context.Context, p DeleteOrganizationParams) (Organization, error)
	// OrganizationsForUser returns up to p.Limit organizations p.UserID is a member of, in
	// ascending organization ID order, starting after the ID p.After (uuid.Nil: from the
	// start). An unknown user has none.
	OrganizationsForUser(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error)

	// AddUser inserts the membership p.Membership. Actor-checked: PermMembersAdd, and
	// the role's permissions within the actor's. Errors: ErrOrganizationNotFound,
	// ErrPermissionDenied, ErrInvalidRole, ErrAlreadyMember, ErrEscalation.
	AddUser(ctx context.Context, p AddUserParams) error
	// GetOrAddUser inserts p.Membership unless the user is already a member, in which
	// case it returns the existing membership unchanged and created false. Actor-checked
	// as AddUser (an existing membership is returned once the actor holds
	// PermMembersAdd, whatever its role). Errors: as AddUser, less ErrAlreadyMember.
	GetOrAddUser(ctx context.Context, p AddUserParams) (member OrganizationUser, created bool, err error)
	// RemoveUser deletes the user's membership and returns it. Actor-checked:
	// PermMembersRemove, and the member's permissions within the actor's; an actor may
	// always remove themselves, unless suspended (a SuspensionStore refuses a suspended
	// member's leaving with ErrPermissionDenied, judged on the membership in the same
	// atomic step: leaving and being invited back would lift the suspension). Errors:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrNotMember, ErrOwnershipRequired
	// (the user is the owner), ErrEscalation.
	RemoveUser(ctx context.Context, p RemoveUserParams) (OrganizationUser, error)
	// SetRole sets the member's role to p.Role, updating UpdatedAt to p.Now only if the
	// role changes, and returns the membership before and after. Actor-checked:
	// PermMembersRoles, and both the member's current permissions and the new role's
	// within the actor's. Errors: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrNotMember, ErrInvalidRole, ErrOwnershipRequired (changing the owner's role),
	// ErrEscalation.
	SetRole(ctx context.Context, p SetRoleParams) (before, after OrganizationUser, err error)
	// OrganizationUser returns the user's membership. Errors: ErrOrganizationNotFound,
	// ErrNotMember.
	OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error)
	// Access returns the organization with ID p.OrganizationID (or, when that is uuid.Nil,
	// with slug p.Slug) together with p.UserID's access to it, read in one atomic step:
	// what a request handler needs to authorize. p.UserID may be empty (an anonymous
	// request): it is nobody's member. When the member's role is a custom role of the
	// organization, Access.CustomRole is its definition (nil otherwise); the store leaves
	// the permission set to the Service. Error: ErrOrganizationNotFound.
	Access(ctx context.Context, p AccessParams) (Access, error)
	// Members returns up to p.Limit memberships of the organization in ascending
	// membership ID order, starting after the membership ID p.After (uuid.Nil: from the
	// start).
	Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error)

	// Owner returns the organization's ownership.
	Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error)
	// ChangeOwner makes the member p.NewOwner the owner (since p.Now) and an admin,
	// keeping the old owner as an admin member. If p.NewOwner already owns the
	// organization, nothing is written and the result has Changed false. A change of
	// owner closes the organization's ownership transfer proposal (a TransferStore's), in
	// the same atomic step, for good: the proposal is deleted, so it does not open again
	// when the organization comes back to its proposer. Actor-checked: the actor must be
	// the owner. Errors: ErrOrganizationNotFound, ErrPermissionDenied, ErrNotMember.
	ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error)

	// CreateRole inserts the custom role p.Role (validated against p.Auth.Policy by the
	// Service: a name no declared role has, declared includes, known permissions).
	// Actor-checked: PermRolesManage, and the role's permissions within the actor's.
	// Errors: ErrOrganizationNotFound, ErrPermissionDenied, ErrRoleExists, ErrEscalation.
	CreateRole(ctx context.Context, p CreateRoleParams) (CustomRole, error)
	// UpdateRole replaces the includes and permissions of the custom role p.Role.Name
	// and sets its UpdatedAt (p.Role.UpdatedAt), returning it before and after.
	// Actor-checked: PermRolesManage, and both its current and its new permissions within
	// the actor's. Errors: ErrOrganizationNotFound, ErrPermissionDenied, ErrRoleNotFound,
	// ErrEscalation.
	UpdateRole(ctx context.Context, p UpdateRoleParams) (before, after CustomRole, err error)
	// DeleteRole deletes the custom role p.Name unless a member holds it, or an
	// invitation that is pending or expired-but-renewable does (ErrRoleInUse; on
	// PostgreSQL the schema's foreign keys hold this against concurrent assignments).
	// Actor-checked: PermRolesManage, and its permissions within the actor's. Errors:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrRoleNotFound, ErrEscalation,
	// ErrRoleInUse.
	DeleteRole(ctx context.Context, p DeleteRoleParams) (CustomRole, error)
	// CustomRoles returns the organization's custom roles in name order. Error:
	// ErrOrganizationNotFound.
	CustomRoles(ctx context.Context, org uuid.UUID) ([]CustomRole, error)

	// CreateInvitation inserts p.Invitation (status pending) with p.TokenHash, the
	// SHA-256 hash of its token. Its InvitedBy is the actor, p.Auth.Actor, checked in the
	// same atomic step: PermInvitationsCreate (ErrPermissionDenied; an empty actor too), a
	// role the policy declares or a custom role of the organization (ErrInvalidRole),
	// whose permissions are within the inviter's (ErrEscalation), all evaluated on
	// p.Auth.Policy. ErrAlreadyInvited
	// if the email has a pending invitation to the organization that is unexpired at p.Now
	// (an expired one does not count). Two concurrent calls for one email never both
	// succeed. It returns the invitation's organization, which the invitation message
	// carries. A TeamInvitationStore also checks p.Invitation.Teams in the same step,
	// after ErrEscalation: PermTeamsManage (ErrPermissionDenied), each a team of the
	// organization (ErrTeamNotFound), each team role within the inviter's permissions in
	// its team (ErrEscalation); and stores them.
	CreateInvitation(ctx context.Context, p CreateInvitationParams) (Organization, error)
	// InvitationByTokenHash returns the invitation with this token hash, its Status as of
	// now (Invitation.StatusAt), together with its organization as stored at the time of
	// the read, in one atomic step (one statement in PostgreSQL). Error:
	// ErrInvitationNotFound.
	InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (InvitationDetails, error)
	// Invitation returns the invitation with this ID, its Status as of now
	// (Invitation.StatusAt). Error: ErrInvitationNotFound.
	Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error)
	// AcceptInvitation accepts the pending invitation with hash p.TokenHash for
	// p.Auth.Actor, whose verified, normalised email is p.Email, and makes the membership
	// p.Membership (its OrganizationID and Role are the invitation's, set by the store)
	// unless the user is already a member. All or nothing. See AcceptResult. Errors, in
	// this order: ErrInvitationNotFound, then the error of the invitation's status as of
	// p.Now (InvitationStatus.Err: ErrInvitationClosed for one declined, revoked or
	// accepted by another user; ErrInvitationExpired), ErrInvitationEmailMismatch
	// (email-bound and p.Email differs), ErrPermissionDenied (the user is the inviter),
	// ErrInviterNotAllowed (the inviter, evaluated on p.Auth.Policy in the same atomic
	// step, is no longer a member, no longer holds PermInvitationsCreate, or may no
	// longer grant the invitation's role: the invitation stays pending). A
	// TeamInvitationStore also joins the invitation's teams in the same step, after the
	// records above, and checks the inviter's right to grant their team roles with the
	// rest (ErrInviterNotAllowed): see TeamInvitationStore and AcceptResult.TeamMembers.
	AcceptInvitation(ctx context.Context, p AcceptInvitationParams) (AcceptResult, error)
	// DeclineInvitation closes the pending invitation with hash p.TokenHash as declined.
	// Errors: ErrInvitationNotFound, ErrInvitationClosed, ErrInvitationExpired,
	// ErrInvitationEmailMismatch.
	DeclineInvitation(ctx context.Context, p DeclineInvitationParams) (Invitation, error)
	// RevokeInvitation closes the pending invitation as revoked; p.Auth.Actor must hold
	// PermInvitationsRevoke in its organization (evaluated on p.Auth.Policy in the same
	// atomic step). Errors: ErrInvitationNotFound, ErrPermissionDenied,
	// ErrInvitationClosed, ErrInvitationExpired.
	RevokeInvitation(ctx context.Context, p RevokeInvitationParams) (Invitation, error)
	// RenewInvitation replaces the token hash of a pending invitation (expired ones too)
	// with p.TokenHash, sets its expiry to p.ExpiresAt and makes p.Auth.Actor its inviter
	// (InvitedBy), whose rights AcceptInvitation checks from then on. p.Auth.Actor must
	// hold PermInvitationsRevoke (the old token dies) and may invite with the invitation's
	// role, as for CreateInvitation: PermInvitationsCreate, and the role's permissions
	// within the actor's. Both are evaluated on p.Auth.Policy in the same atomic step.
	// There is no unchecked renewal: an empty p.Auth.Actor is ErrPermissionDenied, since every
	// invitation has an inviter who vouches for it. It returns the renewed invitation with
	// its organization as stored at that moment (what the invitation message needs, so
	// that ResendInvitation needs no second call). Errors, in this order:
	// ErrInvitationNotFound, ErrPermissionDenied, ErrInvitationClosed, ErrEscalation,
	// ErrAlreadyInvited (the invitation had expired and the email has a newer pending
	// one), ErrMemberLimit (see SeatStore).
	RenewInvitation(ctx context.Context, p RenewInvitationParams) (InvitationDetails, error)
	// DeleteInvitation deletes the invitation with this ID, whatever its status (used to
	// undo an Invite whose message could not be sent, so that no pending invitation is
	// left behind). Deleting one that does not exist is not an error.
	DeleteInvitation(ctx context.Context, id uuid.UUID) error
	// PendingInvitations returns up to p.Limit invitations of the organization that are
	// pending as of p.Now (Invitation.StatusAt), in ascending ID order after the ID
	// p.After.
	PendingInvitations(ctx context.Context, p PendingInvitationsParams) ([]Invitation, error)
	// InvitationsForEmail returns the invitations for the normalised email that are
	// pending as of now, across all organizations, in ascending ID order, each with its
	// organization, all read in one atomic step (one statement in PostgreSQL). None is an
	// empty slice, not an error.
	InvitationsForEmail(ctx context.Context, email string, now time.Time) ([]InvitationDetails, error)
}

// ActivationStore is the optional interface of a Store that keeps sign-up activations,
// which Service.Register and Service.Activate need (they return ErrNotSupported on a store
// without it). MemoryStore and PostgresStore implement it.
type ActivationStore interface {
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

// CreateOrganizationParams are the inputs of Store.CreateOrganization.
type CreateOrganizationParams struct {
	// Organization is the organization to insert, fully formed.
	Organization Organization
	// Owner is the owner's first membership (Role RoleAdmin); its CreatedAt is also when
	// the ownership starts.
	Owner OrganizationUser
	// SuffixSlug says that Organization.Slug was generated from the name, so a taken one
	// gets a suffix (-2, -3, ...) instead of failing with ErrSlugTaken.
	SuffixSlug bool
	// MaxOwned, if positive, is the per-user organization limit an OwnershipLimitStore
	// enforces: ErrOrganizationLimit, before ErrSlugTaken, if the owner already owns
	// that many. Zero: no limit. A store that is not an OwnershipLimitStore never gets
	// it set.
	MaxOwned int
}

// Authorization says who acts in a call that changes an organization, and under which
// Policy: see "Authorization" in the Store documentation. The zero value is an unchecked
// call by trusted system code under DefaultPolicy.
type Authorization struct {
	// Actor is the acting user; empty for an unchecked call.
	Actor UserID
	// Policy is the policy the call is evaluated on (the roles it accepts and, with an
	// Actor, the rights); nil means DefaultPolicy.
	Policy *Policy
}

// UpdateOrganizationParams are the inputs of Store.UpdateOrganization.
type UpdateOrganizationParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the organization to update.
	OrganizationID uuid.UUID
	// Update lists the fields to set (nil: unchanged), already validated.
	Update OrganizationUpdate
	// Now becomes UpdatedAt if anything changes.
	Now time.Time
}

// DeleteOrganizationParams are the inputs of Store.DeleteOrganization.
type DeleteOrganizationParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the organization to delete.
	OrganizationID uuid.UUID
}

// AddUserParams are the inputs of Store.AddUser and Store.GetOrAddUser.
type AddUserParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// Membership is the membership to insert, fully formed.
	Membership OrganizationUser
}

// RemoveUserParams are the inputs of Store.RemoveUser.
type RemoveUserParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the membership's organization.
	OrganizationID uuid.UUID
	// UserID is the member to remove.
	UserID UserID
}

// CreateRoleParams are the inputs of Store.CreateRole.
type CreateRoleParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// Role is the custom role to insert, fully formed (includes and permissions sorted
	// and distinct).
	Role CustomRole
}

// UpdateRoleParams are the inputs of Store.UpdateRole.
type UpdateRoleParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// Role names the custom role (OrganizationID, Name) and gives its new Includes,
	// Permissions and UpdatedAt; CreatedAt is ignored.
	Role CustomRole
}

// DeleteRoleParams are the inputs of Store.DeleteRole.
type DeleteRoleParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the role's organization.
	OrganizationID uuid.UUID
	// Name is the custom role to delete.
	Name Role
}

// OrganizationsForUserParams are the inputs of Store.OrganizationsForUser.
type OrganizationsForUserParams struct {
	// UserID is the member whose organizations are listed.
	UserID UserID
	// After is the ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most organizations returned.
	Limit int
}

// SetRoleParams are the inputs of Store.SetRole.
type SetRoleParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the membership's organization.
	OrganizationID uuid.UUID
	// UserID is the member whose role is set.
	UserID UserID
	// Role is the new role.
	Role Role
	// Now becomes the membership's UpdatedAt if the role changes.
	Now time.Time
}

// AccessParams are the inputs of Store.Access: the organization by ID, or by Slug when
// OrganizationID is uuid.Nil, and the user whose access is read.
type AccessParams struct {
	// OrganizationID is the organization's ID, or uuid.Nil to look it up by Slug.
	OrganizationID uuid.UUID
	// Slug is the organization's slug, used only when OrganizationID is uuid.Nil.
	Slug string
	// UserID is the user whose access is read; empty for an anonymous request.
	UserID UserID
}

// MembersParams are the inputs of Store.Members.
type MembersParams struct {
	// OrganizationID is the organization whose memberships are listed.
	OrganizationID uuid.UUID
	// After is the membership ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most memberships returned.
	Limit int
}

// ChangeOwnerParams are the inputs of Store.ChangeOwner.
type ChangeOwnerParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID is the organization whose ownership moves.
	OrganizationID uuid.UUID
	// NewOwner is the member who becomes the owner.
	NewOwner UserID
	// Now is when the new ownership starts (and the promotion's UpdatedAt, if any).
	Now time.Time
	// MaxOwned, if positive, is the per-user organization limit an OwnershipLimitStore
	// enforces: ErrOrganizationLimit, after the other errors, if NewOwner already owns
	// that many organizations (a call that changes nothing is not refused). Zero: no
	// limit.
	MaxOwned int
}

// CreateInvitationParams are the inputs of Store.CreateInvitation.
type CreateInvitationParams struct {
	// Auth is who acts, under which policy: Auth.Actor is the inviter (never empty: there
	// is no unchecked invitation), whom the store records as the invitation's InvitedBy;
	// the inviter's rights and the role are evaluated on Auth.Policy.
	Auth Authorization
	// Invitation is the invitation to insert, fully formed, status pending; its InvitedBy
	// is Auth.Actor (the store sets it).
	Invitation Invitation
	// TokenHash is the SHA-256 hash of the invitation's token.
	TokenHash []byte
	// Now is the time against which an existing pending invitation counts as expired.
	Now time.Time
}

// AcceptInvitationParams are the inputs of Store.AcceptInvitation.
type AcceptInvitationParams struct {
	// Auth is who acts, under which policy: Auth.Actor is the accepting user, who becomes
	// the member (the token entitles them: no permission of theirs is checked);
	// Auth.Policy is the policy the inviter's rights are evaluated on.
	Auth Authorization
	// TokenHash is the SHA-256 hash of the presented token.
	TokenHash []byte
	// Email is the user's verified, normalised email; empty for none.
	Email string
	// Membership is the membership to make; the store sets its OrganizationID, UserID
	// and Role from the invitation and Auth.Actor.
	Membership OrganizationUser
	// Now is when the invitation is accepted.
	Now time.Time
	// NewID makes the IDs of the team memberships a TeamInvitationStore makes for an
	// invitation naming teams (Options.NewID); nil makes none, and joins no team.
	NewID func() uuid.UUID
	// MaxTeamMembers, if positive, is how many members a team may have: a
	// TeamInvitationStore skips a team of the invitation that has that many, counted in
	// the same atomic step (Options.MaxTeamMembers).
	MaxTeamMembers int
}

// DeclineInvitationParams are the inputs of Store.DeclineInvitation.
type DeclineInvitationParams struct {
	// TokenHash is the SHA-256 hash of the presented token.
	TokenHash []byte
	// Email is the decliner's verified, normalised email; empty for none.
	Email string
	// Now is when the invitation is declined.
	Now time.Time
}

// RevokeInvitationParams are the inputs of Store.RevokeInvitation.
type RevokeInvitationParams struct {
	// Auth is who acts, under which policy: Auth.Actor is the user revoking the
	// invitation, who must hold PermInvitationsRevoke (never empty: there is no unchecked
	// revocation).
	Auth Authorization
	// InvitationID is the invitation to revoke.
	InvitationID uuid.UUID
	// Now is when the invitation is revoked.
	Now time.Time
}

// RenewInvitationParams are the inputs of Store.RenewInvitation.
type RenewInvitationParams struct {
	// Auth is who acts, under which policy: Auth.Actor is the user renewing the
	// invitation, who must hold PermInvitationsRevoke and may invite with its role, and
	// who becomes its inviter. Never empty.
	Auth Authorization
	// InvitationID is the invitation to renew.
	InvitationID uuid.UUID
	// TokenHash is the SHA-256 hash of the new token.
	TokenHash []byte
	// ExpiresAt is the new expiry.
	ExpiresAt time.Time
	// Now is the time against which the invitation and others of its email count as
	// expired.
	Now time.Time
}

// PendingInvitationsParams are the inputs of Store.PendingInvitations.
type PendingInvitationsParams struct {
	// OrganizationID is the organization whose invitations are listed.
	OrganizationID uuid.UUID
	// After is the invitation ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most invitations returned.
	Limit int
	// Now is the time as of which an invitation must be pending (see Invitation.StatusAt).
	Now time.Time
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
	// Changed is false when the new owner already was the owner; nothing was written then.
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
	// TeamMembers are the team memberships this call made (a TeamInvitationStore, for
	// an invitation naming teams), in team ID order, each with the invitation's team role
	// there; nil for none. The invitation's teams not among them were skipped (see
	// TeamInvitationStore).
	TeamMembers []TeamMember
}
