package main

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// The app's team role and the permission it grants within its team: a team's
// maintainers edit the team's docs note.
const (
	roleMaintainer organizations.Role       = "maintainer"
	permDocsWrite  organizations.Permission = "docs:write"
)

// appPolicy is the app's Policy: the library's DefaultPolicy (admins hold every library
// permission, teams:manage included; members hold none) and one team role, maintainer,
// which grants docs:write within its team and nowhere else. No organization role holds
// docs:write, so within a team only the owner and that team's maintainers may edit its
// docs note; an admin who is not a maintainer there may not, nor make anyone one (the
// store refuses giving a team role whose permissions the giver lacks in the team).
var appPolicy = organizations.MustPolicy(append(organizations.DefaultPolicy().Roles(),
	organizations.RoleDefinition{Name: roleMaintainer, Scope: organizations.ScopeTeam,
		Permissions: []organizations.Permission{permDocsWrite}})...)

// maxNote bounds a team's docs note, in characters.
const maxNote = 2000

// teamRoutes adds the teams' routes to the app's URL map. Members see the organization's
// teams and each team's page; creating, renaming and deleting teams and managing their
// members need PermTeamsManage (the handlers make each change through a.orgs.As(r), so
// that the store checks it again, with the team role rules, in the write); removing a
// team member needs only membership, as a member may always leave a team and the store
// decides the rest; editing a team's docs note needs docs:write within that team
// (RequireTeamPermission). A {team} that is not a team of {org} is a 404 on every route.
func (a *App) teamRoutes(handle func(string, http.Handler), member func(http.Handler) http.Handler,
	may func(organizations.Permission, http.Handler) http.Handler) {
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return a.inTeam(http.HandlerFunc(f)) }
	manage := func(f func(http.ResponseWriter, *http.Request)) http.Handler {
		return may(organizations.PermTeamsManage, h(f))
	}
	handle("GET /orgs/{org}/teams", member(http.HandlerFunc(a.teams)))
	handle("POST /orgs/{org}/teams", may(organizations.PermTeamsManage, a.posted(a.createTeam)))
	handle("GET /orgs/{org}/teams/{team}", member(h(a.showTeam)))
	handle("POST /orgs/{org}/teams/{team}/edit", manage(a.posted(a.renameTeam)))
	handle("POST /orgs/{org}/teams/{team}/delete", manage(a.deleteTeam))
	handle("POST /orgs/{org}/teams/{team}/members", manage(a.posted(a.addTeamMember)))
	handle("POST /orgs/{org}/teams/{team}/members/{user}/role", manage(a.posted(a.setTeamRole)))
	handle("POST /orgs/{org}/teams/{team}/members/{user}/remove", member(h(a.removeTeamMember)))
	handle("POST /orgs/{org}/teams/{team}/docs", a.orgs.RequireTeamPermission(permDocsWrite)(h(a.posted(a.editTeamDocs))))
}

// inTeam refuses, with the 404 page, a request whose {team} names no team of the
// request's organization (another organization's team included): orghttp resolved it
// with the organization (Config.TeamResolvers). Behind a guard, so the guard answers
// first.
func (a *App) inTeam(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := orghttp.Team(r.Context()); !ok {
			a.fail(w, r, explain(organizations.ErrTeamNotFound, "This organization has no such team: it may have just been deleted."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// currentTeam returns the request's team with the requester's access to it, as the
// guard's one store call read it (behind inTeam it is there).
func currentTeam(r *http.Request) organizations.TeamAccess {
	t, _ := orghttp.Team(r.Context())
	return t
}

// teamPath is the path of a team's page, or of one of its sub-pages.
func teamPath(slug string, team uuid.UUID, rest ...string) string {
	return orgPath(slug, append([]string{"teams", team.String()}, rest...)...)
}

// teamMessages are the team calls' refusals in the teams' words, tested in order with
// errors.Is; they take precedence over appErrors' messages on the team pages.
var teamMessages = []struct {
	err error
	msg string
}{
	{organizations.ErrInvalidName, "A team name has 1 to 200 characters, without control characters."},
	{organizations.ErrTeamSlugTaken, "Another team of this organization already has this slug."},
	{organizations.ErrAlreadyTeamMember, "That member is already in this team."},
	{organizations.ErrNotTeamMember, "That user is not a member of this team."},
	{organizations.ErrInvalidRole, "The team role must be one of the team roles the app declares, or none."},
	{organizations.ErrTeamLimit, "This organization has as many teams as it may have."},
	{organizations.ErrTeamMemberLimit, "This team has as many members as it may have."},
	{organizations.ErrEscalation, "You can only give, change or take away a team role whose permissions you hold yourself in this team " +
		"(the owner holds every permission; an admin holds no team role's permission unless they hold that role in the team)."},
}

// teamError explains the team calls' refusals in the teams' words (teamMessages).
func teamError(err error) error {
	for _, m := range teamMessages {
		if errors.Is(err, m.err) {
			return explain(err, m.msg)
		}
	}
	return err
}

// teamData is the app's own team data: each team's docs note (in memory, like the demo's
// users), keyed by team ID, and the lists' page size. A team ID is never reused, so a
// deleted team's note is dropped with it and never shows up elsewhere. The zero value
// is ready.
type teamData struct {
	// pageSize is the teams' and team members' page size: 0 for
	// organizations.DefaultPageSize (tests lower it).
	pageSize int
	mu       sync.Mutex
	m        map[uuid.UUID]string
}

// note returns the team's docs note, "" for none.
func (n *teamData) note(team uuid.UUID) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[team]
}

// setNote sets the team's docs note; "" drops it.
func (n *teamData) setNote(team uuid.UUID, note string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[uuid.UUID]string{}
	}
	if note == "" {
		delete(n.m, team)
		return
	}
	n.m[team] = note
}

type teamsView struct {
	view
	Org   organizations.Organization
	Teams []organizations.Team
	// Total is the number of the organization's teams; Next the link to the next page.
	Total int
	Next  string
	// Manage: the requester may create, rename and delete teams (PermTeamsManage).
	Manage bool
}

// teams lists the organization's teams, a page at a time in the order they were made,
// to every member; those who manage teams also get the create form.
func (a *App) teams(w http.ResponseWriter, r *http.Request) {
	a.renderTeams(w, r, http.StatusOK, formState{})
}

// renderTeams renders the teams page with status; f is the refused create form, if any.
func (a *App) renderTeams(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	page, err := a.svc.Teams(r.Context(), org.ID, organizations.ListOptions{After: r.URL.Query().Get("after"), Limit: a.teamData.pageSize})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	acc, _ := orghttp.Access(r.Context())
	v := teamsView{view: a.view(r, "Teams of "+org.Name), Org: org, Teams: page.Items, Total: page.Total,
		Manage: acc.Can(organizations.PermTeamsManage)}
	if page.Next != "" {
		v.Next = orgPath(org.Slug, "teams") + "?" + url.Values{"after": {page.Next}}.Encode()
	}
	v.Form = f
	a.render(w, r, status, "teams", v)
}

// createTeam creates a team named as the form says, its slug made from the name. A
// refused name shows the teams page again with what was typed.
func (a *App) createTeam(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	t, err := a.orgs.As(r).CreateTeam(r.Context(), org.ID, r.PostFormValue("name"), nil)
	if err != nil {
		a.formFailed(w, r, teamError(err), "create", func(status int, f formState) { a.renderTeams(w, r, status, f) })
		return
	}
	a.done(w, r, teamPath(org.Slug, t.ID), "Created the team "+t.Name+".")
}

type teamView struct {
	view
	Org  organizations.Organization
	Team organizations.Team
	// Mine is the requester's team membership (Role "" for none), if IsMember.
	Mine     organizations.TeamMember
	IsMember bool
	Members  []teamMemberRow
	Total    int
	Next     string
	// Candidates are active members of the organization (its first page of them) not
	// listed on this page of the team: whom the add form offers.
	Candidates []organizations.UserID
	// Roles are the team roles the Policy declares.
	Roles []organizations.Role
	// Note is the team's docs note.
	Note string
	// Manage: the requester may manage the team and its members (PermTeamsManage);
	// EditDocs: they hold docs:write within this team.
	Manage, EditDocs bool
}

type teamMemberRow struct {
	organizations.TeamMember
	Email string
	IsMe  bool
}

// showTeam is a team's page: its members with their team roles, a page at a time in the
// order they were added, its docs note, and the forms the requester's permissions
// allow.
func (a *App) showTeam(w http.ResponseWriter, r *http.Request) {
	a.renderTeam(w, r, http.StatusOK, formState{})
}

// renderTeam renders the team's page with status; f is the refused form, if any.
func (a *App) renderTeam(w http.ResponseWriter, r *http.Request, status int, f formState) {
	ctx := r.Context()
	org, _, u := a.current(r)
	ta := currentTeam(r)
	page, err := a.svc.TeamMembers(ctx, org.ID, ta.Team.ID, organizations.ListOptions{After: r.URL.Query().Get("after"), Limit: a.teamData.pageSize})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := teamView{
		view: a.view(r, ta.Team.Name+" · "+org.Name), Org: org, Team: ta.Team, Mine: ta.TeamMember, IsMember: ta.IsTeamMember,
		Total: page.Total, Note: a.teamData.note(ta.Team.ID),
		Manage: ta.Access.Can(organizations.PermTeamsManage), EditDocs: ta.Can(permDocsWrite),
	}
	v.Form = f
	if page.Next != "" {
		v.Next = teamPath(org.Slug, ta.Team.ID) + "?" + url.Values{"after": {page.Next}}.Encode()
	}
	listed := map[organizations.UserID]bool{}
	for _, m := range page.Items {
		du, _ := a.users.lookup(m.UserID)
		v.Members = append(v.Members, teamMemberRow{TeamMember: m, Email: du.Email, IsMe: m.UserID == u.Name})
		listed[m.UserID] = true
	}
	for _, def := range a.svc.Policy().TeamRoles() {
		v.Roles = append(v.Roles, def.Name)
	}
	if v.Manage {
		active, err := a.svc.ListMembers(ctx, org.ID, organizations.MemberFilter{Status: organizations.MemberStatusActive}, organizations.ListOptions{})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, m := range active.Items {
			if !listed[m.UserID] {
				v.Candidates = append(v.Candidates, m.UserID)
			}
		}
	}
	a.render(w, r, status, "team", v)
}

// renameTeam renames the team; its slug stays. A refused name shows the team's page
// again with what was typed.
func (a *App) renameTeam(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	ta := currentTeam(r)
	name := r.PostFormValue("name")
	t, err := a.orgs.As(r).UpdateTeam(r.Context(), org.ID, ta.Team.ID, organizations.TeamUpdate{Name: &name})
	if err != nil {
		a.formFailed(w, r, teamError(err), "rename", func(status int, f formState) { a.renderTeam(w, r, status, f) })
		return
	}
	a.done(w, r, teamPath(org.Slug, t.ID), "Renamed the team to "+t.Name+".")
}

// deleteTeam deletes the team, its memberships and its docs note; the members stay in
// the organization. Deleting a team where someone holds a team role the requester
// lacks there is refused (ErrEscalation, the 403 page).
func (a *App) deleteTeam(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	ta := currentTeam(r)
	if err := a.orgs.As(r).DeleteTeam(r.Context(), org.ID, ta.Team.ID); err != nil {
		a.fail(w, r, teamError(err))
		return
	}
	a.teamData.setNote(ta.Team.ID, "")
	a.done(w, r, orgPath(org.Slug, "teams"), "Deleted the team "+ta.Team.Name+".")
}

// addTeamMember adds a member of the organization to the team with a team role ("" for
// none). Someone already in the team, or an unknown role, shows the page again with the
// message at the form; a role whose permissions the requester lacks in the team is the
// 403 page.
func (a *App) addTeamMember(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	ta := currentTeam(r)
	user := organizations.UserID(r.PostFormValue("user"))
	m, err := a.orgs.As(r).AddTeamMember(r.Context(), org.ID, ta.Team.ID, user, organizations.Role(r.PostFormValue("role")))
	if err != nil {
		a.formFailed(w, r, teamError(err), "add", func(status int, f formState) { a.renderTeam(w, r, status, f) })
		return
	}
	a.done(w, r, teamPath(org.Slug, ta.Team.ID), "Added "+string(m.UserID)+" to "+ta.Team.Name+roleSuffix(m.Role)+".")
}

// roleSuffix says which team role a member got, if any.
func roleSuffix(role organizations.Role) string {
	if role == "" {
		return ", without a team role"
	}
	return " as " + article(role) + " " + string(role)
}

// setTeamRole changes a team member's team role ("" removes it).
func (a *App) setTeamRole(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	ta := currentTeam(r)
	user := organizations.UserID(r.PathValue("user"))
	m, err := a.orgs.As(r).SetTeamRole(r.Context(), org.ID, ta.Team.ID, user, organizations.Role(r.PostFormValue("role")))
	if err != nil {
		a.formFailed(w, r, teamError(err), "role", func(status int, f formState) { a.renderTeam(w, r, status, f) })
		return
	}
	msg := string(user) + " now has no team role in " + ta.Team.Name + "."
	if m.Role != "" {
		msg = string(user) + " is now " + article(m.Role) + " " + string(m.Role) + " of " + ta.Team.Name + "."
	}
	a.done(w, r, teamPath(org.Slug, ta.Team.ID), msg)
}

// removeTeamMember removes a member from the team, not from the organization: anyone
// may leave a team; removing someone else needs PermTeamsManage and their team role's
// permissions, which the store checks.
func (a *App) removeTeamMember(w http.ResponseWriter, r *http.Request) {
	org, me, _ := a.current(r)
	ta := currentTeam(r)
	user := organizations.UserID(r.PathValue("user"))
	if err := a.orgs.As(r).RemoveTeamMember(r.Context(), org.ID, ta.Team.ID, user); err != nil {
		a.fail(w, r, teamError(err))
		return
	}
	if user == me.UserID {
		a.done(w, r, orgPath(org.Slug, "teams"), "You left the team "+ta.Team.Name+".")
		return
	}
	a.done(w, r, teamPath(org.Slug, ta.Team.ID), "Removed "+string(user)+" from "+ta.Team.Name+".")
}

// editTeamDocs saves the team's docs note (blank: none). RequireTeamPermission let the
// request through on the requester's docs:write within this team, as the guard read
// their access to it for this request.
func (a *App) editTeamDocs(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	ta := currentTeam(r)
	note := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("note"), "\r\n", "\n"))
	if utf8.RuneCountInString(note) > maxNote {
		a.fail(w, r, explain(errBadForm, "A docs note has at most 2000 characters."))
		return
	}
	a.teamData.setNote(ta.Team.ID, note)
	a.done(w, r, teamPath(org.Slug, ta.Team.ID), "Saved the docs of "+ta.Team.Name+".")
}
