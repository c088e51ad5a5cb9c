package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
)

// An app declares its roles and permissions once, in code; each organization may add
// custom roles at run time. Requests act through As, which decides whether the acting
// user may make the change in the same atomic store step as the change.
func Example_roles() {
	ctx := context.Background()
	policy := organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember, Permissions: []organizations.Permission{"projects:read"}},
		organizations.RoleDefinition{Name: "billing", Includes: []organizations.Role{organizations.RoleMember},
			Permissions: []organizations.Permission{"billing:read", "billing:write"}},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{"billing"},
			Permissions: organizations.LibraryPermissions()},
	)
	svc := organizations.New(nil, &organizations.Options{Policy: policy})

	org, _ := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	_, _ = svc.As("ann").AddUser(ctx, org.ID, "bob", "billing")
	_, _ = svc.As("ann").AddUser(ctx, org.ID, "cat", organizations.RoleMember)

	// A custom role of this organization: the member role plus one permission.
	_, err := svc.As("ann").CreateRole(ctx, org.ID, organizations.RoleDefinition{
		Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd},
	})
	fmt.Println("create role:", err)
	_, _ = svc.As("ann").SetRole(ctx, org.ID, "cat", "recruiter")

	// One store call gives the access; Can answers without another.
	a, _ := svc.Access(ctx, org.ID, "bob")
	fmt.Println("bob billing:write:", a.Can("billing:write"), "members:add:", a.Can(organizations.PermMembersAdd))
	a, _ = svc.Access(ctx, org.ID, "cat")
	fmt.Println("cat", a.Membership.Role, a.Permissions())

	// cat may add members, but only with a role within her own permissions.
	_, err = svc.As("cat").AddUser(ctx, org.ID, "dan", organizations.RoleMember)
	fmt.Println("cat adds dan as member:", err)
	_, err = svc.As("cat").AddUser(ctx, org.ID, "eve", organizations.RoleAdmin)
	fmt.Println("cat adds eve as admin:", errors.Is(err, organizations.ErrEscalation), errors.Is(err, organizations.ErrPermissionDenied))
	// bob may not remove anyone; anyone may leave, except the owner.
	fmt.Println("bob removes dan:", errors.Is(svc.As("bob").RemoveUser(ctx, org.ID, "dan"), organizations.ErrPermissionDenied))
	fmt.Println("dan leaves:", svc.As("dan").RemoveUser(ctx, org.ID, "dan"))
	// A role in use cannot be deleted.
	fmt.Println("delete recruiter:", errors.Is(svc.As("ann").DeleteRole(ctx, org.ID, "recruiter"), organizations.ErrRoleInUse))

	roles, _ := svc.Roles(ctx, org.ID)
	for _, r := range roles {
		fmt.Println(r.Name, r.Custom, r.Permissions)
	}
	// Output:
	// create role: <nil>
	// bob billing:write: true members:add: false
	// cat recruiter [members:add projects:read]
	// cat adds dan as member: <nil>
	// cat adds eve as admin: true true
	// bob removes dan: true
	// dan leaves: <nil>
	// delete recruiter: true
	// member false [projects:read]
	// billing false [billing:read billing:write projects:read]
	// admin false [audit:read billing:read billing:write domains:manage invitations:create invitations:revoke members:add members:remove members:roles members:suspend organization:update projects:read roles:manage teams:manage]
	// recruiter true [members:add projects:read]
}
