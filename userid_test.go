package organizations_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func TestUserIDFromIntRoundTrips(t *testing.T) {
	for _, n := range []int64{0, 1, 42, -7, math.MaxInt64, math.MinInt64} {
		id := organizations.UserIDFromInt(n)
		require.True(t, id.Valid(), "%d", n)
		got, err := id.Int64()
		require.NoError(t, err)
		require.Equal(t, n, got)
	}
	for _, bad := range []organizations.UserID{"", "042", "+1", " 1", "1 ", "1.0", "x", "9223372036854775808", "-0", "١٢"} {
		_, err := bad.Int64()
		require.ErrorIs(t, err, organizations.ErrInvalidUserID, "%q", bad)
	}
}

func FuzzUserIDInt64(f *testing.F) {
	for _, s := range []string{"1", "-1", "007", "9223372036854775807", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := organizations.UserID(s).Int64()
		if err != nil {
			require.ErrorIs(t, err, organizations.ErrInvalidUserID)
			return
		}
		require.Equal(t, s, string(organizations.UserIDFromInt(n)), "one spelling per key")
	})
}

// A host whose users table has bigint keys converts at the boundary, once.
func ExampleUserIDFromInt() {
	type account struct{ ID int64 } // the host's users row
	acct := account{ID: 42}
	user := organizations.UserIDFromInt(acct.ID) // for CreateOrganization, AddUser, ...
	back, err := user.Int64()                    // from OrganizationUser.UserID, for the host's own queries
	fmt.Println(user, back, err)
	// Output: 42 42 <nil>
}
