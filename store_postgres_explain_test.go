package organizations

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// pgShape is the content of a loaded PostgresStore: orgs organizations of members
// memberships each (the owner's included), drawn in turn from users users, so that every
// user belongs to orgs*members/users organizations; and one more organization, "wide",
// with wide members, for pages of a large organization. Organization n has the slug
// "org-n" and the members pgShape.user(n*members+j) for j < members, the first its owner.
//
// IDs increase in the order rows are made, as the Service's UUIDv7s do, so that a table's
// rows lie in the order of their organization IDs; with random, they are random (as a
// host's UUIDv4s would be), and the planner's statistics say the rows of an
// organization lie all over the table.
type pgShape struct {
	orgs, members, users, wide int
	random                     bool
}

// explainShape: 100,001 organizations, 1,020,000 memberships, 100,000 users in 10
// organizations each.
var explainShape = pgShape{orgs: 100_000, members: 10, users: 100_000, wide: 20_000}

func (sh pgShape) user(k int) UserID { return UserID(fmt.Sprintf("user-%d", k%sh.users)) }

// sqlLoad inserts the organizations and their memberships in one statement, in
// organization order.
const sqlLoad = `
WITH o AS (
	INSERT INTO /* TEMPLATE: schema */organizations (id, name, slug, created_at, updated_at, owner_id, owner_since)
	SELECT ` + sqlLoadOrgID + `, 'Organization ' || g, 'org-' || g,
		now(), now(), 'user-' || (g::bigint * $2::int % $3::int), now()
	FROM generate_series(0, $1::int - 1) AS g
	UNION ALL
	SELECT ` + sqlLoadWideID + `, 'Wide', 'wide', now(), now(), 'wide-0', now()
	RETURNING id
)
INSERT INTO /* TEMPLATE: schema */memberships (id, organization_id, user_id, role, created_at, updated_at)
SELECT CASE WHEN $5::boolean THEN gen_random_uuid()
		ELSE ('018f0000-0001-7000-8000-' || lpad(to_hex(k), 12, '0'))::uuid END,
	` + sqlLoadOrgID + `, 'user-' || (k % $3::int),
	CASE WHEN (k - g * $2::int) % 4 = 0 THEN 'admin' ELSE 'member' END, now(), now()
FROM generate_series(0, $1::int - 1) AS g
	CROSS JOIN LATERAL generate_series(g::bigint * $2::int, g::bigint * $2::int + $2::int - 1) AS k
UNION ALL
SELECT CASE WHEN $5::boolean THEN gen_random_uuid()
		ELSE ('018f0000-0002-7000-8000-' || lpad(to_hex(k), 12, '0'))::uuid END,
	` + sqlLoadWideID + `, 'wide-' || k,
	CASE WHEN k % 4 = 0 THEN 'admin' ELSE 'member' END, now(), now()
FROM generate_series(0, $4::int - 1) AS k`

// The ID of organization g, and of the wide one: computed, so that the memberships can
// refer to them.
const (
	sqlLoadOrgID = `CASE WHEN $5::boolean THEN md5('org-' || g)::uuid
		ELSE ('018f0000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid END`
	sqlLoadWideID = `CASE WHEN $5::boolean THEN md5('wide')::uuid
		ELSE '018f0000-0000-7000-8000-ffffffffffff'::uuid END`
)

// load fills the migrated, empty store with sh in SQL (seconds for a million rows, where
// a million calls would take minutes), then VACUUM ANALYZEs it so that the planner knows
// its size and index-only scans can skip the heap.
func (sh pgShape) load(tb testing.TB, db *pgxpool.Pool, s *PostgresStore) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	// One statement, into tables without their keys, foreign keys and plain indexes,
	// which BulkLoad builds and checks once, after the rows are in.
	err := pgtest.BulkLoad(ctx, db, s.schema, []string{"organizations", "memberships"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, renderSQL(sqlLoad, s.ident), sh.orgs, sh.members, sh.users, sh.wide, sh.random)
		return err
	})
	require.NoError(tb, err)
	loaded := time.Since(start)
	for _, table := range []string{"organizations", "memberships"} {
		_, err := db.Exec(ctx, "VACUUM ANALYZE "+s.ident+"."+table)
		require.NoError(tb, err)
	}
	var orgs, members int
	require.NoError(tb, db.QueryRow(ctx, "SELECT (SELECT count(*) FROM "+s.ident+".organizations), "+
		"(SELECT count(*) FROM "+s.ident+".memberships)").Scan(&orgs, &members))
	require.Equal(tb, []int{sh.orgs + 1, sh.orgs*sh.members + sh.wide}, []int{orgs, members})
	tb.Logf("loaded %d organizations and %d memberships in %v, vacuumed and analyzed in %v",
		orgs, members, loaded.Round(time.Millisecond), (time.Since(start) - loaded).Round(time.Millisecond))
}

// sqlLoadInvitations inserts one pending invitation into every organization, from its
// owner, with the token hash sha256(n) for the organization's rank n, to the email
// invitee-(n % $1)@example.com, so that each of those emails has a few invitations across
// organizations.
const sqlLoadInvitations = `
INSERT INTO /* TEMPLATE: schema */invitations
	(id, organization_id, email, role, invited_by, bearer, status, token_hash, created_at, expires_at)
SELECT gen_random_uuid(), o.id, 'invitee-' || (o.n % $1::int) || '@example.com', 'member', o.owner_id, false,
	'pending', sha256(o.n::text::bytea), now(), now() + interval '7 days'
FROM (SELECT id, owner_id, row_number() OVER (ORDER BY id) AS n FROM /* TEMPLATE: schema */organizations) AS o`

// loadInvitations adds sqlLoadInvitations' invitations, emails in number, to the loaded
// store, and analyzes them.
func loadInvitations(tb testing.TB, db *pgxpool.Pool, s *PostgresStore, emails int) {
	tb.Helper()
	ctx := context.Background()
	err := pgtest.BulkLoad(ctx, db, s.schema, []string{"invitations"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, renderSQL(sqlLoadInvitations, s.ident), emails)
		return err
	})
	require.NoError(tb, err)
	_, err = db.Exec(ctx, "VACUUM ANALYZE "+s.ident+".invitations")
	require.NoError(tb, err)
}

// loadedOrg returns the ID of the loaded organization with this slug.
func loadedOrg(tb testing.TB, s *PostgresStore, slug string) uuid.UUID {
	tb.Helper()
	org, err := s.OrganizationBySlug(context.Background(), slug)
	require.NoError(tb, err)
	return org.ID
}

// newLoadedStore returns a migrated store in a fresh schema, loaded with sh.
func newLoadedStore(tb testing.TB, sh pgShape) (*PostgresStore, *pgxpool.Pool) {
	tb.Helper()
	schema, pool := pgtest.Schema(tb)
	s, err := NewPostgresStore(pool, &PostgresOptions{Schema: schema})
	require.NoError(tb, err)
	require.NoError(tb, s.Migrate(context.Background()))
	sh.load(tb, pool, s)
	return s, pool
}

// planNode is the part of an EXPLAIN (FORMAT JSON) plan node the test looks at.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	Plans        []planNode `json:"Plans"`
}

// walk calls f for n and every node below it.
func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// outline is the plan as an indented list of node types, relations and indexes.
func (n planNode) outline(b *strings.Builder, depth int) {
	fmt.Fprintf(b, "%s%s", strings.Repeat("  ", depth), n.NodeType)
	if n.RelationName != "" {
		fmt.Fprintf(b, " on %s", n.RelationName)
	}
	if n.IndexName != "" {
		fmt.Fprintf(b, " using %s", n.IndexName)
	}
	b.WriteByte('\n')
	for _, c := range n.Plans {
		c.outline(b, depth+1)
	}
}

// explain returns the plan PostgreSQL runs the prepared statement sql with the named
// arguments args by (rewritten to positional ones as pgx does): plan
// cache mode "force_custom_plan" (what the first executions of a prepared statement, and
// every simple-protocol query, get) or "force_generic_plan" (what pgx's statement cache
// may get from the sixth execution on). It logs the plan.
func explain(t *testing.T, db *pgxpool.Pool, name, mode, sql string, named pgx.StrictNamedArgs) planNode {
	t.Helper()
	ctx := t.Context()
	sql, args, err := named.RewriteQuery(ctx, nil, sql, nil)
	require.NoError(t, err)
	conn, err := db.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	// A simple-protocol session of its own: PREPARE and EXECUTE by name, with the
	// arguments sent as literals, plan the statement exactly as the store sends it.
	_, err = conn.Exec(ctx, "PREPARE explained AS "+sql, pgx.QueryExecModeSimpleProtocol)
	require.NoError(t, err)
	defer func() {
		_, _ = conn.Exec(context.Background(), "DEALLOCATE explained", pgx.QueryExecModeSimpleProtocol)
	}()
	_, err = conn.Exec(ctx, "SELECT set_config('plan_cache_mode', $1::text, false)", mode)
	require.NoError(t, err)
	defer func() { _, _ = conn.Exec(context.Background(), "RESET plan_cache_mode") }()

	params := make([]string, len(args))
	for i := range args {
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	execute := "EXECUTE explained"
	if len(params) > 0 {
		execute += "(" + strings.Join(params, ", ") + ")"
	}
	var raw []byte
	err = conn.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+execute,
		append([]any{pgx.QueryExecModeSimpleProtocol}, args...)...).Scan(&raw)
	require.NoError(t, err)
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal(raw, &plans))
	require.Len(t, plans, 1)
	var b strings.Builder
	plans[0].Plan.outline(&b, 1)
	t.Logf("%s, %s:\n%s\n%s", name, mode, b.String(), raw)
	return plans[0].Plan
}

// TestPostgresPlansUseIndexesAtAMillionMemberships loads 1,000,000 memberships and
// requires that the statements of IsMember (OrganizationUser), ResolveOrganization
// (Access), a Members page, an OrganizationsForUser page, InvitationByTokenHash and
// InvitationsForEmail (over one invitation per organization), as the store sends them,
// read every table through indexes only, in custom and generic plans alike. A smaller load with random IDs, whose rows
// lie in no useful order, checks that a large organization's Members page still comes
// from its index in order.
func TestPostgresPlansUseIndexesAtAMillionMemberships(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t) // loads a million rows
	t.Run("ordered IDs", func(t *testing.T) {
		t.Parallel()
		requirePlans(t, explainShape)
	})
	t.Run("random IDs", func(t *testing.T) {
		t.Parallel()
		requirePlans(t, pgShape{orgs: 10_000, members: 10, users: 10_000, wide: 20_000, random: true})
	})
}

// requirePlans loads sh and checks the plans of the statements that must use indexes.
func requirePlans(t *testing.T, sh pgShape) {
	s, db := newLoadedStore(t, sh)
	ctx := t.Context()
	n := sh.orgs / 2 // an organization somewhere in the middle
	org := loadedOrg(t, s, fmt.Sprintf("org-%d", n))
	member := sh.user(n*sh.members + 3)
	m, err := s.OrganizationUser(ctx, org, member)
	require.NoError(t, err, "the member the plan looks up exists")
	require.Equal(t, member, m.UserID)
	page, err := s.Members(ctx, MembersParams{OrganizationID: org, After: uuid.Nil, Limit: 5})
	require.NoError(t, err)
	require.Len(t, page, 5)
	wide := loadedOrg(t, s, "wide")
	widePage, err := s.Members(ctx, MembersParams{OrganizationID: wide, After: uuid.Nil, Limit: 100})
	require.NoError(t, err)
	require.Len(t, widePage, 100)
	wideSeats, err := s.Seats(ctx, wide, time.Now())
	require.NoError(t, err)
	require.Equal(t, sh.wide, wideSeats.Members, "MemberCount of the large organization")
	user := sh.user(777)
	orgs, err := s.OrganizationsForUser(ctx, OrganizationsForUserParams{UserID: user, After: uuid.Nil, Limit: 51})
	require.NoError(t, err)
	require.Len(t, orgs, sh.orgs*sh.members/sh.users, "every user is in the same number of organizations")
	emails := sh.orgs / 5
	loadInvitations(t, db, s, emails)
	tokenHash := sha256.Sum256([]byte(strconv.Itoa(n)))
	byHash, err := s.InvitationByTokenHash(ctx, tokenHash[:], time.Now())
	require.NoError(t, err, "the invitation the plan looks up exists")
	invitee := byHash.Email
	forEmail, err := s.InvitationsForEmail(ctx, invitee, time.Now())
	require.NoError(t, err)
	require.Len(t, forEmail, 5, "each email has one invitation in each of 5 organizations")

	// Any index that leads with organization_id serves a small organization's page (the
	// planner may read its few members and sort them); a large organization's page must
	// come from memberships_organization_id_idx, in order, without reading the rest.
	byOrg := []string{"memberships_organization_id_idx", "memberships_organization_user_key", "memberships_organization_user_role_status_key"}
	// A membership is found by (organization_id, user_id), whichever index has both.
	byOrgUser := []string{"memberships_organization_user_key", "memberships_organization_user_role_status_key", "memberships_user_organization_idx"}
	cases := []struct {
		name string
		q    pgQuery
		args pgx.StrictNamedArgs
		// indexes must each appear in the plan; any one of a group will do.
		indexes [][]string
	}{
		{"OrganizationUser", qMember, pgx.StrictNamedArgs{"organization_id": org, "user_id": string(member)}, [][]string{
			{"organizations_pkey"},
			byOrgUser,
		}},
		{"IsMember (activeRole)", qActiveRole, pgx.StrictNamedArgs{"organization_id": org, "user_id": string(member)}, [][]string{
			byOrgUser,
		}},
		{"ResolveOrganization by ID (Access)", qAccessByID, pgx.StrictNamedArgs{"organization_id": org, "user_id": string(member)}, [][]string{
			{"organizations_pkey"},
			byOrgUser,
		}},
		{"ResolveOrganization by slug (Access)", qAccessBySlug, pgx.StrictNamedArgs{"slug": fmt.Sprintf("org-%d", n), "user_id": string(member)}, [][]string{
			{"organizations_slug_key"},
			byOrgUser,
		}},
		{"Members, first page", qMembers, pgx.StrictNamedArgs{"organization_id": org, "after": uuid.Nil, "limit": 51}, [][]string{{"organizations_pkey"}, byOrg}},
		{"Members, next page", qMembers, pgx.StrictNamedArgs{"organization_id": org, "after": page[4].ID, "limit": 51}, [][]string{{"organizations_pkey"}, byOrg}},
		{"Members of a large organization, first page", qMembers, pgx.StrictNamedArgs{"organization_id": wide, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_organization_id_idx"},
		}},
		{"Members of a large organization, next page", qMembers, pgx.StrictNamedArgs{"organization_id": wide, "after": widePage[99].ID, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_organization_id_idx"},
		}},
		{"OrganizationsForUser, first page", qOrgsForUser, pgx.StrictNamedArgs{"user_id": string(user), "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_user_organization_idx"},
		}},
		{"OrganizationsForUser, next page", qOrgsForUser, pgx.StrictNamedArgs{"user_id": string(user), "after": orgs[2].ID, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_user_organization_idx"},
		}},
		{"ListMembers of a large organization", listMembersQueries[0][""], pgx.StrictNamedArgs{"organization_id": wide, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_organization_id_idx"},
		}},
		{"ListMembers of a large organization by role", listMembersQueries[1][""], pgx.StrictNamedArgs{"organization_id": wide, "role": "admin", "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_organization_role_idx"},
		}},
		{"ListMembers of a large organization, suspended", listMembersQueries[0][MemberStatusSuspended], pgx.StrictNamedArgs{"organization_id": wide, "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_pkey"}, {"memberships_suspended_idx"},
		}},
		{"MemberCount (Seats) of a large organization", qSeats, pgx.StrictNamedArgs{"organization_id": wide, "now": time.Now()}, [][]string{
			{"organizations_pkey"}, append([]string{"memberships_organization_role_idx"}, byOrg...), {"memberships_suspended_idx"},
		}},
		{"OrganizationsOwnedBy", qOrgsOwnedBy, pgx.StrictNamedArgs{"user_id": string(user), "after": uuid.Nil, "limit": 51}, [][]string{
			{"organizations_owner_idx"},
		}},
		{"InvitationByToken (InvitationByTokenHash)", qInvitationByHash, pgx.StrictNamedArgs{"token_hash": tokenHash[:]}, [][]string{
			{"invitations_token_hash_key"}, {"organizations_pkey"},
		}},
		{"InvitationsForEmail", qInvitationsForEmail, pgx.StrictNamedArgs{"email": invitee, "now": time.Now()}, [][]string{
			{"invitations_email_id_idx"}, {"organizations_pkey"},
		}},
	}
	for _, c := range cases {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			plan := explain(t, db, c.name, mode, s.sql[c.q], c.args)
			used := map[string]bool{}
			plan.walk(func(n planNode) {
				used[n.IndexName] = true
				// At a million memberships (ordered IDs). With random IDs the planner's
				// estimate for the large organization is a dozen rows, for which it may
				// take a bitmap scan of the same index instead.
				if c.q == qSeats && n.RelationName == "memberships" && !sh.random {
					require.Equal(t, "Index Only Scan", n.NodeType, "%s, %s: MemberCount counts from the index alone", c.name, mode)
				}
				if n.RelationName == "memberships" || n.RelationName == "organizations" || n.RelationName == "invitations" {
					require.Contains(t, []string{"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}, n.NodeType,
						"%s, %s: %s reads %s", c.name, mode, n.NodeType, n.RelationName)
				}
			})
			for _, group := range c.indexes {
				require.True(t, usesAny(used, group), "%s, %s: none of %v in the plan", c.name, mode, group)
			}
		}
	}
}

func usesAny(used map[string]bool, indexes []string) bool {
	for _, ix := range indexes {
		if used[ix] {
			return true
		}
	}
	return false
}
