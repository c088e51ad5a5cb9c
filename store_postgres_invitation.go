package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// qCreateInvitation inserts a pending invitation if the inviter (@actor) may invite with
// the role (PermInvitationsCreate; a known role within the inviter's permissions). An expired
// pending invitation of the same email is first marked expired (the stale CTE, which the
// insert reads so that it runs first), taking it out of invitations_pending_key; an
// unexpired one, or a concurrent insert, makes the insert do nothing. Columns: the
// organization exists, the inviter may invite, the role is known, within the inviter's
// permissions, the invitation was inserted, and the organization (for the invitation
// message, so that Invite needs no second statement).
//
// org locks the organization (FOR SHARE: the owner it reads is the latest) before the
// inviter's membership and before stale locks an invitation: DeleteOrganization takes
// them the other way round (the organization, then its memberships and invitations by
// cascade), and opposite orders deadlock.
var qCreateInvitation = seatForms(func(limited bool) string {
	return `
WITH org AS (
	SELECT ` + orgCols + `, o.owner_id, o.seat_seq
	FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid
	` + sqlSeatLock(limited) + ` OF o
), ` + sqlSeatFor(limited, true) + `, ` + sqlActor("@organization_id::uuid", "@role::text") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermInvitationsCreate)+"'") + ` AND @actor::text <> '' AS allowed,
		` + sqlKnownLocked + ` AS known,
		` + sqlCovers(rlPerms("@role::text")) + ` AS covered
), ok AS (
	SELECT (allowed AND known AND covered) AS admin FROM chk
), stale AS (
	UPDATE /* TEMPLATE: schema */invitations AS i SET status = 'expired'
	WHERE i.organization_id = @organization_id::uuid AND i.email = @email::text AND i.status = 'pending'
		AND i.expires_at <= @now::timestamptz AND (SELECT admin FROM ok)
	RETURNING i.id
), ins AS (
	INSERT INTO /* TEMPLATE: schema */invitations AS i
		(id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
	SELECT @id::uuid, org.id, @email::text, @role::text, ` + sqlCustomRole("@role::text") + `, @actor::text, @bearer::boolean,
		'pending', @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz
	FROM org, ok WHERE ok.admin AND (SELECT count(*) FROM stale) >= 0 AND ` + sqlSeatOK + `
	ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
	RETURNING ` + invCols + `
), ` + sqlSeatBumpFor(limited, "ins") + `, ` + sqlRecord(sqlEventID(1, "i.id", InvitationCreated{}.EventName(), "i.organization_id", "@actor::text", "NULL",
		sqlEventData("@actor::text", "'invitation', "+sqlInvJSON("i")), "ins AS i")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.known, chk.covered, EXISTS (SELECT 1 FROM ins),
	EXISTS (SELECT 1 FROM /* TEMPLATE: schema */invitations i WHERE i.organization_id = @organization_id::uuid
		AND i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	` + orgCols + `
FROM chk LEFT JOIN org AS o ON true`
})

// CreateInvitation implements Store.
func (s *PostgresStore) CreateInvitation(ctx context.Context, p CreateInvitationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	inv := p.Invitation
	limited := 0
	for range maxSeatRaces {
		var found, allowed, known, covered, inserted, invited, free, stale bool
		var org orgRow
		q := qCreateInvitation[limited]
		err := s.queryRow(ctx, q, authArgs(q, pgArgs{
			"id": inv.ID, "organization_id": inv.OrganizationID, "email": inv.Email, "role": string(inv.Role),
			"bearer": inv.Bearer, "token_hash": p.TokenHash,
			"created_at": inv.CreatedAt, "expires_at": inv.ExpiresAt, "now": p.Now,
		}, p.Auth.Actor, p.Auth.Policy)).Scan(dest([]any{&found, &allowed, &known, &covered, &inserted, &invited, &free, &stale}, org.dest())...)
		switch {
		case err != nil:
			return Organization{}, pgError(ctx, err)
		case !found:
			return Organization{}, ErrOrganizationNotFound
		case !allowed:
			return Organization{}, ErrPermissionDenied
		case !known:
			return Organization{}, ErrInvalidRole
		case !covered:
			return Organization{}, ErrEscalation
		case inserted:
			return org.value(), nil
		case invited:
			return Organization{}, ErrAlreadyInvited
		case limited == 0 && !free:
			limited = 1 // the organization has a limit: count under its lock
			continue
		case stale:
			continue // a concurrent addition committed after this statement's snapshot
		case !free:
			return Organization{}, ErrMemberLimit
		}
		return Organization{}, ErrAlreadyInvited // invited concurrently, after the snapshot
	}
	return Organization{}, errSeatRaces
}

// qInvitationByHash reads the invitation with its organization, served by
// invitations_token_hash_key and organizations_pkey.
var qInvitationByHash = pgStatement(`
SELECT ` + invCols + `, ` + orgCols + `
FROM /* TEMPLATE: schema */invitations i
JOIN /* TEMPLATE: schema */organizations o ON o.id = i.organization_id
WHERE i.token_hash = @token_hash::bytea`)

var qInvitationByID = pgStatement(`SELECT ` + invCols + ` FROM /* TEMPLATE: schema */invitations i WHERE i.id = @id::uuid`)

// InvitationByTokenHash implements Store.
func (s *PostgresStore) InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	var inv invitationRow
	var org orgRow
	err := s.queryRow(ctx, qInvitationByHash, pgArgs{"token_hash": tokenHash}).Scan(dest(inv.dest(), org.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return InvitationDetails{}, ErrInvitationNotFound
	case err != nil:
		return InvitationDetails{}, pgError(ctx, err)
	}
	return InvitationDetails{Invitation: inv.value(now), Organization: org.value()}, nil
}

// Invitation implements Store.
func (s *PostgresStore) Invitation(ctx context.Context, id uuid.UUID, now time.Time) (Invitation, error) {
	return s.invitationRow(ctx, qInvitationByID, pgArgs{"id": id}, now)
}

// invitationRow runs statement q, which returns at most one invitation, and returns it
// with its status as of now.
func (s *PostgresStore) invitationRow(ctx context.Context, q pgQuery, args pgArgs, now time.Time) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var r invitationRow
	err := s.queryRow(ctx, q, args).Scan(r.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Invitation{}, ErrInvitationNotFound
	case err != nil:
		return Invitation{}, pgReadError(ctx, err)
	}
	return r.value(now), nil
}

// qPendingInvitations returns the page, one row of NULLs for an empty page, or no row
// for no organization. Served by invitations_organization_id_idx.
var qPendingInvitations = pgStatement(`
SELECT ` + invCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN LATERAL (
	SELECT ` + invCols + ` FROM /* TEMPLATE: schema */invitations i
	WHERE i.organization_id = @organization_id::uuid AND i.id > @after::uuid AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	ORDER BY i.id LIMIT @limit::bigint
) AS i ON true
WHERE o.id = @organization_id::uuid
ORDER BY i.id`)

// PendingInvitations implements Store.
func (s *PostgresStore) PendingInvitations(ctx context.Context, p PendingInvitationsParams) ([]Invitation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, n, err := s.invitations(ctx, qPendingInvitations, p.Now, pgArgs{
		"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit, "now": p.Now,
	})
	if err == nil && n == 0 {
		return nil, ErrOrganizationNotFound
	}
	return out, err
}

// qInvitationsForEmail reads the invitations with their organizations, served by
// invitations_email_id_idx and organizations_pkey.
var qInvitationsForEmail = pgStatement(`
SELECT ` + invCols + `, ` + orgCols + `
FROM /* TEMPLATE: schema */invitations i
JOIN /* TEMPLATE: schema */organizations o ON o.id = i.organization_id
WHERE i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz
ORDER BY i.id`)

// InvitationsForEmail implements Store.
func (s *PostgresStore) InvitationsForEmail(ctx context.Context, email string, now time.Time) ([]InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, qInvitationsForEmail, pgArgs{"email": email, "now": now})
	if err != nil {
		return nil, pgError(ctx, err)
	}
	out := []InvitationDetails{}
	var inv invitationRow
	var org orgRow
	_, err = pgx.ForEachRow(rows, dest(inv.dest(), org.dest()), func() error {
		out = append(out, InvitationDetails{Invitation: inv.value(now), Organization: org.value()})
		return nil
	})
	if err != nil {
		return nil, pgError(ctx, err)
	}
	return out, nil
}

// invitations runs statement q and returns its invitations, with their status as of now,
// and how many rows it had (rows of NULLs included).
func (s *PostgresStore) invitations(ctx context.Context, q pgQuery, now time.Time, args pgArgs) ([]Invitation, int64, error) {
	rows, err := s.query(ctx, q, args)
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

// qDeleteInvitation deletes the invitation and its InvitationCreated record (whose ID is
// the invitation's): DeleteInvitation undoes an Invite whose message was not sent. The
// record is found through organization_events_org_idx.
var qDeleteInvitation = pgStatement(`
WITH del AS (
	DELETE FROM /* TEMPLATE: schema */invitations i WHERE i.id = @id::uuid RETURNING i.organization_id
)
DELETE FROM /* TEMPLATE: schema */organization_events e USING del
WHERE e.organization_id = del.organization_id AND e.id = @id::uuid AND e.type = '` + InvitationCreated{}.EventName() + `'`)

// DeleteInvitation implements Store. It deletes the invitation's InvitationCreated record
// with it: the Invite it undoes emitted no event. A relay may have delivered the record
// in the moment between the two.
func (s *PostgresStore) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.exec(ctx, qDeleteInvitation, pgArgs{"id": id})
	return pgError(ctx, err)
}
