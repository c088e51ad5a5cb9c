package organizations_test

import (
	"context"
	"fmt"

	"github.com/go-organizations/organizations"
)

// Members have a role: RoleMember or RoleAdmin. The owner is always an admin.
func ExampleService_AddUser() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)

	tom, _ := svc.AddUser(ctx, org.ID, "tom", organizations.RoleAdmin)
	brad, _ := svc.AddUser(ctx, org.ID, "brad", organizations.RoleMember)
	fmt.Println(tom.UserID, tom.Role, tom.IsAdmin())
	fmt.Println(brad.UserID, brad.Role, brad.IsAdmin())

	// GetOrAddUser leaves an existing membership as it is, whatever role it asks for.
	m, created, _ := svc.GetOrAddUser(ctx, org.ID, "tom", organizations.RoleMember)
	fmt.Println(m.UserID, m.Role, created)
	m, created, _ = svc.GetOrAddUser(ctx, org.ID, "tim", organizations.RoleMember)
	fmt.Println(m.UserID, m.Role, created)

	brad, _ = svc.SetRole(ctx, org.ID, "brad", organizations.RoleAdmin)
	fmt.Println(brad.UserID, brad.Role)

	_ = svc.RemoveUser(ctx, org.ID, "tim")
	for _, u := range []organizations.UserID{"chris", "tim", "nobody"} {
		member, _ := svc.IsMember(ctx, org.ID, u)
		admin, _ := svc.IsAdmin(ctx, org.ID, u)
		fmt.Printf("%s member=%t admin=%t\n", u, member, admin)
	}
	// Output:
	// tom admin true
	// brad member false
	// tom admin false
	// tim member true
	// brad admin
	// chris member=true admin=true
	// tim member=false admin=false
	// nobody member=false admin=false
}
