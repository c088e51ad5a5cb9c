package main

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// fakeDNS is the TXT resolver of every test app (newEnvWith): the records a test
// publishes with publish, and "no such host" for every other name, so that no test asks
// the network.
type fakeDNS struct {
	mu      sync.Mutex
	records map[string][]string
	lookups []string
}

// LookupTXT returns the records published at name.
func (d *fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups = append(d.lookups, name)
	recs, ok := d.records[name]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return append([]string(nil), recs...), nil
}

// publish sets the TXT records of name.
func (d *fakeDNS) publish(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.records[name] = values
}

// looked returns the names looked up so far.
func (d *fakeDNS) looked() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lookups...)
}

// noRequest is a join request ID that no request has.
const noRequest = "00000000-0000-4000-8000-000000000000"

// The domain and join-request routes in the access matrix (app_test.go). The fixture has
// no domain and no join request: the routes that name one answer 404 to those the guard
// lets through, and the flows below test them with real ones. The custom role
// "recruiter" holds members:add, so it sees the join-request queue, and not
// domains:manage.
func init() {
	accessMatrix = append(accessMatrix, []matrixRoute{
		// owner, admin, member, custom, outsider, anonymous
		{"GET", "/orgs/{org}/domains", nil, [6]int{ok, ok, forbid, forbid, missing, unauth}},
		{"POST", "/orgs/{org}/domains", url.Values{"name": {"newco.test"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
		{"POST", "/orgs/{org}/domains", url.Values{"name": {"gmail.com"}}, [6]int{http.StatusUnprocessableEntity, http.StatusUnprocessableEntity, forbid, forbid, missing, unauth}},
		{"POST", "/orgs/{org}/domains/nosuch.test/verify", nil, [6]int{missing, missing, forbid, forbid, missing, unauth}},
		{"POST", "/orgs/{org}/domains/nosuch.test/enrollment", url.Values{"enrollment": {"manual"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
		{"POST", "/orgs/{org}/domains/nosuch.test/remove", nil, [6]int{missing, missing, forbid, forbid, missing, unauth}},
		{"GET", "/orgs/{org}/requests", nil, [6]int{ok, ok, forbid, ok, missing, unauth}},
		{"POST", "/orgs/{org}/requests/" + noRequest + "/approve", nil, [6]int{missing, missing, forbid, missing, missing, unauth}},
		{"POST", "/orgs/{org}/requests/" + noRequest + "/deny", nil, [6]int{missing, missing, forbid, missing, missing, unauth}},
		{"POST", "/join-requests", url.Values{"org": {"{org}"}}, [6]int{missing, missing, missing, missing, missing, unauth}},
		{"POST", "/join-requests/" + noRequest + "/withdraw", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	}...)
}

// domainState describes the organization's domains and pending join requests, for
// checking that a refused request changed nothing.
func domainState(t *testing.T, e *env, org organizations.Organization) string {
	t.Helper()
	ctx := context.Background()
	page, err := e.app.svc.Domains(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	var b strings.Builder
	for _, d := range page.Items {
		fmt.Fprintf(&b, "%s verified=%v by=%s mode=%s; ", d.Name, d.Verified(), d.VerifiedBy, d.Enrollment)
	}
	reqs, err := e.app.svc.PendingJoinRequests(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	for _, r := range reqs.Items {
		fmt.Fprintf(&b, "request:%s; ", r.UserID)
	}
	members, err := e.app.svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	for _, m := range members.Items {
		fmt.Fprintf(&b, "%s=%s ", m.UserID, m.Role)
	}
	return b.String()
}

// domainRow returns the domains table row of name (with its DNS record row).
func domainRow(t *testing.T, page, name string) string {
	t.Helper()
	return between(t, page, `<tr data-domain="`+name+`">`, `</tr>
      <tr class="dns-record" data-domain="`+name+`">`) + between(t, page, `<tr class="dns-record" data-domain="`+name+`">`, "</tr>")
}

// addVerifiedDomain has owner add name to slug's organization with mode, publish its
// record in the fake DNS and verify it, through the pages.
func addVerifiedDomain(t *testing.T, e *env, owner *client, slug, name string, mode organizations.DomainEnrollment) {
	t.Helper()
	res := owner.post(orgPath(slug, "domains"), url.Values{"name": {name}, "enrollment": {string(mode)}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	page := owner.get(orgPath(slug, "domains")).body
	txtName := html.UnescapeString(between(t, domainRow(t, page, name), `<code class="txt-name">`, "</code>"))
	txtValue := html.UnescapeString(between(t, domainRow(t, page, name), `<code class="txt-value">`, "</code>"))
	e.dns.publish(txtName, txtValue)
	res = owner.post(orgPath(slug, "domains", name, "verify"), nil)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
}

// TestDomainsPage walks the domains page as its owner: adding (bad names come back on
// the form), the DNS record to publish, a verification that finds no record (the page
// again with the reason, nothing verified), publishing and verifying, choosing the
// enrollment mode, and removing. A member without domains:manage gets 403 for every
// route and changes nothing; another organization's path gives 404 and changes nothing;
// a domain verified by one organization is refused to another.
func TestDomainsPage(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@acme.test")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		// The organization page links to the domains and the requests.
		orgPage := alice.get(orgPath(slug)).body
		require.Contains(t, orgPage, `id="domains-link"`)
		require.Contains(t, orgPage, `id="requests-link"`)
		require.Contains(t, alice.get(orgPath(slug, "domains")).body, "No domain yet.")

		// Refused names come back on the form with what was typed.
		for _, bad := range []struct{ name, msg string }{
			{"not a domain", "A domain is a host name"},
			{"gmail.com", "public mail provider"},
			{"10.0.0.1", "A domain is a host name"},
		} {
			res := alice.post(orgPath(slug, "domains"), url.Values{"name": {bad.name}, "enrollment": {"automatic_suggestion"}})
			require.Equal(t, http.StatusUnprocessableEntity, res.status, bad.name)
			form := between(t, res.body, "<h2>Add a domain</h2>", "</form>")
			require.Contains(t, errorMessage(t, form), bad.msg)
			require.Contains(t, form, `value="`+html.EscapeString(bad.name)+`"`)
			require.Contains(t, form, `<option value="automatic_suggestion" selected>`)
		}
		res := alice.post(orgPath(slug, "domains"), url.Values{"name": {"acme.test"}, "enrollment": {"bogus"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		require.Contains(t, errorMessage(t, res.body), "enrollment modes")
		require.NotContains(t, domainState(t, e, org), "verified=", "a refused domain was added")

		// Added, unverified, with the record to publish.
		res = alice.post(orgPath(slug, "domains"), url.Values{"name": {" Acme.TEST "}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, orgPath(slug, "domains"), res.location)
		page := alice.get(res.location).body
		require.Equal(t, "Added acme.test. Publish its TXT record, then verify it.", flashOf(t, page))
		d, err := e.app.svc.Domain(ctx, org.ID, "acme.test")
		require.NoError(t, err)
		require.Equal(t, organizations.EnrollmentManual, d.Enrollment)
		row := domainRow(t, page, "acme.test")
		require.Contains(t, row, "unverified")
		require.Contains(t, row, `<code class="txt-name">_organizations-verification.acme.test</code>`)
		require.Contains(t, row, `<code class="txt-value">`+html.EscapeString(d.Token)+`</code>`)
		require.Contains(t, row, `<option value="manual" selected>`)
		res = alice.post(orgPath(slug, "domains"), url.Values{"name": {"acme.test"}})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "has this domain already")

		// Verifying before the record is published: the page again, with the reason.
		res = alice.post(orgPath(slug, "domains", "acme.test", "verify"), nil)
		require.Equal(t, http.StatusConflict, res.status, res.body)
		require.Contains(t, errorMessage(t, between(t, res.body, "<h2>Domains</h2>", "</table>")), "No TXT record")
		require.Contains(t, e.dns.looked(), "_organizations-verification.acme.test")
		d, err = e.app.svc.Domain(ctx, org.ID, "acme.test")
		require.NoError(t, err)
		require.False(t, d.Verified())
		// A record with another value does not verify it either.
		e.dns.publish("_organizations-verification.acme.test", "organizations-verification=someone-else")
		require.Equal(t, http.StatusConflict, alice.post(orgPath(slug, "domains", "acme.test", "verify"), nil).status)

		// A member without domains:manage: 403 everywhere, nothing changes, and no
		// DNS query is made for them.
		mia := e.signIn("mia", "mia@acme.test")
		_, err = e.app.svc.AddUser(ctx, org.ID, "mia", organizations.RoleMember)
		require.NoError(t, err)
		before := domainState(t, e, org)
		lookups := len(e.dns.looked())
		e.dns.publish("_organizations-verification.acme.test", d.Token)
		require.NotContains(t, mia.get(orgPath(slug)).body, `id="domains-link"`)
		require.Equal(t, http.StatusForbidden, mia.get(orgPath(slug, "domains")).status)
		for _, p := range []struct {
			path string
			form url.Values
		}{
			{orgPath(slug, "domains"), url.Values{"name": {"mia.test"}}},
			{orgPath(slug, "domains", "acme.test", "verify"), nil},
			{orgPath(slug, "domains", "acme.test", "enrollment"), url.Values{"enrollment": {"automatic_invitation"}}},
			{orgPath(slug, "domains", "acme.test", "remove"), nil},
		} {
			res := mia.post(p.path, p.form)
			require.Equal(t, http.StatusForbidden, res.status, p.path)
			require.NotEmpty(t, errorMessage(t, res.body))
		}
		require.Equal(t, before, domainState(t, e, org))
		require.Len(t, e.dns.looked(), lookups)

		// Another organization's path: alice owns Other too, which has no acme.test.
		other := create(t, alice, "Other")
		for _, action := range []string{"verify", "remove"} {
			res := alice.post(orgPath(other, "domains", "acme.test", action), nil)
			require.Equal(t, http.StatusNotFound, res.status, action)
			require.Contains(t, errorMessage(t, res.body), "no such domain")
		}
		res = alice.post(orgPath(other, "domains", "acme.test", "enrollment"), url.Values{"enrollment": {"automatic_invitation"}})
		require.Equal(t, http.StatusNotFound, res.status)
		require.Equal(t, before, domainState(t, e, org))

		// Published: verified.
		res = alice.post(orgPath(slug, "domains", "acme.test", "verify"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = alice.get(res.location).body
		require.Equal(t, "Verified acme.test.", flashOf(t, page))
		row = domainRow(t, page, "acme.test")
		require.Contains(t, row, `<span class="badge admin">verified</span>`)
		require.Contains(t, row, "by alice (dns)")
		require.Contains(t, row, "Verify again")

		// One organization at a time: Other cannot verify the same name.
		res = alice.post(orgPath(other, "domains"), url.Values{"name": {"acme.test"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		od, err := e.app.svc.Domain(ctx, mustOrg(t, e, other).ID, "acme.test")
		require.NoError(t, err)
		e.dns.publish("_organizations-verification.acme.test", d.Token, od.Token)
		res = alice.post(orgPath(other, "domains", "acme.test", "verify"), nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "Another organization has verified this domain")

		// The enrollment mode.
		res = alice.post(orgPath(slug, "domains", "acme.test", "enrollment"), url.Values{"enrollment": {"automatic_suggestion"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = alice.get(res.location).body
		require.Equal(t, "Enrollment of acme.test: automatic suggestion.", flashOf(t, page))
		require.Contains(t, domainRow(t, page, "acme.test"), `<option value="automatic_suggestion" selected>`)
		res = alice.post(orgPath(slug, "domains", "acme.test", "enrollment"), url.Values{"enrollment": {"everyone"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		require.Contains(t, errorMessage(t, res.body), "enrollment modes")
		d, err = e.app.svc.Domain(ctx, org.ID, "acme.test")
		require.NoError(t, err)
		require.Equal(t, organizations.EnrollmentAutomaticSuggestion, d.Enrollment)
		require.Equal(t, organizations.DomainVerificationDNS, d.Verification)

		// Removing.
		res = alice.post(orgPath(slug, "domains", "acme.test", "remove"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "Removed acme.test.", flashOf(t, alice.get(res.location).body))
		_, err = e.app.svc.Domain(ctx, org.ID, "acme.test")
		require.ErrorIs(t, err, organizations.ErrDomainNotFound)
		require.Equal(t, http.StatusNotFound, alice.post(orgPath(slug, "domains", "acme.test", "remove"), nil).status)
	})
}

// suggestion returns the suggestions card's item of the organization with this ID on
// the list page, failing the test when there is none.
func suggestion(t *testing.T, page string, org organizations.Organization) string {
	t.Helper()
	return between(t, between(t, page, `<div class="card" id="suggestions">`, "</ul>"), `<li data-org="`+org.ID.String()+`">`, "</li>")
}

// requestIDIn returns the ID in a form action ".../requests/{id}/<action>" or
// "/join-requests/{id}/<action>".
func requestIDIn(t *testing.T, page, action string) string {
	t.Helper()
	m := regexp.MustCompile(`requests/([0-9a-f-]{36})/` + action).FindStringSubmatch(page)
	require.NotNil(t, m, "no %s form in:\n%s", action, page)
	return m[1]
}

// TestJoinBySuggestion: with acme.test verified in automatic suggestion, bob (at
// acme.test) is sent from home to his list, which suggests Acme; he asks to join with a
// message and sees his request, which the admins see in their queue. A member without
// members:add gets 403 on the queue and its buttons, another organization's path 404, and
// neither changes anything; the owner approves and bob is a member, no longer offered
// Acme. carol asks and withdraws (dave, at the same domain, cannot withdraw hers: 404),
// asks again and is denied.
func TestJoinBySuggestion(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@acme.test")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		other := create(t, alice, "Other")
		addVerifiedDomain(t, e, alice, slug, "acme.test", organizations.EnrollmentAutomaticSuggestion)
		mia := e.signIn("mia", "mia@example.com")
		_, err := e.app.svc.AddUser(ctx, org.ID, "mia", organizations.RoleMember)
		require.NoError(t, err)

		// Home sends bob to his list, which suggests Acme.
		bob := e.signIn("bob", "bob@acme.test")
		res := bob.get("/")
		require.Equal(t, http.StatusSeeOther, res.status)
		require.Equal(t, "/orgs", res.location)
		item := suggestion(t, bob.get("/orgs").body, org)
		require.Contains(t, item, "<strong>Acme</strong>")
		require.Contains(t, item, "acme.test")
		require.Contains(t, item, "Ask to join")
		// Someone at another domain is offered nothing.
		require.NotContains(t, mia.get("/orgs").body, `id="suggestions"`)
		require.NotContains(t, e.signIn("eve", "eve@example.com").get("/orgs").body, `id="suggestions"`)

		// An over-long message is refused and makes no request.
		res = bob.post("/join-requests", url.Values{"org": {org.ID.String()}, "message": {strings.Repeat("x", 1001)}})
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		// Asking to join an organization whose domain does not suggest it: refused.
		res = bob.post("/join-requests", url.Values{"org": {mustOrg(t, e, other).ID.String()}})
		require.Equal(t, http.StatusForbidden, res.status, res.body)
		require.Contains(t, errorMessage(t, res.body), "does not offer you to ask to join")

		res = bob.post("/join-requests", url.Values{"org": {org.ID.String()}, "message": {"I build <rockets>"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "/orgs", res.location)
		page := bob.get("/orgs").body
		require.Equal(t, "You asked to join Acme. An admin will approve or deny your request.", flashOf(t, page))
		item = suggestion(t, page, org)
		require.Contains(t, item, "you asked to join on")
		require.NotContains(t, item, "Ask to join")
		bobReq := requestIDIn(t, item, "withdraw")
		// A second request is refused.
		res = bob.post("/join-requests", url.Values{"org": {org.ID.String()}})
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "asked to join this organization already")

		// The queue, escaped: the message is the requester's text.
		queue := alice.get(orgPath(slug, "requests"))
		require.Equal(t, http.StatusOK, queue.status)
		require.Contains(t, queue.body, `<tr data-user="bob">`)
		require.Contains(t, queue.body, "bob@acme.test")
		require.Contains(t, queue.body, "I build &lt;rockets&gt;")
		require.NotContains(t, queue.body, "<rockets>")
		require.Equal(t, bobReq, requestIDIn(t, queue.body, "approve"))

		// Refusals change nothing: a member without members:add (403), another
		// organization's path (404), a malformed ID (404).
		before := domainState(t, e, org)
		require.Equal(t, http.StatusForbidden, mia.get(orgPath(slug, "requests")).status)
		require.NotContains(t, mia.get(orgPath(slug)).body, `id="requests-link"`)
		for _, action := range []string{"approve", "deny"} {
			res := mia.post(orgPath(slug, "requests", bobReq, action), nil)
			require.Equal(t, http.StatusForbidden, res.status, action)
			require.NotEmpty(t, errorMessage(t, res.body))
			res = alice.post(orgPath(other, "requests", bobReq, action), nil)
			require.Equal(t, http.StatusNotFound, res.status, action)
			require.Contains(t, errorMessage(t, res.body), "no such join request")
			require.Equal(t, http.StatusNotFound, alice.post(orgPath(slug, "requests", "not-an-id", action), nil).status)
		}
		require.Equal(t, before, domainState(t, e, org))
		require.Contains(t, before, "request:bob;")

		// The owner approves: bob is a member, and Acme is no longer suggested.
		res = alice.post(orgPath(slug, "requests", bobReq, "approve"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, orgPath(slug, "requests"), res.location)
		page = alice.get(res.location).body
		require.Equal(t, "bob is now a member of Acme.", flashOf(t, page))
		require.Contains(t, page, "No pending join requests.")
		acc, err := e.app.svc.Access(ctx, org.ID, "bob")
		require.NoError(t, err)
		require.True(t, acc.IsMember)
		require.Equal(t, organizations.RoleMember, acc.Membership.Role)
		require.Contains(t, memberRowOf(t, bob.get(orgPath(slug)).body, "bob"), "member")
		require.NotContains(t, bob.get("/orgs").body, `id="suggestions"`)
		res = bob.get("/")
		require.Equal(t, orgPath(slug), res.location) // his only organization again
		// Deciding it again: it is closed.
		res = alice.post(orgPath(slug, "requests", bobReq, "deny"), nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "no longer pending")

		// carol, who has an organization of her own, asks and withdraws; dave cannot
		// withdraw hers. Home sends her to her list only while the suggestion waits for
		// an answer.
		carol := e.signIn("carol", "carol@acme.test")
		create(t, carol, "Carol's")
		dave := e.signIn("dave", "dave@acme.test")
		require.Equal(t, "/orgs", carol.get("/").location)
		require.Equal(t, http.StatusSeeOther, carol.post("/join-requests", url.Values{"org": {org.ID.String()}}).status)
		require.Equal(t, orgPath("carols"), carol.get("/").location)
		carolReq := requestIDIn(t, suggestion(t, carol.get("/orgs").body, org), "withdraw")
		before = domainState(t, e, org)
		res = dave.post("/join-requests/"+carolReq+"/withdraw", nil)
		require.Equal(t, http.StatusNotFound, res.status)
		require.Equal(t, before, domainState(t, e, org))
		res = carol.post("/join-requests/"+carolReq+"/withdraw", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = carol.get("/orgs").body
		require.Equal(t, "You withdrew your request to join Acme.", flashOf(t, page))
		require.Contains(t, suggestion(t, page, org), "Ask to join")
		require.Equal(t, "/orgs", carol.get("/").location)
		require.NotContains(t, domainState(t, e, org), "request:carol")
		require.Equal(t, http.StatusConflict, carol.post("/join-requests/"+carolReq+"/withdraw", nil).status)

		// carol asks again; the owner denies.
		require.Equal(t, http.StatusSeeOther, carol.post("/join-requests", url.Values{"org": {org.ID.String()}}).status)
		carolReq = requestIDIn(t, alice.get(orgPath(slug, "requests")).body, "deny")
		res = alice.post(orgPath(slug, "requests", carolReq, "deny"), nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, "Denied the request of carol to join Acme.", flashOf(t, alice.get(res.location).body))
		ok, err := e.app.svc.IsMember(ctx, org.ID, "carol")
		require.NoError(t, err)
		require.False(t, ok)
		req, err := e.app.svc.JoinRequest(ctx, uuidOf(t, carolReq))
		require.NoError(t, err)
		require.Equal(t, organizations.JoinRequestStatusDenied, req.Status)
		require.Equal(t, organizations.UserID("alice"), req.DecidedBy)
	})
}

// TestJoinByAutomaticInvitation: with acme.test verified in automatic invitation, home
// sends bob, a member of another organization, to his list, which shows the invitation
// the domain made among his pending invitations, with its link; each load renews the
// token, so an older link no longer works; accepting makes him a member. At the member
// limit, dan is told there is no free seat.
func TestJoinByAutomaticInvitation(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		alice := e.signIn("alice", "alice@acme.test")
		slug := create(t, alice, "Acme")
		org := mustOrg(t, e, slug)
		addVerifiedDomain(t, e, alice, slug, "acme.test", organizations.EnrollmentAutomaticInvitation)

		// bob belongs to his own organization: home would open it, but sends him to his
		// list while Acme's invitation waits.
		bob := e.signIn("bob", "bob@acme.test")
		create(t, bob, "Bob's")
		res := bob.get("/")
		require.Equal(t, http.StatusSeeOther, res.status)
		require.Equal(t, "/orgs", res.location)
		// The list shows it among the pending invitations, with its link; each load
		// renews the token, so only the latest link works.
		linkIn := func(page string) string {
			t.Helper()
			waiting := between(t, page, "<h2>Invitations waiting for you</h2>", "</ul>")
			require.Contains(t, waiting, "<strong>Acme</strong> invited you as")
			m := regexp.MustCompile(`class="button small domain-invitation" href="(/invitations/[A-Za-z0-9_-]{43})"`).FindStringSubmatch(waiting)
			require.NotNil(t, m, waiting)
			return m[1]
		}
		page := bob.get("/orgs").body
		require.NotContains(t, page, `id="suggestions"`)
		stale := linkIn(page)
		link := linkIn(bob.get("/orgs").body)
		require.NotEqual(t, stale, link)
		pending, err := e.app.svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
		require.NoError(t, err)
		require.Len(t, pending.Items, 1)
		require.Equal(t, "bob@acme.test", pending.Items[0].Email)
		require.Equal(t, http.StatusNotFound, bob.post(stale+"/accept", nil).status)

		res = bob.post(link+"/accept", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, orgPath(slug), res.location)
		ok, err := e.app.svc.IsMember(ctx, org.ID, "bob")
		require.NoError(t, err)
		require.True(t, ok)
		page = bob.get("/orgs").body
		require.NotContains(t, page, `id="suggestions"`)
		require.NotContains(t, page, "Invitations waiting for you")

		// At the member limit, the domain invites no one: the list says so, and home
		// does not insist.
		setLimit(t, alice, slug, "2")
		dan := e.signIn("dan", "dan@acme.test")
		create(t, dan, "Dan's")
		page = dan.get("/orgs").body
		require.Contains(t, suggestion(t, page, org), "no free seat")
		require.NotContains(t, page, "Invitations waiting for you")
		require.Equal(t, orgPath("dans"), dan.get("/").location)
	})
}

// uuidOf parses an ID shown in a page.
func uuidOf(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}
