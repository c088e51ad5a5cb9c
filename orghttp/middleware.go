package orghttp

import (
	"fmt"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// Config configures a Middleware. Service and Identify are required; every other field
// may be left zero.
type Config struct {
	// Service is what requests are resolved and checked against. Required.
	Service *organizations.Service
	// Identify returns the requester's user ID, or false for an anonymous request; it is
	// the host's authentication. An ID that is not Valid counts as anonymous. Required.
	Identify func(*http.Request) (organizations.UserID, bool)
	// Resolvers name the current organization, asked in order (see Resolver). Nil means
	// FromPathValue("org"), then FromSession() if Session is set; an empty, non-nil slice
	// means none (only automatic selection and Fallback then give an organization).
	Resolvers []Resolver
	// Session keeps the current organization between requests: FromSession reads it, and
	// Switch and automatic selection write it. Nil: no session, and Switch fails with
	// organizations.ErrNotConfigured.
	Session Session
	// Fallback is the slug or ID of the organization an anonymous request gets when no
	// resolver names one (django-ar-organizations' AR_FALLBACK_ORG_SLUG). Empty: none. A
	// fallback that no longer exists gives no organization.
	Fallback string
	// NoAutoSelect turns off automatic selection: by default, an identified request for
	// which no resolver names an organization gets the user's only organization, if they
	// belong to exactly one, and it is stored in the session when FromSession is among the
	// resolvers.
	NoAutoSelect bool
	// Superuser, if set, reports whether an identified requester passes every guard of
	// every existing organization without being a member (django's is_superuser). It is
	// called only when a guard would otherwise refuse. Switch does not honour it.
	Superuser func(*http.Request) bool
	// ErrorHandler writes the response when a guard refuses a request or resolution
	// fails: map err with StatusCode, or test it with errors.Is (ErrUnauthenticated to
	// redirect to a sign-in page, for instance). Nil means WriteProblem.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Middleware resolves each request's current organization and the requester's
// membership, and guards handlers by role. Make one with New; it is safe for concurrent
// use.
type Middleware struct {
	cfg       Config
	resolvers []Resolver
	// persist is true when a session resolver is configured, so that writing the
	// session is worth it.
	persist bool
}

// New returns a Middleware for cfg. Errors: ErrInvalidConfig (a nil Service or Identify,
// a nil Resolver, FromPathValue, FromHeader or FromQuery with an empty name, FromSession
// without a Session, or a Fallback that is neither a valid slug nor an ID).
func New(cfg Config) (*Middleware, error) {
	if cfg.Service == nil || cfg.Identify == nil {
		return nil, fmt.Errorf("%w: Service and Identify are required", ErrInvalidConfig)
	}
	if cfg.Fallback != "" {
		if _, err := uuid.Parse(cfg.Fallback); err != nil && organizations.ValidSlug(cfg.Fallback) != nil {
			return nil, fmt.Errorf("%w: Fallback %q is neither a slug nor an ID", ErrInvalidConfig, cfg.Fallback)
		}
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = WriteProblem
	}
	m := &Middleware{cfg: cfg}
	resolvers := cfg.Resolvers
	if resolvers == nil {
		resolvers = []Resolver{FromPathValue("org")}
		if cfg.Session != nil {
			resolvers = append(resolvers, FromSession())
		}
	}
	for i, res := range resolvers {
		if res == nil {
			return nil, fmt.Errorf("%w: Resolvers[%d] is nil", ErrInvalidConfig, i)
		}
		if v, ok := res.(validator); ok {
			if err := v.validate(&cfg); err != nil {
				return nil, err
			}
		}
		// Bind a fresh copy, so that one FromSession value can serve several
		// Middlewares with different sessions.
		if _, ok := res.(*sessionResolver); ok {
			res = &sessionResolver{s: cfg.Session}
			m.persist = true
		}
		m.resolvers = append(m.resolvers, res)
	}
	return m, nil
}

// Resolve returns a handler that resolves the request's organization, membership and
// user into its context (see Organization, Membership, User) and calls next, whether or
// not an organization was found: use it for pages that show an organization when there is
// one. It refuses nothing; only a failing store or session gives an error response
// (through Config.ErrorHandler).
func (m *Middleware) Resolve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, err := m.Load(w, r)
		if err != nil {
			m.cfg.ErrorHandler(w, r2, err)
			return
		}
		next.ServeHTTP(w, r2)
	})
}
