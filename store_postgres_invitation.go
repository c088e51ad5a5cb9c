package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// qCreateInvitation is CreateInvitation: one call of organizations_create_invitation
// (migration 0014), which locks the organization (FOR SHARE, or FOR NO KEY UPDATE in
// its limited form), the inviter's membership and the custom roles of the inviter and
// of the role given, then decides on them as locked (PermInvitationsCreate, the role
// known and within the inviter's permissions, no unexpired invitation of the email
// pending, a seat free for it under a member limit) and inserts the invitation with its
// record, an expired pending invitation of the email marked expired first. The
// organization follows the outcome, for the invitation message, so that Invite needs
// no second statement.
var qCreateInvitation = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create_invitation(
	@id::uuid, @organization_id::uuid, @email::text, @role::text, @bearer::boolean, @token_hash::bytea,
	@created_at::timestamptz, @expires_at::timestamptz, @now::timestamptz, @limited::boolean,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean)`)

// qCreateTeamInvitation is CreateInvitation of an invitation naming teams: one call of
// organizations_create_team_invitation (migration 0015), qCreateInvitation's function
// with the teams locked (FOR KEY SHARE, in ID order) and checked too (PermTeamsManage,
// each a team of the organization, each team role within the inviter's permissions in
// its team), and the invitation's teams written with it.
var qCreateTeamInvitation = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create_team_invitation(
	@id::uuid, @organization_id::uuid, @email::text, @role::text, @bearer::boolean, @token_hash::bytea,
	@created_at::timestamptz, @expires_at::timestamptz, @now::timestamptz, @limited::boolean,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean,
	@team_ids::text[]::uuid[], @team_invite_roles::text[], @team_perm::text, @team_roles::text[], @team_perms::text[])`)

// teamInviteArgs are the arrays of an invitation's teams: IDs (as text, which every
// exec mode encodes) and team roles ("" for none).
func teamInviteArgs(teams []TeamInvite) (ids, roles []string) {
	ids, roles = make([]string, 0, len(teams)), make([]string, 0, len(teams))
	for _, t := range teams {
		ids, roles = append(ids, t.TeamID.String()), append(roles, string(t.Role))
	}
	return ids, roles
}

// CreateInvitation implements Store. Its first call locks the organization row FOR
// SHARE; if the organization has a member limit (outcome limited), a second locks it
// FOR NO KEY UPDATE and counts, and the store remembers the organization, as AddUser
// does.
func (s *PostgresStore) CreateInvitation(ctx context.Context, p CreateInvitationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	inv, pp := p.Invitation, pgPolicyOf(p.Auth.Policy)
	args := s.writeAuthArgs(pgArgs{
		"id": inv.ID, "organization_id": inv.OrganizationID, "email": inv.Email, "role": string(inv.Role),
		"bearer": inv.Bearer, "token_hash": p.TokenHash,
		"created_at": inv.CreatedAt, "expires_at": inv.ExpiresAt, "now": p.Now, "limited": false,
		"pol_declared": pp.declared,
	}, p.Auth, PermInvitationsCreate)
	if _, ok := s.limited.Load(inv.OrganizationID); ok {
		args["limited"] = true
	}
	q := qCreateInvitation
	if len(inv.Teams) > 0 {
		q = qCreateTeamInvitation
		args["team_ids"], args["team_invite_roles"] = teamInviteArgs(inv.Teams)
		args["team_perm"], args["team_roles"], args["team_perms"] = string(PermTeamsManage), pp.teamRoles, pp.teamPerms
	}
	for {
		var outcome string
		var org orgRow
		if err := s.queryRow(ctx, q, args).Scan(dest([]any{&outcome}, org.dest())...); err != nil {
			return Organization{}, pgError(ctx, err)
		}
		if outcome == "limited" && args["limited"] == false {
			args["limited"] = true // the organization has a member limit: count under its lock
			s.limited.Store(inv.OrganizationID, struct{}{})
			continue
		}
		if err := pgOutcome(outcome); err != nil {
			return Organization{}, err
		}
		return org.value(), nil
	}
}

// qInvitationByHash reads the invitation with its organization, served by
// invitations_token_hash_key and organizations_pkey.
var qInvitationByHash = pgStatement(`
SELECT ` + invCols + `, ` + invTeamsCol + `, ` + orgCols + `
FROM /* TEMPLATE: schema */invitations i
JOIN /* TEMPLATE: schema */organizations o ON o.id = i.organization_id
WHERE i.token_hash = @token_hash::bytea`)

var qInvitationByID = pgStatement(`SELECT ` + invCols + `, ` + invTeamsCol + ` FROM /* TEMPLATE: schema */invitations i WHERE i.id = @id::uuid`)

// InvitationByTokenHash implements Store.
func (s *PostgresStore) InvitationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (InvitationDetails, error) {
	if err := ctx.Err(); err != nil {
		return InvitationDetails{}, err
	}
	var inv invitationRow
	var org orgRow
	err := s.queryRow(ctx, qInvitationByHash, pgArgs{"token_hash": tokenHash}).Scan(dest(inv.destTeams(), org.dest())...)
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
	err := s.queryRow(ctx, q, args).Scan(r.destTeams()...)
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
SELECT ` + invCols + `, ` + invTeamsCol + orgPage("i", `
	SELECT `+invCols+` FROM /* TEMPLATE: schema */invitations i
	WHERE i.organization_id = @organization_id::uuid AND i.id > @after::uuid AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	ORDER BY i.id LIMIT @limit::bigint`))

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
SELECT ` + invCols + `, ` + invTeamsCol + `, ` + orgCols + `
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
	_, err = pgx.ForEachRow(rows, dest(inv.destTeams(), org.dest()), func() error {
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
	_, err = pgx.ForEachRow(rows, r.destTeams(), func() error {
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
