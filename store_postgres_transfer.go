package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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

// sqlTransferOpen is true when the proposal t is open at @now in the organization org:
// unexpired, its proposer the owner, its nominee an active member (the membership m).
const sqlTransferOpen = `(t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')`

// qProposeTransfer locks the organization (FOR SHARE: the owner it reads is the latest)
// and the nominee's membership (FOR KEY SHARE, as the foreign key will), then upserts
// the proposal if the call is by the owner (or unchecked) and the nominee is an active
// member other than the owner, recording OwnershipTransferProposed. Columns: the
// classification, the proposal stored, and the one it replaced as of the statement's
// snapshot (for the event).
var qProposeTransfer = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), nom AS (
	SELECT m.user_id FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = (SELECT id FROM org) AND m.user_id = @nominee::text AND m.status = 'active'
	FOR KEY SHARE
), chk AS (
	SELECT (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) AS allowed,
		EXISTS (SELECT 1 FROM nom) AS member,
		COALESCE((SELECT owner_id FROM org) = @nominee::text, false) AS owner
), old AS (
	SELECT ` + transferCols + ` FROM /* TEMPLATE: schema */ownership_transfers t WHERE t.organization_id = @organization_id::uuid
), ins AS (
	INSERT INTO /* TEMPLATE: schema */ownership_transfers AS t (organization_id, nominee, proposed_by, created_at, expires_at)
	SELECT org.id, @nominee::text, org.owner_id, @now::timestamptz, @expires_at::timestamptz
	FROM org, chk WHERE chk.allowed AND chk.member AND NOT chk.owner
	ON CONFLICT ON CONSTRAINT ownership_transfers_pkey DO UPDATE SET nominee = EXCLUDED.nominee,
		proposed_by = EXCLUDED.proposed_by, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
	RETURNING ` + transferCols + `
), ` + sqlRecord(sqlEvent(1, OwnershipTransferProposed{}.EventName(), "t.organization_id", "@actor::text", "t.nominee",
	`CASE WHEN o.organization_id IS NULL THEN `+sqlEventData("@actor::text", "'transfer', "+sqlTransferJSON("t"))+
		` ELSE `+sqlEventData("@actor::text", "'transfer', "+sqlTransferJSON("t"), "'replaced', "+sqlTransferJSON("o"))+` END`,
	"ins AS t LEFT JOIN old AS o ON true")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.member, chk.owner, ` + transferCols + `,
	o.organization_id, o.nominee, o.proposed_by, o.created_at, o.expires_at
FROM chk LEFT JOIN ins AS t ON true LEFT JOIN old AS o ON true`)

// ProposeOwnershipTransfer implements TransferStore.
func (s *PostgresStore) ProposeOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, *OwnershipTransfer, error) {
	if err := ctx.Err(); err != nil {
		return OwnershipTransfer{}, nil, err
	}
	var found, allowed, member, owner bool
	var t, old transferRow
	err := s.queryRow(ctx, qProposeTransfer, pgArgs{
		"organization_id": p.OrganizationID, "nominee": string(p.Nominee), "actor": string(p.Auth.Actor),
		"now": p.Now, "expires_at": p.ExpiresAt,
	}).Scan(dest([]any{&found, &allowed, &member, &owner}, t.dest(), old.dest())...)
	switch {
	case err != nil:
		return OwnershipTransfer{}, nil, pgError(ctx, err)
	case !found:
		return OwnershipTransfer{}, nil, ErrOrganizationNotFound
	case !allowed:
		return OwnershipTransfer{}, nil, ErrPermissionDenied
	case owner:
		return OwnershipTransfer{}, nil, ErrAlreadyOwner
	case !member || !t.ok():
		return OwnershipTransfer{}, nil, ErrNotMember
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
	ON t.organization_id = org.id AND ` + sqlTransferOpen + `
WHERE org.id = @organization_id::uuid`)

// OwnershipTransfer implements TransferStore.
func (s *PostgresStore) OwnershipTransfer(ctx context.Context, org uuid.UUID, now time.Time) (OwnershipTransfer, error) {
	if err := ctx.Err(); err != nil {
		return OwnershipTransfer{}, err
	}
	var t transferRow
	err := s.queryRow(ctx, qTransfer, pgArgs{"organization_id": org, "now": now}).Scan(t.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return OwnershipTransfer{}, ErrOrganizationNotFound
	case err != nil:
		return OwnershipTransfer{}, pgReadError(ctx, err)
	case !t.ok():
		return OwnershipTransfer{}, ErrTransferNotFound
	}
	return t.value(), nil
}

// qAcceptTransfer locks the organization row (FOR NO KEY UPDATE, as ChangeOwner), the
// proposal, the nominee's membership (FOR UPDATE) and the owner's (FOR KEY SHARE), all
// in their latest committed versions, and if the proposal is open (sqlTransferOpen) and
// the actor is its nominee (or the call unchecked): promotes the nominee to admin if
// needed, moves owner_id, and deletes the proposal, recording OwnershipTransferAccepted,
// RoleChanged (if promoted) and OwnerChanged. The owner foreign key, checked at
// the end of the statement, holds the new owner to an active admin membership. Under a
// per-user organization limit (@max_owned > 0), lim locks the nominee's ownership and
// counts it as ChangeOwner's does (organizations_owned_below), once the proposal is
// found open and the actor its nominee, and nothing moves unless they own fewer.
var qAcceptTransfer = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), tr AS (
	SELECT ` + transferCols + ` FROM /* TEMPLATE: schema */ownership_transfers t
	WHERE t.organization_id = (SELECT id FROM org) FOR UPDATE
), cur AS (
	SELECT ` + memberCols + `, m.status FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT nominee FROM tr)
	FOR UPDATE
), old AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT owner_id FROM org)
	FOR KEY SHARE
), chk AS (
	SELECT COALESCE((SELECT true FROM tr AS t, org, cur AS m WHERE ` + sqlTransferOpen + `), false) AS open,
		(@actor::text = '' OR COALESCE((SELECT nominee FROM tr) = @actor::text, false)) AS nominee
), lim AS (
	SELECT CASE WHEN @max_owned::integer <= 0 OR NOT (chk.open AND chk.nominee) THEN true
		ELSE /* TEMPLATE: schema */organizations_owned_below((SELECT nominee FROM tr), @max_owned::integer) END AS ok
	FROM chk
), promote AS (
	UPDATE /* TEMPLATE: schema */memberships AS m SET role = 'admin', custom_role = NULL, updated_at = @now::timestamptz
	FROM chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT nominee FROM tr)
		AND chk.open AND chk.nominee AND (SELECT role FROM cur) <> 'admin' AND (SELECT ok FROM lim)
	RETURNING ` + memberCols + `
), moved AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET owner_id = (SELECT nominee FROM tr), owner_since = @now::timestamptz
	FROM chk WHERE o.id = @organization_id::uuid AND chk.open AND chk.nominee AND (SELECT ok FROM lim)
	RETURNING o.id
), del AS (
	DELETE FROM /* TEMPLATE: schema */ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), nw AS (
	SELECT ` + memberCols + ` FROM promote AS m UNION ALL SELECT ` + memberCols + ` FROM cur AS m WHERE NOT EXISTS (SELECT 1 FROM promote)
), ` + sqlRecord(
	sqlEvent(1, OwnershipTransferAccepted{}.EventName(), "t.organization_id", "@actor::text", "t.nominee",
		sqlEventData("@actor::text", "'transfer', "+sqlTransferJSON("t")), "tr AS t, moved"),
	sqlEvent(2, RoleChanged{}.EventName(), "p.organization_id", "@actor::text", "p.user_id",
		sqlEventData("@actor::text", "'old', "+sqlMemberJSON("m"), "'new', "+sqlMemberJSON("p")), "promote AS p, cur AS m, moved"),
	sqlEvent(3, OwnerChanged{}.EventName(), "n.organization_id", "@actor::text", "n.user_id",
		sqlEventData("@actor::text", "'old', "+sqlMemberJSON("x"), "'new', "+sqlMemberJSON("n")), "moved, old AS x, nw AS n")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.open, chk.nominee, (SELECT ok FROM lim), EXISTS (SELECT 1 FROM moved), ` + transferCols + `,
	x.id, x.organization_id, x.user_id, x.role, x.created_at, x.updated_at, x.suspended_at,
	c.id, c.organization_id, c.user_id, c.role, c.created_at, c.updated_at, c.suspended_at,
	p.id, p.organization_id, p.user_id, p.role, p.created_at, p.updated_at, p.suspended_at
FROM chk LEFT JOIN tr AS t ON true LEFT JOIN old AS x ON true LEFT JOIN cur AS c ON true LEFT JOIN promote AS p ON true`)

// AcceptOwnershipTransfer implements TransferStore.
func (s *PostgresStore) AcceptOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, OwnerChange, error) {
	if err := ctx.Err(); err != nil {
		return OwnershipTransfer{}, OwnerChange{}, err
	}
	var found, open, nominee, below, moved bool
	var t transferRow
	var old, before, promoted memberRow
	err := s.queryRow(ctx, qAcceptTransfer, pgArgs{
		"organization_id": p.OrganizationID, "actor": string(p.Auth.Actor), "now": p.Now, "max_owned": p.MaxOwned,
	}).Scan(dest([]any{&found, &open, &nominee, &below, &moved}, t.dest(), old.dest(), before.dest(), promoted.dest())...)
	switch {
	case err != nil:
		return OwnershipTransfer{}, OwnerChange{}, pgError(ctx, err)
	case !found:
		return OwnershipTransfer{}, OwnerChange{}, ErrOrganizationNotFound
	case !open:
		return OwnershipTransfer{}, OwnerChange{}, ErrTransferNotFound
	case !nominee:
		return OwnershipTransfer{}, OwnerChange{}, ErrPermissionDenied
	case !below:
		return OwnershipTransfer{}, OwnerChange{}, ErrOrganizationLimit
	case !moved:
		return OwnershipTransfer{}, OwnerChange{}, errors.New("organizations: AcceptOwnershipTransfer changed nothing")
	}
	c := OwnerChange{OldOwner: old.value(), NewOwnerBefore: before.value(), NewOwner: before.value(), Changed: true}
	if promoted.ok() {
		c.NewOwner = promoted.value()
	}
	return t.value(), c, nil
}

// qCloseTransfer deletes the open proposal if the call may: @decline by its nominee,
// otherwise by the owner (unchecked: anyone). It locks the organization (FOR SHARE) and
// then the proposal, and records OwnershipTransferDeclined or OwnershipTransferCancelled.
var qCloseTransfer = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), tr AS (
	SELECT ` + transferCols + ` FROM /* TEMPLATE: schema */ownership_transfers t
	WHERE t.organization_id = (SELECT id FROM org) FOR UPDATE
), chk AS (
	SELECT COALESCE((SELECT true FROM tr AS t, org, /* TEMPLATE: schema */memberships m
			WHERE m.organization_id = t.organization_id AND m.user_id = t.nominee AND ` + sqlTransferOpen + `), false) AS open,
		(@actor::text = '' OR CASE WHEN @decline::boolean THEN COALESCE((SELECT nominee FROM tr) = @actor::text, false)
			ELSE COALESCE((SELECT owner_id FROM org) = @actor::text, false) END) AS allowed
), del AS (
	DELETE FROM /* TEMPLATE: schema */ownership_transfers AS t USING chk
	WHERE t.organization_id = @organization_id::uuid AND chk.open AND chk.allowed
	RETURNING t.organization_id
), ` + sqlRecord(
	sqlEvent(1, OwnershipTransferDeclined{}.EventName(), "t.organization_id", "@actor::text", "t.nominee",
		sqlEventData("@actor::text", "'transfer', "+sqlTransferJSON("t")), "tr AS t, del WHERE @decline::boolean"),
	sqlEvent(1, OwnershipTransferCancelled{}.EventName(), "t.organization_id", "@actor::text", "t.nominee",
		sqlEventData("@actor::text", "'transfer', "+sqlTransferJSON("t")), "tr AS t, del WHERE NOT @decline::boolean")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.open, chk.allowed, EXISTS (SELECT 1 FROM del), ` + transferCols + `
FROM chk LEFT JOIN tr AS t ON true`)

// DeclineOwnershipTransfer implements TransferStore.
func (s *PostgresStore) DeclineOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, true)
}

// CancelOwnershipTransfer implements TransferStore.
func (s *PostgresStore) CancelOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return s.closeTransfer(ctx, p, false)
}

func (s *PostgresStore) closeTransfer(ctx context.Context, p TransferParams, decline bool) (OwnershipTransfer, error) {
	if err := ctx.Err(); err != nil {
		return OwnershipTransfer{}, err
	}
	var found, open, allowed, deleted bool
	var t transferRow
	err := s.queryRow(ctx, qCloseTransfer, pgArgs{
		"organization_id": p.OrganizationID, "actor": string(p.Auth.Actor), "now": p.Now, "decline": decline,
	}).Scan(dest([]any{&found, &open, &allowed, &deleted}, t.dest())...)
	switch {
	case err != nil:
		return OwnershipTransfer{}, pgError(ctx, err)
	case !found:
		return OwnershipTransfer{}, ErrOrganizationNotFound
	case !decline && !allowed:
		return OwnershipTransfer{}, ErrPermissionDenied
	case !open:
		return OwnershipTransfer{}, ErrTransferNotFound
	case !allowed:
		return OwnershipTransfer{}, ErrPermissionDenied
	case !deleted:
		return OwnershipTransfer{}, errors.New("organizations: closing the ownership transfer changed nothing")
	}
	return t.value(), nil
}
