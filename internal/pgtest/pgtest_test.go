package pgtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
