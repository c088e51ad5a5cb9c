package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// home sends a signed-in user to their current organization (chosen with the switch, or
// their only one), else to their list, which is also where it sends them while a
// verified domain suggests or invites them (enrollmentsOf); anonymous visitors get the
// welcome page.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.auth.identify(r); ok {
		// Organizations whose domain suggests or invites the user: their list shows them.
		switch en, err := a.enrollmentsOf(r); {
		case err != nil:
			a.fail(w, r, err)
			return
		case en.actionable():
			seeOther(w, r, "/orgs")
			return
		}
		if org, ok := orghttp.Organization(r.Context()); ok {
			if _, member := orghttp.Membership(r.Context()); member {
				seeOther(w, r, orgPath(org.Slug))
				return
			}
		}
		seeOther(w, r, "/orgs")
		return
	}
	a.render(w, r, http.StatusOK, "home", signInView{view: a.view(r, "Welcome"), Next: "/"})
}

// signInView is the data of the pages with the sign-in form: Next is where a successful
// sign-in goes.
type signInView struct {
	view
	Next string
}

// signInForm shows the DEMO sign-in form.
func (a *App) signInForm(w http.ResponseWriter, r *http.Request) {
	a.renderSignIn(w, r, http.StatusOK, localPath(r.URL.Query().Get("next")), formState{})
}

func (a *App) renderSignIn(w http.ResponseWriter, r *http.Request, status int, next string, f formState) {
	v := signInView{view: a.view(r, "Sign in"), Next: next}
	v.Form = f
	a.render(w, r, status, "signin", v)
}

// signIn is the DEMO sign-in: a user name and its email, no password (see signin.go). A
// refusal shows the form again with what was typed.
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"))
	u, err := a.users.signIn(r.PostFormValue("name"), r.PostFormValue("email"))
	if err != nil {
		a.formFailed(w, r, err, "signin", func(status int, f formState) { a.renderSignIn(w, r, status, next, f) })
		return
	}
	a.auth.signIn(w, u.Name, "")
	seeOther(w, r, next)
}

// signOut ends the session on the server, so that the sign-in cookie no longer works even
// where a copy of it was kept, and forgets the current organization.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	a.auth.signOut(w, r)
	_ = a.session.ClearCurrentOrganization(w, r) // a CookieSession never fails
	seeOther(w, r, "/")
}

// signUpForm shows the sign-up form: a user name, an email and a first organization.
func (a *App) signUpForm(w http.ResponseWriter, r *http.Request) {
	a.renderSignUp(w, r, http.StatusOK, formState{})
}

func (a *App) renderSignUp(w http.ResponseWriter, r *http.Request, status int, f formState) {
	v := a.view(r, "Sign up")
	v.Form = f
	a.render(w, r, status, "signup", v)
}

type signUpSentView struct {
	view
	Email        string
	Name         organizations.UserID
	Organization organizations.Organization
	Link         string
}

// signUp registers a new user with their first organization, both inactive until the
// activation link is opened (django-organizations' registration backend). The demo shows
// the link instead of mailing it. A refusal shows the form again with what was typed.
func (a *App) signUp(w http.ResponseWriter, r *http.Request) {
	refused := func(err error) {
		a.formFailed(w, r, err, "signup", func(status int, f formState) { a.renderSignUp(w, r, status, f) })
	}
	// The directory reserves the chosen name first: Register asks the Registrar for the
	// user by email only, and it finds this reservation. The sign-up counts as a request
	// of that user until Register returns (a deletion of the account waits for it).
	u, created, done, err := a.users.reserve(r.PostFormValue("name"), r.PostFormValue("email"))
	if err != nil {
		refused(err)
		return
	}
	org, err := a.svc.Register(r.Context(), u.Email, r.PostFormValue("organization"))
	done()
	if err != nil {
		if created {
			// Register made nothing of its own (it undoes its steps): drop the name too,
			// so that fixing a typo in the form is not refused as a taken name.
			a.users.release(u.Name)
		}
		refused(err)
		return
	}
	link, _ := a.mail.activationFor(u.Email, org.ID)
	a.render(w, r, http.StatusOK, "signup_sent", signUpSentView{
		view: a.view(r, "Check your email"), Email: u.Email, Name: u.Name, Organization: org, Link: link.Path,
	})
}

type activateView struct {
	view
	Token string
}

// activateForm shows the activation button: opening a link must not change anything,
// only the form post does.
func (a *App) activateForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "activate", activateView{view: a.view(r, "Activate your account"), Token: r.PathValue("token")})
}

// activate completes a sign-up: the user and their organization become active, the user
// is signed in, and lands in that organization, made their current one.
func (a *App) activate(w http.ResponseWriter, r *http.Request) {
	ctx, activated := withActivated(r.Context())
	user, err := a.svc.Activate(ctx, r.PathValue("token"))
	if err != nil {
		if errors.Is(err, organizations.ErrActivationUsed) {
			err = explain(err, "This account is already activated: sign in with your user name and email.")
		}
		a.fail(w, r, err)
		return
	}
	if len(*activated) == 0 {
		// Its organization was deleted before activation: the account is still active.
		a.auth.signIn(w, user, "Your account is active.")
		seeOther(w, r, "/orgs")
		return
	}
	// A retried sign-up activates each organization it made: open the first reported.
	org := (*activated)[0]
	a.auth.signIn(w, user, "Welcome! Your account and "+org.Name+" are active.")
	_ = a.session.SetCurrentOrganization(w, r, org.ID) // a CookieSession never fails
	seeOther(w, r, orgPath(org.Slug))
}

// activatedKey is the context key of the list collectActivated fills.
type activatedKey struct{}

// withActivated returns a context in which collectActivated records the organizations
// that an Activate call activates, and the list they go to.
func withActivated(ctx context.Context) (context.Context, *[]organizations.Organization) {
	var orgs []organizations.Organization
	return context.WithValue(ctx, activatedKey{}, &orgs), &orgs
}

// collectActivated is the app's Options.Events: Activate emits OrganizationUpdated for
// each organization it activates, on the caller's goroutine and with the caller's
// context, so that the activation handler learns which organization the sign-up made
// and can open it. Other events, and events outside such a context, are ignored.
func collectActivated(ctx context.Context, e organizations.Event) {
	orgs, ok := ctx.Value(activatedKey{}).(*[]organizations.Organization)
	if !ok {
		return
	}
	if u, ok := e.(organizations.OrganizationUpdated); ok && u.Organization.IsActive {
		*orgs = append(*orgs, u.Organization)
	}
}
