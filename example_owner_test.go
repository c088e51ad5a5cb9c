package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
)

// Ownership moves only by ChangeOwner, to an existing member, who becomes an admin. The
// old owner stays an admin member.
func ExampleService_ChangeOwner() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)
	_, _ = svc.AddUser(ctx, org.ID, "tom", organizations.RoleMember)

	if err := svc.ChangeOwner(ctx, org.ID, "tom"); err != nil {
		panic(err)
	}
	owner, _ := svc.Owner(ctx, org.ID)
	fmt.Println("owner:", owner.OrganizationUser.UserID, owner.OrganizationUser.Role)
	for _, u := range []organizations.UserID{"chris", "tom"} {
		isOwner, _ := svc.IsOwner(ctx, org.ID, u)
		isAdmin, _ := svc.IsAdmin(ctx, org.ID, u)
		fmt.Printf("%s owner=%t admin=%t\n", u, isOwner, isAdmin)
	}

	err := svc.ChangeOwner(ctx, org.ID, "brad")
	fmt.Println(errors.Is(err, organizations.ErrNotMember))
	err = svc.RemoveUser(ctx, org.ID, "tom")
	fmt.Println(errors.Is(err, organizations.ErrOwnershipRequired))
	_, err = svc.SetRole(ctx, org.ID, "tom", organizations.RoleMember)
	fmt.Println(errors.Is(err, organizations.ErrOwnershipRequired))
	// Output:
	// owner: tom admin
	// chris owner=false admin=true
	// tom owner=true admin=true
	// true
	// true
	// true
}
