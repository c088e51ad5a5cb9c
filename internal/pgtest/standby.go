package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var pair struct {
	once             sync.Once
	primary, standby string
	err              error
	missing          string
	//lint:ignore U1000 kept, never read: their closing at exit stops the servers (see watchdog).
	watchdogs []*os.File
}

// Standby returns the connection URLs of a primary and of its hot standby, a streaming
// replica made with pg_basebackup -R, both started on the first call (one pair per test
// binary, reused by every test) and stopped when the test binary exits, like the
// throwaway cluster. It always starts its own pair, whatever ORGANIZATIONS_TEST_DATABASE_URL
// says: replication needs servers it controls. Each listens on a Unix socket of its own
// directory only, with fsync off. The primary's commits do not wait for the standby,
// except in a session that sets synchronous_commit = remote_apply (the standby is its
// synchronous standby): each of its commits returns once the standby has applied it.
// When Standby returns, the standby has replayed everything the primary had written.
//
// It skips the test when the binaries (initdb, postgres, pg_basebackup) are missing
// (fails it under CI=true), and fails it when they are there and the pair does not
// start. Tests share the pair: each works in a schema of its own (NewSchemaAt), and one
// that pauses the standby's replay must resume it before it ends.
func Standby(t testing.TB) (primaryURL, standbyURL string) {
	t.Helper()
	pair.once.Do(startStandby)
	needServer(t, pair.primary, pair.missing, pair.err)
	return pair.primary, pair.standby
}

// startStandby sets pair.
func startStandby() {
	pair.primary, pair.standby, pair.missing, pair.err = startPair()
}

// startPair starts the primary, copies it with pg_basebackup -R and starts the copy as
// its standby, each under a supervisor of its own (see supervise).
func startPair() (primaryURL, standbyURL, missing string, err error) {
	bin := findBinaries()
	if bin == "" {
		return "", "", "initdb and postgres not found in PATH nor under /usr/lib/postgresql/*/bin", nil
	}
	basebackup := findBasebackup(bin)
	if basebackup == "" {
		return "", "", "pg_basebackup not found beside initdb (" + bin + ") nor in PATH", nil
	}
	// synchronous_commit is local, not off: a commit is written out of the WAL buffers
	// at once (fsync off makes that cheap), and so sent to the standby at once, as in
	// production, instead of by the WAL writer a fraction of a second later; and not
	// on, which would wait for the standby (synchronous_standby_names below).
	server := []string{"-p", "5432", "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=local",
		"-c", "max_connections=100", "-c", "shared_buffers=32MB", "-c", "hot_standby=on"}
	server = append(server, planSettings()...)

	pdir, cred, err := serverDir("pgp")
	if err != nil {
		return "", "", "", err
	}
	pdata := filepath.Join(pdir, "data")
	if err := initDB(bin, pdir, pdata, cred); err != nil {
		return "", "", "", err
	}
	primaryURL = "postgres://postgres@/postgres?host=" + pdir + "&port=5432&sslmode=disable"
	if err := keepServer(startServer(bin, pdir, cred, primaryURL,
		append([]string{"-D", pdata, "-k", pdir, "-c", "wal_level=replica", "-c", "max_wal_senders=4",
			"-c", "synchronous_standby_names=*"}, server...))); err != nil {
		return "", "", "", fmt.Errorf("primary: %w", err)
	}

	sdir, cred, err := serverDir("pgs")
	if err != nil {
		return "", "", "", err
	}
	sdata := filepath.Join(sdir, "data")
	backup := exec.Command(basebackup, "-D", sdata, "-R", "-X", "stream",
		"-c", "fast", "--no-sync", "-h", pdir, "-p", "5432", "-U", "postgres")
	backup.Env = append(os.Environ(), "LC_ALL=C")
	backup.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := backup.CombinedOutput(); err != nil {
		os.RemoveAll(sdir)
		return "", "", "", fmt.Errorf("pg_basebackup: %v\n%s", err, out)
	}
	standbyURL = "postgres://postgres@/postgres?host=" + sdir + "&port=5432&sslmode=disable"
	if err := keepServer(startServer(bin, sdir, cred, standbyURL, append([]string{"-D", sdata, "-k", sdir}, server...))); err != nil {
		return "", "", "", fmt.Errorf("standby: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := waitReplayed(ctx, primaryURL, standbyURL); err != nil {
		return "", "", "", err
	}
	return primaryURL, standbyURL, "", nil
}

// findBasebackup returns the pg_basebackup of the server binaries in bin: beside them,
// beside what they link to (a Debian /usr/local/bin/initdb links into
// /usr/lib/postgresql/N/bin), else the one in PATH; "" if none.
func findBasebackup(bin string) string {
	dirs := []string{bin}
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "initdb")); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, dir := range dirs {
		if p := filepath.Join(dir, "pg_basebackup"); isFile(p) {
			return p
		}
	}
	if p, err := exec.LookPath("pg_basebackup"); err == nil {
		return p
	}
	return ""
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// keepServer keeps the watchdog of a server of the pair that startServer started (w,
// nil if it could not start it) for as long as the test binary runs, and returns err.
func keepServer(w *os.File, err error) error {
	if w != nil {
		pair.watchdogs = append(pair.watchdogs, w)
	}
	return err
}

// WaitReplayed waits until the standby at standbyURL has replayed everything the
// primary at primaryURL had written when it was called (at most a minute), and fails
// the test if it does not. A test that wrote on the primary calls it before it expects
// the standby to show what it wrote.
func WaitReplayed(t testing.TB, primaryURL, standbyURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := waitReplayed(ctx, primaryURL, standbyURL); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// waitReplayed waits until the standby is in recovery and has replayed the primary's
// current WAL position.
//
// It first commits a WAL record of its own, waiting for the primary's disk (sqlFlushWAL):
// that writes out every record before it, the commits of sessions that do not wait
// (synchronous_commit off, as pgtest's own pools and so a reused schema's emptying do)
// included. Without it, such a commit could still sit in the WAL buffers, past
// pg_current_wal_lsn() (what has been written), and a test could read on the standby
// the rows that the test before it left in the schema.
func waitReplayed(ctx context.Context, primaryURL, standbyURL string) error {
	p, err := pgx.Connect(ctx, primaryURL)
	if err != nil {
		return err
	}
	defer p.Close(context.WithoutCancel(ctx))
	if _, err := p.Exec(ctx, sqlFlushWAL); err != nil {
		return fmt.Errorf("flush the primary's WAL: %w", err)
	}
	var lsn string
	if err := p.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return err
	}
	s, err := pgx.Connect(ctx, standbyURL)
	if err != nil {
		return err
	}
	defer s.Close(context.WithoutCancel(ctx))
	for {
		var recovering, replayed bool
		err := s.QueryRow(ctx, "SELECT pg_is_in_recovery(), COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).
			Scan(&recovering, &replayed)
		switch {
		case err != nil:
			return err
		case !recovering:
			return fmt.Errorf("the standby at %s is not in recovery", standbyURL)
		case replayed:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the standby has not replayed the primary's WAL up to %s: %w", lsn, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// sqlFlushWAL commits a transaction that writes a WAL record (a logical decoding
// message, which changes no table) and waits for the primary's disk: a commit that wrote
// WAL and waits flushes the WAL up to its own record, and so every record before it.
// (A transaction that writes no WAL, such as one that only takes a transaction ID,
// commits without flushing.)
const sqlFlushWAL = `BEGIN;
SET LOCAL synchronous_commit = local;
SELECT pg_logical_emit_message(true, 'pgtest', '');
COMMIT`

// NewSchemaAt is NewSchema on the server at url (Standby's primary): a fresh, empty
// schema named after the test, dropped when the test ends unless it failed.
func NewSchemaAt(t testing.TB, url string) string {
	t.Helper()
	name := schemaName(t.Name())
	if err := runSQL(url, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: kept schema %s of the failed test", name)
			return
		}
		if err := runSQL(url, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	return name
}
