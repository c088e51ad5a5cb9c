package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"sync"

	"github.com/go-organizations/organizations"
)

// DEMO AUTHENTICATION. Everything in this file stands in for the host's real sign-in
// (passwords, OAuth, a session library...). The demo trusts whoever types a user name and
// its email. The library needs nothing from it but Identify: a function from a request to
// a UserID.
//
// The sign-in cookie names a session the server keeps, as a real session library does:
// signing out deletes the session, so a copy of the cookie taken before (a replayed
// cookie) no longer signs anyone in. The cookie is also signed, so that it cannot be
// edited by hand into another user's. The session carries the one-time "flash" message
// that the page after a form post shows.
//
// Each request is admitted as its user once, before it is handled (admit), and counts as
// one of that user's requests in progress until it ends: an account deletion waits for
// those, and admits no new one (directory.beginDeletion).

// demoCookie is the name of the DEMO sign-in cookie.
const demoCookie = "demo_user"

// demoCookieContext separates these MACs from the current-organization cookie's, which
// is signed with the same key.
const demoCookieContext = "webapp demo sign-in v2\x00"

// maxSessions bounds the sessions the demo keeps in memory. Past it, signing in drops an
// arbitrary other session (its user is signed out): a real host keeps sessions in its
// database, with an expiry.
const maxSessions = 10000

// demoSession is one signed-in browser.
type demoSession struct {
	user organizations.UserID
	// flash is the message the next page shows once, such as "Invitation sent".
	flash string
}

// demoAuth reads and writes the DEMO sign-in cookie (the user name, a session ID and an
// HMAC-SHA256 of both) and keeps the sessions. It is safe for concurrent use.
type demoAuth struct {
	key    []byte
	secure bool
	users  *directory

	mu       sync.Mutex
	sessions map[string]*demoSession // by session ID
}

func newDemoAuth(key []byte, secure bool, users *directory) *demoAuth {
	return &demoAuth{key: key, secure: secure, users: users, sessions: map[string]*demoSession{}}
}

// admissionKey is the request context key of the request's *admission (nil: the request
// acts as nobody).
type admissionKey struct{}

// admit is the middleware that decides, once per request and before anything else, whom
// the request acts as: the user of its sign-in cookie, if the cookie is genuine, the
// user is active and their account's deletion has not started, and the cookie's session
// is live. The request is then counted among that user's requests in progress until it
// has been handled, so that a deletion of the account that starts meanwhile waits for it
// before offboarding the user (directory.beginDeletion); one that starts later finds no
// request of the user admitted. identify and current answer from this decision.
func (d *demoAuth) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		adm := d.admission(r)
		defer adm.release()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), admissionKey{}, adm)))
	})
}

// admission admits r as the user of its sign-in cookie, or returns nil.
func (d *demoAuth) admission(r *http.Request) *admission {
	name, sid, ok := d.cookie(r)
	if !ok {
		return nil
	}
	adm, ok := d.users.admit(name)
	if !ok {
		return nil
	}
	// The session is checked once the user is admitted: a deletion of the account ends
	// its sessions before it deletes the user, and waits for admitted requests first.
	// So either the session was live while the user was admitted, or the name now
	// belongs to someone else and the session is gone.
	if !d.live(name, sid) {
		adm.release()
		return nil
	}
	return adm
}

// admissionOf returns the request's admission: nil when it acts as nobody.
func admissionOf(r *http.Request) *admission {
	adm, _ := r.Context().Value(admissionKey{}).(*admission)
	return adm
}

// identify is the orghttp.Config.Identify of the demo: the user the request was
// admitted as (admit).
func (d *demoAuth) identify(r *http.Request) (organizations.UserID, bool) {
	u, ok := d.current(r)
	return u.Name, ok
}

// current returns the user the request was admitted as (admit); false for a request
// that acts as nobody, and for the account deletion's own request once its deletion has
// started.
func (d *demoAuth) current(r *http.Request) (demoUser, bool) {
	return admissionOf(r).current()
}

// cookie returns the user name and session ID of the request's sign-in cookie, if the
// cookie is genuine (its MAC checks); its session may have ended.
func (d *demoAuth) cookie(r *http.Request) (organizations.UserID, string, bool) {
	c, err := r.Cookie(demoCookie)
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return "", "", false
	}
	var raw [3][]byte
	for i, p := range parts {
		if raw[i], err = base64.RawURLEncoding.DecodeString(p); err != nil {
			return "", "", false
		}
	}
	name, sid, mac := raw[0], string(raw[1]), raw[2]
	if !hmac.Equal(mac, d.mac(name, sid)) {
		return "", "", false
	}
	return organizations.UserID(name), sid, true
}

// live reports whether session sid is live and belongs to user.
func (d *demoAuth) live(user organizations.UserID, sid string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sessions[sid]
	return ok && s.user == user
}

// session returns the user and session ID of the request's cookie, if the cookie is
// genuine and its session live.
func (d *demoAuth) session(r *http.Request) (organizations.UserID, string, bool) {
	name, sid, ok := d.cookie(r)
	if !ok || !d.live(name, sid) {
		return "", "", false
	}
	return name, sid, true
}

// signIn starts a session for user, with flash as the first page's message (may be
// empty), and sets its cookie.
func (d *demoAuth) signIn(w http.ResponseWriter, user organizations.UserID, flash string) {
	sid := rand.Text()
	d.mu.Lock()
	if len(d.sessions) >= maxSessions {
		for old := range d.sessions {
			delete(d.sessions, old)
			break
		}
	}
	d.sessions[sid] = &demoSession{user: user, flash: flash}
	d.mu.Unlock()
	name := []byte(user)
	value := base64.RawURLEncoding.EncodeToString(name) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(sid)) + "." +
		base64.RawURLEncoding.EncodeToString(d.mac(name, sid))
	http.SetCookie(w, d.newCookie(value, 0))
}

// signOut ends the request's session, so that its cookie no longer works anywhere, and
// deletes the cookie.
func (d *demoAuth) signOut(w http.ResponseWriter, r *http.Request) {
	if _, sid, ok := d.session(r); ok {
		d.mu.Lock()
		delete(d.sessions, sid)
		d.mu.Unlock()
	}
	http.SetCookie(w, d.newCookie("", -1))
}

// signOutUser ends every session of user, in every browser, and deletes the request's
// cookie: for a deleted account, before the user is deleted, so that a user who later
// takes the name does not inherit its sessions.
func (d *demoAuth) signOutUser(w http.ResponseWriter, user organizations.UserID) {
	d.mu.Lock()
	for sid, s := range d.sessions {
		if s.user == user {
			delete(d.sessions, sid)
		}
	}
	d.mu.Unlock()
	http.SetCookie(w, d.newCookie("", -1))
}

// setFlash keeps msg for the next page the request's session sees. Without a session it
// does nothing.
func (d *demoAuth) setFlash(r *http.Request, msg string) {
	if _, sid, ok := d.session(r); ok {
		d.mu.Lock()
		if s := d.sessions[sid]; s != nil {
			s.flash = msg
		}
		d.mu.Unlock()
	}
}

// takeFlash returns the session's flash message and forgets it.
func (d *demoAuth) takeFlash(r *http.Request) string {
	_, sid, ok := d.session(r)
	if !ok {
		return ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[sid]
	if s == nil {
		return ""
	}
	msg := s.flash
	s.flash = ""
	return msg
}

// newCookie returns the sign-in cookie with value and maxAge.
func (d *demoAuth) newCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: demoCookie, Value: value, Path: "/", MaxAge: maxAge,
		Secure: d.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// mac signs a user name with a session ID; the name's length goes first, so that no
// other pair signs the same bytes.
func (d *demoAuth) mac(name []byte, sid string) []byte {
	h := hmac.New(sha256.New, d.key)
	h.Write([]byte(demoCookieContext))
	h.Write(binary.AppendUvarint(nil, uint64(len(name))))
	h.Write(name)
	h.Write([]byte(sid))
	return h.Sum(nil)
}
