package orghttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/stretchr/testify/require"
)

func TestStatusCode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want int
	}{
		{orghttp.ErrUnauthenticated, 401},
		{orghttp.ErrNoOrganization, 404},
		{organizations.ErrOrganizationNotFound, 404},
		{organizations.ErrNotMember, 404},
		{organizations.ErrInvitationNotFound, 404},
		{organizations.ErrActivationNotFound, 404},
		{organizations.ErrPermissionDenied, 403},
		{organizations.ErrInvitationEmailMismatch, 403},
		{organizations.ErrAlreadyMember, 409},
		{organizations.ErrSlugTaken, 409},
		{organizations.ErrAlreadyInvited, 409},
		{organizations.ErrOwnershipRequired, 409},
		{organizations.ErrInvitationClosed, 409},
		{organizations.ErrActivationUsed, 409},
		{organizations.ErrRoleExists, 409},
		{organizations.ErrRoleInUse, 409},
		{organizations.ErrMemberLimit, 409},
		{organizations.ErrAlreadyOwner, 409},
		{organizations.ErrNoSuccessor, 409},
		{organizations.ErrTransferNotFound, 404},
		{orghttp.ErrNoTeam, 404},
		{organizations.ErrTeamNotFound, 404},
		{organizations.ErrNotTeamMember, 404},
		{organizations.ErrAlreadyTeamMember, 409},
		{organizations.ErrTeamSlugTaken, 409},
		{organizations.ErrTeamLimit, 409},
		{organizations.ErrTeamMemberLimit, 409},
		{organizations.ErrOrganizationLimit, 409},
		{organizations.ErrJoinRequestNotFound, 404},
		{organizations.ErrJoinRequestsClosed, 403},
		{organizations.ErrJoinRequestClosed, 409},
		{organizations.ErrJoinRequestExists, 409},
		{organizations.ErrJoinRequestExpired, 410},
		{organizations.ErrInvalidJoinRequestMessage, 422},
		{organizations.ErrDomainNotFound, 404},
		{organizations.ErrDomainExists, 409},
		{organizations.ErrDomainTaken, 409},
		{organizations.ErrInvalidDomain, 422},
		{organizations.ErrPublicMailDomain, 422},
		{organizations.ErrInvalidEnrollment, 422},
		{organizations.ErrDomainEmailMismatch, 422},
		{organizations.ErrDomainVerificationFailed, 422},
		{organizations.ErrDuplicateTeam, 422},
		{organizations.ErrTooManyTeams, 422},
		{fmt.Errorf("lookup: %w", organizations.ErrDomainVerificationFailed), 422},
		{organizations.ErrInvalidCursor, 400},
		{organizations.ErrInvalidMemberLimit, 422},
		{organizations.ErrInvalidTime, 422},
		{organizations.ErrUnknownEventType, 422},
		{organizations.ErrInvitationNotSent, 502},
		{organizations.ErrNotSupported, 501},
		{organizations.ErrInviterNotAllowed, 409},
		{organizations.ErrRoleNotFound, 404},
		{organizations.ErrEscalation, 403},
		{organizations.ErrInvitationExpired, 410},
		{organizations.ErrActivationExpired, 410},
		{organizations.ErrInvalidListOptions, 400},
		{organizations.ErrInvalidName, 422},
		{organizations.ErrInvalidSlug, 422},
		{organizations.ErrInvalidUserID, 422},
		{organizations.ErrInvalidRole, 422},
		{organizations.ErrInvalidJSON, 422},
		{organizations.ErrInvalidEmail, 422},
		{organizations.ErrNotConfigured, 501},
		{context.Canceled, orghttp.StatusClientClosedRequest},
		{context.DeadlineExceeded, 503},
		{&http.MaxBytesError{Limit: 10}, 413},
		{orghttp.ErrInvalidConfig, 500},
		{errors.New("disk on fire"), 500},
	} {
		require.Equal(t, c.want, orghttp.StatusCode(c.err), "%v", c.err)
		wrapped := fmt.Errorf("handler: %w", c.err)
		require.Equal(t, c.want, orghttp.StatusCode(wrapped), "wrapped %v", c.err)
	}
	require.Equal(t, 200, orghttp.StatusCode(nil))
	require.Equal(t, 404, orghttp.StatusCode(errors.Join(errors.New("x"), organizations.ErrNotMember)))
}

// Every sentinel the organizations package declares is mapped to a 4xx or 5xx on purpose:
// none may fall through to the generic 500 but ErrInvalidConfig-like programming errors.
func TestStatusCodeCoversReferenceErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		organizations.ErrInvalidName, organizations.ErrInvalidSlug, organizations.ErrSlugTaken,
		organizations.ErrInvalidUserID, organizations.ErrInvalidRole, organizations.ErrInvalidJSON,
		organizations.ErrInvalidListOptions, organizations.ErrOrganizationNotFound,
		organizations.ErrAlreadyMember, organizations.ErrNotMember, organizations.ErrOwnershipRequired,
		organizations.ErrPermissionDenied, organizations.ErrInvalidEmail, organizations.ErrAlreadyInvited,
		organizations.ErrInvitationNotFound, organizations.ErrInvitationExpired,
		organizations.ErrInvitationClosed, organizations.ErrInvitationEmailMismatch,
		organizations.ErrActivationNotFound, organizations.ErrActivationExpired,
		organizations.ErrActivationUsed, organizations.ErrEscalation, organizations.ErrInviterNotAllowed,
		organizations.ErrRoleInUse, organizations.ErrRoleNotFound, organizations.ErrRoleExists,
		organizations.ErrMemberLimit, organizations.ErrAlreadyOwner, organizations.ErrNoSuccessor,
		organizations.ErrTransferNotFound, organizations.ErrInvalidCursor, organizations.ErrInvalidMemberLimit,
		organizations.ErrInvalidTime, organizations.ErrUnknownEventType,
		organizations.ErrTeamNotFound, organizations.ErrNotTeamMember, organizations.ErrAlreadyTeamMember,
		organizations.ErrTeamSlugTaken, organizations.ErrTeamLimit, organizations.ErrTeamMemberLimit,
		organizations.ErrOrganizationLimit, organizations.ErrJoinRequestNotFound, organizations.ErrJoinRequestClosed,
		organizations.ErrJoinRequestExpired, organizations.ErrJoinRequestExists, organizations.ErrJoinRequestsClosed,
		organizations.ErrInvalidJoinRequestMessage, organizations.ErrInvalidDomain, organizations.ErrPublicMailDomain,
		organizations.ErrInvalidEnrollment, organizations.ErrDomainNotFound, organizations.ErrDomainExists,
		organizations.ErrDomainTaken, organizations.ErrDomainVerificationFailed, organizations.ErrDomainEmailMismatch,
	} {
		require.Less(t, orghttp.StatusCode(err), 500, "%v", err)
	}
}

func TestProblemFor(t *testing.T) {
	t.Parallel()
	p := orghttp.ProblemFor(fmt.Errorf("remove %q from org 42: %w", "bob@corp", organizations.ErrOwnershipRequired))
	require.Equal(t, orghttp.Problem{
		Type: "about:blank", Title: "Conflict", Status: 409,
		Detail: "Cannot remove or demote the organization owner.",
	}, p)

	p = orghttp.ProblemFor(fmt.Errorf("query users: password=hunter2: %w", errors.New("pq: bad")))
	require.Equal(t, orghttp.Problem{
		Type: "about:blank", Title: "Internal Server Error", Status: 500,
		Detail: "The server could not complete the request.",
	}, p)

	// A 5xx sentinel still gets the generic detail.
	p = orghttp.ProblemFor(organizations.ErrNotConfigured)
	require.Equal(t, "Not Implemented", p.Title)
	require.Equal(t, "The server could not complete the request.", p.Detail)

	p = orghttp.ProblemFor(context.Canceled)
	require.Equal(t, "Client Closed Request", p.Title)
	require.Equal(t, orghttp.StatusClientClosedRequest, p.Status)

	p = orghttp.ProblemFor(&http.MaxBytesError{Limit: 1})
	require.Equal(t, "Request Entity Too Large", p.Title)
	require.Equal(t, "The request body is too large.", p.Detail)

	p = orghttp.ProblemFor(orghttp.ErrUnauthenticated)
	require.Equal(t, "Authentication required.", p.Detail)

	require.Equal(t, 200, orghttp.ProblemFor(nil).Status)
}

func TestWriteProblem(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	orghttp.WriteProblem(w, httptest.NewRequest("GET", "/x", nil), fmt.Errorf("secret: %w", organizations.ErrSlugTaken))
	require.Equal(t, 409, w.Code)
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	require.Equal(t, strconv.Itoa(w.Body.Len()), w.Header().Get("Content-Length"))
	var raw map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &raw))
	require.Equal(t, map[string]any{
		"type": "about:blank", "title": "Conflict", "status": float64(409), "detail": "Slug already taken.",
	}, raw)
	require.NotContains(t, w.Body.String(), "secret")

	w = httptest.NewRecorder()
	orghttp.WriteProblem(w, httptest.NewRequest("HEAD", "/x", nil), orghttp.ErrNoOrganization)
	require.Equal(t, 404, w.Code)
	require.Zero(t, w.Body.Len())

	w = httptest.NewRecorder()
	orghttp.WriteProblem(w, nil, context.Canceled)
	require.Equal(t, orghttp.StatusClientClosedRequest, w.Code)
	require.Contains(t, w.Body.String(), `"status":499`)
}

// TestEverySentinelHasAStatus reads the library's errors.go and requires each of its
// sentinels to be in StatusCode's list (status.go), or to wrap one that is, or to be a
// fault of the server or its setup, which is a 500 on purpose: a sentinel added to the
// library without a status would answer 500 to a client's mistake.
func TestEverySentinelHasAStatus(t *testing.T) {
	t.Parallel()
	lib, err := os.ReadFile("../errors.go")
	require.NoError(t, err)
	status, err := os.ReadFile("status.go")
	require.NoError(t, err)
	status = regexp.MustCompile(`//.*`).ReplaceAll(status, nil) // code only
	// 500 on purpose: the server's state or setup, not the request.
	serverFaults := map[string]bool{
		"ErrOutcomeUnknown": true, "ErrStatementCacheBehindPooler": true, "ErrInvalidPolicy": true,
		"ErrInvalidConsumer": true, "ErrInvalidSchema": true, "ErrSchemaOutdated": true, "ErrSchemaTooNew": true,
		"ErrNotifyUnavailable": true, "ErrFeedNotifyOff": true, // heard by a cache's OnError, never a call's
	}
	wrapping := map[string]error{ // sentinels that wrap a listed one
		"ErrEscalation": organizations.ErrEscalation, "ErrInviterNotAllowed": organizations.ErrInviterNotAllowed,
		"ErrTeamSlugTaken": organizations.ErrTeamSlugTaken,
	}
	names := regexp.MustCompile(`(?m)^\s+(Err[A-Za-z]+)\s+=`).FindAllSubmatch(lib, -1)
	require.Greater(t, len(names), 40, "the sentinels of errors.go")
	for _, m := range names {
		name := string(m[1])
		switch {
		case serverFaults[name]:
		case wrapping[name] != nil:
			require.Less(t, orghttp.StatusCode(wrapping[name]), 500, name)
		default:
			require.Contains(t, string(status), "organizations."+name+",", "%s has no status in orghttp's list", name)
		}
	}
}
