package organizations_test

import (
	"errors"
	"testing"

	"github.com/go-organizations/organizations"
)

// A cursor parses to one that prints back the same, or is ErrInvalidCursor; never a
// panic.
func FuzzParseEventCursor(f *testing.F) {
	for _, s := range []string{"", "1", "9223372036854775807", "9223372036854775808", "0", "+1", "0.1", "12345.678", "1.0", "x", "1.2.3", "-1.2", "18446744073709551615.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := organizations.ParseEventCursor(s)
		if err != nil {
			if !errors.Is(err, organizations.ErrInvalidCursor) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		back, err := organizations.ParseEventCursor(c.String())
		if err != nil || back != c {
			t.Fatalf("%q parsed to %+v, which does not round-trip: %+v, %v", s, c, back, err)
		}
	})
}
