package organizations_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// A host whose processes keep a CachedStore turns the wake-up on commit on once, after
// Migrate (it is off by default: every writer pays for it). Each cache over the schema is
// then woken by the commits of every process, instead of waiting for its next poll.
func ExamplePostgresStore_SetFeedNotify() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs_woken"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	on, err := store.FeedNotify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Migrate:", on)
	if err := store.SetFeedNotify(ctx, true); err != nil { // a setting of the schema, kept by PostgreSQL
		log.Fatal(err)
	}

	cache, err := organizations.NewCachedStore(ctx, store, &organizations.CacheOptions{PollInterval: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	defer cache.Close()
	for !cache.Stats().Listening {
		time.Sleep(time.Millisecond)
	}
	// Another process writes to PostgreSQL (here: the bare store); the cache is woken by
	// the commit, an hour before its next poll.
	writer := organizations.New(store, nil)
	org, err := writer.CreateOrganization(ctx, "alice", "Acme", nil)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := writer.Token(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for !cache.Position().Covers(tok) {
		time.Sleep(time.Millisecond)
	}
	member, err := organizations.New(cache, nil).IsMember(ctx, org.ID, "alice")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("alice is a member, from memory:", member)
	// Output:
	// after Migrate: false
	// alice is a member, from memory: true
}

// A host creates its own account row and the account's organization in one transaction
// of its own: both are stored, or neither. The Service joined to the transaction keeps
// its options (here Events, delivered before the host commits).
func ExamplePostgresStore_WithTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil { // idempotent: safe at every start
		log.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE IF NOT EXISTS accounts (user_id text PRIMARY KEY, plan text NOT NULL)"); err != nil {
		log.Fatal(err)
	}
	svc := organizations.New(store, &organizations.Options{
		Events: func(_ context.Context, e organizations.Event) { fmt.Println("event:", e.EventName()) },
	})

	signUp := func(user organizations.UserID, orgName string) error {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) // a no-op after Commit
		if _, err := tx.Exec(ctx, "INSERT INTO accounts (user_id, plan) VALUES ($1, 'pro')", user); err != nil {
			return err
		}
		org, err := svc.WithStore(store.WithTx(tx)).CreateOrganization(ctx, user, orgName, nil)
		if err != nil {
			return err // the deferred Rollback undoes the account row too
		}
		fmt.Println("created:", org.Slug)
		return tx.Commit(ctx)
	}
	fmt.Println("u-42:", signUp("u-42", "Acme"))
	fmt.Println("u-43:", signUp("u-43", "   "))

	var accounts []string
	rows, err := pool.Query(ctx, "SELECT user_id FROM accounts ORDER BY user_id")
	if err != nil {
		log.Fatal(err)
	}
	accounts, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		log.Fatal(err)
	}
	page, err := svc.OrganizationsForUser(ctx, "u-42", organizations.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accounts:", accounts, "organizations of u-42:", len(page.Items))
	// Output:
	// event: organization_created
	// created: acme
	// u-42: <nil>
	// u-43: organizations: invalid organization name
	// accounts: [u-42] organizations of u-42: 1
}

// exampleName matches the examples that need PostgreSQL (an Example cannot skip itself).
const exampleName = "ExamplePostgresStore_"

// runWithExampleDatabase gives the PostgreSQL examples a database of their own: a fresh one on the
// test server (pgtest: ORGANIZATIONS_TEST_DATABASE_URL, or a throwaway cluster), named by
// DATABASE_URL for this process, so that they run as they read and their output is the
// same at every run; it is dropped afterwards. Without PostgreSQL they are skipped, as
// the tests are, except under CI=true, where that fails. run runs the tests; TestMain
// (store_postgres_test.go) calls it with the flags parsed.
func runWithExampleDatabase(run func() int) int {
	drop, err := exampleDatabase()
	if err != nil {
		fmt.Fprintln(os.Stderr, "examples:", err)
		return 1
	}
	code := run()
	if err := drop(); err != nil {
		fmt.Fprintln(os.Stderr, "examples: drop the example database:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// exampleDatabase creates the examples' database and points DATABASE_URL at it, or
// makes go test skip the examples when no PostgreSQL can be had; drop removes it.
func exampleDatabase() (drop func() error, err error) {
	nothing := func() error { return nil }
	if !examplesSelected() {
		return nothing, nil
	}
	// pgtest takes a testing.TB to skip or fail: a benchmark run outside go test's own
	// provides one.
	var server string
	testing.Benchmark(func(b *testing.B) { server = pgtest.URL(b) })
	if server == "" {
		if os.Getenv("CI") == "true" {
			return nil, fmt.Errorf("no PostgreSQL under CI=true for %s* (set %s)", exampleName, pgtest.EnvURL)
		}
		fmt.Fprintf(os.Stderr, "examples: no PostgreSQL (set %s): skipping %s*\n", pgtest.EnvURL, exampleName)
		skip := flag.Lookup("test.skip")
		pattern := "^" + exampleName
		if old := skip.Value.String(); old != "" {
			pattern = old + "|" + pattern
		}
		return nothing, skip.Value.Set(pattern)
	}
	u, err := url.Parse(server)
	if err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("%s is not a postgres:// URL", pgtest.EnvURL)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "organizations_example_" + hex.EncodeToString(suffix)
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := admin("CREATE DATABASE " + ident); err != nil {
		return nil, fmt.Errorf("create the example database: %w", err)
	}
	u.Path = "/" + name
	if err := os.Setenv("DATABASE_URL", u.String()); err != nil {
		return nil, err
	}
	return func() error { return admin("DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)") }, nil
}

// examplesSelected reports whether -run may select the PostgreSQL examples, so that a run
// of other tests or of benchmarks (-run '^$') creates no database.
func examplesSelected() bool {
	run := flag.Lookup("test.run").Value.String()
	if run == "" {
		return true
	}
	if strings.Contains(run, "/") {
		// Which alternative a subtest pattern belongs to is not worth parsing: make the
		// database (without it the example would run against whatever database a bare
		// DATABASE_URL reaches).
		return true
	}
	re, err := regexp.Compile(run)
	return err != nil || re.MatchString(exampleName+"WithTx")
}
