// Package pgtest gives tests a PostgreSQL database: the server named by
// ORGANIZATIONS_TEST_DATABASE_URL if set, otherwise a throwaway cluster started once per
// test binary with the PostgreSQL binaries found on the machine. Without either, tests
// that ask for it skip, except under CI=true, where they fail: CI must not pass by
// running nothing.
//
// Each test gets its own schema (Schema), dropped when the test passes and kept for
// inspection when it fails, so tests run in parallel on one database without seeing each
// other.
//
// Tests that need the same prepared (say, migrated) schema again and again take it from
// a Schemas, which empties and reuses the schemas of passing tests, and a pool shared by
// the whole test binary from SharedPool, which saves a connection setup per test. Reuse
// needs Main in the package's TestMain, which drops the reused schemas at the end.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the environment variable that points the tests at an existing server, as a
// connection URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvURL = "ORGANIZATIONS_TEST_DATABASE_URL"

var server struct {
	once    sync.Once
	url     string
	err     error  // the server should be there but could not be reached or started
	missing string // why there is no server at all
}

// URL returns the connection URL of the test server, starting a throwaway cluster on the
// first call if ORGANIZATIONS_TEST_DATABASE_URL is not set. It skips the test when no
// PostgreSQL can be had (fails under CI=true), and fails it when one should be there but
// does not work.
func URL(t testing.TB) string {
	t.Helper()
	server.once.Do(startTestServer)
	needServer(t, server.url, server.missing, server.err)
	return server.url
}

// startTestServer sets server: the URL of EnvURL, or a throwaway cluster's.
func startTestServer() {
	if u := os.Getenv(EnvURL); u != "" {
		server.url = u
		return
	}
	server.url, server.missing, server.err = startCluster()
}

// early counts the starts of StartEarly still under way.
var early sync.WaitGroup

// StartEarly starts, in the background, the servers that a full run of the package's
// tests will ask for: the test server (a throwaway cluster, unless EnvURL is set) and,
// with standby, the Standby pair. They then start at once and side by side (initdb and
// pg_basebackup take seconds) while the tests that need no server run, instead of one
// after the other when a test first asks. URL and Standby wait for a start under way as
// for their own. A run narrowed by -test.run or -test.list starts nothing early: it may
// need no server. For a TestMain, before Main, which waits for the early starts to end
// so that no half-made cluster outlives the test binary; it parses the command line's
// flags.
func StartEarly(standby bool) {
	if !flag.Parsed() {
		flag.Parse()
	}
	if !fullRun() {
		return
	}
	early.Go(func() { server.once.Do(startTestServer) })
	if standby {
		early.Go(func() { pair.once.Do(startStandby) })
	}
}

// fullRun reports whether the command line runs every test of the package: neither
// -test.run nor -test.list narrows it.
func fullRun() bool {
	for _, name := range []string{"test.run", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

// needServer fails or skips t as verdict decides for a server at url (empty when there
// is none: missing says why, err why it could not be reached or started).
func needServer(t testing.TB, url, missing string, err error) {
	t.Helper()
	fatal, skip := verdict(url, missing, err, os.Getenv("CI") == "true")
	switch {
	case fatal != "":
		t.Fatal(fatal)
	case skip != "":
		t.Skip(skip)
	}
}

// verdict decides what a test that needs the server does: fail (fatal), skip, or run
// (both empty).
func verdict(url, missing string, err error, ci bool) (fatal, skip string) {
	switch {
	case err != nil:
		return "pgtest: " + err.Error(), ""
	case url != "":
		return "", ""
	case ci:
		return "pgtest: no PostgreSQL under CI=true: " + missing, ""
	}
	return "", "pgtest: no PostgreSQL (set " + EnvURL + ", or install the server binaries): " + missing
}

// Pool returns a new pool to the test server, closed when the test ends. configure, if
// not nil, adjusts its configuration first (exec mode, tracer, pool size). A test's pool
// commits without waiting for the disk (see newPool); a benchmark's keeps the server's
// synchronous_commit, so that what it measures is a durable commit where the server
// makes one.
func Pool(t testing.TB, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	if _, bench := t.(*testing.B); bench {
		configure = durable(configure)
	}
	pool, err := newPool(URL(t), configure)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// durable wraps configure so that the pool keeps the server's synchronous_commit.
func durable(configure func(*pgxpool.Config)) func(*pgxpool.Config) {
	return func(c *pgxpool.Config) {
		delete(c.ConnConfig.RuntimeParams, "synchronous_commit")
		if configure != nil {
			configure(c)
		}
	}
}

// newPool returns a pool to url configured by configure. Its sessions commit without
// waiting for the server to flush the commit to disk (synchronous_commit off): a test
// database needs no durability across a crash of its server, and waiting for the disk
// at every commit is most of the time that small writes take. It changes nothing that a
// session can see.
func newPool(url string, configure func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return pool, nil
}

// Schema creates a fresh, empty schema named after the test and returns its name and a
// new pool (see Pool). The schema is dropped when the test ends, unless it failed.
func Schema(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	return SchemaWith(t, nil)
}

// SchemaWith is Schema with a pool configured by configure (see Pool).
func SchemaWith(t testing.TB, configure func(*pgxpool.Config)) (string, *pgxpool.Pool) {
	t.Helper()
	pool := Pool(t, configure)
	name := NewSchema(t)
	return name, pool
}

// NewSchema creates a fresh, empty schema named after the test and returns its name. The
// schema is dropped when the test ends, unless it failed.
func NewSchema(t testing.TB) string {
	t.Helper()
	return NewSchemaAt(t, URL(t))
}

// runSQL runs one statement on a connection of its own: cleanups run after the test's
// pools and contexts are gone.
func runSQL(url, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// schemaName makes a valid, unique schema name from a test name: "t_", the name in lower
// case with anything else than letters and digits made "_", cut short, and a random
// suffix.
func schemaName(test string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 44 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	b.WriteString("_" + hex.EncodeToString(suffix))
	return b.String()
}
