package organizations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// The schema holds the team rules against a host's own SQL: a team member is a member of
// the team's organization, teams and their members go with the organization, a removed
// membership takes its team memberships with it in the same statement.
func TestPostgresSchemaHoldsTeamRules(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	ctx := t.Context()
	team, err := f.svc.CreateTeam(ctx, f.org.ID, "Docs", nil)
	require.NoError(t, err)
	_, err = f.svc.AddTeamMember(ctx, f.org.ID, team.ID, "bob", "")
	require.NoError(t, err)
	other, err := f.svc.CreateOrganization(ctx, "zed", "Other", nil)
	require.NoError(t, err)
	otherTeam, err := f.svc.CreateTeam(ctx, other.ID, "Docs", nil)
	require.NoError(t, err)

	const insert = `INSERT INTO {s}.team_members (id, organization_id, team_id, user_id, created_at)
		VALUES (gen_random_uuid(), $1, $2, $3, now())`
	for _, tc := range []struct {
		name       string
		args       []any
		code, cons string
	}{
		{"a user who is not a member", []any{f.org.ID, team.ID, "nobody"}, "23503", "team_members_member_fkey"},
		{"a member of another organization", []any{f.org.ID, team.ID, "zed"}, "23503", "team_members_member_fkey"},
		{"another organization's team", []any{f.org.ID, otherTeam.ID, "bob"}, "23503", "team_members_team_fkey"},
		{"another organization's team, as its organization", []any{other.ID, otherTeam.ID, "bob"}, "23503", "team_members_member_fkey"},
		{"a second team membership", []any{f.org.ID, team.ID, "bob"}, "23505", "team_members_pkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireConstraint(t, f.exec(t, insert, tc.args...), tc.code, tc.cons)
		})
	}
	for _, tc := range []struct {
		name, sql  string
		code, cons string
	}{
		{"a team slug taken in its organization", `INSERT INTO {s}.teams (id, organization_id, name, slug, created_at, updated_at)
			VALUES (gen_random_uuid(), $1, 'Docs', 'docs', now(), now())`, "23505", "teams_organization_slug_key"},
		{"a team of no organization", `INSERT INTO {s}.teams (id, organization_id, name, slug, created_at, updated_at)
			VALUES (gen_random_uuid(), gen_random_uuid(), 'Docs', 'docs', now(), now())`, "23503", "teams_organization_fkey"},
		{"a malformed team slug", `UPDATE {s}.teams SET slug = 'Bad Slug' WHERE organization_id = $1`, "23514", "teams_slug_check"},
		{"team data that is not an object", `UPDATE {s}.teams SET data = '[]' WHERE organization_id = $1`, "23514", "teams_data_check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var args []any
			if containsParam(tc.sql) {
				args = append(args, f.org.ID)
			}
			requireConstraint(t, f.exec(t, tc.sql, args...), tc.code, tc.cons)
		})
	}
	require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.team_members`), "nothing refused was stored")

	// A DELETE of the membership, by any SQL, takes the team membership with it.
	require.NoError(t, f.exec(t, `DELETE FROM {s}.memberships WHERE organization_id = $1 AND user_id = 'bob'`, f.org.ID))
	require.Zero(t, f.count(t, `SELECT count(*) FROM {s}.team_members`))
	page, err := f.svc.TeamsForUser(ctx, f.org.ID, "bob", organizations.ListOptions{})
	require.NoError(t, err)
	require.Empty(t, page.Items)

	// Deleting the organization deletes its teams and their members.
	_, err = f.svc.AddTeamMember(ctx, f.org.ID, team.ID, "ann", "")
	require.NoError(t, err)
	require.NoError(t, f.svc.DeleteOrganization(ctx, f.org.ID))
	require.Zero(t, f.count(t, `SELECT count(*) FROM {s}.teams WHERE organization_id = $1`, f.org.ID))
	require.Zero(t, f.count(t, `SELECT count(*) FROM {s}.team_members WHERE organization_id = $1`, f.org.ID))
	require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.teams`), "the other organization keeps its team")
}

// Team roles in the schema: a malformed role is refused (team_members_role_check); which
// roles exist is the Policy's. A suspended member's team row, even one a host inserts by
// hand (the schema does not refuse it: see migration 0013), grants nothing while the
// suspension lasts.
func TestPostgresSchemaTeamRolesAndSuspension(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	ctx := t.Context()
	policy := organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
			Permissions: organizations.LibraryPermissions()},
		organizations.RoleDefinition{Name: "writer", Scope: organizations.ScopeTeam, Permissions: []organizations.Permission{"docs:write"}},
	)
	svc := organizations.New(f.svc.Store(), &organizations.Options{Policy: policy})
	team, err := svc.CreateTeam(ctx, f.org.ID, "Docs", nil)
	require.NoError(t, err)

	requireConstraint(t, f.exec(t, `INSERT INTO {s}.team_members (id, organization_id, team_id, user_id, role, created_at)
		VALUES (gen_random_uuid(), $1, $2, 'bob', 'Not A Role', now())`, f.org.ID, team.ID), "23514", "team_members_role_check")

	_, err = svc.SuspendUser(ctx, f.org.ID, "bob")
	require.NoError(t, err)
	_, err = svc.AddTeamMember(ctx, f.org.ID, team.ID, "bob", "writer")
	require.ErrorIs(t, err, organizations.ErrNotMember, "the store refuses a suspended member")
	require.NoError(t, f.exec(t, `INSERT INTO {s}.team_members (id, organization_id, team_id, user_id, role, created_at)
		VALUES (gen_random_uuid(), $1, $2, 'bob', 'writer', now())`, f.org.ID, team.ID), "the schema accepts a host's row")
	a, err := svc.TeamAccess(ctx, f.org.ID, team.ID, "bob")
	require.NoError(t, err)
	require.False(t, a.Access.IsMember)
	require.False(t, a.IsTeamMember, "a suspended member's team row is not read")
	require.False(t, a.Can("docs:write"), "and grants nothing")
	_, err = svc.ReactivateUser(ctx, f.org.ID, "bob")
	require.NoError(t, err)
	a, err = svc.TeamAccess(ctx, f.org.ID, team.ID, "bob")
	require.NoError(t, err)
	require.True(t, a.Can("docs:write"), "reactivated, the row holds")
}
