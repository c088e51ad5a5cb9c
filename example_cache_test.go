package organizations_test

import (
	"context"
	"fmt"
	"log"

	"github.com/go-organizations/organizations"
)

// A CachedStore answers the checks of request handlers from memory, kept current from
// the event feed. Writes through it are read back at once; another process asks for
// its writes with the token they returned.
func ExampleCachedStore() {
	ctx := context.Background()
	db := organizations.NewMemoryStore() // a PostgresStore in production

	// Process A: the cache wraps the store; the Service is built on the cache.
	cache, err := organizations.NewCachedStore(ctx, db, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	svc := organizations.New(cache, nil)

	org, err := svc.CreateOrganization(ctx, "alice", "Acme", nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember); err != nil {
		log.Fatal(err)
	}
	ok, _ := svc.IsMember(ctx, org.ID, "bob") // read-your-own-writes: nothing to do
	fmt.Println("bob is a member:", ok)

	// Process B, on the same database, with a cache of its own.
	other, err := organizations.NewCachedStore(ctx, db, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()
	svcB := organizations.New(other, nil)
	ok, _ = svcB.IsMember(ctx, org.ID, "bob") // cached in B from now on
	fmt.Println("B says bob is a member:", ok)

	// A removes bob and hands the removal's token on (a header, a short-lived cookie).
	if err := svc.RemoveUser(ctx, org.ID, "bob"); err != nil {
		log.Fatal(err)
	}
	tok, err := svc.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}

	// B's reads with the token reflect the removal, whatever its follower's lag.
	ctxB := organizations.WithConsistency(ctx, organizations.AtLeast(tok))
	ok, _ = svcB.IsMember(ctxB, org.ID, "bob")
	fmt.Println("B, at least as fresh as the removal:", ok)
	// Output:
	// bob is a member: true
	// B says bob is a member: true
	// B, at least as fresh as the removal: false
}
