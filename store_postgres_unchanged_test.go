package organizations_test

import (
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	organizations "github.com/go-organizations/organizations"
)

// TestPostgresUnchangedCallsWriteNothing: a checked write that would change nothing
// (suspending a suspended member, reactivating an active one, updating an organization
// or a custom role to what it is) is a read (migration 0018): it neither locks nor
// changes a row, nor writes a record, whoever may make it calls it; one who may not is
// refused as before. The row headers (xmin/xmax: a row lock sets xmax) and the record
// count are compared before and after; a real change, last, moves them, so the probe
// can see one.
var xmaxes = regexp.MustCompile(`/[0-9]+`)

func TestPostgresUnchangedCallsWriteNothing(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			store, pool := newPostgresStore(t, m.mode)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			org, err := svc.CreateOrganization(ctx, "ann", "Unchanged Calls", nil)
			require.NoError(t, err)
			for u, r := range map[organizations.UserID]organizations.Role{"adam": organizations.RoleAdmin,
				"mel": organizations.RoleMember, "bob": organizations.RoleMember, "sue": organizations.RoleMember} {
				_, err = svc.AddUser(ctx, org.ID, u, r)
				require.NoError(t, err)
			}
			_, err = svc.SuspendUser(ctx, org.ID, "sue")
			require.NoError(t, err)
			helper := organizations.RoleDefinition{Name: "helper", Includes: []organizations.Role{organizations.RoleMember},
				Permissions: []organizations.Permission{organizations.PermInvitationsCreate}}
			_, err = svc.CreateRole(ctx, org.ID, helper)
			require.NoError(t, err)

			s := pgx.Identifier{store.Schema()}.Sanitize()
			headers := func() (h [4]string) {
				t.Helper()
				require.NoError(t, pool.QueryRow(ctx, `SELECT
					(SELECT xmin::text || '/' || xmax::text FROM `+s+`.organizations WHERE id = $1),
					(SELECT string_agg(user_id || ':' || xmin::text || '/' || xmax::text, ',' ORDER BY user_id) FROM `+s+`.memberships WHERE organization_id = $1),
					(SELECT string_agg(name || ':' || xmin::text || '/' || xmax::text, ',' ORDER BY name) FROM `+s+`.organization_roles WHERE organization_id = $1),
					(SELECT count(*)::text FROM `+s+`.organization_events WHERE organization_id = $1)`, org.ID).
					Scan(&h[0], &h[1], &h[2], &h[3]))
				return h
			}
			// versions drops the lockers (xmax) from headers, keeping each row's version.
			versions := func(h [4]string) [4]string {
				for i := range 3 {
					h[i] = xmaxes.ReplaceAllString(h[i], "")
				}
				return h
			}
			current, err := svc.Organization(ctx, org.ID)
			require.NoError(t, err)
			before := headers()

			name := org.Name
			for _, actor := range []organizations.UserID{"", "ann", "adam"} {
				upd := organizations.OrganizationUpdate{Name: &name}
				var got organizations.Organization
				var sus, act organizations.OrganizationUser
				var role organizations.CustomRole
				if actor == "" {
					got, err = svc.UpdateOrganization(ctx, org.ID, upd)
					require.NoError(t, err)
					sus, err = svc.SuspendUser(ctx, org.ID, "sue")
					require.NoError(t, err)
					act, err = svc.ReactivateUser(ctx, org.ID, "bob")
					require.NoError(t, err)
					role, err = svc.UpdateRole(ctx, org.ID, helper)
					require.NoError(t, err)
				} else {
					as := svc.As(actor)
					got, err = as.UpdateOrganization(ctx, org.ID, upd)
					require.NoError(t, err, actor)
					sus, err = as.SuspendUser(ctx, org.ID, "sue")
					require.NoError(t, err, actor)
					act, err = as.ReactivateUser(ctx, org.ID, "bob")
					require.NoError(t, err, actor)
					role, err = as.UpdateRole(ctx, org.ID, helper)
					require.NoError(t, err, actor)
				}
				require.Equal(t, org.Name, got.Name)
				require.True(t, got.UpdatedAt.Equal(current.UpdatedAt), "the organization was not updated")
				require.Equal(t, organizations.MemberStatusSuspended, sus.Status())
				require.Equal(t, organizations.MemberStatusActive, act.Status())
				require.Equal(t, helper.Permissions, role.Permissions)
				require.Equal(t, before, headers(), "actor %q: nothing locked, changed or recorded", actor)
			}

			// One who may not is refused, unchanged or not, and changes nothing (a refusal is
			// decided on the rows as locked, so it may lock them: compare the versions).
			mel := svc.As("mel")
			_, err = mel.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &name})
			require.ErrorIs(t, err, organizations.ErrPermissionDenied)
			_, err = mel.SuspendUser(ctx, org.ID, "sue")
			require.ErrorIs(t, err, organizations.ErrPermissionDenied)
			_, err = mel.ReactivateUser(ctx, org.ID, "bob")
			require.ErrorIs(t, err, organizations.ErrPermissionDenied)
			_, err = mel.UpdateRole(ctx, org.ID, helper)
			require.ErrorIs(t, err, organizations.ErrPermissionDenied)
			require.Equal(t, versions(before), versions(headers()))

			// A real change moves the headers.
			renamed := "Changed Calls"
			_, err = svc.As("adam").UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &renamed})
			require.NoError(t, err)
			after := headers()
			require.NotEqual(t, before[0], after[0], "the update changed the organization row")
			require.NotEqual(t, before[3], after[3], "and wrote its record")
		})
	}
}
