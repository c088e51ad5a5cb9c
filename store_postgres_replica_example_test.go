package organizations_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// A store whose checks and lists a hot standby answers when the request allows it. It
// needs two servers (DATABASE_URL, and REPLICA_DATABASE_URL: a streaming standby of it),
// so go test only compiles it; TestReplicaExampleRuns runs it against pgtest's pair.
func ExamplePostgresOptions_replica() {
	ctx := context.Background()
	primary, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer primary.Close()
	standby, err := pgxpool.New(ctx, os.Getenv("REPLICA_DATABASE_URL")) // a hot standby of the primary
	if err != nil {
		log.Fatal(err)
	}
	defer standby.Close()
	store, err := organizations.NewPostgresStore(primary, &organizations.PostgresOptions{Schema: "orgs", Replica: standby})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil { // on the primary; the standby replays it
		log.Fatal(err)
	}
	svc := organizations.New(store, nil)

	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil) // writes go to the primary
	if err != nil {
		log.Fatal(err)
	}
	tok, err := svc.Token(ctx) // names the write: hand it to the next request (orghttp.Middleware.RememberWrite)
	if err != nil {
		log.Fatal(err)
	}

	// Any process: with the token, the standby answers once it has replayed the write,
	// the primary until then. Never stale.
	fresh := organizations.WithConsistency(ctx, organizations.AtLeast(tok))
	ok, err := svc.IsMember(fresh, org.ID, "ann")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ann is a member:", ok)

	// Untokened: the standby, once it has this store's own writes; changes made in other
	// processes show there as late as its replay lag.
	page, err := svc.OrganizationsForUser(ctx, "ann", organizations.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("organizations of ann:", len(page.Items))

	// A read that must be exact now asks for the primary.
	owner, err := svc.Owner(organizations.WithConsistency(ctx, organizations.FullConsistency()), org.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("owner:", owner.OrganizationUser.UserID)
	st := store.ReplicaStats()
	fmt.Println("reads:", st.Replica+st.Primary+st.Fallbacks)
}

// TestReplicaExampleRuns runs ExamplePostgresOptions_replica against a new database of
// pgtest's primary and its standby, and checks what it prints.
func TestReplicaExampleRuns(t *testing.T) {
	primaryURL, standbyURL := pgtest.Standby(t)
	ctx := t.Context()
	name := "replica_example_" + randomSuffix(t)
	admin, err := pgx.Connect(ctx, primaryURL)
	require.NoError(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	pgtest.WaitReplayed(t, primaryURL, standbyURL) // the standby has the new database
	withDB := func(s string) string {
		u, err := url.Parse(s)
		require.NoError(t, err)
		u.Path = "/" + name
		return u.String()
	}
	t.Setenv("DATABASE_URL", withDB(primaryURL))
	t.Setenv("REPLICA_DATABASE_URL", withDB(standbyURL))

	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	func() {
		defer func() { os.Stdout = stdout }()
		ExamplePostgresOptions_replica()
	}()
	require.NoError(t, w.Close())
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "ann is a member: true\norganizations of ann: 1\nowner: ann\nreads: 3\n", string(out))
}
