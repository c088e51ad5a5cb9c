package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/go-organizations/organizations"
)

// The demo user directory's refusals. statusOf maps them to HTTP statuses.
var (
	// errBadUserName: a user name that is not 1 to maxUserName lower-case letters, digits,
	// dots, hyphens or underscores.
	errBadUserName = errors.New("webapp: invalid user name")
	// errWrongEmail: signing in with a user name that is registered with another email.
	errWrongEmail = errors.New("webapp: this user name is registered with another email address")
	// errEmailInUse: an email address that belongs to another user name.
	errEmailInUse = errors.New("webapp: this email address belongs to another user")
	// errNotActivated: signing in as a user whose sign-up is not activated yet.
	errNotActivated = errors.New("webapp: account not activated")
	// errAlreadyRegistered: signing up with the email of an active user.
	errAlreadyRegistered = errors.New("webapp: email already has an active account")
	// errUnknownUser: activating a user the directory does not know.
	errUnknownUser = errors.New("webapp: unknown user")
)

// maxUserName is the longest demo user name, in bytes.
const maxUserName = 32

// demoUser is one of the demo host's users. A real host has its own user table; the
// library only ever sees the UserID.
type demoUser struct {
	Name   organizations.UserID
	Email  string
	Active bool
}

// directory is the DEMO host's user table, in memory: user name to email and active flag.
// It also implements organizations.Registrar, so that sign-up creates inactive users and
// activation activates them, as a real host's user model would. It is safe for
// concurrent use.
type directory struct {
	mu      sync.Mutex
	byName  map[organizations.UserID]*demoUser
	byEmail map[string]organizations.UserID
}

var _ organizations.Registrar = (*directory)(nil)

func newDirectory() *directory {
	return &directory{byName: map[organizations.UserID]*demoUser{}, byEmail: map[string]organizations.UserID{}}
}

// normalizeUserName lower-cases and checks a user name typed into a form.
func normalizeUserName(name string) (organizations.UserID, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || len(name) > maxUserName {
		return "", errBadUserName
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
		if !ok {
			return "", errBadUserName
		}
	}
	return organizations.UserID(name), nil
}

// normalize checks a form's user name and email together.
func normalize(name, email string) (organizations.UserID, string, error) {
	id, err := normalizeUserName(name)
	if err != nil {
		return "", "", err
	}
	email, err = organizations.NormalizeEmail(email)
	if err != nil {
		return "", "", err
	}
	return id, email, nil
}

// signIn is the DEMO sign-in: an unknown name is created on the spot as an active user
// with this email; a known one must come with its own email (the demo's stand-in for a
// password) and be active. Errors: errBadUserName, organizations.ErrInvalidEmail,
// errWrongEmail, errEmailInUse, errNotActivated.
func (d *directory) signIn(name, email string) (demoUser, error) {
	id, email, err := normalize(name, email)
	if err != nil {
		return demoUser{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok {
		switch {
		case u.Email != email:
			return demoUser{}, errWrongEmail
		case !u.Active:
			return demoUser{}, errNotActivated
		}
		return *u, nil
	}
	if _, taken := d.byEmail[email]; taken {
		return demoUser{}, errEmailInUse
	}
	u := &demoUser{Name: id, Email: email, Active: true}
	d.byName[id], d.byEmail[email] = u, id
	return *u, nil
}

// reserve creates the inactive user name with email for a sign-up, so that Register's
// call to RegisterUser finds it; created reports whether it did. Reserving the same pair
// again is allowed (a retried sign-up). Errors: errBadUserName,
// organizations.ErrInvalidEmail, errWrongEmail (the name is taken), errEmailInUse,
// errAlreadyRegistered (that user is already active).
func (d *directory) reserve(name, email string) (u demoUser, created bool, err error) {
	id, email, err := normalize(name, email)
	if err != nil {
		return demoUser{}, false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok {
		switch {
		case u.Email != email:
			return demoUser{}, false, errWrongEmail
		case u.Active:
			return demoUser{}, false, errAlreadyRegistered
		}
		return *u, false, nil
	}
	if _, taken := d.byEmail[email]; taken {
		return demoUser{}, false, errEmailInUse
	}
	nu := &demoUser{Name: id, Email: email}
	d.byName[id], d.byEmail[email] = nu, id
	return *nu, true, nil
}

// release deletes a reservation that did not lead to a sign-up. Active users stay.
func (d *directory) release(id organizations.UserID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok && !u.Active {
		delete(d.byName, id)
		delete(d.byEmail, u.Email)
	}
}

// lookup returns the user with this name.
func (d *directory) lookup(id organizations.UserID) (demoUser, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok {
		return *u, true
	}
	return demoUser{}, false
}

// RegisterUser returns the inactive user with this email, creating one named after the
// email's local part if there is none (for sign-ups that did not reserve a name). Errors:
// errAlreadyRegistered (an active user has this email), organizations.ErrInvalidEmail.
func (d *directory) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	email, err := organizations.NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byEmail[email]; ok {
		if d.byName[id].Active {
			return "", errAlreadyRegistered
		}
		return id, nil
	}
	local, _, _ := strings.Cut(email, "@")
	slug := organizations.Slugify(local)
	// Leave room for a "-n" suffix within maxUserName; slugs are ASCII.
	slug = strings.TrimRight(slug[:min(len(slug), maxUserName-4)], "-")
	base := organizations.UserID(slug)
	id := base
	for n := 2; d.byName[id] != nil; n++ {
		id = organizations.UserID(fmt.Sprintf("%s-%d", base, n))
	}
	d.byName[id], d.byEmail[email] = &demoUser{Name: id, Email: email}, id
	return id, nil
}

// ActivateUser marks the user active; an active user stays active. Error: errUnknownUser.
func (d *directory) ActivateUser(_ context.Context, user organizations.UserID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.byName[user]
	if !ok {
		return errUnknownUser
	}
	u.Active = true
	return nil
}

// disable marks an active user inactive, so that no request is identified as them, and
// returns the function that makes them active again. Used while their account is being
// deleted.
func (d *directory) disable(id organizations.UserID) (enable func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.byName[id]
	if !ok || !u.Active {
		return func() {}
	}
	u.Active = false
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if cur, ok := d.byName[id]; ok && cur == u {
			u.Active = true
		}
	}
}

// remove deletes the user: their name and email become free.
func (d *directory) remove(id organizations.UserID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok {
		delete(d.byName, id)
		delete(d.byEmail, u.Email)
	}
}
