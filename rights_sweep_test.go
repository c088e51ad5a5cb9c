package organizations_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-organizations/organizations"
)

// The rights sweep: every actor-checked operation (the methods of Actor), against every
// way the actor can lose the right to make it, landing after the operation has started
// and before its store step decides. Each store runs it in the form it can express: on
// PostgreSQL a host transaction makes the change and holds the organization row while
// the call waits for it (TestPostgresActorRightsChangedDuringLockWait); on the memory
// store a wrapper makes the change just before it hands the call to the store
// (TestMemoryActorRightsChangedBeforeTheStep). Either way the call must be refused with
// the right sentinel and change nothing, events included.

// The users of a rights world.
const (
	rightsActor = organizations.UserID("actor")
	rightsOwner = organizations.UserID("owner")
	rightsBob   = organizations.UserID("bob")   // a member: the target of member operations
	rightsCarol = organizations.UserID("carol") // a member: the nominee of the open transfer
	rightsDave  = organizations.UserID("dave")  // a member: the target of owner operations
	rightsSus   = organizations.UserID("sus")   // a suspended member
	rightsBoss  = organizations.Role("boss")    // a custom role with every library permission
	rightsExtra = organizations.Role("extra")   // a custom role nobody holds
)

// rightsWorld is an organization made for one case.
type rightsWorld struct {
	org uuid.UUID
	inv uuid.UUID // a pending invitation, made by the owner
}

// rightsOp is one actor-checked operation, made by the actor in world w.
type rightsOp struct {
	name  string
	owner bool // the operation is the owner's: the actor owns the organization
	call  func(ctx context.Context, a *organizations.Actor, w rightsWorld) error
}

// rightsChange takes a right away from the actor, through svc (unchecked).
type rightsChange struct {
	name  string
	owner bool               // for the owner's operations (else for the others)
	role  organizations.Role // the actor's role before the change
	apply func(ctx context.Context, svc *organizations.Service, w rightsWorld) error
}

// rightsCase is an operation and a change that must make it fail with want.
type rightsCase struct {
	op     rightsOp
	change rightsChange
	want   error
}

func (c rightsCase) name() string { return c.op.name + "/" + c.change.name }

var rightsOps = []rightsOp{
	{"UpdateOrganization", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.UpdateOrganization(ctx, w.org, organizations.OrganizationUpdate{Name: ptr("Renamed")})
		return err
	}},
	{"AddUser", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.AddUser(ctx, w.org, "newbie", organizations.RoleMember)
		return err
	}},
	{"GetOrAddUser", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, _, err := a.GetOrAddUser(ctx, w.org, "newbie", organizations.RoleMember)
		return err
	}},
	{"RemoveUser", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.RemoveUser(ctx, w.org, rightsBob)
	}},
	{"SetRole", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.SetRole(ctx, w.org, rightsBob, organizations.RoleAdmin)
		return err
	}},
	{"Invite", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.Invite(ctx, w.org, "newbie@example.com", nil)
		return err
	}},
	{"RevokeInvitation", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.RevokeInvitation(ctx, w.inv)
	}},
	{"ResendInvitation", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.ResendInvitation(ctx, w.inv)
		return err
	}},
	{"CreateRole", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.CreateRole(ctx, w.org, organizations.RoleDefinition{Name: "fresh", Permissions: []organizations.Permission{organizations.PermMembersAdd}})
		return err
	}},
	{"UpdateRole", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.UpdateRole(ctx, w.org, organizations.RoleDefinition{Name: rightsExtra,
			Permissions: []organizations.Permission{organizations.PermMembersAdd, organizations.PermMembersRemove}})
		return err
	}},
	{"DeleteRole", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.DeleteRole(ctx, w.org, rightsExtra)
	}},
	{"SuspendUser", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.SuspendUser(ctx, w.org, rightsBob)
		return err
	}},
	{"ReactivateUser", false, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.ReactivateUser(ctx, w.org, rightsSus)
		return err
	}},
	{"DeleteOrganization", true, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.DeleteOrganization(ctx, w.org)
	}},
	{"ChangeOwner", true, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.ChangeOwner(ctx, w.org, rightsDave)
	}},
	{"ProposeOwnershipTransfer", true, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		_, err := a.ProposeOwnershipTransfer(ctx, w.org, rightsDave)
		return err
	}},
	{"CancelOwnershipTransfer", true, func(ctx context.Context, a *organizations.Actor, w rightsWorld) error {
		return a.CancelOwnershipTransfer(ctx, w.org)
	}},
}

var rightsChanges = []rightsChange{
	{"Demoted", false, organizations.RoleAdmin, func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		_, err := svc.SetRole(ctx, w.org, rightsActor, organizations.RoleMember)
		return err
	}},
	{"CustomRoleNarrowed", false, rightsBoss, func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		_, err := svc.UpdateRole(ctx, w.org, organizations.RoleDefinition{Name: rightsBoss, Includes: []organizations.Role{organizations.RoleMember}})
		return err
	}},
	{"Suspended", false, organizations.RoleAdmin, func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		_, err := svc.SuspendUser(ctx, w.org, rightsActor)
		return err
	}},
	{"Removed", false, organizations.RoleAdmin, func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		return svc.RemoveUser(ctx, w.org, rightsActor)
	}},
	{"SuspendedWithCustomRole", false, rightsBoss, func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		_, err := svc.SuspendUser(ctx, w.org, rightsActor)
		return err
	}},
	{"OwnershipMoved", true, "", func(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
		return svc.ChangeOwner(ctx, w.org, rightsBob)
	}},
}

// rightsCases are all the cases of the sweep.
func rightsCases() []rightsCase {
	var cases []rightsCase
	for _, op := range rightsOps {
		for _, ch := range rightsChanges {
			if op.owner == ch.owner {
				cases = append(cases, rightsCase{op, ch, organizations.ErrPermissionDenied})
			}
		}
	}
	return cases
}

// rightsOptions are the options of the sweep's Services: an Inviter that sends nothing.
func rightsOptions() *organizations.Options {
	return &organizations.Options{Inviter: organizations.InviterFunc(func(context.Context, organizations.InvitationMessage) error { return nil })}
}

// setupRights makes the world of case c through svc (unchecked): the organization, the
// custom roles boss (every library permission) and extra, the actor with the change's
// role (or as the owner, for an owner's operation), bob, carol, dave, the suspended sus,
// a transfer proposed to carol, and a pending invitation.
func setupRights(ctx context.Context, svc *organizations.Service, c rightsCase) (rightsWorld, error) {
	var w rightsWorld
	owner := rightsOwner
	if c.op.owner {
		owner = rightsActor
	}
	org, err := svc.CreateOrganization(ctx, owner, "Rights "+c.name(), nil)
	if err != nil {
		return w, err
	}
	w.org = org.ID
	if _, err := svc.CreateRole(ctx, w.org, organizations.RoleDefinition{Name: rightsBoss,
		Includes: []organizations.Role{organizations.RoleMember}, Permissions: organizations.LibraryPermissions()}); err != nil {
		return w, err
	}
	if _, err := svc.CreateRole(ctx, w.org, organizations.RoleDefinition{Name: rightsExtra,
		Permissions: []organizations.Permission{organizations.PermMembersAdd}}); err != nil {
		return w, err
	}
	if !c.op.owner {
		if _, err := svc.AddUser(ctx, w.org, rightsActor, c.change.role); err != nil {
			return w, fmt.Errorf("actor: %w", err)
		}
	}
	for _, u := range []organizations.UserID{rightsBob, rightsCarol, rightsDave, rightsSus} {
		if _, err := svc.AddUser(ctx, w.org, u, organizations.RoleMember); err != nil {
			return w, err
		}
	}
	if _, err := svc.SuspendUser(ctx, w.org, rightsSus); err != nil {
		return w, err
	}
	if _, err := svc.As(owner).ProposeOwnershipTransfer(ctx, w.org, rightsCarol); err != nil {
		return w, err
	}
	inv, err := svc.Invite(ctx, owner, w.org, "invited@example.com", nil)
	if err != nil {
		return w, err
	}
	w.inv = inv.ID
	return w, nil
}

// touchOrganization changes the organization row (its data), so that a transaction that
// did it holds the row until it ends.
func touchOrganization(ctx context.Context, svc *organizations.Service, w rightsWorld) error {
	data := json.RawMessage(`{"touched": true}`)
	_, err := svc.UpdateOrganization(ctx, w.org, organizations.OrganizationUpdate{Data: &data})
	return err
}
