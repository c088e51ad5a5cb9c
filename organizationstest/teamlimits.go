package organizationstest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// teamLimitRounds is how many times each limit race runs, each on a fresh team or
// organization.
const teamLimitRounds = 5

func teamLimitTests() []test {
	return []test{
		{"MaxTeams", testTeamLimitTeams},
		{"MaxTeamMembers", testTeamLimitMembers},
		{"RaceCreateAtMaxTeams", testTeamLimitRaceCreate},
		{"RaceAddAtMaxTeamMembers", testTeamLimitRaceAdd},
	}
}

// limitSvc is a Service over the harness's store with the team limits maxTeams and
// maxMembers, its events going to the harness's recorder.
func (h *harness) limitSvc(maxTeams, maxMembers int) *organizations.Service {
	return organizations.New(h.store, &organizations.Options{
		Now: h.clock.Now, Events: h.events.record, MaxTeams: maxTeams, MaxTeamMembers: maxMembers,
	})
}

func testTeamLimitTeams(t *testing.T, h *harness) {
	svc := h.limitSvc(2, 0)
	org := h.createOrg("owner", "Acme", nil)
	other := h.createOrg("owner", "Other", nil)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	a, err := svc.CreateTeam(h.ctx, org.ID, "A", nil)
	require.NoError(t, err)
	_, err = svc.CreateTeam(h.ctx, org.ID, "B", nil)
	require.NoError(t, err)
	h.events.take()

	_, err = svc.CreateTeam(h.ctx, org.ID, "C", nil)
	require.ErrorIs(t, err, organizations.ErrTeamLimit)
	_, err = svc.CreateTeam(h.ctx, org.ID, "C", &organizations.TeamOptions{Slug: "a"})
	require.ErrorIs(t, err, organizations.ErrTeamLimit, "the limit before the slug")
	_, err = svc.As("bob").CreateTeam(h.ctx, org.ID, "C", nil)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "the permission before the limit")
	_, err = svc.CreateTeam(h.ctx, uuid.New(), "C", nil)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
	require.Len(t, h.allTeams(org.ID, "", 0), 2, "nothing refused was stored")

	_, err = svc.CreateTeam(h.ctx, other.ID, "A", nil)
	require.NoError(t, err, "the limit is per organization")
	require.NoError(t, svc.DeleteTeam(h.ctx, org.ID, a.ID))
	_, err = svc.CreateTeam(h.ctx, org.ID, "C", nil)
	require.NoError(t, err, "a deleted team frees its place")
	h.events.take()

	// The limit is the Service's: a Service with a lower one refuses, one without
	// creates, and nothing is taken away.
	_, err = h.limitSvc(1, 0).CreateTeam(h.ctx, org.ID, "D", nil)
	require.ErrorIs(t, err, organizations.ErrTeamLimit)
	_, err = h.svc.CreateTeam(h.ctx, org.ID, "D", nil)
	require.NoError(t, err)
	_, err = h.limitSvc(-1, 0).CreateTeam(h.ctx, org.ID, "E", nil)
	require.NoError(t, err, "a negative limit is none")
	h.events.take()
	require.Len(t, h.allTeams(org.ID, "", 0), 4)
}

func testTeamLimitMembers(t *testing.T, h *harness) {
	svc := h.limitSvc(0, 2)
	org := h.createOrg("owner", "Acme", nil)
	for _, u := range []organizations.UserID{"ann", "bob", "cat"} {
		h.addUser(org.ID, u, organizations.RoleMember)
	}
	docs := h.createTeam(org.ID, "Docs", nil)
	site := h.createTeam(org.ID, "Site", nil)
	_, err := svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
	require.NoError(t, err)
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.NoError(t, err)
	h.events.take()

	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "cat", "")
	require.ErrorIs(t, err, organizations.ErrTeamMemberLimit)
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrAlreadyTeamMember, "already a member before the limit")
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "nobody", "")
	require.ErrorIs(t, err, organizations.ErrNotMember, "not a member before the limit")
	_, err = svc.As("bob").AddTeamMember(h.ctx, org.ID, docs.ID, "cat", "")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	h.requireNoEvents()
	require.Equal(t, []organizations.UserID{"ann", "bob"}, h.teamUsers(org.ID, docs.ID, 0))

	_, err = svc.AddTeamMember(h.ctx, org.ID, site.ID, "cat", "")
	require.NoError(t, err, "the limit is per team")
	require.NoError(t, svc.RemoveTeamMember(h.ctx, org.ID, docs.ID, "ann"))
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "cat", "")
	require.NoError(t, err, "a member who left frees a place")
	h.events.take()

	// Suspended members keep their team memberships, and count.
	if suspensionStore.implemented(h.store) {
		_, err = svc.SuspendUser(h.ctx, org.ID, "bob")
		require.NoError(t, err)
		_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
		require.ErrorIs(t, err, organizations.ErrTeamMemberLimit)
		h.events.take()
	}
	// Leaving the organization leaves the team, and frees the place.
	require.NoError(t, svc.RemoveUser(h.ctx, org.ID, "bob"))
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "")
	require.NoError(t, err)
	h.events.take()
}

// testTeamLimitRaceCreate runs seatRace parallel creates in an organization one team
// short of MaxTeams: exactly one is made, every other is refused with ErrTeamLimit.
func testTeamLimitRaceCreate(t *testing.T, h *harness) {
	h.events.noVerify()
	const limit = 3
	svc := h.limitSvc(limit, 0)
	for round := range teamLimitRounds {
		org := h.createOrg("owner", fmt.Sprintf("Acme %d", round), nil)
		for i := range limit - 1 {
			_, err := svc.CreateTeam(h.ctx, org.ID, fmt.Sprintf("Team %d", i), nil)
			require.NoError(t, err)
		}
		errs := parallel(seatRace, func(i int) error {
			return errOnly(svc.CreateTeam(h.ctx, org.ID, fmt.Sprintf("Racer %d", i), nil))
		})
		refused, ok := countErrors(errs, organizations.ErrTeamLimit)
		require.Equal(t, 1, ok, "round %d: exactly one create gets the last place: %v", round, errs)
		require.Equal(t, seatRace-1, refused, "round %d: %v", round, errs)
		require.Len(t, h.allTeams(org.ID, "", 0), limit, "round %d", round)
	}
	h.events.take()
}

// testTeamLimitRaceAdd runs seatRace parallel additions of different members to a team
// one member short of MaxTeamMembers: exactly one is added, every other is refused with
// ErrTeamMemberLimit.
func testTeamLimitRaceAdd(t *testing.T, h *harness) {
	h.events.noVerify()
	const limit = 3
	svc := h.limitSvc(0, limit)
	org := h.createOrg("owner", "Acme", nil)
	for i := range seatRace {
		h.addUser(org.ID, organizations.UserID(fmt.Sprintf("u%02d", i)), organizations.RoleMember)
	}
	for round := range teamLimitRounds {
		team := h.createTeam(org.ID, fmt.Sprintf("Team %d", round), nil)
		for i := range limit - 1 {
			_, err := svc.AddTeamMember(h.ctx, org.ID, team.ID, organizations.UserID(fmt.Sprintf("u%02d", i)), "")
			require.NoError(t, err)
		}
		errs := parallel(seatRace-(limit-1), func(i int) error {
			user := organizations.UserID(fmt.Sprintf("u%02d", limit-1+i))
			return errOnly(svc.AddTeamMember(h.ctx, org.ID, team.ID, user, ""))
		})
		refused, ok := countErrors(errs, organizations.ErrTeamMemberLimit)
		require.Equal(t, 1, ok, "round %d: exactly one addition gets the last place: %v", round, errs)
		require.Equal(t, seatRace-limit, refused, "round %d: %v", round, errs)
		require.Len(t, h.teamUsers(org.ID, team.ID, 0), limit, "round %d", round)
	}
	h.events.take()
}
