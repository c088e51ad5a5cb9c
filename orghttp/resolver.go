package orghttp

import (
	"fmt"
	"net/http"
)

// Resolver finds the organization a request names. It returns a reference, an
// organization ID (anything shaped like a UUID) or a slug, and false when the request
// names none, in which case the Middleware asks the next resolver. A reference that matches
// no organization is not an error here: the request then has no organization.
//
// Implementations must be safe for concurrent use and should not do I/O: the Middleware
// looks the reference up.
type Resolver interface {
	Resolve(r *http.Request) (ref string, ok bool)
}

// ResolverFunc adapts a function to a Resolver.
type ResolverFunc func(r *http.Request) (ref string, ok bool)

// Resolve calls f(r).
func (f ResolverFunc) Resolve(r *http.Request) (string, bool) { return f(r) }

// validator is implemented by the package's resolvers whose arguments New checks.
type validator interface{ validate(c *Config) error }

// FromPathValue resolves the organization from the path wildcard name of the route's
// ServeMux pattern, such as "org" in "/orgs/{org}/": a slug or an ID. It names nothing when
// the wildcard is empty or absent, so it only works on a request the mux has routed (apply
// the Middleware per route). New rejects an empty name.
func FromPathValue(name string) Resolver { return pathResolver(name) }

type pathResolver string

func (p pathResolver) Resolve(r *http.Request) (string, bool) {
	return nonEmpty(r.PathValue(string(p)))
}

func (p pathResolver) validate(*Config) error {
	if p == "" {
		return fmt.Errorf("%w: FromPathValue with an empty name", ErrInvalidConfig)
	}
	return nil
}

// FromHeader resolves the organization from the request header name, such as
// "X-Organization": a slug or an ID, for API clients. It names nothing when the header is
// empty or absent. New rejects an empty name.
func FromHeader(name string) Resolver { return headerResolver(http.CanonicalHeaderKey(name)) }

type headerResolver string

func (h headerResolver) Resolve(r *http.Request) (string, bool) {
	return nonEmpty(r.Header.Get(string(h)))
}

func (h headerResolver) validate(*Config) error {
	if h == "" {
		return fmt.Errorf("%w: FromHeader with an empty name", ErrInvalidConfig)
	}
	return nil
}

// FromQuery resolves the organization from the URL query parameter name, such as "org" in
// "/?org=acme" (django-ar-organizations' links): a slug or an ID. It names nothing when the
// parameter is empty or absent; unlike django-ar-organizations it does not store the
// organization in the session (Switch does). New rejects an empty name.
func FromQuery(name string) Resolver { return queryResolver(name) }

type queryResolver string

func (q queryResolver) Resolve(r *http.Request) (string, bool) {
	if r.URL == nil {
		return "", false
	}
	return nonEmpty(r.URL.Query().Get(string(q)))
}

func (q queryResolver) validate(*Config) error {
	if q == "" {
		return fmt.Errorf("%w: FromQuery with an empty name", ErrInvalidConfig)
	}
	return nil
}

// FromSession resolves the organization from Config.Session, for identified requests
// only. It is soft: a session organization that no longer exists, or that the requester
// no longer belongs to, is cleared from the session and the next resolver is asked. New
// rejects it when Config.Session is nil.
func FromSession() Resolver { return &sessionResolver{} }

// sessionResolver is bound to Config.Session by New. The Middleware recognises it by type
// to give it the soft behaviour described on FromSession.
type sessionResolver struct{ s Session }

func (s *sessionResolver) Resolve(r *http.Request) (string, bool) {
	if s.s == nil {
		return "", false
	}
	id, ok := s.s.CurrentOrganization(r)
	if !ok {
		return "", false
	}
	return id.String(), true
}

func (s *sessionResolver) validate(c *Config) error {
	if c.Session == nil {
		return fmt.Errorf("%w: FromSession without Config.Session", ErrInvalidConfig)
	}
	return nil
}

func nonEmpty(s string) (string, bool) { return s, s != "" }
