package organizations_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// TestPostgresSchemaHoldsInvitationTeams checks that the schema (migration 0015) keeps
// an invitation's teams in its organization whatever SQL runs, and that a team's
// deletion, by any SQL, drops it from the invitations naming it.
func TestPostgresSchemaHoldsInvitationTeams(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	ctx := t.Context()
	team, err := f.svc.CreateTeam(ctx, f.org.ID, "Docs", nil)
	require.NoError(t, err)
	other, err := f.svc.CreateOrganization(ctx, "zed", "Other", nil)
	require.NoError(t, err)
	otherTeam, err := f.svc.CreateTeam(ctx, other.ID, "Docs", nil)
	require.NoError(t, err)
	inv, err := f.svc.Invite(ctx, "owner", f.org.ID, "dan@example.com", &organizations.InviteOptions{
		Teams: []organizations.TeamInvite{{TeamID: team.ID}},
	})
	require.NoError(t, err)
	otherInv, err := f.svc.Invite(ctx, "zed", other.ID, "dan@example.com", nil)
	require.NoError(t, err)

	const insert = `INSERT INTO {s}.invitation_teams (organization_id, invitation_id, team_id, role) VALUES ($1, $2, $3, $4)`
	for _, tc := range []struct {
		name       string
		args       []any
		code, cons string
	}{
		{"another organization's team", []any{f.org.ID, inv.ID, otherTeam.ID, nil}, "23503", "invitation_teams_team_fkey"},
		{"another organization's invitation", []any{f.org.ID, otherInv.ID, team.ID, nil}, "23503", "invitation_teams_invitation_fkey"},
		{"a team twice", []any{f.org.ID, inv.ID, team.ID, "writer"}, "23505", "invitation_teams_pkey"},
		{"a malformed team role", []any{other.ID, otherInv.ID, otherTeam.ID, "Bad Role"}, "23514", "invitation_teams_role_check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireConstraint(t, f.exec(t, insert, tc.args...), tc.code, tc.cons)
		})
	}
	require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.invitation_teams`), "nothing refused was stored")

	// A DELETE of the team, by any SQL, takes the invitation's row with it.
	require.NoError(t, f.exec(t, `DELETE FROM {s}.teams WHERE organization_id = $1`, f.org.ID))
	require.Zero(t, f.count(t, `SELECT count(*) FROM {s}.invitation_teams`))
	got, err := f.svc.PendingInvitations(ctx, f.org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	seen := false
	for _, i := range got.Items {
		require.Nil(t, i.Teams)
		seen = seen || i.ID == inv.ID
	}
	require.True(t, seen, "the invitation stays, without the team")
}
