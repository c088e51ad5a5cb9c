package organizationstest

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// teamInvitationStore is the optional organizations.TeamInvitationStore: invitations
// naming teams.
var teamInvitationStore = optionalOf[organizations.TeamInvitationStore]()

// The team invitation tests run under teamInvitePolicy: teamRolePolicy's roles (member
// with docs:read; admin with the library's permissions; lead, an admin with docs:write
// and docs:publish; the team roles writer and maintainer) and recruiter, a member who may
// invite (invitations:create) but not manage teams.
var teamInvitePolicy = organizations.MustPolicy(slices.Concat(teamRolePolicy.Roles(), teamRolePolicy.TeamRoles(),
	[]organizations.RoleDefinition{{Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermInvitationsCreate}}})...)

// teamInviteRounds is how many times each race runs, each on fresh teams.
const teamInviteRounds = 5

func teamInvitationTests() []test {
	return []test{
		{"InviteAndAccept", testTeamInviteAccept},
		{"TeamDeletedBeforeAccept", testTeamInviteTeamDeleted},
		{"TeamFullOrJoinedAtAccept", testTeamInviteTeamFull},
		{"SuspendedMemberJoinsNoTeam", testTeamInviteSuspended},
		{"BadTeamsRefused", testTeamInviteBadTeams},
		{"Escalation", testTeamInviteEscalation},
		{"InviterDemotedBeforeAccept", testTeamInviteInviterDemoted},
		{"RevokedWithItsInviter", testTeamInviteOffboarded},
		{"RaceAcceptVsDeleteTeam", testTeamInviteRaceDelete},
		{"RaceAcceptsForLastTeamSeat", testTeamInviteRaceLastSeat},
	}
}

// teamInviteWorld is an organization under teamInvitePolicy with its teams docs and ops,
// another organization with a team of its own, and a Service that sends invitations to
// an Outbox.
type teamInviteWorld struct {
	svc       *organizations.Service
	outbox    *Outbox
	org       organizations.Organization
	docs, ops organizations.Team
	foreign   organizations.Team
}

// teamInviteWorld makes the world, with the team member limit maxTeamMembers (0: none).
// Members of org: owner, admin (admin), lea (lead), rita (recruiter), mem (member).
func (h *harness) teamInviteWorld(maxTeamMembers int) *teamInviteWorld {
	h.t.Helper()
	w := &teamInviteWorld{outbox: &Outbox{}}
	w.svc = organizations.New(h.store, &organizations.Options{
		Now: h.clock.Now, Events: h.events.record, Policy: teamInvitePolicy, Inviter: w.outbox,
		MaxTeamMembers: maxTeamMembers,
	})
	w.org = h.createOrg("owner", "Acme", nil)
	for user, role := range map[organizations.UserID]organizations.Role{
		"admin": organizations.RoleAdmin, "lea": "lead", "rita": "recruiter", "mem": organizations.RoleMember,
	} {
		_, err := w.svc.AddUser(h.ctx, w.org.ID, user, role)
		require.NoError(h.t, err)
	}
	var err error
	w.docs, err = w.svc.CreateTeam(h.ctx, w.org.ID, "Docs", nil)
	require.NoError(h.t, err)
	w.ops, err = w.svc.CreateTeam(h.ctx, w.org.ID, "Ops", nil)
	require.NoError(h.t, err)
	other := h.createOrg("owner", "Other", nil)
	w.foreign, err = w.svc.CreateTeam(h.ctx, other.ID, "Foreign", nil)
	require.NoError(h.t, err)
	h.events.take()
	return w
}

// invite invites email as by with teams and returns the invitation and its token.
func (w *teamInviteWorld) invite(h *harness, by organizations.UserID, email string, teams ...organizations.TeamInvite) (organizations.Invitation, string) {
	h.t.Helper()
	inv, err := w.svc.Invite(h.ctx, by, w.org.ID, email, &organizations.InviteOptions{Teams: teams})
	require.NoError(h.t, err)
	msgs := w.outbox.TakeInvitations()
	require.Len(h.t, msgs, 1)
	h.events.take()
	return inv, msgs[0].Token
}

// sortedTeams is teams in team ID order, as invitations keep them.
func sortedTeams(teams ...organizations.TeamInvite) []organizations.TeamInvite {
	out := slices.Clone(teams)
	slices.SortFunc(out, func(a, b organizations.TeamInvite) int { return slices.Compare(a.TeamID[:], b.TeamID[:]) })
	return out
}

// userTeams returns the IDs of the teams of org that user is in.
func (h *harness) userTeams(svc *organizations.Service, org uuid.UUID, user organizations.UserID) []uuid.UUID {
	h.t.Helper()
	p, err := svc.TeamsForUser(h.ctx, org, user, organizations.ListOptions{Limit: 100})
	require.NoError(h.t, err)
	return ids(p.Items, func(t organizations.Team) uuid.UUID { return t.ID })
}

func testTeamInviteAccept(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	want := sortedTeams(
		organizations.TeamInvite{TeamID: w.ops.ID},
		organizations.TeamInvite{TeamID: w.docs.ID, Role: "maintainer"},
	)
	// Given in any order: kept in team ID order.
	inv, err := w.svc.Invite(h.ctx, "lea", w.org.ID, "ann@example.com", &organizations.InviteOptions{
		Teams: []organizations.TeamInvite{want[1], want[0]},
	})
	require.NoError(t, err)
	require.Equal(t, want, inv.Teams)
	msgs := w.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	require.Equal(t, want, msgs[0].Invitation.Teams, "the message carries the teams")
	token := msgs[0].Token
	h.requireEvents(organizations.InvitationCreated{Invitation: inv, Actor: "lea"})

	// Every read carries them.
	got, err := h.store.Invitation(h.ctx, inv.ID, h.now())
	require.NoError(t, err)
	require.Equal(t, want, got.Teams)
	d, err := w.svc.InvitationByToken(h.ctx, token)
	require.NoError(t, err)
	require.Equal(t, want, d.Teams)
	page, err := w.svc.PendingInvitations(h.ctx, w.org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.Equal(t, want, page.Items[0].Teams)
	byEmail, err := w.svc.InvitationsForEmail(h.ctx, "ann@example.com")
	require.NoError(t, err)
	require.Len(t, byEmail, 1)
	require.Equal(t, want, byEmail[0].Teams)
	b, err := json.Marshal(got)
	require.NoError(t, err)
	require.Contains(t, string(b), `"teams":[{"team_id":"`)
	require.Contains(t, string(b), `"role":"maintainer"}`)

	// Accepting joins the organization and both teams, with their roles, at once.
	res, err := w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.NoError(t, err)
	require.True(t, res.Accepted)
	require.True(t, res.MembershipCreated)
	require.Equal(t, want, res.Invitation.Teams)
	require.Len(t, res.TeamMembers, 2)
	for i, tm := range res.TeamMembers {
		require.Equal(t, want[i].TeamID, tm.TeamID)
		require.Equal(t, want[i].Role, tm.Role)
		require.Equal(t, organizations.UserID("ann"), tm.UserID)
		require.Equal(t, w.org.ID, tm.OrganizationID)
		require.Equal(t, h.now(), tm.CreatedAt)
		require.NotEqual(t, uuid.Nil, tm.ID)
	}
	require.NotEqual(t, res.TeamMembers[0].ID, res.TeamMembers[1].ID)
	events := h.events.take()
	require.Equal(t, []string{"invitation_accepted", "user_added", "team_member_added", "team_member_added"}, eventNames(events))
	for i, tm := range res.TeamMembers {
		require.Equal(t, organizations.TeamMemberAdded{TeamMember: tm, Actor: "ann"}, events[2+i])
	}
	require.ElementsMatch(t, []uuid.UUID{w.docs.ID, w.ops.ID}, h.userTeams(w.svc, w.org.ID, "ann"))
	a, err := w.svc.TeamAccess(h.ctx, w.org.ID, w.docs.ID, "ann")
	require.NoError(t, err)
	require.True(t, a.IsTeamMember)
	require.Equal(t, organizations.Role("maintainer"), a.TeamMember.Role)
	require.True(t, a.Can("docs:publish"), "the team role's permissions, in the team")
	require.False(t, a.Access.Can("docs:publish"), "and not in the organization")
	require.Equal(t, organizations.RoleMember, h.member(w.org.ID, "ann").Role)

	// The records decode to the events, the invitation's teams included.
	if eventStore.implemented(h.store) {
		recs := readFeed(t, h.ctx, w.svc, 100)
		require.GreaterOrEqual(t, len(recs), len(events))
		requireRecordsMatch(t, events, recs[len(recs)-len(events):])
	}

	// Accepting again changes nothing and joins nothing.
	again, err := w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.NoError(t, err)
	require.False(t, again.Accepted)
	require.Empty(t, again.TeamMembers)
	h.requireNoEvents()
}

func testTeamInviteTeamDeleted(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	inv, token := w.invite(h, "owner", "ann@example.com",
		organizations.TeamInvite{TeamID: w.docs.ID, Role: "writer"}, organizations.TeamInvite{TeamID: w.ops.ID})

	// The rule: a deleted team is dropped from the invitation.
	require.NoError(t, w.svc.DeleteTeam(h.ctx, w.org.ID, w.ops.ID))
	h.events.take()
	got, err := h.store.Invitation(h.ctx, inv.ID, h.now())
	require.NoError(t, err)
	require.Equal(t, []organizations.TeamInvite{{TeamID: w.docs.ID, Role: "writer"}}, got.Teams)

	res, err := w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.NoError(t, err, "the organization membership still happens")
	require.True(t, res.MembershipCreated)
	require.Equal(t, got.Teams, res.Invitation.Teams)
	require.Len(t, res.TeamMembers, 1)
	require.Equal(t, w.docs.ID, res.TeamMembers[0].TeamID)
	require.Equal(t, []string{"invitation_accepted", "user_added", "team_member_added"}, eventNames(h.events.take()))
	require.Equal(t, []uuid.UUID{w.docs.ID}, h.userTeams(w.svc, w.org.ID, "ann"))

	// Every team gone: the invitation names none, and accepting joins the organization.
	inv2, token2 := w.invite(h, "owner", "bob@example.com", organizations.TeamInvite{TeamID: w.docs.ID})
	require.NoError(t, w.svc.DeleteTeam(h.ctx, w.org.ID, w.docs.ID))
	h.events.take()
	got, err = h.store.Invitation(h.ctx, inv2.ID, h.now())
	require.NoError(t, err)
	require.Nil(t, got.Teams)
	res, err = w.svc.AcceptInvitationResult(h.ctx, token2, "bob", "bob@example.com")
	require.NoError(t, err)
	require.True(t, res.MembershipCreated)
	require.Empty(t, res.TeamMembers)
	require.Nil(t, res.Invitation.Teams)
	require.Equal(t, []string{"invitation_accepted", "user_added"}, eventNames(h.events.take()))

	// A deleted team leaves the accepted invitation too: no row names it.
	got, err = h.store.Invitation(h.ctx, inv.ID, h.now())
	require.NoError(t, err)
	require.Nil(t, got.Teams)
}

func testTeamInviteTeamFull(t *testing.T, h *harness) {
	w := h.teamInviteWorld(1)
	_, err := w.svc.AddTeamMember(h.ctx, w.org.ID, w.docs.ID, "mem", "")
	require.NoError(t, err)
	h.events.take()
	_, token := w.invite(h, "owner", "ann@example.com",
		organizations.TeamInvite{TeamID: w.docs.ID}, organizations.TeamInvite{TeamID: w.ops.ID, Role: "writer"})

	// The rule: a full team is skipped; the rest happens.
	res, err := w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.NoError(t, err)
	require.True(t, res.MembershipCreated)
	require.Len(t, res.Invitation.Teams, 2, "the invitation still names both")
	require.Len(t, res.TeamMembers, 1, "docs is full")
	require.Equal(t, w.ops.ID, res.TeamMembers[0].TeamID)
	require.Equal(t, organizations.Role("writer"), res.TeamMembers[0].Role)
	require.Equal(t, []string{"invitation_accepted", "user_added", "team_member_added"}, eventNames(h.events.take()))
	require.Equal(t, []uuid.UUID{w.ops.ID}, h.userTeams(w.svc, w.org.ID, "ann"))
	require.Equal(t, []organizations.UserID{"mem"}, h.teamUsers(w.org.ID, w.docs.ID, 0))

	// A member already in a team keeps that membership and its role; the other team is
	// joined (no limit here).
	unlimited := organizations.New(h.store, &organizations.Options{
		Now: h.clock.Now, Events: h.events.record, Policy: teamInvitePolicy, Inviter: w.outbox,
	})
	w.svc = unlimited
	_, err = unlimited.AddTeamMember(h.ctx, w.org.ID, w.ops.ID, "mem", "")
	require.NoError(t, err)
	h.events.take()
	// mem is a member: invited by another address (a bearer invitation).
	inv, err := unlimited.Invite(h.ctx, "owner", w.org.ID, "mem@example.com", &organizations.InviteOptions{
		Bearer: true, Teams: []organizations.TeamInvite{{TeamID: w.docs.ID, Role: "maintainer"}, {TeamID: w.ops.ID, Role: "maintainer"}},
	})
	require.NoError(t, err)
	msgs := w.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	h.events.take()
	_, err = unlimited.AddTeamMember(h.ctx, w.org.ID, w.docs.ID, "admin", "")
	require.NoError(t, err)
	h.events.take()
	res, err = unlimited.AcceptInvitationResult(h.ctx, msgs[0].Token, "mem", "")
	require.NoError(t, err)
	require.True(t, res.Accepted)
	require.False(t, res.MembershipCreated)
	require.Equal(t, inv.Teams, res.Invitation.Teams)
	require.Empty(t, res.TeamMembers, "mem is in both teams already")
	require.Equal(t, []string{"invitation_accepted"}, eventNames(h.events.take()))
	ta, err := unlimited.TeamAccess(h.ctx, w.org.ID, w.ops.ID, "mem")
	require.NoError(t, err)
	require.Empty(t, ta.TeamMember.Role, "the team role stays as it was")
}

func testTeamInviteSuspended(t *testing.T, h *harness) {
	if !suspensionStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface " + suspensionStore.name)
	}
	w := h.teamInviteWorld(0)
	_, err := w.svc.SuspendUser(h.ctx, w.org.ID, "mem")
	require.NoError(t, err)
	h.events.take()
	inv, err := w.svc.Invite(h.ctx, "owner", w.org.ID, "mem@example.com", &organizations.InviteOptions{
		Bearer: true, Teams: []organizations.TeamInvite{{TeamID: w.docs.ID}},
	})
	require.NoError(t, err)
	msgs := w.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	h.events.take()
	res, err := w.svc.AcceptInvitationResult(h.ctx, msgs[0].Token, "mem", "")
	require.NoError(t, err)
	require.True(t, res.Accepted)
	require.False(t, res.MembershipCreated)
	require.Equal(t, inv.Teams, res.Invitation.Teams)
	require.Empty(t, res.TeamMembers, "a suspended member joins no team")
	require.Equal(t, []string{"invitation_accepted"}, eventNames(h.events.take()))
	require.Empty(t, h.teamUsers(w.org.ID, w.docs.ID, 0))
}

func testTeamInviteBadTeams(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	tooMany := make([]organizations.TeamInvite, organizations.MaxInvitationTeams+1)
	for i := range tooMany {
		tooMany[i] = organizations.TeamInvite{TeamID: uuid.New()}
	}
	for _, c := range []struct {
		name  string
		teams []organizations.TeamInvite
		want  error
	}{
		{"another organization's team", []organizations.TeamInvite{{TeamID: w.docs.ID}, {TeamID: w.foreign.ID}}, organizations.ErrTeamNotFound},
		{"an unknown team", []organizations.TeamInvite{{TeamID: uuid.New()}}, organizations.ErrTeamNotFound},
		{"the nil team", []organizations.TeamInvite{{TeamID: uuid.Nil}}, organizations.ErrTeamNotFound},
		{"a team twice", []organizations.TeamInvite{{TeamID: w.docs.ID}, {TeamID: w.docs.ID, Role: "writer"}}, organizations.ErrDuplicateTeam},
		{"an organization role", []organizations.TeamInvite{{TeamID: w.docs.ID, Role: organizations.RoleAdmin}}, organizations.ErrInvalidRole},
		{"an unknown role", []organizations.TeamInvite{{TeamID: w.docs.ID, Role: "ghost"}}, organizations.ErrInvalidRole},
		{"too many teams", tooMany, organizations.ErrTooManyTeams},
	} {
		for _, by := range []organizations.UserID{"owner", "lea"} {
			_, err := w.svc.Invite(h.ctx, by, w.org.ID, "ann@example.com", &organizations.InviteOptions{Teams: c.teams})
			require.ErrorIs(t, err, c.want, "%s, by %s", c.name, by)
		}
	}
	// Nothing written, sent or emitted.
	require.Empty(t, h.pending(w.org.ID))
	require.Empty(t, w.outbox.TakeInvitations())
	h.requireNoEvents()
	if eventStore.implemented(h.store) {
		before := len(readFeed(t, h.ctx, w.svc, 100))
		_, err := w.svc.Invite(h.ctx, "owner", w.org.ID, "ann@example.com", &organizations.InviteOptions{
			Teams: []organizations.TeamInvite{{TeamID: w.foreign.ID}},
		})
		require.ErrorIs(t, err, organizations.ErrTeamNotFound)
		require.Len(t, readFeed(t, h.ctx, w.svc, 100), before, "no record")
	}

	// The store checks too, in its atomic step: another organization's team, called
	// directly.
	inv := h.newInvitation(w.org.ID, "owner", "ann@example.com", organizations.RoleMember, false, 3600e9)
	inv.Teams = []organizations.TeamInvite{{TeamID: w.foreign.ID}}
	_, err := h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{
		Auth: organizations.Authorization{Actor: "owner", Policy: teamInvitePolicy}, Invitation: inv, TokenHash: h.tokenHash(), Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	_, err = h.store.Invitation(h.ctx, inv.ID, h.now())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
}

func testTeamInviteEscalation(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	maintainer := func(team uuid.UUID) *organizations.InviteOptions {
		return &organizations.InviteOptions{Teams: []organizations.TeamInvite{{TeamID: team, Role: "maintainer"}}}
	}
	// admin holds teams:manage and none of the docs permissions.
	_, err := w.svc.Invite(h.ctx, "admin", w.org.ID, "ann@example.com", maintainer(w.docs.ID))
	require.ErrorIs(t, err, organizations.ErrEscalation, "nobody grants what they lack")
	// rita may invite, not manage teams.
	_, err = w.svc.Invite(h.ctx, "rita", w.org.ID, "ann@example.com", &organizations.InviteOptions{
		Teams: []organizations.TeamInvite{{TeamID: w.docs.ID}},
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	// The order: the permission, then every team found, then the team roles.
	_, err = w.svc.Invite(h.ctx, "rita", w.org.ID, "ann@example.com", &organizations.InviteOptions{
		Teams: []organizations.TeamInvite{{TeamID: w.foreign.ID}},
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the permission before the teams")
	for _, unknown := range []uuid.UUID{uuid.Max, {1}} { // after docs' ID and before it
		_, err = w.svc.Invite(h.ctx, "admin", w.org.ID, "ann@example.com", &organizations.InviteOptions{
			Teams: []organizations.TeamInvite{{TeamID: w.docs.ID, Role: "maintainer"}, {TeamID: unknown}},
		})
		require.ErrorIs(t, err, organizations.ErrTeamNotFound, "every team found before the roles")
	}
	// mem may not invite at all.
	_, err = w.svc.Invite(h.ctx, "mem", w.org.ID, "ann@example.com", &organizations.InviteOptions{
		Teams: []organizations.TeamInvite{{TeamID: w.docs.ID}},
	})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.Empty(t, h.pending(w.org.ID), "nothing written")
	require.Empty(t, w.outbox.TakeInvitations())
	h.requireNoEvents()

	// A maintainer of docs may make maintainers of docs, and of no other team.
	_, err = w.svc.AddTeamMember(h.ctx, w.org.ID, w.docs.ID, "admin", "maintainer")
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.Invite(h.ctx, "admin", w.org.ID, "ann@example.com", maintainer(w.ops.ID))
	require.ErrorIs(t, err, organizations.ErrEscalation)
	_, token := w.invite(h, "admin", "ann@example.com", organizations.TeamInvite{TeamID: w.docs.ID, Role: "maintainer"})
	// A plain team membership needs teams:manage only.
	w.invite(h, "admin", "bob@example.com", organizations.TeamInvite{TeamID: w.ops.ID})
	// lea (docs:write and docs:publish in the organization) may grant maintainer anywhere.
	w.invite(h, "lea", "cat@example.com", organizations.TeamInvite{TeamID: w.ops.ID, Role: "maintainer"})

	res, err := w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.NoError(t, err)
	require.Len(t, res.TeamMembers, 1)
	require.Equal(t, organizations.Role("maintainer"), res.TeamMembers[0].Role)
}

func testTeamInviteInviterDemoted(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	inv, token := w.invite(h, "lea", "ann@example.com", organizations.TeamInvite{TeamID: w.docs.ID, Role: "maintainer"})
	// lea becomes a plain admin, who may still invite with the organization role but
	// no longer grant maintainer.
	_, err := w.svc.SetRole(h.ctx, w.org.ID, "lea", organizations.RoleAdmin)
	require.NoError(t, err)
	h.events.take()
	_, err = w.svc.AcceptInvitationResult(h.ctx, token, "ann", "ann@example.com")
	require.ErrorIs(t, err, organizations.ErrInviterNotAllowed)
	got, err := h.store.Invitation(h.ctx, inv.ID, h.now())
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusPending, got.Status, "it stays pending")
	_, err = h.store.OrganizationUser(h.ctx, w.org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	h.requireNoEvents()

	// Resent by the owner, who may grant it, it works.
	_, err = w.svc.ResendInvitation(h.ctx, "owner", inv.ID)
	require.NoError(t, err)
	msgs := w.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	res, err := w.svc.AcceptInvitationResult(h.ctx, msgs[0].Token, "ann", "ann@example.com")
	require.NoError(t, err)
	require.Len(t, res.TeamMembers, 1)
}

// testTeamInviteOffboarded: an invitation revoked with its inviter (RemoveUserEverywhere),
// or declined, keeps its teams in the result, the event and its record.
func testTeamInviteOffboarded(t *testing.T, h *harness) {
	w := h.teamInviteWorld(0)
	want := []organizations.TeamInvite{{TeamID: w.docs.ID, Role: "maintainer"}}
	inv, _ := w.invite(h, "lea", "ann@example.com", want...)
	_, declineToken := w.invite(h, "owner", "bob@example.com", want...)
	require.NoError(t, w.svc.DeclineInvitation(h.ctx, declineToken, "bob@example.com"))
	declined := h.events.take()
	require.Len(t, declined, 1)
	require.Equal(t, want, declined[0].(organizations.InvitationDeclined).Invitation.Teams)
	if !offboardStore.implemented(h.store) {
		return
	}
	res, err := w.svc.RemoveUserEverywhere(h.ctx, "lea", nil)
	require.NoError(t, err)
	require.Len(t, res.Revoked, 1)
	require.Equal(t, inv.ID, res.Revoked[0].ID)
	require.Equal(t, want, res.Revoked[0].Teams)
	events := h.events.take()
	require.Equal(t, organizations.InvitationRevoked{Invitation: res.Revoked[0]}, events[0])
	if eventStore.implemented(h.store) {
		events = append(declined, events...)
		recs := readFeed(t, h.ctx, w.svc, 100)
		require.GreaterOrEqual(t, len(recs), len(events))
		requireRecordsMatch(t, events, recs[len(recs)-len(events):])
	}
}

// testTeamInviteRaceDelete races an accept against the deletion of the invitation's
// team: the accept always succeeds; the team membership is either never made (the
// deletion came first) or deleted with the team; never a team membership without its
// team, never an invitation naming a deleted team.
func testTeamInviteRaceDelete(t *testing.T, h *harness) {
	h.events.noVerify()
	w := h.teamInviteWorld(0)
	joined := 0
	for round := range teamInviteRounds {
		team, err := w.svc.CreateTeam(h.ctx, w.org.ID, "Race", nil)
		require.NoError(t, err)
		user := organizations.UserID("u" + string(rune('a'+round)))
		email := string(user) + "@example.com"
		inv, token := w.invite(h, "owner", email, organizations.TeamInvite{TeamID: team.ID, Role: "writer"})

		var wg sync.WaitGroup
		start := make(chan struct{})
		var res organizations.AcceptResult
		var acceptErr, deleteErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			res, acceptErr = w.svc.AcceptInvitationResult(h.ctx, token, user, email)
		}()
		go func() {
			defer wg.Done()
			<-start
			deleteErr = w.svc.DeleteTeam(h.ctx, w.org.ID, team.ID)
		}()
		close(start)
		wg.Wait()
		require.NoError(t, acceptErr)
		require.NoError(t, deleteErr)
		require.True(t, res.MembershipCreated)
		joined += len(res.TeamMembers)

		_, err = w.svc.Team(h.ctx, w.org.ID, team.ID)
		require.ErrorIs(t, err, organizations.ErrTeamNotFound)
		require.Empty(t, h.userTeams(w.svc, w.org.ID, user), "no team membership outlives its team")
		got, err := h.store.Invitation(h.ctx, inv.ID, h.now())
		require.NoError(t, err)
		require.Equal(t, organizations.InvitationStatusAccepted, got.Status)
		require.Nil(t, got.Teams, "no invitation names a deleted team")
		h.member(w.org.ID, user)
		h.events.take()
	}
	t.Logf("%d of %d accepts joined the team before its deletion", joined, teamInviteRounds)
}

// testTeamInviteRaceLastSeat races two accepts into a team one short of its member
// limit: both join the organization, exactly one joins the team.
func testTeamInviteRaceLastSeat(t *testing.T, h *harness) {
	h.events.noVerify()
	w := h.teamInviteWorld(1)
	for round := range teamInviteRounds {
		team, err := w.svc.CreateTeam(h.ctx, w.org.ID, "Seat", nil)
		require.NoError(t, err)
		users := []organizations.UserID{
			organizations.UserID("a" + string(rune('a'+round))), organizations.UserID("b" + string(rune('a'+round))),
		}
		tokens := make([]string, len(users))
		for i, u := range users {
			_, tokens[i] = w.invite(h, "owner", string(u)+"@example.com", organizations.TeamInvite{TeamID: team.ID})
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		results := make([]organizations.AcceptResult, len(users))
		errs := make([]error, len(users))
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = w.svc.AcceptInvitationResult(h.ctx, tokens[i], u, string(u)+"@example.com")
			}()
		}
		close(start)
		wg.Wait()
		made := 0
		for i := range users {
			require.NoError(t, errs[i])
			require.True(t, results[i].MembershipCreated)
			made += len(results[i].TeamMembers)
		}
		require.Equal(t, 1, made, "exactly one joins the team")
		require.Len(t, h.teamUsers(w.org.ID, team.ID, 0), 1)
		h.events.take()
	}
}
