package organizations_test

import (
	"context"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

func TestNewPostgresStoreValidatesSchema(t *testing.T) {
	t.Parallel()
	db := (*pgxpool.Pool)(nil) // never used: construction does not touch the database
	for _, bad := range []string{
		"Orgs", "1orgs", "pg_orgs", "or-gs", `or"gs`, "or gs", "orgs;", "örgs", "orgs\x00",
		strings.Repeat("a", 64),
	} {
		_, err := organizations.NewPostgresStore(db, &organizations.PostgresOptions{Schema: bad})
		require.ErrorIs(t, err, organizations.ErrInvalidSchema, "%q", bad)
	}
	for _, good := range []string{"orgs", "_orgs", "teams_2", strings.Repeat("a", 63)} {
		s, err := organizations.NewPostgresStore(db, &organizations.PostgresOptions{Schema: good})
		require.NoError(t, err, "%q", good)
		require.Equal(t, good, s.Schema())
	}
	for _, opts := range []*organizations.PostgresOptions{nil, {}} {
		s, err := organizations.NewPostgresStore(db, opts)
		require.NoError(t, err)
		require.Equal(t, "public", s.Schema())
	}
	_, err := organizations.NewPostgresStore(nil, nil)
	require.Error(t, err)
}

func TestMigrationsAreVersionedPlainSQL(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(organizations.Migrations(), "*")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	require.True(t, strings.HasPrefix(names[0], "0001_"), "versions start at 1")
	for i, name := range names {
		require.Regexp(t, `^[0-9]{4}_[a-z0-9_]+\.up\.sql$`, name)
		// Ascending and distinct; a gap is allowed (a version taken by a parallel branch).
		require.True(t, i == 0 || name[:4] > names[i-1][:4], "versions ascend: %s", name)
		body, err := fs.ReadFile(organizations.Migrations(), name)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(body), "-- +goose Up\n"), "%s is not a goose migration", name)
		require.NotContains(t, string(body), "{{schema}}", "%s must use unqualified names", name)
		require.NotContains(t, string(body), "TEMPLATE: schema", "%s must use unqualified names", name)
	}
}

// migrationVersions returns the versions recorded in schema's version table.
// embeddedVersions returns the versions of the embedded migrations, in order.
func embeddedVersions(t *testing.T) []int {
	t.Helper()
	names, err := fs.Glob(organizations.Migrations(), "*.up.sql")
	require.NoError(t, err)
	out := make([]int, len(names))
	for i, name := range names {
		v, err := strconv.Atoi(name[:4])
		require.NoError(t, err)
		out[i] = v
	}
	return out
}

func migrationVersions(t *testing.T, pool *pgxpool.Pool, schema string) []int {
	t.Helper()
	rows, err := pool.Query(t.Context(), "SELECT version FROM "+pgx.Identifier{schema}.Sanitize()+".organizations_migrations ORDER BY version")
	require.NoError(t, err)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	require.NoError(t, err)
	return versions
}

func TestPostgresMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	org, err := organizations.New(store, nil).CreateOrganization(t.Context(), "owner", "Acme", nil)
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, store.Migrate(t.Context()))
	}
	require.Equal(t, embeddedVersions(t), migrationVersions(t, pool, store.Schema()))
	got, err := store.Organization(t.Context(), org.ID)
	require.NoError(t, err)
	require.Equal(t, org.ID, got.ID, "migrating again kept the data")
}

// Several instances of an app starting at once all call Migrate on a schema that does not
// exist yet: each succeeds, and the migrations are applied once.
func TestPostgresMigrateConcurrently(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t, func(c *pgxpool.Config) { c.MaxConns = 8 })
	schema := "t_migrate_concurrently_" + randomSuffix(t)
	t.Cleanup(func() {
		if !t.Failed() {
			_, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			require.NoError(t, err)
		}
	})
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
			if err == nil {
				err = store.Migrate(t.Context())
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, embeddedVersions(t), migrationVersions(t, pool, schema))
}

// A host that runs the files with its own tool, with the schema on its search_path, gets
// a working store without calling Migrate.
func TestMigrationsRunByAnotherTool(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	ctx := t.Context()
	names, err := fs.Glob(organizations.Migrations(), "*.up.sql")
	require.NoError(t, err)
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SET search_path TO "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	for _, name := range names {
		body, err := fs.ReadFile(organizations.Migrations(), name)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, string(body))
		require.NoError(t, err, name)
	}
	_, err = conn.Exec(ctx, "RESET search_path")
	require.NoError(t, err)
	conn.Release()

	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	owner, err := svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("owner"), owner.OrganizationUser.UserID)
}

// Two stores in two schemas of one database share nothing: the same slug, user and
// organization ID live in both, and changes to one never show in the other.
func TestPostgresStoresInTwoSchemasAreIndependent(t *testing.T) {
	t.Parallel()
	accounts, _ := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	teams, _ := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	require.NotEqual(t, accounts.Schema(), teams.Schema())
	ctx := t.Context()
	a := organizations.New(accounts, nil)
	b := organizations.New(teams, nil)

	orgA, err := a.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	orgB, err := b.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	require.Equal(t, "acme", orgA.Slug)
	require.Equal(t, "acme", orgB.Slug, "a slug is unique per schema")

	_, err = b.Organization(ctx, orgA.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = a.AddUser(ctx, orgA.ID, "ann", organizations.RoleMember)
	require.NoError(t, err)
	isMember, err := b.IsMember(ctx, orgB.ID, "ann")
	require.NoError(t, err)
	require.False(t, isMember)

	require.NoError(t, a.DeleteOrganization(ctx, orgA.ID))
	got, err := b.Organization(ctx, orgB.ID)
	require.NoError(t, err)
	require.Equal(t, orgB.ID, got.ID)
	page, err := b.OrganizationsForUser(ctx, "owner", organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
}

// Migrate's lock is per schema: while a host's transaction holds it for one schema,
// Migrate on another schema completes, and Migrate on the same schema waits for the
// transaction, then finds the migrations applied.
func TestPostgresMigrateLocksPerSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	app := "migrate_locks_" + randomSuffix(t) // names the waiting session in pg_stat_activity
	pool := pgtest.Pool(t, func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["application_name"] = app })
	held, other := "t_migrate_held_"+randomSuffix(t), "t_migrate_other_"+randomSuffix(t)
	t.Cleanup(func() {
		if !t.Failed() {
			_, err := pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{held}.Sanitize()+", "+
				pgx.Identifier{other}.Sanitize()+" CASCADE")
			require.NoError(t, err)
		}
	})
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	inTx, err := organizations.NewPostgresStore(tx, &organizations.PostgresOptions{Schema: held})
	require.NoError(t, err)
	require.NoError(t, inTx.Migrate(ctx), "takes the lock of the schema until the transaction ends")

	// Under one lock for every schema this would wait for the transaction, forever: the
	// deadline turns that into a failure.
	otherStore, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: other})
	require.NoError(t, err)
	deadline, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	require.NoError(t, otherStore.Migrate(deadline), "Migrate on another schema waited for the held lock")
	require.Equal(t, embeddedVersions(t), migrationVersions(t, pool, other))

	heldStore, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: held})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- heldStore.Migrate(ctx) }()
	// Wait until the server shows that Migrate waits for the advisory lock.
	for waiting := false; !waiting; {
		select {
		case err := <-done:
			t.Fatalf("Migrate on the schema whose lock a transaction holds returned %v before the transaction ended", err)
		default:
		}
		require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory')`, app).Scan(&waiting))
	}
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, <-done)
	require.Equal(t, embeddedVersions(t), migrationVersions(t, pool, held), "the migrations are applied once")
}
