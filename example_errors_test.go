package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// Every refused call returns an error wrapping one sentinel: test it with errors.Is. Bad
// input changes nothing.
func Example_errors() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	show := func(what string, err, target error) {
		fmt.Printf("%-28s errors.Is(err, %v) = %t\n", what+":", target, errors.Is(err, target))
	}
	_, err := svc.CreateOrganization(ctx, "chris", "   ", nil)
	show("blank name", err, organizations.ErrInvalidName)
	_, err = svc.CreateOrganization(ctx, "", "Soundgarden", nil)
	show("empty user ID", err, organizations.ErrInvalidUserID)
	_, err = svc.CreateOrganization(ctx, "chris", "Soundgarden", &organizations.CreateOptions{Slug: "soundgarden"})
	show("explicit slug taken", err, organizations.ErrSlugTaken)
	_, err = svc.AddUser(ctx, org.ID, "kim", "drummer")
	show("unknown role", err, organizations.ErrInvalidRole)
	_, err = svc.AddUser(ctx, org.ID, "chris", organizations.RoleMember)
	show("added twice", err, organizations.ErrAlreadyMember)
	_, err = svc.AddUser(ctx, uuid.New(), "kim", organizations.RoleMember)
	show("unknown organization", err, organizations.ErrOrganizationNotFound)
	err = svc.RemoveUser(ctx, org.ID, "kim")
	show("removing a non-member", err, organizations.ErrNotMember)
	err = svc.RemoveUser(ctx, org.ID, "chris")
	show("removing the owner", err, organizations.ErrOwnershipRequired)
	_, err = svc.AddUser(cancelled, org.ID, "kim", organizations.RoleMember)
	show("cancelled context", err, context.Canceled)

	members, _ := svc.Members(ctx, org.ID, organizations.ListOptions{})
	fmt.Println("members:", len(members.Items))
	// Output:
	// blank name:                  errors.Is(err, organizations: invalid organization name) = true
	// empty user ID:               errors.Is(err, organizations: invalid user ID) = true
	// explicit slug taken:         errors.Is(err, organizations: slug already taken) = true
	// unknown role:                errors.Is(err, organizations: invalid role) = true
	// added twice:                 errors.Is(err, organizations: user is already a member) = true
	// unknown organization:        errors.Is(err, organizations: organization not found) = true
	// removing a non-member:       errors.Is(err, organizations: user is not a member) = true
	// removing the owner:          errors.Is(err, organizations: cannot remove or demote the organization owner) = true
	// cancelled context:           errors.Is(err, context canceled) = true
	// members: 1
}
