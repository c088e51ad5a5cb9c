package organizations_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-organizations/organizations"
)

// CreateOrganization makes the organization, its owner's admin membership and the
// ownership in one atomic step. Slugs come from the name and get -2, -3, ... on collision.
func ExampleService_CreateOrganization() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // in-memory store, default options

	org, err := svc.CreateOrganization(ctx, "chris", "Föö Fighters!!", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(org.Name, org.Slug, org.IsActive, string(org.Data))

	again, _ := svc.CreateOrganization(ctx, "dave", "Foo Fighters", nil)
	fmt.Println(again.Slug)

	custom, _ := svc.CreateOrganization(ctx, "dave", "Nirvana", &organizations.CreateOptions{
		Slug:     "nirvana-1987",
		Inactive: true,
		Data:     json.RawMessage(`{"city":"Aberdeen"}`),
	})
	fmt.Println(custom.Slug, custom.IsActive, string(custom.Data))

	owner, _ := svc.Owner(ctx, org.ID)
	fmt.Println(owner.OrganizationUser.UserID, owner.OrganizationUser.Role)
	// Output:
	// Föö Fighters!! foo-fighters true {}
	// foo-fighters-2
	// nirvana-1987 false {"city":"Aberdeen"}
	// chris admin
}

// Renaming keeps the slug, so links to the organization stay valid; set Slug to change it.
func ExampleService_UpdateOrganization() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Temple of the Dog", nil)

	name := "Temple Of The Dog"
	org, _ = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &name})
	fmt.Println(org.Name, org.Slug)

	slug := "totd"
	org, _ = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Slug: &slug})
	found, _ := svc.OrganizationBySlug(ctx, "totd")
	fmt.Println(found.Name, found.ID == org.ID)
	// Output:
	// Temple Of The Dog temple-of-the-dog
	// Temple Of The Dog true
}
