package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
	"github.com/go-organizations/organizations/orghttp"
)

// The six kinds of requester of the access matrix: custom holds the organization's custom
// role "recruiter" (the member role, plus members:add and invitations:create).
const (
	owner = iota
	admin
	member
	custom
	outsider
	anonymous
)

var roleNames = [...]string{"owner", "admin", "member", "custom", "outsider", "anonymous"}

// users of the matrix fixture, by role; tess is a second plain member, the target of the
// member-management routes.
var fixtureUsers = [...]struct{ name, email string }{
	owner:    {"olivia", "olivia@example.com"},
	admin:    {"adam", "adam@example.com"},
	member:   {"mia", "mia@example.com"},
	custom:   {"cara", "cara@example.com"},
	outsider: {"oscar", "oscar@example.com"},
}

// fixture is the state every cell of the matrix starts from: Acme owned by olivia, with
// adam (admin), mia and tess (members), sue (a suspended member), cara (custom role
// "recruiter"), and an unused custom role "viewer" (the member role); olivia's open
// proposal to make adam the owner; oscar owns Other; a pending invitation of
// newbie@example.com ({inv}), and one of oscar's email ({token}), both sent by olivia.
type fixture struct {
	acme       organizations.Organization
	inv        string
	oscarToken string
	teams      teamFixture // teams_test.go
}

// expand fills in a matrix path's placeholders.
func (f fixture) expand(s string) string {
	return strings.NewReplacer(append([]string{"{org}", f.acme.Slug, "{inv}", f.inv, "{token}", f.oscarToken}, f.teams.pairs()...)...).Replace(s)
}

func seed(t *testing.T, e *env) fixture {
	t.Helper()
	ctx := t.Context()
	svc := e.app.svc
	for _, u := range fixtureUsers {
		_, err := e.app.users.signIn(u.name, u.email)
		require.NoError(t, err)
	}
	_, err := e.app.users.signIn("tess", "tess@example.com")
	require.NoError(t, err)
	// A slug of its own, so that cells can share one store.
	acme, err := svc.CreateOrganization(ctx, "olivia", "Acme", &organizations.CreateOptions{Slug: "acme-" + strings.ToLower(rand.Text()[:10])})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, acme.ID, "adam", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, acme.ID, "mia", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, acme.ID, "tess", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, acme.ID, organizations.RoleDefinition{
		Name: "recruiter", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd, organizations.PermInvitationsCreate},
	})
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, acme.ID, organizations.RoleDefinition{Name: "viewer", Includes: []organizations.Role{organizations.RoleMember}})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, acme.ID, "cara", "recruiter")
	require.NoError(t, err)
	_, err = e.app.users.signIn("sue", "sue@example.com")
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, acme.ID, "sue", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.SuspendUser(ctx, acme.ID, "sue")
	require.NoError(t, err)
	_, err = svc.As("olivia").ProposeOwnershipTransfer(ctx, acme.ID, "adam")
	require.NoError(t, err)
	other, err := svc.CreateOrganization(ctx, "oscar", "Other", nil)
	require.NoError(t, err)
	inv, err := svc.Invite(ctx, "olivia", acme.ID, "newbie@example.com", nil)
	require.NoError(t, err)
	_, err = svc.Invite(ctx, "olivia", acme.ID, "oscar@example.com", nil)
	require.NoError(t, err)
	links := e.app.mail.find(func(l sentLink) bool { return l.To == "oscar@example.com" })
	require.Len(t, links, 1)
	return fixture{acme: acme, inv: inv.ID.String(), oscarToken: strings.TrimPrefix(links[0].Path, "/invitations/"),
		teams: seedTeams(t, e, acme, other)}
}

// snapshot is what the matrix checks a refused request left alone: Acme, its owner, its
// members with their roles, its pending invitations and its custom roles.
func snapshot(t *testing.T, e *env, f fixture) string {
	t.Helper()
	ctx := context.Background()
	svc := e.app.svc
	org, err := svc.Organization(ctx, f.acme.ID)
	require.NoError(t, err)
	o, err := svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	members, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	pending, err := svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %v limit=%d owner=%s;", org.Name, org.Slug, org.IsActive, org.MaxMembers, o.OrganizationUser.UserID)
	for _, m := range members.Items {
		fmt.Fprintf(&b, " %s=%s/%s", m.UserID, m.Role, m.Status())
	}
	if tr, err := svc.OwnershipTransfer(ctx, org.ID); err == nil {
		fmt.Fprintf(&b, " transfer:%s->%s", tr.ProposedBy, tr.Nominee)
	}
	for _, inv := range pending.Items {
		fmt.Fprintf(&b, " invited:%s", inv.Email)
	}
	roles, err := svc.Roles(ctx, org.ID)
	require.NoError(t, err)
	for _, r := range roles {
		fmt.Fprintf(&b, " role:%s%v%v", r.Name, r.Includes, r.Permissions)
	}
	b.WriteString(teamsSnapshot(t, e, f))
	return b.String()
}

// matrixRoute is one route of the access matrix: the request and the status each kind of
// requester gets, in the order owner, admin, member, custom, outsider, anonymous.
type matrixRoute struct {
	method, path string
	form         url.Values
	want         [6]int
}

const (
	ok      = http.StatusOK
	see     = http.StatusSeeOther
	unauth  = http.StatusUnauthorized
	forbid  = http.StatusForbidden
	missing = http.StatusNotFound
	clash   = http.StatusConflict
	bad     = http.StatusBadRequest
	invalid = http.StatusUnprocessableEntity
)

// accessMatrix is every route of the app. {inv} and {token} are the fixture's pending
// invitation ID and the token of the invitation sent to oscar's email.
var accessMatrix = []matrixRoute{
	// owner, admin, member, custom, outsider, anonymous
	{"GET", "/", nil, [6]int{see, see, see, see, see, ok}},
	{"GET", "/static/style.css", nil, [6]int{ok, ok, ok, ok, ok, ok}},
	{"GET", "/signin", nil, [6]int{ok, ok, ok, ok, ok, ok}},
	{"POST", "/signout", nil, [6]int{see, see, see, see, see, see}},
	{"GET", "/signup", nil, [6]int{ok, ok, ok, ok, ok, ok}},
	{"GET", "/activate/" + strings.Repeat("A", 43), nil, [6]int{ok, ok, ok, ok, ok, ok}},
	{"POST", "/activate/" + strings.Repeat("A", 43), nil, [6]int{missing, missing, missing, missing, missing, missing}},
	{"GET", "/orgs", nil, [6]int{ok, ok, ok, ok, ok, unauth}},
	{"POST", "/orgs", url.Values{"name": {"Newco"}}, [6]int{see, see, see, see, see, unauth}},
	{"POST", "/switch", url.Values{"org": {"{org}"}}, [6]int{see, see, see, see, missing, unauth}},
	{"GET", "/orgs/{org}/", nil, [6]int{ok, ok, ok, ok, missing, unauth}},
	{"GET", "/orgs/nosuchorg/", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"GET", "/orgs/{org}/edit", nil, [6]int{ok, ok, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/edit", url.Values{"name": {"Acme Inc"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/invitations", nil, [6]int{ok, ok, forbid, ok, missing, unauth}},
	{"POST", "/orgs/{org}/invitations", url.Values{"email": {"new@example.com"}}, [6]int{see, see, forbid, see, missing, unauth}},
	{"POST", "/orgs/{org}/invitations/{inv}/resend", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/invitations/{inv}/revoke", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/tess/role", url.Values{"role": {"admin"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/tess/remove", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/olivia/role", url.Values{"role": {"member"}}, [6]int{clash, clash, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/olivia/remove", nil, [6]int{clash, clash, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/leave", nil, [6]int{clash, see, see, see, missing, unauth}},
	{"POST", "/orgs/{org}/invitations", url.Values{"email": {"new@example.com"}, "role": {"admin"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/tess/role", url.Values{"role": {"recruiter"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/roles", nil, [6]int{ok, ok, ok, ok, missing, unauth}},
	{"POST", "/orgs/{org}/roles", url.Values{"name": {"auditor"}, "includes": {"member"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/roles/viewer", url.Values{"includes": {"member"}, "permissions": {"members:add"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/roles/nosuchrole", url.Values{"includes": {"member"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/roles/viewer/delete", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/roles/recruiter/delete", nil, [6]int{clash, clash, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/audit", nil, [6]int{ok, ok, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/audit?type=nope&actor=adam", nil, [6]int{bad, bad, forbid, forbid, missing, unauth}},
	// Teams (teams_test.go's teamFixture): in Acme's Docs ({team}) cara (custom) is a
	// maintainer (docs:write there) and mia (member) a plain member; adam (admin) holds
	// teams:manage and no team role. {oteam} is Other's team: under Acme, not found.
	{"GET", "/orgs/{org}/teams", nil, [6]int{ok, ok, ok, ok, missing, unauth}},
	{"POST", "/orgs/{org}/teams", url.Values{"name": {"QA"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams", url.Values{"name": {""}}, [6]int{invalid, invalid, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/teams/{team}", nil, [6]int{ok, ok, ok, ok, missing, unauth}},
	{"GET", "/orgs/{org}/teams/{oteam}", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"GET", "/orgs/{org}/teams/not-a-team", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"GET", "/orgs/{other}/teams/{team}", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/edit", url.Values{"name": {"Documentation"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/edit", url.Values{"name": {"Hijacked"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/delete", nil, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{site}/delete", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/delete", nil, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{other}/teams/{team}/delete", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members", url.Values{"user": {"adam"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members", url.Values{"user": {"adam"}, "role": {"maintainer"}}, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members", url.Values{"user": {"tess"}}, [6]int{clash, clash, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members", url.Values{"user": {"oscar"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/members", url.Values{"user": {"adam"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/mia/role", url.Values{"role": {"maintainer"}}, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/cara/role", url.Values{"role": {""}}, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/tess/role", url.Values{"role": {"admin"}}, [6]int{invalid, invalid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/members/oscar/role", url.Values{"role": {"maintainer"}}, [6]int{missing, missing, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/tess/remove", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/cara/remove", nil, [6]int{see, forbid, forbid, see, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/members/mia/remove", nil, [6]int{see, see, see, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/members/oscar/remove", nil, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{team}/docs", url.Values{"note": {"Edited."}}, [6]int{see, forbid, forbid, see, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{site}/docs", url.Values{"note": {"Edited."}}, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/teams/{oteam}/docs", url.Values{"note": {"Edited."}}, [6]int{missing, missing, missing, missing, missing, unauth}},
	{"POST", "/orgs/{org}/edit", url.Values{"max_members": {"3"}}, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/?role=member&status=suspended", nil, [6]int{ok, ok, ok, ok, missing, unauth}},
	{"POST", "/orgs/{org}/members/tess/suspend", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/olivia/suspend", nil, [6]int{clash, clash, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/members/sue/reactivate", nil, [6]int{see, see, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/transfer?user=tess", nil, [6]int{ok, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/transfer", url.Values{"user": {"tess"}}, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/transfer/cancel", nil, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"GET", "/orgs/{org}/transfer/respond", nil, [6]int{forbid, ok, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/transfer/accept", nil, [6]int{forbid, see, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/transfer/decline", nil, [6]int{forbid, see, forbid, forbid, missing, unauth}},
	{"GET", "/account", nil, [6]int{ok, ok, ok, ok, ok, unauth}},
	{"GET", "/account/delete", nil, [6]int{ok, ok, ok, ok, ok, unauth}},
	// olivia and oscar own an organization and chose nothing for it: refused.
	{"POST", "/account/delete", nil, [6]int{clash, ok, ok, ok, clash, unauth}},
	{"GET", "/orgs/{org}/delete", nil, [6]int{ok, forbid, forbid, forbid, missing, unauth}},
	{"POST", "/orgs/{org}/delete", nil, [6]int{see, forbid, forbid, forbid, missing, unauth}},
	{"GET", "/invitations/{token}", nil, [6]int{ok, ok, ok, ok, ok, ok}},
	{"POST", "/invitations/{token}/accept", nil, [6]int{forbid, forbid, forbid, forbid, see, unauth}},
	{"POST", "/invitations/{token}/decline", nil, [6]int{forbid, forbid, forbid, forbid, see, unauth}},
	{"GET", "/no/such/page", nil, [6]int{missing, missing, missing, missing, missing, missing}},
	{"DELETE", "/orgs/{org}/", nil, [6]int{http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed}},
}

// TestAccessMatrix sends every route as owner, admin, member, custom role, outsider and
// anonymous, each from a fresh fixture on a fresh app, and checks the status, that the
// page is HTML, and that a refused request changed nothing. It runs on both stores: on PostgreSQL the cells
// share one migrated schema (a schema per cell would spend the test's time migrating),
// each with its own organization, except the account deletions, which get their own.
// The PostgreSQL matrix is of the heavy tier (pgtest.Heavy): the app decides access the
// same way on either store, the memory matrix runs in the fast tier, and every flow
// runs on PostgreSQL there; its hundreds of fixtures took more than half of the
// package's server time.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			open := k.open
			if k.name != "memory" {
				pgtest.Heavy(t)
				shared := k.open(t)
				open = func(*testing.T) organizations.Store { return shared }
			}
			for _, route := range accessMatrix {
				for role, want := range route.want {
					t.Run(fmt.Sprintf("%s %s as %s", route.method, route.path, roleNames[role]), func(t *testing.T) {
						t.Parallel()
						store := open
						if route.method == http.MethodPost && route.path == "/account/delete" {
							// Deleting an account removes the user from every
							// organization of the store, other cells' included.
							store = k.open
						}
						testMatrixCell(t, newEnv(t, store(t)), route, role, want)
					})
				}
			}
		})
	}
}

func testMatrixCell(t *testing.T, e *env, route matrixRoute, role, want int) {
	f := seed(t, e)
	c := e.client()
	if role != anonymous {
		c = e.signIn(fixtureUsers[role].name, fixtureUsers[role].email)
	}
	before := snapshot(t, e, f)
	path := f.expand(route.path)
	form := url.Values{}
	for k, vs := range route.form {
		for _, v := range vs {
			form.Add(k, f.expand(v))
		}
	}
	var res response
	switch route.method {
	case http.MethodGet:
		res = c.get(path)
	case http.MethodPost:
		res = c.post(path, form)
	default:
		req, err := http.NewRequest(route.method, e.srv.URL+path, nil)
		require.NoError(t, err)
		res = c.do(req)
	}
	require.Equal(t, want, res.status, "body:\n%s", res.body)
	switch {
	case want == see:
		require.NotEmpty(t, res.location)
	case strings.HasSuffix(path, ".css"):
		require.Contains(t, res.header.Get("Content-Type"), "text/css")
	default:
		requireHTML(t, res)
	}
	if want >= 400 {
		require.Equal(t, before, snapshot(t, e, f), "a refused request changed the state")
		if want != http.StatusNotFound || role != anonymous {
			require.NotEmpty(t, errorMessage(t, res.body))
		}
	}
	// The refusals say why, in words: the owner's protection above all, and a role in use.
	switch {
	case want == clash && strings.Contains(path, "/roles/"):
		require.Contains(t, errorMessage(t, res.body), "holds the role")
	case want == clash && strings.Contains(path, "/teams/"):
		require.Contains(t, errorMessage(t, res.body), "already in this team")
	case want == clash:
		require.Contains(t, strings.ToLower(errorMessage(t, res.body)), "transfer ownership")
	case want == forbid && role == custom && strings.HasSuffix(path, "/invitations") && route.form.Get("role") == "admin":
		require.Contains(t, errorMessage(t, res.body), "permissions you hold yourself")
	}
}

// TestAccessMatrixCoversEveryRoute fails when a route is added to the app without a row in
// the matrix.
func TestAccessMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	// Sign-in and sign-up posts are open to all and exercised by every other test.
	exempt := []string{"POST /signin", "POST /signup"}
	e := newEnv(t, nil)
	f := seed(t, e)
	covered := map[string]bool{}
	for _, route := range accessMatrix {
		req, err := http.NewRequest(route.method, e.srv.URL+f.expand(route.path), nil)
		require.NoError(t, err)
		_, pattern := e.app.mux.Handler(req)
		covered[pattern] = true
	}
	require.NotEmpty(t, e.app.patterns)
	for _, p := range e.app.patterns {
		if !slices.Contains(exempt, p) {
			require.True(t, covered[p], "route %s has no row in the access matrix", p)
		}
	}
}

func TestNewRejectsShortKey(t *testing.T) {
	t.Parallel()
	_, err := New(Config{Key: []byte("too short")})
	require.ErrorIs(t, err, orghttp.ErrInvalidConfig)
	app, err := New(Config{Key: []byte(strings.Repeat("k", orghttp.MinKeyLength))})
	require.NoError(t, err)
	require.NotNil(t, app)
}
