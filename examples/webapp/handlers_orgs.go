package main

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
	"github.com/google/uuid"
)

// current returns what the guard resolved for the request: the organization, the
// requester's membership and the signed-in user. Behind RequireMember and up, all three
// are there.
func (a *App) current(r *http.Request) (organizations.Organization, organizations.OrganizationUser, demoUser) {
	org, _ := orghttp.Organization(r.Context())
	me, _ := orghttp.Membership(r.Context())
	u, _ := a.auth.current(r)
	return org, me, u
}

// can says which actions the requester's permissions allow in the current organization,
// to show only the forms that would be accepted. It reads what the guard resolved (no
// store call); the store checks each change again when it is made.
type can struct {
	Edit, Invite, Revoke, SetRole, Remove, ManageRoles bool
}

// permissions returns the requester's can for the request's organization.
func permissions(r *http.Request) can {
	acc, _ := orghttp.Access(r.Context())
	return can{
		Edit:        acc.Can(organizations.PermOrganizationUpdate),
		Invite:      acc.Can(organizations.PermInvitationsCreate),
		Revoke:      acc.Can(organizations.PermInvitationsRevoke),
		SetRole:     acc.Can(organizations.PermMembersRoles),
		Remove:      acc.Can(organizations.PermMembersRemove),
		ManageRoles: acc.Can(organizations.PermRolesManage),
	}
}

type orgListView struct {
	view
	Organizations []orgRow
	Next          string
	Invitations   []invitationRow
}

type orgRow struct {
	organizations.Organization
	Current bool
}

type invitationRow struct {
	organizations.Invitation
	Organization string
}

// listOrganizations lists the user's organizations, active and inactive, marks the
// current one, and shows pending invitations to the user's email.
func (a *App) listOrganizations(w http.ResponseWriter, r *http.Request) {
	a.renderOrgList(w, r, http.StatusOK, formState{})
}

// renderOrgList renders the list page with status, its create form filled from f.
func (a *App) renderOrgList(w http.ResponseWriter, r *http.Request, status int, f formState) {
	ctx := r.Context()
	u, _ := a.auth.current(r)
	page, err := a.svc.OrganizationsForUser(ctx, u.Name, organizations.ListOptions{After: r.URL.Query().Get("after")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	// The list page resolves the current organization; a create form shown again after
	// a refusal reads the session's choice, which is one of the listed organizations if
	// it is still the user's.
	var cur uuid.UUID
	org, hasCur := orghttp.Organization(ctx)
	if hasCur {
		cur = org.ID
	} else {
		cur, hasCur = a.session.CurrentOrganization(r)
	}
	v := orgListView{view: a.view(r, "My organizations"), Next: page.Next}
	v.Form = f
	for _, org := range page.Items {
		v.Organizations = append(v.Organizations, orgRow{Organization: org, Current: hasCur && cur == org.ID})
	}
	invs, err := a.svc.InvitationsForEmail(ctx, u.Email) // one store call, organizations included
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for _, inv := range invs {
		v.Invitations = append(v.Invitations, invitationRow{Invitation: inv.Invitation, Organization: inv.Organization.Name})
	}
	a.render(w, r, status, "orgs", v)
}

// createOrganization creates an organization owned by the signed-in user. A refused name
// or slug shows the list page again, the form holding what was typed.
func (a *App) createOrganization(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	u, _ := a.auth.current(r)
	org, err := a.svc.CreateOrganization(r.Context(), u.Name, r.PostFormValue("name"),
		&organizations.CreateOptions{Slug: r.PostFormValue("slug")})
	if err != nil {
		a.formFailed(w, r, err, "create", func(status int, f formState) { a.renderOrgList(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), "Created "+org.Name+". You are its owner.")
}

type orgView struct {
	view
	Org     organizations.Organization
	Me      organizations.OrganizationUser
	Owner   organizations.UserID
	IsOwner bool
	Members []memberRow
	Next    string
	// CanTransfer is set when the page lists a member other than the requester, someone
	// to transfer ownership to.
	CanTransfer bool
	// Can is what the requester may do; Roles are the roles a member can be given.
	Can   can
	Roles []organizations.RoleInfo
}

type memberRow struct {
	organizations.OrganizationUser
	Email   string
	IsOwner bool
	IsMe    bool
}

// showOrganization is the organization's page: its members with their roles, and the
// actions the requester's role allows.
func (a *App) showOrganization(w http.ResponseWriter, r *http.Request) {
	a.renderOrg(w, r, http.StatusOK, formState{})
}

// renderOrg renders the organization's page with status; f is the refused transfer or
// role form, if any.
func (a *App) renderOrg(w http.ResponseWriter, r *http.Request, status int, f formState) {
	ctx := r.Context()
	org, me, u := a.current(r)
	owner, err := a.svc.Owner(ctx, org.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	page, err := a.svc.Members(ctx, org.ID, organizations.ListOptions{After: r.URL.Query().Get("after")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	roles, err := a.svc.Roles(ctx, org.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ownerID := owner.OrganizationUser.UserID
	v := orgView{
		view: a.view(r, org.Name), Org: org, Me: me, Owner: ownerID, IsOwner: ownerID == u.Name, Next: page.Next,
		Can: permissions(r), Roles: roles,
	}
	v.Form = f
	for _, m := range page.Items {
		du, _ := a.users.lookup(m.UserID)
		v.Members = append(v.Members, memberRow{OrganizationUser: m, Email: du.Email, IsOwner: m.UserID == ownerID, IsMe: m.UserID == u.Name})
		v.CanTransfer = v.CanTransfer || m.UserID != u.Name
	}
	a.render(w, r, status, "org", v)
}

type editView struct {
	view
	Org organizations.Organization
}

// editForm shows the organization's settings to an admin.
func (a *App) editForm(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	active := "false"
	if org.IsActive {
		active = "true"
	}
	a.renderEdit(w, r, http.StatusOK, formState{Values: url.Values{"name": {org.Name}, "slug": {org.Slug}, "active": {active}}})
}

// renderEdit renders the settings form with status, filled from f.
func (a *App) renderEdit(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	v := editView{view: a.view(r, "Edit "+org.Name), Org: org}
	v.Form = f
	a.render(w, r, status, "edit", v)
}

// edit changes the organization's name, slug and active flag; fields absent from the
// form stay as they are. A refused name or slug shows the form again with what was typed.
func (a *App) edit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	org, _, _ := a.current(r)
	var u organizations.OrganizationUpdate
	if r.PostForm.Has("name") {
		name := r.PostFormValue("name")
		u.Name = &name
	}
	if r.PostForm.Has("slug") {
		slug := r.PostFormValue("slug")
		u.Slug = &slug
	}
	if r.PostForm.Has("active") {
		var active bool
		switch r.PostFormValue("active") {
		case "true":
			active = true
		case "false":
		default:
			a.fail(w, r, explain(errBadForm, "The status must be active or inactive."))
			return
		}
		u.IsActive = &active
	}
	org, err := a.orgs.As(r).UpdateOrganization(r.Context(), org.ID, u)
	if err != nil {
		a.formFailed(w, r, err, "edit", func(status int, f formState) { a.renderEdit(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), "Saved the settings of "+org.Name+".")
}

// leave removes the requester from the organization. The owner cannot leave, and the
// error page says why.
func (a *App) leave(w http.ResponseWriter, r *http.Request) {
	org, me, _ := a.current(r)
	err := a.orgs.As(r).RemoveUser(r.Context(), org.ID, me.UserID)
	if errors.Is(err, organizations.ErrOwnershipRequired) {
		err = explain(err, "You own this organization, so you cannot leave it: an organization always has exactly one owner. "+
			"Transfer ownership to another member first (then you can leave), or delete the organization.")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.done(w, r, "/orgs", "You left "+org.Name+".")
}

// transfer makes another member the owner (and an admin); the old owner stays an admin.
// A transfer without a new owner shows the page again with the message at the form. The
// store checks, in the transfer itself, that the requester still owns the organization:
// of two transfers sent at once, one succeeds and the other is refused (403).
func (a *App) transfer(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	org, _, _ := a.current(r)
	user := organizations.UserID(r.PostFormValue("user"))
	if err := a.orgs.As(r).ChangeOwner(r.Context(), org.ID, user); err != nil {
		a.formFailed(w, r, err, "transfer", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), string(user)+" now owns "+org.Name+". You stay an admin.")
}

type deleteView struct {
	view
	Org organizations.Organization
}

// deleteForm asks the owner to confirm the deletion.
func (a *App) deleteForm(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	a.render(w, r, http.StatusOK, "delete", deleteView{view: a.view(r, "Delete "+org.Name), Org: org})
}

// deleteOrganization deletes the organization with its memberships and invitations; the
// users stay.
func (a *App) deleteOrganization(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	if err := a.orgs.As(r).DeleteOrganization(r.Context(), org.ID); err != nil {
		a.fail(w, r, err)
		return
	}
	a.done(w, r, "/orgs", "Deleted "+org.Name+".")
}
