package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// rawFixture is a migrated schema with one organization made through the Service: owner
// "owner", admin "ann", member "bob", and a pending invitation.
type rawFixture struct {
	pool   *pgxpool.Pool
	schema string // quoted
	svc    *organizations.Service
	org    organizations.Organization
}

func newRawFixture(t *testing.T) rawFixture {
	t.Helper()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	inviter := organizations.InviterFunc(func(context.Context, organizations.InvitationMessage) error { return nil })
	svc := organizations.New(store, &organizations.Options{Inviter: inviter})
	ctx := t.Context()
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "ann", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.Invite(ctx, "ann", org.ID, "cat@example.com", nil)
	require.NoError(t, err)
	return rawFixture{pool: pool, schema: pgx.Identifier{store.Schema()}.Sanitize(), svc: svc, org: org}
}

// exec runs a host's own SQL, with the schema's name for {s}.
func (f rawFixture) exec(t *testing.T, sql string, args ...any) error {
	t.Helper()
	_, err := f.pool.Exec(t.Context(), replaceSchema(sql, f.schema), args...)
	return err
}

func (f rawFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, f.pool.QueryRow(t.Context(), replaceSchema(sql, f.schema), args...).Scan(&n))
	return n
}

func replaceSchema(sql, schema string) string {
	out := []byte{}
	for i := 0; i < len(sql); i++ {
		if sql[i] == '{' && i+2 < len(sql) && sql[i+1] == 's' && sql[i+2] == '}' {
			out = append(out, schema...)
			i += 2
			continue
		}
		out = append(out, sql[i])
	}
	return string(out)
}

// requireConstraint asserts that err is a PostgreSQL error from constraint name.
func requireConstraint(t *testing.T, err error, code, name string) {
	t.Helper()
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "want a PostgreSQL error, got %v", err)
	require.Equal(t, code, pe.Code, pe.Message)
	require.Equal(t, name, pe.ConstraintName, pe.Message)
}

// The schema itself refuses a host's SQL that would break an invariant, and leaves the
// data as it was.
func TestPostgresSchemaHoldsInvariants(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	id := f.org.ID
	cases := []struct {
		name, sql  string
		code, cons string
	}{
		{"delete the owner's membership", `DELETE FROM {s}.memberships WHERE user_id = 'owner'`,
			"23503", "organizations_owner_fkey"},
		{"delete every membership", `DELETE FROM {s}.memberships WHERE organization_id = $1`,
			"23503", "organizations_owner_fkey"},
		{"demote the owner", `UPDATE {s}.memberships SET role = 'member' WHERE user_id = 'owner'`,
			"23503", "organizations_owner_fkey"},
		{"point owner_id at a non-member", `UPDATE {s}.organizations SET owner_id = 'nobody' WHERE id = $1`,
			"23503", "organizations_owner_fkey"},
		{"point owner_id at a plain member", `UPDATE {s}.organizations SET owner_id = 'bob' WHERE id = $1`,
			"23503", "organizations_owner_fkey"},
		{"owner_role other than admin", `UPDATE {s}.organizations SET owner_role = 'member' WHERE id = $1`,
			"23514", "organizations_owner_role_check"},
		{"move the owner's membership to another user", `UPDATE {s}.memberships SET user_id = 'zed' WHERE user_id = 'owner'`,
			"23503", "organizations_owner_fkey"},
		{"an organization without its owner's membership", `INSERT INTO {s}.organizations
			(id, name, slug, created_at, updated_at, owner_id, owner_since)
			VALUES (gen_random_uuid(), 'Ghost', 'ghost', now(), now(), 'owner', now())`,
			"23503", "organizations_owner_fkey"},
		{"a second membership of one user", `INSERT INTO {s}.memberships
			(id, organization_id, user_id, role, created_at, updated_at)
			VALUES (gen_random_uuid(), $1, 'bob', 'member', now(), now())`,
			"23505", "memberships_organization_user_key"},
		{"the role name owner", `UPDATE {s}.memberships SET role = 'owner' WHERE user_id = 'bob'`,
			"23514", "memberships_role_name_check"},
		{"a malformed role name", `UPDATE {s}.memberships SET role = 'Bad Role' WHERE user_id = 'bob'`,
			"23514", "memberships_role_name_check"},
		{"a custom role that does not exist", `UPDATE {s}.memberships SET role = 'ghost', custom_role = 'ghost' WHERE user_id = 'bob'`,
			"23503", "memberships_custom_role_fkey"},
		{"a custom role column that is not the role", `UPDATE {s}.memberships SET custom_role = 'other' WHERE user_id = 'bob'`,
			"23514", "memberships_custom_role_check"},
		{"a taken slug", `INSERT INTO {s}.organizations
			(id, name, slug, created_at, updated_at, owner_id, owner_since)
			VALUES (gen_random_uuid(), 'Acme', 'acme', now(), now(), 'owner', now())`,
			"23505", "organizations_slug_key"},
		{"a second pending invitation of one email", `INSERT INTO {s}.invitations
			(id, organization_id, email, role, invited_by, bearer, status, token_hash, created_at, expires_at)
			VALUES (gen_random_uuid(), $1, 'cat@example.com', 'member', 'ann', false, 'pending',
				sha256('x'), now(), now() + interval '1 day')`,
			"23505", "invitations_pending_key"},
		{"an accepted invitation without its user", `UPDATE {s}.invitations SET status = 'accepted', responded_at = now()`,
			"23514", "invitations_accepted_check"},
		{"a membership of no organization", `INSERT INTO {s}.memberships
			(id, organization_id, user_id, role, created_at, updated_at)
			VALUES (gen_random_uuid(), gen_random_uuid(), 'bob', 'member', now(), now())`,
			"23503", "memberships_organization_fkey"},
	}
	const state = `SELECT count(*) FROM {s}.memberships m
		JOIN {s}.organizations o ON o.id = m.organization_id
		WHERE o.id = $1 AND o.owner_id = 'owner' AND (m.user_id, m.role) IN (('owner', 'admin'), ('ann', 'admin'), ('bob', 'member'))`
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args []any
			if containsParam(tc.sql) {
				args = []any{id}
			}
			requireConstraint(t, f.exec(t, tc.sql, args...), tc.code, tc.cons)
			require.Equal(t, 3, f.count(t, state, id), "the organization and its members changed")
			require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.organizations`))
			require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.invitations WHERE status = 'pending'`))
		})
	}
}

func containsParam(sql string) bool {
	for i := 0; i+1 < len(sql); i++ {
		if sql[i] == '$' && sql[i+1] == '1' {
			return true
		}
	}
	return false
}

// What a host may do with raw SQL it can: create an organization with its owner in one
// statement, transfer ownership to an admin, and delete an organization, which takes its
// memberships and invitations and nothing else.
func TestPostgresSchemaAllowsValidChanges(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	require.NoError(t, f.exec(t, `WITH o AS (
			INSERT INTO {s}.organizations (id, name, slug, created_at, updated_at, owner_id, owner_since)
			VALUES ('00000000-0000-7000-8000-000000000001', 'Raw', 'raw', now(), now(), 'ann', now())
			RETURNING id
		)
		INSERT INTO {s}.memberships (id, organization_id, user_id, role, created_at, updated_at)
		SELECT gen_random_uuid(), o.id, 'ann', 'admin', now(), now() FROM o`))
	require.NoError(t, f.exec(t, `UPDATE {s}.organizations SET owner_id = 'ann' WHERE id = $1`, f.org.ID))
	require.NoError(t, f.exec(t, `DELETE FROM {s}.memberships WHERE organization_id = $1 AND user_id = 'owner'`, f.org.ID))

	require.NoError(t, f.exec(t, `DELETE FROM {s}.organizations WHERE id = $1`, f.org.ID))
	require.Equal(t, 0, f.count(t, `SELECT count(*) FROM {s}.memberships WHERE organization_id = $1`, f.org.ID))
	require.Equal(t, 0, f.count(t, `SELECT count(*) FROM {s}.invitations WHERE organization_id = $1`, f.org.ID))
	require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.organizations`))
	require.Equal(t, 1, f.count(t, `SELECT count(*) FROM {s}.memberships WHERE user_id = 'ann'`))
}

// Every constraint and index has the name the error mapping and the documentation use;
// none was named by PostgreSQL.
func TestPostgresSchemaNamesEveryConstraint(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	rows, err := pool.Query(t.Context(), `
		SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = $1
		UNION ALL
		SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = $1
		ORDER BY 1`, store.Schema())
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	want := []string{
		"activations_pkey", "activations_pkey",
		"activations_token_hash_check",
		"activations_token_hash_key", "activations_token_hash_key",
		"invitation_teams_invitation_fkey",
		"invitation_teams_pkey", "invitation_teams_pkey",
		"invitation_teams_role_check",
		"invitation_teams_team_fkey",
		"invitation_teams_team_idx",
		"invitations_accepted_check",
		"invitations_custom_role_check",
		"invitations_custom_role_fkey",
		"invitations_custom_role_idx",
		"invitations_email_id_idx",
		"invitations_organization_fkey",
		"invitations_organization_id_idx",
		"invitations_organization_id_key", "invitations_organization_id_key",
		"invitations_pending_key",
		"invitations_pkey", "invitations_pkey",
		"invitations_responded_check",
		"invitations_role_name_check",
		"invitations_status_check",
		"invitations_token_hash_check",
		"invitations_token_hash_key", "invitations_token_hash_key",
		"memberships_custom_role_check",
		"memberships_custom_role_fkey",
		"memberships_custom_role_idx",
		"memberships_organization_fkey",
		"memberships_organization_id_idx",
		"memberships_organization_role_idx",
		"memberships_organization_user_key", "memberships_organization_user_key",
		"memberships_organization_user_role_status_key", "memberships_organization_user_role_status_key",
		"memberships_pkey", "memberships_pkey",
		"memberships_role_name_check",
		"memberships_status_check",
		"memberships_suspended_idx",
		"memberships_user_id_check",
		"memberships_user_organization_idx",
		"organization_domain_invitations_invitation_fkey",
		"organization_domain_invitations_pkey", "organization_domain_invitations_pkey",
		"organization_domains_enrollment_check",
		"organization_domains_name_check",
		"organization_domains_org_idx",
		"organization_domains_organization_fkey",
		"organization_domains_organization_name_key", "organization_domains_organization_name_key",
		"organization_domains_pkey", "organization_domains_pkey",
		"organization_domains_verified_check",
		"organization_domains_verified_key",
		"organization_event_cursors_consumer_check",
		"organization_event_cursors_pkey", "organization_event_cursors_pkey",
		"organization_events_actor_check",
		"organization_events_actor_idx",
		"organization_events_number",
		"organization_events_org_idx",
		"organization_events_pkey", "organization_events_pkey",
		"organization_events_pos_key",
		"organization_events_subject_check",
		"organization_events_subject_idx",
		"organization_events_time_idx",
		"organization_events_type_check",
		"organization_join_requests_open_key",
		"organization_join_requests_org_idx",
		"organization_join_requests_organization_fkey",
		"organization_join_requests_pkey", "organization_join_requests_pkey",
		"organization_join_requests_status_check",
		"organization_roles_name_check",
		"organization_roles_organization_fkey",
		"organization_roles_pkey", "organization_roles_pkey",
		"organization_slug_counters_last_check",
		"organization_slug_counters_pkey", "organization_slug_counters_pkey",
		"organizations_data_check",
		"organizations_max_members_check",
		"organizations_migrations_pkey", "organizations_migrations_pkey",
		"organizations_name_check",
		"organizations_owner_fkey",
		"organizations_owner_idx",
		"organizations_owner_role_check",
		"organizations_owner_status_check",
		"organizations_pkey", "organizations_pkey",
		"organizations_settings_check",
		"organizations_slug_check",
		"organizations_slug_key", "organizations_slug_key",
		"ownership_transfers_check",
		"ownership_transfers_nominee_fkey",
		"ownership_transfers_pkey", "ownership_transfers_pkey",
		"team_members_member_fkey",
		"team_members_member_idx",
		"team_members_pkey", "team_members_pkey",
		"team_members_role_check",
		"team_members_team_fkey",
		"team_members_team_id_idx",
		"teams_data_check",
		"teams_name_check",
		"teams_organization_fkey",
		"teams_organization_slug_key", "teams_organization_slug_key",
		"teams_pkey", "teams_pkey",
		"teams_slug_check",
	}
	require.Equal(t, want, names)
}

// TestPostgresSchemaHasNoReplannedFunction: a SQL function that PostgreSQL cannot
// inline into the statement calling it (one with a SET clause, an aggregate or a
// subquery) has its body planned again for each statement that calls it (PostgreSQL 15),
// where a PL/pgSQL function keeps its plans for the session. Migration 0020 made the
// three such functions PL/pgSQL; every SQL function left in the schema must be inlined:
// EXPLAIN VERBOSE of a call, with arguments that are not constants, shows its body, not
// its name.
func TestPostgresSchemaHasNoReplannedFunction(t *testing.T) {
	t.Parallel()
	f := newRawFixture(t)
	// Each SQL function of the schema, and arguments of its types that the planner
	// cannot fold into constants.
	rows, err := f.pool.Query(t.Context(), `
		SELECT p.proname, COALESCE((SELECT string_agg(format('(CASE WHEN g > 0 THEN NULL END)::%s', format_type(a.t, NULL)), ', ' ORDER BY a.n)
			FROM unnest(p.proargtypes) WITH ORDINALITY AS a (t, n)), '')
		FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
		WHERE p.pronamespace = $1::regnamespace AND l.lanname = 'sql' ORDER BY 1`, f.schema)
	require.NoError(t, err)
	type call struct{ Name, Args string }
	calls, err := pgx.CollectRows(rows, pgx.RowToStructByPos[call])
	require.NoError(t, err)
	require.NotEmpty(t, calls)
	// On the schema's search_path, as the write functions that call them run (a SQL
	// function's body is inlined as written: unqualified).
	tx, err := f.pool.Begin(t.Context())
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.Background()) }()
	_, err = tx.Exec(t.Context(), "SELECT set_config('search_path', $1, true)", f.schema)
	require.NoError(t, err)
	var replanned []string
	for _, c := range calls {
		plan, err := tx.Query(t.Context(), "EXPLAIN (VERBOSE, COSTS OFF) SELECT "+f.schema+"."+c.Name+"("+c.Args+") FROM generate_series(1, 1) AS g")
		require.NoError(t, err)
		lines, err := pgx.CollectRows(plan, pgx.RowTo[string])
		require.NoError(t, err)
		if regexp.MustCompile(`(^|[^a-z_])` + regexp.QuoteMeta(c.Name) + `\(`).MatchString(strings.Join(lines, "\n")) {
			replanned = append(replanned, c.Name)
		}
	}
	require.Empty(t, replanned, "SQL functions not inlined, so planned on every call")

	// The functions 0020 replaced answer as before. The invitation's teams: in team ID
	// order, the role only where set; NULL for an invitation without teams.
	teamsJSON := replaceSchema(`SELECT {s}.organization_invitation_teams_json(i.id)::text FROM {s}.invitations i WHERE i.email = $1`, f.schema)
	var none *string
	require.NoError(t, f.pool.QueryRow(t.Context(), teamsJSON, "cat@example.com").Scan(&none))
	require.Nil(t, none)
	a, b := uuid.MustParse("00000000-0000-7000-8000-00000000000a"), uuid.MustParse("00000000-0000-7000-8000-00000000000b")
	require.NoError(t, f.exec(t, `INSERT INTO {s}.teams (id, organization_id, name, slug, created_at, updated_at)
		VALUES ($1, $3, 'B', 'b', now(), now()), ($2, $3, 'A', 'a', now(), now())`, b, a, f.org.ID))
	require.NoError(t, f.exec(t, `INSERT INTO {s}.invitation_teams (organization_id, invitation_id, team_id, role)
		SELECT $1, i.id, t.id, CASE WHEN t.id = $2 THEN 'lead' END FROM {s}.invitations i, {s}.teams t
		WHERE i.email = 'cat@example.com'`, f.org.ID, b))
	var got string
	require.NoError(t, f.pool.QueryRow(t.Context(), teamsJSON, "cat@example.com").Scan(&got))
	var teams []organizations.TeamInvite
	require.NoError(t, json.Unmarshal([]byte(got), &teams), got)
	require.Equal(t, []organizations.TeamInvite{{TeamID: a}, {TeamID: b, Role: "lead"}}, teams, got)
	require.NotContains(t, got, "null", "a team without a role has no role key")
	// A team role's permissions ('{}' for none, NULL included), and a custom role's
	// definition's (its included roles', then its own).
	var perms [4][]string
	require.NoError(t, f.pool.QueryRow(t.Context(), replaceSchema(`SELECT
		{s}.organization_team_role_perms('w', '{w,r,w}', '{a,b,c}'), {s}.organization_team_role_perms(NULL, '{w}', '{a}'),
		{s}.organization_defined_perms('{m}', '{z}', '{m,a,m}', '{x,y,w}'), {s}.organization_defined_perms('{}', '{z}', '{m}', '{x}')`,
		f.schema)).Scan(&perms[0], &perms[1], &perms[2], &perms[3]))
	require.Equal(t, [4][]string{{"a", "c"}, {}, {"x", "w", "z"}, {"z"}}, perms)
}
