package organizations

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// poolDB is the DBTX a PostgresStore uses for a *pgxpool.Pool. It acquires the
// connection itself, so that a failure to get one (the context ended while the pool was
// exhausted, the pool is closed) is known to have sent nothing: the pool's own Query
// returns such a context error bare, exactly as pgx reports a context cancelled while
// the statement was on the wire, whose outcome is unknown.
type poolDB struct {
	pool *pgxpool.Pool
}

// acquireError is a failure to get a connection from the pool: nothing was sent.
type acquireError struct{ err error }

func (e *acquireError) Error() string     { return e.err.Error() }
func (e *acquireError) Unwrap() error     { return e.err }
func (e *acquireError) SafeToRetry() bool { return true }

func (p poolDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, &acquireError{err}
	}
	defer c.Release()
	return c.Exec(ctx, sql, args...)
}

func (p poolDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		err = &acquireError{err}
		return errRows{err}, err
	}
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		c.Release()
		return errRows{err}, err
	}
	return &releasingRows{Rows: rows, c: c}, nil
}

func (p poolDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return errRows{&acquireError{err}}
	}
	return releasingRow{row: c.QueryRow(ctx, sql, args...), c: c}
}

// Begin and BeginTx let Migrate open its transactions on the pool.
func (p poolDB) Begin(ctx context.Context) (pgx.Tx, error) { return p.pool.Begin(ctx) }

func (p poolDB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	return p.pool.BeginTx(ctx, opts)
}

// releasingRow releases its connection once scanned, as the pool's own rows do.
type releasingRow struct {
	row pgx.Row
	c   *pgxpool.Conn
}

func (r releasingRow) Scan(dest ...any) error {
	defer r.c.Release()
	return r.row.Scan(dest...)
}

// releasingRows releases its connection when closed, which Next does after the last row.
type releasingRows struct {
	pgx.Rows
	c *pgxpool.Conn
}

func (r *releasingRows) Close() {
	r.Rows.Close()
	if r.c != nil {
		r.c.Release()
		r.c = nil
	}
}

func (r *releasingRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *releasingRows) Scan(dest ...any) error {
	err := r.Rows.Scan(dest...)
	if err != nil {
		r.Close()
	}
	return err
}

func (r *releasingRows) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if err != nil {
		r.Close()
	}
	return v, err
}

// errRows is the rows, or row, of a query that failed before it began.
type errRows struct{ err error }

func (errRows) Close()                                       {}
func (e errRows) Err() error                                 { return e.err }
func (errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (errRows) Next() bool                                   { return false }
func (e errRows) Scan(...any) error                          { return e.err }
func (e errRows) Values() ([]any, error)                     { return nil, e.err }
func (errRows) RawValues() [][]byte                          { return nil }
func (errRows) Conn() *pgx.Conn                              { return nil }
func (errRows) TypeMap() *pgtype.Map                         { return nil }
