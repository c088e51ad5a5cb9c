package organizations_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-organizations/organizations"
)

// An invitation may name teams: accepting it joins the organization and those teams, with
// their team roles, in one atomic step. A team deleted before the invitation is accepted
// is dropped from it, and the accept joins the organization and the teams that remain.
func ExampleService_Invite_teams() {
	ctx := context.Background()
	policy := organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember, Permissions: []organizations.Permission{"docs:read"}},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
			Permissions: organizations.LibraryPermissions()},
		organizations.RoleDefinition{Name: "maintainer", Scope: organizations.ScopeTeam,
			Permissions: []organizations.Permission{"docs:write"}},
	)
	var token string
	svc := organizations.New(nil, &organizations.Options{
		Policy: policy,
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			token = m.Token
			return nil
		}),
	})
	org, _ := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)
	_, _ = svc.AddUser(ctx, org.ID, "tom", organizations.RoleAdmin)
	docs, _ := svc.CreateTeam(ctx, org.ID, "Docs", nil)
	ops, _ := svc.CreateTeam(ctx, org.ID, "Ops", nil)

	// tom manages teams but holds no docs:write: he may not make a maintainer.
	teams := []organizations.TeamInvite{{TeamID: docs.ID, Role: "maintainer"}, {TeamID: ops.ID}}
	_, err := svc.Invite(ctx, "tom", org.ID, "tim@example.com", &organizations.InviteOptions{Teams: teams})
	fmt.Println(errors.Is(err, organizations.ErrEscalation))

	// The owner may.
	inv, _ := svc.Invite(ctx, "chris", org.ID, "tim@example.com", &organizations.InviteOptions{Teams: teams})
	fmt.Println(len(inv.Teams))

	// Ops is deleted before tim accepts: the invitation no longer names it.
	_ = svc.DeleteTeam(ctx, org.ID, ops.ID)
	res, err := svc.AcceptInvitationResult(ctx, token, "tim", "tim@example.com")
	fmt.Println(err, res.Membership.Role, len(res.Invitation.Teams))
	for _, tm := range res.TeamMembers {
		fmt.Println("joined", tm.TeamID == docs.ID, tm.Role)
	}
	// Output:
	// true
	// 2
	// <nil> member 1
	// joined true maintainer
}
