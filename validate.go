package organizations

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Input limits.
const (
	// MaxNameLength is the longest organization name, in runes, after trimming.
	MaxNameLength = 200
	// MaxUserIDLength is the longest UserID, in bytes.
	MaxUserIDLength = 255
	// MaxJSONLength is the largest Data or Settings document, in bytes.
	MaxJSONLength = 1 << 20
)

// plainText reports whether s is 1 to max bytes of valid UTF-8 without control
// characters: what a user ID and a relay consumer name must be, so that every store
// (PostgreSQL's text refuses a NUL byte and invalid UTF-8) accepts the same ones.
func plainText(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// nameAndSlug checks the name and slug of something new: the name normalized
// (normalizeName), and the slug given once ValidSlug accepts it or, if none is given,
// made from the name by gen, with suffix true (the store may suffix a made slug to make
// it unique). Errors: ErrInvalidName first, then ValidSlug's.
func nameAndSlug(name, given string, gen func(name string) string) (clean, slug string, suffix bool, err error) {
	if clean, err = normalizeName(name); err != nil {
		return "", "", false, err
	}
	if given == "" {
		return clean, gen(clean), true, nil
	}
	if err := ValidSlug(given); err != nil {
		return "", "", false, err
	}
	return clean, given, false, nil
}

// cleanNameSlug checks and copies the Name and Slug of an update (nil: unchanged): the
// name normalized (normalizeName), the slug as given once ValidSlug accepts it. Errors:
// ErrInvalidName first, then ValidSlug's.
func cleanNameSlug(name, slug *string) (*string, *string, error) {
	var n, sl *string
	if name != nil {
		clean, err := normalizeName(*name)
		if err != nil {
			return nil, nil, err
		}
		n = &clean
	}
	if slug != nil {
		if err := ValidSlug(*slug); err != nil {
			return nil, nil, err
		}
		given := *slug
		sl = &given
	}
	return n, sl, nil
}

// normalizeName trims name and checks it: ErrInvalidName unless it is 1 to MaxNameLength
// runes of valid UTF-8 without control characters.
func normalizeName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", ErrInvalidName
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameLength {
		return "", ErrInvalidName
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "", ErrInvalidName
		}
	}
	return name, nil
}

// checkOrg is ErrOrganizationNotFound for the nil ID, which names no organization.
func checkOrg(id uuid.UUID) error {
	if id == uuid.Nil {
		return ErrOrganizationNotFound
	}
	return nil
}

// checkSlugRef is ErrOrganizationNotFound for a malformed slug, which names no
// organization.
func checkSlugRef(slug string) error {
	if ValidSlug(slug) != nil {
		return ErrOrganizationNotFound
	}
	return nil
}

// normalizeJSON returns raw as stored: "{}" when empty, else raw itself if it is one valid
// JSON object, in valid UTF-8, of at most MaxJSONLength bytes, else ErrInvalidJSON. The
// result never aliases the caller's slice.
func normalizeJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return json.RawMessage("{}"), nil
	}
	// json.Valid accepts invalid UTF-8 inside strings, which PostgreSQL's jsonb refuses:
	// check it here so that every store accepts the same documents.
	if len(raw) > MaxJSONLength || !utf8.Valid(raw) || !json.Valid(raw) {
		return nil, ErrInvalidJSON
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, ErrInvalidJSON
	}
	return append(json.RawMessage(nil), raw...), nil
}

// checkTime is ErrInvalidTime unless t, in UTC, falls in the years 1 to 9999: the range
// every store keeps (PostgreSQL's timestamptz refuses years before 4713 BC and after
// 294276, and Unix microseconds overflow past year 294247), and RFC 3339's.
func checkTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return ErrInvalidTime
	}
	return nil
}

// checkAuditQuery checks an AuditQuery as every store needs it: a non-empty Actor or
// Subject is a valid UserID (ErrInvalidUserID), each of Types one of EventTypes
// (ErrUnknownEventType), non-zero Since and Until in the years 1 to 9999 (ErrInvalidTime)
// and Since not after Until (ErrInvalidListOptions).
func checkAuditQuery(q AuditQuery) error {
	for _, u := range []UserID{q.Actor, q.Subject} {
		if u != "" && !u.Valid() {
			return ErrInvalidUserID
		}
	}
	for _, t := range q.Types {
		if _, ok := eventTypes[t]; !ok {
			if len(t) > 64 {
				t = t[:64] + "..."
			}
			return fmt.Errorf("%w: %q", ErrUnknownEventType, t)
		}
	}
	for _, t := range []time.Time{q.Since, q.Until} {
		if !t.IsZero() {
			if err := checkTime(t); err != nil {
				return err
			}
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return ErrInvalidListOptions
	}
	return nil
}
