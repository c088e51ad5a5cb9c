package organizations_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/organizationstest"
)

// The exec modes that work through a transaction pooler (PgBouncer, pool_mode=
// transaction): each message batch is self-contained, so nothing the server connection
// keeps between transactions is relied on. docs/postgres.md recommends them.
var poolerModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"Exec", pgx.QueryExecModeExec},
	{"SimpleProtocol", pgx.QueryExecModeSimpleProtocol},
	{"CacheDescribe", pgx.QueryExecModeCacheDescribe},
}

// bouncerPool returns a pool through the test PgBouncer in exec mode mode.
func bouncerPool(t testing.TB, mode pgx.QueryExecMode, conns int32) *pgxpool.Pool {
	t.Helper()
	return pgtest.PoolAt(t, pgtest.BouncerURL(t), func(c *pgxpool.Config) {
		c.ConnConfig.DefaultQueryExecMode = mode
		c.MaxConns = conns
	})
}

// openBouncerSQL opens a database/sql pool through the test PgBouncer in pgx's exec mode
// mode (a default_query_exec_mode value).
func openBouncerSQL(t testing.TB, mode string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.BouncerURL(t)+"&default_query_exec_mode="+mode)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// The whole conformance suite through PgBouncer in transaction mode, in pgx's Exec mode
// (the one the docs recommend) and over database/sql: the same guarantees as on a direct
// connection, races included.
func TestPostgresStoreConformanceBehindPgBouncer(t *testing.T) {
	pgtest.Heavy(t)
	t.Parallel()
	// The suite in pgx's unnamed-statement mode and over database/sql; the simple
	// protocol and CacheDescribe (which send the same statements through the same
	// pooler, only with another protocol) are held by TestPostgresHostTxBehindPgBouncer.
	for _, m := range poolerModes[:1] {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pool := bouncerPool(t, m.mode, 16)
			organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
				store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
				require.NoError(t, err)
				return store
			})
		})
	}
	t.Run("DatabaseSQL", func(t *testing.T) {
		t.Parallel()
		db := openBouncerSQL(t, "exec")
		organizationstest.TestStore(t, func(t *testing.T) organizations.Store {
			store, err := organizations.NewPostgresStoreSQL(db, &organizations.PostgresOptions{Schema: migratedSchemas.Schema(t)})
			require.NoError(t, err)
			return store
		})
	})
}

// Migrate, and a host's transaction committed and rolled back, through PgBouncer in every
// recommended mode: the organization made in the host's transaction commits or rolls back
// with the host's own row.
func TestPostgresHostTxBehindPgBouncer(t *testing.T) {
	t.Parallel()
	for _, m := range poolerModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			pool := bouncerPool(t, m.mode, 4)
			ctx := t.Context()
			store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: pgtest.NewSchema(t)})
			require.NoError(t, err)
			require.NoError(t, store.Migrate(ctx))
			require.NoError(t, store.Migrate(ctx), "a second Migrate finds nothing to do")
			schema := pgx.Identifier{store.Schema()}.Sanitize()
			_, err = pool.Exec(ctx, "CREATE TABLE "+schema+".host_accounts (name text PRIMARY KEY)")
			require.NoError(t, err)
			outside := organizations.New(store, nil)
			for _, commit := range []bool{false, true} {
				tx, err := pool.Begin(ctx)
				require.NoError(t, err)
				name := map[bool]string{false: "Rolled Back", true: "Committed"}[commit]
				_, err = tx.Exec(ctx, "INSERT INTO "+schema+".host_accounts (name) VALUES ($1)", name)
				require.NoError(t, err)
				inTx := organizations.New(store.WithTx(tx), nil)
				org, err := inTx.CreateOrganization(ctx, "owner", name, nil)
				require.NoError(t, err)
				_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
				require.NoError(t, err)
				_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
				require.ErrorIs(t, err, organizations.ErrAlreadyMember, "a refusal does not abort the host's transaction")
				if commit {
					require.NoError(t, tx.Commit(ctx))
				} else {
					require.NoError(t, tx.Rollback(ctx))
				}
				ok, err := outside.IsMember(ctx, org.ID, "ann")
				require.NoError(t, err)
				require.Equal(t, commit, ok)
			}
			var names []string
			rows, err := pool.Query(ctx, "SELECT name FROM "+schema+".host_accounts")
			require.NoError(t, err)
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"Committed"}, names)
		})
	}
}

// pgx's default mode (named prepared statements, cached per client connection) through a
// transaction pooler: a second client meets the statement the first left on the one server
// connection (42P05), or a client's cached statement is missing on the server connection
// it gets (26000). The store says so with ErrStatementCacheBehindPooler, which wraps the
// server's error, and nothing changed.
func TestPostgresStatementCacheBehindPgBouncerIsExplained(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	schema := pgtest.NewSchema(t)
	direct := pgtest.Pool(t, nil)
	migrated, err := organizations.NewPostgresStore(direct, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, migrated.Migrate(ctx))
	org, err := organizations.New(migrated, nil).CreateOrganization(ctx, "owner", "Pooled", nil)
	require.NoError(t, err)

	// Two clients of the database whose pool has one server connection.
	single := pgtest.BouncerDB(t, pgtest.SingleServerConnDB)
	client := func() *organizations.Service {
		pool := pgtest.PoolAt(t, single, func(c *pgxpool.Config) {
			c.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
			c.MaxConns = 1
		})
		store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
		require.NoError(t, err)
		return organizations.New(store, nil)
	}
	first, second := client(), client()
	_, err = first.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
	require.NoError(t, err, "the first client prepares the statement on the server connection")
	_, err = second.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrStatementCacheBehindPooler)
	require.NotErrorIs(t, err, organizations.ErrOutcomeUnknown)
	require.True(t, strings.Contains(err.Error(), "42P05") || strings.Contains(err.Error(), "26000"), "%v", err)
	ok, err := organizations.New(migrated, nil).IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.False(t, ok, "the refused call changed nothing")
}
