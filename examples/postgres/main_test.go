package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

var update = flag.Bool("update", false, "rewrite testdata/postgres.golden from the current output")

var golden = filepath.Join("testdata", "postgres.golden")

// transcript is the output of run in a fresh schema, with the schema's name, the one
// thing that differs from run to run, written as the default's.
func transcript(t *testing.T, schema string, out []byte) string {
	t.Helper()
	return strings.ReplaceAll(string(out), `"`+schema+`"`, `"`+defaultSchema+`"`)
}

func TestPostgresExampleMatchesGolden(t *testing.T) {
	t.Parallel()
	url, schema := pgtest.URL(t), pgtest.NewSchema(t)
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, url, schema))
	got := transcript(t, schema, out.Bytes())
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create the golden file")
	require.Equal(t, string(want), got)
}

// A second run in the same schema finds the tables there, prints the same, and, like the
// first, leaves no rows behind.
func TestPostgresExampleIsRepeatable(t *testing.T) {
	t.Parallel()
	url, schema := pgtest.URL(t), pgtest.NewSchema(t)
	var first, second bytes.Buffer
	require.NoError(t, run(t.Context(), &first, url, schema))
	require.NoError(t, run(t.Context(), &second, url, schema))
	require.Equal(t, first.String(), second.String())

	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(t.Context())
	s := pgx.Identifier{schema}.Sanitize()
	var orgs, members int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT (SELECT count(*) FROM "+s+".organizations), "+
		"(SELECT count(*) FROM "+s+".memberships)").Scan(&orgs, &members))
	require.Equal(t, []int{0, 0}, []int{orgs, members})
}

func TestPostgresExampleTakesTheURLFromTheCommandLine(t *testing.T) {
	t.Parallel()
	url, schema := pgtest.URL(t), pgtest.NewSchema(t)
	var stdout, stderr bytes.Buffer
	noEnv := func(string) string { return "" }
	code := cli(t.Context(), []string{"-database-url", url, "-schema", schema}, noEnv, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Empty(t, stderr.String())
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), transcript(t, schema, stdout.Bytes()))
}

func TestPostgresExampleNeedsADatabase(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := cli(t.Context(), nil, func(string) string { return "" }, &stdout, &stderr)
	require.Equal(t, 2, code)
	require.Empty(t, stdout.String())
	require.Contains(t, stderr.String(), "DATABASE_URL")
	require.Contains(t, stderr.String(), "-database-url")

	stderr.Reset()
	require.Equal(t, 2, cli(t.Context(), []string{"-no-such-flag"}, func(string) string { return "" }, &stdout, &stderr))
	require.Contains(t, stderr.String(), "-no-such-flag")
}

// A bad schema name is refused before anything is sent: the URL points nowhere.
func TestPostgresExampleRejectsABadSchema(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(t.Context(), &out, "postgres://nobody@127.0.0.1:1/none?sslmode=disable", "Bad-Name")
	require.ErrorIs(t, err, organizations.ErrInvalidSchema)
	require.Empty(t, out.String())

	var stdout, stderr bytes.Buffer
	env := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://nobody@127.0.0.1:1/none?sslmode=disable"
		}
		return ""
	}
	require.Equal(t, 1, cli(t.Context(), []string{"-schema", "Bad-Name"}, env, &stdout, &stderr))
	require.Contains(t, stderr.String(), "invalid PostgreSQL schema name")
}

// failingWriter accepts n writes and then fails.
type failingWriter struct{ n int }

var errWrite = errors.New("write failed")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errWrite
	}
	w.n--
	return len(p), nil
}

// A transcript cut short is an error, and the organization the run made is deleted all
// the same.
func TestPostgresExampleReportsWriteErrors(t *testing.T) {
	t.Parallel()
	url, schema := pgtest.URL(t), pgtest.NewSchema(t)
	for _, n := range []int{0, 3, 10} {
		require.ErrorIs(t, run(t.Context(), &failingWriter{n: n}, url, schema), errWrite, "failing after %d writes", n)
	}
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(t.Context())
	var orgs int
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT count(*) FROM "+pgx.Identifier{schema}.Sanitize()+".organizations").Scan(&orgs))
	require.Zero(t, orgs)
}
