package organizations

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// SQLDBTX runs queries through database/sql: *sql.DB, *sql.Conn and *sql.Tx satisfy it,
// and so do handles that embed one unchanged (sqlx's DB and Tx) or pass SQL through to one
// (GORM's Statement.ConnPool). Pass bun's embedded *sql.DB or *sql.Tx (db.DB, tx.Tx), not
// bun's own types: their methods rewrite the SQL. The connections must come from pgx's
// database/sql driver, github.com/jackc/pgx/v5/stdlib (sql.Open("pgx", url),
// stdlib.OpenDB or stdlib.OpenDBFromPool), which reports PostgreSQL's errors as
// *pgconn.PgError and decodes every type the store reads.
type SQLDBTX interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// NewPostgresStoreSQL returns a store on db, a database/sql handle (*sql.DB, *sql.Conn,
// *sql.Tx or a wrapper of one, see SQLDBTX), using the tables in opts.Schema: the same
// statements, one round trip each, and the same guarantees and errors as NewPostgresStore
// on pgx. Migrate works on a *sql.DB or *sql.Conn (a transaction per migration) and on a
// *sql.Tx (a savepoint per migration). It does not touch the database. Errors:
// ErrInvalidSchema, or an error if db is nil.
//
// A store on a *sql.DB is safe for concurrent use; one on a *sql.Conn or *sql.Tx is not.
func NewPostgresStoreSQL(db SQLDBTX, opts *PostgresOptions) (*PostgresStore, error) {
	if db == nil {
		return nil, errors.New("organizations: NewPostgresStoreSQL needs a database (SQLDBTX)")
	}
	return NewPostgresStore(sqlDBTX{db}, opts)
}

// WithSQLTx is WithTx for database/sql hosts: it returns a store on the same schema whose
// calls run in the host's transaction tx (a *sql.Tx, or a handle on one: see SQLDBTX;
// for GORM, a transaction's Statement.ConnPool), opened on pgx's stdlib driver. The store may have been made by NewPostgresStore or NewPostgresStoreSQL. The
// store's invariants still hold inside tx; nothing is visible to others, and Events are
// delivered, before the host commits.
func (s *PostgresStore) WithSQLTx(tx SQLDBTX) *PostgresStore {
	c := *s
	c.db = sqlDBTX{tx}
	c.replica = nil // every call runs in tx, as with WithTx
	return &c
}

// sqlDBTX is the DBTX of a database/sql handle. The store's own statements come with
// positional arguments (bindArgs); named arguments (pgx.StrictNamedArgs, pgx.NamedArgs) are
// rewritten to positional ones here, by pgx's own rewriter, so that database/sql sees
// plain $n parameters whatever wraps its driver; the rest of the arguments reach pgx
// through the stdlib driver as they are.
type sqlDBTX struct{ db SQLDBTX }

// sqlArgs turns a leading query rewriter (pgx.StrictNamedArgs, pgx.NamedArgs) into
// positional arguments.
func sqlArgs(ctx context.Context, query string, args []any) (string, []any, error) {
	if len(args) == 0 {
		return query, args, nil
	}
	rw, ok := args[0].(pgx.QueryRewriter)
	if !ok {
		return query, args, nil
	}
	q, a, err := rw.RewriteQuery(ctx, nil, query, args[1:])
	if err != nil {
		return "", nil, err
	}
	return q, a, nil
}

// sqlErr gives database/sql's errors pgx's meaning: no row is pgx.ErrNoRows. Others
// (*pgconn.PgError included) stay as they are.
func sqlErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return pgx.ErrNoRows
	}
	return err
}

// Exec runs a statement. The command tag it returns is empty: database/sql does not
// report it.
func (d sqlDBTX) Exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	query, args, err := sqlArgs(ctx, query, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	_, err = d.db.ExecContext(ctx, query, args...)
	return pgconn.CommandTag{}, sqlErr(err)
}

func (d sqlDBTX) Query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	query, args, err := sqlArgs(ctx, query, args)
	if err != nil {
		return &sqlRows{err: err}, err
	}
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		err = sqlErr(err)
		return &sqlRows{err: err}, err
	}
	return &sqlRows{rows: rows}, nil
}

func (d sqlDBTX) QueryRow(ctx context.Context, query string, args ...any) pgx.Row {
	query, args, err := sqlArgs(ctx, query, args)
	if err != nil {
		return sqlRow{err: err}
	}
	return sqlRow{row: d.db.QueryRowContext(ctx, query, args...)}
}

// sqlRow is a pgx.Row over a *sql.Row.
type sqlRow struct {
	row *sql.Row
	err error
}

func (r sqlRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return sqlErr(r.row.Scan(dest...))
}

// sqlRows is a pgx.Rows over *sql.Rows: what pgx.ForEachRow and the store's scanners use
// (Next, Scan, Err, Close, Values, FieldDescriptions with names only). CommandTag is
// empty, and RawValues, Conn and TypeMap nil: database/sql exposes none of them.
type sqlRows struct {
	// pgx.Rows, always nil, keeps sqlRows a pgx.Rows when a later pgx release adds a
	// method to the interface (v5.12 added TypeMap); the store never calls one it lacks.
	pgx.Rows
	rows *sql.Rows // nil when the query failed
	err  error
}

func (r *sqlRows) Close() {
	if r.rows != nil {
		if err := r.rows.Close(); err != nil && r.err == nil {
			r.err = err
		}
	}
}

func (r *sqlRows) Err() error {
	if r.err != nil {
		return r.err
	}
	if r.rows != nil {
		return sqlErr(r.rows.Err())
	}
	return nil
}

func (r *sqlRows) CommandTag() pgconn.CommandTag { return pgconn.CommandTag{} }

func (r *sqlRows) FieldDescriptions() []pgconn.FieldDescription {
	if r.rows == nil {
		return nil
	}
	cols, err := r.rows.Columns()
	if err != nil {
		return nil
	}
	out := make([]pgconn.FieldDescription, len(cols))
	for i, c := range cols {
		out[i].Name = c
	}
	return out
}

func (r *sqlRows) Next() bool {
	if r.rows == nil || r.err != nil {
		return false
	}
	return r.rows.Next()
}

// Scan reads the current row; a failure ends the iteration and is reported by Err too,
// as pgx.Rows does.
func (r *sqlRows) Scan(dest ...any) error {
	if r.rows == nil {
		return r.Err()
	}
	if err := r.rows.Scan(dest...); err != nil {
		r.err = err
		_ = r.rows.Close()
		return err
	}
	return nil
}

func (r *sqlRows) Values() ([]any, error) {
	if r.rows == nil {
		return nil, r.Err()
	}
	cols, err := r.rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, nil
}

func (r *sqlRows) RawValues() [][]byte { return nil }

func (r *sqlRows) Conn() *pgx.Conn { return nil }

func (r *sqlRows) TypeMap() *pgtype.Map { return nil }

// sqlBeginner is a database/sql handle that begins transactions: *sql.DB, *sql.Conn.
type sqlBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// begin starts what Migrate runs one migration in: a READ COMMITTED transaction on a
// handle that begins them, else a savepoint of the transaction the handle is.
func (d sqlDBTX) begin(ctx context.Context) (migrationTx, error) {
	if b, ok := d.db.(sqlBeginner); ok {
		tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		if err != nil {
			return nil, err
		}
		return sqlTx{sqlDBTX{tx}, tx}, nil
	}
	if _, err := d.Exec(ctx, "SAVEPOINT organizations_migrate"); err != nil {
		return nil, err
	}
	return sqlSavepoint{d}, nil
}

// sqlTx is a migrationTx on a database/sql transaction.
type sqlTx struct {
	sqlDBTX
	tx *sql.Tx
}

func (t sqlTx) Commit(context.Context) error   { return t.tx.Commit() }
func (t sqlTx) Rollback(context.Context) error { return t.tx.Rollback() }

// sqlSavepoint is a migrationTx on a savepoint of the host's database/sql transaction.
type sqlSavepoint struct{ sqlDBTX }

func (t sqlSavepoint) Commit(ctx context.Context) error {
	_, err := t.Exec(ctx, "RELEASE SAVEPOINT organizations_migrate")
	return err
}

func (t sqlSavepoint) Rollback(ctx context.Context) error {
	_, err := t.Exec(ctx, "ROLLBACK TO SAVEPOINT organizations_migrate")
	return err
}
