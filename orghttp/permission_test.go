package orghttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

// withRecruiter adds to the fixture's acme a custom role "recruiter" (the member role
// plus members:add) held by the new member "rec".
func withRecruiter(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	_, err := f.svc.CreateRole(ctx, f.acme.ID, organizations.RoleDefinition{
		Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd},
	})
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, f.acme.ID, "rec", "recruiter")
	require.NoError(t, err)
	f.resetCounts()
}

// permMux guards /orgs/{org}/add by members:add and /orgs/{org}/roles by roles:manage.
func permMux(m *orghttp.Middleware) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/add", m.RequirePermission(organizations.PermMembersAdd)(probe))
	mux.Handle("GET /orgs/{org}/roles", m.RequirePermission(organizations.PermRolesManage)(probe))
	return mux
}

func TestRequirePermissionMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withRecruiter(t, f)
	mux := permMux(f.middleware(t, nil))
	const ok, unauth, notFound, forbidden = http.StatusOK, http.StatusUnauthorized, http.StatusNotFound, http.StatusForbidden
	cases := []struct {
		name, user string
		super      bool
		add, roles int
	}{
		{"anonymous", "", false, unauth, unauth},
		{"outsider", "outsider", false, notFound, notFound},
		{"member of another organization", "other", false, notFound, notFound},
		{"member", "member", false, forbidden, forbidden},
		{"custom role", "rec", false, ok, forbidden},
		{"admin", "admin", false, ok, ok},
		{"owner", "owner", false, ok, ok},
		{"superuser outsider", "outsider", true, ok, ok},
		{"superuser member", "member", true, ok, ok},
	}
	for _, ref := range []string{f.acme.Slug, f.acme.ID.String()} {
		for _, c := range cases {
			for page, status := range map[string]int{"add": c.add, "roles": c.roles} {
				t.Run(c.name+"/"+ref+"/"+page, func(t *testing.T) {
					r := request("GET", orgPath(ref, page), c.user)
					if c.super {
						r.Header.Set("X-Super", "yes")
					}
					w := serve(mux, r)
					require.Equal(t, status, w.Code, w.Body.String())
					if status != ok {
						decodeProblem(t, w)
						return
					}
					require.Equal(t, f.acme.Slug, decodeSeen(t, w).Org)
				})
			}
		}
	}
	// An outsider gets the response an unknown organization gets.
	require.Equal(t,
		serve(mux, request("GET", orgPath("no-such-org", "add"), "outsider")).Body.String(),
		serve(mux, request("GET", orgPath(f.acme.Slug, "add"), "outsider")).Body.String())
}

// The guard answers from the one store call that resolved the request, and a change to
// the custom role, or of the member's role, is seen on the very next request.
func TestRequirePermissionFollowsRoleChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withRecruiter(t, f)
	mux := permMux(f.middleware(t, nil))
	target := orgPath(f.acme.Slug, "add")
	require.Equal(t, http.StatusOK, serve(mux, request("GET", target, "rec")).Code)
	require.Equal(t, int64(1), f.store.memberCalls.Load())

	_, err := f.svc.UpdateRole(context.Background(), f.acme.ID, organizations.RoleDefinition{
		Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, serve(mux, request("GET", target, "rec")).Code)

	_, err = f.svc.SetRole(context.Background(), f.acme.ID, "member", organizations.RoleAdmin)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, serve(mux, request("GET", target, "member")).Code)
	require.NoError(t, f.svc.ChangeOwner(context.Background(), f.acme.ID, "rec"))
	require.Equal(t, http.StatusOK, serve(mux, request("GET", orgPath(f.acme.Slug, "roles"), "rec")).Code)
}

// A permission the Policy does not know is a programming error: everyone, the owner
// included, gets a 500, and the handler never runs.
func TestRequirePermissionUnknownPermissionRefusesEveryone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m := f.middleware(t, nil)
	called := false
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", m.RequirePermission("billing:raed")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })))
	for _, user := range []string{"owner", "admin", "member", ""} {
		w := serve(mux, request("GET", orgPath(f.acme.Slug, ""), user))
		require.Equal(t, http.StatusInternalServerError, w.Code, user)
	}
	require.False(t, called)
	_, err := m.AuthorizePermission(nil, request("GET", "/", "owner"), "")
	require.ErrorIs(t, err, orghttp.ErrInvalidConfig)
}

// An app's own permission, declared by its Policy, guards a route like the library's.
func TestRequirePermissionAppPermission(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	policy := organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember},
		organizations.RoleDefinition{Name: "billing", Includes: []organizations.Role{organizations.RoleMember}, Permissions: []organizations.Permission{"billing:read"}},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember}, Permissions: organizations.LibraryPermissions()},
	)
	svc := organizations.New(nil, &organizations.Options{Policy: policy})
	org, err := svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	for user, role := range map[organizations.UserID]organizations.Role{"ben": "billing", "adam": organizations.RoleAdmin, "mia": organizations.RoleMember} {
		_, err := svc.AddUser(ctx, org.ID, user, role)
		require.NoError(t, err)
	}
	m, err := orghttp.New(orghttp.Config{Service: svc, Identify: identify})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/billing", m.RequirePermission("billing:read")(probe))
	for user, want := range map[string]int{"owner": 200, "ben": 200, "adam": 403, "mia": 403, "nobody": 404} {
		require.Equal(t, want, serve(mux, request("GET", orgPath(org.Slug, "billing"), user)).Code, user)
	}
}

// As acts as the requester: the store checks the change against their rights at the
// moment of the write, whatever the guard let through.
func TestAsActsAsTheRequester(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	withRecruiter(t, f)
	m := f.middleware(t, nil)
	add := func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		user := organizations.UserID(r.URL.Query().Get("user"))
		role := organizations.Role(r.URL.Query().Get("role"))
		if _, err := m.As(r).AddUser(r.Context(), org.ID, user, role); err != nil {
			orghttp.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/add", m.RequireMember(http.HandlerFunc(add)))
	// Not behind a guard: As identifies the requester itself.
	mux.HandleFunc("GET /raw/{org}", func(w http.ResponseWriter, r *http.Request) {
		org, err := f.svc.OrganizationBySlug(r.Context(), r.PathValue("org"))
		require.NoError(t, err)
		require.Equal(t, organizations.UserID(r.Header.Get("X-User")), m.As(r).User())
		_, err = m.As(r).AddUser(r.Context(), org.ID, "zed", organizations.RoleMember)
		orghttp.WriteProblem(w, r, err)
	})
	path := func(user, role string) string {
		return fmt.Sprintf("%s?user=%s&role=%s", orgPath(f.acme.Slug, "add"), user, role)
	}
	require.Equal(t, http.StatusCreated, serve(mux, request("GET", path("dan", "member"), "rec")).Code)
	// Escalation: the recruiter may not give a role above their own.
	require.Equal(t, http.StatusForbidden, serve(mux, request("GET", path("eve", "admin"), "rec")).Code)
	// The member passes RequireMember but the store refuses the change.
	require.Equal(t, http.StatusForbidden, serve(mux, request("GET", path("eve", "member"), "member")).Code)
	require.Equal(t, http.StatusCreated, serve(mux, request("GET", path("eve", "admin"), "admin")).Code)
	ok, err := f.svc.IsMember(context.Background(), f.acme.ID, "eve")
	require.NoError(t, err)
	require.True(t, ok)

	// A superuser passes the guard, not the store's check of their own membership.
	r := request("GET", path("fay", "member"), "outsider")
	r.Header.Set("X-Super", "yes")
	require.Equal(t, http.StatusForbidden, serve(mux, r).Code)
	ok, err = f.svc.IsMember(context.Background(), f.acme.ID, "fay")
	require.NoError(t, err)
	require.False(t, ok)

	require.Equal(t, http.StatusForbidden, serve(mux, request("GET", "/raw/"+f.acme.Slug, "member")).Code)
	// Anonymous: the Actor acts as nobody, and nothing changes.
	w := serve(mux, request("GET", "/raw/"+f.acme.Slug, ""))
	require.Equal(t, http.StatusUnprocessableEntity, w.Code)
	ok, err = f.svc.IsMember(context.Background(), f.acme.ID, "zed")
	require.NoError(t, err)
	require.False(t, ok)
	err = m.As(request("GET", "/", "")).RemoveUser(context.Background(), f.acme.ID, "member")
	require.True(t, errors.Is(err, organizations.ErrInvalidUserID), "%v", err)
}
