package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// Config configures the web app. The zero value is a working app on a fresh memory store.
type Config struct {
	// Store keeps the organizations. Nil: a new MemoryStore.
	Store organizations.Store
	// Now is the clock (tests move it to expire invitations). Nil: time.Now.
	Now func() time.Time
	// Key signs the cookies: at least orghttp.MinKeyLength bytes. Nil: a random key, so
	// that restarting the app signs everyone out.
	Key []byte
	// SecureCookies marks cookies Secure: set it when the app is served over HTTPS. The
	// default suits plain http on 127.0.0.1.
	SecureCookies bool
	// BaseURL is the site's address, such as "http://127.0.0.1:8080", used for the links
	// written to the log.
	BaseURL string
	// Logger receives the demo mails and server errors. Nil: discarded.
	Logger *slog.Logger
	// Cache, if set, serves the checks of every request (the membership, the role, the
	// organization) from an organizations.CachedStore over Store with these options
	// (zero: the defaults), kept current from its event feed; writes still go to Store
	// and are checked there. Each successful POST then gives the browser its write's
	// consistency token for a few seconds (orghttp.Middleware.RememberWrite), so that
	// its next requests read that write whichever app process serves them. Close the App
	// to stop the cache's follower. Nil: no cache.
	Cache *organizations.CacheOptions
	// DomainResolver looks up the TXT records that verify an organization's domains
	// (handlers_domains.go). Nil: net.DefaultResolver; tests give a fake one.
	DomainResolver organizations.TXTResolver
}

// App is the reference web app: organizations, members, invitations and sign-up on
// net/http and html/template, with a DEMO sign-in (see signin.go). It is an
// http.Handler.
type App struct {
	svc     *organizations.Service
	orgs    *orghttp.Middleware
	session *orghttp.CookieSession
	users   *directory
	auth    *demoAuth
	// cache is the CachedStore of Config.Cache, nil without it.
	cache   *organizations.CachedStore
	mail    *mailbox
	log     *slog.Logger
	pages   *pages
	now     func() time.Time
	handler http.Handler
	// auditPageSize is the audit log's page size (auditPageSize).
	auditPageSize int
	mux           *http.ServeMux
	// patterns lists the routes, for the test that checks the access matrix covers them.
	patterns []string

	// teamData is the teams' docs notes and page size (handlers_teams.go).
	teamData teamData
}

// New returns the app for cfg. Errors: a Key shorter than orghttp.MinKeyLength
// (orghttp.ErrInvalidConfig), or templates that do not parse.
func New(cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Key == nil {
		cfg.Key = make([]byte, 32)
		_, _ = rand.Read(cfg.Key) // never fails since Go 1.24
	}
	pg, err := sharedPages()
	if err != nil {
		return nil, err
	}
	a := &App{users: newDirectory(), log: cfg.Logger, pages: pg, now: cfg.Now, auditPageSize: auditPageSize}
	a.mail = &mailbox{log: cfg.Logger, base: cfg.BaseURL, now: cfg.Now}
	a.auth = newDemoAuth(cfg.Key, cfg.SecureCookies, a.users)
	store := cfg.Store
	if store == nil {
		store = organizations.NewMemoryStore()
	}
	if cfg.Cache != nil {
		a.cache, err = organizations.NewCachedStore(context.Background(), store, cfg.Cache)
		if err != nil {
			return nil, fmt.Errorf("webapp: %w", err)
		}
		store = a.cache
	}
	a.svc = organizations.New(store, &organizations.Options{
		Now: cfg.Now, Inviter: a.mail, Registrar: a.users, Activator: a.mail,
		Events: collectActivated, Policy: appPolicy, DomainResolver: cfg.DomainResolver,
	})
	a.session, err = orghttp.NewCookieSession(cfg.Key, &orghttp.CookieOptions{Insecure: !cfg.SecureCookies})
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	oc := orghttp.Config{
		Service:      a.svc,
		Identify:     a.auth.identify,
		Session:      a.session,
		ErrorHandler: a.fail,
		// The current team of /orgs/{org}/teams/{team}/... (handlers_teams.go).
		TeamResolvers: []orghttp.Resolver{orghttp.FromPathValue("team")},
	}
	if cfg.Cache != nil {
		oc.ReadYourWrites = readYourWrites
	}
	a.orgs, err = orghttp.New(oc)
	if err != nil {
		return nil, fmt.Errorf("webapp: %w", err)
	}
	a.handler = a.routes()
	return a, nil
}

// readYourWrites is how long a browser keeps its last write's consistency token with
// Config.Cache: well beyond a cache follower's lag (DefaultCachePollInterval).
const readYourWrites = 5 * time.Second

// ServeHTTP serves the app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close stops the cache's follower (Config.Cache); the App then reads the store. It is a
// no-op without the cache.
func (a *App) Close() {
	if a.cache != nil {
		a.cache.Close()
	}
}

// rememberWrites gives the browser the consistency token of each successful POST
// (Config.Cache): before the response's status is written, a status below 400 means
// the request's writes have returned.
func (a *App) rememberWrites(next http.Handler) http.Handler {
	if a.cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&tokenWriter{ResponseWriter: w, a: a, r: r}, r)
	})
}

// tokenWriter calls RememberWrite once, before the first status of a response below 400.
type tokenWriter struct {
	http.ResponseWriter
	a    *App
	r    *http.Request
	done bool
}

func (w *tokenWriter) WriteHeader(status int) {
	if !w.done {
		w.done = true
		if status < http.StatusBadRequest {
			if err := w.a.orgs.RememberWrite(w.ResponseWriter, w.r); err != nil {
				w.a.log.Error("remembering a write's consistency token", "error", err)
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *tokenWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying ResponseWriter.
func (w *tokenWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// routes is the app's URL map. Each organization route carries its own guard, so that
// the guard sees the {org} path value the mux sets: members see the organization and its
// roles, each management route needs the permission of the change it makes, those
// with PermAuditRead (admins and the owner) read the audit log, and only the owner
// proposes a transfer or deletes. Every POST goes through CrossOriginProtection. Every
// request is first admitted as its signed-in user, or as nobody (demoAuth.admit), and
// acts as that user to its end.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	a.mux = mux
	handle := func(pattern string, h http.Handler) {
		mux.Handle(pattern, h)
		a.patterns = append(a.patterns, pattern)
	}
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	member, owner := a.orgs.RequireMember, a.orgs.RequireOwner
	// may guards a route by a permission; the handler then makes the change through
	// a.orgs.As(r), so that the store checks the permission again in the write itself.
	may := func(p organizations.Permission, next http.Handler) http.Handler {
		return a.orgs.RequirePermission(p)(next)
	}

	handle("GET /static/style.css", staticFiles())
	handle("GET /{$}", a.orgs.Resolve(h(a.home)))
	handle("GET /signin", h(a.signInForm))
	handle("POST /signin", a.posted(a.signIn))
	handle("POST /signout", h(a.signOut))
	handle("GET /signup", h(a.signUpForm))
	handle("POST /signup", a.posted(a.signUp))
	handle("GET /activate/{token}", h(a.activateForm))
	handle("POST /activate/{token}", h(a.activate))

	handle("GET /orgs", a.signedIn(a.orgs.Resolve(h(a.listOrganizations))))
	handle("POST /orgs", a.signedIn(a.posted(a.createOrganization)))
	handle("POST /switch", a.signedIn(a.posted(a.orgs.SwitchHandler().ServeHTTP)))

	handle("GET /orgs/{org}/{$}", member(h(a.showOrganization)))
	handle("POST /orgs/{org}/leave", member(h(a.leave)))
	handle("GET /orgs/{org}/edit", may(organizations.PermOrganizationUpdate, h(a.editForm)))
	handle("POST /orgs/{org}/edit", may(organizations.PermOrganizationUpdate, a.posted(a.edit)))
	handle("POST /orgs/{org}/members/{user}/role", may(organizations.PermMembersRoles, a.posted(a.setRole)))
	handle("POST /orgs/{org}/members/{user}/remove", may(organizations.PermMembersRemove, h(a.removeMember)))
	handle("GET /orgs/{org}/invitations", may(organizations.PermInvitationsCreate, h(a.invitations)))
	handle("POST /orgs/{org}/invitations", may(organizations.PermInvitationsCreate, a.posted(a.invite)))
	handle("POST /orgs/{org}/invitations/{id}/revoke", may(organizations.PermInvitationsRevoke, h(a.revoke)))
	handle("POST /orgs/{org}/invitations/{id}/resend", may(organizations.PermInvitationsRevoke, h(a.resend)))
	handle("GET /orgs/{org}/roles", member(h(a.roles)))
	handle("POST /orgs/{org}/roles", may(organizations.PermRolesManage, a.posted(a.createRole)))
	handle("POST /orgs/{org}/roles/{role}", may(organizations.PermRolesManage, a.posted(a.updateRole)))
	handle("POST /orgs/{org}/roles/{role}/delete", may(organizations.PermRolesManage, h(a.deleteRole)))
	handle("GET /orgs/{org}/audit", may(organizations.PermAuditRead, h(a.auditLog)))
	a.lifecycleRoutes(handle, member, owner, may) // handlers_lifecycle.go
	a.teamRoutes(handle, member, may)             // handlers_teams.go
	a.domainRoutes(handle, may)                   // handlers_domains.go, handlers_joinrequests.go
	handle("GET /orgs/{org}/delete", owner(h(a.deleteForm)))
	handle("POST /orgs/{org}/delete", owner(h(a.deleteOrganization)))

	handle("GET /invitations/{token}", h(a.showInvitation))
	handle("POST /invitations/{token}/accept", a.signedIn(h(a.acceptInvitation)))
	handle("POST /invitations/{token}/decline", a.signedIn(h(a.declineInvitation)))

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(h(func(w http.ResponseWriter, r *http.Request) { a.fail(w, r, errCrossOrigin) }))
	return a.auth.admit(csrf.Handler(a.rememberWrites(a.htmlErrors(mux))))
}

// signedIn refuses anonymous requests with the 401 page.
func (a *App) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := a.auth.identify(r); !ok {
			a.fail(w, r, orghttp.ErrUnauthenticated)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// htmlErrors serves the mux's own refusals (no such route, 404; wrong method, 405) as the
// app's HTML error page instead of net/http's plain text.
func (a *App) htmlErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux answers 404 or 405 (with an Allow header): learn which, then render it.
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if probe.status == http.StatusMethodNotAllowed {
			a.fail(w, r, errMethodNotAllowed)
			return
		}
		a.fail(w, r, errNoSuchPage)
	})
}

// statusProbe is a ResponseWriter that only records the status and headers.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }
func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
