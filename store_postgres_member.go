package organizations

import (
	"context"
	"errors"

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

// addUser runs qAddUser: get is GetOrAddUser. The first call locks the organization row
// FOR SHARE, so that additions to an organization without a member limit run side by
// side; if it has one (outcome limited), the second locks it FOR NO KEY UPDATE and
// counts.
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
	for {
		var outcome string
		var r memberRow
		if err := s.queryRow(ctx, qAddUser, args).Scan(dest([]any{&outcome}, r.dest())...); err != nil {
			return "", OrganizationUser{}, pgError(ctx, err)
		}
		if outcome == "limited" && args["limited"] == false {
			args["limited"] = true // the organization has a member limit: count under its lock
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

// errSeatRaces is the error of a call that found its snapshot outdated by concurrent
// additions to a limited organization maxSeatRaces times in a row.
var errSeatRaces = errors.New("organizations: the organization's members kept changing concurrently")

// targetCTEs open RemoveUser's and SetRole's statements: org (locked FOR SHARE), then
// targetLockCTEs (with more).
func targetCTEs(more ...string) string {
	return `
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ` + targetLockCTEs(more...)
}

// targetLockCTEs follow a statement's org CTE: lk (the actor's and the target's
// memberships, locked FOR UPDATE in user ID order, so that the check and the write see
// their latest versions and two such statements never wait on each other crosswise),
// act (the actor's role from lk), tgt, and the role locks and the actor's permissions
// (sqlActorPerms), which lock the target's role and the roles more names too.
func targetLockCTEs(more ...string) string {
	return `lk AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = (SELECT id FROM org) AND m.user_id IN (@actor::text, @user_id::text)
	ORDER BY m.user_id
	FOR UPDATE
), act AS (
	SELECT m.role FROM lk AS m WHERE m.user_id = @actor::text AND @actor::text <> '' AND m.suspended_at IS NULL
), tgt AS (
	SELECT * FROM lk AS m WHERE m.user_id = @user_id::text
), ` + sqlActorPerms("@organization_id::uuid", append([]string{"(SELECT role FROM tgt)"}, more...)...)
}

// sqlLeaving is true when the call is the actor leaving: the actor is the member, and
// not suspended on the membership as locked (tgt; a non-member leaving is refused as
// ErrNotMember). A suspended member may do nothing, leaving included: leaving and being
// invited back would lift the suspension (SuspendedMemberCannotLeaveToEscape).
const sqlLeaving = `(@actor::text = @user_id::text AND NOT EXISTS (SELECT 1 FROM tgt WHERE tgt.suspended_at IS NOT NULL))`

// qRemoveUser deletes the membership if the call is allowed (PermMembersRemove, or the
// actor leaving: sqlLeaving) and the member is not the owner nor above the actor; its
// columns classify a refusal.
var qRemoveUser = pgStatement(targetCTEs() + `, chk AS (
	SELECT (` + sqlLeaving + ` OR ` + sqlAllowed("'"+string(PermMembersRemove)+"'") + `) AS allowed,
		EXISTS (SELECT 1 FROM tgt) AS member,
		COALESCE((SELECT owner_id = @user_id::text FROM org), false) AS owner,
		(` + sqlLeaving + ` OR ` + sqlCovers(rlPerms("(SELECT role FROM tgt)")) + `) AS covered
), del AS (
	DELETE FROM /* TEMPLATE: schema */memberships AS m USING chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text
		AND chk.allowed AND chk.member AND NOT chk.owner AND chk.covered
	RETURNING ` + memberCols + `
), ` + sqlRecord(sqlEvent(1, UserRemoved{}.EventName(), "m.organization_id", "@actor::text", "m.user_id",
	sqlEventData("@actor::text", "'organization_user', "+sqlMemberJSON("m")), "del AS m")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.member, chk.owner, chk.covered, ` + memberCols + `
FROM chk LEFT JOIN del AS m ON true`)

// RemoveUser implements Store.
func (s *PostgresStore) RemoveUser(ctx context.Context, p RemoveUserParams) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	var found, allowed, member, owner, covered bool
	var r memberRow
	err := s.queryRow(ctx, qRemoveUser, authArgs(qRemoveUser, pgArgs{
		"organization_id": p.OrganizationID, "user_id": string(p.UserID),
	}, p.Auth.Actor, p.Auth.Policy)).
		Scan(dest([]any{&found, &allowed, &member, &owner, &covered}, r.dest())...)
	switch {
	case err != nil:
		return OrganizationUser{}, pgError(ctx, err)
	case !found:
		return OrganizationUser{}, ErrOrganizationNotFound
	case r.ok():
		return r.value(), nil
	case !allowed:
		return OrganizationUser{}, ErrPermissionDenied
	case !member:
		return OrganizationUser{}, ErrNotMember
	case owner:
		return OrganizationUser{}, ErrOwnershipRequired
	case !covered:
		return OrganizationUser{}, ErrEscalation
	}
	return OrganizationUser{}, errors.New("organizations: RemoveUser changed nothing")
}

// qSetRole changes the role if the call is allowed (PermMembersRoles), the role is
// known, it changes, the member is not the owner, and both the member's current
// permissions and the new role's are within the actor's. It returns the membership
// before (as locked) and after (NULL if unchanged), with the classification.
//
// Whether the role changes is judged on tgt, the row as locked, never in the UPDATE's
// own WHERE: that scan reads the statement's snapshot, and a row whose snapshot version
// fails a condition is skipped before PostgreSQL looks for a newer one, so a role changed
// by a transaction that committed while this one waited for the lock went unseen
// (TestPostgresSetRoleJudgesTheLockedRow). The suspension, ChangeOwner and UpdateRole
// statements follow the same rule.
var qSetRole = pgStatement(targetCTEs("@role::text") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermMembersRoles)+"'") + ` AS allowed,
		` + sqlKnownLocked + ` AS known,
		COALESCE((SELECT owner_id = @user_id::text FROM org), false) AS owner,
		` + sqlCovers(rlPerms("(SELECT role FROM tgt)")) + `
		AND ` + sqlCovers(rlPerms("@role::text")) + ` AS covered
), upd AS (
	UPDATE /* TEMPLATE: schema */memberships AS m
	SET role = @role::text, custom_role = ` + sqlCustomRole("@role::text") + `, updated_at = @now::timestamptz
	FROM chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND (SELECT role FROM tgt) <> @role::text
		AND chk.allowed AND chk.known AND NOT chk.owner AND chk.covered
	RETURNING ` + memberCols + `
), ` + sqlRecord(sqlEvent(1, RoleChanged{}.EventName(), "u.organization_id", "@actor::text", "u.user_id",
	sqlEventData("@actor::text", "'old', "+sqlMemberJSON("m"), "'new', "+sqlMemberJSON("u")), "upd AS u, tgt AS m")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.known, chk.owner, chk.covered,
	` + memberCols + `, u.id, u.organization_id, u.user_id, u.role, u.created_at, u.updated_at, u.suspended_at
FROM chk LEFT JOIN tgt AS m ON true LEFT JOIN upd AS u ON true`)

// SetRole implements Store.
func (s *PostgresStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	var found, allowed, known, owner, covered bool
	var before, after memberRow
	err := s.queryRow(ctx, qSetRole, authArgs(qSetRole, pgArgs{
		"organization_id": p.OrganizationID, "user_id": string(p.UserID), "role": string(p.Role), "now": p.Now,
	}, p.Auth.Actor, p.Auth.Policy)).
		Scan(dest([]any{&found, &allowed, &known, &owner, &covered}, before.dest(), after.dest())...)
	switch {
	case err != nil:
		return OrganizationUser{}, OrganizationUser{}, pgError(ctx, err)
	case !found:
		return OrganizationUser{}, OrganizationUser{}, ErrOrganizationNotFound
	case !allowed:
		return OrganizationUser{}, OrganizationUser{}, ErrPermissionDenied
	case !before.ok():
		return OrganizationUser{}, OrganizationUser{}, ErrNotMember
	case !known:
		return OrganizationUser{}, OrganizationUser{}, ErrInvalidRole
	case after.ok():
		return before.value(), after.value(), nil
	case Role(before.role.String) == p.Role:
		return before.value(), before.value(), nil // unchanged
	case owner:
		return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
	case !covered:
		return OrganizationUser{}, OrganizationUser{}, ErrEscalation
	}
	return OrganizationUser{}, OrganizationUser{}, errors.New("organizations: SetRole changed nothing")
}

// qMember is IsMember's statement: both lookups are unique-index probes.
var qMember = pgStatement(`
SELECT ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid`)

// OrganizationUser implements Store.
func (s *PostgresStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	var r memberRow
	err := s.queryRow(ctx, qMember, pgArgs{"organization_id": org, "user_id": string(user)}).Scan(r.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return OrganizationUser{}, ErrOrganizationNotFound
	case err != nil:
		return OrganizationUser{}, pgReadError(ctx, err)
	case !r.ok():
		return OrganizationUser{}, ErrNotMember
	}
	return r.value(), nil
}

// qAccessByID and qAccessBySlug are Access's statements, one per key so that each is a
// unique-index probe: the organization, and the membership (NULLs for a non-member); no
// row means no organization.
var (
	qAccessByID = pgStatement(`
SELECT o.owner_id = @user_id::text, ` + orgCols + `, ` + memberCols + `, ` + roleCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN /* TEMPLATE: schema */organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.id = @organization_id::uuid`)
	qAccessBySlug = pgStatement(`
SELECT o.owner_id = @user_id::text, ` + orgCols + `, ` + memberCols + `, ` + roleCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN /* TEMPLATE: schema */organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.slug = @slug::text`)
)

// Access implements Store.
func (s *PostgresStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	q, args := qAccessByID, pgArgs{"organization_id": p.OrganizationID, "user_id": string(p.UserID)}
	if p.OrganizationID == uuid.Nil {
		q, args = qAccessBySlug, pgArgs{"slug": p.Slug, "user_id": string(p.UserID)}
	}
	var owner bool
	var o orgRow
	var m memberRow
	var r roleRow
	err := s.queryRow(ctx, q, args).Scan(dest([]any{&owner}, o.dest(), m.dest(), r.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Access{}, ErrOrganizationNotFound
	case err != nil:
		return Access{}, pgReadError(ctx, err)
	case !m.ok():
		return Access{Organization: o.value()}, nil
	}
	a := Access{Organization: o.value(), Membership: m.value(), IsMember: true, IsOwner: owner}
	if r.ok() {
		c := r.value()
		a.CustomRole = &c
	}
	return a, nil
}

// qMembers returns one row per membership of the page, or one row of NULLs for an empty
// page; no row at all means no organization. Served by memberships_organization_id_idx.
// The page's condition names @organization_id rather than o.id: the planner then knows
// which organization it reads, and so whether it is a large one whose page must come
// from the index in order rather than from all its members sorted.
var qMembers = pgStatement(`
SELECT ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN LATERAL (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id`)

// Members implements Store.
func (s *PostgresStore) Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r memberRow
	return orgItems(ctx, s, qMembers, pgArgs{
		"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit,
	}, r.dest(), r.ok, r.value)
}

// orgItems runs statement q, which returns one row per item of an organization, one row
// of NULLs when it has none, and no row when the organization does not exist
// (ErrOrganizationNotFound). dest scans a row; ok reports whether the scanned row is an
// item, and value makes it. The result is never nil.
func orgItems[T any](ctx context.Context, s *PostgresStore, q pgQuery, args pgArgs, dest []any, ok func() bool, value func() T) ([]T, error) {
	rows, err := s.query(ctx, q, args)
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	out := []T{}
	n := 0
	_, err = pgx.ForEachRow(rows, dest, func() error {
		n++
		if ok() {
			out = append(out, value())
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, pgReadError(ctx, err)
	case n == 0:
		return nil, ErrOrganizationNotFound
	}
	return out, nil
}
