package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// seeOther redirects after a successful form post.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// done redirects after a successful form post, with flash as the message the next page
// shows.
func (a *App) done(w http.ResponseWriter, r *http.Request, path, flash string) {
	a.auth.setFlash(r, flash)
	seeOther(w, r, path)
}

// finish answers a form post that made its change, or failed to, in one call: err's
// error page if err is not nil, else done's redirect to path with the flash.
func (a *App) finish(w http.ResponseWriter, r *http.Request, err error, path, flash string) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.done(w, r, path, flash)
}

// formState is a page's form: which form (pages with several name the one that was
// posted), the message of its refusal, and the values to fill in, which after a refusal
// are what the user typed.
type formState struct {
	Name   string
	Error  string
	Values url.Values
}

// Value returns the form's value for key.
func (f formState) Value(key string) string { return f.Values.Get(key) }

// Has reports whether the form's values for key include v (a checked checkbox).
func (f formState) Has(key, v string) bool { return slices.Contains(f.Values[key], v) }

// Is reports whether the form is the one called name.
func (f formState) Is(name string) bool { return f.Name == name }

// fixable reports whether err is a refusal of what the user typed, which the form shows
// next to the input so that they can correct it: invalid (422) or conflicting (409)
// values, and a wrong sign-in. Anything else, such as a guard's refusal or a server
// error, is the error page.
func fixable(err error) bool {
	switch statusOf(err) {
	case http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return errors.Is(err, errWrongEmail) || errors.Is(err, errNotActivated)
}

// formFailed answers a refused form post. A fixable error shows the page again through
// show, with the error's status, its message and the posted values under the form's
// name; any other error is the error page.
func (a *App) formFailed(w http.ResponseWriter, r *http.Request, err error, name string, show func(status int, f formState)) {
	if !fixable(err) {
		a.fail(w, r, err)
		return
	}
	status := statusOf(err)
	show(status, formState{Name: name, Error: messageFor(err, status), Values: r.PostForm})
}

// posted is the handler of a form post: it reads the form (parseForm) with the app's
// bound, so that a body over maxForm answers the 413 page and one that is not a form the
// 400 page before next runs; next then reads r.PostForm. The routes put it innermost,
// behind the guards, so that a refused request's body is never read.
func (a *App) posted(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(w, r); err != nil {
			a.fail(w, r, err)
			return
		}
		next(w, r)
	}
}

// orgPath is the path of an organization's page, or of one of its sub-pages.
func orgPath(slug string, rest ...string) string {
	return "/orgs/" + url.PathEscape(slug) + "/" + strings.Join(rest, "/")
}

// maxForm bounds the bodies the app reads: its forms have a few short fields.
const maxForm = 64 << 10

// parseForm reads a posted form. Errors: a *http.MaxBytesError for a body over maxForm
// (413), errBadForm for a body that is not a form (400).
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return fmt.Errorf("%w: %v", errBadForm, err)
	}
	return nil
}

// localPath returns next if it is a path on this site, else "/": a "next" parameter must
// never send the browser elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\t\r\n") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
