package orghttp

import "errors"

// Errors of this package, alongside the organizations sentinels it passes through. Test
// with errors.Is; StatusCode maps them.
var (
	// ErrUnauthenticated: the request has no identity (Config.Identify said anonymous) and
	// the operation needs one. StatusCode gives 401.
	ErrUnauthenticated = errors.New("orghttp: authentication required")
	// ErrNoOrganization: nothing named an organization for the request and none was
	// selected (by the session, automatic selection or the fallback). StatusCode gives
	// 404; a host may rather redirect to a page where the user picks one.
	ErrNoOrganization = errors.New("orghttp: no current organization")
	// ErrNoTeam: nothing named a team for the request (see Config.TeamResolvers), and
	// the guard needs one. StatusCode gives 404.
	ErrNoTeam = errors.New("orghttp: no current team")
	// ErrInvalidConfig: New or NewCookieSession was given an unusable configuration.
	ErrInvalidConfig = errors.New("orghttp: invalid configuration")
)
