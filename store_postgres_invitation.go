package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// sqlCreateInvitation inserts a pending invitation if the inviter is an admin. An expired
// pending invitation of the same email is first marked expired (the stale CTE, which the
// insert reads so that it runs first), taking it out of invitations_pending_key; an
// unexpired one, or a concurrent insert, makes the insert do nothing. Columns: the
// organization exists, the inviter is an admin, the invitation was inserted, and the
// organization (for the invitation message, so that Invite needs no second statement).
//
// org locks the organization (FOR KEY SHARE, as the new row's foreign key does anyway)
// before stale locks an invitation: DeleteOrganization takes the two the other way round
// (the organization, then its invitations by cascade), and opposite orders deadlock.
const sqlCreateInvitation = `
WITH org AS (
	SELECT ` + orgCols + `, EXISTS (
		SELECT 1 FROM {{schema}}.memberships m
		WHERE m.organization_id = o.id AND m.user_id = $5::text AND m.role = 'admin'
	) AS admin
	FROM {{schema}}.organizations o WHERE o.id = $2::uuid
	FOR KEY SHARE OF o
), stale AS (
	UPDATE {{schema}}.invitations AS i SET status = 'expired'
	WHERE i.organization_id = $2::uuid AND i.email = $3::text AND i.status = 'pending'
		AND i.expires_at <= $10::timestamptz AND (SELECT admin FROM org)
	RETURNING i.id
), ins AS (
	INSERT INTO {{schema}}.invitations
		(id, organization_id, email, role, invited_by, bearer, status, token_hash, created_at, expires_at)
	SELECT $1::uuid, org.id, $3::text, $4::text, $5::text, $6::boolean, 'pending', $7::bytea,
		$8::timestamptz, $9::timestamptz
	FROM org WHERE org.admin AND (SELECT count(*) FROM stale) >= 0
	ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
	RETURNING id
)
SELECT EXISTS (SELECT 1 FROM org), COALESCE((SELECT admin FROM org), false), EXISTS (SELECT 1 FROM ins),
	` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN org AS o ON true`

// CreateInvitation implements Store.
func (s *PostgresStore) CreateInvitation(ctx context.Context, inv Invitation, tokenHash []byte, now time.Time) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	var found, admin, inserted bool
	var org orgRow
	err := s.db.QueryRow(ctx, s.sql[qCreateInvitation],
		inv.ID, inv.OrganizationID, inv.Email, string(inv.Role), string(inv.InvitedBy), inv.Bearer,
		tokenHash, inv.CreatedAt, inv.ExpiresAt, now,
	).Scan(dest([]any{&found, &admin, &inserted}, org.dest())...)
	switch {
	case err != nil:
		return Organization{}, pgError(ctx, err)
	case !found:
		return Organization{}, ErrOrganizationNotFound
	case !admin:
		return Organization{}, ErrPermissionDenied
	case !inserted:
		return Organization{}, ErrAlreadyInvited
	}
	return org.value(), nil
}

const sqlInvitationByHash = `SELECT ` + invCols + ` FROM {{schema}}.invitations i WHERE i.token_hash = $1::bytea`

const sqlInvitationByID = `SELECT ` + invCols + ` FROM {{schema}}.invitations i WHERE i.id = $1::uuid`

// InvitationByTokenHash implements Store.
func (s *PostgresStore) InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Invitation, error) {
	return s.invitationRow(ctx, qInvitationByHash, tokenHash, now)
}

// Invitation implements Store.
func (s *PostgresStore) Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error) {
	return s.invitationRow(ctx, qInvitationByID, id, now)
}

func (s *PostgresStore) invitationRow(ctx context.Context, q int, key any, now time.Time) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var r invitationRow
	err := s.db.QueryRow(ctx, s.sql[q], key).Scan(r.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Invitation{}, ErrInvitationNotFound
	case err != nil:
		return Invitation{}, pgReadError(ctx, err)
	}
	return r.value(now), nil
}

// invitationStateError is the error for acting on an invitation whose status as of now
// is st: nil if pending.
func invitationStateError(st InvitationStatus) error {
	switch st {
	case InvitationStatusPending:
		return nil
	case InvitationStatusExpired:
		return ErrInvitationExpired
	default:
		return ErrInvitationClosed
	}
}

// sqlPendingInvitations returns the page, one row of NULLs for an empty page, or no row
// for no organization. Served by invitations_organization_id_idx.
const sqlPendingInvitations = `
SELECT ` + invCols + `
FROM {{schema}}.organizations o
LEFT JOIN LATERAL (
	SELECT ` + invCols + ` FROM {{schema}}.invitations i
	WHERE i.organization_id = $1::uuid AND i.id > $2::uuid AND i.status = 'pending' AND i.expires_at > $4::timestamptz
	ORDER BY i.id LIMIT $3::bigint
) AS i ON true
WHERE o.id = $1::uuid
ORDER BY i.id`

// PendingInvitations implements Store.
func (s *PostgresStore) PendingInvitations(ctx context.Context, org uuid.UUID, after uuid.UUID, limit int, now time.Time) ([]Invitation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, n, err := s.invitations(ctx, qPendingInvitations, now, org, after, limit, now)
	if err == nil && n == 0 {
		return nil, ErrOrganizationNotFound
	}
	return out, err
}

// sqlInvitationsForEmail is served by invitations_email_id_idx.
const sqlInvitationsForEmail = `
SELECT ` + invCols + ` FROM {{schema}}.invitations i
WHERE i.email = $1::text AND i.status = 'pending' AND i.expires_at > $2::timestamptz
ORDER BY i.id`

// InvitationsForEmail implements Store.
func (s *PostgresStore) InvitationsForEmail(ctx context.Context, email string, now time.Time) ([]Invitation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, _, err := s.invitations(ctx, qInvitationsForEmail, now, email, now)
	return out, err
}

// invitations runs statement q and returns its invitations and how many rows it had
// (rows of NULLs included).
func (s *PostgresStore) invitations(ctx context.Context, q int, now time.Time, args ...any) ([]Invitation, int64, error) {
	rows, err := s.db.Query(ctx, s.sql[q], args...)
	if err != nil {
		return nil, 0, pgReadError(ctx, err)
	}
	out := []Invitation{}
	var r invitationRow
	var n int64
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		n++
		if r.ok() {
			out = append(out, r.value(now))
		}
		return nil
	})
	if err != nil {
		return nil, 0, pgReadError(ctx, err)
	}
	return out, n, nil
}

const sqlDeleteInvitation = `DELETE FROM {{schema}}.invitations WHERE id = $1::uuid`

// DeleteInvitation implements Store.
func (s *PostgresStore) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, s.sql[qDeleteInvitation], id)
	return pgError(ctx, err)
}
