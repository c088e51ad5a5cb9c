package pgtest

import (
	"context"
	"os"
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

// A throwaway server plans generically and writes minimal WAL (planSettings, startCluster);
// a pool configured with PlanCacheAuto plans as production does, whatever the server.
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
	require.Equal(t, "minimal", show(plain, "wal_level"))
}
