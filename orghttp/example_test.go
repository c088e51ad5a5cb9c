package orghttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// Protecting handlers with the guards: members see the organization, admins edit it,
// only the owner deletes it.
func Example() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // in memory
	acme, _ := svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.AddUser(ctx, acme.ID, "bob", organizations.RoleMember)

	orgs, err := orghttp.New(orghttp.Config{
		Service: svc,
		// Your authentication; here a header, for the example only.
		Identify: func(r *http.Request) (organizations.UserID, bool) {
			u := r.Header.Get("X-User")
			return organizations.UserID(u), u != ""
		},
	})
	if err != nil {
		panic(err)
	}
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		member, _ := orghttp.Membership(r.Context())
		fmt.Fprintf(w, "%s (%s)", org.Name, member.Role)
	})
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", orgs.RequireMember(show))
	mux.Handle("POST /orgs/{org}/edit", orgs.RequireAdmin(show))
	mux.Handle("POST /orgs/{org}/delete", orgs.RequireOwner(show))

	for _, c := range []struct{ user, method, path string }{
		{"bob", "GET", "/orgs/acme/"},
		{"bob", "POST", "/orgs/acme/edit"},
		{"carol", "GET", "/orgs/acme/"},
		{"", "GET", "/orgs/acme/"},
		{"alice", "POST", "/orgs/acme/delete"},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		r.Header.Set("X-User", c.user)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Printf("%-5s %-4s %-18s %d %s\n", c.user, c.method, c.path, w.Code, firstLine(w.Body.String()))
	}
	// Output:
	// bob   GET  /orgs/acme/        200 Acme (member)
	// bob   POST /orgs/acme/edit    403 {"type":"about:blank","title":"Forbidden","status":403,"detail":"Permission denied."}
	// carol GET  /orgs/acme/        404 {"type":"about:blank","title":"Not Found","status":404,"detail":"Organization not found."}
	//       GET  /orgs/acme/        401 {"type":"about:blank","title":"Unauthorized","status":401,"detail":"Authentication required."}
	// alice POST /orgs/acme/delete  200 Acme (admin)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// A current organization kept in a signed cookie: the switch form stores it, and pages
// without an organization in their path use it.
func ExampleMiddleware_SwitchHandler() {
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	_, _ = svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.CreateOrganization(ctx, "alice", "Globex", nil)

	// Load the key from your secrets; 32 bytes at least.
	session, err := orghttp.NewCookieSession([]byte("an example key, 32 bytes or more"), nil)
	if err != nil {
		panic(err)
	}
	orgs, err := orghttp.New(orghttp.Config{
		Service:  svc,
		Identify: func(*http.Request) (organizations.UserID, bool) { return "alice", true },
		Session:  session,
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /switch", orgs.SwitchHandler())
	mux.Handle("GET /dashboard", orgs.RequireMember(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		fmt.Fprintf(w, "dashboard of %s", org.Name)
	})))

	// Alice belongs to two organizations and has chosen none yet.
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/dashboard", nil))
	fmt.Println(w.Code)

	form := url.Values{"org": {"globex"}, "next": {"/dashboard"}}
	r := httptest.NewRequest("POST", "/switch", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Location"))

	r = httptest.NewRequest("GET", "/dashboard", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 404
	// 303 /dashboard
	// 200 dashboard of Globex
}

// StatusCode turns the library's errors into HTTP statuses for your own handlers.
func ExampleStatusCode() {
	for _, err := range []error{
		organizations.ErrSlugTaken,
		fmt.Errorf("rename: %w", organizations.ErrInvalidName),
		organizations.ErrInvitationExpired,
		errors.New("connection reset"),
	} {
		fmt.Println(orghttp.StatusCode(err))
	}
	// Output:
	// 409
	// 422
	// 410
	// 500
}

// The host renders its own error pages: HTML with the same title and detail, and a
// redirect to the sign-in page for anonymous requests.
func ExampleConfig_errorHandler() {
	svc := organizations.New(nil, nil)
	orgs, err := orghttp.New(orghttp.Config{
		Service:  svc,
		Identify: func(*http.Request) (organizations.UserID, bool) { return "", false },
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, orghttp.ErrUnauthenticated) {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			p := orghttp.ProblemFor(err)
			w.WriteHeader(p.Status)
			fmt.Fprintf(w, "<h1>%s</h1><p>%s</p>", p.Title, p.Detail)
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/", orgs.RequireMember(http.NotFoundHandler()))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/orgs/acme/", nil))
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output:
	// 303 /signin?next=%2Forgs%2Facme%2F
}
