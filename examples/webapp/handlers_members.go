package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-organizations/organizations"
)

// setRole gives a member one of the organization's roles, declared or custom. The owner
// cannot be made a plain member (ErrOwnershipRequired): like an unknown role, that shows
// the page again with the message above the members. A role above the requester's own
// (ErrEscalation) is the 403 page.
func (a *App) setRole(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	user := organizations.UserID(r.PathValue("user"))
	m, err := a.orgs.As(r).SetRole(r.Context(), org.ID, user, organizations.Role(r.PostFormValue("role")))
	if errors.Is(err, organizations.ErrOwnershipRequired) {
		err = explain(err, string(user)+" owns this organization, and the owner is always an admin. "+
			"The owner can transfer ownership to another member first; then "+string(user)+" can be made a plain member.")
	}
	if err != nil {
		a.formFailed(w, r, err, "role", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), string(user)+" is now "+article(m.Role)+" "+string(m.Role)+" of "+org.Name+".")
}

// article is the indefinite article of a role's name.
func article(role organizations.Role) string {
	if role != "" && strings.ContainsRune("aeiou", rune(role[0])) {
		return "an"
	}
	return "a"
}

// removeMember removes a member. The owner cannot be removed (ErrOwnershipRequired,
// explained on the error page); an admin who removes themselves has left.
func (a *App) removeMember(w http.ResponseWriter, r *http.Request) {
	org, me, _ := a.current(r)
	user := organizations.UserID(r.PathValue("user"))
	err := a.orgs.As(r).RemoveUser(r.Context(), org.ID, user)
	if errors.Is(err, organizations.ErrOwnershipRequired) {
		err = explain(err, string(user)+" owns this organization and cannot be removed: an organization always has exactly one owner. "+
			"The owner can transfer ownership to another member first; then "+string(user)+" can be removed.")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if user == me.UserID {
		a.done(w, r, "/orgs", "You left "+org.Name+".")
		return
	}
	a.done(w, r, orgPath(org.Slug), "Removed "+string(user)+" from "+org.Name+".")
}
