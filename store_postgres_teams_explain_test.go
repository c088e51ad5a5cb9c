package organizations

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// teamsPerOrg is how many teams sqlLoadTeams gives each organization.
const teamsPerOrg = 10

// sqlLoadTeams gives every organization of a loaded pgShape (ordered IDs) teamsPerOrg
// teams, "team-0" to "team-9", each with all the organization's members, and the wide
// organization one team, "everyone", with all of its members, in one statement: a user
// is in ten teams of each of their organizations. Member j = 1 of each organization is a
// "writer" of its team 1. Team t of organization g has the ID teamLoadID(g, t).
const sqlLoadTeams = `
WITH t AS (
	INSERT INTO /* TEMPLATE: schema */teams (id, organization_id, name, slug, created_at, updated_at)
	SELECT ('018f0000-0003-7000-8000-' || lpad(to_hex(g * $5::int + t), 12, '0'))::uuid,
		('018f0000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Team ' || t, 'team-' || t, now(), now()
	FROM generate_series(0, $1::int - 1) AS g CROSS JOIN generate_series(0, $5::int - 1) AS t
	UNION ALL
	SELECT '018f0000-0003-7000-8000-ffffffffffff'::uuid, '018f0000-0000-7000-8000-ffffffffffff'::uuid,
		'Everyone', 'everyone', now(), now()
)
INSERT INTO /* TEMPLATE: schema */team_members (id, organization_id, team_id, user_id, role, created_at)
SELECT ('018f0000-0004-7000-8000-' || lpad(to_hex(k * $5::int + t), 12, '0'))::uuid,
	('018f0000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
	('018f0000-0003-7000-8000-' || lpad(to_hex(g * $5::int + t), 12, '0'))::uuid,
	'user-' || (k % $3::int), CASE WHEN t = 1 AND k - g * $2::int = 1 THEN 'writer' END, now()
FROM generate_series(0, $1::int - 1) AS g
	CROSS JOIN LATERAL generate_series(g::bigint * $2::int, g::bigint * $2::int + $2::int - 1) AS k
	CROSS JOIN generate_series(0, $5::int - 1) AS t
UNION ALL
SELECT ('018f0000-0005-7000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, '018f0000-0000-7000-8000-ffffffffffff'::uuid,
	'018f0000-0003-7000-8000-ffffffffffff'::uuid, 'wide-' || k, NULL, now()
FROM generate_series(0, $4::int - 1) AS k`

// teamLoadID is the ID sqlLoadTeams gives team t of organization g; t < 0 is the wide
// organization's team.
func teamLoadID(g, t int) uuid.UUID {
	if t < 0 {
		return uuid.MustParse("018f0000-0003-7000-8000-ffffffffffff")
	}
	return uuid.MustParse(fmt.Sprintf("018f0000-0003-7000-8000-%012x", g*teamsPerOrg+t))
}

// teamShape: 10,001 organizations, 120,000 memberships, 100,001 teams and 1,020,000
// team memberships (every member of an organization in each of its ten teams, and a
// team of 20,000 members).
var teamShape = pgShape{orgs: 10_000, members: 10, users: 10_000, wide: 20_000}

// teamLoadMembers is how many team memberships sqlLoadTeams makes for sh.
func (sh pgShape) teamLoadMembers() int { return sh.orgs*sh.members*teamsPerOrg + sh.wide }

// loadTeams adds sqlLoadTeams' teams and members to a store loaded with sh (ordered
// IDs), their keys, foreign keys and indexes given back once the rows are in
// (pgtest.BulkLoad), then VACUUM ANALYZEs them.
func (sh pgShape) loadTeams(tb testing.TB, db *pgxpool.Pool, s *PostgresStore) {
	tb.Helper()
	require.False(tb, sh.random, "sqlLoadTeams computes the ordered IDs")
	ctx := context.Background()
	start := time.Now()
	err := pgtest.BulkLoad(ctx, db, s.schema, []string{"teams", "team_members"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, renderSQL(sqlLoadTeams, s.ident), sh.orgs, sh.members, sh.users, sh.wide, teamsPerOrg)
		return err
	})
	require.NoError(tb, err)
	loaded := time.Since(start)
	for _, table := range []string{"teams", "team_members"} {
		_, err := db.Exec(ctx, "VACUUM ANALYZE "+s.ident+"."+table)
		require.NoError(tb, err)
	}
	var teams, members int
	require.NoError(tb, db.QueryRow(ctx, "SELECT (SELECT count(*) FROM "+s.ident+".teams), "+
		"(SELECT count(*) FROM "+s.ident+".team_members)").Scan(&teams, &members))
	require.Equal(tb, []int{sh.orgs*teamsPerOrg + 1, sh.teamLoadMembers()}, []int{teams, members})
	tb.Logf("loaded %d teams and %d team memberships in %v, vacuumed and analyzed in %v",
		teams, members, loaded.Round(time.Millisecond), (time.Since(start) - loaded).Round(time.Millisecond))
}

// TestPostgresTeamPlansUseIndexesAtAMillionTeamMemberships loads 1,020,000 team
// memberships (teamShape) and requires that the statements of TeamsForUser (a user's
// teams), TeamMembers (a team's members, a small team's and the large team's, first and
// next pages, with their counts), Teams and TeamAccess, as the store sends them, read
// every table through indexes only, in custom and generic plans alike; the large team's
// pages must come from team_members_team_id_idx in order (no sort under the page's
// limit), and its count from an index on team_id.
func TestPostgresTeamPlansUseIndexesAtAMillionTeamMemberships(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t) // loads a million rows
	sh := teamShape
	s, db := newLoadedStore(t, sh)
	sh.loadTeams(t, db, s)
	ctx := t.Context()

	n := sh.orgs / 2 // an organization somewhere in the middle
	org := loadedOrg(t, s, fmt.Sprintf("org-%d", n))
	require.Equal(t, org, uuid.MustParse(fmt.Sprintf("018f0000-0000-7000-8000-%012x", n)), "the IDs sqlLoadTeams computes")
	team := teamLoadID(n, 0)
	user := sh.user(n*sh.members + 3)
	teams, total, err := s.ListTeams(ctx, ListTeamsParams{OrganizationID: org, UserID: user, Limit: 5})
	require.NoError(t, err, "the user the plan looks up has teams")
	require.Len(t, teams, 5)
	require.Equal(t, teamsPerOrg, total)
	members, total, err := s.ListTeamMembers(ctx, ListTeamMembersParams{OrganizationID: org, TeamID: team, Limit: 3})
	require.NoError(t, err)
	require.Len(t, members, 3)
	require.Equal(t, sh.members, total)
	wide := loadedOrg(t, s, "wide")
	wideTeam := teamLoadID(0, -1)
	widePage, total, err := s.ListTeamMembers(ctx, ListTeamMembersParams{OrganizationID: wide, TeamID: wideTeam, Limit: 100})
	require.NoError(t, err)
	require.Len(t, widePage, 100)
	require.Equal(t, sh.wide, total, "the large team's count")
	writer := sh.user(n*sh.members + 1)
	a, err := s.TeamAccess(ctx, TeamAccessParams{OrganizationID: org, TeamID: teamLoadID(n, 1), UserID: writer})
	require.NoError(t, err)
	require.True(t, a.IsTeamMember)
	require.Equal(t, Role("writer"), a.TeamMember.Role, "the team membership the plan looks up")

	// A team membership is found by (team_id, user_id) or, from the user's side, by
	// (organization_id, user_id, team_id); a small team's members by any index leading
	// with team_id (the planner may read its few and sort them).
	byTeam := []string{"team_members_team_id_idx", "team_members_pkey"}
	byOrgUser := []string{"memberships_organization_user_key", "memberships_organization_user_role_status_key", "memberships_user_organization_idx"}
	cases := []struct {
		name    string
		q       pgQuery
		args    pgx.StrictNamedArgs
		indexes [][]string // each group must appear in the plan; any one of a group will do
		large   bool       // a page of the large team: in order from team_members_team_id_idx
	}{
		{"TeamsForUser, first page", qUserTeams, pgx.StrictNamedArgs{"organization_id": org, "user_id": string(user), "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"team_members_member_idx"}, {"teams_pkey"},
		}, false},
		{"TeamsForUser, next page", qUserTeams, pgx.StrictNamedArgs{"organization_id": org, "user_id": string(user), "after": teams[4].ID, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"team_members_member_idx"}, {"teams_pkey"},
		}, false},
		{"TeamMembers, first page", qTeamMembers, pgx.StrictNamedArgs{"organization_id": org, "team_id": team, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"teams_pkey"}, byTeam,
		}, false},
		{"TeamMembers, next page", qTeamMembers, pgx.StrictNamedArgs{"organization_id": org, "team_id": team, "after": members[1].ID, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"teams_pkey"}, byTeam,
		}, false},
		{"TeamMembers of a large team, first page", qTeamMembers, pgx.StrictNamedArgs{"organization_id": wide, "team_id": wideTeam, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"teams_pkey"}, {"team_members_team_id_idx"},
		}, true},
		{"TeamMembers of a large team, next page", qTeamMembers, pgx.StrictNamedArgs{"organization_id": wide, "team_id": wideTeam, "after": widePage[99].ID, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"teams_pkey"}, {"team_members_team_id_idx"},
		}, true},
		{"Teams", qTeams, pgx.StrictNamedArgs{"organization_id": org, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"teams_pkey", "teams_organization_slug_key"}, // both lead with organization_id
		}, false},
		{"TeamAccess", qTeamAccess, pgx.StrictNamedArgs{"organization_id": org, "team_id": teamLoadID(n, 1), "user_id": string(writer)}, [][]string{
			{"organizations_pkey"}, byOrgUser, {"teams_pkey"}, {"team_members_pkey"},
		}, false},
	}
	for _, c := range cases {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			plan := explain(t, db, c.name, mode, s.sql[c.q], c.args)
			used := map[string]bool{}
			plan.walk(func(n planNode) {
				used[n.IndexName] = true
				switch n.RelationName {
				case "organizations", "memberships", "teams", "team_members":
					require.Contains(t, []string{"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, n.NodeType,
						"%s, %s: %s reads %s", c.name, mode, n.NodeType, n.RelationName)
				}
				if c.large && n.NodeType == "Limit" {
					n.walk(func(c2 planNode) {
						require.NotEqual(t, "Sort", c2.NodeType, "%s, %s: the large team's page comes in index order", c.name, mode)
					})
				}
			})
			if c.large {
				// The count (the plan's one aggregate) reads the large team through an index
				// on team_id: an index-only scan, or a bitmap scan of it, as the planner
				// prices them.
				counted := false
				plan.walk(func(n planNode) {
					if n.NodeType == "Aggregate" {
						n.walk(func(c planNode) { counted = counted || slices.Contains(byTeam, c.IndexName) })
					}
				})
				require.True(t, counted, "%s, %s: the count reads an index on team_id", c.name, mode)
			}
			for _, group := range c.indexes {
				require.True(t, usesAny(used, group), "%s, %s: none of %v in the plan", c.name, mode, group)
			}
		}
	}
}

// BenchmarkPostgresTeamCheck prices a team permission check (Service.HasTeamPermission:
// one TeamAccess statement, then TeamAccess.Can) beside an organization one
// (Service.HasPermission: one Access statement, then Access.Can) and SELECT 1, on
// teamShape (1,020,000 team memberships over 120,000 memberships), each by a plain member
// of a sampled organization who is a "writer" of one of its teams. Each iteration makes
// the three calls in turn, timed apart, so that they are compared under the same
// conditions (on a small shared machine latencies drift by tens of percent from one
// second to the next): ns/op is the team check's, org-ns/op the organization check's,
// select1-ns/op SELECT 1's, and team-x-org and team-x-select1 the ratios. The
// sub-benchmarks ask the team check for a permission of the team role (docs:write) and
// for one of the organization role (docs:read). Nothing is asserted on time.
//
//	go test -run='^$' -bench=PostgresTeamCheck -benchtime=2s -count=5 .
func BenchmarkPostgresTeamCheck(b *testing.B) {
	sh := teamShape
	s, pool := newLoadedStore(b, sh)
	sh.loadTeams(b, pool, s)
	ctx := context.Background()
	policy := MustPolicy(
		RoleDefinition{Name: RoleMember, Permissions: []Permission{"docs:read"}},
		RoleDefinition{Name: RoleAdmin, Includes: []Role{RoleMember}, Permissions: LibraryPermissions()},
		RoleDefinition{Name: "writer", Scope: ScopeTeam, Permissions: []Permission{"docs:write"}},
	)
	svc := New(s, &Options{Policy: policy})
	bb := newBenchPostgres(b, s, sh)
	// The writer of each sampled organization: member 1, of team 1.
	type sample struct {
		org, team uuid.UUID
		user      UserID
	}
	samples := make([]sample, len(bb.pairs))
	for i := range samples {
		g := i * (sh.orgs / benchSamples)
		samples[i] = sample{org: bb.pairs[i].org, team: teamLoadID(g, 1), user: bb.pairs[i].member}
		ok, err := svc.HasTeamPermission(ctx, samples[i].org, samples[i].team, samples[i].user, "docs:write")
		require.NoError(b, err)
		require.True(b, ok, "sample %d: the member is the team's writer", i)
	}
	var one int
	selectOne := func() error { return pool.QueryRow(ctx, "SELECT 1").Scan(&one) }
	for range 200 { // warm the pool's connection up
		require.NoError(b, selectOne())
	}
	for _, perm := range []Permission{"docs:write", "docs:read"} {
		b.Run(string(perm), func(b *testing.B) {
			var team, org, sel time.Duration
			i := 0
			for b.Loop() {
				x := samples[i%len(samples)]
				t0 := time.Now()
				if err := wantTrue(svc.HasTeamPermission(ctx, x.org, x.team, x.user, perm)); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := wantTrue(svc.HasPermission(ctx, x.org, x.user, "docs:read")); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				if err := selectOne(); err != nil {
					b.Fatal(err)
				}
				team, org, sel = team+t1.Sub(t0), org+t2.Sub(t1), sel+time.Since(t2)
				i++
			}
			n := float64(i)
			b.ReportMetric(float64(team)/n, "ns/op")
			b.ReportMetric(float64(org)/n, "org-ns/op")
			b.ReportMetric(float64(sel)/n, "select1-ns/op")
			b.ReportMetric(float64(team)/float64(org), "team-x-org")
			b.ReportMetric(float64(team)/float64(sel), "team-x-select1")
		})
	}
}
