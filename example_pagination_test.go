package organizations_test

import (
	"context"
	"fmt"

	"github.com/go-organizations/organizations"
)

// Lists come in pages. Pass each page's Next as the following request's After until Next
// is empty. The order is the order of creation and stays stable while members come and go.
func ExampleService_Members() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "john", "The Beatles", nil)
	for _, u := range []organizations.UserID{"paul", "george", "ringo"} {
		_, _ = svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
	}

	opts := organizations.ListOptions{Limit: 3}
	for {
		page, err := svc.Members(ctx, org.ID, opts)
		if err != nil {
			panic(err)
		}
		for _, m := range page.Items {
			fmt.Print(m.UserID, " ")
		}
		fmt.Println("| more:", page.Next != "")
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	// Output:
	// john paul george | more: true
	// ringo | more: false
}

// OrganizationsForUser lists a user's organizations, active and inactive, oldest first.
func ExampleService_OrganizationsForUser() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	_, _ = svc.CreateOrganization(ctx, "dave", "Nirvana", nil)
	_, _ = svc.CreateOrganization(ctx, "dave", "Foo Fighters", nil)
	_, _ = svc.CreateOrganization(ctx, "dave", "Probot", &organizations.CreateOptions{Inactive: true})
	_, _ = svc.CreateOrganization(ctx, "kurt", "Fecal Matter", nil)

	page, _ := svc.OrganizationsForUser(ctx, "dave", organizations.ListOptions{})
	for _, o := range page.Items {
		fmt.Println(o.Name, o.IsActive)
	}
	// Output:
	// Nirvana true
	// Foo Fighters true
	// Probot false
}
