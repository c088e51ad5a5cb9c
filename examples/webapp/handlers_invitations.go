package main

import (
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

type invitationsView struct {
	view
	Org     organizations.Organization
	Pending []organizations.Invitation
	Next    string
	Sent    []sentLink
	Can     can
	Roles   []organizations.RoleInfo
	// Seats is the member limit and its use; nil on a store without limits.
	Seats *organizations.Seats
}

// invitations shows an admin the invite form, the pending invitations and the links the
// demo mailbox "sent" for this organization.
func (a *App) invitations(w http.ResponseWriter, r *http.Request) {
	a.renderInvitations(w, r, http.StatusOK, formState{})
}

// renderInvitations renders the invitations page with status, its invite form filled
// from f.
func (a *App) renderInvitations(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	page, err := a.svc.PendingInvitations(r.Context(), org.ID, organizations.ListOptions{After: r.URL.Query().Get("after")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	roles, err := a.svc.Roles(r.Context(), org.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := invitationsView{
		view: a.view(r, "Invitations to "+org.Name), Org: org, Pending: page.Items, Next: page.Next,
		Sent: a.mail.invitationsFor(org.ID), Can: permissions(r), Roles: roles,
	}
	switch seats, err := a.svc.Seats(r.Context(), org.ID); {
	case err == nil:
		v.Seats = &seats
	case !errors.Is(err, organizations.ErrNotSupported):
		a.fail(w, r, err)
		return
	}
	v.Form = f
	a.render(w, r, status, "invitations", v)
}

// invite invites an email address with a role; the demo mailbox logs the accept link and
// the invitations page shows it. A refused address or role shows the page again with
// what was typed.
func (a *App) invite(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	inv, err := a.orgs.As(r).Invite(r.Context(), org.ID, r.PostFormValue("email"),
		&organizations.InviteOptions{Role: organizations.Role(r.PostFormValue("role"))})
	if err != nil {
		a.formFailed(w, r, err, "invite", func(status int, f formState) { a.renderInvitations(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug, "invitations"), "Invitation sent to "+inv.Email+".")
}

// pathInvitation returns the invitation the path's {id} names, provided it belongs to the
// path's organization: an admin of two organizations must not act on one through the
// other's pages. Error: organizations.ErrInvitationNotFound.
func (a *App) pathInvitation(r *http.Request, org organizations.Organization) (organizations.Invitation, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return organizations.Invitation{}, organizations.ErrInvitationNotFound
	}
	// An invitation never moves to another organization, so this check cannot go stale.
	inv, err := a.svc.Store().Invitation(r.Context(), id, organizations.Timestamp(a.now()))
	if err != nil {
		return organizations.Invitation{}, err
	}
	if inv.OrganizationID != org.ID {
		return organizations.Invitation{}, organizations.ErrInvitationNotFound
	}
	return inv, nil
}

// revoke closes a pending invitation: its link stops working.
func (a *App) revoke(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	inv, err := a.pathInvitation(r, org)
	if err == nil {
		err = a.orgs.As(r).RevokeInvitation(r.Context(), inv.ID)
	}
	a.finish(w, r, err, orgPath(org.Slug, "invitations"), "Revoked the invitation of "+inv.Email+": its link no longer works.")
}

// resend sends a pending or expired invitation again with a new link; the old link stops
// working.
func (a *App) resend(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	inv, err := a.pathInvitation(r, org)
	if err == nil {
		_, err = a.orgs.As(r).ResendInvitation(r.Context(), inv.ID)
	}
	a.finish(w, r, err, orgPath(org.Slug, "invitations"), "Sent "+inv.Email+" a new link: the old one no longer works.")
}

type invitationView struct {
	view
	Token        string
	Invitation   organizations.Invitation
	Organization organizations.Organization
	// CanRespond is set when the invitation is pending and the signed-in user may accept
	// or decline it.
	CanRespond bool
	// OtherEmail is set when the signed-in user is not the invitee of an email-bound
	// invitation.
	OtherEmail bool
}

// showInvitation is the page an invitation link opens: what the invitation is, and the
// accept and decline buttons for its invitee. It changes nothing. An expired invitation
// shows with 410 Gone, a closed one with 409 Conflict.
func (a *App) showInvitation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := r.PathValue("token")
	inv, err := a.svc.InvitationByToken(ctx, token) // the invitation with its organization
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := invitationView{view: a.view(r, "Invitation to "+inv.Organization.Name), Token: token, Invitation: inv.Invitation, Organization: inv.Organization}
	status := http.StatusOK
	switch inv.Status {
	case organizations.InvitationStatusExpired:
		status = http.StatusGone
	case organizations.InvitationStatusPending:
		v.OtherEmail = v.SignedIn && !inv.Bearer && v.User.Email != inv.Email
		v.CanRespond = v.SignedIn && !v.OtherEmail
	default:
		status = http.StatusConflict
	}
	a.render(w, r, status, "invitation", v)
}

// acceptInvitation accepts the invitation as the signed-in user, with their email, and
// opens the organization.
func (a *App) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, _ := a.auth.current(r)
	m, err := a.svc.AcceptInvitation(ctx, r.PathValue("token"), u.Name, u.Email)
	if errors.Is(err, organizations.ErrMemberLimit) {
		err = explain(err, "This organization has no free seat: its member limit is reached. Your invitation stays pending: "+
			"ask an admin of the organization to free a seat or raise the limit, then accept it again.")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	org, err := a.svc.Organization(ctx, m.OrganizationID)
	a.finish(w, r, err, orgPath(org.Slug), "You joined "+org.Name+" as "+article(m.Role)+" "+string(m.Role)+".")
}

// declineInvitation declines the invitation as the signed-in user, with their email.
func (a *App) declineInvitation(w http.ResponseWriter, r *http.Request) {
	u, _ := a.auth.current(r)
	err := a.svc.DeclineInvitation(r.Context(), r.PathValue("token"), u.Email)
	a.finish(w, r, err, "/orgs", "You declined the invitation.")
}
