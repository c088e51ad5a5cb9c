package organizations

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

var _ TeamInvitationStore = (*PostgresStore)(nil)

// InvitesIntoTeams implements TeamInvitationStore.
func (s *PostgresStore) InvitesIntoTeams() {}

var _ TeamStore = (*PostgresStore)(nil)

// The team writes are calls of the write functions of migration 0009, each of which
// locks the organization, the memberships it reads and the team, decides on them as
// locked and writes, with its event record; the outcome (pgOutcome) names what happened.

const teamCols = `t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at`

// teamRow scans a team's columns (teamCols, or a write function's r_* or b_*), NULLs
// included.
type teamRow struct {
	id, org              pgtype.UUID
	name, slug, data     pgtype.Text
	createdAt, updatedAt pgtype.Timestamptz
}

func (r *teamRow) dest() []any {
	return []any{&r.id, &r.org, &r.name, &r.slug, &r.data, &r.createdAt, &r.updatedAt}
}

func (r *teamRow) ok() bool { return r.id.Valid }

func (r *teamRow) value() Team {
	return Team{
		ID: uuid.UUID(r.id.Bytes), OrganizationID: uuid.UUID(r.org.Bytes), Name: r.name.String, Slug: r.slug.String,
		Data: json.RawMessage(r.data.String), CreatedAt: pgTime(r.createdAt), UpdatedAt: pgTime(r.updatedAt),
	}
}

// teamMemberCols are a team membership's columns (as m).
const teamMemberCols = `m.id, m.team_id, m.organization_id, m.user_id, m.role, m.created_at`

// teamMemberRow scans a team membership's columns (teamMemberCols, or a write
// function's r_*), NULLs included.
type teamMemberRow struct {
	id, team, org pgtype.UUID
	user, role    pgtype.Text
	createdAt     pgtype.Timestamptz
}

func (r *teamMemberRow) dest() []any {
	return []any{&r.id, &r.team, &r.org, &r.user, &r.role, &r.createdAt}
}

func (r *teamMemberRow) ok() bool { return r.id.Valid }

func (r *teamMemberRow) value() TeamMember {
	return TeamMember{
		ID: uuid.UUID(r.id.Bytes), TeamID: uuid.UUID(r.team.Bytes), OrganizationID: uuid.UUID(r.org.Bytes),
		UserID: UserID(r.user.String), Role: Role(r.role.String), CreatedAt: pgTime(r.createdAt),
	}
}

// teamAuthArgs adds the actor-check arguments of the team write function q: the actor,
// the permission, the policy's organization roles, its team roles if q takes them, and
// whether to number the record.
func (s *PostgresStore) teamAuthArgs(q pgQuery, args pgArgs, auth Authorization) pgArgs {
	pp := pgPolicyOf(auth.Policy)
	args["actor"], args["perm"] = string(auth.Actor), string(PermTeamsManage)
	args["pol_roles"], args["pol_perms"], args["number"] = pp.roles, pp.perms, s.autocommit()
	if usesArg(q, "team_roles") {
		args["team_roles"], args["team_perms"] = pp.teamRoles, pp.teamPerms
	}
	return args
}

// teamAuthParams are the write functions' actor-check parameters, in order;
// teamRoleAuthParams those of the functions that also take the team roles.
const (
	teamAuthParams     = `@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean`
	teamRoleAuthParams = `@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @team_roles::text[], @team_perms::text[], @number::boolean`
)

var qCreateTeam = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create_team(
	@id::uuid, @organization_id::uuid, @name::text, @slug::text, @suffix::boolean, @data::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_teams::integer, ` + teamAuthParams + `)`)

// CreateTeam implements TeamStore.
func (s *PostgresStore) CreateTeam(ctx context.Context, p CreateTeamParams) (Team, error) {
	t := p.Team
	var r teamRow
	if _, err := s.call(ctx, qCreateTeam, s.teamAuthArgs(qCreateTeam, pgArgs{
		"id": t.ID, "organization_id": t.OrganizationID, "name": t.Name, "slug": t.Slug, "suffix": p.SuffixSlug,
		"data": string(t.Data), "created_at": t.CreatedAt, "updated_at": t.UpdatedAt, "max_teams": p.MaxTeams,
	}, p.Auth), r.dest()); err != nil {
		return Team{}, err
	}
	return r.value(), nil
}

var qUpdateTeam = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_update_team(
	@organization_id::uuid, @team_id::uuid, @name::text, @slug::text, @data::text, @now::timestamptz, ` + teamAuthParams + `)`)

// UpdateTeam implements TeamStore.
func (s *PostgresStore) UpdateTeam(ctx context.Context, p UpdateTeamParams) (Team, Team, error) {
	var name, slug, data pgtype.Text
	if u := p.Update; u.Name != nil {
		name = pgtype.Text{String: *u.Name, Valid: true}
	}
	if u := p.Update; u.Slug != nil {
		slug = pgtype.Text{String: *u.Slug, Valid: true}
	}
	if u := p.Update; u.Data != nil {
		data = pgtype.Text{String: string(*u.Data), Valid: true}
	}
	var before, after teamRow
	if _, err := s.call(ctx, qUpdateTeam, s.teamAuthArgs(qUpdateTeam, pgArgs{
		"organization_id": p.OrganizationID, "team_id": p.TeamID, "name": name, "slug": slug, "data": data, "now": p.Now,
	}, p.Auth), before.dest(), after.dest()); err != nil {
		return Team{}, Team{}, err
	}
	return before.value(), after.value(), nil
}

var qDeleteTeam = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_delete_team(
	@organization_id::uuid, @team_id::uuid, ` + teamRoleAuthParams + `)`)

// DeleteTeam implements TeamStore.
func (s *PostgresStore) DeleteTeam(ctx context.Context, p TeamParams) (Team, error) {
	var r teamRow
	if _, err := s.call(ctx, qDeleteTeam, s.teamAuthArgs(qDeleteTeam, pgArgs{
		"organization_id": p.OrganizationID, "team_id": p.TeamID,
	}, p.Auth), r.dest()); err != nil {
		return Team{}, err
	}
	return r.value(), nil
}

var qTeamMember = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_team_member(
	@op::text, @id::uuid, @organization_id::uuid, @team_id::uuid, @user_id::text, @role::text, @created_at::timestamptz,
	@max_team_members::integer, ` + teamRoleAuthParams + `)`)

// teamMember runs qTeamMember: op is "add" (with the member limit limit, 0 for none),
// "set_role" or "remove". It returns the team membership after the call (as removed,
// for "remove") and its role before.
func (s *PostgresStore) teamMember(ctx context.Context, auth Authorization, op string, m TeamMember, limit int) (TeamMember, Role, error) {
	if err := ctx.Err(); err != nil {
		return TeamMember{}, "", err
	}
	var outcome string
	var before pgtype.Text
	var r teamMemberRow
	err := s.queryRow(ctx, qTeamMember, s.teamAuthArgs(qTeamMember, pgArgs{
		"op": op, "id": m.ID, "organization_id": m.OrganizationID, "team_id": m.TeamID, "user_id": string(m.UserID),
		"role": string(m.Role), "created_at": m.CreatedAt, "max_team_members": limit,
	}, auth)).Scan(dest([]any{&outcome, &before}, r.dest())...)
	if err != nil {
		return TeamMember{}, "", pgError(ctx, err)
	}
	if err := pgOutcome(outcome); err != nil {
		return TeamMember{}, "", err
	}
	return r.value(), Role(before.String), nil
}

// AddTeamMember implements TeamStore.
func (s *PostgresStore) AddTeamMember(ctx context.Context, p AddTeamMemberParams) (TeamMember, error) {
	m, _, err := s.teamMember(ctx, p.Auth, "add", p.Member, p.MaxTeamMembers)
	return m, err
}

// SetTeamRole implements TeamStore.
func (s *PostgresStore) SetTeamRole(ctx context.Context, p SetTeamRoleParams) (TeamMember, TeamMember, error) {
	after, role, err := s.teamMember(ctx, p.Auth, "set_role", TeamMember{
		OrganizationID: p.OrganizationID, TeamID: p.TeamID, UserID: p.UserID, Role: p.Role,
	}, 0)
	if err != nil {
		return TeamMember{}, TeamMember{}, err
	}
	before := after
	before.Role = role
	return before, after, nil
}

// RemoveTeamMember implements TeamStore.
func (s *PostgresStore) RemoveTeamMember(ctx context.Context, p RemoveTeamMemberParams) (TeamMember, error) {
	m, _, err := s.teamMember(ctx, p.Auth, "remove", TeamMember{
		ID: uuid.Nil, OrganizationID: p.OrganizationID, TeamID: p.TeamID, UserID: p.UserID,
	}, 0)
	return m, err
}

// qTeamAccess is TeamAccess's statement: Access's (qAccessByID), the team, and the
// team membership of an active member, each a unique-index probe; NULLs for a
// non-member, a team of no such ID (ErrTeamNotFound) or no team membership; no row means
// no organization.
var qTeamAccess = pgStatement(`
SELECT ` + accessCols + `,
	` + teamCols + `, tm.id, tm.team_id, tm.organization_id, tm.user_id, tm.role, tm.created_at
FROM /* TEMPLATE: schema */organizations o` + accessJoins + `
LEFT JOIN /* TEMPLATE: schema */teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
LEFT JOIN /* TEMPLATE: schema */team_members tm ON tm.team_id = t.id AND tm.user_id = m.user_id
WHERE o.id = @organization_id::uuid`)

// TeamAccess implements TeamStore.
func (s *PostgresStore) TeamAccess(ctx context.Context, p TeamAccessParams) (TeamAccess, error) {
	if err := ctx.Err(); err != nil {
		return TeamAccess{}, err
	}
	var a accessRow
	var t teamRow
	var tm teamMemberRow
	err := s.queryRow(ctx, qTeamAccess, pgArgs{
		"organization_id": p.OrganizationID, "team_id": p.TeamID, "user_id": string(p.UserID),
	}).Scan(dest(a.dest(), t.dest(), tm.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return TeamAccess{}, ErrOrganizationNotFound
	case err != nil:
		return TeamAccess{}, pgReadError(ctx, err)
	case !t.ok():
		return TeamAccess{}, ErrTeamNotFound
	}
	ta := TeamAccess{Access: a.value(), Team: t.value()}
	if ta.Access.IsMember && tm.ok() {
		ta.TeamMember, ta.IsTeamMember = tm.value(), true
	}
	return ta, nil
}

// qTeam: no row for no organization, NULLs for no such team of it.
var qTeam = pgStatement(`
SELECT ` + teamCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
WHERE o.id = @organization_id::uuid`)

// Team implements TeamStore.
func (s *PostgresStore) Team(ctx context.Context, org, team uuid.UUID) (Team, error) {
	var r teamRow
	return orgItem(ctx, s.queryRow, qTeam, pgArgs{"organization_id": org, "team_id": team},
		r.dest(), r.ok, r.value, ErrTeamNotFound)
}

// qTeams pages the organization's teams (teams_pkey), each row with the number of the
// organization's teams (counted on teams_pkey, once per statement: the subquery depends
// on the parameters only); one row of NULLs and the count for an empty page, none for no
// organization.
var qTeams = pgStatement(`
SELECT (SELECT count(*) FROM /* TEMPLATE: schema */teams c WHERE c.organization_id = @organization_id::uuid),
	` + teamCols + orgPage("t", `
	SELECT t.* FROM /* TEMPLATE: schema */teams t
	WHERE t.organization_id = @organization_id::uuid AND t.id > @after::uuid
	ORDER BY t.id LIMIT @limit::bigint`))

// qUserTeams pages a user's teams in the organization (team_members_member_idx), with
// their number (counted on the same index).
var qUserTeams = pgStatement(`
SELECT (SELECT count(*) FROM /* TEMPLATE: schema */team_members c
		WHERE c.organization_id = @organization_id::uuid AND c.user_id = @user_id::text),
	` + teamCols + orgPage("t", `
	SELECT t.* FROM /* TEMPLATE: schema */team_members m
	JOIN /* TEMPLATE: schema */teams t ON t.organization_id = m.organization_id AND t.id = m.team_id
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND m.team_id > @after::uuid
	ORDER BY m.team_id LIMIT @limit::bigint`))

// ListTeams implements TeamStore.
func (s *PostgresStore) ListTeams(ctx context.Context, p ListTeamsParams) ([]Team, int, error) {
	q, args := qTeams, pgArgs{"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit}
	if p.UserID != "" {
		q, args["user_id"] = qUserTeams, string(p.UserID)
	}
	var total int
	var r teamRow
	out, err := orgItems(ctx, s, q, args, dest([]any{&total}, r.dest()), r.ok, r.value)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// qTeamMembers pages a team's members (team_members_team_id_idx): whether the team
// exists and how many members it has (counted on the same index), then its member, one
// row of NULLs for an empty page; no row for no organization.
var qTeamMembers = pgStatement(`
SELECT t.id IS NOT NULL, (SELECT count(*) FROM /* TEMPLATE: schema */team_members c WHERE c.team_id = @team_id::uuid),
	` + teamMemberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
LEFT JOIN LATERAL (
	SELECT m.* FROM /* TEMPLATE: schema */team_members m
	WHERE m.team_id = t.id AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id`)

// ListTeamMembers implements TeamStore.
func (s *PostgresStore) ListTeamMembers(ctx context.Context, p ListTeamMembersParams) ([]TeamMember, int, error) {
	var found bool
	var total int
	var r teamMemberRow
	out, err := orgItems(ctx, s, qTeamMembers, pgArgs{
		"organization_id": p.OrganizationID, "team_id": p.TeamID, "after": p.After, "limit": p.Limit,
	}, dest([]any{&found, &total}, r.dest()), r.ok, r.value)
	switch {
	case err != nil:
		return nil, 0, err
	case !found:
		return nil, 0, ErrTeamNotFound
	}
	return out, total, nil
}
