package organizations

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// pgQuery is the handle of one of PostgresStore's statements: an index into
// PostgresStore.sql, the statements rendered for the store's schema.
type pgQuery int

// pgStatements are the statements of PostgresStore as written, in the order pgStatement
// registered them (package initialisation); each is rendered once per store by
// NewPostgresStore.
var pgStatements []string

// pgStatement registers the statement sql and returns its handle. Every statement is
// declared once, as
//
//	var qFoo = pgStatement(`SELECT ... FROM /* TEMPLATE: schema */organizations ...`)
//
// so that adding one touches one place. Statements name their parameters (@name, passed
// as pgArgs, so that a missing or unused argument is an error) and qualify
// the store's tables with schemaPlaceholder.
func pgStatement(sql string) pgQuery {
	pgStatements = append(pgStatements, sql)
	pgStatementFiles = append(pgStatementFiles, registeringFile())
	return pgQuery(len(pgStatements) - 1)
}

// pgStatementFiles are the source files that registered pgStatements, by pgQuery: the
// golden copy of the statements (testdata/postgres/statements.sql) is grouped by them.
var pgStatementFiles []string

// registeringFile is the base name of the file whose package-level declaration called
// pgStatement.
func registeringFile() string {
	pcs := make([]uintptr, 1)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	f, _ := frames.Next()
	return filepath.Base(f.File)
}

// schemaPlaceholder stands before every table name of the store's statements. It is a
// comment, so a statement as written is valid SQL on unqualified tables (for psql, EXPLAIN
// and SQL tools); renderSQL replaces it with the store's quoted schema and a dot, once, at
// construction, in constant SQL text: no input is ever spliced into SQL.
const schemaPlaceholder = "/* TEMPLATE: schema */"

// renderSQL returns sql with its tables qualified by the quoted schema ident.
func renderSQL(sql, ident string) string {
	return strings.ReplaceAll(sql, schemaPlaceholder, ident+".")
}

// pgArgs are the named arguments of one of the store's statements (@name in its text).
// The store binds them to the statement's positional parameters itself (bindArgs), from
// the order its text was compiled to once (pgCompiled), instead of having pgx rewrite
// the text on every call, as pgx.StrictNamedArgs does (18 to 26 µs and about 110
// allocations per AddUser: docs/benchmarks.md). The rule of StrictNamedArgs holds: a
// missing or unused argument is an error, and the statement is not sent.
type pgArgs map[string]any

// pgCompiledSQL is a registered statement with its named parameters made positional:
// sql (still with schemaPlaceholder) and names, the argument of $1, $2, ... in order.
type pgCompiledSQL struct {
	sql   string
	names []string
}

var (
	pgCompileOnce sync.Once
	pgCompiled    []pgCompiledSQL // by pgQuery
	pgCompileErr  error
)

// pgParamName matches a named parameter candidate; compileStatement keeps only those
// pgx's own lexer takes for parameters (not those in comments or string literals).
var pgParamName = regexp.MustCompile(`@([a-zA-Z_][a-zA-Z0-9_]*)`)

// compileStatements compiles every registered statement, once: pgx's own rewriter
// (pgx.NamedArgs) numbers the parameters, and, given each name as its own value, tells
// which name each number stands for.
func compileStatements() ([]pgCompiledSQL, error) {
	pgCompileOnce.Do(func() {
		out := make([]pgCompiledSQL, len(pgStatements))
		for i, sql := range pgStatements {
			named := pgx.NamedArgs{}
			for _, m := range pgParamName.FindAllStringSubmatch(sql, -1) {
				named[m[1]] = m[1]
			}
			pos, args, err := named.RewriteQuery(context.Background(), nil, sql, nil)
			if err != nil {
				pgCompileErr = fmt.Errorf("organizations: statement %d: %w", i, err)
				return
			}
			c := pgCompiledSQL{sql: pos, names: make([]string, len(args))}
			for j, a := range args {
				c.names[j] = a.(string)
			}
			out[i] = c
		}
		pgCompiled = out
	})
	return pgCompiled, pgCompileErr
}

// usesArg reports whether statement q has the parameter @name.
func usesArg(q pgQuery, name string) bool {
	compiled, _ := compileStatements() // done by NewPostgresStore, which failed on an error
	return slices.Contains(compiled[q].names, name)
}

// bindArgs returns args in the order of q's positional parameters, or an error naming a
// missing or unused argument. A uuid.UUID goes as a pgtype.UUID: pgx encodes that one
// directly, where a uuid.UUID (a driver.Valuer giving text) costs it, per argument, a
// failed binary encoding (an error built with fmt.Errorf), a text parse and a second
// encoding. A pgtype.UUID is a driver.Valuer too (its text), for database/sql.
func bindArgs(q pgQuery, args pgArgs) ([]any, error) {
	compiled, _ := compileStatements() // done by NewPostgresStore, which failed on an error
	names := compiled[q].names
	out := make([]any, len(names))
	for i, n := range names {
		v, ok := args[n]
		if !ok {
			return nil, fmt.Errorf("organizations: statement %d: argument @%s missing", q, n)
		}
		if u, ok := v.(uuid.UUID); ok {
			v = pgtype.UUID{Bytes: u, Valid: true}
		}
		out[i] = v
	}
	if len(args) != len(names) {
		for n := range args {
			if !slices.Contains(names, n) {
				return nil, fmt.Errorf("organizations: statement %d: argument @%s unused", q, n)
			}
		}
	}
	return out, nil
}

// queryRow runs statement q, which returns at most one row, with args.
func (s *PostgresStore) queryRow(ctx context.Context, q pgQuery, args pgArgs) pgx.Row {
	a, err := bindArgs(q, args)
	if err != nil {
		return errRow{err}
	}
	row := s.db.QueryRow(ctx, s.pos[q], a...)
	if s.replica != nil && mayWrite(q) {
		return writeRow{row, s.replica} // counted for read-your-own-writes (ownWrites)
	}
	return row
}

// call runs q, one of the statements that call a PL/pgSQL function making a change in
// its atomic step, which answers one row: the outcome, then the columns scanned into
// rows. It returns the outcome, or ctx's error (before it starts), pgError's (the
// statement failed) or pgOutcome's (the function refused the change).
func (s *PostgresStore) call(ctx context.Context, q pgQuery, args pgArgs, rows ...[]any) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var outcome string
	if err := s.queryRow(ctx, q, args).Scan(dest([]any{&outcome}, rows...)...); err != nil {
		return "", pgError(ctx, err)
	}
	if err := pgOutcome(outcome); err != nil {
		return "", err
	}
	return outcome, nil
}

// query runs statement q with args.
func (s *PostgresStore) query(ctx context.Context, q pgQuery, args pgArgs) (pgx.Rows, error) {
	a, err := bindArgs(q, args)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.pos[q], a...)
	if s.replica != nil && mayWrite(q) {
		if err != nil {
			s.replica.wrote()
			return rows, err
		}
		return &writeRows{Rows: rows, r: s.replica}, nil
	}
	return rows, err
}

// exec runs statement q with args.
func (s *PostgresStore) exec(ctx context.Context, q pgQuery, args pgArgs) (pgconn.CommandTag, error) {
	a, err := bindArgs(q, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if s.replica != nil && mayWrite(q) {
		defer s.replica.wrote()
	}
	return s.db.Exec(ctx, s.pos[q], a...)
}

// errRow is a pgx.Row whose Scan returns err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
