package orghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// A current team from the path, and a route guarded by a permission within it: a team
// role's permission holds in its own team only.
func ExampleMiddleware_RequireTeamPermission() {
	ctx := context.Background()
	svc := organizations.New(nil, &organizations.Options{Policy: organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
			Permissions: organizations.LibraryPermissions()},
		organizations.RoleDefinition{Name: "editor", Scope: organizations.ScopeTeam,
			Permissions: []organizations.Permission{"docs:write"}},
	)})
	acme, _ := svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.AddUser(ctx, acme.ID, "bob", organizations.RoleMember)
	docs, _ := svc.CreateTeam(ctx, acme.ID, "Docs", nil)
	site, _ := svc.CreateTeam(ctx, acme.ID, "Site", nil)
	_, _ = svc.AddTeamMember(ctx, acme.ID, docs.ID, "bob", "editor")

	orgs, err := orghttp.New(orghttp.Config{
		Service: svc,
		Identify: func(r *http.Request) (organizations.UserID, bool) {
			u := r.Header.Get("X-User")
			return organizations.UserID(u), u != ""
		},
		TeamResolvers: []orghttp.Resolver{orghttp.FromPathValue("team")},
	})
	if err != nil {
		panic(err)
	}
	edit := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		team, _ := orghttp.Team(r.Context())
		fmt.Fprintf(w, "editing %s as %s", team.Team.Name, team.TeamMember.Role)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /orgs/{org}/teams/{team}/edit", orgs.RequireTeamPermission("docs:write")(edit))

	for _, team := range []organizations.Team{docs, site} {
		r := httptest.NewRequest("POST", "/orgs/acme/teams/"+team.ID.String()+"/edit", nil)
		r.Header.Set("X-User", "bob")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(team.Name, w.Code, firstLine(w.Body.String()))
	}
	// Output:
	// Docs 200 editing Docs as editor
	// Site 403 {"type":"about:blank","title":"Forbidden","status":403,"detail":"Permission denied."}
}
