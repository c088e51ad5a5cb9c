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

// qChangeOwner is ChangeOwner: one call of organizations_change_owner (migration 0014),
// which locks the organization row FOR NO KEY UPDATE (so concurrent transfers queue and
// each sees the owner the previous one left: of two changes by one owner, the second is
// refused), then the owner's membership (FOR KEY SHARE) and the new owner's (FOR
// UPDATE) in user ID order, and decides on them as locked: the call by the owner (or
// unchecked), the new owner an active member and, under a per-user organization limit
// (@max_owned > 0), owning fewer (organizations_owned_below, migration 0010). It
// promotes the new owner to admin if needed (leaving a custom role) and moves owner_id; the trigger
// organizations_owner_changed (migration 0006) closes the organization's proposal, for
// good (ChangeOwnerClosesTheProposalForGood). The old owner's membership, the new
// owner's before and, if promoted, after follow the outcome.
var qChangeOwner = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_change_owner(
	@organization_id::uuid, @new_owner::text, @now::timestamptz, @max_owned::integer, @actor::text, @number::boolean)`)

// ChangeOwner implements Store.
func (s *PostgresStore) ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error) {
	var old, before, promoted memberRow
	outcome, err := s.call(ctx, qChangeOwner, pgArgs{
		"organization_id": p.OrganizationID, "new_owner": string(p.NewOwner), "now": p.Now, "max_owned": p.MaxOwned,
		"actor": string(p.Auth.Actor), "number": s.autocommit(),
	}, old.dest(), before.dest(), promoted.dest())
	if err != nil {
		return OwnerChange{}, err
	}
	return ownerChange(old, before, promoted, outcome != "unchanged"), nil
}

// ownerChange is the OwnerChange of a write function's rows: the old owner's
// membership, the new owner's before and, if promoted, after.
func ownerChange(old, before, promoted memberRow, changed bool) OwnerChange {
	c := OwnerChange{OldOwner: old.value(), NewOwnerBefore: before.value(), NewOwner: before.value(), Changed: changed}
	if promoted.ok() {
		c.NewOwner = promoted.value()
	}
	return c
}
