package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/go-organizations/organizations"
)

// A member limit counts members and pending invitations; the store refuses what would
// pass it, in the same atomic step as the write.
func ExampleService_Seats() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "ann", "Small Team", &organizations.CreateOptions{MaxMembers: ptr(3)})
	_, _ = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	_, _ = svc.AddUser(ctx, org.ID, "cat", organizations.RoleMember)

	_, err := svc.AddUser(ctx, org.ID, "dan", organizations.RoleMember)
	fmt.Println("dan:", errors.Is(err, organizations.ErrMemberLimit))
	seats, _ := svc.Seats(ctx, org.ID)
	fmt.Printf("limit %d, members %d, free %d\n", seats.Limit, seats.Members, seats.Free())

	// Suspending a member frees their seat; reactivating needs one.
	_, _ = svc.SuspendUser(ctx, org.ID, "cat")
	_, err = svc.AddUser(ctx, org.ID, "dan", organizations.RoleMember)
	fmt.Println("dan after cat's suspension:", err)
	_, err = svc.ReactivateUser(ctx, org.ID, "cat")
	fmt.Println("cat back:", errors.Is(err, organizations.ErrMemberLimit))

	// Raising the limit lets cat back in.
	_, _ = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: ptr(4)})
	_, err = svc.ReactivateUser(ctx, org.ID, "cat")
	fmt.Println("cat back at 4:", err)
	// Output:
	// dan: true
	// limit 3, members 3, free 0
	// dan after cat's suspension: <nil>
	// cat back: true
	// cat back at 4: <nil>
}

// A suspended member keeps their role but has no access until reactivated; the owner
// cannot be suspended.
func ExampleActor_SuspendUser() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	_, _ = svc.AddUser(ctx, org.ID, "bob", organizations.RoleAdmin)
	_, _ = svc.AddUser(ctx, org.ID, "cat", organizations.RoleMember)

	m, _ := svc.As("ann").SuspendUser(ctx, org.ID, "bob")
	fmt.Println(m.UserID, m.Role, m.Status())
	isMember, _ := svc.IsMember(ctx, org.ID, "bob")
	fmt.Println("bob is a member:", isMember)
	err := svc.As("bob").RemoveUser(ctx, org.ID, "cat")
	fmt.Println("bob removes cat:", errors.Is(err, organizations.ErrPermissionDenied))
	_, err = svc.As("bob").SuspendUser(ctx, org.ID, "ann")
	fmt.Println("suspended bob suspends ann:", errors.Is(err, organizations.ErrPermissionDenied))
	_, err = svc.SuspendUser(ctx, org.ID, "ann")
	fmt.Println("even unchecked:", errors.Is(err, organizations.ErrOwnershipRequired))

	suspended, _ := svc.ListMembers(ctx, org.ID, organizations.MemberFilter{Status: organizations.MemberStatusSuspended}, organizations.ListOptions{})
	fmt.Println("suspended:", len(suspended.Items), suspended.Items[0].UserID)
	m, _ = svc.As("ann").ReactivateUser(ctx, org.ID, "bob")
	fmt.Println(m.UserID, m.Role, m.Status())
	// Output:
	// bob admin suspended
	// bob is a member: false
	// bob removes cat: true
	// suspended bob suspends ann: true
	// even unchecked: true
	// suspended: 1 bob
	// bob admin active
}

// Ownership moves in two steps: the owner proposes, the nominee accepts. Accepting checks,
// atomically, that the proposal is still open and its proposer still the owner.
func ExampleActor_AcceptOwnershipTransfer() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	_, _ = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)

	_, err := svc.As("bob").ProposeOwnershipTransfer(ctx, org.ID, "bob")
	fmt.Println("bob proposes:", errors.Is(err, organizations.ErrPermissionDenied))
	t, _ := svc.As("ann").ProposeOwnershipTransfer(ctx, org.ID, "bob")
	fmt.Println("proposed to", t.Nominee, "by", t.ProposedBy)
	open, _ := svc.OwnershipTransfer(ctx, org.ID)
	fmt.Println("open for", open.Nominee)

	if err := svc.As("bob").AcceptOwnershipTransfer(ctx, org.ID); err != nil {
		panic(err)
	}
	owner, _ := svc.Owner(ctx, org.ID)
	fmt.Println("owner:", owner.OrganizationUser.UserID, owner.OrganizationUser.Role)
	_, err = svc.OwnershipTransfer(ctx, org.ID)
	fmt.Println("closed:", errors.Is(err, organizations.ErrTransferNotFound))
	// Output:
	// bob proposes: true
	// proposed to bob by ann
	// open for bob
	// owner: bob admin
	// closed: true
}

// Deleting a user in the host app: remove them everywhere, deciding what happens to the
// organizations they own. With PostgreSQL, run it in the transaction that deletes the
// user row (svc.WithStore(pg.WithTx(tx))).
func ExampleService_RemoveUserEverywhere() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	solo, _ := svc.CreateOrganization(ctx, "ann", "Ann's Sandbox", nil)
	team, _ := svc.CreateOrganization(ctx, "ann", "Ann's Team", nil)
	_, _ = svc.AddUser(ctx, team.ID, "bob", organizations.RoleAdmin)
	other, _ := svc.CreateOrganization(ctx, "cat", "Cat's", nil)
	_, _ = svc.AddUser(ctx, other.ID, "ann", organizations.RoleMember)

	_, err := svc.RemoveUserEverywhere(ctx, "ann", nil)
	fmt.Println("while owning:", errors.Is(err, organizations.ErrOwnershipRequired))

	res, err := svc.RemoveUserEverywhere(ctx, "ann", &organizations.OffboardOptions{
		Owned: map[uuid.UUID]organizations.OwnedPolicy{
			solo.ID: organizations.OwnedDelete,
			team.ID: organizations.OwnedTransferToAdmin,
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("deleted:", res.Deleted[0].Name)
	fmt.Println("transferred to:", res.Transferred[0].NewOwner.UserID)
	fmt.Println("memberships removed:", len(res.Removed))
	owned, _ := svc.OrganizationsOwnedBy(ctx, "ann", organizations.ListOptions{})
	fmt.Println("still owned:", len(owned.Items))
	// Output:
	// while owning: true
	// deleted: Ann's Sandbox
	// transferred to: bob
	// memberships removed: 2
	// still owned: 0
}
