package pgtest

import "testing"

// The fast tier's plan setting is left out when the binary runs benchmarks, in every
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
