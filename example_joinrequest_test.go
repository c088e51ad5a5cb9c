package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
)

// An organization that accepts join requests gets them from users who are not members;
// an admin approves or denies each, and the requester may withdraw.
func ExampleService_RequestToJoin() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "ann", "Open Source Club", &organizations.CreateOptions{
		Settings: json.RawMessage(`{"join_requests": true}`),
	})

	req, err := svc.RequestToJoin(ctx, org.ID, "bob", "I maintain the parser")
	fmt.Println("bob asks:", req.Status, err)
	_, err = svc.RequestToJoin(ctx, org.ID, "bob", "again")
	fmt.Println("twice:", errors.Is(err, organizations.ErrJoinRequestExists))

	queue, _ := svc.PendingJoinRequests(ctx, org.ID, organizations.ListOptions{})
	member, err := svc.As("ann").ApproveJoinRequest(ctx, queue.Items[0].ID)
	fmt.Println("approved:", member.UserID, member.Role, err)

	cat, _ := svc.RequestToJoin(ctx, org.ID, "cat", "")
	err = svc.As("cat").WithdrawJoinRequest(ctx, cat.ID)
	fmt.Println("cat withdraws:", err)
	_, err = svc.As("ann").ApproveJoinRequest(ctx, cat.ID)
	fmt.Println("too late:", errors.Is(err, organizations.ErrJoinRequestClosed))
	// Output:
	// bob asks: pending <nil>
	// twice: true
	// approved: bob member <nil>
	// cat withdraws: <nil>
	// too late: true
}

// Options.MaxOwnedOrganizations caps how many organizations a user may own; the store
// counts and refuses in the same atomic step as the create, ChangeOwner or accepted
// transfer.
func ExampleOptions_maxOwnedOrganizations() {
	ctx := context.Background()
	svc := organizations.New(nil, &organizations.Options{MaxOwnedOrganizations: 2})
	_, _ = svc.CreateOrganization(ctx, "ann", "First", nil)
	_, _ = svc.CreateOrganization(ctx, "ann", "Second", nil)
	_, err := svc.CreateOrganization(ctx, "ann", "Third", nil)
	fmt.Println("third:", errors.Is(err, organizations.ErrOrganizationLimit))

	owned, limit, _ := svc.OwnedOrganizations(ctx, "ann")
	fmt.Printf("ann owns %d of %d\n", owned, limit)
	// Output:
	// third: true
	// ann owns 2 of 2
}
