package organizations

import (
	"strconv"
	"strings"

	"github.com/google/uuid"
	gosimpleslug "github.com/gosimple/slug"
)

// MaxSlugLength is the longest slug, in bytes (slugs are ASCII).
const MaxSlugLength = 200

// fallbackSlug is used for a name that slugifies to nothing, such as "!!!" or "😀".
const fallbackSlug = "organization"

// Slugify returns the slug CreateOrganization generates for name: lower-case ASCII letters
// and digits joined by single hyphens, transliterated by gosimple/slug ("Föö Fighters!!"
// gives "foo-fighters"), at most MaxSlugLength bytes. A name with nothing to keep gives
// "organization". It never returns an empty or invalid slug.
func Slugify(name string) string {
	s := gosimpleslug.Make(name)
	// gosimple/slug keeps underscores; our slugs are hyphen-separated only.
	s = strings.ReplaceAll(s, "_", "-")
	s = collapseHyphens(s)
	s = trimSlug(s, MaxSlugLength)
	if s == "" || ValidSlug(s) != nil {
		return fallbackSlug
	}
	return s
}

// SlugCandidate returns the n-th slug to try for base: base itself for n <= 1, else
// base-n, with base cut (and any trailing hyphen dropped) so that the whole is at most
// MaxSlugLength bytes. Stores use it to resolve collisions of generated slugs.
func SlugCandidate(base string, n int) string {
	if n <= 1 {
		return base
	}
	suffix := "-" + strconv.Itoa(n)
	return trimSlug(base, MaxSlugLength-len(suffix)) + suffix
}

// ValidSlug returns nil if s can be a slug: 1 to MaxSlugLength bytes of lower-case ASCII
// letters and digits joined by single hyphens, and not shaped like a UUID (so that a
// path segment is never ambiguous between a slug and an ID). Otherwise ErrInvalidSlug.
func ValidSlug(s string) error {
	if s == "" || len(s) > MaxSlugLength || s[0] == '-' || s[len(s)-1] == '-' {
		return ErrInvalidSlug
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return ErrInvalidSlug
		}
	}
	if _, err := uuid.Parse(s); err == nil {
		return ErrInvalidSlug
	}
	return nil
}

// trimSlug cuts s to at most max bytes and drops hyphens at either end.
func trimSlug(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	return strings.Trim(s, "-")
}

func collapseHyphens(s string) string {
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return s
}
