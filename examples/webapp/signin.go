package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/go-organizations/organizations"
)

// DEMO AUTHENTICATION. Everything in this file stands in for the host's real sign-in
// (passwords, OAuth, a session library...). The demo trusts whoever types a user name and
// its email; the cookie is signed only so that it cannot be edited by hand. The library
// needs nothing from it but Identify: a function from a request to a UserID.

// demoCookie is the name of the DEMO sign-in cookie.
const demoCookie = "demo_user"

// demoCookieContext separates these MACs from the current-organization cookie's, which
// is signed with the same key.
const demoCookieContext = "webapp demo sign-in v1\x00"

// demoAuth reads and writes the DEMO sign-in cookie: the user name and an HMAC-SHA256 of
// it.
type demoAuth struct {
	key    []byte
	secure bool
	users  *directory
}

// identify is the orghttp.Config.Identify of the demo: the signed-in user, if the cookie
// is genuine and names an active user of the directory.
func (d *demoAuth) identify(r *http.Request) (organizations.UserID, bool) {
	u, ok := d.current(r)
	return u.Name, ok
}

// current returns the signed-in user.
func (d *demoAuth) current(r *http.Request) (demoUser, bool) {
	c, err := r.Cookie(demoCookie)
	if err != nil {
		return demoUser{}, false
	}
	enc, mac, ok := strings.Cut(c.Value, ".")
	if !ok {
		return demoUser{}, false
	}
	name, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return demoUser{}, false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, d.mac(name)) {
		return demoUser{}, false
	}
	u, ok := d.users.lookup(organizations.UserID(name))
	if !ok || !u.Active {
		return demoUser{}, false
	}
	return u, true
}

// signIn sets the cookie for user.
func (d *demoAuth) signIn(w http.ResponseWriter, user organizations.UserID) {
	name := []byte(user)
	value := base64.RawURLEncoding.EncodeToString(name) + "." + base64.RawURLEncoding.EncodeToString(d.mac(name))
	http.SetCookie(w, d.cookie(value, 0))
}

// signOut deletes the cookie.
func (d *demoAuth) signOut(w http.ResponseWriter) {
	http.SetCookie(w, d.cookie("", -1))
}

func (d *demoAuth) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: demoCookie, Value: value, Path: "/", MaxAge: maxAge,
		Secure: d.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

func (d *demoAuth) mac(name []byte) []byte {
	h := hmac.New(sha256.New, d.key)
	h.Write([]byte(demoCookieContext))
	h.Write(name)
	return h.Sum(nil)
}
