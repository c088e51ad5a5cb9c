package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// seeOther redirects after a successful form post.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
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
