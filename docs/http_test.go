package docs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// docs/http.md: Config.Resolvers names the wildcard that names the organization, and
// Config.NonOrganizationPathValues the wildcards that never do. A route whose wildcard no
// resolver reads is refused (ErrInvalidConfig, 500), never served for the organization
// the requester happens to belong to.
func Example_resolvers() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // in memory
	_, _ = svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.CreateOrganization(ctx, "alice", "Globex", nil)
	acme, _ := svc.OrganizationBySlug(ctx, "acme")
	_, _ = svc.AddUser(ctx, acme.ID, "bob", organizations.RoleMember) // bob: Acme only
	identify := func(r *http.Request) (organizations.UserID, bool) {
		u := r.Header.Get("X-User") // your authentication
		return organizations.UserID(u), u != ""
	}

	teams, err := orghttp.New(orghttp.Config{
		Service:                   svc,
		Identify:                  identify,
		Resolvers:                 []orghttp.Resolver{orghttp.FromPathValue("team")}, // GET /teams/{team}/
		NonOrganizationPathValues: []string{"doc"},                                   // GET /docs/{doc}: the user's organization
	})
	if err != nil {
		panic(err)
	}
	defaults, err := orghttp.New(orghttp.Config{Service: svc, Identify: identify}) // reads {org} only
	if err != nil {
		panic(err)
	}
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		fmt.Fprint(w, org.Name)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /teams/{team}/", teams.RequireMember(show))
	mux.Handle("GET /docs/{doc}", teams.RequireMember(show))
	mux.Handle("GET /projects/{project}/", defaults.RequireMember(show)) // no resolver reads {project}

	for _, c := range []struct{ user, path string }{
		{"alice", "/teams/globex/"},
		{"bob", "/teams/globex/"},
		{"bob", "/docs/readme"},
		{"bob", "/projects/globex/"},
	} {
		r := httptest.NewRequest("GET", c.path, nil)
		r.Header.Set("X-User", c.user)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		line, _, _ := strings.Cut(w.Body.String(), "\n")
		fmt.Printf("%-5s %-17s %d %s\n", c.user, c.path, w.Code, line)
	}
	// Output:
	// alice /teams/globex/    200 Globex
	// bob   /teams/globex/    404 {"type":"about:blank","title":"Not Found","status":404,"detail":"Organization not found."}
	// bob   /docs/readme      200 Acme
	// bob   /projects/globex/ 500 {"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The server could not complete the request."}
}
