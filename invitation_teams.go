package organizations

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

// Invitations into teams. An invitation may name teams of its organization (InviteOptions.Teams);
// accepting it joins the organization and those teams in one atomic step. See
// docs/invitations.md#teams and docs/teams.md#invitations-into-teams.
//
// The rules, the same on every store:
//
//   - At Invite, in the store's atomic step: each team is a team of the invitation's
//     organization (ErrTeamNotFound otherwise: another organization's team too), the
//     inviter holds PermTeamsManage (ErrPermissionDenied), and each team role is one the
//     Policy declares with ScopeTeam (ErrInvalidRole) whose permissions are within the
//     inviter's permissions in that team (ErrEscalation): nobody grants what they lack,
//     and a team role never grants an organization permission (NewPolicy sees to that).
//     A refusal writes nothing.
//   - A team deleted before the invitation is accepted is dropped from it (PostgreSQL:
//     invitation_teams rows go with the team, ON DELETE CASCADE): Invitation.Teams lists
//     the named teams that still exist, and accepting joins the organization and those.
//   - At accept, in the same atomic step as the organization membership: the user joins
//     each of the invitation's teams with its team role, except a team that is full
//     (Options.MaxTeamMembers members already) or that the user is already in (their
//     membership and team role there stay as they are); a user whose existing
//     membership is suspended joins none. Those teams are skipped and the accept goes
//     on: AcceptResult.TeamMembers (and the TeamMemberAdded events) say which teams were
//     joined. The inviter's right to grant each team role is checked again, as of the
//     accept, like the organization role: ErrInviterNotAllowed, the invitation pending.
//   - A team deleted while the accept runs is either deleted first (the accept does not
//     join it) or waits for the accept and deletes the new team membership with the
//     team: never a team membership without its team.

// MaxInvitationTeams is the most teams one invitation may name.
const MaxInvitationTeams = 10

// TeamInvite names a team an invitation joins, with the team role the invitee gets
// there. It marshals to JSON as {"team_id":"…","role":"maintainer"} ("role" left out
// for none).
type TeamInvite struct {
	// TeamID is a team of the invitation's organization.
	TeamID uuid.UUID `json:"team_id"`
	// Role is a team role the Policy declares with ScopeTeam; empty for none.
	Role Role `json:"role,omitempty"`
}

// TeamInvitationStore is the optional interface of a TeamStore whose invitations may name
// teams: its CreateInvitation checks and stores Invitation.Teams, its invitation reads
// return them, its AcceptInvitation joins them (AcceptInvitationParams.NewID,
// MaxTeamMembers; AcceptResult.TeamMembers) and its DeleteTeam drops the team from the
// invitations naming it, all under the rules of the package documentation above
// (docs/invitations.md). Service.Invite with InviteOptions.Teams returns ErrNotSupported
// unless the store is one all the way down (a wrapper's claim is not enough), so that no
// store ignores the teams. MemoryStore and PostgresStore implement it; CachedStore does
// not (it would cache team access across an accept's team joins).
type TeamInvitationStore interface {
	TeamStore
	// InvitesIntoTeams marks the store as keeping invitations into teams; it does
	// nothing.
	InvitesIntoTeams()
}

// checkTeamInvites validates and normalises the teams of an invitation: at most
// MaxInvitationTeams, no nil team ID (ErrTeamNotFound), each role empty or a team role of
// the Service's Policy (ErrInvalidRole), no team twice (ErrDuplicateTeam). It returns
// them sorted by team ID, nil for none.
func (s *Service) checkTeamInvites(teams []TeamInvite) ([]TeamInvite, error) {
	if len(teams) == 0 {
		return nil, nil
	}
	if len(teams) > MaxInvitationTeams {
		return nil, ErrTooManyTeams
	}
	out := slices.Clone(teams)
	for _, t := range out {
		if t.TeamID == uuid.Nil {
			return nil, ErrTeamNotFound
		}
		if err := s.checkTeamRole(t.Role); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b TeamInvite) int { return compareUUID(a.TeamID, b.TeamID) })
	for i := 1; i < len(out); i++ {
		if out[i].TeamID == out[i-1].TeamID {
			return nil, ErrDuplicateTeam
		}
	}
	return out, nil
}

// teamInvitationStore is ErrNotSupported unless the Service's store keeps invitations into
// teams all the way down (only asked when an invitation names teams).
func (s *Service) teamInvitationStore(teams []TeamInvite) error {
	if len(teams) == 0 {
		return nil
	}
	_, err := enforcing[TeamInvitationStore](s.store)
	return err
}

// AcceptInvitationResult is AcceptInvitation returning the whole AcceptResult: the
// invitation as accepted (its Teams: the teams it named that still existed), the
// membership, and the team memberships the call made (AcceptResult.TeamMembers, in team
// ID order), so that a host can say which teams were joined and which skipped (full, or
// the user already in them). Events, after the change: InvitationAccepted when this call
// accepted the invitation, UserAdded when it made the membership, then TeamMemberAdded
// for each team joined, each with the accepting user as actor.
//
// Errors: as AcceptInvitation.
func (s *Service) AcceptInvitationResult(ctx context.Context, token string, user UserID, email string) (AcceptResult, error) {
	email, emailErr := optionalEmail(email)
	hash, tokenErr := invitationTokenHash(token)
	if err := ready(ctx, checkUser(user), emailErr, tokenErr); err != nil {
		return AcceptResult{}, err
	}
	now := s.now()
	// The store sets the organization and role from the invitation.
	m := OrganizationUser{ID: s.opts.NewID(), UserID: user, CreatedAt: now, UpdatedAt: now}
	res, err := s.store.AcceptInvitation(ctx, AcceptInvitationParams{
		Auth: s.auth(user), TokenHash: hash, Email: email, Membership: m, Now: now,
		NewID: s.opts.NewID, MaxTeamMembers: teamLimit(s.opts.MaxTeamMembers),
	})
	if err != nil {
		return AcceptResult{}, err
	}
	if res.Accepted {
		emit(s, ctx, InvitationAccepted{Invitation: res.Invitation, OrganizationUser: res.Membership, Actor: user})
	}
	if res.MembershipCreated {
		emit(s, ctx, UserAdded{OrganizationUser: res.Membership, Actor: user})
	}
	for _, tm := range res.TeamMembers {
		emit(s, ctx, TeamMemberAdded{TeamMember: tm, Actor: user})
	}
	return res, nil
}

// teamInviteIDs returns n new IDs from newID (nil: none), as text, for the team
// memberships an accept may make.
func teamInviteIDs(newID func() uuid.UUID, n int) []string {
	out := make([]string, 0, n)
	if newID == nil {
		return out
	}
	for range n {
		out = append(out, newID().String())
	}
	return out
}
