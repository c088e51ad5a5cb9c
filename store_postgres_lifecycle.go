package organizations

import (
	"context"
	"errors"
)

var _ SuspensionStore = (*PostgresStore)(nil)

// qSetStatus suspends (@status 'suspended') or reactivates (@status 'active') the
// member. It locks the organization row (FOR NO KEY UPDATE: a reactivation takes a seat,
// see sqlSeat), then the actor's and the member's memberships (FOR UPDATE, in user ID
// order, as targetLockCTEs), and changes the status if the call is allowed
// (PermMembersSuspend), the member exists, is not the owner, its permissions are within
// the actor's and, for a reactivation, a seat is free. Suspending the owner would also
// violate organizations_owner_fkey. Suspending a member closes the ownership transfer
// proposed to them (closed; no event of its own, see MemberSuspended); closed reads the
// statement's snapshot, and a proposal committed after it, while the statement waited
// for the organization row, is deleted by the trigger memberships_suspended (migration
// 0006; TestPostgresSuspensionClosesAProposalMadeWhileItWaited). It records
// MemberSuspended or MemberReactivated for the row it changed. Columns: the classification, the membership as
// locked (before) and as changed (NULLs if unchanged); the status the event needs is in
// suspended_at.
var qSetStatus = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id, ` + sqlSeatOrgCols + ` FROM /* TEMPLATE: schema */organizations o
	WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), ` + sqlSeat(false) + `, ` + targetLockCTEs() + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermMembersSuspend)+"'") + ` AS allowed,
		COALESCE((SELECT owner_id = @user_id::text FROM org), false) AS owner,
		` + sqlCovers(rlPerms("(SELECT role FROM tgt)")) + ` AS covered
), upd AS (
	UPDATE /* TEMPLATE: schema */memberships AS m
	SET status = @status::text, suspended_at = CASE WHEN @status::text = 'suspended' THEN @now::timestamptz END,
		updated_at = @now::timestamptz
	FROM chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text
		AND ((SELECT suspended_at FROM tgt) IS NULL) <> (@status::text = 'active')
		AND chk.allowed AND NOT chk.owner AND chk.covered
		AND (@status::text = 'suspended' OR ` + sqlSeatOK + `)
	RETURNING ` + memberCols + `
), closed AS (
	DELETE FROM /* TEMPLATE: schema */ownership_transfers AS t
	WHERE t.organization_id = @organization_id::uuid AND t.nominee = @user_id::text
		AND @status::text = 'suspended' AND EXISTS (SELECT 1 FROM upd)
	RETURNING t.organization_id
), ` + sqlSeatBump("upd WHERE @status::text = 'active'") + `, ` + sqlRecord(
	sqlEvent(1, MemberSuspended{}.EventName(), "u.organization_id", "@actor::text", "u.user_id",
		sqlEventData("@actor::text", "'organization_user', "+sqlMemberJSON("u")), "upd AS u WHERE @status::text = 'suspended'"),
	sqlEvent(1, MemberReactivated{}.EventName(), "u.organization_id", "@actor::text", "u.user_id",
		sqlEventData("@actor::text", "'organization_user', "+sqlMemberJSON("u")), "upd AS u WHERE @status::text = 'active'")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.owner, chk.covered,
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	` + memberCols + `, u.id, u.organization_id, u.user_id, u.role, u.created_at, u.updated_at, u.suspended_at
FROM chk LEFT JOIN tgt AS m ON true LEFT JOIN upd AS u ON true`)

// SuspendUser implements SuspensionStore.
func (s *PostgresStore) SuspendUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, MemberStatusSuspended)
}

// ReactivateUser implements SuspensionStore.
func (s *PostgresStore) ReactivateUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, MemberStatusActive)
}

func (s *PostgresStore) setStatus(ctx context.Context, p MemberStatusParams, to MemberStatus) (OrganizationUser, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	for range maxSeatRaces {
		var found, allowed, owner, covered, free, stale bool
		var before, after memberRow
		err := s.queryRow(ctx, qSetStatus, authArgs(qSetStatus, pgArgs{
			"organization_id": p.OrganizationID, "user_id": string(p.UserID), "status": string(to), "now": p.Now,
		}, p.Auth.Actor, p.Auth.Policy)).
			Scan(dest([]any{&found, &allowed, &owner, &covered, &free, &stale}, before.dest(), after.dest())...)
		switch {
		case err != nil:
			return OrganizationUser{}, OrganizationUser{}, pgError(ctx, err)
		case !found:
			return OrganizationUser{}, OrganizationUser{}, ErrOrganizationNotFound
		case !allowed:
			return OrganizationUser{}, OrganizationUser{}, ErrPermissionDenied
		case !before.ok():
			return OrganizationUser{}, OrganizationUser{}, ErrNotMember
		case after.ok():
			return before.value(), after.value(), nil
		case before.value().Status() == to:
			return before.value(), before.value(), nil // unchanged
		case owner:
			return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
		case !covered:
			return OrganizationUser{}, OrganizationUser{}, ErrEscalation
		case stale:
			continue // a concurrent addition committed after this statement's snapshot
		case !free:
			return OrganizationUser{}, OrganizationUser{}, ErrMemberLimit
		}
		return OrganizationUser{}, OrganizationUser{}, errors.New("organizations: " + string(to) + " changed nothing")
	}
	return OrganizationUser{}, OrganizationUser{}, errSeatRaces
}

var _ MemberListStore = (*PostgresStore)(nil)

// membersQuery is a ListMembers statement whose page also satisfies where (constant SQL
// text): one row per membership of the page with whether it is the owner's, one row of
// NULLs for an empty page, no row for no organization. Each filter has its own
// statement, so that each is planned for its index: memberships_organization_id_idx
// (none, or active), memberships_organization_role_idx (a role),
// memberships_suspended_idx (suspended).
func membersQuery(where string) string {
	return `
SELECT ` + memberCols + `, m.user_id = o.owner_id
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN LATERAL (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid` + where + `
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id`
}

// listMembersQueries are the ListMembers statements by filter: [by role][status], the
// status written as a constant so that the partial index serves a generic plan too.
var listMembersQueries = func() (q [2]map[MemberStatus]pgQuery) {
	for i, role := range []string{"", " AND m.role = @role::text"} {
		q[i] = map[MemberStatus]pgQuery{
			"":                    pgStatement(membersQuery(role)),
			MemberStatusActive:    pgStatement(membersQuery(role + " AND m.status = 'active'")),
			MemberStatusSuspended: pgStatement(membersQuery(role + " AND m.status = 'suspended'")),
		}
	}
	return q
}()

// ListMembers implements MemberListStore.
func (s *PostgresStore) ListMembers(ctx context.Context, p ListMembersParams) ([]Member, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	args := pgArgs{"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit}
	byRole := 0
	if p.Filter.Role != "" {
		byRole, args["role"] = 1, string(p.Filter.Role)
	}
	q, ok := listMembersQueries[byRole][p.Filter.Status]
	if !ok {
		return nil, ErrInvalidListOptions
	}
	var r memberRow
	var owner *bool
	return orgItems(ctx, s, q, args, append(r.dest(), &owner), r.ok, func() Member {
		return Member{OrganizationUser: r.value(), IsOwner: owner != nil && *owner}
	})
}
