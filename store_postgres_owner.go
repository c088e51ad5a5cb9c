package organizations

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// qOwner joins the organization to its owner's membership (which the owner foreign key
// guarantees).
var qOwner = pgStatement(`
SELECT o.owner_since, ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = o.owner_id
WHERE o.id = @organization_id::uuid`)

// Owner implements Store.
func (s *PostgresStore) Owner(ctx context.Context, org uuid.UUID) (OrganizationOwner, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationOwner{}, err
	}
	var r memberRow
	var o OrganizationOwner
	err := s.readRow(ctx, qOwner, pgArgs{"organization_id": org}).Scan(dest([]any{&o.Since}, r.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return OrganizationOwner{}, ErrOrganizationNotFound
	case err != nil:
		return OrganizationOwner{}, pgReadError(ctx, err)
	}
	o.OrganizationID, o.OrganizationUser, o.Since = org, r.value(), Timestamp(o.Since)
	return o, nil
}

// qChangeOwner locks the organization row first (so concurrent transfers queue and each
// sees the owner the previous one left), then the two memberships, which a locking read
// returns in their latest committed version. It promotes the new owner to admin if
// needed, judged by that locked version (the snapshot may predate a concurrent demotion),
// and moves owner_id; the owner foreign key, checked at the end of the statement,
// sees the promoted membership. An actor-checked call (@actor not ”) changes nothing
// unless the actor is the owner as locked: of two concurrent transfers by one owner, the
// second sees the first's new owner and is refused. Moving the owner closes the
// organization's ownership transfer proposal (closed deletes it, in the same statement:
// a closed proposal never opens again, not even when the organization comes back to its
// proposer; ChangeOwnerClosesTheProposalForGood). closed reads the statement's snapshot;
// a proposal committed after it, while the statement waited for the organization row,
// is deleted by the trigger organizations_owner_changed (migration 0006), which fires
// at the end of the statement with a new snapshot
// (TestPostgresOwnerChangeClosesAProposalMadeWhileItWaited). Result: whether the organization
// exists, is allowed and changed, the old owner's membership, the new owner's before and,
// if promoted, after.
//
// Under a per-user organization limit (@max_owned > 0), lim locks the new owner's
// ownership and counts what they own (organizations_owned_below, migration 0010: a
// VOLATILE function, whose count reads a new snapshot taken after the lock, not the
// statement's), and the change is made only if they own fewer; the result says so
// (below). It is evaluated only when the owner would change.
var qChangeOwner = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id, (@actor::text = '' OR o.owner_id = @actor::text) AS allowed
	FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), old AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT owner_id FROM org)
	FOR KEY SHARE
), cur AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @new_owner::text AND EXISTS (SELECT 1 FROM org WHERE allowed)
		AND m.status = 'active'
	FOR UPDATE
), lim AS (
	SELECT CASE WHEN @max_owned::integer <= 0 OR NOT EXISTS (SELECT 1 FROM cur) OR (SELECT owner_id FROM org) = @new_owner::text
		THEN true ELSE /* TEMPLATE: schema */organizations_owned_below(@new_owner::text, @max_owned::integer) END AS ok
), promote AS (
	UPDATE /* TEMPLATE: schema */memberships AS m SET role = 'admin', updated_at = @now::timestamptz
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @new_owner::text
		AND (SELECT role FROM cur) <> 'admin' AND (SELECT owner_id FROM org) <> @new_owner::text AND (SELECT ok FROM lim)
	RETURNING ` + memberCols + `
), moved AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET owner_id = @new_owner::text, owner_since = @now::timestamptz
	WHERE o.id = @organization_id::uuid AND (SELECT owner_id FROM org) <> @new_owner::text AND EXISTS (SELECT 1 FROM cur)
		AND (SELECT ok FROM lim)
	RETURNING o.id
), closed AS (
	DELETE FROM /* TEMPLATE: schema */ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), nw AS (
	SELECT ` + memberCols + ` FROM promote AS m UNION ALL SELECT ` + memberCols + ` FROM cur AS m WHERE NOT EXISTS (SELECT 1 FROM promote)
), ` + sqlRecord(
	sqlEvent(1, RoleChanged{}.EventName(), "p.organization_id", "@actor::text", "p.user_id",
		sqlEventData("@actor::text", "'old', "+sqlMemberJSON("m"), "'new', "+sqlMemberJSON("p")), "promote AS p, cur AS m, moved"),
	sqlEvent(2, OwnerChanged{}.EventName(), "n.organization_id", "@actor::text", "n.user_id",
		sqlEventData("@actor::text", "'old', "+sqlMemberJSON("x"), "'new', "+sqlMemberJSON("n")), "moved, old AS x, nw AS n")) + `
SELECT EXISTS (SELECT 1 FROM org), COALESCE((SELECT allowed FROM org), false), EXISTS (SELECT 1 FROM moved), (SELECT ok FROM lim),
	x.id, x.organization_id, x.user_id, x.role, x.created_at, x.updated_at, x.suspended_at,
	` + memberCols + `,
	p.id, p.organization_id, p.user_id, p.role, p.created_at, p.updated_at, p.suspended_at
FROM (SELECT 1) AS one LEFT JOIN old AS x ON true LEFT JOIN cur AS m ON true LEFT JOIN promote AS p ON true`)

// ChangeOwner implements Store.
func (s *PostgresStore) ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error) {
	if err := ctx.Err(); err != nil {
		return OwnerChange{}, err
	}
	var found, allowed, moved, below bool
	var old, before, promoted memberRow
	err := s.queryRow(ctx, qChangeOwner, pgArgs{
		"organization_id": p.OrganizationID, "new_owner": string(p.NewOwner), "now": p.Now, "actor": string(p.Auth.Actor),
		"max_owned": p.MaxOwned,
	}).
		Scan(dest([]any{&found, &allowed, &moved, &below}, old.dest(), before.dest(), promoted.dest())...)
	switch {
	case err != nil:
		return OwnerChange{}, pgError(ctx, err)
	case !found:
		return OwnerChange{}, ErrOrganizationNotFound
	case !allowed:
		return OwnerChange{}, ErrPermissionDenied
	case !before.ok():
		return OwnerChange{}, ErrNotMember
	case !below:
		return OwnerChange{}, ErrOrganizationLimit
	}
	c := OwnerChange{OldOwner: old.value(), NewOwnerBefore: before.value(), NewOwner: before.value(), Changed: moved}
	if promoted.ok() {
		c.NewOwner = promoted.value()
	}
	return c, nil
}
