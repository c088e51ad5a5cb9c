package organizations

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewTokenShape(t *testing.T) {
	t.Parallel()
	seen := make(map[string]bool)
	for range 100 {
		text, hash := newToken()
		require.Len(t, text, TokenLength)
		raw, err := base64.RawURLEncoding.DecodeString(text)
		require.NoError(t, err)
		require.Len(t, raw, TokenBytes)
		sum := sha256.Sum256(raw)
		require.Equal(t, sum[:], hash, "the stored hash is SHA-256 of the raw bytes")
		require.False(t, seen[text], "tokens repeat")
		seen[text] = true

		parsed, ok := parseToken(text)
		require.True(t, ok)
		require.Equal(t, hash, parsed)
	}
}

func TestParseTokenRejects(t *testing.T) {
	t.Parallel()
	good, _ := newToken()
	// The last character of a 32-byte token carries 4 data bits and 2 zero bits; "B" has
	// a zero data nibble and a set filler bit, so it is never canonical.
	nonCanonical := good[:TokenLength-1] + "B"
	cases := map[string]string{
		"empty":            "",
		"short":            good[:TokenLength-1],
		"long":             good + "A",
		"padded":           good + "=",
		"std alphabet +":   "+" + good[1:],
		"std alphabet /":   "/" + good[1:],
		"space":            " " + good[1:],
		"newline":          good[:20] + "\n" + good[21:],
		"non-ASCII":        "é" + good[2:],
		"non-canonical":    nonCanonical,
		"all illegal":      strings.Repeat("!", TokenLength),
		"std-encoded 32 B": base64.StdEncoding.EncodeToString(make([]byte, TokenBytes)),
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			hash, ok := parseToken(text)
			require.False(t, ok, "%q", text)
			require.Nil(t, hash)
		})
	}
}

// FuzzParseToken checks that the parser never panics and accepts exactly the canonical
// texts of 32-byte values: anything it accepts re-encodes to itself, so one token has one
// spelling and one hash.
func FuzzParseToken(f *testing.F) {
	good, _ := newToken()
	for _, seed := range []string{good, "", strings.Repeat("A", TokenLength), good[:TokenLength-1] + "B", good + "="} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		hash, ok := parseToken(text)
		if !ok {
			if hash != nil {
				t.Fatalf("rejected %q but returned a hash", text)
			}
			return
		}
		raw, err := tokenEncoding.DecodeString(text)
		if err != nil || len(raw) != TokenBytes {
			t.Fatalf("accepted %q, which is not 32 bytes of base64url: %v", text, err)
		}
		if back := base64.RawURLEncoding.EncodeToString(raw); back != text {
			t.Fatalf("accepted non-canonical %q (canonical %q)", text, back)
		}
		if sum := sha256.Sum256(raw); string(sum[:]) != string(hash) {
			t.Fatalf("hash of %q is not SHA-256 of its bytes", text)
		}
	})
}
