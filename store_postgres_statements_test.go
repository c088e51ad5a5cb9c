package organizations

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// TestPostgresStatementsAsWritten checks every registered statement: it names its
// parameters (no positional $n), qualifies every table with schemaPlaceholder, is valid
// SQL as written (PostgreSQL prepares it on the unqualified tables of the search_path, as
// a SQL tool would), and renders for a store's schema with no placeholder left.
func TestPostgresStatementsAsWritten(t *testing.T) {
	schema, pool := pgtest.Schema(t)
	store, err := NewPostgresStore(pool, &PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(t.Context()))
	require.Len(t, store.sql, len(pgStatements))

	ctx := t.Context()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "SELECT set_config('search_path', $1::text, false)", store.ident)
	require.NoError(t, err)
	defer func() { _, _ = conn.Exec(context.Background(), "RESET search_path") }()

	positional := regexp.MustCompile(`\$[0-9]`)
	table := regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE)\s+(/\* TEMPLATE: schema \*/)?(organizations|memberships|invitations|activations)\b`)
	for i, sql := range pgStatements {
		require.NotRegexp(t, positional, sql, "statement %d names its parameters", i)
		for _, m := range table.FindAllStringSubmatch(sql, -1) {
			require.NotEmpty(t, m[1], "statement %d: %q is qualified with the placeholder", i, m[0])
		}
		rendered := store.sql[i]
		require.NotContains(t, rendered, schemaPlaceholder, "statement %d", i)
		require.Equal(t, strings.Count(sql, schemaPlaceholder), strings.Count(rendered, store.ident+"."), "statement %d", i)

		// As written, with the named parameters rewritten as pgx does.
		positionalSQL, _, err := pgx.NamedArgs{}.RewriteQuery(ctx, nil, sql, nil)
		require.NoError(t, err)
		name := fmt.Sprintf("as_written_%d", i)
		_, err = conn.Exec(ctx, "PREPARE "+name+" AS "+positionalSQL, pgx.QueryExecModeSimpleProtocol)
		require.NoError(t, err, "statement %d is valid SQL as written:\n%s", i, sql)
		_, err = conn.Exec(ctx, "DEALLOCATE "+name, pgx.QueryExecModeSimpleProtocol)
		require.NoError(t, err)
	}
}

// The store binds its statements' named arguments itself, from an order compiled once:
// the same positional text and argument order as pgx's own rewriter gives for every
// statement, and as strict as pgx.StrictNamedArgs (a missing or unused argument is an
// error before anything is sent).
func TestPostgresBindArgsMatchesPgxAndIsStrict(t *testing.T) {
	t.Parallel()
	compiled, err := compileStatements()
	require.NoError(t, err)
	require.Len(t, compiled, len(pgStatements))
	for i, sql := range pgStatements {
		args := pgArgs{}
		strict := pgx.StrictNamedArgs{}
		for j, n := range compiled[i].names {
			args[n], strict[n] = j, j
		}
		want, wantArgs, err := strict.RewriteQuery(t.Context(), nil, sql, nil)
		require.NoError(t, err, "statement %d", i)
		require.Equal(t, want, compiled[i].sql, "statement %d", i)
		got, err := bindArgs(pgQuery(i), args)
		require.NoError(t, err, "statement %d", i)
		require.Equal(t, wantArgs, got, "statement %d", i)
	}

	full := pgArgs{"organization_id": uuid.New(), "user_id": "u"}
	_, err = bindArgs(qMember, full)
	require.NoError(t, err)
	_, err = bindArgs(qMember, pgArgs{"organization_id": uuid.New()})
	require.ErrorContains(t, err, "@user_id missing")
	_, err = bindArgs(qMember, pgArgs{"organization_id": uuid.New(), "user_id": "u", "role": "admin"})
	require.ErrorContains(t, err, "@role unused")
	require.ErrorContains(t, errRow{err}.Scan(), "@role unused")
}

var updateStatements = flag.Bool("update-statements", false, "rewrite testdata/postgres/statements.sql from the registered statements")

// Every statement of the store, as it is sent (its named parameters in place, tables
// unqualified), is in testdata/postgres/statements.sql, grouped by the file that
// declares it: each reads whole in one place, whatever fragments build it, and a change
// to one shows in review as a change of that file. Rewrite it with
// `go test -run TestPostgresStatementsGolden -update-statements .`.
func TestPostgresStatementsGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("-- The PostgreSQL store's statements as rendered (tables unqualified), by the file that\n")
	b.WriteString("-- declares them. Generated: go test -run TestPostgresStatementsGolden -update-statements .\n")
	require.Len(t, pgStatementFiles, len(pgStatements))
	for i, sql := range pgStatements {
		fmt.Fprintf(&b, "\n-- %s, statement %d\n%s;\n", pgStatementFiles[i], i, strings.TrimSpace(strings.ReplaceAll(sql, schemaPlaceholder, "")))
	}
	path := filepath.Join("testdata", "postgres", "statements.sql")
	if *updateStatements {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	if got := b.String(); got != string(want) {
		w, g := strings.Split(string(want), "\n"), strings.Split(got, "\n")
		i := 0
		for i < len(w) && i < len(g) && w[i] == g[i] {
			i++
		}
		t.Fatalf("the statements changed from line %d of %s (want %q, got %q): rerun with -update-statements and review the diff",
			i+1, path, lineAt(w, i), lineAt(g, i))
	}
}

// lineAt is lines[i], or "" past the end.
func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}
