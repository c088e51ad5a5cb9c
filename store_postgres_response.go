package organizations

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The answers to an invitation are calls of the write functions of migration 0014, each
// of which locks the invitation's organization (but for a decline, which involves no
// one's rights), then the invitation FOR UPDATE (a concurrent answer waits, then reads
// the row as the first one left it, so an invitation moves out of pending once), then
// the memberships and custom roles the decision reads, decides on them as locked and
// writes, with its records. The outcome (pgOutcome) names what happened, in the order
// the Store contract gives; the invitation as locked follows.

// qAcceptInvitation is AcceptInvitation: one call of organizations_accept_invitation,
// which locks the invitation's organization (FOR SHARE, or FOR NO KEY UPDATE in its
// limited form), the invitation, the inviter's membership and the custom roles of the
// inviter and of the invitation, in DeleteOrganization's order (organization,
// invitation, membership, custom role). It accepts a pending, unexpired invitation that
// the user may accept while its inviter may still grant it (ErrInviterNotAllowed
// otherwise), and makes the membership, or keeps the one the user has; under a member
// limit a refusal leaves the invitation pending. The invitation as locked and the
// membership follow the outcome.
var qAcceptInvitation = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_accept_invitation(
	@token_hash::bytea, @user_id::text, @email::text, @now::timestamptz, @limited::boolean,
	@membership_id::uuid, @membership_created_at::timestamptz, @membership_updated_at::timestamptz,
	@perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean,
	@team_member_ids::text[]::uuid[], @max_team_members::integer, @team_perm::text, @team_roles::text[], @team_perms::text[])`)

// AcceptInvitation implements Store. It is one call, and a second only when the
// organization has a member limit (outcome limited): that one locks the organization
// FOR NO KEY UPDATE and counts.
func (s *PostgresStore) AcceptInvitation(ctx context.Context, p AcceptInvitationParams) (AcceptResult, error) {
	if err := ctx.Err(); err != nil {
		return AcceptResult{}, err
	}
	pp := pgPolicyOf(p.Auth.Policy)
	args := pgArgs{
		"token_hash": p.TokenHash, "user_id": string(p.Auth.Actor), "email": p.Email, "now": p.Now, "limited": false,
		"membership_id": p.Membership.ID, "membership_created_at": p.Membership.CreatedAt,
		"membership_updated_at": p.Membership.UpdatedAt,
		"perm":                  string(PermInvitationsCreate), "pol_roles": pp.roles, "pol_perms": pp.perms, "number": s.autocommit(),
		// The IDs of the team memberships the call may make, as text (which every exec
		// mode encodes): the invitation's teams are not known before it
		// (MaxInvitationTeams at most).
		"team_member_ids": teamInviteIDs(p.NewID, MaxInvitationTeams), "max_team_members": p.MaxTeamMembers,
		"team_perm": string(PermTeamsManage), "team_roles": pp.teamRoles, "team_perms": pp.teamPerms,
	}
	for {
		var outcome string
		var r invitationRow
		var m memberRow
		var joined pgtype.Text
		if err := s.queryRow(ctx, qAcceptInvitation, args).Scan(dest([]any{&outcome}, r.dest(), m.dest(), []any{&joined, &r.teams})...); err != nil {
			return AcceptResult{}, pgError(ctx, err)
		}
		if outcome == "limited" && args["limited"] == false {
			args["limited"] = true // the organization has a member limit: count under its lock
			continue
		}
		if err := pgOutcome(outcome); err != nil {
			return AcceptResult{}, err
		}
		inv := r.value(p.Now)
		if outcome == "existing" { // accepted by this user before
			return AcceptResult{Invitation: inv, Membership: m.value()}, nil
		}
		inv.Status, inv.RespondedAt, inv.AcceptedBy = InvitationStatusAccepted, p.Now, p.Auth.Actor
		res := AcceptResult{Invitation: inv, Accepted: true, Membership: m.value()}
		res.MembershipCreated = res.Membership.ID == p.Membership.ID
		if joined.Valid && joined.String != "[]" {
			if err := json.Unmarshal([]byte(joined.String), &res.TeamMembers); err != nil {
				return AcceptResult{}, fmt.Errorf("organizations: reading the team memberships of an accept: %w", err)
			}
		}
		return res, nil
	}
}

// qDeclineInvitation is DeclineInvitation: one call of organizations_decline_invitation,
// which locks the invitation and declines it if it is pending, unexpired, and for the
// given email (or any email, if bearer).
var qDeclineInvitation = pgStatement(`SELECT f.*, ` + answerTeamsCol + ` FROM /* TEMPLATE: schema */organizations_decline_invitation(
	@token_hash::bytea, @email::text, @now::timestamptz, @number::boolean) AS f`)

// answerTeamsCol is the teams of the invitation an answer (decline, revoke, renew)
// returns, read after the call by the statement that made it (migration 0015). A team
// deletion that commits while the call waits on the invitation's lock may still be
// listed: those functions lock no team.
const answerTeamsCol = `/* TEMPLATE: schema */organization_invitation_teams_json(f.i_id)::text`

// DeclineInvitation implements Store.
func (s *PostgresStore) DeclineInvitation(ctx context.Context, p DeclineInvitationParams) (Invitation, error) {
	return s.answer(ctx, qDeclineInvitation, InvitationStatusDeclined, p.Now,
		pgArgs{"token_hash": p.TokenHash, "email": p.Email, "now": p.Now, "number": s.autocommit()})
}

// qRevokeInvitation is RevokeInvitation: one call of organizations_revoke_invitation,
// which locks the invitation's organization (FOR NO KEY UPDATE, as a renewal), the
// invitation, the actor's membership and the custom roles of the actor and of the
// invitation, then revokes a pending, unexpired invitation if the actor holds
// PermInvitationsRevoke (or owns the organization).
var qRevokeInvitation = pgStatement(`SELECT f.*, ` + answerTeamsCol + ` FROM /* TEMPLATE: schema */organizations_revoke_invitation(
	@id::uuid, @now::timestamptz, ` + writeAuthParams + `) AS f`)

// RevokeInvitation implements Store.
func (s *PostgresStore) RevokeInvitation(ctx context.Context, p RevokeInvitationParams) (Invitation, error) {
	return s.answer(ctx, qRevokeInvitation, InvitationStatusRevoked, p.Now,
		s.writeAuthArgs(pgArgs{"id": p.InvitationID, "now": p.Now}, p.Auth, PermInvitationsRevoke))
}

// answer runs the decline or revoke call q, which sets status, and returns the answered
// invitation or the outcome's error.
func (s *PostgresStore) answer(ctx context.Context, q pgQuery, status InvitationStatus, now time.Time, args pgArgs) (Invitation, error) {
	if err := ctx.Err(); err != nil {
		return Invitation{}, err
	}
	var outcome string
	var r invitationRow
	if err := s.queryRow(ctx, q, args).Scan(dest([]any{&outcome}, r.destTeams())...); err != nil {
		return Invitation{}, pgError(ctx, err)
	}
	if err := pgOutcome(outcome); err != nil {
		return Invitation{}, err
	}
	inv := r.value(now)
	inv.Status, inv.RespondedAt = status, now
	return inv, nil
}

// qRenewInvitation is RenewInvitation: one call of organizations_renew_invitation, which
// locks the invitation's organization FOR NO KEY UPDATE (a renewal of an expired
// invitation takes a seat, counted under that lock), the invitation, the actor's
// membership and the custom roles of the actor and of the invitation, then gives a
// pending or expired invitation a new token hash and expiry and makes the actor its
// inviter, if the actor holds PermInvitationsRevoke and PermInvitationsCreate (or owns
// the organization), the invitation's role is within the actor's permissions, and no
// other unexpired invitation of the email is pending. The renewed invitation and its
// organization (for the invitation message) follow the outcome.
var qRenewInvitation = pgStatement(`SELECT f.*, ` + answerTeamsCol + ` FROM /* TEMPLATE: schema */organizations_renew_invitation(
	@id::uuid, @token_hash::bytea, @expires_at::timestamptz, @now::timestamptz,
	@actor::text, @perm_revoke::text, @perm_create::text, @pol_roles::text[], @pol_perms::text[]) AS f`)

// RenewInvitation implements Store.
func (s *PostgresStore) RenewInvitation(ctx context.Context, p RenewInvitationParams) (InvitationDetails, error) {
	pp := pgPolicyOf(p.Auth.Policy)
	var r invitationRow
	var org orgRow
	if _, err := s.call(ctx, qRenewInvitation, pgArgs{
		"id": p.InvitationID, "token_hash": p.TokenHash, "expires_at": p.ExpiresAt, "now": p.Now,
		"actor": string(p.Auth.Actor), "perm_revoke": string(PermInvitationsRevoke), "perm_create": string(PermInvitationsCreate),
		"pol_roles": pp.roles, "pol_perms": pp.perms,
	}, r.dest(), org.dest(), []any{&r.teams}); err != nil {
		return InvitationDetails{}, err
	}
	return InvitationDetails{Invitation: r.value(p.Now), Organization: org.value()}, nil
}
