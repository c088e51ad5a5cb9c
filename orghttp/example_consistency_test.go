package orghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// Read-your-writes across processes: after a write, RememberWrite gives the requester a
// consistency token (a response header, and a cookie for ReadYourWrites), and the
// Middleware of whichever process serves their next request reads at least as fresh as
// that write, even from a CachedStore that has not caught up.
func ExampleMiddleware_RememberWrite() {
	ctx := context.Background()
	svc := organizations.New(nil, nil) // in memory
	acme, _ := svc.CreateOrganization(ctx, "alice", "Acme", nil)
	_, _ = svc.AddUser(ctx, acme.ID, "bob", organizations.RoleMember)

	orgs, err := orghttp.New(orghttp.Config{
		Service:        svc,
		Identify:       func(r *http.Request) (organizations.UserID, bool) { return "alice", true },
		ReadYourWrites: 5 * time.Second, // the cookie's lifetime: a cache's or replica's lag
	})
	if err != nil {
		panic(err)
	}
	remove := func(w http.ResponseWriter, r *http.Request) {
		org, _ := orghttp.Organization(r.Context())
		if err := orgs.As(r).RemoveUser(r.Context(), org.ID, "bob"); err != nil {
			orghttp.WriteProblem(w, r, err)
			return
		}
		if err := orgs.RememberWrite(w, r); err != nil { // after the write has committed
			orghttp.WriteProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /orgs/{org}/remove-bob", orgs.RequireAdmin(http.HandlerFunc(remove)))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/orgs/acme/remove-bob", nil))
	fmt.Println(w.Code, w.Header().Get(orghttp.ConsistencyHeader) != "", w.Result().Cookies()[0].Name)
	// Output:
	// 204 true org-consistency
}
