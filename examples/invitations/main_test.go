package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/invitations.golden from the current output")

var golden = filepath.Join("testdata", "invitations.golden")

// tokenInLink is a token as the Inviter prints it: the one part of the transcript that is
// random.
var tokenInLink = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `([A-Za-z0-9_-]+)`)

// transcript is run's output with each distinct token written as <token N>, numbered in
// the order the tokens first appear: the golden file then shows which links are the same
// token and which are new ones.
func transcript(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(&out))
	seen := map[string]int{}
	return tokenInLink.ReplaceAllStringFunc(out.String(), func(s string) string {
		tok := tokenInLink.FindStringSubmatch(s)[1]
		require.Len(t, tok, 43, "a token is 43 characters of base64url")
		if _, ok := seen[tok]; !ok {
			seen[tok] = len(seen) + 1
		}
		return fmt.Sprintf("%s<token %d>", baseURL, seen[tok])
	})
}

func TestInvitationsMatchesGolden(t *testing.T) {
	got := transcript(t)
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create the golden file")
	require.Equal(t, string(want), got)
}

func TestInvitationsIsRepeatable(t *testing.T) {
	// Each run has its own store, IDs, tokens and clock: once the tokens are numbered the
	// transcript must not depend on them.
	require.Equal(t, transcript(t), transcript(t))
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

func TestInvitationsReportsWriteErrors(t *testing.T) {
	for _, n := range []int{0, 1, 5, 20} {
		require.ErrorIs(t, run(&failingWriter{n: n}), errWrite, "failing after %d writes", n)
	}
}
