package organizations

import (
	"context"
)

var _ SuspensionStore = (*PostgresStore)(nil)

// qSetStatus is SuspendUser (@status 'suspended') and ReactivateUser (@status
// 'active'): one call of organizations_set_status (migration 0014), which locks the
// organization row FOR NO KEY UPDATE (a reactivation takes a seat, and counts the
// members under that lock), the actor's and the member's memberships FOR UPDATE in user
// ID order and their custom roles, then decides on them as locked: PermMembersSuspend,
// the member there and not the owner, its permissions within the actor's, a free seat
// for a reactivation. A suspension closes the ownership transfer proposed to the member
// (the trigger memberships_suspended, migration 0006). The membership before, and after
// if it changed, follow the outcome.
var qSetStatus = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_set_status(
	@organization_id::uuid, @user_id::text, @status::text, @now::timestamptz, ` + writeAuthParams + `)`)

// SuspendUser implements SuspensionStore.
func (s *PostgresStore) SuspendUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, MemberStatusSuspended)
}

// ReactivateUser implements SuspensionStore.
func (s *PostgresStore) ReactivateUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return s.setStatus(ctx, p, MemberStatusActive)
}

func (s *PostgresStore) setStatus(ctx context.Context, p MemberStatusParams, to MemberStatus) (OrganizationUser, OrganizationUser, error) {
	var before, after memberRow
	outcome, err := s.call(ctx, qSetStatus, s.writeAuthArgs(pgArgs{
		"organization_id": p.OrganizationID, "user_id": string(p.UserID), "status": string(to), "now": p.Now,
	}, p.Auth, PermMembersSuspend), before.dest(), after.dest())
	return memberChange(outcome, err, &before, &after)
}

// memberChange is the result of a call (s.call) that changes a membership and answers
// it before and after: an error, or before twice when the outcome is "unchanged" (the
// after columns are then NULL), else before and after.
func memberChange(outcome string, err error, before, after *memberRow) (OrganizationUser, OrganizationUser, error) {
	switch {
	case err != nil:
		return OrganizationUser{}, OrganizationUser{}, err
	case outcome == "unchanged":
		return before.value(), before.value(), nil
	}
	return before.value(), after.value(), nil
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
SELECT ` + memberCols + `, m.user_id = o.owner_id` + orgPage("m", `
	SELECT `+memberCols+` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid`+where+`
	ORDER BY m.id LIMIT @limit::bigint`)
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
