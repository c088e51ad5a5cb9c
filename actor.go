package organizations

import (
	"context"
	"slices"

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
// which have no unchecked form, take the acting user right after what they act on (the
// organization, the invitation's ID) and are the Actor's methods.
type Actor struct {
	s     *Service
	actor UserID
}

// As returns the Service acting as actor: the way to make a change a user asked for
// (a request handler's), checked against the user's rights at the moment of the write.
func (s *Service) As(actor UserID) *Actor { return &Actor{s: s, actor: actor} }

// User returns the acting user.
func (a *Actor) User() UserID { return a.actor }

// check validates the context and the actor.
func (a *Actor) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return checkUser(a.actor)
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

// CreateRole adds the custom role def to the organization and emits CustomRoleCreated.
// A custom role includes declared roles only, holds permissions the Policy knows (see
// Policy.Knows), and its name is a well-formed role name that no declared role has. It is
// unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidRole (a malformed or declared name, an
// included role that is not declared, an unknown permission), ErrRoleExists, or the
// context's error.
func (s *Service) CreateRole(ctx context.Context, org uuid.UUID, def RoleDefinition) (CustomRole, error) {
	return s.createRole(ctx, "", org, def)
}

func (s *Service) createRole(ctx context.Context, actor UserID, org uuid.UUID, def RoleDefinition) (CustomRole, error) {
	c, err := s.customRole(ctx, org, def)
	if err != nil {
		return CustomRole{}, err
	}
	got, err := s.store.CreateRole(ctx, CreateRoleParams{Auth: s.auth(actor), Role: c})
	if err != nil {
		return CustomRole{}, err
	}
	emit(s, ctx, CustomRoleCreated{Role: got.clone(), Actor: actor})
	return got, nil
}

// customRole validates def and makes the custom role of org from it, stamped now.
func (s *Service) customRole(ctx context.Context, org uuid.UUID, def RoleDefinition) (CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return CustomRole{}, err
	}
	if err := checkOrg(org); err != nil {
		return CustomRole{}, err
	}
	if err := s.policy.validateCustom(def); err != nil {
		return CustomRole{}, err
	}
	now := s.now()
	return CustomRole{
		OrganizationID: org, Name: def.Name,
		Includes: sortedUnique(def.Includes), Permissions: sortedUnique(def.Permissions),
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// UpdateRole replaces the includes and permissions of the organization's custom role
// def.Name with def's and emits CustomRoleUpdated if they changed; members holding it
// get the new permissions at once. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidRole (as for CreateRole), ErrRoleNotFound,
// or the context's error.
func (s *Service) UpdateRole(ctx context.Context, org uuid.UUID, def RoleDefinition) (CustomRole, error) {
	return s.updateRole(ctx, "", org, def)
}

func (s *Service) updateRole(ctx context.Context, actor UserID, org uuid.UUID, def RoleDefinition) (CustomRole, error) {
	c, err := s.customRole(ctx, org, def)
	if err != nil {
		return CustomRole{}, err
	}
	before, after, err := s.store.UpdateRole(ctx, UpdateRoleParams{Auth: s.auth(actor), Role: c})
	if err != nil {
		return CustomRole{}, err
	}
	if !slices.Equal(before.Includes, after.Includes) || !slices.Equal(before.Permissions, after.Permissions) {
		emit(s, ctx, CustomRoleUpdated{Old: before.clone(), New: after.clone(), Actor: actor})
	}
	return after, nil
}

// DeleteRole deletes the organization's custom role name and emits CustomRoleDeleted.
// A role that a member or an open invitation (pending, or expired and renewable) holds
// is not deleted: change their roles, or revoke the invitation, first. It is unchecked:
// for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrRoleNotFound, ErrRoleInUse, or the context's error.
func (s *Service) DeleteRole(ctx context.Context, org uuid.UUID, name Role) error {
	return s.deleteRole(ctx, "", org, name)
}

func (s *Service) deleteRole(ctx context.Context, actor UserID, org uuid.UUID, name Role) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkOrg(org); err != nil {
		return err
	}
	if !name.Valid() || s.policy.Declares(name) {
		return ErrRoleNotFound
	}
	c, err := s.store.DeleteRole(ctx, DeleteRoleParams{Auth: s.auth(actor), OrganizationID: org, Name: name})
	if err != nil {
		return err
	}
	emit(s, ctx, CustomRoleDeleted{Role: c, Actor: actor})
	return nil
}

// Roles returns the roles of the organization for a UI: the Policy's declared roles in
// declaration order, then the organization's custom roles in name order, each with its
// effective permissions.
//
// Errors: ErrOrganizationNotFound, or the context's error.
func (s *Service) Roles(ctx context.Context, org uuid.UUID) ([]RoleInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	custom, err := s.store.CustomRoles(ctx, org)
	if err != nil {
		return nil, err
	}
	p := s.policy
	out := make([]RoleInfo, 0, len(p.order)+len(custom))
	for _, name := range p.order {
		pr := p.roles[name]
		out = append(out, RoleInfo{Name: name, Includes: slices.Clone(pr.def.Includes), Permissions: slices.Clone(pr.list)})
		if out[len(out)-1].Includes == nil {
			out[len(out)-1].Includes = []Role{}
		}
	}
	for _, c := range custom {
		out = append(out, RoleInfo{
			Name: c.Name, Custom: true, Includes: c.Includes,
			Permissions: p.list(p.customSet(c.Includes, c.Permissions)),
			CreatedAt:   c.CreatedAt, UpdatedAt: c.UpdatedAt,
		})
	}
	return out, nil
}
