package organizationstest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// The team role tests run under teamRolePolicy: the organization roles member
// (docs:read), admin (member and the library's permissions, none of the docs ones) and
// lead (admin with docs:write and docs:publish); the team roles writer (docs:write) and
// maintainer (writer and docs:publish).
var teamRolePolicy = organizations.MustPolicy(
	organizations.RoleDefinition{Name: organizations.RoleMember, Permissions: []organizations.Permission{"docs:read"}},
	organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
		Permissions: organizations.LibraryPermissions()},
	organizations.RoleDefinition{Name: "lead", Includes: []organizations.Role{organizations.RoleAdmin},
		Permissions: []organizations.Permission{"docs:write", "docs:publish"}},
	organizations.RoleDefinition{Name: "writer", Scope: organizations.ScopeTeam, Permissions: []organizations.Permission{"docs:write"}},
	organizations.RoleDefinition{Name: "maintainer", Scope: organizations.ScopeTeam, Includes: []organizations.Role{"writer"},
		Permissions: []organizations.Permission{"docs:publish"}},
)

func teamRoleTests() []test {
	return []test{
		{"RolesStoredAndChanged", testTeamRoles},
		{"TeamAccess", testTeamAccess},
		{"RoleEscalation", testTeamRoleEscalation},
		{"RoleEventRecords", testTeamRoleEventRecords},
		{"RaceDemotionVsGrant", testTeamRoleRaceDemotionVsGrant},
	}
}

// roleSvc is a Service over the harness's store under teamRolePolicy, its events going
// to the harness's recorder.
func (h *harness) roleSvc() *organizations.Service {
	return organizations.New(h.store, &organizations.Options{Now: h.clock.Now, Events: h.events.record, Policy: teamRolePolicy})
}

// teamAccess reads user's TeamAccess through svc.
func (h *harness) teamAccess(svc *organizations.Service, org, team uuid.UUID, user organizations.UserID) organizations.TeamAccess {
	h.t.Helper()
	a, err := svc.TeamAccess(h.ctx, org, team, user)
	require.NoError(h.t, err)
	return a
}

func testTeamRoles(t *testing.T, h *harness) {
	svc := h.roleSvc()
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	docs := h.createTeam(org.ID, "Docs", nil)

	m, err := svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "writer")
	require.NoError(t, err)
	require.Equal(t, organizations.Role("writer"), m.Role)
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: m})
	plain, err := svc.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.NoError(t, err)
	require.Empty(t, plain.Role, "no team role")
	h.events.take()
	page, err := svc.TeamMembers(h.ctx, org.ID, docs.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, []organizations.TeamMember{m, plain}, page.Items, "the lists carry the roles")

	// The role's JSON: "role" only when set.
	b, err := json.Marshal(plain)
	require.NoError(t, err)
	require.NotContains(t, string(b), `"role"`)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	require.Contains(t, string(b), `"role":"writer"`)

	for _, bad := range []organizations.Role{"admin", "ghost", "Writer", "owner"} {
		_, err = svc.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", bad)
		require.ErrorIs(t, err, organizations.ErrInvalidRole, "%q is no team role", bad)
		_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "owner", bad)
		require.ErrorIs(t, err, organizations.ErrInvalidRole, "%q is no team role", bad)
	}
	_, err = h.svc.AddTeamMember(h.ctx, org.ID, docs.ID, "owner", "writer")
	require.ErrorIs(t, err, organizations.ErrInvalidRole, "DefaultPolicy declares no team role")
	_, err = svc.SetTeamRole(h.ctx, org.ID, docs.ID, "owner", "writer")
	require.ErrorIs(t, err, organizations.ErrNotTeamMember)
	_, err = svc.SetTeamRole(h.ctx, org.ID, uuid.New(), "ann", "writer")
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	_, err = svc.SetTeamRole(h.ctx, uuid.New(), docs.ID, "ann", "writer")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = svc.SetTeamRole(h.ctx, org.ID, docs.ID, "", "writer")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	h.requireNoEvents()

	got, err := svc.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", "maintainer")
	require.NoError(t, err)
	want := m
	want.Role = "maintainer"
	require.Equal(t, want, got)
	h.requireEvents(organizations.TeamRoleChanged{Old: m, New: want})
	_, err = svc.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", "maintainer")
	require.NoError(t, err)
	h.requireNoEvents() // the same role changes nothing
	cleared, err := svc.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", "")
	require.NoError(t, err)
	require.Empty(t, cleared.Role)
	h.requireEvents(organizations.TeamRoleChanged{Old: want, New: cleared})
	require.Equal(t, cleared, h.teamAccess(svc, org.ID, docs.ID, "ann").TeamMember)

	// Leaving the organization takes the team role with the team membership.
	_, err = svc.SetTeamRole(h.ctx, org.ID, docs.ID, "bob", "writer")
	require.NoError(t, err)
	require.NoError(t, svc.RemoveUser(h.ctx, org.ID, "bob"))
	h.events.take()
	h.addUser(org.ID, "bob", organizations.RoleMember)
	back, err := svc.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.NoError(t, err)
	require.Empty(t, back.Role, "coming back does not bring the team role back")
	h.events.take()
}

func testTeamAccess(t *testing.T, h *harness) {
	svc := h.roleSvc()
	org := h.createOrg("owner", "Acme", nil)
	other := h.createOrg("zed", "Other", nil)
	h.addUser(org.ID, "ann", organizations.RoleMember)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	h.addUser(org.ID, "cat", organizations.RoleMember)
	docs := h.createTeam(org.ID, "Docs", nil)
	support := h.createTeam(org.ID, "Support", nil)
	elsewhere := h.createTeam(other.ID, "Docs", nil)
	ann, err := svc.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "maintainer")
	require.NoError(t, err)
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "bob", "")
	require.NoError(t, err)
	_, err = svc.AddTeamMember(h.ctx, org.ID, docs.ID, "cat", "writer")
	require.NoError(t, err)
	h.events.take()

	a := h.teamAccess(svc, org.ID, docs.ID, "ann")
	require.Equal(t, docs, a.Team)
	require.True(t, a.Access.IsMember)
	require.False(t, a.Access.IsOwner)
	require.Equal(t, org.ID, a.Access.Organization.ID)
	require.Equal(t, organizations.UserID("ann"), a.Access.Membership.UserID)
	require.True(t, a.IsTeamMember)
	require.Equal(t, ann, a.TeamMember)
	for perm, can := range map[organizations.Permission]bool{
		"docs:read": true, "docs:write": true, "docs:publish": true, organizations.PermTeamsManage: false, "ghost:x": false,
	} {
		require.Equal(t, can, a.Can(perm), "ann in docs: %s", perm)
	}
	require.Equal(t, []organizations.Permission{"docs:publish", "docs:read", "docs:write"}, a.Permissions())
	require.False(t, a.Access.Can("docs:write"), "a team role grants nothing in the organization at large")
	orgAccess, err := svc.Access(h.ctx, org.ID, "ann")
	require.NoError(t, err)
	require.False(t, orgAccess.Can("docs:write"))
	ok, err := svc.HasPermission(h.ctx, org.ID, "ann", "docs:write")
	require.NoError(t, err)
	require.False(t, ok)

	inSupport := h.teamAccess(svc, org.ID, support.ID, "ann")
	require.True(t, inSupport.Access.IsMember)
	require.False(t, inSupport.IsTeamMember)
	require.Zero(t, inSupport.TeamMember)
	require.True(t, inSupport.Can("docs:read"), "the organization's permissions hold in every team")
	require.False(t, inSupport.Can("docs:write"), "a team role holds in its own team only")

	plain := h.teamAccess(svc, org.ID, docs.ID, "bob")
	require.True(t, plain.IsTeamMember)
	require.Equal(t, []organizations.Permission{"docs:read"}, plain.Permissions())

	owner := h.teamAccess(svc, org.ID, docs.ID, "owner")
	require.True(t, owner.Access.IsOwner)
	require.False(t, owner.IsTeamMember)
	require.True(t, owner.Can("docs:publish"), "the owner holds every permission")
	require.True(t, owner.Can(organizations.PermTeamsManage))

	for _, nobody := range []organizations.UserID{"zed", "nobody", "", "Not A User\x00"} {
		n := h.teamAccess(svc, org.ID, docs.ID, nobody)
		require.False(t, n.Access.IsMember, "%q", nobody)
		require.False(t, n.IsTeamMember, "%q", nobody)
		require.False(t, n.Can("docs:read"), "%q", nobody)
		require.Empty(t, n.Permissions(), "%q", nobody)
		require.Equal(t, docs, n.Team)
	}

	_, err = svc.TeamAccess(h.ctx, org.ID, elsewhere.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrTeamNotFound, "another organization's team")
	_, err = svc.TeamAccess(h.ctx, org.ID, uuid.New(), "ann")
	require.ErrorIs(t, err, organizations.ErrTeamNotFound)
	_, err = svc.TeamAccess(h.ctx, uuid.New(), docs.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = svc.TeamAccess(h.ctx, uuid.Nil, docs.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	for _, c := range []struct {
		org, team uuid.UUID
		user      organizations.UserID
		perm      organizations.Permission
		want      bool
	}{
		{org.ID, docs.ID, "cat", "docs:write", true},
		{org.ID, docs.ID, "cat", "docs:publish", false},
		{org.ID, support.ID, "cat", "docs:write", false},
		{org.ID, uuid.New(), "cat", "docs:read", false},
		{uuid.New(), docs.ID, "cat", "docs:read", false},
	} {
		got, err := svc.HasTeamPermission(h.ctx, c.org, c.team, c.user, c.perm)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%+v", c)
	}

	// A suspended member's team membership and role grant nothing while it lasts.
	if suspensionStore.implemented(h.store) {
		_, err = svc.SuspendUser(h.ctx, org.ID, "ann")
		require.NoError(t, err)
		s := h.teamAccess(svc, org.ID, docs.ID, "ann")
		require.False(t, s.Access.IsMember)
		require.False(t, s.IsTeamMember)
		require.False(t, s.Can("docs:write"))
		require.False(t, s.Can("docs:read"))
		_, err = svc.ReactivateUser(h.ctx, org.ID, "ann")
		require.NoError(t, err)
		r := h.teamAccess(svc, org.ID, docs.ID, "ann")
		require.True(t, r.Can("docs:publish"), "restored as it was")
		h.events.take()
	}
}

func testTeamRoleEscalation(t *testing.T, h *harness) {
	svc := h.roleSvc()
	org := h.createOrg("owner", "Acme", nil)
	for _, u := range []organizations.UserID{"ann", "bob", "dan", "eve", "fay"} {
		h.addUser(org.ID, u, organizations.RoleMember)
	}
	_, err := svc.SetRole(h.ctx, org.ID, "ann", organizations.RoleAdmin) // teams:manage, no docs permission
	require.NoError(t, err)
	_, err = svc.AddUser(h.ctx, org.ID, "cat", "lead") // teams:manage and every docs permission
	require.NoError(t, err)
	docs := h.createTeam(org.ID, "Docs", nil)
	support := h.createTeam(org.ID, "Support", nil)
	h.events.take()
	ann, bob, cat := svc.As("ann"), svc.As("bob"), svc.As("cat")

	// Giving a team role takes its permissions in the team.
	_, err = ann.AddTeamMember(h.ctx, org.ID, docs.ID, "dan", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation, "ann holds no docs:write")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "ErrEscalation wraps it")
	_, err = bob.AddTeamMember(h.ctx, org.ID, docs.ID, "dan", "")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "bob may not manage teams")
	require.NotErrorIs(t, err, organizations.ErrEscalation)
	_, err = ann.AddTeamMember(h.ctx, org.ID, docs.ID, "nobody", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation, "escalation before the membership")
	h.requireNoEvents()
	plain, err := ann.AddTeamMember(h.ctx, org.ID, docs.ID, "dan", "")
	require.NoError(t, err, "no team role: teams:manage is enough")
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: plain, Actor: "ann"})
	m, err := cat.AddTeamMember(h.ctx, org.ID, docs.ID, "eve", "maintainer")
	require.NoError(t, err, "cat's organization role holds the maintainer's permissions")
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: m, Actor: "cat"})

	// Within the team: ann made a maintainer of docs may give writer and maintainer
	// there, and nothing in support.
	annDocs, err := cat.AddTeamMember(h.ctx, org.ID, docs.ID, "ann", "maintainer")
	require.NoError(t, err)
	h.events.take()
	fay, err := ann.AddTeamMember(h.ctx, org.ID, docs.ID, "fay", "writer")
	require.NoError(t, err, "ann's team role in docs covers writer")
	h.requireEvents(organizations.TeamMemberAdded{TeamMember: fay, Actor: "ann"})
	_, err = ann.AddTeamMember(h.ctx, org.ID, support.ID, "fay", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation, "ann's team role holds in docs only")
	_, err = ann.AddTeamMember(h.ctx, org.ID, support.ID, "ann", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation, "nor may she give herself one")
	h.requireNoEvents()
	got, err := ann.SetTeamRole(h.ctx, org.ID, docs.ID, "fay", "maintainer")
	require.NoError(t, err)
	h.requireEvents(organizations.TeamRoleChanged{Old: fay, New: got, Actor: "ann"})

	// Changing a role needs the current one and the new one covered; nobody raises
	// their own.
	_, err = ann.AddTeamMember(h.ctx, org.ID, support.ID, "ann", "")
	require.NoError(t, err)
	h.events.take()
	_, err = ann.SetTeamRole(h.ctx, org.ID, support.ID, "ann", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation, "ann cannot raise herself in support")
	_, err = bob.SetTeamRole(h.ctx, org.ID, docs.ID, "dan", "")
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = ann.SetTeamRole(h.ctx, org.ID, docs.ID, "nobody", "writer")
	require.ErrorIs(t, err, organizations.ErrNotTeamMember)
	h.requireNoEvents()

	// Taking a team role away needs it covered too: in support, where ann holds no
	// docs permission, she can neither demote nor remove eve the maintainer, nor delete
	// the team that has her.
	eve, err := cat.AddTeamMember(h.ctx, org.ID, support.ID, "eve", "maintainer")
	require.NoError(t, err)
	h.events.take()
	_, err = ann.SetTeamRole(h.ctx, org.ID, support.ID, "eve", "")
	require.ErrorIs(t, err, organizations.ErrEscalation)
	require.ErrorIs(t, ann.RemoveTeamMember(h.ctx, org.ID, support.ID, "eve"), organizations.ErrEscalation)
	require.ErrorIs(t, ann.DeleteTeam(h.ctx, org.ID, support.ID), organizations.ErrEscalation)
	h.requireNoEvents()
	require.NoError(t, svc.As("eve").RemoveTeamMember(h.ctx, org.ID, support.ID, "eve"), "a member may always leave")
	h.requireEvents(organizations.TeamMemberRemoved{TeamMember: eve, Actor: "eve"})
	require.NoError(t, ann.DeleteTeam(h.ctx, org.ID, support.ID), "no team role left there")
	h.events.take()

	// The decision reads the actor's team role as it is at the write: demoted in docs,
	// ann loses what it gave her at once.
	_, err = cat.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", "")
	require.NoError(t, err)
	h.events.take()
	_, err = ann.SetTeamRole(h.ctx, org.ID, docs.ID, "dan", "writer")
	require.ErrorIs(t, err, organizations.ErrEscalation)
	require.ErrorIs(t, ann.RemoveTeamMember(h.ctx, org.ID, docs.ID, "fay"), organizations.ErrEscalation)
	require.NoError(t, ann.RemoveTeamMember(h.ctx, org.ID, docs.ID, "dan"), "dan holds no team role")
	h.events.take()
	annDocs.Role = ""
	require.Equal(t, annDocs, h.teamAccess(svc, org.ID, docs.ID, "ann").TeamMember)

	// The owner holds every permission.
	owner := svc.As("owner")
	_, err = owner.SetTeamRole(h.ctx, org.ID, docs.ID, "ann", "maintainer")
	require.NoError(t, err)
	require.NoError(t, owner.DeleteTeam(h.ctx, org.ID, docs.ID))
	require.Equal(t, []string{"team_role_changed", "team_deleted"}, eventNames(h.events.take()))
}

// testTeamRoleEventRecords checks that team role changes record exactly the events the
// hook received, with actor and subject, in the feed and the audit log.
func testTeamRoleEventRecords(t *testing.T, h *harness) {
	if !eventStore.implemented(h.store) {
		t.Skip("the store does not implement organizations.EventStore")
	}
	svc := h.roleSvc()
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	_, err := svc.AddUser(h.ctx, org.ID, "cat", "lead")
	require.NoError(t, err)
	team := h.createTeam(org.ID, "Docs", nil)
	h.events.take()
	before := len(readFeed(t, h.ctx, svc, 100))

	cat := svc.As("cat")
	_, err = cat.AddTeamMember(h.ctx, org.ID, team.ID, "bob", "writer")
	require.NoError(t, err)
	_, err = cat.SetTeamRole(h.ctx, org.ID, team.ID, "bob", "maintainer")
	require.NoError(t, err)
	_, err = svc.SetTeamRole(h.ctx, org.ID, team.ID, "bob", "")
	require.NoError(t, err)
	_, err = svc.SetTeamRole(h.ctx, org.ID, team.ID, "bob", "") // unchanged: no record
	require.NoError(t, err)
	_, err = svc.As("bob").SetTeamRole(h.ctx, org.ID, team.ID, "bob", "writer") // refused: no record
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.NoError(t, cat.RemoveTeamMember(h.ctx, org.ID, team.ID, "bob"))

	events := h.events.take()
	require.Equal(t, []string{"team_member_added", "team_role_changed", "team_role_changed", "team_member_removed"}, eventNames(events))
	recs := readFeed(t, h.ctx, svc, 100)[before:]
	requireRecordsMatch(t, events, recs)
	for i, actor := range []organizations.UserID{"cat", "cat", "", "cat"} {
		require.Equal(t, actor, recs[i].Actor, "record %d", i)
		require.Equal(t, organizations.UserID("bob"), recs[i].Subject, "record %d", i)
	}
	page, err := svc.AuditLog(h.ctx, organizations.AuditQuery{OrganizationID: org.ID, Types: []string{"team_role_changed"}}, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, 2)
	latest, err := page.Items[0].Event()
	require.NoError(t, err)
	require.Equal(t, organizations.Role("maintainer"), latest.(organizations.TeamRoleChanged).Old.Role, "newest first")
}

// testTeamRoleRaceDemotionVsGrant races ann, a maintainer of the team, giving a team
// role with the owner taking hers away. The grant is decided on ann's team role as the
// write finds it: it succeeds only if it took effect before the demotion, so in the feed
// (each organization's records in the order their changes took effect) a grant by ann
// never follows her demotion.
func testTeamRoleRaceDemotionVsGrant(t *testing.T, h *harness) {
	if !eventStore.implemented(h.store) {
		t.Skip("the store does not implement organizations.EventStore")
	}
	h.events.noVerify()
	svc := h.roleSvc()
	org := h.createOrg("owner", "Acme", nil)
	h.addUser(org.ID, "ann", organizations.RoleAdmin)
	team := h.createTeam(org.ID, "Docs", nil)
	_, err := svc.AddTeamMember(h.ctx, org.ID, team.ID, "ann", "")
	require.NoError(t, err)
	granted := 0
	for round := range raceRounds {
		user := organizations.UserID(fmt.Sprintf("user%d", round))
		h.addUser(org.ID, user, organizations.RoleMember)
		_, err := svc.SetTeamRole(h.ctx, org.ID, team.ID, "ann", "maintainer")
		require.NoError(t, err)
		grantErr, demoteErr := race(round,
			func() error { return errOnly(svc.As("ann").AddTeamMember(h.ctx, org.ID, team.ID, user, "writer")) },
			func() error { return errOnly(svc.As("owner").SetTeamRole(h.ctx, org.ID, team.ID, "ann", "")) })
		require.NoError(t, demoteErr, "round %d: the demotion", round)
		if grantErr != nil {
			require.ErrorIs(t, grantErr, organizations.ErrEscalation, "round %d: the grant came second", round)
		} else {
			granted++
		}
	}
	h.events.take()
	demoted := false
	for _, r := range readFeed(t, h.ctx, svc, 500) {
		if r.OrganizationID != org.ID {
			continue
		}
		e, err := r.Event()
		require.NoError(t, err)
		switch e := e.(type) {
		case organizations.TeamRoleChanged:
			demoted = e.New.Role == ""
		case organizations.TeamMemberAdded:
			if e.Actor == "ann" {
				require.False(t, demoted, "a grant by ann took effect after her demotion: %+v", e)
				require.Equal(t, organizations.Role("writer"), e.TeamMember.Role)
			}
		}
	}
	t.Logf("%d of %d grants came first", granted, raceRounds)
}
