package main

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-organizations/organizations"
)

// errBadFilter: an audit log filter (type or actor in the query string) that is not
// valid (400).
var errBadFilter = errors.New("webapp: invalid audit log filter")

// auditPageSize is how many records one page of the audit log shows (App.auditPageSize,
// which tests make smaller).
const auditPageSize = 50

// auditTypes are the event types the audit page's filter offers, in the order shown:
// every type the library defines (organizations.EventTypes), so that a type a new
// release adds is offered without a change here. The filter accepts only these (as
// AuditLog does); a record of a type the app does not know (written by a newer release)
// is still listed, under its type name.
var auditTypes = organizations.EventTypes()

type auditView struct {
	view
	Org   organizations.Organization
	Rows  []auditRow
	Types []string
	// Type and Actor are the filter in force ("" for none).
	Type, Actor string
	// Next is the link to the next (older) page; First the link to the newest page,
	// set when this is not it.
	Next, First string
}

type auditRow struct {
	Time    time.Time
	Actor   organizations.UserID
	Type    string
	Text    string
	Subject organizations.UserID
}

// auditLog is the organization's audit log, newest first, keyset paged (?after= carries
// the page's cursor), optionally filtered by event type (?type=) and actor (?actor=).
//
// Guard: RequireAdmin, the owner and the members whose role is admin. The library has no
// permission for reading the log, and the log shows what every management permission
// did (invited emails included), so no single management permission is the right one: a
// custom role holding, say, members:add does not see it. A bad filter or page link is
// the 400 page.
func (a *App) auditLog(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	q := r.URL.Query()
	query := organizations.AuditQuery{OrganizationID: org.ID}
	typ, actor := q.Get("type"), strings.TrimSpace(q.Get("actor"))
	if typ != "" {
		if !validAuditType(typ) {
			a.fail(w, r, explain(errBadFilter, "There is no event type “"+typ+"”: choose one from the list."))
			return
		}
		query.Types = []string{typ}
	}
	if actor != "" {
		id, err := normalizeUserName(actor)
		if err != nil {
			a.fail(w, r, explain(errBadFilter, "The actor must be a user name: 1 to 32 lower-case letters, digits, dots, hyphens or underscores."))
			return
		}
		actor = string(id)
		query.Actor = id
	}
	page, err := a.svc.AuditLog(r.Context(), query, organizations.ListOptions{After: q.Get("after"), Limit: a.auditPageSize})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	title := "Audit log of " + org.Name
	if typ != "" || actor != "" {
		title += ", filtered"
	}
	v := auditView{view: a.view(r, title), Org: org, Types: auditTypes, Type: typ, Actor: actor}
	link := func(after string) string {
		lq := url.Values{}
		if typ != "" {
			lq.Set("type", typ)
		}
		if actor != "" {
			lq.Set("actor", actor)
		}
		if after != "" {
			lq.Set("after", after)
		}
		u := orgPath(org.Slug, "audit")
		if len(lq) > 0 {
			u += "?" + lq.Encode()
		}
		return u
	}
	if page.Next != "" {
		v.Next = link(page.Next)
	}
	if q.Get("after") != "" {
		v.First = link("")
	}
	for _, rec := range page.Items {
		v.Rows = append(v.Rows, auditRow{Time: rec.OccurredAt, Actor: rec.Actor, Type: rec.Type, Text: describe(rec), Subject: rec.Subject})
	}
	a.render(w, r, http.StatusOK, "audit", v)
}

// validAuditType reports whether t is one of auditTypes.
func validAuditType(t string) bool {
	return slices.Contains(auditTypes, t)
}

// who names an actor in a sentence; a change made by the app itself (an unchecked call)
// has no actor.
func who(u organizations.UserID) string {
	if u == "" {
		return "The app"
	}
	return string(u)
}

// describe is the human sentence for a record, such as "alice changed bob's role from
// member to admin". A type this build does not know, or a record it cannot decode, is
// shown as its type name.
func describe(rec organizations.EventRecord) string {
	ev, err := rec.Event()
	if err != nil {
		return rec.Type
	}
	switch e := ev.(type) {
	case organizations.OrganizationCreated:
		if e.Actor == "" && e.Owner != "" { // CreateOrganization and Register: for the owner
			return string(e.Owner) + " created the organization " + e.Organization.Name
		}
		if e.Actor == "" {
			return "The organization " + e.Organization.Name + " was created"
		}
		return who(e.Actor) + " created the organization " + e.Organization.Name
	case organizations.OrganizationUpdated:
		state := "active"
		if !e.Organization.IsActive {
			state = "inactive"
		}
		return who(e.Actor) + " changed the settings: now " + e.Organization.Name + " (" + e.Organization.Slug + "), " + state
	case organizations.OrganizationDeleted:
		return who(e.Actor) + " deleted the organization " + e.Organization.Name
	case organizations.UserAdded:
		if e.Actor == e.OrganizationUser.UserID {
			return string(e.Actor) + " joined as " + string(e.OrganizationUser.Role)
		}
		return who(e.Actor) + " added " + string(e.OrganizationUser.UserID) + " as " + string(e.OrganizationUser.Role)
	case organizations.UserRemoved:
		if e.Actor == e.OrganizationUser.UserID {
			return string(e.Actor) + " left the organization"
		}
		return who(e.Actor) + " removed " + string(e.OrganizationUser.UserID)
	case organizations.RoleChanged:
		if e.Actor == e.New.UserID { // the promotion of a nominee accepting ownership
			return string(e.New.UserID) + "'s role changed from " + string(e.Old.Role) + " to " + string(e.New.Role)
		}
		return who(e.Actor) + " changed " + string(e.New.UserID) + "'s role from " + string(e.Old.Role) + " to " + string(e.New.Role)
	case organizations.OwnerChanged:
		if e.Actor == e.Old.UserID {
			return string(e.Actor) + " transferred ownership to " + string(e.New.UserID)
		}
		if e.Actor == e.New.UserID { // the nominee accepting a proposed transfer
			return string(e.Actor) + " took over ownership from " + string(e.Old.UserID)
		}
		return who(e.Actor) + " transferred ownership from " + string(e.Old.UserID) + " to " + string(e.New.UserID)
	case organizations.InvitationCreated:
		return who(e.Actor) + " invited " + e.Invitation.Email + " as " + string(e.Invitation.Role)
	case organizations.InvitationAccepted:
		return string(e.OrganizationUser.UserID) + " accepted the invitation of " + e.Invitation.Email + " and joined as " + string(e.OrganizationUser.Role)
	case organizations.InvitationDeclined:
		return e.Invitation.Email + " declined the invitation"
	case organizations.InvitationRevoked:
		return who(e.Actor) + " revoked the invitation of " + e.Invitation.Email
	case organizations.CustomRoleCreated:
		return who(e.Actor) + " created the role " + string(e.Role.Name)
	case organizations.CustomRoleUpdated:
		return who(e.Actor) + " changed the role " + string(e.New.Name)
	case organizations.CustomRoleDeleted:
		return who(e.Actor) + " deleted the role " + string(e.Role.Name)
	case organizations.MemberSuspended:
		return who(e.Actor) + " suspended " + string(e.OrganizationUser.UserID)
	case organizations.MemberReactivated:
		return who(e.Actor) + " reactivated " + string(e.OrganizationUser.UserID)
	case organizations.OwnershipTransferProposed:
		return who(e.Actor) + " proposed to transfer ownership to " + string(e.Transfer.Nominee)
	case organizations.OwnershipTransferAccepted:
		return who(e.Actor) + " accepted the ownership transfer from " + string(e.Transfer.ProposedBy)
	case organizations.OwnershipTransferDeclined:
		return who(e.Actor) + " declined the ownership transfer from " + string(e.Transfer.ProposedBy)
	case organizations.OwnershipTransferCancelled:
		return who(e.Actor) + " cancelled the ownership transfer to " + string(e.Transfer.Nominee)
	}
	return rec.Type
}
