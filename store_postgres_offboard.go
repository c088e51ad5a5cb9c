package organizations

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var _ OffboardStore = (*PostgresStore)(nil)

// qOrgsOwnedBy is served by organizations_owner_idx.
var qOrgsOwnedBy = pgStatement(`
SELECT ` + orgCols + `
FROM /* TEMPLATE: schema */organizations o
WHERE o.owner_id = @user_id::text AND o.id > @after::uuid
ORDER BY o.id LIMIT @limit::bigint`)

// OrganizationsOwnedBy implements OffboardStore.
func (s *PostgresStore) OrganizationsOwnedBy(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	var r orgRow
	return queryItems(ctx, s, qOrgsOwnedBy, pgArgs{"user_id": string(p.UserID), "after": p.After, "limit": p.Limit}, r.dest(), r.value)
}

// Typed NULLs in the layout of orgCols and memberCols, for the rows of qOffboard that
// do not carry one.
const (
	nullOrgCols    = `NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer`
	nullMemberCols = `NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz`
	nullInvCols    = `NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::text`
)

// qOffboard is RemoveUserEverywhere's statement. owned locks the organizations the user
// owns (FOR UPDATE, in ID order; each is deleted or changes owner); cand locks the other
// active admins of each one to transfer (FOR KEY SHARE, as the owner foreign key will:
// none can then be removed, demoted or suspended before the statement ends), and heir is
// the longest-standing of them. The candidates are judged as locked, not as in the
// statement's snapshot: an admin whose removal, demotion or suspension committed while
// the statement waited for the lock is no candidate, so the statement finds no successor
// (ErrNoSuccessor) rather than handing the organization to a membership that is gone,
// which organizations_owner_fkey refused (TestPostgresOffboardingDecidesOnTheLockedSuccessor,
// conformance test Offboarding/TransferRacingSuccessorLeaving). chk says whether every
// owned organization has a policy (covered) and every one to transfer an heir. Only
// then: del deletes the organizations to delete (their memberships, invitations and
// proposals by cascade), moved hands the others to their heirs, closed deletes their
// ownership transfer proposals (a change of owner closes them for good, as ChangeOwner's
// does; OffboardingClosesTheProposalForGood; one committed after the snapshot goes by
// the trigger organizations_owner_changed), rm deletes the user's
// other memberships and rev revokes the pending invitations the user sent in those
// organizations. The owner foreign key, checked at the end of the statement, holds
// every organization to an owner: one the user came to own after this statement's
// snapshot makes rm violate it, and the statement fails, changing nothing. Rows: the
// classification first ('c'), then the deleted organizations ('d'), the removed
// memberships ('r'), the transfers ('t': the heir's membership) and the revoked
// invitations ('v'). ev records the events of it all, in the order of
// OffboardResult.events.
var qOffboard = pgStatement(`
WITH owned AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o
	WHERE o.owner_id = @user_id::text ORDER BY o.id FOR UPDATE
), cand AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id IN (SELECT id FROM owned WHERE id = ANY(@transfer::text[]::uuid[]) AND NOT id = ANY(@delete::text[]::uuid[]))
		AND m.user_id <> @user_id::text AND m.role = 'admin' AND m.status = 'active'
	FOR KEY SHARE
), heir AS (
	SELECT DISTINCT ON (m.organization_id) ` + memberCols + ` FROM cand AS m
	ORDER BY m.organization_id, m.created_at, m.id
), chk AS (
	SELECT NOT EXISTS (SELECT 1 FROM owned WHERE NOT (id = ANY(@delete::text[]::uuid[]) OR id = ANY(@transfer::text[]::uuid[]))) AS covered,
		NOT EXISTS (SELECT 1 FROM owned o WHERE o.id = ANY(@transfer::text[]::uuid[]) AND NOT o.id = ANY(@delete::text[]::uuid[])
			AND NOT EXISTS (SELECT 1 FROM heir h WHERE h.organization_id = o.id)) AS heirs
), del AS (
	DELETE FROM /* TEMPLATE: schema */organizations AS o USING chk
	WHERE o.id IN (SELECT id FROM owned WHERE id = ANY(@delete::text[]::uuid[])) AND chk.covered AND chk.heirs
	RETURNING ` + orgCols + `
), moved AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET owner_id = h.user_id, owner_since = @now::timestamptz
	FROM heir AS h, chk
	WHERE o.id = h.organization_id AND chk.covered AND chk.heirs
	RETURNING o.id
), closed AS (
	DELETE FROM /* TEMPLATE: schema */ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), rm AS (
	DELETE FROM /* TEMPLATE: schema */memberships AS m USING chk
	WHERE m.user_id = @user_id::text AND chk.covered AND chk.heirs
		AND NOT m.organization_id IN (SELECT id FROM owned WHERE id = ANY(@delete::text[]::uuid[]))
	RETURNING ` + memberCols + `
), rev AS (
	UPDATE /* TEMPLATE: schema */invitations AS i
	SET status = 'revoked', responded_at = @now::timestamptz, custom_role = NULL
	WHERE i.organization_id IN (SELECT organization_id FROM rm) AND i.invited_by = @user_id::text
		AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	RETURNING ` + invCols + `
), ` + fragRecord(
	fragEvent(1, OrganizationDeleted{}.EventName(), "o.id", "''", "NULL", fragEventData("", "'organization', "+fragOrgJSON("o")), "del AS o"),
	fragEvent(2, OwnerChanged{}.EventName(), "h.organization_id", "''", "h.user_id", fragEventData("", "'old', "+fragMemberJSON("r"), "'new', "+fragMemberJSON("h")),
		"heir AS h JOIN rm AS r ON r.organization_id = h.organization_id WHERE h.organization_id IN (SELECT id FROM moved)"),
	fragEventKey(3, "i.id", "gen_random_uuid()", InvitationRevoked{}.EventName(), "i.organization_id", "''", "NULL",
		fragEventData("", "'invitation', "+fragInvJSON("i")), "rev AS i"),
	fragEvent(4, UserRemoved{}.EventName(), "m.organization_id", "''", "m.user_id", fragEventData("", "'organization_user', "+fragMemberJSON("m")), "rm AS m")) + `
SELECT 'c', chk.covered, chk.heirs, (SELECT count(*) FROM rev), ` + nullOrgCols + `, ` + nullMemberCols + `, ` + nullInvCols + ` FROM chk
UNION ALL
SELECT 'd', NULL, NULL, NULL, ` + orgCols + `, ` + nullMemberCols + `, ` + nullInvCols + ` FROM del AS o
UNION ALL
SELECT 'r', NULL, NULL, NULL, ` + nullOrgCols + `, ` + memberCols + `, ` + nullInvCols + ` FROM rm AS m
UNION ALL
SELECT 't', NULL, NULL, NULL, ` + nullOrgCols + `, ` + memberCols + `, ` + nullInvCols + ` FROM heir AS m WHERE m.organization_id IN (SELECT id FROM moved)
UNION ALL
SELECT 'v', NULL, NULL, NULL, ` + nullOrgCols + `, ` + nullMemberCols + `, ` + invCols + `, ` + invTeamsCol + ` FROM rev AS i`)

// RemoveUserEverywhere implements OffboardStore.
func (s *PostgresStore) RemoveUserEverywhere(ctx context.Context, p RemoveEverywhereParams) (OffboardResult, error) {
	if err := ctx.Err(); err != nil {
		return OffboardResult{}, err
	}
	ids := func(l []uuid.UUID) []string {
		out := make([]string, len(l)) // text, which database/sql's simple protocol can send too
		for i, id := range l {
			out[i] = id.String()
		}
		return out
	}
	rows, err := s.query(ctx, qOffboard, pgArgs{
		"user_id": string(p.UserID), "delete": ids(p.Delete), "transfer": ids(p.Transfer), "now": p.Now,
	})
	if err != nil {
		return OffboardResult{}, pgError(ctx, err)
	}
	var kind string
	var covered, heirs *bool
	var revoked *int64
	var classified, allCovered, allHeirs bool
	var o orgRow
	var m memberRow
	var inv invitationRow
	res := OffboardResult{Removed: []OrganizationUser{}, Deleted: []Organization{}, Transferred: []OwnerChange{}, Revoked: []Invitation{}}
	removed := map[uuid.UUID]OrganizationUser{}
	var heirsOf []OrganizationUser
	_, err = pgx.ForEachRow(rows, dest([]any{&kind, &covered, &heirs, &revoked}, o.dest(), m.dest(), inv.destTeams()), func() error {
		switch kind {
		case "c":
			classified, allCovered, allHeirs = true, *covered, *heirs
			res.RevokedInvitations = int(*revoked)
		case "d":
			res.Deleted = append(res.Deleted, o.value())
		case "r":
			v := m.value()
			res.Removed = append(res.Removed, v)
			removed[v.OrganizationID] = v
		case "t":
			heirsOf = append(heirsOf, m.value())
		case "v":
			res.Revoked = append(res.Revoked, inv.value(p.Now))
		}
		return nil
	})
	switch {
	case err != nil:
		return OffboardResult{}, pgError(ctx, err)
	case !classified:
		return OffboardResult{}, errors.New("organizations: RemoveUserEverywhere returned no classification")
	case !allCovered:
		return OffboardResult{}, ErrOwnershipRequired
	case !allHeirs:
		return OffboardResult{}, ErrNoSuccessor
	}
	for _, h := range heirsOf {
		res.Transferred = append(res.Transferred, OwnerChange{OldOwner: removed[h.OrganizationID], NewOwnerBefore: h, NewOwner: h, Changed: true})
	}
	res.sort()
	return res, nil
}

var _ OwnershipLimitStore = (*PostgresStore)(nil)

var qCountOwned = pgStatement(`SELECT count(*) FROM /* TEMPLATE: schema */organizations o WHERE o.owner_id = @user_id::text`)

// CountOwnedOrganizations implements OwnershipLimitStore: one statement, on the index
// organizations_owner_idx.
func (s *PostgresStore) CountOwnedOrganizations(ctx context.Context, user UserID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	if err := s.queryRow(ctx, qCountOwned, pgArgs{"user_id": string(user)}).Scan(&n); err != nil {
		return 0, pgReadError(ctx, err)
	}
	return n, nil
}
