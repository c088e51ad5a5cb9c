package organizations

import (
	"fmt"
	"strconv"
)

// UserIDFromInt returns the UserID of a host's integer user key (a bigint primary key,
// GORM's uint ID converted with int64): its decimal form, "42". Every integer gives a
// Valid UserID, and UserID.Int64 gives the integer back.
func UserIDFromInt(id int64) UserID { return UserID(strconv.FormatInt(id, 10)) }

// Int64 returns the integer key a UserID made by UserIDFromInt stands for. Errors:
// ErrInvalidUserID when id is not the canonical decimal form of an int64 (no sign but a
// leading "-", no leading zeros, no spaces), so that two spellings of one key never name
// two users.
func (id UserID) Int64() (int64, error) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil || UserIDFromInt(n) != id {
		return 0, fmt.Errorf("%w: %q is not a decimal integer key", ErrInvalidUserID, string(id))
	}
	return n, nil
}
