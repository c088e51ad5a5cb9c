package orghttp

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/go-organizations/organizations"
)

// maxSwitchForm bounds the body SwitchHandler reads: two short form fields.
const maxSwitchForm = 64 << 10

// Switch makes the organization ref names (a slug or an ID) the current organization of
// the request's session, provided the requester is a member of it, and returns it.
// Superusers get no exception: the session only ever holds one of the user's own
// organizations.
//
// Errors: organizations.ErrNotConfigured (no Config.Session); ErrUnauthenticated;
// organizations.ErrOrganizationNotFound (an unknown organization, or one the requester
// does not belong to: deliberately the same error); those of the store and the session,
// or the context's error. On error the session is unchanged.
func (m *Middleware) Switch(w http.ResponseWriter, r *http.Request, ref string) (organizations.Organization, error) {
	if m.cfg.Session == nil {
		return organizations.Organization{}, organizations.ErrNotConfigured
	}
	user, ok := m.cfg.Identify(r)
	if !ok || !user.Valid() {
		return organizations.Organization{}, ErrUnauthenticated
	}
	ctx := r.Context()
	found, err := m.lookup(ctx, ref, user)
	if err != nil {
		return organizations.Organization{}, err
	}
	if !found.isMember {
		return organizations.Organization{}, organizations.ErrOrganizationNotFound
	}
	if err := m.cfg.Session.SetCurrentOrganization(w, r, found.org.ID); err != nil {
		return organizations.Organization{}, err
	}
	return found.org, nil
}

// SwitchHandler returns a handler for a switch form: it calls Switch with the form value
// "org" (a slug or an ID) and redirects with 303 See Other to the form value "next" if it
// is a path on this site, else to "/". Errors go to Config.ErrorHandler. Mount it for POST
// (say "POST /switch"), behind http.CrossOriginProtection, since it changes the session.
func (m *Middleware) SwitchHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxSwitchForm)
		}
		if _, err := m.Switch(w, r, r.FormValue("org")); err != nil {
			m.cfg.ErrorHandler(w, r, err)
			return
		}
		http.Redirect(w, r, localPath(r.FormValue("next")), http.StatusSeeOther)
	})
}

// localPath returns next if it is an absolute path on this site, else "/": a "next"
// parameter must never redirect elsewhere (an open redirect). Browsers read "//host" and
// "/\host" as another host, and ignore tabs and newlines inside URLs.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
