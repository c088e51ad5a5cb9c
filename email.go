package organizations

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxEmailLength is the longest email address, in bytes after normalisation: the most
// that fits in an SMTP forward path (RFC 5321).
const MaxEmailLength = 254

// NormalizeEmail returns email in the one form the library stores, compares and keys
// invitations by: surrounding white space trimmed, then lower-cased with strings.ToLower.
// Lower-casing is simple Unicode case mapping, not full case folding, so "Straße" and
// "STRASSE" stay different addresses; both halves are lower-cased because, although the
// local part is case-sensitive in theory, no real mail system treats it so and users
// type it both ways.
//
// It checks only the shape, not deliverability: the result is valid UTF-8, at most
// MaxEmailLength bytes, has exactly one '@' with something on both sides, and contains
// no white space or control characters. Anything else is ErrInvalidEmail. Normalising a
// normalised address returns it unchanged.
func NormalizeEmail(email string) (string, error) {
	if !utf8.ValidString(email) {
		return "", ErrInvalidEmail
	}
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) > MaxEmailLength {
		return "", ErrInvalidEmail
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", ErrInvalidEmail
	}
	for _, r := range e {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", ErrInvalidEmail
		}
	}
	return e, nil
}
