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

// EventFeed reads the records every change wrote in its atomic step, in a stable order,
// from a cursor: a reader that keeps its cursor resumes exactly where it stopped.
func ExampleService_EventFeed() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // a MemoryStore, which is an EventStore
	org, _ := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	_, _ = svc.As("chris").AddUser(ctx, org.ID, "kim", organizations.RoleMember)

	recs, cursor, _ := svc.EventFeed(ctx, "", 100)
	for _, r := range recs {
		fmt.Printf("%s actor=%q subject=%q\n", r.Type, r.Actor, r.Subject)
	}
	_ = svc.As("chris").ChangeOwner(ctx, org.ID, "kim")
	recs, _, _ = svc.EventFeed(ctx, cursor, 100) // only what came after
	for _, r := range recs {
		e, _ := r.Event() // the typed event, as Options.Events received it
		fmt.Printf("%s %T\n", r.Type, e)
	}
	// Output:
	// organization_created actor="" subject="chris"
	// user_added actor="chris" subject="kim"
	// role_changed organizations.RoleChanged
	// owner_changed organizations.OwnerChanged
}

// A Relay delivers the feed to a handler at least once and in order, after commit,
// resuming from the cursor its CursorStore keeps (here the MemoryStore itself; on
// PostgreSQL, the PostgresStore). Run stops when its context ends.
func ExampleRelay() {
	ctx := context.Background()
	store := organizations.NewMemoryStore()
	svc := organizations.New(store, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	_, _ = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	_ = svc.RemoveUser(ctx, org.ID, "kim")

	runCtx, stop := context.WithCancel(ctx)
	delivered := 0
	relay := organizations.NewRelay(svc, store, "printer", organizations.HandlerFunc(
		func(_ context.Context, r organizations.EventRecord) error {
			fmt.Printf("%s %q\n", r.Type, r.Subject)
			if delivered++; delivered == 3 {
				stop() // a real relay runs until the process shuts down
			}
			return nil
		}), nil)
	fmt.Println(relay.Run(runCtx))
	cursor, _ := store.LoadCursor(ctx, "printer")
	fmt.Println("saved cursor:", cursor)
	// Output:
	// organization_created "chris"
	// user_added "kim"
	// user_removed "kim"
	// <nil>
	// saved cursor: 3
}
