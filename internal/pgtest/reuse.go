package pgtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// shared holds the pools of SharedPool, by name, and the Schemas of the test binary.
var shared struct {
	mu      sync.Mutex
	pools   map[string]*pgxpool.Pool
	schemas []*Schemas
	main    bool // Main is running the tests: free schemas are dropped when they end
}

// SharedPool returns the pool of the test binary named name, made on the first call with
// configure (see Pool) and shared by every later call with the same name, whatever their
// configure. It stays open until the test binary ends, so tests that share it must leave
// its connections as they found them (no session settings, no killed backends); a test
// that needs its own settings takes a Pool of its own. Like URL, it skips or fails the
// test when there is no server.
func SharedPool(t testing.TB, name string, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	return sharedPoolAt(t, URL(t), name, configure)
}

// sharedPoolAt is SharedPool on the server at url.
func sharedPoolAt(t testing.TB, url, name string, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if pool, ok := shared.pools[name]; ok {
		return pool
	}
	pool, err := newPool(url, configure)
	if err != nil {
		t.Fatalf("pgtest: shared pool %s: %v", name, err)
	}
	if shared.pools == nil {
		shared.pools = map[string]*pgxpool.Pool{}
	}
	shared.pools[name] = pool
	return pool
}

// admin is the pool pgtest creates, resets and drops schemas with.
func admin(t testing.TB) *pgxpool.Pool {
	return SharedPool(t, adminPool, func(c *pgxpool.Config) { c.MaxConns = 16 })
}

// adminPool is the name of admin's shared pool.
const adminPool = "pgtest admin"

// Main runs the tests of m and returns their exit code, for a TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Under Main, Schemas keeps the schemas of passing tests for the next test; when the tests
// end, Main drops those, closes the shared pools, and fails (exit code 1) if a drop fails.
// Without Main, Schemas drops the schema of a passing test as NewSchema does. Main waits
// for the starts of StartEarly to end.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	early.Wait() // see StartEarly
	shared.mu.Lock()
	shared.main = false
	all, pools := shared.schemas, shared.pools
	shared.pools = nil
	shared.mu.Unlock()
	for _, s := range all {
		if err := s.drain(pools[s.adminName()]); err != nil {
			fmt.Println("pgtest:", err)
			code = max(code, 1)
		}
	}
	for _, pool := range pools {
		pool.Close()
	}
	return code
}

// Schemas hands out prepared schemas, such as migrated ones, and reuses them: preparing
// a schema (creating tables, indexes, constraints) costs far more than emptying one.
// A schema goes to one test at a time. When a test ends:
//   - failed: its schema is renamed after the test and kept for inspection, as NewSchema
//     keeps it;
//   - passed, with the schema's structure as prepare left it (relations, columns,
//     constraints, indexes, triggers, functions, types, privileges) and the tables named
//     in keep unchanged: its other tables are emptied (TRUNCATE) and the schema goes to
//     the next test that asks (only under Main, which drops the unused ones at the end);
//   - passed, with anything else changed, or without Main: it is dropped.
//
// A Schemas is safe for concurrent use by parallel tests.
type Schemas struct {
	prepare func(ctx context.Context, db *pgxpool.Pool, schema string) error
	keep    []string
	server  func(testing.TB) string // nil: the test server (URL)
	url     string                  // server's answer, once asked

	mu   sync.Mutex
	free []*preparedSchema
}

// preparedSchema is a schema that prepare made, with what a test may not change in it.
type preparedSchema struct {
	name        string
	fingerprint string   // structure and kept tables, as prepare left them
	tables      []string // the other tables, quoted, emptied between tests
}

// NewSchemas returns a Schemas whose schemas prepare makes ready: it gets a pool to the
// test server (pgtest's own, shared: leave its sessions as they were) and the name of a
// new, empty schema, and must leave the schema ready for a test, typically migrated.
// keep names the tables of the schema that prepare fills and tests must not change (a
// migration table); every other table is emptied between tests.
func NewSchemas(prepare func(ctx context.Context, db *pgxpool.Pool, schema string) error, keep ...string) *Schemas {
	s := &Schemas{prepare: prepare, keep: keep}
	shared.mu.Lock()
	shared.schemas = append(shared.schemas, s)
	shared.mu.Unlock()
	return s
}

// NewSchemasAt is NewSchemas for schemas on the server whose URL server returns (it
// skips or fails the test when there is none, as Standby does), instead of the test
// server: prepare gets a pool to that server.
func NewSchemasAt(server func(testing.TB) string, prepare func(ctx context.Context, db *pgxpool.Pool, schema string) error, keep ...string) *Schemas {
	s := NewSchemas(prepare, keep...)
	s.server = server
	return s
}

// admin returns the pool that creates, resets and drops s's schemas.
func (s *Schemas) admin(t testing.TB) *pgxpool.Pool {
	t.Helper()
	if s.server == nil {
		return admin(t)
	}
	url := s.server(t)
	s.mu.Lock()
	s.url = url
	s.mu.Unlock()
	return sharedPoolAt(t, url, s.adminName(), func(c *pgxpool.Config) { c.MaxConns = 16 })
}

// adminName is the name of the shared pool of s.admin.
func (s *Schemas) adminName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.server == nil {
		return adminPool
	}
	return adminPool + " " + s.url
}

// Schema returns the name of a prepared schema that is t's alone until t ends: one a
// passing test handed back, or else a new one. It skips or fails t like URL when there
// is no server, and fails it if the schema cannot be made.
func (s *Schemas) Schema(t testing.TB) string {
	t.Helper()
	db := s.admin(t)
	s.mu.Lock()
	var ps *preparedSchema
	if n := len(s.free); n > 0 {
		ps, s.free = s.free[n-1], s.free[:n-1]
	}
	s.mu.Unlock()
	if ps == nil {
		var err error
		if ps, err = s.create(db); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	t.Cleanup(func() { s.handBack(t, db, ps) })
	return ps.name
}

// create makes, prepares and fingerprints a new schema.
func (s *Schemas) create(db *pgxpool.Pool) (*preparedSchema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := schemaName("reuse")
	quoted := pgx.Identifier{name}.Sanitize()
	if _, err := db.Exec(ctx, "CREATE SCHEMA "+quoted); err != nil {
		return nil, fmt.Errorf("create schema %s: %w", name, err)
	}
	if err := s.prepare(ctx, db, name); err != nil {
		return nil, fmt.Errorf("prepare schema %s: %w", name, err)
	}
	ps := &preparedSchema{name: name}
	rows, err := db.Query(ctx, `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname <> ALL ($2::text[])
		ORDER BY c.relname`, name, s.keep)
	if err == nil {
		ps.tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		return nil, fmt.Errorf("list the tables of %s: %w", name, err)
	}
	if ps.fingerprint, err = s.fingerprint(ctx, db, name); err != nil {
		return nil, err
	}
	return ps, nil
}

// handBack empties ps for the next test after t passed, or keeps it for inspection
// after t failed, or drops it.
func (s *Schemas) handBack(t testing.TB, db *pgxpool.Pool, ps *preparedSchema) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	quoted := pgx.Identifier{ps.name}.Sanitize()
	if t.Failed() {
		kept := schemaName(t.Name())
		if _, err := db.Exec(ctx, "ALTER SCHEMA "+quoted+" RENAME TO "+pgx.Identifier{kept}.Sanitize()); err != nil {
			t.Logf("pgtest: kept schema %s of the failed test (renaming it to %s failed: %v)", ps.name, kept, err)
			return
		}
		t.Logf("pgtest: kept schema %s of the failed test", kept)
		return
	}
	shared.mu.Lock()
	reuse := shared.main
	shared.mu.Unlock()
	if reuse {
		err := s.reset(ctx, db, ps)
		if err == nil {
			s.mu.Lock()
			s.free = append(s.free, ps)
			s.mu.Unlock()
			return
		}
		t.Logf("pgtest: schema %s not reused: %v", ps.name, err)
	}
	if _, err := db.Exec(ctx, "DROP SCHEMA "+quoted+" CASCADE"); err != nil {
		t.Errorf("pgtest: drop schema %s: %v", ps.name, err)
	}
}

// errChanged says that a test changed a schema's structure or kept tables.
var errChanged = errors.New("its structure or kept tables changed")

// reset empties the tables of ps if its structure and kept tables are as prepare left
// them; otherwise, or if emptying fails, it returns why. It deletes the rows with the
// foreign keys' triggers off (session_replication_role replica, which needs a superuser
// or the privilege to set it), in any order: unlike TRUNCATE, DELETE neither touches the
// catalog nor makes new files, nor so waits for the disk at commit. Without the privilege
// it truncates the tables instead and takes the fingerprint again.
func (s *Schemas) reset(ctx context.Context, db *pgxpool.Pool, ps *preparedSchema) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	fp, err := s.fingerprint(ctx, tx, ps.name)
	if err != nil {
		return err
	}
	if fp != ps.fingerprint {
		return errChanged
	}
	if len(ps.tables) == 0 {
		return tx.Commit(ctx)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT replica"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err == nil {
		var sql strings.Builder
		for _, table := range ps.tables {
			sql.WriteString("DELETE FROM " + table + ";\n")
		}
		if _, err := tx.Exec(ctx, sql.String()); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT replica"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(ps.tables, ", ")); err != nil {
		return err
	}
	if ps.fingerprint, err = s.fingerprint(ctx, tx, ps.name); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// drain drops the free schemas with db.
func (s *Schemas) drain(db *pgxpool.Pool) error {
	s.mu.Lock()
	free := s.free
	s.free = nil
	s.mu.Unlock()
	if len(free) == 0 {
		return nil
	}
	names := make([]string, len(free))
	for i, ps := range free {
		names[i] = pgx.Identifier{ps.name}.Sanitize()
	}
	slices.Sort(names)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if db == nil {
		return errors.New("no admin pool to drop the reused schemas with")
	}
	if _, err := db.Exec(ctx, "DROP SCHEMA "+strings.Join(names, ", ")+" CASCADE"); err != nil {
		return fmt.Errorf("drop the reused schemas %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// sqlFingerprint identifies the structure of a schema (its name is $1) that a test may
// not change: every catalog row of the schema and of its relations (relations, columns,
// defaults, constraints, indexes, triggers, policies, rules, functions, types, the schema
// itself), by its object ID and the transaction that wrote it (xmin). DDL of any kind,
// a GRANT or an ALTER TABLE ... DISABLE TRIGGER included, writes such rows anew, which
// changes the fingerprint; DELETE and INSERT write none. Cheaper than comparing the
// definitions, and as exact. Its text is the same for every schema, so that a
// connection plans it once, and it looks a relation's rows up by their indexes where
// the catalog has one (it runs when every test that took a schema ends).
const sqlFingerprint = `
WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1),
rel AS (SELECT coalesce(array_agg(oid), '{}') AS oids FROM pg_catalog.pg_class WHERE relnamespace = (SELECT oid FROM ns))
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
	SELECT 'n' || oid || ':' || xmin FROM pg_catalog.pg_namespace WHERE oid = (SELECT oid FROM ns)
	UNION ALL SELECT 'c' || oid || ':' || xmin FROM pg_catalog.pg_class WHERE oid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'a' || attrelid || '.' || attnum || ':' || xmin FROM pg_catalog.pg_attribute WHERE attrelid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'd' || oid || ':' || xmin FROM pg_catalog.pg_attrdef WHERE adrelid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'k' || oid || ':' || xmin FROM pg_catalog.pg_constraint WHERE connamespace = (SELECT oid FROM ns)
	UNION ALL SELECT 'i' || indexrelid || ':' || xmin FROM pg_catalog.pg_index WHERE indrelid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 't' || oid || ':' || xmin FROM pg_catalog.pg_trigger WHERE tgrelid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'p' || oid || ':' || xmin FROM pg_catalog.pg_policy WHERE polrelid = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'r' || oid || ':' || xmin FROM pg_catalog.pg_rewrite WHERE ev_class = ANY ((SELECT oids FROM rel)::oid[])
	UNION ALL SELECT 'f' || oid || ':' || xmin FROM pg_catalog.pg_proc WHERE pronamespace = (SELECT oid FROM ns)
	UNION ALL SELECT 'y' || oid || ':' || xmin FROM pg_catalog.pg_type WHERE typnamespace = (SELECT oid FROM ns)
) AS s(x)`

// fingerprint returns the fingerprint of schema: sqlFingerprint, and every row of the
// kept tables.
func (s *Schemas) fingerprint(ctx context.Context, db interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, schema string) (string, error) {
	var fp string
	if err := db.QueryRow(ctx, sqlFingerprint, schema).Scan(&fp); err != nil {
		return "", fmt.Errorf("fingerprint schema %s: %w", schema, err)
	}
	if len(s.keep) == 0 {
		return fp, nil
	}
	kept := make([]string, len(s.keep))
	for i, table := range s.keep {
		kept[i] = "(SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM " +
			pgx.Identifier{schema, table}.Sanitize() + " AS r)"
	}
	var rows string
	if err := db.QueryRow(ctx, "SELECT concat_ws(',', "+strings.Join(kept, ", ")+")").Scan(&rows); err != nil {
		return "", fmt.Errorf("fingerprint the kept tables of schema %s: %w", schema, err)
	}
	return fp + "," + rows, nil
}
