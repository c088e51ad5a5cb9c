package orghttp

import (
	"net/http"

	"github.com/google/uuid"
)

// Session keeps a browser's current organization between requests: an adapter for the
// host's session library, or CookieSession. It stores an organization ID, never a slug,
// because slugs can change. The Middleware checks the requester's membership of whatever
// the session holds on every request, so a Session only has to keep the value; it need not
// be secret.
//
// Implementations must be safe for concurrent use.
type Session interface {
	// CurrentOrganization returns the organization ID stored for the request's session,
	// and false if there is none or it cannot be read (a missing, expired or tampered
	// session).
	CurrentOrganization(r *http.Request) (id uuid.UUID, ok bool)
	// SetCurrentOrganization stores id as the session's current organization. It is
	// called before the response is written, and may set headers on w.
	SetCurrentOrganization(w http.ResponseWriter, r *http.Request, id uuid.UUID) error
	// ClearCurrentOrganization forgets the session's current organization (a host also
	// calls it at sign-out). It is called before the response is written.
	ClearCurrentOrganization(w http.ResponseWriter, r *http.Request) error
}
