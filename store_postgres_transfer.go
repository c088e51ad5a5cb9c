package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

var _ TransferStore = (*PostgresStore)(nil)

const transferCols = `t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at`

type transferRow struct {
	org                  pgtype.UUID
	nominee, proposedBy  pgtype.Text
	createdAt, expiresAt pgtype.Timestamptz
}

func (r *transferRow) dest() []any {
	return []any{&r.org, &r.nominee, &r.proposedBy, &r.createdAt, &r.expiresAt}
}

func (r *transferRow) ok() bool { return r.org.Valid }

func (r *transferRow) value() OwnershipTransfer {
	return OwnershipTransfer{
		OrganizationID: uuid.UUID(r.org.Bytes), Nominee: UserID(r.nominee.String), ProposedBy: UserID(r.proposedBy.String),
		CreatedAt: pgTime(r.createdAt), ExpiresAt: pgTime(r.expiresAt),
	}
}

// fragTransferOpen is true when the proposal t is open at @now in the organization org:
// unexpired, its proposer the owner, its nominee an active member (the membership m).
const fragTransferOpen = `(t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')`

// qProposeTransfer is ProposeOwnershipTransfer: one call of
// organizations_propose_transfer (migration 0014), which locks the organization (FOR
// SHARE: the owner it reads is the latest), the nominee's membership (FOR KEY SHARE, as
// the proposal's foreign key will) and the proposal it replaces, then decides on them as
// locked and stores the proposal. The proposal stored, and the one it replaced, follow.
var qProposeTransfer = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_propose_transfer(
	@organization_id::uuid, @nominee::text, @now::timestamptz, @expires_at::timestamptz, @actor::text, @number::boolean)`)

// ProposeOwnershipTransfer implements TransferStore.
func (s *PostgresStore) ProposeOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, *OwnershipTransfer, error) {
	var t, old transferRow
	if _, err := s.call(ctx, qProposeTransfer, pgArgs{
		"organization_id": p.OrganizationID, "nominee": string(p.Nominee), "now": p.Now, "expires_at": p.ExpiresAt,
		"actor": string(p.Auth.Actor), "number": s.autocommit(),
	}, t.dest(), old.dest()); err != nil {
		return OwnershipTransfer{}, nil, err
	}
	var replaced *OwnershipTransfer
	if old.ok() {
		r := old.value()
		replaced = &r
	}
	return t.value(), replaced, nil
}

// qTransfer reads the open proposal: one row with the proposal (NULLs: none open), no
// row for no organization.
var qTransfer = pgStatement(`
SELECT ` + transferCols + `
FROM /* TEMPLATE: schema */organizations org
LEFT JOIN (/* TEMPLATE: schema */ownership_transfers t
	JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = t.organization_id AND m.user_id = t.nominee)
	ON t.organization_id = org.id AND ` + fragTransferOpen + `
WHERE org.id = @organization_id::uuid`)

// OwnershipTransfer implements TransferStore.
func (s *PostgresStore) OwnershipTransfer(ctx context.Context, org uuid.UUID, now time.Time) (OwnershipTransfer, error) {
	var t transferRow
	return orgItem(ctx, s.queryRow, qTransfer, pgArgs{"organization_id": org, "now": now}, t.dest(), t.ok, t.value, ErrTransferNotFound)
}

// qAcceptTransfer is AcceptOwnershipTransfer: one call of organizations_accept_transfer
// (migration 0014), which locks the organization row (FOR NO KEY UPDATE, as
// ChangeOwner), the proposal, and the owner's and the nominee's memberships, then
// decides on them as locked: the proposal open (unexpired, by the owner, to an active
// member), the call by its nominee (or unchecked) and, under a per-user organization
// limit (@max_owned > 0), the nominee owning fewer. It promotes the nominee to admin if
// needed and moves owner_id, which closes the proposal (the trigger
// organizations_owner_changed), recording OwnershipTransferAccepted, RoleChanged (if
// promoted) and OwnerChanged. The proposal, the old owner's membership and the
// nominee's before and, if promoted, after follow the outcome.
var qAcceptTransfer = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_accept_transfer(
	@organization_id::uuid, @now::timestamptz, @max_owned::integer, @actor::text, @number::boolean)`)

// AcceptOwnershipTransfer implements TransferStore.
func (s *PostgresStore) AcceptOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, OwnerChange, error) {
	var t transferRow
	var old, before, promoted memberRow
	if _, err := s.call(ctx, qAcceptTransfer, pgArgs{
		"organization_id": p.OrganizationID, "now": p.Now, "max_owned": p.MaxOwned,
		"actor": string(p.Auth.Actor), "number": s.autocommit(),
	}, t.dest(), old.dest(), before.dest(), promoted.dest()); err != nil {
		return OwnershipTransfer{}, OwnerChange{}, err
	}
	return t.value(), ownerChange(old, before, promoted, true), nil
}

// qCloseTransfer is DeclineOwnershipTransfer (@decline) and CancelOwnershipTransfer: one
// call of organizations_close_transfer (migration 0014), which locks the organization
// (FOR SHARE) and the proposal, then deletes the proposal if it is open and the call is
// by its nominee (declining) or the owner (cancelling), or unchecked, recording
// OwnershipTransferDeclined or OwnershipTransferCancelled. The proposal follows the
// outcome.
var qCloseTransfer = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_close_transfer(
	@organization_id::uuid, @decline::boolean, @now::timestamptz, @actor::text, @number::boolean)`)

// DeclineOwnershipTransfer implements TransferStore.
func (s *PostgresStore) DeclineOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, true)
}

// CancelOwnershipTransfer implements TransferStore.
func (s *PostgresStore) CancelOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, false)
}

func (s *PostgresStore) closeTransfer(ctx context.Context, p TransferParams, decline bool) (OwnershipTransfer, error) {
	var t transferRow
	if _, err := s.call(ctx, qCloseTransfer, pgArgs{
		"organization_id": p.OrganizationID, "decline": decline, "now": p.Now,
		"actor": string(p.Auth.Actor), "number": s.autocommit(),
	}, t.dest()); err != nil {
		return OwnershipTransfer{}, err
	}
	return t.value(), nil
}
