package organizations

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// migrateLockKey returns the key of the advisory lock that serialises Migrate on schema:
// the 64-bit FNV-1a hash of "organizations migrate " and the schema's name. Concurrent
// CREATE SCHEMA or CREATE TABLE IF NOT EXISTS statements on one schema are not safe
// without it. Every process computes the same key for a schema, so Migrate calls on one
// schema wait for each other, while those on different schemas run at once (two schemas
// whose keys collide merely wait for each other too).
func migrateLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("organizations migrate "))
	h.Write([]byte(schema))
	return int64(h.Sum64())
}

// migrationTable records the applied migrations, in the store's schema.
const migrationTable = "organizations_migrations"

var migrationName = regexp.MustCompile(`^([0-9]+)_([a-z0-9_]+)\.up\.sql$`)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(Migrations(), ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("organizations: unexpected migration file %q", e.Name())
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, err
		}
		body, err := fs.ReadFile(Migrations(), e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: m[2], sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

type txBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

type txOptionsBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Migrate creates the schema if it does not exist and applies the migrations it has not
// applied yet, each in its own transaction, in order, recording them in the table
// organizations_migrations of the schema. It is idempotent, and safe when several
// processes or goroutines call it at once: an advisory lock keyed by the schema's name
// serialises the calls on one schema (calls on different schemas do not wait for each
// other). With a pgx.Tx as DBTX (or a *sql.Tx, see NewPostgresStoreSQL), each migration runs in a
// savepoint of it.
//
// A schema that goose migrated with the same files (Migrations) is recognised: while
// organizations_migrations records nothing, and the schema holds the store's tables,
// the versions goose recorded as applied in goose_db_version (in the schema, or else the
// one on the connection's search_path) count as applied. Migrate copies them into
// organizations_migrations and applies only the newer files; from then on it is the
// schema's migration runner. A goose table under another name (goose -table) is not
// looked for.
//
// The database user needs the privilege to create tables in the schema (and to create
// the schema if it is missing). Errors: the database's, the context's, or an error if the
// DBTX cannot begin transactions.
func (s *PostgresStore) Migrate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	migs, err := migrations()
	if err != nil {
		return err
	}
	for {
		done, err := s.migrateOne(ctx, migs)
		if err != nil {
			return poolerError(err)
		}
		if done {
			return nil
		}
	}
}

// migrationTx is what Migrate runs one migration in: a pgx.Tx, or a database/sql
// transaction or savepoint (sqlDBTX.begin).
type migrationTx interface {
	DBTX
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// begin starts a READ COMMITTED transaction (or a savepoint of the host's transaction):
// every statement after the advisory lock must see what the previous holder committed,
// whatever the connection's default isolation level.
func (s *PostgresStore) begin(ctx context.Context) (migrationTx, error) {
	if d, ok := s.db.(sqlDBTX); ok {
		return d.begin(ctx)
	}
	if b, ok := s.db.(txOptionsBeginner); ok {
		return b.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	}
	if b, ok := s.db.(txBeginner); ok {
		return b.Begin(ctx)
	}
	return nil, errors.New("organizations: Migrate needs a DBTX with a Begin method, such as *pgxpool.Pool, *pgx.Conn or pgx.Tx, or a store from NewPostgresStoreSQL")
}

// migrateOne applies the first pending migration in one transaction and reports whether
// there was none.
func (s *PostgresStore) migrateOne(ctx context.Context, migs []migration) (done bool, err error) {
	tx, err := s.begin(ctx)
	if err != nil {
		return false, pgError(ctx, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	table := s.ident + "." + migrationTable
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1::bigint)", migrateLockKey(s.schema)); err != nil {
		return false, pgError(ctx, err)
	}
	// CREATE SCHEMA IF NOT EXISTS checks the CREATE privilege on the database even when
	// the schema exists, so look first: a host may own only its schema.
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1::text)", s.schema).Scan(&exists); err != nil {
		return false, pgError(ctx, err)
	}
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+s.ident); err != nil {
			return false, pgError(ctx, err)
		}
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+table+` (
		version    integer     NOT NULL,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now(),
		CONSTRAINT organizations_migrations_pkey PRIMARY KEY (version))`); err != nil {
		return false, pgError(ctx, err)
	}
	applied, byGoose, err := s.appliedVersions(ctx, tx)
	if err != nil {
		return false, err
	}
	if byGoose {
		if err := s.adoptGoose(ctx, tx, applied, migs); err != nil {
			return false, err
		}
	}
	i := slices.IndexFunc(migs, func(m migration) bool { return !slices.Contains(applied, m.version) })
	if i < 0 {
		return true, pgError(ctx, tx.Commit(ctx))
	}
	if err := s.apply(ctx, tx, migs[i]); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (version, name) VALUES ($1::integer, $2::text)", migs[i].version, migs[i].name); err != nil {
		return false, pgError(ctx, err)
	}
	return false, pgError(ctx, tx.Commit(ctx))
}

// apply runs m's unqualified SQL with the store's schema first on the search_path (and
// pg_temp last, so that a temporary table never stands in for one of ours), then puts the
// search_path back: in a savepoint of a host's transaction, a local setting would outlive
// the savepoint.
func (s *PostgresStore) apply(ctx context.Context, tx migrationTx, m migration) error {
	var old string
	if err := tx.QueryRow(ctx, "SELECT current_setting('search_path')").Scan(&old); err != nil {
		return pgError(ctx, err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1::text, true)", s.ident+", pg_temp"); err != nil {
		return pgError(ctx, err)
	}
	// Without arguments pgx sends the file in one simple-protocol message, which may hold
	// several statements.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return fmt.Errorf("organizations: migration %d_%s: %w", m.version, m.name, pgError(ctx, err))
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1::text, true)", old); err != nil {
		return pgError(ctx, err)
	}
	return nil
}
