package main

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// Errors of the app itself, besides those of the directory (directory.go).
var (
	// errBadForm: a request body that is not a form (400).
	errBadForm = errors.New("webapp: malformed form")
	// errCrossOrigin: a cross-origin form post, refused by CrossOriginProtection (403).
	errCrossOrigin = errors.New("webapp: cross-origin request refused")
	// errNoSuchPage: no route matches the path (404).
	errNoSuchPage = errors.New("webapp: no such page")
	// errMethodNotAllowed: the route exists for other methods (405).
	errMethodNotAllowed = errors.New("webapp: method not allowed")
)

// appStatuses are the statuses of the app's own errors; everything else is
// orghttp.StatusCode's.
var appStatuses = []struct {
	err    error
	status int
}{
	{errBadForm, http.StatusBadRequest},
	{errBadFilter, http.StatusBadRequest},
	{errCrossOrigin, http.StatusForbidden},
	{errNoSuchPage, http.StatusNotFound},
	{errMethodNotAllowed, http.StatusMethodNotAllowed},
	{errBadUserName, http.StatusUnprocessableEntity},
	{errWrongEmail, http.StatusForbidden},
	{errNotActivated, http.StatusForbidden},
	{errEmailInUse, http.StatusConflict},
	{errAlreadyRegistered, http.StatusConflict},
	{errUnknownUser, http.StatusNotFound},
	{errAccountDeleting, http.StatusConflict},
	// The lifecycle's sentinels, which orghttp.StatusCode does not map (yet).
	{organizations.ErrMemberLimit, http.StatusConflict},
	{organizations.ErrAlreadyOwner, http.StatusConflict},
	{organizations.ErrNoSuccessor, http.StatusConflict},
	{organizations.ErrTransferNotFound, http.StatusNotFound},
	{organizations.ErrInvalidMemberLimit, http.StatusUnprocessableEntity},
}

// statusOf returns the HTTP status for err.
func statusOf(err error) int {
	for _, s := range appStatuses {
		if errors.Is(err, s.err) {
			return s.status
		}
	}
	return orghttp.StatusCode(err)
}

// messages say in plain words what went wrong and what to do, for each error a user can
// cause. The first match wins.
var messages = []struct {
	err error
	msg string
}{
	{errBadForm, "The form could not be read. Please submit it again from the page."},
	{errBadFilter, "This audit log filter is not valid."},
	{errCrossOrigin, "Form submissions from other sites are refused. Please use the forms on this site."},
	{errNoSuchPage, "There is no page at this address."},
	{errMethodNotAllowed, "This address does not accept that kind of request."},
	{errBadUserName, "User names are 1 to 32 lower-case letters, digits, dots, hyphens or underscores."},
	{errWrongEmail, "This user name is registered with another email address. (In this demo the email is the password.)"},
	{errNotActivated, "This account is waiting for activation: open the activation link shown after signing up."},
	{errEmailInUse, "This email address belongs to another user name."},
	{errAlreadyRegistered, "This email address already has an active account: sign in, then create an organization from your list."},
	{errUnknownUser, "This account no longer exists (the demo keeps its users in memory): please sign up again."},
	{errAccountDeleting, "This account is being deleted."},

	{orghttp.ErrUnauthenticated, "Please sign in to continue."},
	{orghttp.ErrNoOrganization, "No organization is selected."},
	{organizations.ErrOrganizationNotFound, "There is no such organization, or you are not a member of it."},
	{organizations.ErrNotMember, "That user is not a member of this organization."},
	{organizations.ErrOwnershipRequired, "The owner cannot be removed from the organization or made a plain member. " +
		"The owner has to transfer ownership to another member first; then the former owner can be managed like any admin."},
	{organizations.ErrEscalation, "You can only give, or change, a role whose permissions you hold yourself: " +
		"this role, or this member's role, goes beyond yours."},
	{organizations.ErrPermissionDenied, "Your role does not allow this (or no longer does: it may have just changed). " +
		"Members see the organization, its people and its roles; what else they may do depends on their role, " +
		"listed on the organization's roles page; only the owner transfers ownership or deletes it."},
	{organizations.ErrInvitationEmailMismatch, "This invitation was sent to another email address. Sign in as the person it was sent to."},
	{organizations.ErrInvalidName, "An organization name has 1 to 200 characters, without control characters."},
	{organizations.ErrInvalidSlug, "A slug is made of lower-case letters and digits joined by single hyphens, such as “acme-rockets”."},
	{organizations.ErrSlugTaken, "Another organization already has this slug. Please choose another one."},
	{organizations.ErrInvalidUserID, "Please choose a member."},
	{organizations.ErrInvalidRole, "The role must be one of the organization's roles; a custom role's name is lower-case letters, " +
		"digits, “-” and “_”, not a declared role's, and it includes declared roles and permissions only."},
	{organizations.ErrRoleExists, "The organization already has a role of this name. Please choose another one."},
	{organizations.ErrRoleInUse, "A member or an open invitation holds this role: give them another role, or revoke the invitation, first."},
	{organizations.ErrRoleNotFound, "The organization has no such custom role (declared roles cannot be changed)."},
	{organizations.ErrInvalidEmail, "That does not look like an email address."},
	{organizations.ErrInvalidJSON, "The data must be a JSON object."},
	{organizations.ErrInvalidListOptions, "This page link is not valid: go back to the first page."},
	{organizations.ErrAlreadyMember, "That user is already a member of this organization."},
	{organizations.ErrAlreadyInvited, "This email address already has a pending invitation to this organization: resend it from the list of pending invitations."},
	{organizations.ErrInvitationNotFound, "This invitation link is not valid. Check that you copied all of it."},
	{organizations.ErrInvitationExpired, "This invitation has expired. Ask an admin of the organization to send it again."},
	{organizations.ErrInviterNotAllowed, "The person who sent this invitation may no longer give its role. Ask an admin of the organization to send it again."},
	{organizations.ErrInvitationClosed, "This invitation is no longer pending: it was already accepted, declined or revoked."},
	{organizations.ErrActivationNotFound, "This activation link is not valid. Check that you copied all of it."},
	{organizations.ErrActivationExpired, "This activation link has expired. Please sign up again."},
	{organizations.ErrActivationUsed, "This account is already activated: sign in."},
	{organizations.ErrNotConfigured, "This feature is not configured on this server."},
	{organizations.ErrMemberLimit, "This organization has no free seat: its member limit is reached (pending invitations hold a seat too). " +
		"An admin can raise the limit in the organization's settings, or free a seat by removing a member or revoking an invitation."},
	{organizations.ErrInvalidMemberLimit, "The member limit is a whole number of members, 0 or blank for no limit."},
	{organizations.ErrAlreadyOwner, "You already own this organization: choose another member."},
	{organizations.ErrTransferNotFound, "There is no open ownership transfer here: it was accepted, declined or cancelled, it expired, " +
		"or the member it was proposed to left or was suspended."},
	{organizations.ErrNoSuccessor, "The organization has no other active admin to take ownership."},
}

// userError gives an error a message of its own for the error page, keeping the error
// (and so its status) underneath.
type userError struct {
	err error
	msg string
}

func (e *userError) Error() string { return e.err.Error() }
func (e *userError) Unwrap() error { return e.err }

// explain wraps err with msg for the error page.
func explain(err error, msg string) error { return &userError{err: err, msg: msg} }

// messageFor returns the error page's explanation of err, never the internals of an
// unexpected error.
func messageFor(err error, status int) string {
	var ue *userError
	if errors.As(err, &ue) {
		return ue.msg
	}
	for _, m := range messages {
		if errors.Is(err, m.err) {
			return m.msg
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return "The form is too large."
	case status >= 500:
		return "Something went wrong on our side. Please try again in a moment."
	}
	return orghttp.ProblemFor(err).Detail
}

// errorView is the data of the error page.
type errorView struct {
	view
	Status  int
	Message string
	// SignIn is set on 401 pages: the sign-in link, back to this page.
	SignIn string
}

// fail renders err as the error page with its status. It is also the orghttp
// ErrorHandler, so the guards' refusals look like every other error.
func (a *App) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status >= 500 {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	v := errorView{view: a.view(r, http.StatusText(status)), Status: status, Message: messageFor(err, status)}
	if status == http.StatusUnauthorized {
		next := "/"
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		v.SignIn = "/signin?next=" + url.QueryEscape(next)
	}
	a.render(w, r, status, "error", v)
}
