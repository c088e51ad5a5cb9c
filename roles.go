package organizations

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Custom roles: an organization's own roles beside the Policy's declared ones, created,
// changed and deleted at run time. The actor-checked forms are on Actor.

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
	if err := ready(ctx, checkOrg(org), s.policy.validateCustom(def)); err != nil {
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
	if err := ready(ctx, checkOrg(org), s.checkCustomRoleName(name)); err != nil {
		return err
	}
	c, err := s.store.DeleteRole(ctx, DeleteRoleParams{Auth: s.auth(actor), OrganizationID: org, Name: name})
	if err != nil {
		return err
	}
	emit(s, ctx, CustomRoleDeleted{Role: c, Actor: actor})
	return nil
}

// checkCustomRoleName is ErrRoleNotFound for a name no custom role has: an invalid one,
// or a role the policy declares.
func (s *Service) checkCustomRoleName(name Role) error {
	if !name.Valid() || s.policy.Declares(name) {
		return ErrRoleNotFound
	}
	return nil
}

// Roles returns the roles of the organization for a UI: the Policy's declared roles in
// declaration order, then the organization's custom roles in name order, each with its
// effective permissions.
//
// Errors: ErrOrganizationNotFound, or the context's error.
func (s *Service) Roles(ctx context.Context, org uuid.UUID) ([]RoleInfo, error) {
	if err := ready(ctx, checkOrg(org)); err != nil {
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
