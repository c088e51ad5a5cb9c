package organizations

import (
	"encoding/json"
	"strings"
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

func checkOrg(id uuid.UUID) error {
	if id == uuid.Nil {
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
