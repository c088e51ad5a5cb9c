package orghttp

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
)

// StatusClientClosedRequest is the status StatusCode gives a canceled context: the client
// went away before the response (nginx's 499). Nobody receives it; it keeps client aborts
// apart from server faults in access logs and metrics.
const StatusClientClosedRequest = 499

// statuses maps sentinels to statuses, tested in order with errors.Is.
var statuses = []struct {
	err    error
	status int
}{
	{ErrUnauthenticated, http.StatusUnauthorized},

	{ErrNoOrganization, http.StatusNotFound},
	{organizations.ErrOrganizationNotFound, http.StatusNotFound},
	{organizations.ErrNotMember, http.StatusNotFound},
	{organizations.ErrInvitationNotFound, http.StatusNotFound},
	{organizations.ErrActivationNotFound, http.StatusNotFound},
	{organizations.ErrRoleNotFound, http.StatusNotFound},
	{organizations.ErrTransferNotFound, http.StatusNotFound},
	{ErrNoTeam, http.StatusNotFound},
	{organizations.ErrTeamNotFound, http.StatusNotFound},
	{organizations.ErrNotTeamMember, http.StatusNotFound},
	{organizations.ErrJoinRequestNotFound, http.StatusNotFound},
	{organizations.ErrDomainNotFound, http.StatusNotFound},

	{organizations.ErrPermissionDenied, http.StatusForbidden},
	// The token is sound; the person using it is not the one invited.
	{organizations.ErrInvitationEmailMismatch, http.StatusForbidden},
	// The organization does not take requests: its policy, not the request's form.
	{organizations.ErrJoinRequestsClosed, http.StatusForbidden},

	{organizations.ErrAlreadyMember, http.StatusConflict},
	{organizations.ErrSlugTaken, http.StatusConflict},
	{organizations.ErrAlreadyInvited, http.StatusConflict},
	{organizations.ErrOwnershipRequired, http.StatusConflict},
	{organizations.ErrInvitationClosed, http.StatusConflict},
	{organizations.ErrActivationUsed, http.StatusConflict},
	{organizations.ErrRoleExists, http.StatusConflict},
	{organizations.ErrRoleInUse, http.StatusConflict},
	{organizations.ErrMemberLimit, http.StatusConflict},
	{organizations.ErrAlreadyOwner, http.StatusConflict},
	{organizations.ErrNoSuccessor, http.StatusConflict},
	{organizations.ErrAlreadyTeamMember, http.StatusConflict},
	{organizations.ErrTeamLimit, http.StatusConflict},
	{organizations.ErrTeamMemberLimit, http.StatusConflict},
	{organizations.ErrOrganizationLimit, http.StatusConflict},
	{organizations.ErrJoinRequestClosed, http.StatusConflict},
	{organizations.ErrJoinRequestExists, http.StatusConflict},
	{organizations.ErrDomainExists, http.StatusConflict},
	{organizations.ErrDomainTaken, http.StatusConflict},

	{organizations.ErrInvitationExpired, http.StatusGone},
	{organizations.ErrActivationExpired, http.StatusGone},
	{organizations.ErrJoinRequestExpired, http.StatusGone},

	// A cursor or limit comes from the query string: a malformed request, not content
	// that fails validation.
	{organizations.ErrInvalidListOptions, http.StatusBadRequest},
	{organizations.ErrInvalidCursor, http.StatusBadRequest},

	{organizations.ErrInvalidName, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidSlug, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidUserID, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidRole, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidJSON, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidEmail, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidMemberLimit, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidTime, http.StatusUnprocessableEntity},
	{organizations.ErrUnknownEventType, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidJoinRequestMessage, http.StatusUnprocessableEntity},
	{organizations.ErrDuplicateTeam, http.StatusUnprocessableEntity},
	{organizations.ErrTooManyTeams, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidDomain, http.StatusUnprocessableEntity},
	{organizations.ErrPublicMailDomain, http.StatusUnprocessableEntity},
	{organizations.ErrInvalidEnrollment, http.StatusUnprocessableEntity},
	{organizations.ErrDomainEmailMismatch, http.StatusUnprocessableEntity},
	// No TXT record holds the token (yet): the host publishes it and asks again.
	{organizations.ErrDomainVerificationFailed, http.StatusUnprocessableEntity},
	// The change was made, but the mail that carries it could not be sent: a gateway's
	// failure, worth a retry of the sending.
	{organizations.ErrInvitationNotSent, http.StatusBadGateway},

	// The host did not set up the backend this route needs.
	{organizations.ErrNotConfigured, http.StatusNotImplemented},
	// The store lacks the optional interface the call needs.
	{organizations.ErrNotSupported, http.StatusNotImplemented},

	{context.Canceled, StatusClientClosedRequest},
	// Our own deadline (a server or handler timeout) passed: retryable.
	{context.DeadlineExceeded, http.StatusServiceUnavailable},
}

// StatusCode returns the HTTP status for err:
//
//   - nil: 200 OK;
//   - ErrUnauthenticated: 401 Unauthorized;
//   - not found (ErrNoOrganization, ErrOrganizationNotFound, ErrNotMember,
//     ErrInvitationNotFound, ErrActivationNotFound, ErrRoleNotFound,
//     ErrTransferNotFound, ErrNoTeam, ErrTeamNotFound, ErrNotTeamMember,
//     ErrJoinRequestNotFound, ErrDomainNotFound): 404 Not Found;
//   - ErrPermissionDenied (ErrEscalation included), ErrInvitationEmailMismatch,
//     ErrJoinRequestsClosed: 403 Forbidden;
//   - conflicts with the current state (ErrAlreadyMember, ErrSlugTaken, ErrAlreadyInvited,
//     ErrOwnershipRequired, ErrInvitationClosed (ErrInviterNotAllowed included),
//     ErrActivationUsed, ErrRoleExists, ErrRoleInUse, ErrMemberLimit, ErrAlreadyOwner,
//     ErrNoSuccessor, ErrAlreadyTeamMember, ErrTeamLimit, ErrTeamMemberLimit,
//     ErrOrganizationLimit, ErrJoinRequestClosed, ErrJoinRequestExists, ErrDomainExists,
//     ErrDomainTaken): 409 Conflict;
//   - ErrInvitationExpired, ErrActivationExpired, ErrJoinRequestExpired: 410 Gone;
//   - ErrInvalidListOptions, ErrInvalidCursor: 400 Bad Request;
//   - other invalid input (ErrInvalidName, ErrInvalidSlug, ErrInvalidUserID,
//     ErrInvalidRole, ErrInvalidJSON, ErrInvalidEmail, ErrInvalidMemberLimit,
//     ErrInvalidTime, ErrUnknownEventType, ErrInvalidJoinRequestMessage, ErrDuplicateTeam,
//     ErrTooManyTeams, ErrInvalidDomain, ErrPublicMailDomain, ErrInvalidEnrollment,
//     ErrDomainEmailMismatch, ErrDomainVerificationFailed): 422 Unprocessable Entity;
//   - ErrInvitationNotSent (the invitation was renewed, its mail failed): 502 Bad
//     Gateway;
//   - an *http.MaxBytesError (a body over http.MaxBytesReader's limit): 413 Content Too
//     Large (Request Entity Too Large);
//   - ErrNotConfigured, ErrNotSupported: 501 Not Implemented;
//   - context.Canceled: StatusClientClosedRequest (499);
//   - context.DeadlineExceeded: 503 Service Unavailable;
//   - anything else: 500 Internal Server Error.
//
// Wrapped errors are matched with errors.Is; the first match in this list wins.
func StatusCode(err error) int {
	status, _ := classify(err)
	return status
}

// classify returns err's status and the sentinel it matched, if any.
func classify(err error) (int, error) {
	if err == nil {
		return http.StatusOK, nil
	}
	for _, s := range statuses {
		if errors.Is(err, s.err) {
			return s.status, s.err
		}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, nil
	}
	return http.StatusInternalServerError, nil
}
