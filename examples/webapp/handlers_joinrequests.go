package main

import (
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// Join requests and domain enrollment at sign-in. The signed-in user's list page (where
// home sends them when something is suggested) shows what Service.Enrollments returns for
// their verified address: organizations whose verified domain suggests them to ask to
// join (an "ask to join" button, or their open request with a "withdraw" button), and,
// among their pending invitations, those an automatic-invitation domain made, with the
// link to accept them. Admins holding
// PermMembersAdd approve or deny the requests in the organization's queue.

// verifiedEmail returns the address the app vouches for to the library's domain
// enrollment (Service.Enrollments, Service.RequestToJoinByDomain): the library trusts it
// as verified. The DEMO has no email verification of its own: its sign-in creates an
// account for any name and address typed (signin.go). It treats the account's email as
// verified, as it already does when a user accepts an invitation bound to an address, so
// in the demo anyone who types bob@acme.com is offered what Acme's domain offers. A real
// host returns only an address it has verified (a confirmation link, an identity
// provider's verified claim), and false when it has none; the demo's sign-up, whose
// activation link goes to the address, is the shape of such a check.
func verifiedEmail(u demoUser) (string, bool) {
	return u.Email, u.Email != ""
}

// joinRequestRoutes adds the routes of join requests (see domainRoutes).
func (a *App) joinRequestRoutes(handle func(string, http.Handler), may func(organizations.Permission, http.Handler) http.Handler) {
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	decide := func(f func(http.ResponseWriter, *http.Request)) http.Handler {
		return may(organizations.PermMembersAdd, h(f))
	}
	handle("GET /orgs/{org}/requests", decide(a.joinRequests))
	handle("POST /orgs/{org}/requests/{id}/approve", decide(a.approveJoinRequest))
	handle("POST /orgs/{org}/requests/{id}/deny", decide(a.denyJoinRequest))
	handle("POST /join-requests", a.signedIn(a.posted(a.askToJoin)))
	handle("POST /join-requests/{id}/withdraw", a.signedIn(h(a.withdrawJoinRequest)))
}

// enrollmentRow is one thing Service.Enrollments offers the signed-in user, as the list
// page shows it. Only the organization's name and slug are shown: the user is not a
// member yet.
type enrollmentRow struct {
	OrgID   uuid.UUID
	OrgName string
	Domain  string
	// Suggestion: the domain offers to ask to join; Request is the user's open request,
	// if any.
	Suggestion bool
	Request    *organizations.JoinRequest
	// Invitation is the pending invitation an automatic-invitation domain made; Link
	// accepts it (empty for an invitation an admin sent, whose link went by mail). Full:
	// the organization had no free seat for an invitation.
	Invitation *organizations.Invitation
	Link       string
	Full       bool
}

// enrollmentRows are the rows of the list page's suggestions.
type enrollmentRows []enrollmentRow

// Shown reports whether the suggestions card has something to show: a suggestion, or an
// automatic invitation that found no free seat. (The invitations the domains made show
// among the pending invitations, withLinks.)
func (rows enrollmentRows) Shown() bool {
	for _, e := range rows {
		if e.Suggestion || e.Full {
			return true
		}
	}
	return false
}

// withLinks gives the pending invitations that the domains made their links, adding
// those the list lacks (a cache that has not caught up with the invitation the call just
// made).
func (rows enrollmentRows) withLinks(invs []invitationRow) []invitationRow {
next:
	for _, e := range rows {
		if e.Invitation == nil || e.Link == "" {
			continue
		}
		for i := range invs {
			if invs[i].ID == e.Invitation.ID {
				invs[i].Link = e.Link
				continue next
			}
		}
		invs = append(invs, invitationRow{Invitation: *e.Invitation, Organization: e.OrgName, Link: e.Link})
	}
	return invs
}

// actionable reports whether a row asks something of the user: a suggestion they have
// not answered, or an invitation to accept.
func (rows enrollmentRows) actionable() bool {
	for _, e := range rows {
		if e.Suggestion && e.Request == nil || e.Link != "" {
			return true
		}
	}
	return false
}

// enrollmentsOf returns what the domains of organizations offer the signed-in user
// (Service.Enrollments for their verified address); none without a verified address or
// on a store without domains. Each call renews the token of an invitation that an
// earlier call made, so the link of the latest page is the one that works.
func (a *App) enrollmentsOf(r *http.Request) (enrollmentRows, error) {
	u, ok := a.auth.current(r)
	if !ok {
		return nil, nil
	}
	email, ok := verifiedEmail(u)
	if !ok {
		return nil, nil
	}
	en, err := a.svc.Enrollments(r.Context(), u.Name, email)
	if errors.Is(err, organizations.ErrNotSupported) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows := make(enrollmentRows, 0, len(en))
	for _, e := range en {
		row := enrollmentRow{OrgID: e.Organization.ID, OrgName: e.Organization.Name, Domain: e.Domain.Name, Request: e.JoinRequest}
		switch e.Domain.Enrollment {
		case organizations.EnrollmentAutomaticSuggestion:
			row.Suggestion = true
		case organizations.EnrollmentAutomaticInvitation:
			row.Invitation, row.Full = e.Invitation, e.Invitation == nil
			if e.Token != "" {
				row.Link = "/invitations/" + e.Token
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// askToJoin asks to join the organization of the form's "org" (its ID) through its
// automatic-suggestion domain, with an optional message to its admins. The store checks
// that such a domain of the organization matches the user's verified address
// (ErrJoinRequestsClosed, 403, otherwise).
func (a *App) askToJoin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := a.auth.current(r)
	email, ok := verifiedEmail(u)
	if !ok {
		a.fail(w, r, organizations.ErrJoinRequestsClosed)
		return
	}
	id, err := uuid.Parse(r.PostFormValue("org"))
	if err != nil {
		a.fail(w, r, organizations.ErrOrganizationNotFound)
		return
	}
	req, err := a.svc.RequestToJoinByDomain(ctx, id, u.Name, email, r.PostFormValue("message"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	org, err := a.svc.Organization(ctx, req.OrganizationID)
	a.finish(w, r, err, "/orgs", "You asked to join "+org.Name+". An admin will approve or deny your request.")
}

// withdrawJoinRequest withdraws the signed-in user's own open join request. Another
// user's request is 404 here, as one that does not exist; the store checks the requester
// again in the write.
func (a *App) withdrawJoinRequest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := a.auth.current(r)
	req, err := a.joinRequest(r)
	if err == nil && req.UserID != u.Name {
		err = organizations.ErrJoinRequestNotFound
	}
	if err == nil {
		err = a.orgs.As(r).WithdrawJoinRequest(ctx, req.ID)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	org, err := a.svc.Organization(ctx, req.OrganizationID)
	a.finish(w, r, err, "/orgs", "You withdrew your request to join "+org.Name+".")
}

// joinRequest returns the join request the path's {id} names. Error:
// organizations.ErrJoinRequestNotFound.
func (a *App) joinRequest(r *http.Request) (organizations.JoinRequest, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return organizations.JoinRequest{}, organizations.ErrJoinRequestNotFound
	}
	return a.svc.JoinRequest(r.Context(), id)
}

// pathJoinRequest returns the join request the path's {id} names, provided it is to the
// path's organization: an admin of two organizations must not decide one's requests
// through the other's pages. Error: organizations.ErrJoinRequestNotFound.
func (a *App) pathJoinRequest(r *http.Request, org organizations.Organization) (organizations.JoinRequest, error) {
	req, err := a.joinRequest(r)
	if err != nil {
		return organizations.JoinRequest{}, err
	}
	// A request never moves to another organization, so this check cannot go stale.
	if req.OrganizationID != org.ID {
		return organizations.JoinRequest{}, organizations.ErrJoinRequestNotFound
	}
	return req, nil
}

// joinRequestsView is the data of the join-request queue.
type joinRequestsView struct {
	view
	Org      organizations.Organization
	Requests []joinRequestRow
	Next     string
}

// joinRequestRow is a pending request with its requester's email.
type joinRequestRow struct {
	organizations.JoinRequest
	Email string
}

// joinRequests shows an admin the organization's pending join requests, oldest first,
// with the approve and deny buttons. It changes nothing.
func (a *App) joinRequests(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	page, err := a.svc.PendingJoinRequests(r.Context(), org.ID, organizations.ListOptions{After: r.URL.Query().Get("after")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := joinRequestsView{view: a.view(r, "Join requests to "+org.Name), Org: org, Next: page.Next}
	for _, req := range page.Items {
		du, _ := a.users.lookup(req.UserID)
		v.Requests = append(v.Requests, joinRequestRow{JoinRequest: req, Email: du.Email})
	}
	a.render(w, r, http.StatusOK, "requests", v)
}

// approveJoinRequest approves a pending request: the requester becomes a member, in the
// same atomic step, if a seat is free (ErrMemberLimit, 409, otherwise; the request stays
// pending).
func (a *App) approveJoinRequest(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	req, err := a.pathJoinRequest(r, org)
	if err == nil {
		_, err = a.orgs.As(r).ApproveJoinRequest(r.Context(), req.ID)
	}
	if errors.Is(err, organizations.ErrMemberLimit) {
		err = explain(err, "This organization has no free seat: its member limit is reached. The request stays pending: "+
			"free a seat or raise the limit, then approve it again.")
	}
	a.finish(w, r, err, orgPath(org.Slug, "requests"), string(req.UserID)+" is now a member of "+org.Name+".")
}

// denyJoinRequest closes a pending request as denied.
func (a *App) denyJoinRequest(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	req, err := a.pathJoinRequest(r, org)
	if err == nil {
		err = a.orgs.As(r).DenyJoinRequest(r.Context(), req.ID)
	}
	a.finish(w, r, err, orgPath(org.Slug, "requests"), "Denied the request of "+string(req.UserID)+" to join "+org.Name+".")
}
