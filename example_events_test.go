package organizations_test

import (
	"context"
	"fmt"

	"github.com/go-organizations/organizations"
)

// Options.Events receives one event per change, after it is stored, on every path. Failed
// and no-op calls emit nothing.
func ExampleOptions_events() {
	ctx := context.Background()
	svc := organizations.New(nil, &organizations.Options{
		Events: func(_ context.Context, e organizations.Event) {
			switch e := e.(type) {
			case organizations.OrganizationCreated:
				fmt.Println(e.EventName(), e.Organization.Slug)
			case organizations.UserAdded:
				fmt.Println(e.EventName(), e.OrganizationUser.UserID, e.OrganizationUser.Role)
			case organizations.RoleChanged:
				fmt.Println(e.EventName(), e.New.UserID, e.Old.Role, "->", e.New.Role)
			case organizations.OwnerChanged:
				fmt.Println(e.EventName(), e.Old.UserID, "->", e.New.UserID)
			case organizations.UserRemoved:
				fmt.Println(e.EventName(), e.OrganizationUser.UserID)
			default:
				fmt.Println(e.EventName())
			}
		},
	})
	org, _ := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	_, _ = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	_, _ = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)        // ErrAlreadyMember: nothing
	_, _, _ = svc.GetOrAddUser(ctx, org.ID, "kim", organizations.RoleAdmin) // existing: nothing
	_, _ = svc.AddUser(ctx, org.ID, "matt", organizations.RoleMember)       // user_added
	_ = svc.ChangeOwner(ctx, org.ID, "kim")                                 // role_changed, owner_changed
	_ = svc.ChangeOwner(ctx, org.ID, "kim")                                 // already the owner: nothing
	_ = svc.RemoveUser(ctx, org.ID, "kim")                                  // ErrOwnershipRequired: nothing
	_ = svc.RemoveUser(ctx, org.ID, "matt")                                 // user_removed
	_ = svc.DeleteOrganization(ctx, org.ID)                                 // organization_deleted
	// Output:
	// organization_created soundgarden
	// user_added kim member
	// user_added matt member
	// role_changed kim member -> admin
	// owner_changed chris -> kim
	// user_removed matt
	// organization_deleted
}
