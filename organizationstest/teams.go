package organizationstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// teamStore is the optional organizations.TeamStore.
var teamStore = optionalOf[organizations.TeamStore]()

func teamTests() []test {
	return []test{
		{"CreateAndRead", testTeamCreate},
		{"BadInput", testTeamBadInput},
		{"Update", testTeamUpdate},
		{"Delete", testTeamDelete},
		{"Members", testTeamMembers},
		{"Pages", testTeamPages},
		{"Counts", testTeamCounts},
		{"RemovedFromOrganizationLeavesTeams", testTeamMemberRemovedFromOrg},
		{"DeleteOrganizationDeletesTeams", testTeamDeleteOrg},
		{"Suspended", testTeamSuspended},
		{"Authorization", testTeamAuthz},
		{"EventRecords", testTeamEventRecords},
		{"RaceAddRemoveFromOrganization", testTeamRaceAddVsRemoveUser},
	}
}

// createTeam creates a team through the Service and drops its event.
func (h *harness) createTeam(org uuid.UUID, name string, opts *organizations.TeamOptions) organizations.Team {
	h.t.Helper()
	tm, err := h.svc.CreateTeam(h.ctx, org, name, opts)
	require.NoError(h.t, err)
	h.events.take()
	return tm
}

// addTeamMember adds user to the team and drops its event.
func (h *harness) addTeamMember(org, team uuid.UUID, user organizations.UserID) organizations.TeamMember {
	h.t.Helper()
	m, err := h.svc.AddTeamMember(h.ctx, org, team, user, "")
	require.NoError(h.t, err)
	h.events.take()
	return m
}

// allTeams follows the pages of Teams (user empty) or TeamsForUser with pages of limit.
// Every page's Total must be the number of teams of the whole list.
func (h *harness) allTeams(org uuid.UUID, user organizations.UserID, limit int) []organizations.Team {
	h.t.Helper()
	var all []organizations.Team
	var totals []int
	opts := organizations.ListOptions{Limit: limit}
	for range 1000 {
		var p organizations.CountedPage[organizations.Team]
		var err error
		if user == "" {
			p, err = h.svc.Teams(h.ctx, org, opts)
		} else {
			p, err = h.svc.TeamsForUser(h.ctx, org, user, opts)
		}
		require.NoError(h.t, err)
		all = append(all, p.Items...)
		totals = append(totals, p.Total)
		if p.Next == "" {
			for i, n := range totals {
				require.Equal(h.t, len(all), n, "page %d's Total", i)
			}
			return all
		}
		opts.After = p.Next
	}
	h.t.Fatal("Teams never returned an empty Next")
	return nil
}

// teamUsers returns the users of every page of TeamMembers, in order. Every page's
// Total must be the number of the team's members.
func (h *harness) teamUsers(org, team uuid.UUID, limit int) []organizations.UserID {
	h.t.Helper()
	all := []organizations.UserID{}
	var totals []int
	opts := organizations.ListOptions{Limit: limit}
	for range 1000 {
		p, err := h.svc.TeamMembers(h.ctx, org, team, opts)
		require.NoError(h.t, err)
		for _, m := range p.Items {
			require.Equal(h.t, team, m.TeamID)
			require.Equal(h.t, org, m.OrganizationID)
			all = append(all, m.UserID)
		}
		totals = append(totals, p.Total)
		if p.Next == "" {
			for i, n := range totals {
				require.Equal(h.t, len(all), n, "page %d's Total", i)
			}
			return all
		}
		opts.After = p.Next
	}
	h.t.Fatal("TeamMembers never returned an empty Next")
	return nil
}

func teamSlugs(ts []organizations.Team) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Slug)
	}
	return out
}

func testTeamCreate(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	other := h.createOrg("owner", "Other", nil)
	now := h.now()
	docs, err := h.svc.CreateTeam(h.ctx, org.ID, "  Docs Team ", &organizations.TeamOptions{Data: json.RawMessage(`{"color":"red"}`)})
	require.NoError(t, err)
	require.Equal(t, "Docs Team", docs.Name)
	require.Equal(t, "docs-team", docs.Slug)
	require.Equal(t, org.ID, docs.OrganizationID)
	require.JSONEq(t, `{"color":"red"}`, string(docs.Data))
	require.Equal(t, now, docs.CreatedAt)
	require.Equal(t, now, docs.UpdatedAt)
	h.requireEvents(organizations.TeamCreated{Team: docs})

	got, err := h.svc.Team(h.ctx, org.ID, docs.ID)
	require.NoError(t, err)
	require.Equal(t, docs, got)

	second := h.createTeam(org.ID, "Docs Team", nil)
	require.Equal(t, "docs-team-2", second.Slug, "a generated slug is suffixed within the organization")
	require.JSONEq(t, `{}`, string(second.Data))
	elsewhere := h.createTeam(other.ID, "Docs Team", nil)
	require.Equal(t, "docs-team", elsewhere.Slug, "team slugs are unique within their organization only")

	_, err = h.svc.CreateTeam(h.ctx, org.ID, "Whatever", &organizations.TeamOptions{Slug: "docs-team"})
	require.ErrorIs(t, err, organizations.ErrTeamSlugTaken)
	require.ErrorIs(t, err, organizations.ErrSlugTaken)
	explicit := h.createTeam(org.ID, "Whatever", &organizations.TeamOptions{Slug: "docs-team-3"})
	require.Equal(t, "docs-team-3", explicit.Slug)
	third := h.createTeam(org.ID, "Docs Team", nil)
	require.Equal(t, "docs-team-4", third.Slug, "a taken candidate is skipped")
	h.requireNoEvents()

	_, err = h.svc.Team(h.ctx, org.ID, elsewhere.ID)
	require.ErrorIs(t, err, organizations.ErrTeamNotFound, "a team is found only in its own organization")
	_, err = h.svc.Team(h.ctx, org.ID, uuid.New())
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	_, err = h.svc.Team(h.ctx, uuid.New(), docs.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	require.Equal(t, []string{"docs-team", "docs-team-2", "docs-team-3", "docs-team-4"}, teamSlugs(h.allTeams(org.ID, "", 0)))
}

func testTeamBadInput(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	team := h.createTeam(org.ID, "Docs", nil)
	for _, c := range []struct {
		err  error
		call func() error
	}{
		{organizations.ErrOrganizationNotFound, func() error {
			_, err := h.svc.CreateTeam(h.ctx, uuid.New(), "Docs", nil)
			return err
		}},
		{organizations.ErrOrganizationNotFound, func() error {
			_, err := h.svc.CreateTeam(h.ctx, uuid.Nil, "Docs", nil)
			return err
		}},
		{organizations.ErrInvalidName, func() error {
			_, err := h.svc.CreateTeam(h.ctx, org.ID, "  ", nil)
			return err
		}},
		{organizations.ErrInvalidSlug, func() error {
			_, err := h.svc.CreateTeam(h.ctx, org.ID, "Docs", &organizations.TeamOptions{Slug: "Not A Slug"})
			return err
		}},
		{organizations.ErrInvalidJSON, func() error {
			_, err := h.svc.CreateTeam(h.ctx, org.ID, "Docs", &organizations.TeamOptions{Data: json.RawMessage(`[1]`)})
			return err
		}},
		{organizations.ErrTeamNotFound, func() error {
			_, err := h.svc.AddTeamMember(h.ctx, org.ID, uuid.New(), "owner", "")
			return err
		}},
		{organizations.ErrInvalidUserID, func() error {
			_, err := h.svc.AddTeamMember(h.ctx, org.ID, team.ID, "", "")
			return err
		}},
		{organizations.ErrTeamNotFound, func() error { return h.svc.DeleteTeam(h.ctx, org.ID, uuid.Nil) }},
		{organizations.ErrTeamNotFound, func() error {
			_, err := h.svc.TeamMembers(h.ctx, org.ID, uuid.New(), organizations.ListOptions{})
			return err
		}},
		{organizations.ErrInvalidListOptions, func() error {
			_, err := h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{Limit: -1})
			return err
		}},
		{organizations.ErrOrganizationNotFound, func() error {
			_, err := h.svc.Teams(h.ctx, uuid.New(), organizations.ListOptions{})
			return err
		}},
		{organizations.ErrInvalidUserID, func() error {
			_, err := h.svc.TeamsForUser(h.ctx, org.ID, "", organizations.ListOptions{})
			return err
		}},
	} {
		require.ErrorIs(t, c.call(), c.err)
	}
	h.requireNoEvents()
	require.Len(t, h.allTeams(org.ID, "", 0), 1)
}

func testTeamUpdate(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	docs := h.createTeam(org.ID, "Docs", nil)
	h.createTeam(org.ID, "Support", nil)
	h.clock.Advance(time.Minute)

	name := "Documentation"
	got, err := h.svc.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Name: &name})
	require.NoError(t, err)
	require.Equal(t, "Documentation", got.Name)
	require.Equal(t, "docs", got.Slug, "renaming keeps the slug")
	require.Equal(t, h.now(), got.UpdatedAt)
	require.Equal(t, docs.CreatedAt, got.CreatedAt)
	h.requireEvents(organizations.TeamUpdated{Old: docs, New: got})

	_, err = h.svc.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Name: &name})
	require.NoError(t, err)
	h.requireNoEvents()

	slug, data := "documentation", json.RawMessage(`{"a":1}`)
	got2, err := h.svc.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Slug: &slug, Data: &data})
	require.NoError(t, err)
	require.Equal(t, "documentation", got2.Slug)
	require.JSONEq(t, `{"a":1}`, string(got2.Data))
	h.requireEvents(organizations.TeamUpdated{Old: got, New: got2})
	// The old slug is free again.
	again := h.createTeam(org.ID, "Docs", nil)
	require.Equal(t, "docs", again.Slug)

	taken := "support"
	_, err = h.svc.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Slug: &taken})
	require.ErrorIs(t, err, organizations.ErrTeamSlugTaken)
	_, err = h.svc.UpdateTeam(h.ctx, org.ID, uuid.New(), organizations.TeamUpdate{Name: &name})
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	bad := ""
	_, err = h.svc.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Name: &bad})
	require.ErrorIs(t, err, organizations.ErrInvalidName)
	h.requireNoEvents()
	read, err := h.svc.Team(h.ctx, org.ID, docs.ID)
	require.NoError(t, err)
	require.Equal(t, got2, read)
}

func testTeamDelete(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	docs := h.createTeam(org.ID, "Docs", nil)
	keep := h.createTeam(org.ID, "Keep", nil)
	h.addTeamMember(org.ID, docs.ID, "ann")
	h.addTeamMember(org.ID, keep.ID, "ann")

	require.NoError(t, h.svc.DeleteTeam(h.ctx, org.ID, docs.ID))
	h.requireEvents(organizations.TeamDeleted{Team: docs})
	_, err := h.svc.Team(h.ctx, org.ID, docs.ID)
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	require.ErrorIs(t, h.svc.DeleteTeam(h.ctx, org.ID, docs.ID), organizations.ErrTeamNotFound)
	require.Equal(t, []string{"keep"}, teamSlugs(h.allTeams(org.ID, "ann", 0)), "the deleted team's memberships went with it")
	require.Equal(t, []string{"keep"}, teamSlugs(h.allTeams(org.ID, "", 0)))
	// Its slug is free again.
	require.Equal(t, "docs", h.createTeam(org.ID, "Docs", nil).Slug)
	h.requireNoEvents()
}

func testTeamMembers(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	other := h.createOrg("zed", "Other", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	docs := h.createTeam(org.ID, "Docs", nil)
	h.clock.Advance(time.Second)

	m, err := h.svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
	require.NoError(t, err)
	require.Equal(t, organizations.TeamMember{ID: m.ID, TeamID: docs.ID, OrganizationID: org.ID, UserID: "ann", CreatedAt: h.now()}, m)
	require.NotEqual(t, uuid.Nil, m.ID)
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: m})

	_, err = h.svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrAlreadyTeamMember)
	_, err = h.svc.AddTeamMember(h.ctx, org.ID, docs.ID, "zed", "")
	require.ErrorIs(t, err, organizations.ErrNotMember, "a member of another organization is no member of this one's teams")
	_, err = h.svc.AddTeamMember(h.ctx, org.ID, docs.ID, "nobody", "")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.AddTeamMember(h.ctx, other.ID, docs.ID, "zed", "")
	require.ErrorIs(t, err, organizations.ErrTeamNotFound, "a team of another organization is not found")
	h.requireNoEvents()

	h.addTeamMember(org.ID, docs.ID, "owner")
	h.addTeamMember(org.ID, docs.ID, "bob")
	require.Equal(t, []organizations.UserID{"ann", "owner", "bob"}, h.teamUsers(org.ID, docs.ID, 0), "in the order added")

	require.ErrorIs(t, h.svc.RemoveTeamMember(h.ctx, org.ID, docs.ID, "zed"), organizations.ErrNotTeamMember)
	require.NoError(t, h.svc.RemoveTeamMember(h.ctx, org.ID, docs.ID, "ann"))
	h.requireEvents(organizations.TeamMemberRemoved{TeamMember: m})
	require.ErrorIs(t, h.svc.RemoveTeamMember(h.ctx, org.ID, docs.ID, "ann"), organizations.ErrNotTeamMember)
	require.Equal(t, []organizations.UserID{"owner", "bob"}, h.teamUsers(org.ID, docs.ID, 1))
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.NoError(t, err, "leaving a team is not leaving the organization")
	require.Empty(t, h.allTeams(org.ID, "ann", 0))
	require.Empty(t, h.allTeams(org.ID, "zed", 0), "a non-member has no teams")
}

func testTeamPages(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	var want []string
	for i := range 7 {
		tm := h.createTeam(org.ID, fmt.Sprintf("Team %d", i), nil)
		want = append(want, tm.Slug)
		if i%2 == 0 {
			h.addTeamMember(org.ID, tm.ID, "owner")
		}
		h.clock.Advance(time.Millisecond)
	}
	for _, limit := range []int{1, 2, 3, 7, 100} {
		require.Equal(t, want, teamSlugs(h.allTeams(org.ID, "", limit)), "limit %d", limit)
		require.Equal(t, []string{want[0], want[2], want[4], want[6]}, teamSlugs(h.allTeams(org.ID, "owner", limit)), "limit %d", limit)
	}
	team := h.allTeams(org.ID, "", 0)[0]
	var users []organizations.UserID
	for i := range 5 {
		u := organizations.UserID(fmt.Sprintf("user%d", i))
		h.addUser(org.ID, u, organizations.RoleMember)
		h.addTeamMember(org.ID, team.ID, u)
		users = append(users, u)
	}
	for _, limit := range []int{1, 2, 6} {
		require.Equal(t, append([]organizations.UserID{"owner"}, users...), h.teamUsers(org.ID, team.ID, limit))
	}
}

func testTeamMemberRemovedFromOrg(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	a := h.createTeam(org.ID, "A", nil)
	b := h.createTeam(org.ID, "B", nil)
	h.addTeamMember(org.ID, a.ID, "ann")
	h.addTeamMember(org.ID, b.ID, "ann")
	h.addTeamMember(org.ID, a.ID, "owner")

	err := h.svc.RemoveUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.Equal(t, []string{"user_removed"}, eventNames(h.events.take()), "the team memberships go with the membership, under its event")
	require.Empty(t, h.allTeams(org.ID, "ann", 0))
	require.Equal(t, []organizations.UserID{"owner"}, h.teamUsers(org.ID, a.ID, 0))
	require.Empty(t, h.teamUsers(org.ID, b.ID, 0))

	// Coming back does not bring the team memberships back.
	h.addUser(org.ID, "ann", organizations.RoleMember)
	require.Empty(t, h.allTeams(org.ID, "ann", 0))
	h.addTeamMember(org.ID, b.ID, "ann")
	require.Equal(t, []string{"b"}, teamSlugs(h.allTeams(org.ID, "ann", 0)))
}

func testTeamDeleteOrg(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	keep := h.createOrg("owner", "Keep", nil)
	a := h.createTeam(org.ID, "A", nil)
	k := h.createTeam(keep.ID, "A", nil)
	h.addTeamMember(org.ID, a.ID, "owner")
	h.addTeamMember(keep.ID, k.ID, "owner")
	require.NoError(t, h.svc.DeleteOrganization(h.ctx, org.ID))
	require.Equal(t, []string{"organization_deleted"}, eventNames(h.events.take()))
	_, err := h.svc.Team(h.ctx, org.ID, a.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.TeamMembers(h.ctx, org.ID, a.ID, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	require.Equal(t, []string{"a"}, teamSlugs(h.allTeams(keep.ID, "owner", 0)), "other organizations keep theirs")
	require.Equal(t, []organizations.UserID{"owner"}, h.teamUsers(keep.ID, k.ID, 0))
}

func testTeamSuspended(t *testing.T, h *harness) {
	if !suspensionStore.implemented(h.store) {
		t.Skip("the store does not implement organizations.SuspensionStore")
	}
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	a := h.createTeam(org.ID, "A", nil)
	b := h.createTeam(org.ID, "B", nil)
	h.addTeamMember(org.ID, a.ID, "ann")
	_, err := h.svc.SuspendUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	_, err = h.svc.SuspendUser(h.ctx, org.ID, "bob")
	require.NoError(t, err)
	h.events.take()

	require.Equal(t, []string{"a"}, teamSlugs(h.allTeams(org.ID, "ann", 0)), "a suspended member keeps their teams")
	_, err = h.svc.AddTeamMember(h.ctx, org.ID, b.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrNotMember, "a suspended member cannot join a team")
	_, err = h.svc.As("ann").CreateTeam(h.ctx, org.ID, "C", nil)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a suspended admin manages no team")
	require.ErrorIs(t, h.svc.As("ann").RemoveTeamMember(h.ctx, org.ID, a.ID, "ann"), organizations.ErrPermissionDenied,
		"a suspended member cannot leave a team")
	h.requireNoEvents()

	_, err = h.svc.ReactivateUser(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	h.events.take()
	require.Equal(t, []string{"a"}, teamSlugs(h.allTeams(org.ID, "ann", 0)), "reactivation restores them as they were")
	h.addTeamMember(org.ID, b.ID, "ann")
	require.Equal(t, []string{"a", "b"}, teamSlugs(h.allTeams(org.ID, "ann", 0)))
}

func testTeamAuthz(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	h.createOrg("zed", "Other", nil)
	admin, member, outsider := h.svc.As("ann"), h.svc.As("bob"), h.svc.As("zed")

	_, err := member.CreateTeam(h.ctx, org.ID, "Docs", nil)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = outsider.CreateTeam(h.ctx, org.ID, "Docs", nil)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = member.CreateTeam(h.ctx, uuid.New(), "Docs", nil)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "not found comes first")
	h.requireNoEvents()

	docs, err := admin.CreateTeam(h.ctx, org.ID, "Docs", nil)
	require.NoError(t, err)
	h.requireEvents(organizations.TeamCreated{Team: docs, Actor: "ann"})
	owned, err := h.svc.As("owner").CreateTeam(h.ctx, org.ID, "Owned", nil)
	require.NoError(t, err, "the owner holds every permission")
	h.requireEvents(organizations.TeamCreated{Team: owned, Actor: "owner"})

	_, err = member.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = member.AddTeamMember(h.ctx, org.ID, uuid.New(), "bob", "")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "permission before the team")
	m, err := admin.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.NoError(t, err)
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: m, Actor: "ann"})

	name := "Renamed"
	_, err = member.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Name: &name})
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	renamed, err := admin.UpdateTeam(h.ctx, org.ID, docs.ID, organizations.TeamUpdate{Name: &name})
	require.NoError(t, err)
	h.requireEvents(organizations.TeamUpdated{Old: docs, New: renamed, Actor: "ann"})

	require.ErrorIs(t, member.RemoveTeamMember(h.ctx, org.ID, docs.ID, "ann"), organizations.ErrPermissionDenied)
	require.NoError(t, member.RemoveTeamMember(h.ctx, org.ID, docs.ID, "bob"), "a member may leave a team")
	h.requireEvents(organizations.TeamMemberRemoved{TeamMember: m, Actor: "bob"})
	require.ErrorIs(t, outsider.RemoveTeamMember(h.ctx, org.ID, docs.ID, "zed"), organizations.ErrPermissionDenied)

	require.ErrorIs(t, member.DeleteTeam(h.ctx, org.ID, docs.ID), organizations.ErrPermissionDenied)
	h.requireNoEvents()
	// Demoted, ann loses the right at once.
	_, err = h.svc.SetRole(h.ctx, org.ID, "ann", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	require.ErrorIs(t, admin.DeleteTeam(h.ctx, org.ID, docs.ID), organizations.ErrPermissionDenied)
	require.NoError(t, h.svc.As("owner").DeleteTeam(h.ctx, org.ID, docs.ID))
	h.requireEvents(organizations.TeamDeleted{Team: renamed, Actor: "owner"})
}

// testTeamEventRecords checks that every team change records exactly the event the hook
// received, with its actor and subject, in the feed and the audit log.
func testTeamEventRecords(t *testing.T, h *harness) {
	if !eventStore.implemented(h.store) {
		t.Skip("the store does not implement organizations.EventStore")
	}
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	before := len(readFeed(t, h.ctx, h.svc, 100))

	admin := h.svc.As("ann")
	team, err := admin.CreateTeam(h.ctx, org.ID, "Docs", &organizations.TeamOptions{Data: json.RawMessage(`{"x":[1,"é"]}`)})
	require.NoError(t, err)
	_, err = admin.AddTeamMember(h.ctx, org.ID, team.ID, "bob", "")
	require.NoError(t, err)
	name, data := "Documentation", json.RawMessage(`{"y":true}`)
	_, err = h.svc.UpdateTeam(h.ctx, org.ID, team.ID, organizations.TeamUpdate{Name: &name, Data: &data})
	require.NoError(t, err)
	require.NoError(t, h.svc.As("bob").RemoveTeamMember(h.ctx, org.ID, team.ID, "bob"))
	_, err = admin.AddTeamMember(h.ctx, org.ID, team.ID, "ann", "")
	require.NoError(t, err)
	require.NoError(t, admin.DeleteTeam(h.ctx, org.ID, team.ID))
	// Refused calls record nothing.
	_, err = h.svc.As("bob").CreateTeam(h.ctx, org.ID, "No", nil)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)

	events := h.events.take()
	require.Equal(t, []string{"team_created", "team_member_added", "team_updated", "team_member_removed",
		"team_member_added", "team_deleted"}, eventNames(events))
	recs := readFeed(t, h.ctx, h.svc, 100)[before:]
	requireRecordsMatch(t, events, recs)
	require.Equal(t, organizations.UserID("ann"), recs[0].Actor)
	require.Equal(t, organizations.UserID("bob"), recs[1].Subject)
	require.Equal(t, organizations.UserID(""), recs[2].Actor)
	require.Equal(t, organizations.UserID("bob"), recs[3].Actor)

	page, err := h.svc.AuditLog(h.ctx, organizations.AuditQuery{OrganizationID: org.ID, Types: []string{"team_member_added"}}, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	require.Equal(t, organizations.UserID("ann"), page.Items[0].Subject, "newest first")
}

// testTeamRaceAddVsRemoveUser races adding a member to a team with removing them from the
// organization: whatever order they take, the user is never a team member without being
// an organization member.
func testTeamRaceAddVsRemoveUser(t *testing.T, h *harness) {
	h.events.noVerify()
	org := h.createOrg("owner", "Acme", nil)
	team := h.createTeam(org.ID, "Docs", nil)
	for round := range raceRounds {
		user := organizations.UserID(fmt.Sprintf("user%d", round))
		h.addUser(org.ID, user, organizations.RoleMember)
		add := round % 2 // which goroutine adds: alternated, so that each goes first sometimes
		errs := parallel(2, func(i int) error {
			if i == add {
				_, err := h.svc.AddTeamMember(h.ctx, org.ID, team.ID, user, "")
				return err
			}
			return h.svc.RemoveUser(h.ctx, org.ID, user)
		})
		require.NoError(t, errs[1-add], "round %d: the removal", round)
		if errs[add] != nil {
			require.ErrorIs(t, errs[add], organizations.ErrNotMember, "round %d: the addition came second", round)
		}
		require.NotContains(t, h.teamUsers(org.ID, team.ID, 0), user, "round %d: a team member who is not an organization member", round)
		require.Empty(t, h.allTeams(org.ID, user, 0), "round %d", round)
		_, err := h.svc.OrganizationUser(h.ctx, org.ID, user)
		require.True(t, errors.Is(err, organizations.ErrNotMember), "round %d: %v", round, err)
	}
	h.events.take()
}

// testTeamCounts checks the Total of the team lists: the whole list's size on every
// page, empty lists included, following additions and removals.
func testTeamCounts(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	count := func(p organizations.CountedPage[organizations.Team], err error) int {
		t.Helper()
		require.NoError(t, err)
		return p.Total
	}
	members := func(team uuid.UUID) (int, int) {
		t.Helper()
		p, err := h.svc.TeamMembers(h.ctx, org.ID, team, organizations.ListOptions{Limit: 1})
		require.NoError(t, err)
		return len(p.Items), p.Total
	}
	require.Zero(t, count(h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{})), "no team yet")
	require.Zero(t, count(h.svc.TeamsForUser(h.ctx, org.ID, "ann", organizations.ListOptions{})))
	require.Zero(t, count(h.svc.TeamsForUser(h.ctx, org.ID, "nobody", organizations.ListOptions{})))
	var teams []organizations.Team
	for i := range 3 {
		teams = append(teams, h.createTeam(org.ID, fmt.Sprintf("T%d", i), nil))
	}
	n, total := members(teams[0].ID)
	require.Equal(t, [2]int{0, 0}, [2]int{n, total}, "an empty team")
	h.addTeamMember(org.ID, teams[0].ID, "ann")
	h.addTeamMember(org.ID, teams[0].ID, "owner")
	h.addTeamMember(org.ID, teams[2].ID, "ann")

	require.Equal(t, 3, count(h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{Limit: 1})), "the whole list, not the page")
	require.Equal(t, 2, count(h.svc.TeamsForUser(h.ctx, org.ID, "ann", organizations.ListOptions{Limit: 1})))
	require.Equal(t, 1, count(h.svc.TeamsForUser(h.ctx, org.ID, "owner", organizations.ListOptions{})))
	n, total = members(teams[0].ID)
	require.Equal(t, [2]int{1, 2}, [2]int{n, total})
	last, err := h.svc.TeamMembers(h.ctx, org.ID, teams[0].ID, organizations.ListOptions{Limit: 1, After: func() string {
		p, err := h.svc.TeamMembers(h.ctx, org.ID, teams[0].ID, organizations.ListOptions{Limit: 1})
		require.NoError(t, err)
		return p.Next
	}()})
	require.NoError(t, err)
	require.Equal(t, 2, last.Total, "the last page too")
	require.Len(t, last.Items, 1)

	b, err := json.Marshal(last)
	require.NoError(t, err)
	require.Contains(t, string(b), `"total":2`)
	require.NotContains(t, string(b), `"next"`)

	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "ann"))
	h.events.take()
	require.Equal(t, 0, count(h.svc.TeamsForUser(h.ctx, org.ID, "ann", organizations.ListOptions{})), "gone with the membership")
	_, total = members(teams[0].ID)
	require.Equal(t, 1, total)
	require.NoError(t, h.svc.DeleteTeam(h.ctx, org.ID, teams[1].ID))
	h.events.take()
	require.Equal(t, 2, count(h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{})))
	other := h.createOrg("zed", "Other", nil)
	h.createTeam(other.ID, "T0", nil)
	require.Equal(t, 2, count(h.svc.Teams(h.ctx, org.ID, organizations.ListOptions{})), "per organization")
}
