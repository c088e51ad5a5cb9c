package organizations

import (
	"context"

	"github.com/google/uuid"
)

// Actor is the Service acting as one user: its methods have the names and signatures of
// the Service's, minus the acting user, and every one of them is actor-checked (see the
// package documentation, "Actor-checked operations"): the store decides whether the actor
// may make the change in the same atomic step as the change, and a refusal
// (ErrPermissionDenied, or ErrEscalation, which wraps it) changes nothing and emits
// nothing. Every event it emits carries the actor. Get one from Service.As; it is cheap,
// immutable and safe for concurrent use.
//
// Every method also returns ErrInvalidUserID when the actor is not a valid UserID, checked
// first (after the context). The Service's Invite, RevokeInvitation and ResendInvitation,
// which have no unchecked form, take the acting user right after the context, as every
// Service method with an acting user does, and are the Actor's methods.
type Actor struct {
	s     *Service
	actor UserID
}

// As returns the Service acting as actor: the way to make a change a user asked for
// (a request handler's), checked against the user's rights at the moment of the write.
func (s *Service) As(actor UserID) *Actor { return &Actor{s: s, actor: actor} }

// User returns the acting user.
func (a *Actor) User() UserID { return a.actor }

// check is ready for an Actor method: the context, then the actor, then checks.
func (a *Actor) check(ctx context.Context, checks ...error) error {
	return ready(ctx, checkUser(a.actor), firstError(checks...))
}

// UpdateOrganization is Service.UpdateOrganization, if the actor holds
// PermOrganizationUpdate. Errors: as Service.UpdateOrganization, and ErrPermissionDenied.
func (a *Actor) UpdateOrganization(ctx context.Context, id uuid.UUID, u OrganizationUpdate) (Organization, error) {
	if err := a.check(ctx); err != nil {
		return Organization{}, err
	}
	return a.s.updateOrganization(ctx, a.actor, id, u)
}

// DeleteOrganization is Service.DeleteOrganization, if the actor is the owner. Errors:
// as Service.DeleteOrganization, and ErrPermissionDenied.
func (a *Actor) DeleteOrganization(ctx context.Context, id uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.deleteOrganization(ctx, a.actor, id)
}

// AddUser is Service.AddUser, if the actor holds PermMembersAdd and role's permissions
// are within the actor's. Errors: as Service.AddUser, ErrPermissionDenied and
// ErrEscalation.
func (a *Actor) AddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, err
	}
	return a.s.addUser(ctx, a.actor, org, user, role)
}

// GetOrAddUser is Service.GetOrAddUser, if the actor holds PermMembersAdd and role's
// permissions are within the actor's. Errors: as Service.GetOrAddUser,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) GetOrAddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, bool, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, false, err
	}
	return a.s.getOrAddUser(ctx, a.actor, org, user, role)
}

// RemoveUser is Service.RemoveUser, if the actor removes themselves (not being the
// owner, nor suspended: a suspended member cannot leave, see MemberStatusSuspended), or
// holds PermMembersRemove and the member's permissions are within the actor's. Errors:
// as Service.RemoveUser, ErrPermissionDenied (a suspended member leaving included) and
// ErrEscalation.
func (a *Actor) RemoveUser(ctx context.Context, org uuid.UUID, user UserID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.removeUser(ctx, a.actor, org, user)
}

// SetRole is Service.SetRole, if the actor holds PermMembersRoles and both the member's
// current permissions and role's are within the actor's (so no one raises their own).
// Errors: as Service.SetRole, ErrPermissionDenied and ErrEscalation.
func (a *Actor) SetRole(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, err
	}
	return a.s.setRole(ctx, a.actor, org, user, role)
}

// ChangeOwner is Service.ChangeOwner, if the actor is the owner. Of two concurrent
// transfers by one owner, exactly one succeeds. Errors: as Service.ChangeOwner, and
// ErrPermissionDenied.
func (a *Actor) ChangeOwner(ctx context.Context, org uuid.UUID, newOwner UserID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.changeOwner(ctx, a.actor, org, newOwner)
}

// Invite is Service.Invite with the actor as the inviter: the actor must hold
// PermInvitationsCreate, and the invitation's role's permissions must be within the
// actor's. Errors: as Service.Invite.
func (a *Actor) Invite(ctx context.Context, org uuid.UUID, email string, opts *InviteOptions) (Invitation, error) {
	if err := a.check(ctx); err != nil {
		return Invitation{}, err
	}
	return a.s.invite(ctx, a.actor, org, email, opts)
}

// RevokeInvitation is Service.RevokeInvitation with the actor acting: the actor must
// hold PermInvitationsRevoke. Errors: as Service.RevokeInvitation.
func (a *Actor) RevokeInvitation(ctx context.Context, id uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.revokeInvitation(ctx, a.actor, id)
}

// ResendInvitation is Service.ResendInvitation with the actor acting, who takes over as
// the invitation's inviter: the actor must hold PermInvitationsRevoke and may invite with
// the invitation's role. Errors: as Service.ResendInvitation.
func (a *Actor) ResendInvitation(ctx context.Context, id uuid.UUID) (Invitation, error) {
	if err := a.check(ctx); err != nil {
		return Invitation{}, err
	}
	return a.s.resendInvitation(ctx, a.actor, id)
}

// CreateRole is Service.CreateRole, if the actor holds PermRolesManage and the role's
// permissions are within the actor's. Errors: as Service.CreateRole,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) CreateRole(ctx context.Context, org uuid.UUID, role RoleDefinition) (CustomRole, error) {
	if err := a.check(ctx); err != nil {
		return CustomRole{}, err
	}
	return a.s.createRole(ctx, a.actor, org, role)
}

// UpdateRole is Service.UpdateRole, if the actor holds PermRolesManage and both the
// role's current and new permissions are within the actor's. Errors: as
// Service.UpdateRole, ErrPermissionDenied and ErrEscalation.
func (a *Actor) UpdateRole(ctx context.Context, org uuid.UUID, role RoleDefinition) (CustomRole, error) {
	if err := a.check(ctx); err != nil {
		return CustomRole{}, err
	}
	return a.s.updateRole(ctx, a.actor, org, role)
}

// DeleteRole is Service.DeleteRole, if the actor holds PermRolesManage and the role's
// permissions are within the actor's. Errors: as Service.DeleteRole,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) DeleteRole(ctx context.Context, org uuid.UUID, name Role) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.deleteRole(ctx, a.actor, org, name)
}
