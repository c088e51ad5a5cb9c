package orghttp

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

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
	// NonOrganizationPathValues names the path wildcards of the host's routes that never
	// name an organization ("user", "token", "docID"). A request whose route has a wildcard
	// that no FromPathValue resolver reads, and that is not named here, is refused with
	// ErrInvalidConfig (a 500 naming the wildcard) when nothing else named an organization,
	// instead of being served for the session's, the automatically selected or the fallback
	// organization: a route "POST /orgs/{id}/members" behind the default resolvers (which
	// read {org}) would otherwise act on another organization than the one in its path.
	// Routes with a wildcard that a FromPathValue resolver reads are not affected.
	NonOrganizationPathValues []string
	// Superuser, if set, reports whether an identified requester passes every guard of
	// every existing organization without being a member (django's is_superuser). It is
	// called only when a guard would otherwise refuse. Switch does not honour it.
	Superuser func(*http.Request) bool
	// ReadYourWrites, if positive, is how long after a write that a handler reports with
	// Middleware.RememberWrite the requester's requests read at least as fresh as that
	// write, through a cookie (ConsistencyCookie) of that lifetime: a few seconds covers
	// a CachedStore's or a replica's lag. Zero: no cookie; a request's
	// ConsistencyHeader is honoured either way.
	ReadYourWrites time.Duration
	// TeamResolvers name the request's current team within its current organization,
	// asked in order, as Resolvers name the organization: a team's ID (team slugs are
	// unique only within their organization, so a reference that is not shaped like a
	// UUID names no team). Nil or empty: no current team (Team reports none, and
	// RequireTeamPermission refuses with ErrNoTeam). FromSession is refused here: the
	// session keeps the organization only. A request for which one names a team costs
	// one more store call (Service.TeamAccess). A FromPathValue team resolver's wildcard
	// counts as read for NonOrganizationPathValues' check.
	TeamResolvers []Resolver
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
	// read is the set of path wildcards that a FromPathValue resolver reads or that
	// Config.NonOrganizationPathValues declares: a route's other wildcards might name an
	// organization nobody resolves (see checkRoute).
	read map[string]bool
	// routes caches, per ServeMux pattern, the error checkRoute returns (nil for none).
	routes sync.Map
	// persist is true when a session resolver is configured, so that writing the
	// session is worth it.
	persist bool
}

// New returns a Middleware for cfg. Errors: ErrInvalidConfig (a nil Service or Identify,
// a nil Resolver or team resolver, FromPathValue, FromHeader or FromQuery with an empty
// name, FromSession without a Session or among TeamResolvers, a Fallback that is neither
// a valid slug nor an ID, or an empty name in NonOrganizationPathValues).
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
	m := &Middleware{cfg: cfg, read: map[string]bool{}}
	for _, name := range cfg.NonOrganizationPathValues {
		if name == "" {
			return nil, fmt.Errorf("%w: an empty name in NonOrganizationPathValues", ErrInvalidConfig)
		}
		m.read[name] = true
	}
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
		if p, ok := res.(pathResolver); ok {
			m.read[string(p)] = true
		}
		// Bind a fresh copy, so that one FromSession value can serve several
		// Middlewares with different sessions.
		if _, ok := res.(*sessionResolver); ok {
			res = &sessionResolver{s: cfg.Session}
			m.persist = true
		}
		m.resolvers = append(m.resolvers, res)
	}
	for i, res := range cfg.TeamResolvers {
		if res == nil {
			return nil, fmt.Errorf("%w: TeamResolvers[%d] is nil", ErrInvalidConfig, i)
		}
		if _, ok := res.(*sessionResolver); ok {
			return nil, fmt.Errorf("%w: FromSession among TeamResolvers: the session keeps the organization only", ErrInvalidConfig)
		}
		if v, ok := res.(validator); ok {
			if err := v.validate(&cfg); err != nil {
				return nil, err
			}
		}
		if p, ok := res.(pathResolver); ok {
			m.read[string(p)] = true
		}
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

// checkRoute returns ErrInvalidConfig, naming the wildcard, when the route the ServeMux
// matched (r.Pattern) has a path wildcard that no FromPathValue resolver reads and that
// Config.NonOrganizationPathValues does not declare: such a wildcard may name an
// organization that this Middleware would never resolve, and serving the request for the
// session's, the selected or the fallback organization would act on another one than the
// path names. It is asked only when nothing else named an organization.
func (m *Middleware) checkRoute(r *http.Request) error {
	if r.Pattern == "" {
		return nil
	}
	if err, ok := m.routes.Load(r.Pattern); ok {
		e, _ := err.(error)
		return e
	}
	var err error
	for _, name := range patternWildcards(r.Pattern) {
		if !m.read[name] {
			err = fmt.Errorf("%w: the route %q has the path wildcard {%s}, which no resolver reads: "+
				"add orghttp.FromPathValue(%q) to Config.Resolvers if it names an organization, "+
				"or name it in Config.NonOrganizationPathValues if it does not",
				ErrInvalidConfig, r.Pattern, name, name)
			break
		}
	}
	m.routes.Store(r.Pattern, err)
	return err
}

// patternWildcards returns the names of the wildcards of a ServeMux pattern
// ("POST /orgs/{id}/files/{path...}" gives id and path; {$} is none).
func patternWildcards(pattern string) []string {
	var names []string
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		name := strings.TrimSuffix(rest[i+1:i+j], "...")
		if name != "$" && name != "" {
			names = append(names, name)
		}
		rest = rest[i+j+1:]
	}
}
