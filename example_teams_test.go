package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
)

// Teams group an organization's members. A team member is always a member of the
// organization: removing someone from the organization removes them from its teams.
func ExampleService_CreateTeam() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)
	_, _ = svc.AddUser(ctx, org.ID, "tom", organizations.RoleAdmin)
	_, _ = svc.AddUser(ctx, org.ID, "brad", organizations.RoleMember)

	// Admins hold PermTeamsManage under DefaultPolicy; plain members do not.
	tom, brad := svc.As("tom"), svc.As("brad")
	docs, err := tom.CreateTeam(ctx, org.ID, "Docs", nil)
	fmt.Println(docs.Slug, err)
	_, err = brad.CreateTeam(ctx, org.ID, "Docs", nil)
	fmt.Println(errors.Is(err, organizations.ErrPermissionDenied))
	again, _ := tom.CreateTeam(ctx, org.ID, "Docs", nil)
	fmt.Println(again.Slug) // slugs are unique within the organization

	_, _ = tom.AddTeamMember(ctx, org.ID, docs.ID, "brad", "")
	_, err = tom.AddTeamMember(ctx, org.ID, docs.ID, "tim", "")
	fmt.Println(errors.Is(err, organizations.ErrNotMember)) // only members join teams

	teams, _ := svc.TeamsForUser(ctx, org.ID, "brad", organizations.ListOptions{})
	fmt.Println(teams.Total, teams.Items[0].Name) // Total: the whole list's size

	// Leaving the organization leaves its teams, in the same atomic step.
	_ = svc.RemoveUser(ctx, org.ID, "brad")
	members, _ := svc.TeamMembers(ctx, org.ID, docs.ID, organizations.ListOptions{})
	fmt.Println(members.Total)
	// Output:
	// docs <nil>
	// true
	// docs-2
	// true
	// 1 Docs
	// 0
}

// Team roles: the Policy declares roles that apply within one team. A team member's
// permissions in the team are their organization role's plus their team role's, and a
// team role grants nothing in the organization at large. Nobody gives a team role whose
// permissions they lack in that team.
func ExampleService_TeamAccess() {
	ctx := context.Background()
	policy := organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember, Permissions: []organizations.Permission{"docs:read"}},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
			Permissions: organizations.LibraryPermissions()},
		// A team role: within its team, docs:write on top of the organization role.
		organizations.RoleDefinition{Name: "maintainer", Scope: organizations.ScopeTeam,
			Permissions: []organizations.Permission{"docs:write"}},
	)
	svc := organizations.New(nil, &organizations.Options{Policy: policy})
	org, _ := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)
	_, _ = svc.AddUser(ctx, org.ID, "tom", organizations.RoleAdmin)
	_, _ = svc.AddUser(ctx, org.ID, "brad", organizations.RoleMember)
	docs, _ := svc.CreateTeam(ctx, org.ID, "Docs", nil)
	site, _ := svc.CreateTeam(ctx, org.ID, "Site", nil)

	// The owner holds every permission, so may give any team role.
	_, err := svc.As("chris").AddTeamMember(ctx, org.ID, docs.ID, "brad", "maintainer")
	fmt.Println(err)

	// One store call; Can answers without another.
	a, _ := svc.TeamAccess(ctx, org.ID, docs.ID, "brad")
	fmt.Println("brad in docs:", a.TeamMember.Role, a.Can("docs:read"), a.Can("docs:write"))
	fmt.Println("brad in the organization:", a.Access.Can("docs:write"))
	b, _ := svc.TeamAccess(ctx, org.ID, site.ID, "brad")
	fmt.Println("brad in site:", b.Can("docs:write"))

	// tom manages teams, but holds no docs:write: he may not make anyone a maintainer.
	_, err = svc.As("tom").AddTeamMember(ctx, org.ID, site.ID, "brad", "maintainer")
	fmt.Println(errors.Is(err, organizations.ErrEscalation))
	// Output:
	// <nil>
	// brad in docs: maintainer true true
	// brad in the organization: false
	// brad in site: false
	// true
}
