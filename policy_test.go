package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func def(name organizations.Role, includes []organizations.Role, perms ...organizations.Permission) organizations.RoleDefinition {
	return organizations.RoleDefinition{Name: name, Includes: includes, Permissions: perms}
}

var (
	member = def(organizations.RoleMember, nil)
	admin  = def(organizations.RoleAdmin, []organizations.Role{organizations.RoleMember}, organizations.LibraryPermissions()...)
)

func TestNewPolicyRefusesBadDefinitions(t *testing.T) {
	t.Parallel()
	many := make([]organizations.Permission, organizations.MaxPermissions)
	for i := range many {
		many[i] = organizations.Permission(fmt.Sprintf("app:p%d", i))
	}
	cases := []struct {
		name  string
		roles []organizations.RoleDefinition
		says  string
	}{
		{"no roles", nil, `"member" must be declared`},
		{"no admin", []organizations.RoleDefinition{member}, `"admin" must be declared`},
		{"the name owner", []organizations.RoleDefinition{member, admin, def("owner", nil)}, `"owner" is reserved`},
		{"a capitalised name", []organizations.RoleDefinition{member, admin, def("Billing", nil)}, "malformed role name"},
		{"an empty name", []organizations.RoleDefinition{member, admin, def("", nil)}, "malformed role name"},
		{"a name too long", []organizations.RoleDefinition{member, admin, def(organizations.Role("a"+strings.Repeat("b", 63)), nil)}, "malformed role name"},
		{"a duplicate", []organizations.RoleDefinition{member, admin, member}, "declared twice"},
		{"a malformed permission", []organizations.RoleDefinition{member, admin, def("billing", nil, "Billing Read")}, "malformed permission"},
		{"an empty permission", []organizations.RoleDefinition{member, admin, def("billing", nil, "")}, "malformed permission"},
		{"an unknown include", []organizations.RoleDefinition{member, admin, def("billing", []organizations.Role{"ghost"})}, `includes "ghost"`},
		{"a cycle", []organizations.RoleDefinition{member, admin, def("a", []organizations.Role{"b"}), def("b", []organizations.Role{"c"}), def("c", []organizations.Role{"a"})}, "cycle"},
		{"a self-include", []organizations.RoleDefinition{member, admin, def("a", []organizations.Role{"a"})}, "cycle"},
		{"too many permissions", []organizations.RoleDefinition{member, admin, def("big", nil, many...)}, "more than 256"},
	}
	for _, c := range cases {
		p, err := organizations.NewPolicy(c.roles...)
		require.ErrorIs(t, err, organizations.ErrInvalidPolicy, c.name)
		require.Contains(t, err.Error(), c.says, c.name)
		require.Nil(t, p, c.name)
	}
	// Just within the limit: the library's 7 and 249 of the app's.
	_, err := organizations.NewPolicy(member, admin, def("big", nil, many[:organizations.MaxPermissions-len(organizations.LibraryPermissions())]...))
	require.NoError(t, err)
	require.Panics(t, func() { organizations.MustPolicy() })
}

func TestNewPolicyCompilesIncludesTransitively(t *testing.T) {
	t.Parallel()
	p, err := organizations.NewPolicy(
		def("viewer", nil, "reports:read"),
		def("member", []organizations.Role{"viewer"}, "tasks:write"),
		def("billing", []organizations.Role{"member"}, "billing:read", "billing:write"),
		def("admin", []organizations.Role{"billing"}, organizations.PermMembersAdd),
	)
	require.NoError(t, err)
	require.Equal(t, []organizations.Permission{"billing:read", "billing:write", organizations.PermMembersAdd, "reports:read", "tasks:write"},
		p.RolePermissions(organizations.RoleAdmin))
	require.Equal(t, []organizations.Permission{"reports:read"}, p.RolePermissions("viewer"))
	require.Nil(t, p.RolePermissions("ghost"))
	require.True(t, p.Declares("billing"))
	require.False(t, p.Declares("ghost"))
	require.True(t, p.Knows("billing:read"))
	require.True(t, p.Knows(organizations.PermRolesManage), "the library's permissions are always known")
	require.False(t, p.Knows("billing:delete"))
	require.Len(t, p.Roles(), 4)
	require.Len(t, p.Permissions(), 4+len(organizations.LibraryPermissions()))
}

// DefaultPolicy is the model the library always had: a member holds no library
// permission, an admin holds all of them.
func TestDefaultPolicy(t *testing.T) {
	t.Parallel()
	p := organizations.DefaultPolicy()
	require.Same(t, p, organizations.DefaultPolicy())
	require.Equal(t, []organizations.Role{organizations.RoleMember, organizations.RoleAdmin},
		[]organizations.Role{p.Roles()[0].Name, p.Roles()[1].Name})
	require.Empty(t, p.RolePermissions(organizations.RoleMember))
	require.ElementsMatch(t, organizations.LibraryPermissions(), p.RolePermissions(organizations.RoleAdmin))
	require.Same(t, p, organizations.New(nil, nil).Policy())
}

func TestRoleAndPermissionNames(t *testing.T) {
	t.Parallel()
	for _, r := range []organizations.Role{"member", "admin", "billing-manager", "r2_d2", organizations.Role("a" + strings.Repeat("b", 62))} {
		require.True(t, r.Valid(), r)
	}
	for _, r := range []organizations.Role{"", "owner", "Admin", "2fa", " admin", "a b", "é", organizations.Role("a" + strings.Repeat("b", 63))} {
		require.False(t, r.Valid(), r)
	}
	for _, p := range []organizations.Permission{"billing:read", "org.settings:write", "x"} {
		require.True(t, p.Valid(), p)
	}
	for _, p := range []organizations.Permission{"", "Billing", ":read", "a b", organizations.Permission("a" + strings.Repeat("b", 100))} {
		require.False(t, p.Valid(), p)
	}
	require.True(t, errors.Is(organizations.ErrEscalation, organizations.ErrPermissionDenied))
	require.True(t, errors.Is(organizations.ErrInviterNotAllowed, organizations.ErrInvitationClosed))
}

// Access.Can is an index lookup and a bit test: no allocation, for a declared role, a
// custom role, the owner and a non-member alike. (Not parallel: AllocsPerRun.)
func TestAccessCanDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, err := svc.CreateOrganization(ctx, "own", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org.ID, def("billing", nil, organizations.PermMembersAdd))
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bill", "billing")
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "adm", organizations.RoleAdmin)
	require.NoError(t, err)
	for user, want := range map[organizations.UserID][2]bool{
		// Can(members:add), Can(a permission the policy does not know)
		"own": {true, true}, "bill": {true, false}, "adm": {true, false}, "nobody": {false, false},
	} {
		a, err := svc.Access(ctx, org.ID, user)
		require.NoError(t, err)
		var got [2]bool
		allocs := testing.AllocsPerRun(1000, func() {
			got = [2]bool{a.Can(organizations.PermMembersAdd), a.Can("nothing:known")}
		})
		require.Zero(t, allocs, "Can by %s", user)
		require.Equal(t, want, got, user)
	}
}

// BenchmarkAccessCan is Access.Can of a member holding a custom role.
//
//	go test -run='^$' -bench=AccessCan -benchmem .
func BenchmarkAccessCan(b *testing.B) {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, _ := svc.CreateOrganization(ctx, "own", "Acme", nil)
	_, _ = svc.CreateRole(ctx, org.ID, def("billing", nil, organizations.PermMembersAdd))
	_, _ = svc.AddUser(ctx, org.ID, "bill", "billing")
	a, err := svc.Access(ctx, org.ID, "bill")
	if err != nil || !a.Can(organizations.PermMembersAdd) {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !a.Can(organizations.PermMembersAdd) {
			b.Fatal("denied")
		}
	}
}

// team returns the definition of a team role.
func team(name organizations.Role, includes []organizations.Role, perms ...organizations.Permission) organizations.RoleDefinition {
	d := def(name, includes, perms...)
	d.Scope = organizations.ScopeTeam
	return d
}

// Team roles are validated like organization roles, in a namespace of their own, and
// may not hold an organization (library) permission.
func TestNewPolicyTeamRoles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		roles []organizations.RoleDefinition
		says  string
	}{
		{"a library permission", []organizations.RoleDefinition{member, admin, team("lead", nil, organizations.PermTeamsManage)}, `"teams:manage" is an organization permission`},
		{"another library permission", []organizations.RoleDefinition{member, admin, team("lead", nil, "docs:write", organizations.PermMembersAdd)}, "organization permission"},
		{"a team role including an organization role", []organizations.RoleDefinition{member, admin, team("lead", []organizations.Role{organizations.RoleMember})}, "not declared as a team role"},
		{"an organization role including a team role", []organizations.RoleDefinition{member, admin, team("writer", nil, "docs:write"), def("editor", []organizations.Role{"writer"})}, "not declared as an organization role"},
		{"a team role declared twice", []organizations.RoleDefinition{member, admin, team("writer", nil), team("writer", nil)}, "declared twice"},
		{"a team cycle", []organizations.RoleDefinition{member, admin, team("a", []organizations.Role{"b"}), team("b", []organizations.Role{"a"})}, "cycle"},
		{"a malformed team role", []organizations.RoleDefinition{member, admin, team("Writer", nil)}, "malformed role name"},
		{"the team role owner", []organizations.RoleDefinition{member, admin, team("owner", nil)}, "reserved"},
		{"an unknown scope", []organizations.RoleDefinition{member, admin, {Name: "x", Scope: "project"}}, `unknown scope "project"`},
		{"team roles only", []organizations.RoleDefinition{team("member", nil), team("admin", nil)}, `"member" must be declared`},
	} {
		p, err := organizations.NewPolicy(c.roles...)
		require.ErrorIs(t, err, organizations.ErrInvalidPolicy, c.name)
		require.Contains(t, err.Error(), c.says, c.name)
		require.Nil(t, p, c.name)
	}

	p, err := organizations.NewPolicy(member, admin, team("member", nil, "docs:read"),
		team("writer", []organizations.Role{"member"}, "docs:write"), team("maintainer", []organizations.Role{"writer"}, "docs:publish"))
	require.NoError(t, err, "a team role may share its name with an organization role")
	require.Len(t, p.Roles(), 2, "Roles lists the organization roles")
	require.Equal(t, []organizations.Role{"member", "writer", "maintainer"},
		[]organizations.Role{p.TeamRoles()[0].Name, p.TeamRoles()[1].Name, p.TeamRoles()[2].Name})
	require.Equal(t, organizations.ScopeTeam, p.TeamRoles()[0].Scope)
	require.Equal(t, []organizations.Permission{"docs:publish", "docs:read", "docs:write"}, p.TeamRolePermissions("maintainer"), "includes are transitive")
	require.Empty(t, p.RolePermissions(organizations.RoleMember), "the organization's member is another role")
	require.Nil(t, p.TeamRolePermissions("admin"))
	require.True(t, p.DeclaresTeamRole("writer"))
	require.False(t, p.Declares("writer"), "a team role is no organization role")
	require.False(t, p.DeclaresTeamRole(organizations.RoleAdmin))
	require.True(t, p.Knows("docs:publish"))

	// A custom role is an organization role.
	svc := organizations.New(nil, &organizations.Options{Policy: p})
	org, err := svc.CreateOrganization(t.Context(), "own", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.CreateRole(t.Context(), org.ID, team("reviewer", nil, "docs:read"))
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	_, err = svc.AddUser(t.Context(), org.ID, "bob", "writer")
	require.ErrorIs(t, err, organizations.ErrInvalidRole, "a team role is no membership's role")
}

// TeamAccess.Can is a bit test too: no allocation. (Not parallel: AllocsPerRun.)
func TestTeamAccessCanDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	svc := organizations.New(nil, &organizations.Options{Policy: organizations.MustPolicy(member, admin, team("writer", nil, "docs:write"))})
	org, err := svc.CreateOrganization(ctx, "own", "Acme", nil)
	require.NoError(t, err)
	tm, err := svc.CreateTeam(ctx, org.ID, "Docs", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.AddTeamMember(ctx, org.ID, tm.ID, "bob", "writer")
	require.NoError(t, err)
	a, err := svc.TeamAccess(ctx, org.ID, tm.ID, "bob")
	require.NoError(t, err)
	var got bool
	require.Zero(t, testing.AllocsPerRun(1000, func() { got = a.Can("docs:write") }))
	require.True(t, got)
}
