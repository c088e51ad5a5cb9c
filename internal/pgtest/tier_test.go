package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// The throwaway servers' plan setting is left out when the binary runs benchmarks, in every
// form the go command and a hand-run test binary pass -test.bench.
func TestBenchmarkingReadsTheArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-test.run", "X", "-test.v"}, false},
		{[]string{"-test.bench=Postgres", "-test.run=^$"}, true},
		{[]string{"-test.bench", "^BenchmarkPostgres$"}, true},
		{[]string{"--test.bench", "X"}, true},
		{[]string{"-test.bench="}, false},
		{[]string{"-test.benchtime=1000x"}, false},
		{[]string{"-test.benchtime", "1000x", "-test.benchmem"}, false},
		{[]string{"-test.bench"}, false},
	} {
		if got := benchmarking(c.args); got != c.want {
			t.Errorf("benchmarking(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// A throwaway server plans generically, without JIT, and writes minimal WAL (planSettings,
// walSettings); a pool configured with PlanCacheAuto plans as production does, whatever
// the server.
func TestThrowawayServerSettings(t *testing.T) {
	t.Parallel()
	show := func(p interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}, name string) string {
		t.Helper()
		var v string
		require.NoError(t, p.QueryRow(t.Context(), "SELECT current_setting($1)", name).Scan(&v))
		return v
	}
	auto := Pool(t, PlanCacheAuto)
	require.Equal(t, "auto", show(auto, "plan_cache_mode"))
	if os.Getenv(EnvURL) != "" {
		return // a server of the host's: its own settings
	}
	plain := Pool(t, nil)
	require.Equal(t, "force_generic_plan", show(plain, "plan_cache_mode"))
	require.Equal(t, "off", show(plain, "jit"))
	require.Equal(t, "minimal", show(plain, "wal_level"))
}

// A throwaway cluster is a copy of the machine's initdb template: made once, the same
// directory for every later call, and each copy a cluster of its own.
func TestInitdbTemplate(t *testing.T) {
	t.Parallel()
	bin := findBinaries()
	if bin == "" {
		needServer(t, "", "initdb and postgres not found", nil)
	}
	first, err := initdbTemplate(bin)
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(first, "PG_VERSION"))
	again, err := initdbTemplate(bin)
	require.NoError(t, err)
	require.Equal(t, first, again, "made once")
	require.NoError(t, ownTemplate(filepath.Dir(first)))
	// One that others may write (or, as root, that the postgres user does not own) is
	// not used: the temporary directory is shared.
	planted := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(planted, "data"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(planted, "data", "PG_VERSION"), []byte("15\n"), 0o600))
	require.NoError(t, os.Chmod(planted, 0o777))
	require.Error(t, ownTemplate(planted))

	dir, cred, err := serverDir("pgtest-copy-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	data := filepath.Join(dir, "data")
	require.NoError(t, initDB(bin, dir, data, cred))
	require.FileExists(t, filepath.Join(data, "PG_VERSION"))
	require.FileExists(t, filepath.Join(first, "PG_VERSION"), "the template stays")
	info, err := os.Stat(data)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "postgres refuses a data directory others can read")
}
