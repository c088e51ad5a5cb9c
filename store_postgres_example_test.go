package organizations_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-organizations/organizations"
)

// A host creates its own account row and the account's organization in one transaction
// of its own: both are stored, or neither. (Not run here: it needs a server.)
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

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) // a no-op after Commit
	if _, err := tx.Exec(ctx, "INSERT INTO accounts (user_id, plan) VALUES ($1, 'pro')", "u-42"); err != nil {
		log.Fatal(err)
	}
	orgs := organizations.New(store.WithTx(tx), nil)
	if _, err := orgs.CreateOrganization(ctx, "u-42", "Acme", nil); err != nil {
		log.Fatal(err) // the deferred Rollback undoes the account row too
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}
