package orghttp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/orghttp"
)

// teamCountingStore counts the TeamAccess calls besides what countingStore counts.
type teamCountingStore struct {
	*countingStore
	teamCalls atomic.Int64
}

func (s *teamCountingStore) TeamAccess(ctx context.Context, p organizations.TeamAccessParams) (organizations.TeamAccess, error) {
	s.teamCalls.Add(1)
	return s.MemoryStore.TeamAccess(ctx, p)
}

// teamFixture is the fixture under a policy with a team role: member holds docs:read,
// admin the library's permissions besides, and the team role writer docs:write. Acme has
// the team docs, of which "solo" is a writer and "member" a plain member; globex has a
// team of its own.
type teamFixture struct {
	*fixture
	store      *teamCountingStore
	svc        *organizations.Service
	docs, gtm  organizations.Team
	middleware *orghttp.Middleware
}

func newTeamFixture(t *testing.T) *teamFixture {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	tf := &teamFixture{fixture: f, store: &teamCountingStore{countingStore: f.store}}
	tf.svc = organizations.New(tf.store, &organizations.Options{Policy: organizations.MustPolicy(
		organizations.RoleDefinition{Name: organizations.RoleMember, Permissions: []organizations.Permission{"docs:read"}},
		organizations.RoleDefinition{Name: organizations.RoleAdmin, Includes: []organizations.Role{organizations.RoleMember},
			Permissions: organizations.LibraryPermissions()},
		organizations.RoleDefinition{Name: "writer", Scope: organizations.ScopeTeam, Permissions: []organizations.Permission{"docs:write"}},
	)})
	var err error
	tf.docs, err = tf.svc.CreateTeam(ctx, f.acme.ID, "Docs", nil)
	require.NoError(t, err)
	_, err = tf.svc.AddTeamMember(ctx, f.acme.ID, tf.docs.ID, "solo", "writer")
	require.NoError(t, err)
	_, err = tf.svc.AddTeamMember(ctx, f.acme.ID, tf.docs.ID, "member", "")
	require.NoError(t, err)
	tf.gtm, err = tf.svc.CreateTeam(ctx, f.globex.ID, "Docs", nil)
	require.NoError(t, err)
	tf.middleware = f.middleware(t, func(c *orghttp.Config) {
		c.Service = tf.svc
		c.TeamResolvers = []orghttp.Resolver{orghttp.FromPathValue("team")}
	})
	f.resetCounts()
	tf.store.teamCalls.Store(0)
	return tf
}

// teamSeen is what teamProbe reports of the request's team.
type teamSeen struct {
	Team     string `json:"team"`
	Role     string `json:"role"`
	InTeam   bool   `json:"in_team"`
	CanWrite bool   `json:"can_write"`
}

var teamProbe = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	var s teamSeen
	if a, ok := orghttp.Team(r.Context()); ok {
		s.Team, s.Role, s.InTeam, s.CanWrite = a.Team.Slug, string(a.TeamMember.Role), a.IsTeamMember, a.Can("docs:write")
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
})

func teamMux(m *orghttp.Middleware) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /orgs/{org}/teams/{team}/write", m.RequireTeamPermission("docs:write")(teamProbe))
	mux.Handle("GET /orgs/{org}/teams/{team}/read", m.RequireTeamPermission("docs:read")(teamProbe))
	mux.Handle("GET /orgs/{org}/teams/{team}/", m.Resolve(teamProbe))
	mux.Handle("GET /orgs/{org}/write", m.RequireTeamPermission("docs:write")(teamProbe))
	mux.Handle("GET /orgs/{org}/teams/{team}/ghost", m.RequireTeamPermission("ghost:x")(teamProbe))
	return mux
}

func TestRequireTeamPermissionMatrix(t *testing.T) {
	t.Parallel()
	tf := newTeamFixture(t)
	mux := teamMux(tf.middleware)
	const ok, unauth, notFound, forbidden = http.StatusOK, http.StatusUnauthorized, http.StatusNotFound, http.StatusForbidden
	docs := tf.docs.ID.String()
	cases := []struct {
		name, user  string
		super       bool
		write, read int
	}{
		{"anonymous", "", false, unauth, unauth},
		{"outsider", "outsider", false, notFound, notFound},
		{"member of another organization", "other", false, notFound, notFound},
		{"member, not a writer", "member", false, forbidden, ok},
		{"writer", "solo", false, ok, ok},
		{"admin outside the team", "admin", false, forbidden, ok},
		{"owner", "owner", false, ok, ok},
		{"superuser outsider", "outsider", true, ok, ok},
	}
	for _, c := range cases {
		for page, status := range map[string]int{"write": c.write, "read": c.read} {
			t.Run(c.name+"/"+page, func(t *testing.T) {
				r := request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+docs+"/"+page, c.user)
				if c.super {
					r.Header.Set("X-Super", "yes")
				}
				w := serve(mux, r)
				require.Equal(t, status, w.Code, w.Body.String())
				if status != ok {
					decodeProblem(t, w)
				}
			})
		}
	}

	// The writer's request sees the team, their role and the permission, from the
	// request's two store calls: the organization's and the team's.
	tf.resetCounts()
	tf.store.teamCalls.Store(0)
	w := serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+docs+"/write", "solo"))
	var s teamSeen
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &s))
	require.Equal(t, teamSeen{Team: "docs", Role: "writer", InTeam: true, CanWrite: true}, s)
	require.Equal(t, int64(1), tf.store.memberCalls.Load(), "one Access")
	require.Equal(t, int64(1), tf.store.teamCalls.Load(), "one TeamAccess")

	// Unknown teams are 404 for everyone, the owner and a superuser included; so is a
	// route that names no team.
	for _, ref := range []string{uuid.NewString(), tf.gtm.ID.String(), "docs", uuid.Nil.String()} {
		for _, user := range []string{"owner", "solo"} {
			w := serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+ref+"/write", user))
			require.Equal(t, notFound, w.Code, "%s as %s", ref, user)
			require.Equal(t, "Team not found.", decodeProblem(t, w).Detail)
		}
		r := request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+ref+"/write", "outsider")
		r.Header.Set("X-Super", "yes")
		require.Equal(t, notFound, serve(mux, r).Code)
	}
	w = serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/write", "owner"))
	require.Equal(t, notFound, w.Code)
	require.Equal(t, "No current team.", decodeProblem(t, w).Detail)
	require.Equal(t, http.StatusInternalServerError, serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+docs+"/ghost", "owner")).Code,
		"a permission the Policy does not know refuses everyone")

	// Resolve shows the team to whoever asks; a route without a team costs no team read.
	s = teamSeen{}
	require.NoError(t, json.Unmarshal(serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+docs+"/", "admin")).Body.Bytes(), &s))
	require.Equal(t, teamSeen{Team: "docs"}, s)
	tf.store.teamCalls.Store(0)
	serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/write", "owner"))
	require.Zero(t, tf.store.teamCalls.Load())

	// The team is read on every request: a demotion shows at once.
	_, err := tf.svc.SetTeamRole(context.Background(), tf.acme.ID, tf.docs.ID, "solo", "")
	require.NoError(t, err)
	require.Equal(t, forbidden, serve(mux, request("GET", "/orgs/"+tf.acme.Slug+"/teams/"+docs+"/write", "solo")).Code)
}

func TestTeamResolversConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, res := range [][]orghttp.Resolver{{nil}, {orghttp.FromSession()}, {orghttp.FromPathValue("")}, {orghttp.FromHeader("")}} {
		cfg := f.config()
		cfg.TeamResolvers = res
		_, err := orghttp.New(cfg)
		require.ErrorIs(t, err, orghttp.ErrInvalidConfig, "%v", res)
	}
	// A team wildcard read by a team resolver is no unread organization wildcard.
	m := f.middleware(t, func(c *orghttp.Config) {
		c.TeamResolvers = []orghttp.Resolver{orghttp.FromPathValue("team")}
	})
	mux := http.NewServeMux()
	mux.Handle("GET /teams/{team}/", m.RequireMember(probe))
	w := serve(mux, request("GET", "/teams/"+uuid.NewString()+"/", "owner", f.sessionCookie(t, f.acme.ID)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
}
