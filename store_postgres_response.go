package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// The statements that answer an invitation lock its row first (FOR UPDATE in the inv
// CTE): a concurrent answer waits, then reads the row as the first one left it, so an
// invitation moves out of pending once. Each returns the invitation as locked (NULLs: no
// such invitation) and what it did; the Go side turns that into the error, in the order
// the Store contract gives.

// sqlAcceptInvitation accepts a pending, unexpired invitation that the user may accept
// and makes the membership (ins), or returns the one the user already had (cur, also
// for an invitation this user accepted before). See sqlAddUser for ON CONFLICT.
//
// It locks the invitation's organization (FOR KEY SHARE, the lock the membership's
// foreign key takes anyway) before the invitation: DeleteOrganization locks the
// organization and then cascades into its invitations, so taking the two the other way
// round lets the two statements deadlock (SQLSTATE 40P01). An organization deleted
// meanwhile leaves org, and so inv, empty: its invitations are gone too.
const sqlAcceptInvitation = `
WITH org AS (
	SELECT o.id FROM {{schema}}.organizations o
	WHERE o.id = (SELECT x.organization_id FROM {{schema}}.invitations x WHERE x.token_hash = $1::bytea)
	FOR KEY SHARE
), inv AS (
	SELECT ` + invCols + ` FROM {{schema}}.invitations i
	WHERE i.token_hash = $1::bytea AND EXISTS (SELECT 1 FROM org)
	FOR UPDATE
), ok AS (
	SELECT inv.id, inv.organization_id, inv.role FROM inv
	WHERE inv.status = 'pending' AND inv.expires_at > $6::timestamptz
		AND (inv.bearer OR inv.email = $3::text) AND inv.invited_by <> $2::text
), ins AS (
	INSERT INTO {{schema}}.memberships AS m (id, organization_id, user_id, role, created_at, updated_at)
	SELECT $4::uuid, ok.organization_id, $2::text, ok.role, $5::timestamptz, $7::timestamptz FROM ok
	ON CONFLICT DO NOTHING
	RETURNING ` + memberCols + `
), cur AS (
	SELECT ` + memberCols + ` FROM {{schema}}.memberships m
	WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = $2::text
), upd AS (
	UPDATE {{schema}}.invitations AS i SET status = 'accepted', responded_at = $6::timestamptz, accepted_by = $2::text
	FROM ok WHERE i.id = ok.id
	RETURNING i.id
)
SELECT ` + invCols + `, EXISTS (SELECT 1 FROM upd), ` + memberCols + `
FROM (SELECT 1) AS one
LEFT JOIN inv AS i ON true
LEFT JOIN (SELECT * FROM ins UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM ins)) AS m ON true`

// AcceptInvitation implements Store. It is one statement, and a second only when a
// concurrent call made the user's membership an instant before (after the statement's
// snapshot).
func (s *PostgresStore) AcceptInvitation(ctx context.Context, tokenHash []byte, user UserID, email string, m OrganizationUser, now time.Time) (AcceptResult, error) {
	if err := ctx.Err(); err != nil {
		return AcceptResult{}, err
	}
	for try := 0; ; try++ {
		var r invitationRow
		var accepted bool
		var mr memberRow
		err := s.db.QueryRow(ctx, s.sql[qAcceptInvitation],
			tokenHash, string(user), email, m.ID, m.CreatedAt, now, m.UpdatedAt,
		).Scan(dest(r.dest(), []any{&accepted}, mr.dest())...)
		if err != nil {
			return AcceptResult{}, pgError(ctx, err)
		}
		if !r.ok() {
			return AcceptResult{}, ErrInvitationNotFound
		}
		inv := r.value(now)
		if accepted {
			inv.Status, inv.RespondedAt, inv.AcceptedBy = InvitationStatusAccepted, now, user
			res := AcceptResult{Invitation: inv, Accepted: true}
			if !mr.ok() {
				// The user's membership was inserted concurrently, after this
				// statement's snapshot: read it with a new one.
				got, err := s.OrganizationUser(ctx, inv.OrganizationID, user)
				if err != nil {
					// The acceptance is committed but the result cannot be given: say
					// so rather than report a change that was not made.
					return AcceptResult{}, &outcomeUnknownError{ctx: ctx.Err(), err: err}
				}
				res.Membership = got
				return res, nil
			}
			res.Membership = mr.value()
			res.MembershipCreated = res.Membership.ID == m.ID
			return res, nil
		}
		if inv.Status == InvitationStatusAccepted && inv.AcceptedBy == user {
			if mr.ok() {
				return AcceptResult{Invitation: inv, Membership: mr.value()}, nil
			}
			// The membership may have been made by a concurrent accept that committed
			// after this statement's snapshot: look again once with a new one.
			if try == 0 {
				continue
			}
		}
		switch {
		case inv.Status != InvitationStatusPending:
			return AcceptResult{}, invitationStateError(inv.Status)
		case !inv.Bearer && inv.Email != email:
			return AcceptResult{}, ErrInvitationEmailMismatch
		default:
			return AcceptResult{}, ErrPermissionDenied
		}
	}
}

// sqlDeclineInvitation declines a pending, unexpired invitation for the given email (or
// any email, if bearer).
const sqlDeclineInvitation = `
WITH inv AS (
	SELECT ` + invCols + ` FROM {{schema}}.invitations i WHERE i.token_hash = $1::bytea FOR UPDATE
), upd AS (
	UPDATE {{schema}}.invitations AS i SET status = 'declined', responded_at = $3::timestamptz
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > $3::timestamptz
		AND (inv.bearer OR inv.email = $2::text)
	RETURNING i.id
)
SELECT ` + invCols + `, true, EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true`

// DeclineInvitation implements Store.
func (s *PostgresStore) DeclineInvitation(ctx context.Context, tokenHash []byte, email string, now time.Time) (Invitation, error) {
	inv, err := s.respond(ctx, qDeclineInvitation, InvitationStatusDeclined, now, tokenHash, email, now)
	if errors.Is(err, errNotAnswered) {
		// Pending and unexpired, so the email is what refused it.
		return Invitation{}, ErrInvitationEmailMismatch
	}
	return inv, err
}

// adminInvitationCTE opens the statements an admin runs on an invitation by ID ($1) as
// actor ($2): inv locks the invitation, adm says whether actor is an admin of its
// organization.
const adminInvitationCTE = `
WITH inv AS (
	SELECT ` + invCols + ` FROM {{schema}}.invitations i WHERE i.id = $1::uuid FOR UPDATE
), adm AS (
	SELECT EXISTS (
		SELECT 1 FROM {{schema}}.memberships m, inv
		WHERE m.organization_id = inv.organization_id AND m.user_id = $2::text AND m.role = 'admin'
	) AS ok
)`

// sqlRevokeInvitation revokes a pending, unexpired invitation if actor is an admin of
// its organization.
const sqlRevokeInvitation = adminInvitationCTE + `, upd AS (
	UPDATE {{schema}}.invitations AS i SET status = 'revoked', responded_at = $3::timestamptz
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > $3::timestamptz
		AND (SELECT ok FROM adm)
	RETURNING i.id
)
SELECT ` + invCols + `, (SELECT ok FROM adm), EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true`

// RevokeInvitation implements Store.
func (s *PostgresStore) RevokeInvitation(ctx context.Context, id uuid.UUID, actor UserID, now time.Time) (Invitation, error) {
	inv, err := s.respond(ctx, qRevokeInvitation, InvitationStatusRevoked, now, id, string(actor), now)
	if errors.Is(err, errNotAnswered) {
		return Invitation{}, errors.New("organizations: RevokeInvitation changed nothing")
	}
	return inv, err
}

// errNotAnswered: the statement found the invitation pending and the caller allowed, yet
// did not answer it; the caller knows why.
var errNotAnswered = errors.New("organizations: invitation not answered")

// respond runs the decline or revoke statement q, which sets status. It returns the
// answered invitation, or the error in the contract's order: not found, not allowed,
// not pending (closed or expired as of now), else errNotAnswered.
func (s *PostgresStore) respond(ctx context.Context, q int, status InvitationStatus, now time.Time, args ...any) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var r invitationRow
	var allowed, done bool
	err := s.db.QueryRow(ctx, s.sql[q], args...).Scan(dest(r.dest(), []any{&allowed, &done})...)
	switch {
	case err != nil:
		return Invitation{}, pgError(ctx, err)
	case !r.ok():
		return Invitation{}, ErrInvitationNotFound
	case !allowed:
		return Invitation{}, ErrPermissionDenied
	}
	inv := r.value(now)
	if done {
		inv.Status, inv.RespondedAt = status, now
		return inv, nil
	}
	if err := invitationStateError(inv.Status); err != nil {
		return Invitation{}, err
	}
	return Invitation{}, errNotAnswered
}

// sqlRenewInvitation gives a pending (or expired) invitation a new token hash and expiry
// if actor is an admin and no other unexpired invitation of the email is pending. Other
// pending invitations of the email, all expired then, are marked expired first (stale,
// which the update reads so that it runs first) so that invitations_pending_key admits
// this one back to pending. Columns: the invitation as locked, actor is an admin, another
// unexpired invitation is pending, and the renewed invitation.
const sqlRenewInvitation = adminInvitationCTE + `, other AS (
	SELECT EXISTS (
		SELECT 1 FROM {{schema}}.invitations x, inv
		WHERE x.organization_id = inv.organization_id AND x.email = inv.email AND x.id <> inv.id
			AND x.status = 'pending' AND x.expires_at > $5::timestamptz
	) AS taken
), ok AS (
	SELECT inv.id, inv.organization_id, inv.email FROM inv
	WHERE inv.status IN ('pending', 'expired') AND (SELECT ok FROM adm) AND NOT (SELECT taken FROM other)
), stale AS (
	UPDATE {{schema}}.invitations AS x SET status = 'expired'
	FROM ok
	WHERE x.organization_id = ok.organization_id AND x.email = ok.email AND x.id <> ok.id
		AND x.status = 'pending' AND x.expires_at <= $5::timestamptz
	RETURNING x.id
), upd AS (
	UPDATE {{schema}}.invitations AS i SET token_hash = $3::bytea, expires_at = $4::timestamptz, status = 'pending'
	FROM ok
	WHERE i.id = ok.id AND (SELECT count(*) FROM stale) >= 0
	RETURNING ` + invCols + `
)
SELECT ` + invCols + `, (SELECT ok FROM adm), (SELECT taken FROM other),
	u.id, u.organization_id, u.email, u.role, u.invited_by, u.bearer, u.status,
	u.created_at, u.expires_at, u.responded_at, u.accepted_by
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true LEFT JOIN upd AS u ON true`

// RenewInvitation implements Store.
func (s *PostgresStore) RenewInvitation(ctx context.Context, id uuid.UUID, actor UserID, tokenHash []byte, expiresAt, now time.Time) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var r, renewed invitationRow
	var allowed, taken bool
	err := s.db.QueryRow(ctx, s.sql[qRenewInvitation], id, string(actor), tokenHash, expiresAt, now).
		Scan(dest(r.dest(), []any{&allowed, &taken}, renewed.dest())...)
	switch {
	case err != nil:
		return Invitation{}, pgError(ctx, err)
	case !r.ok():
		return Invitation{}, ErrInvitationNotFound
	case !allowed:
		return Invitation{}, ErrPermissionDenied
	case renewed.ok():
		return renewed.value(now), nil
	case r.status.String != string(InvitationStatusPending) && r.status.String != string(InvitationStatusExpired):
		return Invitation{}, ErrInvitationClosed
	case taken:
		return Invitation{}, ErrAlreadyInvited
	}
	return Invitation{}, errors.New("organizations: RenewInvitation changed nothing")
}
