package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// The membership lifecycle: suspending and reactivating members, the two-phase ownership
// transfer (the owner proposes, the nominee accepts or declines, the owner may cancel),
// and deleting one's own account, which offboards the user from every organization.

// lifecycleRoutes adds the lifecycle's routes to the app's URL map, each guarded like the
// others: suspension needs PermMembersSuspend; proposing and cancelling a transfer, the
// owner; answering one, a member (the store checks that the actor is the nominee); the
// account pages, a signed-in user.
func (a *App) lifecycleRoutes(handle func(string, http.Handler), member, owner func(http.Handler) http.Handler,
	may func(organizations.Permission, http.Handler) http.Handler) {
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	handle("POST /orgs/{org}/members/{user}/suspend", may(organizations.PermMembersSuspend, h(a.suspend)))
	handle("POST /orgs/{org}/members/{user}/reactivate", may(organizations.PermMembersSuspend, h(a.reactivate)))
	handle("GET /orgs/{org}/transfer", owner(h(a.transferForm)))
	handle("POST /orgs/{org}/transfer", owner(a.posted(a.proposeTransfer)))
	handle("POST /orgs/{org}/transfer/cancel", owner(h(a.cancelTransfer)))
	handle("GET /orgs/{org}/transfer/respond", member(h(a.respondForm)))
	handle("POST /orgs/{org}/transfer/accept", member(h(a.acceptTransfer)))
	handle("POST /orgs/{org}/transfer/decline", member(h(a.declineTransfer)))
	handle("GET /account", a.signedIn(h(a.account)))
	handle("GET /account/delete", a.signedIn(h(a.deleteAccountForm)))
	handle("POST /account/delete", a.signedIn(a.posted(a.deleteAccount)))
}

// suspend suspends a member: they keep their role but lose all access until reactivated.
// The owner cannot be suspended (409, on the organization's page).
func (a *App) suspend(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	user := organizations.UserID(r.PathValue("user"))
	_, err := a.orgs.As(r).SuspendUser(r.Context(), org.ID, user)
	if errors.Is(err, organizations.ErrOwnershipRequired) {
		err = explain(err, string(user)+" owns this organization and cannot be suspended. "+
			"The owner can transfer ownership to another member first.")
	}
	if err != nil {
		a.formFailed(w, r, err, "role", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), "Suspended "+string(user)+": they keep their role but cannot open "+org.Name+" until reactivated.")
}

// reactivate gives a suspended member their access back; it needs a free seat when the
// organization has a member limit (409, on the organization's page).
func (a *App) reactivate(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	user := organizations.UserID(r.PathValue("user"))
	_, err := a.orgs.As(r).ReactivateUser(r.Context(), org.ID, user)
	if err != nil {
		a.formFailed(w, r, err, "role", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), "Reactivated "+string(user)+".")
}

// transferView is the data of the transfer pages: the owner's confirmation of a proposal
// (Nominee set) or the nominee's answer (Transfer set).
type transferView struct {
	view
	Org      organizations.Organization
	Nominee  organizations.UserID
	Transfer organizations.OwnershipTransfer
}

// transferForm asks the owner to confirm the transfer of ownership to the member the
// organization page's form chose. It changes nothing.
func (a *App) transferForm(w http.ResponseWriter, r *http.Request) {
	org, me, _ := a.current(r)
	user := organizations.UserID(r.URL.Query().Get("user"))
	// Only to show the page: the proposal checks the nominee again in its own write.
	var err error
	switch {
	case user == "":
		err = organizations.ErrInvalidUserID
	case user == me.UserID:
		err = organizations.ErrAlreadyOwner
	default:
		var acc organizations.Access
		if acc, err = a.svc.Access(r.Context(), org.ID, user); err == nil && !acc.IsMember {
			err = organizations.ErrNotMember
		}
	}
	if err != nil {
		r.PostForm = r.URL.Query() // the form to show again is the query's
		a.formFailed(w, r, err, "transfer", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.render(w, r, http.StatusOK, "transfer", transferView{view: a.view(r, "Transfer ownership of "+org.Name), Org: org, Nominee: user})
}

// proposeTransfer records the owner's proposal to make a member the owner, replacing any
// open one. Nothing changes hands until the nominee accepts.
func (a *App) proposeTransfer(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	user := organizations.UserID(r.PostFormValue("user"))
	t, err := a.orgs.As(r).ProposeOwnershipTransfer(r.Context(), org.ID, user)
	if err != nil {
		a.formFailed(w, r, err, "transfer", func(status int, f formState) { a.renderOrg(w, r, status, f) })
		return
	}
	a.done(w, r, orgPath(org.Slug), "You proposed to make "+string(t.Nominee)+" the owner of "+org.Name+
		". You stay the owner until they accept, by "+t.ExpiresAt.UTC().Format("2 Jan 2006 15:04 UTC")+".")
}

// cancelTransfer closes the owner's open proposal.
func (a *App) cancelTransfer(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	err := a.orgs.As(r).CancelOwnershipTransfer(r.Context(), org.ID)
	a.finish(w, r, err, orgPath(org.Slug), "You cancelled the transfer of ownership of "+org.Name+".")
}

// respondForm shows the nominee the open proposal, with the accept and decline buttons.
// It changes nothing. Another member gets 403, and no open proposal is 404.
func (a *App) respondForm(w http.ResponseWriter, r *http.Request) {
	org, me, _ := a.current(r)
	t, err := a.svc.OwnershipTransfer(r.Context(), org.ID)
	if err == nil && t.Nominee != me.UserID {
		err = explain(organizations.ErrPermissionDenied, "This ownership transfer was proposed to another member: only they can accept or decline it.")
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "transfer", transferView{view: a.view(r, "Become the owner of "+org.Name), Org: org, Transfer: t})
}

// acceptTransfer makes the nominee the owner, in one atomic step that checks the proposal
// is still open and its proposer still the owner; the former owner stays an admin.
func (a *App) acceptTransfer(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	err := a.orgs.As(r).AcceptOwnershipTransfer(r.Context(), org.ID)
	a.finish(w, r, err, orgPath(org.Slug), "You now own "+org.Name+". The former owner stays an admin.")
}

// declineTransfer closes the proposal made to the requester.
func (a *App) declineTransfer(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	err := a.orgs.As(r).DeclineOwnershipTransfer(r.Context(), org.ID)
	a.finish(w, r, err, orgPath(org.Slug), "You declined to become the owner of "+org.Name+".")
}

// accountView is the data of the account pages: the account (Mode "account"), the
// deletion's confirmation with a choice per owned organization ("delete"), and what the
// deletion did ("deleted").
type accountView struct {
	view
	Mode  string
	Owned []ownedRow
	Done  organizations.OffboardResult
	Name  organizations.UserID
}

// ownedRow is an organization the user owns, on the deletion form.
type ownedRow struct {
	organizations.Organization
	// Field is the form field of its choice: "delete" or "transfer".
	Field string
	// HasSuccessor is set when it has another active admin to hand it to.
	HasSuccessor bool
}

// ownedField is the deletion form's field for an owned organization.
func ownedField(id uuid.UUID) string { return "owned-" + id.String() }

// account shows the signed-in user's account.
func (a *App) account(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account", accountView{view: a.view(r, "My account"), Mode: "account"})
}

// deleteAccountForm asks to confirm the deletion, and what to do with each organization
// the user owns.
func (a *App) deleteAccountForm(w http.ResponseWriter, r *http.Request) {
	a.renderDeleteAccount(w, r, http.StatusOK, formState{})
}

// renderDeleteAccount renders the deletion form with status; f holds the refused choices.
func (a *App) renderDeleteAccount(w http.ResponseWriter, r *http.Request, status int, f formState) {
	ctx := r.Context()
	u, _ := a.auth.current(r)
	v := accountView{view: a.view(r, "Delete my account"), Mode: "delete"}
	v.Form = f
	opts := organizations.ListOptions{Limit: organizations.MaxPageSize}
	for {
		page, err := a.svc.OrganizationsOwnedBy(ctx, u.Name, opts)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for _, org := range page.Items {
			// Is there another active admin to take it? (Shown only: the deletion
			// checks again, in its own write, and refuses with ErrNoSuccessor.)
			admins, err := a.svc.ListMembers(ctx, org.ID, organizations.MemberFilter{
				Role: organizations.RoleAdmin, Status: organizations.MemberStatusActive,
			}, organizations.ListOptions{Limit: 2})
			if err != nil {
				a.fail(w, r, err)
				return
			}
			row := ownedRow{Organization: org, Field: ownedField(org.ID)}
			for _, m := range admins.Items {
				row.HasSuccessor = row.HasSuccessor || m.UserID != u.Name
			}
			v.Owned = append(v.Owned, row)
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	a.render(w, r, status, "account", v)
}

// deleteAccount deletes the signed-in user's account. The demo's user directory is in
// memory, so it cannot share a transaction with the store; the order keeps the user from
// acting in between: (1) the account is shut: from then on no request is admitted as
// the user (they get 401), and their name cannot sign in, sign up or be activated
// (errAccountDeleting, 409); (2) the deletion waits for the user's requests admitted
// before, so that what they did is in the store; (3) RemoveUserEverywhere removes every
// membership, and deletes or hands over each owned organization as chosen, in one
// atomic step (refused as a whole, changing nothing, when an owned organization has no
// choice, such as one a request of (2) created, or no admin to take it: the account is
// open again and the form says why); (4) all the user's sessions end, then the user is
// deleted. A host whose users are rows in PostgreSQL runs (3) and the row's DELETE in
// one transaction instead (docs/lifecycle.md, "Offboarding a user", and the README's quick start).
func (a *App) deleteAccount(w http.ResponseWriter, r *http.Request) {
	u, _ := a.auth.current(r)
	opts := &organizations.OffboardOptions{Owned: map[uuid.UUID]organizations.OwnedPolicy{}}
	for key := range r.PostForm {
		raw, ok := strings.CutPrefix(key, "owned-")
		if !ok {
			continue
		}
		id, err := uuid.Parse(raw)
		if err != nil {
			a.fail(w, r, explain(errBadForm, "The choice for an organization could not be read. Please submit the form again from the page."))
			return
		}
		switch r.PostForm.Get(key) {
		case "delete":
			opts.Owned[id] = organizations.OwnedDelete
		case "transfer":
			opts.Owned[id] = organizations.OwnedTransferToAdmin
		default:
			a.fail(w, r, explain(errBadForm, "Choose, for each organization you own, to delete it or to hand it to its admin."))
			return
		}
	}
	del, err := a.users.beginDeletion(r.Context(), admissionOf(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	res, err := a.svc.RemoveUserEverywhere(r.Context(), u.Name, opts)
	if err != nil {
		del.abort()
		switch {
		case errors.Is(err, organizations.ErrOwnershipRequired):
			err = explain(err, "You own organizations: choose, for each, to delete it or to transfer ownership to its longest-standing admin.")
		case errors.Is(err, organizations.ErrNoSuccessor):
			err = explain(err, "An organization you chose to hand over has no other active admin: delete it, or make a member an admin first.")
		}
		a.formFailed(w, r, err, "delete", func(status int, f formState) { a.renderDeleteAccount(w, r, status, f) })
		return
	}
	// The sessions end before the user is deleted: a request that finds the name free
	// (a new user took it) finds these sessions gone (demoAuth.admission).
	a.auth.signOutUser(w, u.Name)
	del.finish()
	_ = a.session.ClearCurrentOrganization(w, r) // a CookieSession never fails
	v := accountView{view: a.view(r, "Account deleted"), Mode: "deleted", Done: res, Name: u.Name}
	a.render(w, r, http.StatusOK, "account", v)
}
