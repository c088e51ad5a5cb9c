package organizations_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// A call that changes nothing writes nothing: GetOrAddUser of a user who is already a
// member (an unchecked call) neither locks nor changes a row, so the organization's and
// the membership's row headers (xmin, xmax: a row lock sets xmax) stay as they were, no
// transaction ID is taken, and no record is written.
func TestPostgresGetOrAddUserOfAMemberWritesNothing(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			store, pool := newPostgresStore(t, m.mode)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "ann", "Writes Nothing", nil)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
			require.NoError(t, err)
			s := pgx.Identifier{store.Schema()}.Sanitize()
			headers := `SELECT (SELECT xmin::text || '/' || xmax::text FROM ` + s + `.organizations WHERE id = $1),
				(SELECT xmin::text || '/' || xmax::text FROM ` + s + `.memberships WHERE organization_id = $1 AND user_id = 'bob'),
				(SELECT count(*) FROM ` + s + `.organization_events WHERE organization_id = $1)`
			var orgBefore, memberBefore string
			var recordsBefore int
			require.NoError(t, pool.QueryRow(ctx, headers, org.ID).Scan(&orgBefore, &memberBefore, &recordsBefore))

			for _, role := range []organizations.Role{organizations.RoleMember, organizations.RoleAdmin} {
				got, created, err := svc.GetOrAddUser(ctx, org.ID, "bob", role)
				require.NoError(t, err)
				require.False(t, created)
				require.Equal(t, organizations.RoleMember, got.Role, "the membership as it is")
			}

			var orgAfter, memberAfter string
			var recordsAfter int
			require.NoError(t, pool.QueryRow(ctx, headers, org.ID).Scan(&orgAfter, &memberAfter, &recordsAfter))
			require.Equal(t, orgBefore, orgAfter, "the organization row was neither locked nor changed")
			require.Equal(t, memberBefore, memberAfter, "the membership was neither locked nor changed")
			require.Equal(t, recordsBefore, recordsAfter)
		})
	}
}
