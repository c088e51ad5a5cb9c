package pgtest

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// EnvHeavy names the environment variable that turns on the heavy tier of tests: the
// million-row plans, the killed-backend and deadline sweeps, the soak. `go test ./...`
// leaves them out so that a contributor's run answers in under a minute; `.ci/run` sets
// it, and CI=true turns the tier on by itself, so that CI never passes by leaving a test
// out.
const EnvHeavy = "ORGANIZATIONS_TEST_HEAVY"

// HeavyEnabled reports whether the heavy tier runs: ORGANIZATIONS_TEST_HEAVY=1, or
// CI=true.
func HeavyEnabled() bool {
	return os.Getenv(EnvHeavy) == "1" || os.Getenv("CI") == "true"
}

// Heavy marks t as a test of the heavy tier: it skips, saying how to run it, unless
// HeavyEnabled.
func Heavy(t testing.TB) {
	t.Helper()
	if !HeavyEnabled() {
		t.Skip("heavy tier: set " + EnvHeavy + "=1 to run (CI runs it)")
	}
}

// ByTier returns fast in the fast tier and heavy in the heavy tier (HeavyEnabled): the
// number of rounds, workers or rows of a test that runs in both, which the fast tier
// runs smaller so that `go test ./...` stays quick, and CI runs in full.
func ByTier(fast, heavy int) int {
	if HeavyEnabled() {
		return heavy
	}
	return fast
}

// ByTierOr is ByTier(fast, heavy) unless the environment variable name holds a positive
// whole number, which it returns instead: the size of a measurement that CI runs small
// and a person runs large for a documented figure (ORGANIZATIONS_TEST_CACHE_TRIALS=10000).
func ByTierOr(name string, fast, heavy int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return ByTier(fast, heavy)
}

// DefaultParallel raises the default of -test.parallel to n (or GOMAXPROCS, if more),
// for a TestMain whose tests spend most of their time waiting for the server rather than
// on the CPU that the default (GOMAXPROCS) is sized for. A -parallel on the command line
// wins. It parses the command line's flags.
func DefaultParallel(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if explicit {
		return
	}
	if err := flag.Set("test.parallel", strconv.Itoa(max(n, runtime.GOMAXPROCS(0)))); err != nil {
		panic("pgtest: " + err.Error())
	}
}
