package organizations

import (
	"context"
	"errors"
	"time"
)

// The statements that answer an invitation lock its row first (FOR UPDATE in the inv
// CTE): a concurrent answer waits, then reads the row as the first one left it, so an
// invitation moves out of pending once. Each returns the invitation as locked (NULLs: no
// such invitation) and what it did; the Go side turns that into the error, in the order
// the Store contract gives.

// qAcceptInvitation accepts a pending, unexpired invitation that the user may accept
// and makes the membership (ins), or returns the one the user already had (cur, also
// for an invitation this user accepted before). See qAddUser for ON CONFLICT.
//
// It locks the invitation's organization (FOR KEY SHARE, the lock the membership's
// foreign key takes anyway) before the invitation: DeleteOrganization locks the
// organization and then cascades into its invitations, so taking the two the other way
// round lets the two statements deadlock (SQLSTATE 40P01). An organization deleted
// meanwhile leaves org, and so inv, empty: its invitations are gone too.
//
// The inviter's right to grant the invitation's role is checked in the same statement:
// org is locked FOR SHARE (the owner it reads is the latest), the inviter's membership
// FOR SHARE (a removal or demotion that commits first is what grant sees) and the
// inviter's custom role and the invitation's, if custom, FOR SHARE in name order (rl:
// their latest definitions, as sqlActorPerms). The lock order is organization, invitation, membership, custom role,
// as DeleteOrganization's cascade. In its
// limited form (see seatVariants) org is locked FOR NO KEY UPDATE and the member limit
// is checked (sqlSeat); a refusal leaves the invitation pending.
var qAcceptInvitation = seatForms(func(limited bool) string {
	return `
WITH org AS (
	SELECT o.id, o.owner_id, ` + sqlSeatOrgCols + ` FROM /* TEMPLATE: schema */organizations o
	WHERE o.id = (SELECT x.organization_id FROM /* TEMPLATE: schema */invitations x WHERE x.token_hash = @token_hash::bytea)
	` + sqlSeatLock(limited) + `
), ` + sqlSeatFor(limited, false) + `, inv AS (
	SELECT ` + invCols + `, i.custom_role FROM /* TEMPLATE: schema */invitations i
	WHERE i.token_hash = @token_hash::bytea AND EXISTS (SELECT 1 FROM org)
	FOR UPDATE
), inviter AS (
	SELECT a.role FROM /* TEMPLATE: schema */memberships a
	WHERE a.organization_id = (SELECT id FROM org) AND a.user_id = (SELECT invited_by FROM inv) AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM /* TEMPLATE: schema */organization_roles c
	WHERE c.organization_id = (SELECT id FROM org) AND c.name IN ((SELECT role FROM inviter), (SELECT role FROM inv))
	ORDER BY c.name
	FOR SHARE
), inviterr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inviter)
), invp AS (` + sqlLockedRolePerms("(SELECT role FROM inviter)", "inviterr") + `
), grant_ok AS (
	SELECT COALESCE((SELECT owner_id FROM org) = (SELECT invited_by FROM inv), false)
		OR (EXISTS (SELECT 1 FROM inviter) AND '` + string(PermInvitationsCreate) + `' IN (SELECT p FROM invp)
			AND NOT EXISTS ((` + rlPerms("(SELECT role FROM inv)") + `) EXCEPT SELECT p FROM invp)) AS ok
), was AS (
	SELECT EXISTS (SELECT 1 FROM /* TEMPLATE: schema */memberships m
		WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text) AS member
), ok AS (
	SELECT inv.id, inv.organization_id, inv.role, inv.custom_role FROM inv
	WHERE inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (inv.bearer OR inv.email = @email::text) AND inv.invited_by <> @user_id::text AND (SELECT ok FROM grant_ok)
		AND ((SELECT member FROM was) OR ` + sqlSeatOK + `)
), ins AS (
	INSERT INTO /* TEMPLATE: schema */memberships AS m (id, organization_id, user_id, role, custom_role, created_at, updated_at)
	SELECT @membership_id::uuid, ok.organization_id, @user_id::text, ok.role, ok.custom_role,
		@membership_created_at::timestamptz, @membership_updated_at::timestamptz FROM ok
	ON CONFLICT DO NOTHING
	RETURNING ` + memberCols + `
), cur AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text
), mem AS (
	SELECT * FROM ins UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM ins)
), upd AS (
	UPDATE /* TEMPLATE: schema */invitations AS i
	SET status = 'accepted', responded_at = @now::timestamptz, accepted_by = @user_id::text, custom_role = NULL
	FROM ok WHERE i.id = ok.id AND EXISTS (SELECT 1 FROM mem)
	RETURNING ` + invCols + `
), ` + sqlSeatBumpFor(limited, "ins") + `, ` + sqlRecord(
		sqlEvent(1, InvitationAccepted{}.EventName(), "i.organization_id", "@user_id::text", "m.user_id",
			sqlEventData("@user_id::text", "'invitation', "+sqlInvJSON("i"), "'organization_user', "+sqlMemberJSON("m")), "upd AS i, mem AS m"),
		sqlEvent(2, UserAdded{}.EventName(), "m.organization_id", "@user_id::text", "m.user_id",
			sqlEventData("@user_id::text", "'organization_user', "+sqlMemberJSON("m")), "ins AS m, upd")) + `
SELECT ` + invCols + `, EXISTS (SELECT 1 FROM upd), COALESCE((SELECT ok FROM grant_ok), false),
	EXISTS (SELECT 1 FROM ok) AND NOT EXISTS (SELECT 1 FROM mem),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false), ` + memberCols + `
FROM (SELECT 1) AS one
LEFT JOIN inv AS i ON true
LEFT JOIN mem AS m ON true`
})

// acceptAttempts bounds how often AcceptInvitation runs its statement: a second time only
// when the first one's snapshot predates the membership a concurrent accept made.
const acceptAttempts = 2

// AcceptInvitation implements Store. It is one statement, and a second only when a
// concurrent call made the user's membership an instant before (after the statement's
// snapshot).
func (s *PostgresStore) AcceptInvitation(ctx context.Context, p AcceptInvitationParams) (AcceptResult, error) {
	if err := ctx.Err(); err != nil {
		return AcceptResult{}, err
	}
	limited := 0
	for attempt := 1; ; attempt++ {
		res, again, err := s.acceptInvitationOnce(ctx, p, &limited)
		if !again || attempt == acceptAttempts+maxSeatRaces {
			return res, err
		}
	}
}

// acceptInvitationOnce runs qAcceptInvitation once and returns what it did, or the error
// in the Store contract's order. again reports that the user had already accepted the
// invitation but the statement's snapshot shows no membership: the accept that made it
// committed after the snapshot, and a new statement will see it (err is what to report
// if no attempt is left).
//
// limited is the form of the statement to run (see seatVariants); the unlimited form
// finding a limited organization sets it to the limited one and asks for another run.
func (s *PostgresStore) acceptInvitationOnce(ctx context.Context, p AcceptInvitationParams, limited *int) (res AcceptResult, again bool, err error) {
	var r invitationRow
	var accepted, granted, raced, free, stale bool
	var mr memberRow
	pol := pgPolicyOf(p.Auth.Policy)
	err = s.queryRow(ctx, qAcceptInvitation[*limited], pgArgs{
		"token_hash": p.TokenHash, "user_id": string(p.Auth.Actor), "email": p.Email, "now": p.Now,
		"membership_id": p.Membership.ID, "membership_created_at": p.Membership.CreatedAt,
		"membership_updated_at": p.Membership.UpdatedAt,
		"pol_roles":             pol.roles, "pol_perms": pol.perms,
	}).Scan(dest(r.dest(), []any{&accepted, &granted, &raced, &free, &stale}, mr.dest())...)
	if err != nil {
		return AcceptResult{}, false, pgError(ctx, err)
	}
	if !r.ok() {
		return AcceptResult{}, false, ErrInvitationNotFound
	}
	inv := r.value(p.Now)
	switch {
	case raced:
		// The user's membership was inserted concurrently, after this statement's
		// snapshot, so the statement accepted nothing (its event needs the membership):
		// a new statement will see it.
		return AcceptResult{}, true, errors.New("organizations: AcceptInvitation: the membership kept changing concurrently")
	case accepted:
		inv.Status, inv.RespondedAt, inv.AcceptedBy = InvitationStatusAccepted, p.Now, p.Auth.Actor
		res := AcceptResult{Invitation: inv, Accepted: true}
		if !mr.ok() {
			// The user's membership was inserted concurrently, after this statement's
			// snapshot: read it with a new one, on the primary.
			res.Membership, err = s.OrganizationUser(WithConsistency(ctx, FullConsistency()), inv.OrganizationID, p.Auth.Actor)
			if err != nil {
				// The acceptance is committed but the result cannot be given: say so
				// rather than report a change that was not made.
				return AcceptResult{}, false, &outcomeUnknownError{ctx: ctx.Err(), err: err}
			}
			return res, false, nil
		}
		res.Membership = mr.value()
		res.MembershipCreated = res.Membership.ID == p.Membership.ID
		return res, false, nil
	case inv.Status == InvitationStatusAccepted && inv.AcceptedBy == p.Auth.Actor && mr.ok():
		return AcceptResult{Invitation: inv, Membership: mr.value()}, false, nil
	case inv.Status == InvitationStatusAccepted && inv.AcceptedBy == p.Auth.Actor:
		return AcceptResult{}, true, inv.Status.Err()
	case inv.Status.Err() != nil:
		return AcceptResult{}, false, inv.Status.Err()
	case !inv.Bearer && inv.Email != p.Email:
		return AcceptResult{}, false, ErrInvitationEmailMismatch
	case inv.InvitedBy == p.Auth.Actor:
		return AcceptResult{}, false, ErrPermissionDenied
	case !granted:
		return AcceptResult{}, false, ErrInviterNotAllowed
	case *limited == 0 && !free:
		*limited = 1 // the organization has a limit: count under its lock
		return AcceptResult{}, true, ErrMemberLimit
	case stale:
		// A concurrent addition to the limited organization committed after this
		// statement's snapshot: count again.
		return AcceptResult{}, true, ErrMemberLimit
	case !free:
		return AcceptResult{}, false, ErrMemberLimit // the invitation stays pending
	}
	return AcceptResult{}, false, errors.New("organizations: AcceptInvitation changed nothing")
}

// qDeclineInvitation declines a pending, unexpired invitation for the given email (or
// any email, if bearer).
var qDeclineInvitation = pgStatement(`
WITH inv AS (
	SELECT ` + invCols + ` FROM /* TEMPLATE: schema */invitations i WHERE i.token_hash = @token_hash::bytea FOR UPDATE
), upd AS (
	UPDATE /* TEMPLATE: schema */invitations AS i SET status = 'declined', responded_at = @now::timestamptz, custom_role = NULL
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (inv.bearer OR inv.email = @email::text)
	RETURNING ` + invCols + `
), ` + sqlRecord(sqlEvent(1, InvitationDeclined{}.EventName(), "i.organization_id", "''", "NULL",
	sqlEventData("", "'invitation', "+sqlInvJSON("i")), "upd AS i")) + `
SELECT ` + invCols + `, true, EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true`)

// DeclineInvitation implements Store.
func (s *PostgresStore) DeclineInvitation(ctx context.Context, p DeclineInvitationParams) (Invitation, error) {
	inv, err := s.respond(ctx, qDeclineInvitation, InvitationStatusDeclined, p.Now,
		pgArgs{"token_hash": p.TokenHash, "email": p.Email, "now": p.Now})
	if errors.Is(err, errNotAnswered) {
		// Pending and unexpired, so the email is what refused it.
		return Invitation{}, ErrInvitationEmailMismatch
	}
	return inv, err
}

// adminInvitationCTE opens the statements an actor runs on an invitation by ID (@id):
// org locks its organization (FOR NO KEY UPDATE: renewing an expired invitation takes a
// seat, see sqlSeat), inv the invitation, the actor's membership is
// locked by sqlActor, and adm says whether the actor holds PermInvitationsRevoke. The
// lock order is organization, invitation, membership: DeleteOrganization's.
var adminInvitationCTE = `
WITH org AS (
	SELECT o.id, o.owner_id, ` + sqlSeatOrgCols + ` FROM /* TEMPLATE: schema */organizations o
	WHERE o.id = (SELECT x.organization_id FROM /* TEMPLATE: schema */invitations x WHERE x.id = @id::uuid)
	FOR NO KEY UPDATE
), inv AS (
	SELECT ` + invCols + ` FROM /* TEMPLATE: schema */invitations i WHERE i.id = @id::uuid AND EXISTS (SELECT 1 FROM org) FOR UPDATE
), ` + sqlActor("(SELECT id FROM org)", "(SELECT role FROM inv)") + `, adm AS (
	SELECT @actor::text <> '' AND ` + sqlAllowed("'"+string(PermInvitationsRevoke)+"'") + ` AS ok
)`

// qRevokeInvitation revokes a pending, unexpired invitation if actor is an admin of
// its organization.
var qRevokeInvitation = pgStatement(adminInvitationCTE + `, upd AS (
	UPDATE /* TEMPLATE: schema */invitations AS i SET status = 'revoked', responded_at = @now::timestamptz, custom_role = NULL
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (SELECT ok FROM adm)
	RETURNING ` + invCols + `
), ` + sqlRecord(sqlEvent(1, InvitationRevoked{}.EventName(), "i.organization_id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'invitation', "+sqlInvJSON("i")), "upd AS i")) + `
SELECT ` + invCols + `, (SELECT ok FROM adm), EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true`)

// RevokeInvitation implements Store.
func (s *PostgresStore) RevokeInvitation(ctx context.Context, p RevokeInvitationParams) (Invitation, error) {
	inv, err := s.respond(ctx, qRevokeInvitation, InvitationStatusRevoked, p.Now,
		authArgs(qRevokeInvitation, pgArgs{"id": p.InvitationID, "now": p.Now}, p.Auth.Actor, p.Auth.Policy))
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
func (s *PostgresStore) respond(ctx context.Context, q pgQuery, status InvitationStatus, now time.Time, args pgArgs) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var r invitationRow
	var allowed, done bool
	err := s.queryRow(ctx, q, args).Scan(dest(r.dest(), []any{&allowed, &done})...)
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
	if err := inv.Status.Err(); err != nil {
		return Invitation{}, err
	}
	return Invitation{}, errNotAnswered
}

// qRenewInvitation gives a pending (or expired) invitation a new token hash and expiry,
// and makes the actor its inviter, if actor is an admin (adm), may invite with the
// invitation's role (gr: PermInvitationsCreate, the role within the actor's permissions,
// decided on the membership sqlActor locked), and no other unexpired invitation of the
// email is pending. Other pending invitations of the email, all expired then, are marked
// expired first (stale, which the update reads so that it runs first) so that
// invitations_pending_key admits this one back to pending. orgrow reads the organization
// for the invitation message, through a lock on the row org locked, so that it is the
// latest version even after a lock wait. Columns: the invitation as locked, actor is an
// admin, may invite, covers the role, another unexpired invitation is pending, the seat
// columns, the renewed invitation, and its organization.
var qRenewInvitation = pgStatement(adminInvitationCTE + `, ` + sqlSeat(true) + `, gr AS (
	SELECT ` + sqlAllowed("'"+string(PermInvitationsCreate)+"'") + ` AS allowed,
		` + sqlCovers(rlPerms("(SELECT role FROM inv)")) + ` AS covered
), other AS (
	SELECT EXISTS (
		SELECT 1 FROM /* TEMPLATE: schema */invitations x, inv
		WHERE x.organization_id = inv.organization_id AND x.email = inv.email AND x.id <> inv.id
			AND x.status = 'pending' AND x.expires_at > @now::timestamptz
	) AS taken
), held AS (
	SELECT EXISTS (SELECT 1 FROM inv WHERE inv.status = 'pending' AND inv.expires_at > @now::timestamptz) AS seat
), ok AS (
	SELECT inv.id, inv.organization_id, inv.email FROM inv
	WHERE inv.status IN ('pending', 'expired') AND (SELECT ok FROM adm) AND (SELECT allowed AND covered FROM gr)
		AND NOT (SELECT taken FROM other) AND ((SELECT seat FROM held) OR ` + sqlSeatOK + `)
), stale AS (
	UPDATE /* TEMPLATE: schema */invitations AS x SET status = 'expired'
	FROM ok
	WHERE x.organization_id = ok.organization_id AND x.email = ok.email AND x.id <> ok.id
		AND x.status = 'pending' AND x.expires_at <= @now::timestamptz
	RETURNING x.id
), upd AS (
	UPDATE /* TEMPLATE: schema */invitations AS i SET token_hash = @token_hash::bytea, expires_at = @expires_at::timestamptz,
		status = 'pending', invited_by = @actor::text
	FROM ok
	WHERE i.id = ok.id AND (SELECT count(*) FROM stale) >= 0
	RETURNING ` + invCols + `
), orgrow AS (
	SELECT ` + orgCols + ` FROM /* TEMPLATE: schema */organizations o WHERE o.id = (SELECT id FROM org) FOR NO KEY UPDATE
), ` + sqlSeatBump("upd WHERE NOT (SELECT seat FROM held)") + `
SELECT ` + invCols + `, (SELECT ok FROM adm), COALESCE((SELECT allowed FROM gr), false), COALESCE((SELECT covered FROM gr), false),
	(SELECT taken FROM other), COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	u.id, u.organization_id, u.email, u.role, u.invited_by, u.bearer, u.status,
	u.created_at, u.expires_at, u.responded_at, u.accepted_by,
	` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true LEFT JOIN upd AS u ON true LEFT JOIN orgrow AS o ON true`)

// RenewInvitation implements Store.
func (s *PostgresStore) RenewInvitation(ctx context.Context, p RenewInvitationParams) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	for range maxSeatRaces {
		var r, renewed invitationRow
		var org orgRow
		var allowed, granted, covered, taken, free, stale bool
		err := s.queryRow(ctx, qRenewInvitation, authArgs(qRenewInvitation, pgArgs{
			"id": p.InvitationID, "token_hash": p.TokenHash, "expires_at": p.ExpiresAt, "now": p.Now,
		}, p.Auth.Actor, p.Auth.Policy)).
			Scan(dest(r.dest(), []any{&allowed, &granted, &covered, &taken, &free, &stale}, renewed.dest(), org.dest())...)
		switch {
		case err != nil:
			return InvitationDetails{}, pgError(ctx, err)
		case !r.ok():
			return InvitationDetails{}, ErrInvitationNotFound
		case !allowed || !granted:
			return InvitationDetails{}, ErrPermissionDenied
		case renewed.ok():
			return InvitationDetails{Invitation: renewed.value(p.Now), Organization: org.value()}, nil
		case r.status.String != string(InvitationStatusPending) && r.status.String != string(InvitationStatusExpired):
			return InvitationDetails{}, ErrInvitationClosed
		case !covered:
			return InvitationDetails{}, ErrEscalation
		case taken:
			return InvitationDetails{}, ErrAlreadyInvited
		case stale:
			continue // a concurrent addition committed after this statement's snapshot
		case !free:
			return InvitationDetails{}, ErrMemberLimit
		}
		return InvitationDetails{}, errors.New("organizations: RenewInvitation changed nothing")
	}
	return InvitationDetails{}, errSeatRaces
}
