package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// teamFixture is the access matrix fixture's teams. In Acme: Docs ({team}), where cara
// (the custom column) is a maintainer and mia (the member column) and tess are members
// without a team role, its docs note set; Site ({site}), where cara is a member without
// a team role. In oscar's Other ({other}): Ops ({oteam}), with oscar, its note set. So
// the matrix's admin (adam) holds teams:manage and no team role, cara holds docs:write
// in Docs only, mia is a plain team member, oscar a non-member; and Ops is the other
// organization's team that Acme's paths must not reach.
type teamFixture struct {
	other           organizations.Organization
	docs, site, ops uuid.UUID
}

// pairs are the fixture's placeholders and their values, for strings.NewReplacer.
func (tf teamFixture) pairs() []string {
	return []string{"{team}", tf.docs.String(), "{site}", tf.site.String(), "{oteam}", tf.ops.String(), "{other}", tf.other.Slug}
}

// seedTeams makes the teams of teamFixture, as the system (unchecked calls).
func seedTeams(t *testing.T, e *env, acme, other organizations.Organization) teamFixture {
	t.Helper()
	ctx := t.Context()
	svc := e.app.svc
	team := func(org organizations.Organization, name string, members ...string) uuid.UUID {
		tm, err := svc.CreateTeam(ctx, org.ID, name, nil)
		require.NoError(t, err)
		for _, m := range members {
			user, role, _ := strings.Cut(m, ":")
			_, err := svc.AddTeamMember(ctx, org.ID, tm.ID, organizations.UserID(user), organizations.Role(role))
			require.NoError(t, err)
		}
		return tm.ID
	}
	tf := teamFixture{other: other,
		docs: team(acme, "Docs", "cara:maintainer", "mia", "tess"),
		site: team(acme, "Site", "cara"),
		ops:  team(other, "Ops", "oscar"),
	}
	e.app.teamData.setNote(tf.docs, "How we write.")
	e.app.teamData.setNote(tf.ops, "Runbooks.")
	return tf
}

// teamsSnapshot is the teams part of the matrix's snapshot: the teams of Acme and Other,
// each with its members, their team roles and its docs note.
func teamsSnapshot(t *testing.T, e *env, f fixture) string {
	t.Helper()
	ctx := context.Background()
	svc := e.app.svc
	var b strings.Builder
	for _, org := range []uuid.UUID{f.acme.ID, f.teams.other.ID} {
		teams, err := svc.Teams(ctx, org, organizations.ListOptions{})
		require.NoError(t, err)
		for _, tm := range teams.Items {
			fmt.Fprintf(&b, " team:%s/%s[", tm.Name, tm.Slug)
			members, err := svc.TeamMembers(ctx, org, tm.ID, organizations.ListOptions{})
			require.NoError(t, err)
			for _, m := range members.Items {
				fmt.Fprintf(&b, " %s:%s", m.UserID, m.Role)
			}
			fmt.Fprintf(&b, " ]note=%q", e.app.teamData.note(tm.ID))
		}
	}
	return b.String()
}

// teamIDFrom returns the team ID of a team page's path, as a redirect gives it.
func teamIDFrom(t *testing.T, slug, location string) string {
	t.Helper()
	id, ok := strings.CutPrefix(location, "/orgs/"+slug+"/teams/")
	require.True(t, ok, location)
	_, err := uuid.Parse(id)
	require.NoError(t, err, location)
	return id
}

// teamMemberRowOf returns the team members table row of user on a team page, "" if absent.
func teamMemberRowOf(page, user string) string {
	_, rest, found := strings.Cut(page, `<tr data-user="`+user+`">`)
	if !found {
		return ""
	}
	row, _, _ := strings.Cut(rest, "</tr>")
	return row
}

// teamRoleCell returns the team role cell of a team members table row.
func teamRoleCell(row string) string {
	_, rest, _ := strings.Cut(row, `<td class="role">`)
	cell, _, _ := strings.Cut(rest, "</td>")
	return cell
}

// docsNote returns the docs note shown on a team page.
func docsNote(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)id="docs-note">(.*?)</p>`).FindStringSubmatch(page)
	require.NotNil(t, m, page)
	return html.UnescapeString(m[1])
}

// TestTeams walks the teams pages on every store: the owner creates a team (a bad name
// shows the form again), renames it, adds members with and without the maintainer team
// role; docs:write within the team decides who edits its docs note (the owner and its
// maintainers; not an admin without the role, a plain team member, an organization member
// outside the team, nor a maintainer of another team); a team role grants nothing in the
// organization; an admin manages plain team members but neither makes nor unmakes a
// maintainer; a member leaves a team; a team of another organization is not found under
// this one's paths; deleting a team drops its members and note.
func TestTeams(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		olivia := e.signIn("olivia", "olivia@example.com")
		adam := e.signIn("adam", "adam@example.com")
		mia := e.signIn("mia", "mia@example.com")
		tess := e.signIn("tess", "tess@example.com")
		oscar := e.signIn("oscar", "oscar@example.com")
		slug := create(t, olivia, "Acme")
		acme, err := e.app.svc.OrganizationBySlug(ctx, slug)
		require.NoError(t, err)
		for user, role := range map[organizations.UserID]organizations.Role{"adam": organizations.RoleAdmin, "mia": organizations.RoleMember, "tess": organizations.RoleMember} {
			_, err := e.app.svc.AddUser(ctx, acme.ID, user, role)
			require.NoError(t, err)
		}
		teams := "/orgs/" + slug + "/teams"

		// The organization's page links to the teams; none yet.
		require.Contains(t, olivia.get("/orgs/"+slug+"/").body, `href="/orgs/`+slug+`/teams" id="teams-link"`)
		res := olivia.get(teams)
		require.Equal(t, http.StatusOK, res.status, res.body)
		require.Contains(t, res.body, "No team yet.")
		require.Contains(t, res.body, `id="team-form"`)
		require.NotContains(t, mia.get(teams).body, `id="team-form"`)

		// A bad name: the form again, with the message and what was typed.
		res = olivia.post(teams, url.Values{"name": {"Bad\x01name"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "A team name has 1 to 200 characters")
		require.Contains(t, res.body, `value="Bad`)
		res = mia.post(teams, url.Values{"name": {"Docs"}})
		require.Equal(t, http.StatusForbidden, res.status, res.body)

		res = olivia.post(teams, url.Values{"name": {"Docs"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		docsID := teamIDFrom(t, slug, res.location)
		docs := teams + "/" + docsID
		page := olivia.get(docs)
		require.Equal(t, http.StatusOK, page.status, page.body)
		require.Contains(t, page.body, `<h1 id="team-title">Docs</h1>`)
		require.Contains(t, page.body, "Created the team Docs.")
		require.Contains(t, page.body, "Nobody is in this team yet.")
		list := olivia.get(teams).body
		require.Contains(t, list, `<tr data-team="docs">`)
		require.Contains(t, list, "1 team")

		// The owner adds mia as a maintainer and tess without a team role.
		res = olivia.post(docs+"/members", url.Values{"user": {"mia"}, "role": {"maintainer"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Contains(t, olivia.get(docs).body, "Added mia to Docs as a maintainer.")
		res = olivia.post(docs+"/members", url.Values{"user": {"tess"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = olivia.get(docs)
		require.Equal(t, `<span class="badge maintainer">maintainer</span>`, teamRoleCell(teamMemberRowOf(page.body, "mia")))
		require.Equal(t, `<span class="muted small">none</span>`, teamRoleCell(teamMemberRowOf(page.body, "tess")))
		require.Contains(t, page.body, "2 members")
		// Someone already in the team: the form again, with the message.
		res = olivia.post(docs+"/members", url.Values{"user": {"tess"}})
		require.Equal(t, http.StatusConflict, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "already in this team")
		// Only members of the organization join its teams.
		res = olivia.post(docs+"/members", url.Values{"user": {"oscar"}})
		require.Equal(t, http.StatusNotFound, res.status, res.body)
		require.Equal(t, "", teamMemberRowOf(olivia.get(docs).body, "oscar"))

		// Who edits the docs note: docs:write within this team.
		require.Contains(t, mia.get(docs).body, `id="docs-form"`)
		res = mia.post(docs+"/docs", url.Values{"note": {"Write <short> sentences."}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = tess.get(docs)
		require.Equal(t, "Write <short> sentences.", docsNote(t, page.body))
		require.NotContains(t, page.body, `id="docs-form"`)
		for name, c := range map[string]*client{"tess (a plain team member)": tess, "adam (an admin, no team role)": adam} {
			res = c.post(docs+"/docs", url.Values{"note": {"Overwritten by " + name}})
			require.Equal(t, http.StatusForbidden, res.status, name)
		}
		require.NotContains(t, adam.get(docs).body, `id="docs-form"`)
		res = oscar.post(docs+"/docs", url.Values{"note": {"Overwritten"}})
		require.Equal(t, http.StatusNotFound, res.status)
		res = olivia.post(docs+"/docs", url.Values{"note": {"Owner's note."}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "Owner's note.", docsNote(t, mia.get(docs).body))
		// A note over 2000 characters is refused and changes nothing; 2000 are saved.
		res = mia.post(docs+"/docs", url.Values{"note": {strings.Repeat("é", maxNote+1)}})
		require.Equal(t, http.StatusBadRequest, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "at most 2000 characters")
		require.Equal(t, "Owner's note.", docsNote(t, mia.get(docs).body))
		require.Equal(t, http.StatusSeeOther, mia.post(docs+"/docs", url.Values{"note": {strings.Repeat("é", maxNote)}}).status)
		require.Equal(t, strings.Repeat("é", maxNote), docsNote(t, mia.get(docs).body))
		require.Equal(t, http.StatusSeeOther, olivia.post(docs+"/docs", url.Values{"note": {"Owner's note."}}).status)

		// A team role grants nothing in the organization, nor in another team.
		acc, err := e.app.svc.Access(ctx, acme.ID, "mia")
		require.NoError(t, err)
		require.False(t, acc.Can(permDocsWrite))
		require.Equal(t, http.StatusForbidden, mia.post(teams, url.Values{"name": {"Mine"}}).status)
		require.Equal(t, http.StatusForbidden, mia.get("/orgs/"+slug+"/edit").status)
		res = olivia.post(teams, url.Values{"name": {"Site"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		site := teams + "/" + teamIDFrom(t, slug, res.location)
		require.Equal(t, http.StatusSeeOther, olivia.post(site+"/members", url.Values{"user": {"mia"}}).status)
		require.Equal(t, http.StatusForbidden, mia.post(site+"/docs", url.Values{"note": {"x"}}).status)
		require.NotContains(t, mia.get(site).body, `id="docs-form"`)

		// An admin manages plain team members, but neither makes nor unmakes a maintainer.
		require.Contains(t, adam.get(docs).body, `id="team-add-form"`)
		res = adam.post(docs+"/members/tess/role", url.Values{"role": {"maintainer"}})
		require.Equal(t, http.StatusForbidden, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "team role whose permissions you hold yourself")
		res = adam.post(docs+"/members/mia/remove", nil)
		require.Equal(t, http.StatusForbidden, res.status, res.body)
		res = adam.post(docs+"/members", url.Values{"user": {"adam"}, "role": {"maintainer"}})
		require.Equal(t, http.StatusForbidden, res.status, res.body)
		page = olivia.get(docs)
		require.Contains(t, teamRoleCell(teamMemberRowOf(page.body, "mia")), "maintainer")
		require.NotContains(t, teamRoleCell(teamMemberRowOf(page.body, "tess")), "maintainer")
		require.Equal(t, "", teamMemberRowOf(page.body, "adam"))
		// An unknown team role: the form again.
		res = olivia.post(docs+"/members/tess/role", url.Values{"role": {"admin"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "one of the team roles the app declares")

		// The owner makes tess a maintainer, and she edits the note; then takes it back.
		require.Equal(t, http.StatusSeeOther, olivia.post(docs+"/members/tess/role", url.Values{"role": {"maintainer"}}).status)
		require.Equal(t, http.StatusSeeOther, tess.post(docs+"/docs", url.Values{"note": {"By tess."}}).status)
		require.Equal(t, http.StatusSeeOther, olivia.post(docs+"/members/tess/role", url.Values{"role": {""}}).status)
		require.Contains(t, olivia.get(docs).body, "tess now has no team role in Docs.")
		require.Equal(t, http.StatusForbidden, tess.post(docs+"/docs", url.Values{"note": {"Again."}}).status)
		require.Equal(t, "By tess.", docsNote(t, olivia.get(docs).body))

		// The admin removes tess (no team role); she stays in the organization, and
		// outside the team edits nothing there.
		require.Equal(t, http.StatusSeeOther, adam.post(docs+"/members/tess/remove", nil).status)
		page = tess.get(docs)
		require.Equal(t, http.StatusOK, page.status)
		require.Equal(t, "", teamMemberRowOf(page.body, "tess"))
		require.Contains(t, page.body, "you are not in this team")
		require.Equal(t, http.StatusForbidden, tess.post(docs+"/docs", url.Values{"note": {"Outside."}}).status)
		// mia leaves the team herself, and with it her maintainer role.
		res = mia.post(docs+"/members/mia/remove", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, teams, res.location)
		require.Equal(t, http.StatusForbidden, mia.post(docs+"/docs", url.Values{"note": {"Gone."}}).status)

		// Rename: the slug stays; a bad name shows the form again.
		res = olivia.post(docs+"/edit", url.Values{"name": {"Documentation"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = olivia.get(docs)
		require.Contains(t, page.body, `<h1 id="team-title">Documentation</h1>`)
		require.Contains(t, page.body, "<code>docs</code>")
		res = olivia.post(docs+"/edit", url.Values{"name": {""}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status, res.body)
		require.Contains(t, res.body, `id="team-rename-form"`)
		require.Contains(t, olivia.get(docs).body, `<h1 id="team-title">Documentation</h1>`)

		// Another organization's team under this one's paths: not found, and untouched.
		other := create(t, oscar, "Other")
		res = oscar.post("/orgs/"+other+"/teams", url.Values{"name": {"Ops"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		opsID := teamIDFrom(t, other, res.location)
		require.Equal(t, http.StatusNotFound, olivia.get(teams+"/"+opsID).status)
		require.Equal(t, http.StatusNotFound, olivia.post(teams+"/"+opsID+"/delete", nil).status)
		require.Equal(t, http.StatusNotFound, olivia.post(teams+"/"+opsID+"/docs", url.Values{"note": {"x"}}).status)
		require.Equal(t, http.StatusNotFound, oscar.post("/orgs/"+other+"/teams/"+docsID+"/delete", nil).status)
		require.Equal(t, http.StatusNotFound, oscar.post("/orgs/"+other+"/teams/"+docsID+"/docs", url.Values{"note": {"x"}}).status)
		require.Equal(t, http.StatusOK, oscar.get("/orgs/"+other+"/teams/"+opsID).status)
		require.Equal(t, "By tess.", docsNote(t, olivia.get(docs).body))

		// Deleting the team drops its members and its note; the members stay.
		id := uuid.MustParse(docsID)
		res = olivia.post(docs+"/delete", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, teams, res.location)
		list = olivia.get(teams).body
		require.Contains(t, list, "Deleted the team Documentation.")
		require.NotContains(t, list, `data-team="docs"`)
		require.Equal(t, http.StatusNotFound, olivia.get(docs).status)
		require.Equal(t, "", e.app.teamData.note(id))
		acc, err = e.app.svc.Access(ctx, acme.ID, "tess")
		require.NoError(t, err)
		require.True(t, acc.IsMember)
	})
}

// TestTeamsPaging follows the teams' and a team's members' next links, two to a page:
// every item once, in order, with the whole list's count on each page.
func TestTeamsPaging(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		e.app.teamData.pageSize = 2
		olivia := e.signIn("olivia", "olivia@example.com")
		slug := create(t, olivia, "Acme")
		acme, err := e.app.svc.OrganizationBySlug(ctx, slug)
		require.NoError(t, err)
		var names []string
		var first uuid.UUID
		for i := range 5 {
			tm, err := e.app.svc.CreateTeam(ctx, acme.ID, fmt.Sprintf("Team %d", i), nil)
			require.NoError(t, err)
			names = append(names, tm.Name)
			if i == 0 {
				first = tm.ID
			}
		}
		var users []string
		for i := range 5 {
			u := fmt.Sprintf("user%d", i)
			_, err := e.app.users.signIn(u, u+"@example.com")
			require.NoError(t, err)
			_, err = e.app.svc.AddUser(ctx, acme.ID, organizations.UserID(u), organizations.RoleMember)
			require.NoError(t, err)
			_, err = e.app.svc.AddTeamMember(ctx, acme.ID, first, organizations.UserID(u), "")
			require.NoError(t, err)
			users = append(users, u)
		}

		follow := func(start, rowRe, nextID, total string) ([]string, int) {
			var got []string
			pages := 0
			for path := start; path != ""; pages++ {
				require.Less(t, pages, 10, "the next links go round")
				res := olivia.get(path)
				require.Equal(t, http.StatusOK, res.status, res.body)
				require.Contains(t, res.body, total)
				for _, m := range regexp.MustCompile(rowRe).FindAllStringSubmatch(res.body, -1) {
					got = append(got, m[1])
				}
				path = ""
				if m := regexp.MustCompile(`<a href="([^"]*)" id="` + nextID + `">`).FindStringSubmatch(res.body); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			return got, pages
		}
		got, pages := follow("/orgs/"+slug+"/teams", `<a href="/orgs/[^/]+/teams/[^"]+">([^<]+)</a>`, "teams-next", "5 teams")
		require.Equal(t, names, got)
		require.Equal(t, 3, pages)
		got, pages = follow("/orgs/"+slug+"/teams/"+first.String(), `<tr data-user="([^"]+)">`, "team-next", "5 members")
		require.Equal(t, users, got)
		require.Equal(t, 3, pages)

		res := olivia.get("/orgs/" + slug + "/teams?after=!!")
		require.Equal(t, http.StatusBadRequest, res.status)
		require.Contains(t, errorMessage(t, res.body), "page link")
	})
}

// TestAppPolicyTeamRole checks the app's Policy: the maintainer team role grants
// docs:write, which no organization role holds, and no team role grants one of the
// library's (organization) permissions.
func TestAppPolicyTeamRole(t *testing.T) {
	t.Parallel()
	require.True(t, appPolicy.DeclaresTeamRole(roleMaintainer))
	require.Equal(t, []organizations.Permission{permDocsWrite}, appPolicy.TeamRolePermissions(roleMaintainer))
	for _, def := range appPolicy.Roles() {
		require.NotContains(t, appPolicy.RolePermissions(def.Name), permDocsWrite, def.Name)
	}
	for _, def := range appPolicy.TeamRoles() {
		for _, p := range organizations.LibraryPermissions() {
			require.NotContains(t, appPolicy.TeamRolePermissions(def.Name), p, def.Name)
		}
	}
	// The organization roles are DefaultPolicy's.
	require.Equal(t, organizations.DefaultPolicy().Roles(), appPolicy.Roles())
}
