package organizations

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 63)
	longest := strings.Repeat("abcdefghi.", 24) + "example.com" // 240 + 11 = 251 bytes
	cases := map[string]string{
		"acme.com":                 "acme.com",
		"  ACME.Com.\t":            "acme.com",
		"eu.acme.com":              "eu.acme.com",
		"a.b":                      "a.b",
		"x1-y2.co.uk":              "x1-y2.co.uk",
		"xn--bcher-kva.example":    "xn--bcher-kva.example",
		"123.example":              "123.example",
		"acme.xn--p1ai":            "acme.xn--p1ai",
		"a--b.com":                 "a--b.com",
		long + ".com":              long + ".com",
		longest:                    longest,
		"mail.acme.c0m":            "mail.acme.c0m",
		"1.2.3.com":                "1.2.3.com",
		"acme.com.":                "acme.com",
		"\u00a0acme.com\u3000":     "acme.com", // Unicode spaces are trimmed, as by NormalizeEmail
		"0.0.0.a":                  "0.0.0.a",
		"under-score-free.example": "under-score-free.example",
	}
	for in, want := range cases {
		got, err := NormalizeDomain(in)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
		again, err := NormalizeDomain(got)
		require.NoError(t, err)
		require.Equal(t, got, again, "normalising twice changes %q", in)
		require.True(t, schemaDomain(got), "the schema's check accepts %q", got)
	}
}

func TestNormalizeDomainRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"empty":              "",
		"blank":              " \t ",
		"a dot":              ".",
		"one label":          "localhost",
		"one label, dotted":  "com.",
		"two trailing dots":  "acme.com..",
		"leading dot":        ".acme.com",
		"empty label":        "acme..com",
		"leading hyphen":     "-acme.com",
		"trailing hyphen":    "acme-.com",
		"hyphen TLD end":     "acme.com-",
		"underscore":         "_dmarc.acme.com",
		"space inside":       "ac me.com",
		"slash":              "acme.com/path",
		"at":                 "bob@acme.com",
		"colon port":         "acme.com:443",
		"IPv4":               "192.168.0.1",
		"numeric TLD":        "acme.123",
		"IPv6":               "[::1]",
		"wildcard":           "*.acme.com",
		"Unicode":            "bücher.example",
		"Unicode dot":        "acme\u3002com",
		"fullwidth":          "ａｃｍｅ.com",
		"invalid UTF-8":      "ac\xffme.com",
		"NUL":                "acme\x00.com",
		"control":            "acme\n.com",
		"label of 64":        strings.Repeat("a", 64) + ".com",
		"254 bytes":          strings.Repeat("abcdefghi.", 25) + "abcd",
		"mixed too long":     strings.Repeat("a.", 127) + "com",
		"percent-encoded":    "acme%2ecom",
		"backslash":          `acme\.com`,
		"only hyphens":       "--.com",
		"trailing dot label": "acme.-",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := NormalizeDomain(in)
			require.ErrorIs(t, err, ErrInvalidDomain)
			require.Empty(t, got)
		})
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"bob@acme.com":         "acme.com",
		" Bob@EU.Acme.COM ":    "eu.acme.com",
		"o'hara+x@acme.co.uk":  "acme.co.uk",
		"élodie@exemple.fr":    "exemple.fr",
		"bob@xn--bcher-kva.ch": "xn--bcher-kva.ch",
	} {
		got, err := EmailDomain(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "bob", "bob@", "@acme.com", "bob@@acme.com"} {
		_, err := EmailDomain(in)
		require.ErrorIs(t, err, ErrInvalidEmail, "%q", in)
	}
	for _, in := range []string{"bob@localhost", "bob@[127.0.0.1]", "bob@bücher.ch", "bob@acme.com.."} {
		_, err := EmailDomain(in)
		require.ErrorIs(t, err, ErrInvalidDomain, "%q", in)
	}
}

func TestPublicMailDomains(t *testing.T) {
	t.Parallel()
	list := DefaultPublicMailDomains()
	require.NotEmpty(t, list)
	seen := map[string]bool{}
	for _, d := range list {
		n, err := NormalizeDomain(d)
		require.NoError(t, err, d)
		require.Equal(t, d, n, "the list is normalised")
		require.False(t, seen[d], "%s twice", d)
		seen[d] = true
	}
	list[0] = "changed.example"
	require.Equal(t, "gmail.com", DefaultPublicMailDomains()[0], "the slice is the caller's")

	s := New(nil, &Options{PublicMailDomains: []string{" Corp-Mail.Example. ", "not a domain"}})
	require.True(t, s.isPublicMailDomain("gmail.com"))
	require.True(t, s.isPublicMailDomain("corp-mail.example"), "the host's list, normalised")
	require.False(t, s.isPublicMailDomain("mail.gmail.com"), "exact names only")
	require.False(t, s.isPublicMailDomain("acme.com"))
}

func TestDomainEnrollmentValid(t *testing.T) {
	t.Parallel()
	for _, e := range []DomainEnrollment{EnrollmentManual, EnrollmentAutomaticInvitation, EnrollmentAutomaticSuggestion} {
		require.True(t, e.Valid(), e)
	}
	for _, e := range []DomainEnrollment{"", "Manual", "automatic", "automatic_join"} {
		require.False(t, e.Valid(), e)
	}
}

func TestDomainTokens(t *testing.T) {
	t.Parallel()
	a, b := newDomainToken(), newDomainToken()
	require.NotEqual(t, a, b)
	require.True(t, strings.HasPrefix(a, domainTokenPrefix))
	require.Len(t, a, len(domainTokenPrefix)+32)
	require.Less(t, len(a), 255, "fits one TXT character-string")
}

// schemaNamePattern is organization_domains_name_check of migration 0012, in RE2.
var schemaNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// schemaDomain reports whether the schema's check accepts name.
func schemaDomain(name string) bool {
	return len(name) <= MaxDomainLength && schemaNamePattern.MatchString(name) && !regexp.MustCompile(`\.[0-9]+$`).MatchString(name)
}

// FuzzNormalizeDomain: whatever the input, NormalizeDomain either refuses it with
// ErrInvalidDomain or returns a name that is normalised (a fixed point), lower-case
// ASCII, within the limits, and accepted by the schema's check; and a name the schema
// accepts is accepted unchanged.
func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{"acme.com", "ACME.COM.", " eu.acme.com ", "xn--bcher-kva.example", "1.2.3.4", "a..b", "-a.b",
		"a-.b", "bücher.de", "\xff", "a.b.c.d.e.f", strings.Repeat("a", 63) + ".b", strings.Repeat("a.", 126) + "bc", "_x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeDomain(in)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidDomain)
			require.Empty(t, got)
			require.False(t, schemaDomain(in), "the schema accepts %q, which NormalizeDomain refuses", in)
			return
		}
		require.LessOrEqual(t, len(got), MaxDomainLength)
		require.True(t, schemaDomain(got), "the schema refuses %q (from %q)", got, in)
		require.Equal(t, strings.ToLower(got), got)
		again, err := NormalizeDomain(got)
		require.NoError(t, err)
		require.Equal(t, got, again)
		if schemaDomain(in) {
			require.Equal(t, in, got, "a normalised name is kept as it is")
		}
	})
}
