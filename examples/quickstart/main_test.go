package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/quickstart.golden from the current output")

var golden = filepath.Join("testdata", "quickstart.golden")

func TestQuickstartMatchesGolden(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(&out))
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create the golden file")
	require.Equal(t, string(want), out.String())
}

func TestQuickstartIsRepeatable(t *testing.T) {
	t.Parallel()
	// Each run has its own store, IDs and clock: the transcript must not depend on them.
	var first, second bytes.Buffer
	require.NoError(t, run(&first))
	require.NoError(t, run(&second))
	require.Equal(t, first.String(), second.String())
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

func TestQuickstartReportsWriteErrors(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 5} {
		require.ErrorIs(t, run(&failingWriter{n: n}), errWrite, "failing after %d writes", n)
	}
}
