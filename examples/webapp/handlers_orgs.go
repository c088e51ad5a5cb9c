package main

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	Edit, Invite, Revoke, SetRole, Remove, ManageRoles, Suspend bool
	// Audit: the requester may read the audit log (the owner and admins, as RequireAdmin).
	Audit bool
	// Domains: manage the verified domains; Requests: decide join requests.
	Domains, Requests bool
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
		Audit:       acc.IsOwner || acc.IsMember && acc.Membership.IsAdmin(),
		Suspend:     acc.Can(organizations.PermMembersSuspend),
		Domains:     acc.Can(organizations.PermDomainsManage),
		Requests:    acc.Can(organizations.PermMembersAdd),
	}
}

type orgListView struct {
	view
	Organizations []orgRow
	Next          string
	Invitations   []invitationRow
	// Enrollments: what verified domains offer the user (handlers_joinrequests.go).
	Enrollments enrollmentRows
}

type orgRow struct {
	organizations.Organization
	Current bool
}

type invitationRow struct {
	organizations.Invitation
	Organization string
	// Link accepts an invitation that a verified domain made (enrollmentRows.withLinks).
	Link string
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
	if v.Enrollments, err = a.enrollmentsOf(r); err != nil {
		a.fail(w, r, err)
		return
	}
	invs, err := a.svc.InvitationsForEmail(ctx, u.Email) // one store call, organizations included
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for _, inv := range invs {
		v.Invitations = append(v.Invitations, invitationRow{Invitation: inv.Invitation, Organization: inv.Organization.Name})
	}
	v.Invitations = v.Enrollments.withLinks(v.Invitations) // a domain's invitations, with their links
	a.render(w, r, status, "orgs", v)
}

// createOrganization creates an organization owned by the signed-in user. A refused name
// or slug shows the list page again, the form holding what was typed.
func (a *App) createOrganization(w http.ResponseWriter, r *http.Request) {
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
	// Filter is the members list's filter; Next the link to the next page, if any.
	Filter organizations.MemberFilter
	Next   string
	// Candidates are the active members other than the requester: whom the owner can
	// propose as the new owner.
	Candidates []organizations.UserID
	// Seats is the member limit and its use; nil on a store without limits.
	Seats *organizations.Seats
	// Transfer is the open ownership transfer proposal, shown to the owner (who can
	// cancel it) and to its nominee (who can answer it); nil for everyone else.
	Transfer *organizations.OwnershipTransfer
	// Can is what the requester may do; Roles are the roles a member can be given.
	Can   can
	Roles []organizations.RoleInfo
}

type memberRow struct {
	organizations.Member
	Email     string
	IsMe      bool
	Suspended bool
}

// showOrganization is the organization's page: its seats, its members (filtered by role
// and status) with their roles, and the actions the requester's role allows.
func (a *App) showOrganization(w http.ResponseWriter, r *http.Request) {
	a.renderOrg(w, r, http.StatusOK, formState{})
}

// renderOrg renders the organization's page with status; f is the refused transfer or
// member form, if any.
func (a *App) renderOrg(w http.ResponseWriter, r *http.Request, status int, f formState) {
	ctx := r.Context()
	org, me, u := a.current(r)
	owner, err := a.svc.Owner(ctx, org.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	filter := organizations.MemberFilter{Role: organizations.Role(q.Get("role")), Status: organizations.MemberStatus(q.Get("status"))}
	page, err := a.svc.ListMembers(ctx, org.ID, filter, organizations.ListOptions{After: q.Get("after")})
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
		view: a.view(r, org.Name), Org: org, Me: me, Owner: ownerID, IsOwner: ownerID == u.Name, Filter: filter,
		Can: permissions(r), Roles: roles,
	}
	v.Form = f
	if page.Next != "" {
		next := url.Values{"after": {page.Next}}
		if filter.Role != "" {
			next.Set("role", string(filter.Role))
		}
		if filter.Status != "" {
			next.Set("status", string(filter.Status))
		}
		v.Next = orgPath(org.Slug) + "?" + next.Encode()
	}
	for _, m := range page.Items {
		du, _ := a.users.lookup(m.UserID)
		v.Members = append(v.Members, memberRow{Member: m, Email: du.Email, IsMe: m.UserID == u.Name,
			Suspended: m.Status() == organizations.MemberStatusSuspended})
	}
	if v.IsOwner {
		// The candidates for a transfer: the active members of the list's first page,
		// read again only when the list shows another page or only some roles.
		active := page
		if filter.Role != "" || filter.Status == organizations.MemberStatusSuspended || q.Get("after") != "" {
			active, err = a.svc.ListMembers(ctx, org.ID, organizations.MemberFilter{Status: organizations.MemberStatusActive}, organizations.ListOptions{})
			if err != nil {
				a.fail(w, r, err)
				return
			}
		}
		for _, m := range active.Items {
			if m.UserID != u.Name && m.Status() == organizations.MemberStatusActive {
				v.Candidates = append(v.Candidates, m.UserID)
			}
		}
	}
	switch seats, err := a.svc.Seats(ctx, org.ID); {
	case err == nil:
		v.Seats = &seats
	case !errors.Is(err, organizations.ErrNotSupported):
		a.fail(w, r, err)
		return
	}
	switch t, err := a.svc.OwnershipTransfer(ctx, org.ID); {
	case err == nil:
		if v.IsOwner || t.Nominee == u.Name {
			v.Transfer = &t
		}
	case !errors.Is(err, organizations.ErrTransferNotFound) && !errors.Is(err, organizations.ErrNotSupported):
		a.fail(w, r, err)
		return
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
	limit := ""
	if org.MaxMembers > 0 {
		limit = strconv.Itoa(org.MaxMembers)
	}
	a.renderEdit(w, r, http.StatusOK, formState{Values: url.Values{"name": {org.Name}, "slug": {org.Slug}, "active": {active}, "max_members": {limit}}})
}

// renderEdit renders the settings form with status, filled from f.
func (a *App) renderEdit(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	v := editView{view: a.view(r, "Edit "+org.Name), Org: org}
	v.Form = f
	a.render(w, r, status, "edit", v)
}

// edit changes the organization's name, slug, active flag and member limit; fields absent from the
// form stay as they are. A refused name or slug shows the form again with what was typed.
func (a *App) edit(w http.ResponseWriter, r *http.Request) {
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
	if r.PostForm.Has("max_members") {
		// Blank or 0: no limit. Sent only when it changes, so that a store without
		// limits still saves the other settings.
		limit := 0
		if raw := strings.TrimSpace(r.PostFormValue("max_members")); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				n = -1 // not a number: the library's ErrInvalidMemberLimit
			}
			limit = n
		}
		if limit != org.MaxMembers {
			u.MaxMembers = &limit
		}
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
	a.finish(w, r, err, "/orgs", "You left "+org.Name+".")
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
	err := a.orgs.As(r).DeleteOrganization(r.Context(), org.ID)
	a.finish(w, r, err, "/orgs", "Deleted "+org.Name+".")
}
