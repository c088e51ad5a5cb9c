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

// appErrors say, for each error a user can cause, its HTTP status (0: orghttp.StatusCode's)
// and, in plain words, what went wrong and what to do. The first match wins.
var appErrors = []appError{
	{errBadForm, http.StatusBadRequest, "The form could not be read. Please submit it again from the page."},
	{errBadFilter, http.StatusBadRequest, "This audit log filter is not valid."},
	{errCrossOrigin, http.StatusForbidden, "Form submissions from other sites are refused. Please use the forms on this site."},
	{errNoSuchPage, http.StatusNotFound, "There is no page at this address."},
	{errMethodNotAllowed, http.StatusMethodNotAllowed, "This address does not accept that kind of request."},
	{errBadUserName, http.StatusUnprocessableEntity, "User names are 1 to 32 lower-case letters, digits, dots, hyphens or underscores."},
	{errWrongEmail, http.StatusForbidden, "This user name is registered with another email address. (In this demo the email is the password.)"},
	{errNotActivated, http.StatusForbidden, "This account is waiting for activation: open the activation link shown after signing up."},
	{errEmailInUse, http.StatusConflict, "This email address belongs to another user name."},
	{errAlreadyRegistered, http.StatusConflict, "This email address already has an active account: sign in, then create an organization from your list."},
	{errUnknownUser, http.StatusNotFound, "This account no longer exists (the demo keeps its users in memory): please sign up again."},
	{errAccountDeleting, http.StatusConflict, "This account is being deleted."},

	{orghttp.ErrUnauthenticated, 0, "Please sign in to continue."},
	{orghttp.ErrNoOrganization, 0, "No organization is selected."},
	{organizations.ErrOrganizationNotFound, 0, "There is no such organization, or you are not a member of it."},
	{organizations.ErrNotMember, 0, "That user is not a member of this organization."},
	{organizations.ErrOwnershipRequired, 0, "The owner cannot be removed from the organization or made a plain member. " +
		"The owner has to transfer ownership to another member first; then the former owner can be managed like any admin."},
	{organizations.ErrEscalation, 0, "You can only give, or change, a role whose permissions you hold yourself: " +
		"this role, or this member's role, goes beyond yours."},
	{organizations.ErrPermissionDenied, 0, "Your role does not allow this (or no longer does: it may have just changed). " +
		"Members see the organization, its people and its roles; what else they may do depends on their role, " +
		"listed on the organization's roles page; only the owner transfers ownership or deletes it."},
	{organizations.ErrInvitationEmailMismatch, 0, "This invitation was sent to another email address. Sign in as the person it was sent to."},
	{organizations.ErrInvalidName, 0, "An organization name has 1 to 200 characters, without control characters."},
	{organizations.ErrInvalidSlug, 0, "A slug is made of lower-case letters and digits joined by single hyphens, such as “acme-rockets”."},
	{organizations.ErrSlugTaken, 0, "Another organization already has this slug. Please choose another one."},
	{organizations.ErrInvalidUserID, 0, "Please choose a member."},
	{organizations.ErrInvalidRole, 0, "The role must be one of the organization's roles; a custom role's name is lower-case letters, " +
		"digits, “-” and “_”, not a declared role's, and it includes declared roles and permissions only."},
	{organizations.ErrRoleExists, 0, "The organization already has a role of this name. Please choose another one."},
	{organizations.ErrRoleInUse, 0, "A member or an open invitation holds this role: give them another role, or revoke the invitation, first."},
	{organizations.ErrRoleNotFound, 0, "The organization has no such custom role (declared roles cannot be changed)."},
	{organizations.ErrInvalidEmail, 0, "That does not look like an email address."},
	{organizations.ErrInvalidJSON, 0, "The data must be a JSON object."},
	{organizations.ErrInvalidListOptions, 0, "This page link is not valid: go back to the first page."},
	{organizations.ErrAlreadyMember, 0, "That user is already a member of this organization."},
	{organizations.ErrAlreadyInvited, 0, "This email address already has a pending invitation to this organization: resend it from the list of pending invitations."},
	{organizations.ErrInvitationNotFound, 0, "This invitation link is not valid. Check that you copied all of it."},
	{organizations.ErrInvitationExpired, 0, "This invitation has expired. Ask an admin of the organization to send it again."},
	{organizations.ErrInviterNotAllowed, 0, "The person who sent this invitation may no longer give its role. Ask an admin of the organization to send it again."},
	{organizations.ErrInvitationClosed, 0, "This invitation is no longer pending: it was already accepted, declined or revoked."},
	{organizations.ErrActivationNotFound, 0, "This activation link is not valid. Check that you copied all of it."},
	{organizations.ErrActivationExpired, 0, "This activation link has expired. Please sign up again."},
	{organizations.ErrActivationUsed, 0, "This account is already activated: sign in."},
	{organizations.ErrNotConfigured, 0, "This feature is not configured on this server."},
	// The lifecycle's sentinels.
	{organizations.ErrMemberLimit, 0, "This organization has no free seat: its member limit is reached (pending invitations hold a seat too). " +
		"An admin can raise the limit in the organization's settings, or free a seat by removing a member or revoking an invitation."},
	{organizations.ErrInvalidMemberLimit, 0, "The member limit is a whole number of members, 0 or blank for no limit."},
	{organizations.ErrAlreadyOwner, 0, "You already own this organization: choose another member."},
	{organizations.ErrTransferNotFound, 0, "There is no open ownership transfer here: it was accepted, declined or cancelled, it expired, " +
		"or the member it was proposed to left or was suspended."},
	{organizations.ErrNoSuccessor, 0, "The organization has no other active admin to take ownership."},
}

// appError is a row of appErrors.
type appError struct {
	err    error
	status int
	msg    string
}

// statusOf returns the HTTP status for err: its appErrors row's, else
// orghttp.StatusCode's.
func statusOf(err error) int {
	for _, e := range appErrors {
		if e.status != 0 && errors.Is(err, e.err) {
			return e.status
		}
	}
	return orghttp.StatusCode(err)
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
	for _, e := range appErrors {
		if errors.Is(err, e.err) {
			return e.msg
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
