package organizations

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Membership inserts say ON CONFLICT DO NOTHING without a conflict target, so that every
// unique index is an arbiter: with only memberships_organization_user_key as the target,
// two concurrent inserts of one user would still collide in
// memberships_organization_user_role_status_key (the owner foreign key's target) and fail
// instead of doing nothing. A reused membership ID is also "nothing done"; the Service
// never reuses one.

// qAddUser is AddUser and GetOrAddUser: one call of organizations_add_user (migration
// 0008), which locks the organization, the actor's membership and the custom roles the
// decision reads, then decides on them as locked and writes. Its outcome names what
// happened (pgOutcome); for added and existing, the membership follows.
var qAddUser = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_add_user(
	@id::uuid, @organization_id::uuid, @user_id::text, @role::text, @created_at::timestamptz, @updated_at::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[],
	@get::boolean, @limited::boolean, @number::boolean)`)

// qAddUserCommon is AddUser's common case as a statement of its own, not a function
// call: unchecked (no actor), a role the Policy declares, into an organization not known
// to have a member limit. It is step 0 of organizations_add_user (migration 0016), which
// a call with these arguments would run: the organization row locked FOR SHARE (a locked
// row is read at its latest committed version, whatever the statement's snapshot, so
// the limit is decided on the row as locked), the membership inserted only if there is
// no limit (ON CONFLICT DO NOTHING: a member is the conflict), and its user_added
// record, numbered in the statement when the call is autocommit (number; the lock and
// sequence of organization_events_claim_pos, named by arguments because this statement
// runs on the caller's search_path). No other row is read: the decisions of an
// unchecked addition of a declared role need none. The outcomes are the function's:
// organization_not_found, limited (the caller goes the function's long way),
// already_member, added, with the membership. Sent directly, it saves the function
// call's own cost (its SET search_path, the PL/pgSQL frame, the table function's
// result): AddUser went from 1.40 to 1.29 of the raw statement's time
// (docs/benchmarks.md, "The wake-up on commit made opt-in").
var qAddUserCommon = pgStatement(`WITH o AS (
	SELECT o.id, o.max_members FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ins AS (
	INSERT INTO /* TEMPLATE: schema */memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
	SELECT @id::uuid, o.id, @user_id::text, @role::text, NULL, @created_at::timestamptz, @updated_at::timestamptz
	FROM o WHERE o.max_members IS NULL
	ON CONFLICT DO NOTHING
	RETURNING x.*
), rec AS (
	INSERT INTO /* TEMPLATE: schema */organization_events (id, organization_id, type, actor, subject, data, pos)
	SELECT gen_random_uuid(), ins.organization_id, 'user_added', NULL, ins.user_id,
		json_build_object('organization_user', /* TEMPLATE: schema */organization_member_json(ins)),
		CASE WHEN @number::boolean THEN (SELECT nextval(@feed_seq::text::regclass) FROM (
			SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
				@feed::text::regclass::oid::bigint::bit(32)::int)) AS l) END
	FROM ins
)
SELECT CASE WHEN o.id IS NULL THEN 'organization_not_found' WHEN o.max_members IS NOT NULL THEN 'limited'
		WHEN ins.id IS NULL THEN 'already_member' ELSE 'added' END,
	ins.id, ins.organization_id, ins.user_id, ins.role, ins.created_at, ins.updated_at, ins.suspended_at
FROM (SELECT) AS one LEFT JOIN o ON true LEFT JOIN ins ON true`)

// addUser runs qAddUser: get is GetOrAddUser. The first call locks the organization row
// FOR SHARE, so that additions to an organization without a member limit run side by
// side; if it has one (outcome limited), the second locks it FOR NO KEY UPDATE and
// counts, and the store remembers the organization (limited) so that its next
// additions take that form at once. The common case (qAddUserCommon) is sent as a
// statement of its own.
func (s *PostgresStore) addUser(ctx context.Context, p AddUserParams, get bool) (string, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return "", OrganizationUser{}, err
	}
	m, pp := p.Membership, pgPolicyOf(p.Auth.Policy)
	args := pgArgs{
		"id": m.ID, "organization_id": m.OrganizationID, "user_id": string(m.UserID), "role": string(m.Role),
		"created_at": m.CreatedAt, "updated_at": m.UpdatedAt,
		"actor": string(p.Auth.Actor), "perm": string(PermMembersAdd),
		"pol_roles": pp.roles, "pol_perms": pp.perms, "pol_declared": pp.declared,
		"get": get, "limited": false, "number": s.autocommit(),
	}
	if _, ok := s.limited.Load(m.OrganizationID); ok {
		args["limited"] = true
	}
	q, qargs := qAddUser, args
	if !get && p.Auth.Actor == "" && args["limited"] == false && slices.Contains(pp.declared, string(m.Role)) {
		q, qargs = qAddUserCommon, pgArgs{
			"id": m.ID, "organization_id": m.OrganizationID, "user_id": string(m.UserID), "role": string(m.Role),
			"created_at": m.CreatedAt, "updated_at": m.UpdatedAt,
			"number": args["number"], "feed": s.feed, "feed_seq": s.feedSeq,
		}
	}
	for {
		var outcome string
		var r memberRow
		if err := s.queryRow(ctx, q, qargs).Scan(dest([]any{&outcome}, r.dest())...); err != nil {
			return "", OrganizationUser{}, pgError(ctx, err)
		}
		if outcome == "limited" && args["limited"] == false {
			args["limited"] = true // the organization has a member limit: count under its lock
			s.limited.Store(m.OrganizationID, struct{}{})
			q, qargs = qAddUser, args
			continue
		}
		return outcome, r.value(), pgOutcome(outcome)
	}
}

// AddUser implements Store.
func (s *PostgresStore) AddUser(ctx context.Context, p AddUserParams) error {
	_, _, err := s.addUser(ctx, p, false)
	return err
}

// GetOrAddUser implements Store. For a member and an unchecked call it is a read, which
// locks and writes nothing.
func (s *PostgresStore) GetOrAddUser(ctx context.Context, p AddUserParams) (OrganizationUser, bool, error) {
	outcome, m, err := s.addUser(ctx, p, true)
	if err != nil {
		return OrganizationUser{}, false, err
	}
	return m, outcome == "added", nil
}

// qRemoveUser is RemoveUser: one call of organizations_remove_user (migration 0008),
// which locks the organization, the actor's and the member's memberships and their
// custom roles, then decides on them as locked: the actor leaving (not suspended), or
// holding PermMembersRemove with the member's permissions within theirs; never the
// owner.
var qRemoveUser = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_remove_user(
	@organization_id::uuid, @user_id::text,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean)`)

// RemoveUser implements Store.
func (s *PostgresStore) RemoveUser(ctx context.Context, p RemoveUserParams) (OrganizationUser, error) {
	pp := pgPolicyOf(p.Auth.Policy)
	var r memberRow
	if _, err := s.call(ctx, qRemoveUser, pgArgs{
		"organization_id": p.OrganizationID, "user_id": string(p.UserID),
		"actor": string(p.Auth.Actor), "perm": string(PermMembersRemove), "pol_roles": pp.roles, "pol_perms": pp.perms,
		"number": s.autocommit(),
	}, r.dest()); err != nil {
		return OrganizationUser{}, err
	}
	return r.value(), nil
}

// qSetRole is SetRole: one call of organizations_set_role (migration 0008), which locks
// the organization, the actor's and the member's memberships and the custom roles of
// both and of the role given, then decides on them as locked: PermMembersRoles, the role
// known, the member not the owner, both the member's current permissions and the new
// role's within the actor's. The membership before, and after if it changed, follow the
// outcome.
var qSetRole = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_set_role(
	@organization_id::uuid, @user_id::text, @role::text, @now::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean)`)

// SetRole implements Store.
func (s *PostgresStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	pp := pgPolicyOf(p.Auth.Policy)
	var before, after memberRow
	outcome, err := s.call(ctx, qSetRole, pgArgs{
		"organization_id": p.OrganizationID, "user_id": string(p.UserID), "role": string(p.Role), "now": p.Now,
		"actor": string(p.Auth.Actor), "perm": string(PermMembersRoles),
		"pol_roles": pp.roles, "pol_perms": pp.perms, "pol_declared": pp.declared, "number": s.autocommit(),
	}, before.dest(), after.dest())
	return memberChange(outcome, err, &before, &after)
}

// qMember is OrganizationUser's statement: both lookups are unique-index probes. The
// predicates (IsMember, IsAdmin) read less: qActiveRole.
var qMember = pgStatement(`
SELECT ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid`)

// OrganizationUser implements Store.
func (s *PostgresStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	var r memberRow
	return orgItem(ctx, s.readRow, qMember, pgArgs{"organization_id": org, "user_id": string(user)},
		r.dest(), r.ok, r.value, ErrNotMember)
}

// qActiveRole is the predicates' statement (IsMember, IsAdmin): the role of the
// user's active membership alone, read from memberships_organization_user_role_status_key
// (organization_id, user_id, role, status) by an index-only scan where the table's
// pages are all-visible. No row is a non-member, a suspended member or no organization,
// which the predicates do not tell apart (a membership's organization exists: its
// foreign key).
var qActiveRole = pgStatement(`
SELECT m.role
FROM /* TEMPLATE: schema */memberships m
WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND m.status = 'active'`)

var _ memberRoleReader = (*PostgresStore)(nil)

// activeRole implements memberRoleReader with qActiveRole, routed as the other reads of
// checks are (PostgresOptions.Replica).
func (s *PostgresStore) activeRole(ctx context.Context, org uuid.UUID, user UserID) (Role, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	var role string
	err := s.readRow(ctx, qActiveRole, pgArgs{"organization_id": org, "user_id": string(user)}).Scan(&role)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, pgReadError(ctx, err)
	}
	return Role(role), true, nil
}

// qAccessByID and qAccessBySlug are Access's statements, one per key so that each is a
// unique-index probe: the organization, and the membership (NULLs for a non-member); no
// row means no organization.
var (
	qAccessByID = pgStatement(`
SELECT ` + accessCols + `
FROM /* TEMPLATE: schema */organizations o` + accessJoins + `
WHERE o.id = @organization_id::uuid`)
	qAccessBySlug = pgStatement(`
SELECT ` + accessCols + `
FROM /* TEMPLATE: schema */organizations o` + accessJoins + `
WHERE o.slug = @slug::text`)
)

// accessCols are the columns of an Access (accessRow), read from the organization o and
// accessJoins: whether the user owns it, the organization, the user's active membership
// m and its custom role r (NULLs for a non-member).
const (
	accessCols  = `o.owner_id = @user_id::text, ` + orgCols + `, ` + memberCols + `, ` + roleCols
	accessJoins = `
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN /* TEMPLATE: schema */organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role`
)

// accessRow scans accessCols.
type accessRow struct {
	owner bool
	o     orgRow
	m     memberRow
	r     roleRow
}

func (a *accessRow) dest() []any { return dest([]any{&a.owner}, a.o.dest(), a.m.dest(), a.r.dest()) }

// value is the Access: a non-member's (the organization only) when m is NULL.
func (a *accessRow) value() Access {
	v := Access{Organization: a.o.value()}
	if !a.m.ok() {
		return v
	}
	v.Membership, v.IsMember, v.IsOwner = a.m.value(), true, a.owner
	if a.r.ok() {
		c := a.r.value()
		v.CustomRole = &c
	}
	return v
}

// Access implements Store.
func (s *PostgresStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	q, args := qAccessByID, pgArgs{"organization_id": p.OrganizationID, "user_id": string(p.UserID)}
	if p.OrganizationID == uuid.Nil {
		q, args = qAccessBySlug, pgArgs{"slug": p.Slug, "user_id": string(p.UserID)}
	}
	var r accessRow
	err := s.readRow(ctx, q, args).Scan(r.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Access{}, ErrOrganizationNotFound
	case err != nil:
		return Access{}, pgReadError(ctx, err)
	}
	return r.value(), nil
}

// qMembers returns one row per membership of the page, or one row of NULLs for an empty
// page; no row at all means no organization. Served by memberships_organization_id_idx.
// The page's condition names @organization_id rather than o.id: the planner then knows
// which organization it reads, and so whether it is a large one whose page must come
// from the index in order rather than from all its members sorted.
var qMembers = pgStatement(`
SELECT ` + memberCols + orgPage("m", `
	SELECT `+memberCols+` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint`))

// Members implements Store.
func (s *PostgresStore) Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error) {
	var r memberRow
	return orgItems(ctx, s, qMembers, pgArgs{
		"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit,
	}, r.dest(), r.ok, r.value)
}

// orgPage completes a statement that pages an organization's items: the organization o,
// and its page as alias, the subquery page (its rows after @after in their order,
// @limit of them) joined LATERAL, so that an empty page is one row of NULLs and no
// organization no row (orgItems). The rows come in alias.id order.
func orgPage(alias, page string) string {
	return `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN LATERAL (` + page + `
) AS ` + alias + ` ON true
WHERE o.id = @organization_id::uuid
ORDER BY ` + alias + `.id`
}

// orgItems runs statement q, which returns one row per item of an organization, one row
// of NULLs when it has none, and no row when the organization does not exist
// (ErrOrganizationNotFound); orgPage writes the statements of a page. dest scans a row;
// ok reports whether the scanned row is an item, and value makes it. The result is
// never nil. A replica may answer (readRows). A done ctx's error comes back before q is
// run.
func orgItems[T any](ctx context.Context, s *PostgresStore, q pgQuery, args pgArgs, dest []any, ok func() bool, value func() T) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []T
	n := 0
	err := s.readRows(ctx, q, args, func(rows pgx.Rows) error {
		out, n = []T{}, 0
		_, err := pgx.ForEachRow(rows, dest, func() error {
			n++
			if ok() {
				out = append(out, value())
			}
			return nil
		})
		return err
	})
	switch {
	case err != nil:
		return nil, pgReadError(ctx, err)
	case n == 0:
		return nil, ErrOrganizationNotFound
	}
	return out, nil
}
