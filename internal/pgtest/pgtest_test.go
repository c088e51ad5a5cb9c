package pgtest

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

func TestVerdict(t *testing.T) {
	fatal, skip := verdict("postgres://x", "", nil, true)
	require.Empty(t, fatal)
	require.Empty(t, skip)

	fatal, skip = verdict("", "no binaries", nil, false)
	require.Empty(t, fatal)
	require.Contains(t, skip, "no binaries")

	fatal, skip = verdict("", "no binaries", nil, true)
	require.Contains(t, fatal, "CI=true")
	require.Empty(t, skip)

	fatal, skip = verdict("", "", errors.New("initdb failed"), false)
	require.Contains(t, fatal, "initdb failed", "a server that should start but does not fails, CI or not")
	require.Empty(t, skip)
}

func TestSchemaName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	for _, name := range []string{
		"TestX", "TestStore/Members/AddUser#01", "Test" + strings.Repeat("Long", 40), "Tést ☃",
	} {
		a, b := schemaName(name), schemaName(name)
		require.Regexp(t, valid, a, name)
		require.NotEqual(t, a, b, "two schemas of one test name must differ")
		require.True(t, strings.HasPrefix(a, "t_t"), a)
	}
	require.True(t, strings.HasPrefix(schemaName("TestStore/Members/AddUser#01"), "t_teststore_members_adduser_01_"))
}

func TestSchemaIsFreshAndDroppedAfterPassing(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		var pool *pgxpool.Pool
		name, pool = Schema(t)
		var tables int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, name).Scan(&tables)
		require.NoError(t, err)
		require.Zero(t, tables)
	})
	var exists bool
	err := Pool(t, nil).QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, name).Scan(&exists)
	require.NoError(t, err)
	require.False(t, exists, "schema %s of a passed test was kept", name)
}

// The throwaway cluster stops, and its directory goes, when the test binary that started
// it dies, even by SIGKILL, with no TestMain and no cleanup run.
func TestClusterStopsWithTestBinary(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		u := URL(t)
		cfg, err := pgconn.ParseConfig(u)
		require.NoError(t, err)
		fmt.Printf("DIR=%s\n", cfg.Host)
		select {} // until killed
	}
	if findBinaries() == "" {
		URL(t) // no binaries: skip like any test needing the server (fails under CI=true)
		t.Skip("no PostgreSQL binaries to start a cluster with")
	}
	child := exec.Command(os.Args[0], "-test.run=^TestClusterStopsWithTestBinary$", "-test.v")
	child.Env = append(os.Environ(), "PGTEST_CHILD=1", EnvURL+"=")
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	var dir string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if d, ok := strings.CutPrefix(lines.Text(), "DIR="); ok {
			dir = d
			break
		}
	}
	require.NotEmpty(t, dir, "the child never reported its cluster")
	_, err = os.Stat(filepath.Join(dir, ".s.PGSQL.5432"))
	require.NoError(t, err, "the cluster's socket")

	require.NoError(t, child.Process.Kill())
	_ = child.Wait()
	for range 600 {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the cluster in %s outlived its test binary", dir)
}

func TestMain(m *testing.M) {
	StartEarly(true)
	os.Exit(Main(m))
}

// testSchemas prepares schemas with a table "kept" of one row, and a table "items" that
// references a table "parents", each with a row, so that emptying them needs the
// foreign key's order or its trigger off.
var testSchemas = NewSchemas(func(ctx context.Context, db *pgxpool.Pool, schema string) error {
	s := pgx.Identifier{schema}.Sanitize()
	_, err := db.Exec(ctx, `
		CREATE TABLE `+s+`.kept (v int PRIMARY KEY);
		INSERT INTO `+s+`.kept VALUES (1);
		CREATE TABLE `+s+`.parents (id int PRIMARY KEY);
		CREATE TABLE `+s+`.items (id int PRIMARY KEY, parent int NOT NULL REFERENCES `+s+`.parents (id));`)
	return err
}, "kept")

// rowCounts returns the rows of kept, parents and items in schema.
func rowCounts(t *testing.T, db *pgxpool.Pool, schema string) []int {
	t.Helper()
	s := pgx.Identifier{schema}.Sanitize()
	var kept, parents, items int
	require.NoError(t, db.QueryRow(t.Context(), "SELECT (SELECT count(*) FROM "+s+".kept), "+
		"(SELECT count(*) FROM "+s+".parents), (SELECT count(*) FROM "+s+".items)").Scan(&kept, &parents, &items))
	return []int{kept, parents, items}
}

func schemaExists(t *testing.T, db *pgxpool.Pool, schema string) bool {
	t.Helper()
	var exists bool
	require.NoError(t, db.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists))
	return exists
}

// A passing test's schema goes, emptied but for its kept table, to the next test; one
// whose structure a test changed is dropped instead.
func TestSchemasReusePassingTestsSchemas(t *testing.T) {
	db := SharedPool(t, "pgtest test", nil)
	var first string
	t.Run("fills", func(t *testing.T) {
		first = testSchemas.Schema(t)
		s := pgx.Identifier{first}.Sanitize()
		_, err := db.Exec(t.Context(), "INSERT INTO "+s+".parents VALUES (1); INSERT INTO "+s+".items VALUES (1, 1)")
		require.NoError(t, err)
		require.Equal(t, []int{1, 1, 1}, rowCounts(t, db, first))
	})
	var second string
	t.Run("gets it emptied", func(t *testing.T) {
		second = testSchemas.Schema(t)
		require.Equal(t, first, second, "the schema of the passed test is reused")
		require.Equal(t, []int{1, 0, 0}, rowCounts(t, db, second), "emptied, but for the kept table")
		_, err := db.Exec(t.Context(), "CREATE INDEX ON "+pgx.Identifier{second, "items"}.Sanitize()+" (parent)")
		require.NoError(t, err)
	})
	require.False(t, schemaExists(t, db, second), "a schema whose structure changed is dropped")
	t.Run("kept table changed", func(t *testing.T) {
		name := testSchemas.Schema(t)
		require.NotEqual(t, second, name)
		_, err := db.Exec(t.Context(), "UPDATE "+pgx.Identifier{name, "kept"}.Sanitize()+" SET v = 2")
		require.NoError(t, err)
		second = name
	})
	require.False(t, schemaExists(t, db, second), "a schema whose kept table changed is dropped")
}

// failedTB is a test that has failed, for the cleanup that Schemas registers.
type failedTB struct {
	testing.TB
	cleanups []func()
}

func (f *failedTB) Failed() bool              { return true }
func (f *failedTB) Name() string              { return "TestFailedOne" }
func (f *failedTB) Helper()                   {}
func (f *failedTB) Cleanup(fn func())         { f.cleanups = append(f.cleanups, fn) }
func (f *failedTB) Logf(string, ...any)       {}
func (f *failedTB) Errorf(s string, a ...any) { f.TB.Errorf(s, a...) }

// A failed test's schema is kept under the test's name, with its rows, and not reused.
func TestSchemasKeepFailedTestsSchema(t *testing.T) {
	db := SharedPool(t, "pgtest test", nil)
	failed := &failedTB{TB: t}
	name := testSchemas.Schema(failed)
	_, err := db.Exec(t.Context(), "INSERT INTO "+pgx.Identifier{name, "parents"}.Sanitize()+" VALUES (7)")
	require.NoError(t, err)
	for _, fn := range failed.cleanups {
		fn()
	}
	require.False(t, schemaExists(t, db, name), "renamed")
	var kept string
	require.NoError(t, db.QueryRow(t.Context(), `SELECT nspname FROM pg_namespace n
		WHERE nspname LIKE 't\_testfailedone\_%' AND EXISTS (
			SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'parents')
		ORDER BY oid DESC LIMIT 1`).Scan(&kept))
	require.Equal(t, []int{1, 1, 0}, rowCounts(t, db, kept), "kept as the failed test left it")
	_, err = db.Exec(t.Context(), "DROP SCHEMA "+pgx.Identifier{kept}.Sanitize()+" CASCADE")
	require.NoError(t, err)
	for range 3 {
		require.NotEqual(t, name, testSchemas.Schema(t), "a failed test's schema is never handed out again")
	}
}

// BulkLoad commits what its function loads, and refuses, committing nothing, rows that
// break a foreign key that was off while they went in.
func TestBulkLoadChecksForeignKeys(t *testing.T) {
	name := testSchemas.Schema(t)
	db := SharedPool(t, "pgtest test", nil)
	s := pgx.Identifier{name}.Sanitize()
	err := BulkLoad(t.Context(), db, name, []string{"parents", "items"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(t.Context(), "INSERT INTO "+s+".items VALUES (1, 1), (2, 2)")
		return err
	})
	require.ErrorContains(t, err, "items_parent_fkey")
	require.Equal(t, []int{1, 0, 0}, rowCounts(t, db, name), "nothing committed")

	err = BulkLoad(t.Context(), db, name, []string{"parents", "items"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(t.Context(), "INSERT INTO "+s+".items VALUES (1, 1), (2, 2); INSERT INTO "+s+".parents VALUES (1), (2)")
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 2}, rowCounts(t, db, name))
}

// withoutIndexes loads with the table's plain indexes gone and leaves them as they were;
// the index behind a constraint stays throughout.
func TestWithoutIndexes(t *testing.T) {
	name, pool := Schema(t)
	ctx := t.Context()
	ident := pgx.Identifier{name}.Sanitize()
	_, err := pool.Exec(ctx, `CREATE TABLE `+ident+`.t (id int CONSTRAINT t_pkey PRIMARY KEY, a int, b text);
		CREATE INDEX t_a_idx ON `+ident+`.t (a) WHERE a > 0;
		CREATE UNIQUE INDEX t_b_idx ON `+ident+`.t (lower(b))`)
	require.NoError(t, err)
	defs := func(q interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}) []string {
		rows, err := q.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`, name)
		require.NoError(t, err)
		d, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return d
	}
	before := defs(pool)
	require.Len(t, before, 3)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	require.NoError(t, withoutIndexes(ctx, tx, name, []string{"t"}, func() error {
		require.Len(t, defs(tx), 1, "only the primary key's index during the load")
		_, err := tx.Exec(ctx, `INSERT INTO `+ident+`.t SELECT g, g, 'x' || g FROM generate_series(1, 1000) AS g`)
		return err
	}))
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, before, defs(pool))
}

// withoutKeys loads with the tables' keys and the foreign keys on them gone, adds them
// back as they were, and refuses, by the constraint's name, rows that break one.
func TestWithoutKeys(t *testing.T) {
	name, pool := Schema(t)
	ctx := t.Context()
	ident := pgx.Identifier{name}.Sanitize()
	_, err := pool.Exec(ctx, `CREATE TABLE `+ident+`.p (id int CONSTRAINT p_pkey PRIMARY KEY, code text CONSTRAINT p_code_key UNIQUE);
		CREATE TABLE `+ident+`.c (id int PRIMARY KEY, p int NOT NULL CONSTRAINT c_p_fkey REFERENCES `+ident+`.p (id) ON DELETE CASCADE DEFERRABLE,
			code text CONSTRAINT c_code_fkey REFERENCES `+ident+`.p (code), CONSTRAINT c_id_check CHECK (id > 0));
		CREATE TABLE `+ident+`.other (p int CONSTRAINT other_p_fkey REFERENCES `+ident+`.p (id))`)
	require.NoError(t, err)
	defs := func(q interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}) []string {
		rows, err := q.Query(ctx, `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = $1::regnamespace AND contype <> 'n' ORDER BY 1`, name)
		require.NoError(t, err)
		d, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return d
	}
	before := defs(pool)
	require.Len(t, before, 7)
	load := func(sql string) error {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		if err := withoutKeys(ctx, tx, name, []string{"p", "c"}, func() error {
			require.Equal(t, []string{name + ".c c_id_check CHECK ((id > 0))"}, defs(tx), "only the CHECK during the load")
			_, err := tx.Exec(ctx, sql)
			return err
		}); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	require.ErrorContains(t, load(`INSERT INTO `+ident+`.p VALUES (1, 'a'), (1, 'b')`), "p_pkey")
	require.ErrorContains(t, load(`INSERT INTO `+ident+`.p VALUES (1, 'a'), (2, 'a')`), "p_code_key")
	require.ErrorContains(t, load(`INSERT INTO `+ident+`.p VALUES (1, 'a'); INSERT INTO `+ident+`.c VALUES (1, 2, NULL)`), "c_p_fkey")
	require.ErrorContains(t, load(`INSERT INTO `+ident+`.p VALUES (1, 'a'); INSERT INTO `+ident+`.c VALUES (1, 1, 'b')`), "c_code_fkey")
	require.Equal(t, before, defs(pool), "as they were after a refused load")
	require.NoError(t, load(`INSERT INTO `+ident+`.c SELECT g, g, 'x' || g FROM generate_series(1, 1000) AS g;
		INSERT INTO `+ident+`.p SELECT g, 'x' || g FROM generate_series(1, 1000) AS g`))
	require.Equal(t, before, defs(pool), "as they were")
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+ident+`.c`).Scan(&n))
	require.Equal(t, 1000, n)
}

func TestByTier(t *testing.T) {
	t.Setenv(EnvHeavy, "")
	t.Setenv("CI", "")
	if got := ByTier(2, 40); got != 2 {
		t.Errorf("fast tier: ByTier(2, 40) = %d, want 2", got)
	}
	t.Setenv(EnvHeavy, "1")
	if got := ByTier(2, 40); got != 40 {
		t.Errorf("%s=1: ByTier(2, 40) = %d, want 40", EnvHeavy, got)
	}
	t.Setenv(EnvHeavy, "")
	t.Setenv("CI", "true")
	if got := ByTier(2, 40); got != 40 {
		t.Errorf("CI=true: ByTier(2, 40) = %d, want 40", got)
	}
}

// TestStartEarlyOnlyOnAFullRun: StartEarly starts the servers only when no -test.run or
// -test.list narrows the run (it may need none).
func TestStartEarlyOnlyOnAFullRun(t *testing.T) {
	for _, name := range []string{"test.run", "test.list"} {
		f := flag.Lookup(name)
		old := f.Value.String()
		t.Cleanup(func() { _ = f.Value.Set(old) })
		if err := f.Value.Set(""); err != nil {
			t.Fatal(err)
		}
	}
	if !fullRun() {
		t.Error("fullRun() = false without -test.run and -test.list")
	}
	for _, name := range []string{"test.run", "test.list"} {
		f := flag.Lookup(name)
		if err := f.Value.Set("TestX"); err != nil {
			t.Fatal(err)
		}
		if fullRun() {
			t.Errorf("fullRun() = true with -%s=TestX", name)
		}
		if err := f.Value.Set(""); err != nil {
			t.Fatal(err)
		}
	}
}
