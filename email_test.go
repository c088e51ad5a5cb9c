package organizations

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"bob@example.com":                 "bob@example.com",
		"  Bob@Example.COM\t\n":           "bob@example.com",
		"O'Hara+tag@Sub.Example.org":      "o'hara+tag@sub.example.org",
		"ÉLODIE@exemple.fr":               "élodie@exemple.fr",
		"a@b":                             "a@b",
		"\u00a0x@y\u3000":                 "x@y", // Unicode spaces are trimmed too
		strings.Repeat("a", 250) + "@b.c": strings.Repeat("a", 250) + "@b.c",
	}
	for in, want := range cases {
		got, err := NormalizeEmail(in)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
		again, err := NormalizeEmail(got)
		require.NoError(t, err)
		require.Equal(t, got, again, "normalising twice changes %q", in)
	}
}

func TestNormalizeEmailRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"empty":              "",
		"blank":              "   ",
		"no at":              "bob.example.com",
		"two ats":            "bob@ex@ample.com",
		"no local part":      "@example.com",
		"no domain":          "bob@",
		"inner space":        "bob smith@example.com",
		"inner tab":          "bob\t@example.com",
		"unicode space":      "bob\u2003x@example.com",
		"control char":       "bob\x00@example.com",
		"DEL":                "bob\x7f@example.com",
		"C1 control":         "bob\u0085x@example.com",
		"invalid UTF-8":      "b\xffob@example.com",
		"too long":           strings.Repeat("a", 251) + "@b.c",
		"too long after pad": " " + strings.Repeat("a", 251) + "@b.c ",
		// U+023A is 2 bytes and its lower case 3: 254 bytes in, 380 out.
		"too long after lowering": strings.Repeat("\u023a", 126) + "@b",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := NormalizeEmail(in)
			require.ErrorIs(t, err, ErrInvalidEmail)
			require.Empty(t, got)
		})
	}
}

// FuzzNormalizeEmail checks the normaliser's promises on any input: no panic, a result
// that is valid, within the limit, of the documented shape and a fixed point, and
// ErrInvalidEmail as the only error.
func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{"bob@example.com", "  Bob@Example.COM ", "a@b@c", "@", "x@y\x00", "ÉLODIE@exemple.fr", "\xff@x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			if err != ErrInvalidEmail || out != "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %v", in, out, err)
			}
			return
		}
		if !utf8.ValidString(out) || len(out) == 0 || len(out) > MaxEmailLength {
			t.Fatalf("NormalizeEmail(%q) = %q: invalid or bad length", in, out)
		}
		if strings.Count(out, "@") != 1 || strings.HasPrefix(out, "@") || strings.HasSuffix(out, "@") {
			t.Fatalf("NormalizeEmail(%q) = %q: not local@domain", in, out)
		}
		for _, r := range out {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				t.Fatalf("NormalizeEmail(%q) = %q: contains %U", in, out, r)
			}
		}
		if out != strings.ToLower(out) {
			t.Fatalf("NormalizeEmail(%q) = %q: not lower-case", in, out)
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("NormalizeEmail(%q) = %q, but NormalizeEmail(%q) = %q, %v", in, out, out, again, err)
		}
	})
}
