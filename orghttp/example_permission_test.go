package orghttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// Guarding routes by permission, and making the change as the requester: the guard
// turns away who lacks the permission, and As(r) has the store check the change itself
// (here, the escalation rule: a recruiter may add members, not admins).
func ExampleMiddleware_RequirePermission() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // in memory, DefaultPolicy
	acme, _ := svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.As("alice").CreateRole(ctx, acme.ID, organizations.RoleDefinition{
		Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd},
	})
	_, _ = svc.As("alice").AddUser(ctx, acme.ID, "rita", "recruiter")
	_, _ = svc.As("alice").AddUser(ctx, acme.ID, "bob", organizations.RoleMember)

	orgs, err := orghttp.New(orghttp.Config{
		Service: svc,
		Identify: func(r *http.Request) (organizations.UserID, bool) {
			u := r.Header.Get("X-User")
			return organizations.UserID(u), u != ""
		},
	})
	if err != nil {
		panic(err)
	}
	addMember := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		user := organizations.UserID(r.FormValue("user"))
		_, err := orgs.As(r).AddUser(r.Context(), org.ID, user, organizations.Role(r.FormValue("role")))
		switch {
		case errors.Is(err, organizations.ErrEscalation):
			http.Error(w, "you cannot give a role above your own", orghttp.StatusCode(err))
		case err != nil:
			orghttp.WriteProblem(w, r, err)
		default:
			fmt.Fprintf(w, "added %s", user)
		}
	})
	mux := http.NewServeMux()
	mux.Handle("POST /orgs/{org}/members", orgs.RequirePermission(organizations.PermMembersAdd)(addMember))

	for _, c := range []struct{ user, query string }{
		{"rita", "user=carl&role=member"},
		{"rita", "user=dave&role=admin"},
		{"bob", "user=erin&role=member"},
		{"zoe", "user=erin&role=member"},
		{"alice", "user=dave&role=admin"},
	} {
		r := httptest.NewRequest("POST", "/orgs/acme/members?"+c.query, nil)
		r.Header.Set("X-User", c.user)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Printf("%-5s %-21s %d %s\n", c.user, c.query, w.Code, firstLine(w.Body.String()))
	}
	// Output:
	// rita  user=carl&role=member 200 added carl
	// rita  user=dave&role=admin  403 you cannot give a role above your own
	// bob   user=erin&role=member 403 {"type":"about:blank","title":"Forbidden","status":403,"detail":"Permission denied."}
	// zoe   user=erin&role=member 404 {"type":"about:blank","title":"Not Found","status":404,"detail":"Organization not found."}
	// alice user=dave&role=admin  200 added dave
}
