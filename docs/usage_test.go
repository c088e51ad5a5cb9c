package docs_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/go-organizations/organizations"
)

// docs/usage.md: the calls at a glance, on the memory store.
func Example_usage() {
	ctx := context.Background()
	svc := organizations.New(nil, &organizations.Options{ // nil store: in memory
		Events: func(ctx context.Context, e organizations.Event) { fmt.Println("event:", e.EventName()) },
	})

	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil) // chris: owner, admin
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(org.Slug) // soundgarden

	if _, err := svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember); err != nil {
		log.Fatal(err)
	}
	isAdmin, _ := svc.IsAdmin(ctx, org.ID, "kim") // false

	// Ownership moves only to a member, who becomes an admin; chris stays an admin.
	if err := svc.ChangeOwner(ctx, org.ID, "kim"); err != nil {
		log.Fatal(err)
	}
	err = svc.RemoveUser(ctx, org.ID, "kim")
	fmt.Println(isAdmin, errors.Is(err, organizations.ErrOwnershipRequired)) // false true

	// Lists are pages: pass Next back as After until it is empty.
	page, _ := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 50})
	for _, m := range page.Items {
		fmt.Println(m.UserID, m.Role) // chris admin, kim admin
	}
	mine, _ := svc.OrganizationsForUser(ctx, "chris", organizations.ListOptions{})
	fmt.Println(len(mine.Items)) // 1
	// Output:
	// event: organization_created
	// soundgarden
	// event: user_added
	// event: role_changed
	// event: owner_changed
	// false true
	// chris admin
	// kim admin
	// 1
}
