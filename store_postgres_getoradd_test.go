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

// SetRole to the role the member already holds changes nothing and writes nothing: by an
// unchecked call, by the owner and by an admin, the rows' headers and the records stay
// as they were; a member without the right is still refused (decided on locked rows).
func TestPostgresSetRoleToTheSameRoleWritesNothing(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			store, pool := newPostgresStore(t, m.mode)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "ann", "Same Role", nil)
			require.NoError(t, err)
			for u, r := range map[organizations.UserID]organizations.Role{"bob": organizations.RoleMember,
				"adam": organizations.RoleAdmin, "mel": organizations.RoleMember} {
				_, err = svc.AddUser(ctx, org.ID, u, r)
				require.NoError(t, err)
			}
			s := pgx.Identifier{store.Schema()}.Sanitize()
			headers := `SELECT (SELECT xmin::text || '/' || xmax::text FROM ` + s + `.organizations WHERE id = $1),
				(SELECT string_agg(user_id || ':' || xmin::text || '/' || xmax::text, ',' ORDER BY user_id) FROM ` + s + `.memberships WHERE organization_id = $1),
				(SELECT count(*) FROM ` + s + `.organization_events WHERE organization_id = $1)`
			var orgBefore, membersBefore string
			var recordsBefore int
			require.NoError(t, pool.QueryRow(ctx, headers, org.ID).Scan(&orgBefore, &membersBefore, &recordsBefore))

			got, err := svc.SetRole(ctx, org.ID, "bob", organizations.RoleMember)
			require.NoError(t, err)
			require.Equal(t, organizations.RoleMember, got.Role)
			for _, actor := range []organizations.UserID{"ann", "adam"} {
				got, err = svc.As(actor).SetRole(ctx, org.ID, "bob", organizations.RoleMember)
				require.NoError(t, err, actor)
				require.Equal(t, organizations.RoleMember, got.Role)
			}
			var orgAfter, membersAfter string
			var recordsAfter int
			require.NoError(t, pool.QueryRow(ctx, headers, org.ID).Scan(&orgAfter, &membersAfter, &recordsAfter))
			require.Equal(t, recordsBefore, recordsAfter, "no record")
			require.Equal(t, orgBefore, orgAfter, "the organization row was neither locked nor changed")
			require.Equal(t, membersBefore, membersAfter, "no membership was locked or changed")

			_, err = svc.As("mel").SetRole(ctx, org.ID, "bob", organizations.RoleMember)
			require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a member may not set roles, even to the same")
		})
	}
}
