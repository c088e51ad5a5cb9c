package main

import (
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// home sends a signed-in user to their current organization (chosen with the switch, or
// their only one), else to their list; anonymous visitors get the welcome page.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.auth.identify(r); ok {
		if org, ok := orghttp.Organization(r.Context()); ok {
			if _, member := orghttp.Membership(r.Context()); member {
				seeOther(w, r, orgPath(org.Slug))
				return
			}
		}
		seeOther(w, r, "/orgs")
		return
	}
	a.render(w, r, http.StatusOK, "home", a.view(r, "Welcome"))
}

type signInView struct {
	view
	Next string
}

// signInForm shows the DEMO sign-in form.
func (a *App) signInForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "signin", signInView{view: a.view(r, "Sign in"), Next: localPath(r.URL.Query().Get("next"))})
}

// signIn is the DEMO sign-in: a user name and its email, no password (see signin.go).
func (a *App) signIn(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.users.signIn(r.PostFormValue("name"), r.PostFormValue("email"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.auth.signIn(w, u.Name)
	seeOther(w, r, localPath(r.PostFormValue("next")))
}

// signOut forgets the user and their current organization.
func (a *App) signOut(w http.ResponseWriter, r *http.Request) {
	a.auth.signOut(w)
	_ = a.session.ClearCurrentOrganization(w, r) // a CookieSession never fails
	seeOther(w, r, "/")
}

// signUpForm shows the sign-up form: a user name, an email and a first organization.
func (a *App) signUpForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "signup", a.view(r, "Sign up"))
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
// the link instead of mailing it.
func (a *App) signUp(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	// The directory reserves the chosen name first: Register asks the Registrar for the
	// user by email only, and it finds this reservation.
	u, created, err := a.users.reserve(r.PostFormValue("name"), r.PostFormValue("email"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	org, err := a.svc.Register(r.Context(), u.Email, r.PostFormValue("organization"))
	if err != nil {
		if created {
			// Register made nothing of its own (it undoes its steps): drop the name too,
			// so that fixing a typo in the form is not refused as a taken name.
			a.users.release(u.Name)
		}
		a.fail(w, r, err)
		return
	}
	link, _ := a.mail.activationFor(u.Email, org.ID)
	a.render(w, r, http.StatusOK, "signup_sent", signUpSentView{
		view: a.view(r, "Activate your account"), Email: u.Email, Name: u.Name, Organization: org, Link: link.Path,
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

// activate completes a sign-up: the user and their organization become active, and the
// user is signed in.
func (a *App) activate(w http.ResponseWriter, r *http.Request) {
	user, err := a.svc.Activate(r.Context(), r.PathValue("token"))
	if err != nil {
		if errors.Is(err, organizations.ErrActivationUsed) {
			err = explain(err, "This account is already activated: sign in with your user name and email.")
		}
		a.fail(w, r, err)
		return
	}
	a.auth.signIn(w, user)
	seeOther(w, r, "/orgs")
}
