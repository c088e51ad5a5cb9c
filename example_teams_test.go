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

	_, _ = tom.AddTeamMember(ctx, org.ID, docs.ID, "brad")
	_, err = tom.AddTeamMember(ctx, org.ID, docs.ID, "tim")
	fmt.Println(errors.Is(err, organizations.ErrNotMember)) // only members join teams

	teams, _ := svc.TeamsForUser(ctx, org.ID, "brad", organizations.ListOptions{})
	fmt.Println(len(teams.Items), teams.Items[0].Name)

	// Leaving the organization leaves its teams, in the same atomic step.
	_ = svc.RemoveUser(ctx, org.ID, "brad")
	members, _ := svc.TeamMembers(ctx, org.ID, docs.ID, organizations.ListOptions{})
	fmt.Println(len(members.Items))
	// Output:
	// docs <nil>
	// true
	// docs-2
	// true
	// 1 Docs
	// 0
}
