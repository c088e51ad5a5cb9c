package organizations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DBTX runs queries: *pgxpool.Pool, *pgx.Conn and pgx.Tx all satisfy it, as does any
// wrapper of them (the same shape as sqlc's DBTX). For database/sql handles (*sql.DB,
// *sql.Conn, *sql.Tx) see NewPostgresStoreSQL and WithSQLTx.
type DBTX interface {
	Exec(ctx context.Context, sql string, arguments ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PostgresOptions configure a PostgresStore; a nil *PostgresOptions means defaults.
type PostgresOptions struct {
	// Schema is the PostgreSQL schema that holds the store's tables; empty means "public".
	// It must be 1 to 63 lower-case ASCII letters, digits and underscores, not starting
	// with a digit or "pg_". Two stores in two schemas of one database are independent.
	Schema string
	// Replica, if not nil, is a pool (a *pgxpool.Pool, or a DBTX that runs each
	// statement on one) to a hot standby of the database: a streaming replica of one
	// server, whose replay only goes forward. The store sends it the reads of checks
	// and lists (Access, OrganizationUser, Owner, Organization, OrganizationBySlug,
	// CustomRoles, Members, ListMembers, OrganizationsForUser, OrganizationsOwnedBy,
	// ListTeams, ListTeamMembers, Events, AuditEvents) when their context allows:
	//
	//   - WithConsistency(ctx, FullConsistency()): the primary;
	//   - AtLeast(t): the replica if it has replayed the feed up to t, else the primary;
	//   - MinimizeLatency (the default): the replica, once it has replayed this store's
	//     own writes (read-your-own-writes in one process); changes made elsewhere
	//     (another process, a host transaction) show there as late as the standby's
	//     replay lag, which the host monitors (pg_stat_replication.replay_lag).
	//
	// Writes, actor checks (part of the writes) and every other read go to the primary,
	// and so does everything a store from WithTx or WithSQLTx does. A read the replica
	// fails (a recovery conflict, a broken connection, a server that cannot be
	// reached) is answered by the primary; when the server itself failed, the primary
	// answers every read for DefaultReplicaRetry. ReplicaStats counts where reads went.
	//
	// It must not be a pool over several servers (several hosts, a load balancer):
	// what the store knows of one standby's progress would be taken for another's.
	// Give it the same schema as the primary: it is the same database.
	Replica DBTX
}

// PostgresStore is a Store kept in PostgreSQL through pgx. Every operation is one SQL
// statement (one round trip) in the common case, so it is atomic on its own under READ
// COMMITTED, and the invariants (one owner who is an admin member, one membership per
// user, unique slugs, one pending invitation per email) are held by the schema itself,
// so a host's own SQL cannot break them either. Create the tables with Migrate, or with
// your own migration tool from Migrations.
//
// A PostgresStore is safe for concurrent use when its DBTX is (a *pgxpool.Pool is; a
// *pgx.Conn or pgx.Tx is not).
type PostgresStore struct {
	db     DBTX
	schema string
	ident  string   // schema, quoted
	sql    []string // the registered statements (pgStatement), rendered for ident, by pgQuery
	pos    []string // the same with positional parameters (pgCompiled), as sent
	// feed and feedSeq are the feed's table and position sequence, qualified and quoted:
	// the arguments of the statements that number a record themselves (qAddUserCommon).
	feed, feedSeq string
	// limited holds the IDs of organizations AddUser found with a member limit
	// (uuid.UUID -> struct{}), shared by WithTx's copies: their additions start in the
	// limited form, which saves the first round trip. Only a hint: the limited form is
	// correct for any organization (it locks the row exclusively and counts only under
	// a limit), so a limit removed since costs only that stronger lock.
	limited *sync.Map
	replica *replicaRouter // nil: every statement goes to db (see PostgresOptions.Replica)
}

var (
	_ Store           = (*PostgresStore)(nil)
	_ ActivationStore = (*PostgresStore)(nil)
)

// schemaPattern is deliberately stricter than PostgreSQL: a name that never needs quoting
// reads the same in psql, in logs and in a host's own SQL.
var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// NewPostgresStore returns a store on db (a *pgxpool.Pool, *pgx.Conn, pgx.Tx or anything
// that runs queries like them) using the tables in opts.Schema. It does not touch the
// database: call Migrate to create or update the tables. Errors: ErrInvalidSchema, or an
// error if db is nil.
func NewPostgresStore(db DBTX, opts *PostgresOptions) (*PostgresStore, error) {
	if db == nil {
		return nil, errors.New("organizations: NewPostgresStore needs a database (DBTX)")
	}
	schema := "public"
	if opts != nil && opts.Schema != "" {
		schema = opts.Schema
	}
	if !schemaPattern.MatchString(schema) || strings.HasPrefix(schema, "pg_") {
		return nil, fmt.Errorf("%w: %q", ErrInvalidSchema, schema)
	}
	ident := pgx.Identifier{schema}.Sanitize()
	compiled, err := compileStatements()
	if err != nil {
		return nil, err // a statement of this package does not compile: a bug, caught by every test
	}
	stmts, pos := make([]string, len(pgStatements)), make([]string, len(pgStatements))
	for i, q := range pgStatements {
		stmts[i], pos[i] = renderSQL(q, ident), renderSQL(compiled[i].sql, ident)
	}
	if pool, ok := db.(*pgxpool.Pool); ok {
		db = poolDB{pool} // see poolDB: it tells a statement never sent from one whose reply was lost
	}
	var replica *replicaRouter
	if opts != nil {
		replica = newReplicaRouter(opts.Replica)
	}
	return &PostgresStore{db: db, schema: schema, ident: ident, sql: stmts, pos: pos,
		feed: ident + ".organization_events", feedSeq: ident + ".organization_events_pos_seq",
		limited: new(sync.Map), replica: replica}, nil
}

// autocommit reports whether a call runs in a transaction of its own (an autocommit
// statement): on a pool, a *pgx.Conn not in a transaction, or a *sql.DB. A write
// function then numbers its event records itself (organization_events_claim_pos, 0008):
// the numbering lock is held from its last insert to its commit, as the COMMIT-time
// trigger would hold it. Anything else (pgx.Tx, *sql.Tx, *sql.Conn, a wrapper the store
// cannot see through) counts as a host's transaction, whose records are numbered at its
// COMMIT, so that the lock is never held across a host's own work. A *pgx.Conn is asked
// for its state on every call; a *sql.Conn is never asked (its state is behind
// database/sql), so its calls take the COMMIT-time path.
func (s *PostgresStore) autocommit() bool {
	switch db := s.db.(type) {
	case poolDB:
		return true
	case *pgx.Conn:
		return db.PgConn().TxStatus() == 'I'
	case sqlDBTX:
		_, ok := db.db.(*sql.DB)
		return ok
	}
	return false
}

// Schema returns the PostgreSQL schema that holds the store's tables.
func (s *PostgresStore) Schema() string { return s.schema }

// WithTx returns a store on the same schema whose calls run in the host's transaction
// tx, so that a host can create its own rows and, say, an organization atomically. The
// store's invariants still hold inside tx; nothing is visible to others, and Events are
// delivered, before the host commits. Run a Service on it with Service.WithStore, which
// keeps the Service's options. (WithSQLTx does the same for a *sql.Tx.) Every call of
// the returned store, reads included, runs in tx: a Replica is not used.
func (s *PostgresStore) WithTx(tx pgx.Tx) *PostgresStore {
	c := *s
	c.db = tx
	c.replica = nil
	return &c
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the store's schema migrations: forward-only, plain SQL files named
// NNNN_name.up.sql, to be applied in order. They use unqualified table names, so they
// create the tables in the first schema of the search_path; each file starts with a
// "-- +goose Up" line, so goose, golang-migrate and atlas can run them as they are. Hosts
// that use Migrate do not need them.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time: unreachable
	}
	return sub
}
