package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

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
	// errAccountDeleting: signing in, signing up, activating or deleting the account
	// again while the account's deletion is under way.
	errAccountDeleting = errors.New("webapp: this account is being deleted")
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
//
// It also keeps, for each user, the requests in progress that act as them (admit), so
// that an account deletion can shut the account and then wait for those requests to end
// before it offboards the user (beginDeletion): no request acts as a user whose
// offboarding has started, and none that started before outlives it.
type directory struct {
	mu      sync.Mutex
	byName  map[organizations.UserID]*userEntry
	byEmail map[string]organizations.UserID
	// onWait, if set (tests), is called when an account deletion starts waiting for the
	// user's requests in progress.
	onWait atomic.Pointer[func()]
}

// userEntry is a user as the directory keeps it. Its fields are guarded by the
// directory's mu.
type userEntry struct {
	demoUser
	// deleting is set once the account's deletion has started (Active is then false):
	// no request is admitted as the user, and signing in, signing up and activating with
	// the name are refused (errAccountDeleting). A refused deletion clears it.
	deleting bool
	// inFlight counts the requests in progress admitted as the user (admit), and the
	// sign-ups in progress that reserved the name (reserve).
	inFlight int
	// drained, while a deletion waits for the requests in progress, is closed when
	// inFlight drops to 0.
	drained chan struct{}
}

// leave ends one of the entry's requests in progress. The caller holds the
// directory's mu.
func (e *userEntry) leave() {
	e.inFlight--
	if e.inFlight == 0 && e.drained != nil {
		close(e.drained)
		e.drained = nil
	}
}

var _ organizations.Registrar = (*directory)(nil)

func newDirectory() *directory {
	return &directory{byName: map[organizations.UserID]*userEntry{}, byEmail: map[string]organizations.UserID{}}
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
// errWrongEmail, errEmailInUse, errAccountDeleting, errNotActivated.
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
		case u.deleting:
			return demoUser{}, errAccountDeleting
		case !u.Active:
			return demoUser{}, errNotActivated
		}
		return u.demoUser, nil
	}
	if _, taken := d.byEmail[email]; taken {
		return demoUser{}, errEmailInUse
	}
	u := &userEntry{demoUser: demoUser{Name: id, Email: email, Active: true}}
	d.byName[id], d.byEmail[email] = u, id
	return u.demoUser, nil
}

// reserve creates the inactive user name with email for a sign-up, so that Register's
// call to RegisterUser finds it; created reports whether it did. Reserving the same pair
// again is allowed (a retried sign-up). The sign-up counts as a request in progress of
// that user until it calls done, so that a deletion of the account (were it activated
// meanwhile) waits for it. Errors: errBadUserName, organizations.ErrInvalidEmail,
// errWrongEmail (the name is taken), errEmailInUse, errAccountDeleting,
// errAlreadyRegistered (that user is already active).
func (d *directory) reserve(name, email string) (u demoUser, created bool, done func(), err error) {
	id, email, err := normalize(name, email)
	if err != nil {
		return demoUser{}, false, nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byName[id]
	switch {
	case !ok:
		if _, taken := d.byEmail[email]; taken {
			return demoUser{}, false, nil, errEmailInUse
		}
		e = &userEntry{demoUser: demoUser{Name: id, Email: email}}
		d.byName[id], d.byEmail[email] = e, id
		created = true
	case e.Email != email:
		return demoUser{}, false, nil, errWrongEmail
	case e.deleting:
		return demoUser{}, false, nil, errAccountDeleting
	case e.Active:
		return demoUser{}, false, nil, errAlreadyRegistered
	}
	e.inFlight++
	var once sync.Once
	return e.demoUser, created, func() {
		once.Do(func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			e.leave()
		})
	}, nil
}

// release deletes a reservation that did not lead to a sign-up. Active users, and
// users whose deletion is under way, stay.
func (d *directory) release(id organizations.UserID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok && !u.Active && !u.deleting {
		delete(d.byName, id)
		delete(d.byEmail, u.Email)
	}
}

// lookup returns the user with this name.
func (d *directory) lookup(id organizations.UserID) (demoUser, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if u, ok := d.byName[id]; ok {
		return u.demoUser, true
	}
	return demoUser{}, false
}

// RegisterUser returns the inactive user with this email, creating one named after the
// email's local part if there is none (for sign-ups that did not reserve a name). Errors:
// errAlreadyRegistered (an active user has this email), errAccountDeleting (that user's
// deletion is under way), organizations.ErrInvalidEmail.
func (d *directory) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	email, err := organizations.NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, ok := d.byEmail[email]; ok {
		switch u := d.byName[id]; {
		case u.deleting:
			return "", errAccountDeleting
		case u.Active:
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
	d.byName[id], d.byEmail[email] = &userEntry{demoUser: demoUser{Name: id, Email: email}}, id
	return id, nil
}

// ActivateUser marks the user active; an active user stays active. Errors:
// errUnknownUser, errAccountDeleting (the user's deletion is under way).
func (d *directory) ActivateUser(_ context.Context, user organizations.UserID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.byName[user]
	switch {
	case !ok:
		return errUnknownUser
	case u.deleting:
		return errAccountDeleting
	}
	u.Active = true
	return nil
}

// admission is a request admitted as a user (admit): it counts among the user's
// requests in progress until release. It is used by one request's goroutine.
type admission struct {
	d    *directory
	e    *userEntry
	user demoUser
	// held: the admission counts in e.inFlight (guarded by d.mu).
	held bool
}

// admit admits a request as the user id, if id is an active user whose deletion has not
// started: the check and the count are one critical section, so a deletion that starts
// later waits for the request (beginDeletion). The caller must release it.
func (d *directory) admit(id organizations.UserID) (*admission, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.byName[id]
	if !ok || !e.Active || e.deleting {
		return nil, false
	}
	e.inFlight++
	return &admission{d: d, e: e, user: e.demoUser, held: true}, true
}

// current returns the admitted user, as they were when admitted; false once the
// admission is released (or handed to the user's deletion).
func (a *admission) current() (demoUser, bool) {
	if a == nil {
		return demoUser{}, false
	}
	a.d.mu.Lock()
	defer a.d.mu.Unlock()
	return a.user, a.held
}

// release ends the admission. Releasing it again does nothing.
func (a *admission) release() {
	if a == nil {
		return
	}
	a.d.mu.Lock()
	defer a.d.mu.Unlock()
	if a.held {
		a.held = false
		a.e.leave()
	}
}

// deletion is an account deletion under way (beginDeletion): it ends with finish (the
// user is deleted) or abort (the account is active again).
type deletion struct {
	adm *admission
}

// beginDeletion starts deleting the account of the admitted request adm: in one critical
// section it checks that the account is still the active user adm was admitted as, marks
// it as being deleted (from then on no request is admitted as the user, and its name
// cannot sign in, sign up or be activated) and hands adm's own place among the user's
// requests in progress to the deletion. It then waits until the user's other requests in
// progress have ended, so that whatever they did is in the store before the caller
// offboards the user. Errors: errAccountDeleting (the account is already being deleted,
// or no longer exists), or ctx's error if it is done first (the account is then active
// again, as after abort).
func (d *directory) beginDeletion(ctx context.Context, adm *admission) (*deletion, error) {
	d.mu.Lock()
	e := adm.e
	if !adm.held || d.byName[e.Name] != e || !e.Active || e.deleting {
		d.mu.Unlock()
		adm.release()
		return nil, errAccountDeleting
	}
	adm.held = false
	e.leave()
	e.deleting, e.Active = true, false
	var drained chan struct{}
	if e.inFlight > 0 {
		drained = make(chan struct{})
		e.drained = drained
	}
	d.mu.Unlock()
	del := &deletion{adm: adm}
	if drained == nil {
		return del, nil
	}
	if h := d.onWait.Load(); h != nil {
		(*h)()
	}
	select {
	case <-drained:
		return del, nil
	case <-ctx.Done():
		del.abort()
		return nil, ctx.Err()
	}
}

// abort ends a refused deletion: the account is active again, and the deleting request
// is admitted as the user again (its admission's release ends that).
func (del *deletion) abort() {
	d, e := del.adm.d, del.adm.e
	d.mu.Lock()
	defer d.mu.Unlock()
	e.deleting, e.Active = false, true
	e.drained = nil
	e.inFlight++
	del.adm.held = true
}

// finish ends a successful deletion: the user is deleted, their name and email become
// free.
func (del *deletion) finish() {
	d, e := del.adm.d, del.adm.e
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byName[e.Name] == e {
		delete(d.byName, e.Name)
		delete(d.byEmail, e.Email)
	}
}
