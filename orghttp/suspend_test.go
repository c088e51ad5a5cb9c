package orghttp_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A suspended member is a non-member to the guards from the next request on, and back
// once reactivated.
func TestGuardSuspendedMemberRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mux := orgMux(f.middleware(t, nil))
	ctx := context.Background()
	for _, page := range []string{"", "edit"} {
		require.Equal(t, http.StatusOK, serve(mux, request("GET", orgPath(f.acme.Slug, page), "admin")).Code)
	}
	_, err := f.svc.SuspendUser(ctx, f.acme.ID, "admin")
	require.NoError(t, err)
	for _, page := range []string{"", "edit"} {
		w := serve(mux, request("GET", orgPath(f.acme.Slug, page), "admin"))
		require.Equal(t, http.StatusNotFound, w.Code, "page %q", page)
		outsider := serve(mux, request("GET", orgPath(f.acme.Slug, page), "outsider"))
		require.Equal(t, outsider.Body.String(), w.Body.String(), "the response of an outsider")
	}
	_, err = f.svc.ReactivateUser(ctx, f.acme.ID, "admin")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, serve(mux, request("GET", orgPath(f.acme.Slug, "edit"), "admin")).Code)
}
