package organizations_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// openSQL opens a database/sql pool on the test server through pgx's stdlib driver, with
// query exec mode mode ("" for pgx's default), closed when the test ends.
func openSQL(t testing.TB, mode string) *sql.DB {
	t.Helper()
	url := pgtest.URL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	// Commits without waiting for the disk, as pgtest's own pools do: a test database
	// needs no durability across a crash of its server.
	url += sep + "synchronous_commit=off"
	if mode != "" {
		url += "&default_query_exec_mode=" + mode
	}
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// newSQLStore returns a store over db in a fresh schema of its own, migrated through
// database/sql.
func newSQLStore(t testing.TB, db *sql.DB) *organizations.PostgresStore {
	t.Helper()
	store, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: pgtest.NewSchema(t)})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(t.Context()))
	return store
}

// The whole conformance suite over database/sql (pgx's stdlib driver), in its default
// mode (the statement cache, as most database/sql hosts run it): the same SQL and the
// same guarantees as on pgx. Each test takes a migrated schema from migratedSchemas, as
// the pgx suite does (migrating one per test through database/sql took most of the
// package's time; TestPostgresMigrateDatabaseSQL covers migrating through it). Heavy
// tier: database/sql runs the statements that pgx runs, and the fast tier holds it to
// them with the tests written for it (host transactions, the feed's order, the rights
// sweep and the assigned-role wait over database/sql); the suite again cost 13 CPU
// seconds of the fast tier's 60-second budget.
//
// The suite also runs over database/sql behind PgBouncer, in pgx's exec mode
// (TestPostgresStoreConformanceBehindPgBouncer), and on pgx in the simple protocol
// (TestPostgresStoreConformance); a third run here, over database/sql in the simple
// protocol, sent the simple protocol's statements again through the same adapter for 20
// CPU seconds of the heavy tier, and was dropped: TestPostgresStoreWithSQLTx still runs
// a host's transaction over database/sql in that mode.
func TestPostgresStoreConformanceDatabaseSQL(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t)
	db := openSQL(t, "")
	// As many idle connections kept as open: with database/sql's default of 2, the
	// parallel subtests closed and opened connections all the time, and each new server
	// process built its catalog caches and prepared its statements again (more than
	// twice the server's time of the pgx suite).
	db.SetMaxOpenConns(testConns)
	db.SetMaxIdleConns(testConns)
	organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
		store, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
		require.NoError(t, err)
		return store
	})
}

func TestNewPostgresStoreSQLValidates(t *testing.T) {
	_, err := organizations.NewPostgresStoreSQL(nil, nil)
	require.Error(t, err)
	_, err = organizations.NewPostgresStoreSQL((*sql.DB)(nil), &organizations.PostgresOptions{Schema: "Bad"})
	require.ErrorIs(t, err, organizations.ErrInvalidSchema)
	s, err := organizations.NewPostgresStoreSQL((*sql.DB)(nil), nil)
	require.NoError(t, err, "construction does not touch the database")
	require.Equal(t, "public", s.Schema())
}

// A host's database/sql transaction: its own row and an organization made through a
// Service on the store joined to it commit together or roll back together, and the
// Service keeps its options (here Events) on the joined store. In the driver's default
// mode and in the simple protocol (the one test of database/sql in that mode: the
// adapter binds the same arguments in every mode, and the suite runs the simple
// protocol's statements on pgx).
func TestPostgresStoreWithSQLTx(t *testing.T) {
	for _, mode := range []string{"", "simple_protocol"} {
		t.Run(map[string]string{"": "CacheStatement", "simple_protocol": "SimpleProtocol"}[mode], func(t *testing.T) {
			testWithSQLTx(t, openSQL(t, mode))
		})
	}
}

func testWithSQLTx(t *testing.T, db *sql.DB) {
	store := newSQLStore(t, db)
	ctx := t.Context()
	schema := pgx.Identifier{store.Schema()}.Sanitize()
	_, err := db.ExecContext(ctx, "CREATE TABLE "+schema+".host_accounts (name text PRIMARY KEY)")
	require.NoError(t, err)

	var events []organizations.Event
	svc := organizations.New(store, &organizations.Options{
		Events: func(_ context.Context, e organizations.Event) { events = append(events, e) },
	})
	for _, commit := range []bool{false, true} {
		events = nil
		name := map[bool]string{false: "Rolled Back", true: "Committed"}[commit]
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, "INSERT INTO "+schema+".host_accounts (name) VALUES ($1)", name)
		require.NoError(t, err)
		inTx := svc.WithStore(store.WithSQLTx(tx))
		org, err := inTx.CreateOrganization(ctx, "owner", name, nil)
		require.NoError(t, err)
		_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
		require.NoError(t, err)
		// A refused call does not abort the host's transaction.
		_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
		require.ErrorIs(t, err, organizations.ErrAlreadyMember)
		require.ErrorIs(t, inTx.RemoveUser(ctx, org.ID, "owner"), organizations.ErrOwnershipRequired)
		require.Len(t, events, 2, "the joined Service kept Options.Events: create and add")

		// The transaction sees its own rows; others do not, before the commit.
		got, err := inTx.Organization(ctx, org.ID)
		require.NoError(t, err)
		require.Equal(t, name, got.Name)
		_, err = svc.Organization(ctx, org.ID)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)

		if commit {
			require.NoError(t, tx.Commit())
		} else {
			require.NoError(t, tx.Rollback())
		}
		_, err = svc.Organization(ctx, org.ID)
		if commit {
			require.NoError(t, err)
			isMember, err := svc.IsMember(ctx, org.ID, "ann")
			require.NoError(t, err)
			require.True(t, isMember)
		} else {
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		}
	}
	var names []string
	rows, err := db.QueryContext(ctx, "SELECT name FROM "+schema+".host_accounts ORDER BY name")
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{"Committed"}, names)
	for table, want := range map[string]int{"organizations": 1, "memberships": 2} {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM "+schema+"."+table).Scan(&n))
		require.Equal(t, want, n, table)
	}
}

// Over database/sql, a constraint violation is still the sentinel and the
// *pgconn.PgError, and a missing row is still the library's not-found error.
func TestPostgresStoreSQLErrors(t *testing.T) {
	db := openSQL(t, "")
	store := newSQLStore(t, db)
	ctx := t.Context()
	org, err := organizations.New(store, nil).CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	m := organizations.OrganizationUser{ID: newID(t), OrganizationID: org.ID, UserID: "ann", Role: "owner",
		CreatedAt: org.CreatedAt, UpdatedAt: org.CreatedAt}
	err = store.AddUser(ctx, organizations.AddUserParams{Membership: m})
	require.ErrorIs(t, err, organizations.ErrInvalidRole, "a role neither declared nor custom, classified by the statement")
	m.Role, m.UserID = organizations.RoleMember, ""
	err = store.AddUser(ctx, organizations.AddUserParams{Membership: m})
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "memberships_user_id_check", pe.ConstraintName)

	_, err = store.Organization(ctx, newID(t))
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = store.OrganizationUser(ctx, org.ID, "nobody")
	require.ErrorIs(t, err, organizations.ErrNotMember)

	// A store on a schema nobody migrated fails with PostgreSQL's error, reachable.
	bare, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: pgtest.NewSchema(t)})
	require.NoError(t, err)
	_, err = bare.Organization(ctx, org.ID)
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "42P01", pe.Code, "undefined_table")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = store.Organization(cancelled, org.ID)
	require.ErrorIs(t, err, context.Canceled)
}

// Migrate on a *sql.Conn runs a transaction per migration; on a *sql.Tx, a savepoint per
// migration, rolled back with the host's transaction.
func TestPostgresMigrateDatabaseSQL(t *testing.T) {
	db := openSQL(t, "")
	ctx := t.Context()

	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	schema := pgtest.NewSchema(t)
	store, err := organizations.NewPostgresStoreSQL(conn, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.Migrate(ctx), "idempotent")
	require.NoError(t, store.CheckSchema(ctx))
	_, err = organizations.New(store, nil).CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)

	txSchema := "t_migrate_sql_tx_" + randomSuffix(t)
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	var before string
	require.NoError(t, tx.QueryRowContext(ctx, "SHOW search_path").Scan(&before))
	inTx, err := organizations.NewPostgresStoreSQL(tx, &organizations.PostgresOptions{Schema: txSchema})
	require.NoError(t, err)
	require.NoError(t, inTx.Migrate(ctx))
	require.NoError(t, inTx.Migrate(ctx), "again, in the same transaction")
	require.NoError(t, inTx.CheckSchema(ctx))
	var after string
	require.NoError(t, tx.QueryRowContext(ctx, "SHOW search_path").Scan(&after))
	require.Equal(t, before, after)
	_, err = organizations.New(inTx, nil).CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())

	var exists bool
	require.NoError(t, db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", txSchema).Scan(&exists))
	require.False(t, exists, "the rolled back transaction left the schema behind")
}
