package main

import (
	"errors"
	"net/http"

	"github.com/go-organizations/organizations"
)

// Verified domains (docs/domains.md): an admin adds the organization's mail domain, is
// shown the DNS TXT record to publish, verifies it (the library looks the record up
// through Config.DomainResolver), and chooses what happens to users whose verified
// address is at the domain: nothing (manual), a pending invitation (automatic
// invitation), or an offer to ask to join (automatic suggestion), which lands in the
// join-request queue (handlers_joinrequests.go).

// domainRoutes adds the routes of verified domains and join requests to the app's URL
// map. The domain pages need PermDomainsManage, the join-request queue PermMembersAdd
// (the permission the store checks to approve or deny); each change is made through
// a.orgs.As(r), so that the store checks the permission again in the write. Asking to
// join and withdrawing need a signed-in user only: the store checks that a domain of the
// organization offers the user to ask, and that a request withdrawn is the user's.
func (a *App) domainRoutes(handle func(string, http.Handler), may func(organizations.Permission, http.Handler) http.Handler) {
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	manage := func(f func(http.ResponseWriter, *http.Request)) http.Handler {
		return may(organizations.PermDomainsManage, h(f))
	}
	handle("GET /orgs/{org}/domains", manage(a.domains))
	handle("POST /orgs/{org}/domains", manage(a.posted(a.addDomain)))
	handle("POST /orgs/{org}/domains/{domain}/verify", manage(a.posted(a.verifyDomain)))
	handle("POST /orgs/{org}/domains/{domain}/enrollment", manage(a.posted(a.setDomainEnrollment)))
	handle("POST /orgs/{org}/domains/{domain}/remove", manage(a.removeDomain))
	a.joinRequestRoutes(handle, may)
}

// The messages of the domain and join-request sentinels (their statuses are
// orghttp.StatusCode's, but for a failed verification: a conflict with the DNS as it
// is, for this app). They are added to the app's table (errors.go) here, so that this
// feature's pages keep to their own files.
func init() {
	appErrors = append(appErrors, []appError{
		{organizations.ErrDomainNotFound, 0, "This organization has no such domain (it may have just been removed)."},
		{organizations.ErrJoinRequestNotFound, 0, "There is no such join request here."},
		{organizations.ErrInvalidDomain, 0, "A domain is a host name such as “acme.com”: two or more labels of letters, digits and hyphens " +
			"(an internationalised name in its xn-- form)."},
		{organizations.ErrPublicMailDomain, 0, "This is a public mail provider's domain: anyone can have an address there, so no organization can claim it."},
		{organizations.ErrInvalidEnrollment, 0, "Please choose one of the enrollment modes."},
		{organizations.ErrInvalidJoinRequestMessage, 0, "The message to the admins is at most 1000 characters."},
		{organizations.ErrDomainExists, 0, "This organization has this domain already."},
		{organizations.ErrDomainTaken, 0, "Another organization has verified this domain: a domain is verified by one organization at a time."},
		{organizations.ErrDomainVerificationFailed, http.StatusConflict, "No TXT record of the domain holds the verification value yet. " +
			"Publish the record shown below at your DNS provider, wait for it to propagate, then verify again."},
		{organizations.ErrJoinRequestClosed, 0, "This join request is no longer pending: it was already approved, denied or withdrawn."},
		{organizations.ErrJoinRequestExists, 0, "You have asked to join this organization already: your request is waiting for an admin."},
		{organizations.ErrJoinRequestsClosed, 0, "This organization does not offer you to ask to join (any more): " +
			"its domain may have changed its enrollment mode, or been removed or unverified."},
		{organizations.ErrJoinRequestExpired, 0, "This join request has expired. The user can ask again."},
	}...)
}

// enrollmentModes are the choices of the enrollment select, in the order shown.
var enrollmentModes = []enrollmentMode{
	{organizations.EnrollmentManual, "manual", "nothing automatic: admins invite people as usual."},
	{organizations.EnrollmentAutomaticInvitation, "automatic invitation", "a user at the domain finds a pending invitation as a member when signing in."},
	{organizations.EnrollmentAutomaticSuggestion, "automatic suggestion", "a user at the domain is offered to ask to join; an admin approves in the join requests."},
}

// enrollmentMode is one choice of the enrollment select: its value, its name, and what
// it does.
type enrollmentMode struct {
	Value       organizations.DomainEnrollment
	Label, Help string
}

// domainsView is the data of the domains page.
type domainsView struct {
	view
	Org     organizations.Organization
	Domains []organizations.Domain
	Next    string
	Modes   []enrollmentMode
	Can     can
}

// domains shows the organization's domains: for each, its DNS record to publish, whether
// it is verified, its enrollment mode, and the buttons to verify, change the mode and
// remove it; and the form to add one. It changes nothing.
func (a *App) domains(w http.ResponseWriter, r *http.Request) {
	a.renderDomains(w, r, http.StatusOK, formState{})
}

// renderDomains renders the domains page with status; f is the refused form ("add", or
// "domain" for a row's action, its "domain" value naming the row), if any.
func (a *App) renderDomains(w http.ResponseWriter, r *http.Request, status int, f formState) {
	org, _, _ := a.current(r)
	page, err := a.svc.Domains(r.Context(), org.ID, organizations.ListOptions{After: r.URL.Query().Get("after")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := domainsView{view: a.view(r, "Domains of "+org.Name), Org: org, Domains: page.Items, Next: page.Next, Modes: enrollmentModes, Can: permissions(r)}
	v.Form = f
	a.render(w, r, status, "domains", v)
}

// domainFailed answers a refused domain form: a fixable error shows the page again with
// the form's message, anything else is the error page.
func (a *App) domainFailed(w http.ResponseWriter, r *http.Request, err error, form string) {
	if form == "domain" && r.PostForm != nil {
		r.PostForm.Set("domain", r.PathValue("domain")) // the row the message goes with
	}
	a.formFailed(w, r, err, form, func(status int, f formState) { a.renderDomains(w, r, status, f) })
}

// addDomain adds a domain, unverified, with the chosen enrollment mode. A refused name or
// mode shows the page again with what was typed.
func (a *App) addDomain(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	mode := organizations.DomainEnrollment(r.PostFormValue("enrollment"))
	if mode == "" {
		mode = organizations.EnrollmentManual
	}
	d, err := a.orgs.As(r).AddDomain(r.Context(), org.ID, r.PostFormValue("name"), &organizations.DomainOptions{Enrollment: mode})
	if err != nil {
		a.domainFailed(w, r, err, "add")
		return
	}
	a.done(w, r, orgPath(org.Slug, "domains"), "Added "+d.Name+". Publish its TXT record, then verify it.")
}

// verifyDomain looks up the domain's TXT record (Config.DomainResolver) and, if it holds
// the domain's token, marks the domain verified. A record not found, or a domain another
// organization holds, shows the page again with the reason.
func (a *App) verifyDomain(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	d, err := a.orgs.As(r).VerifyDomain(r.Context(), org.ID, r.PathValue("domain"))
	if err != nil {
		if errors.Is(err, organizations.ErrDomainVerificationFailed) {
			a.log.Info("domain verification failed", "domain", r.PathValue("domain"), "err", err)
		}
		a.domainFailed(w, r, err, "domain")
		return
	}
	a.done(w, r, orgPath(org.Slug, "domains"), "Verified "+d.Name+".")
}

// setDomainEnrollment sets the domain's enrollment mode; it takes effect while the domain
// is verified.
func (a *App) setDomainEnrollment(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	mode := organizations.DomainEnrollment(r.PostFormValue("enrollment"))
	d, err := a.orgs.As(r).SetDomainEnrollment(r.Context(), org.ID, r.PathValue("domain"), mode)
	if err != nil {
		a.domainFailed(w, r, err, "domain")
		return
	}
	a.done(w, r, orgPath(org.Slug, "domains"), "Enrollment of "+d.Name+": "+enrollmentLabel(d.Enrollment)+".")
}

// enrollmentLabel is the short name of a mode, for messages.
func enrollmentLabel(mode organizations.DomainEnrollment) string {
	switch mode {
	case organizations.EnrollmentAutomaticInvitation:
		return "automatic invitation"
	case organizations.EnrollmentAutomaticSuggestion:
		return "automatic suggestion"
	}
	return "manual"
}

// removeDomain removes the domain. Invitations it made stay until answered or expired,
// and open join requests stay in the queue.
func (a *App) removeDomain(w http.ResponseWriter, r *http.Request) {
	org, _, _ := a.current(r)
	name := r.PathValue("domain")
	if err := a.orgs.As(r).RemoveDomain(r.Context(), org.ID, name); err != nil {
		a.fail(w, r, err)
		return
	}
	name, _ = organizations.NormalizeDomain(name) // as removed: RemoveDomain accepted it
	a.done(w, r, orgPath(org.Slug, "domains"), "Removed "+name+".")
}
