package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// The sentinels a call may legitimately refuse with while other goroutines change the
// same organizations; anything else is a failure of the store.
var soakRefusals = []error{
	organizations.ErrSlugTaken, organizations.ErrOrganizationNotFound, organizations.ErrAlreadyMember,
	organizations.ErrNotMember, organizations.ErrOwnershipRequired, organizations.ErrPermissionDenied,
	organizations.ErrAlreadyInvited, organizations.ErrInvitationNotFound, organizations.ErrInvitationExpired,
	organizations.ErrInvitationClosed, organizations.ErrInvitationEmailMismatch,
}

// soak is the shared state of the goroutines: the organizations and invitation tokens
// made so far.
type soak struct {
	svc    *organizations.Service
	mu     sync.Mutex
	orgs   []uuid.UUID
	tokens []string
	invs   []uuid.UUID
}

func (s *soak) pickOrg(r *rand.Rand) uuid.UUID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orgs[r.IntN(len(s.orgs))]
}

func (s *soak) pickToken(r *rand.Rand) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tokens) == 0 {
		return "", false
	}
	return s.tokens[r.IntN(len(s.tokens))], true
}

func (s *soak) pickInvitation(r *rand.Rand) (uuid.UUID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.invs) == 0 {
		return uuid.Nil, false
	}
	return s.invs[r.IntN(len(s.invs))], true
}

// soakOrgs is how many live organizations the soak keeps at most.
const soakOrgs = 8

var soakUsers = []organizations.UserID{"u0", "u1", "u2", "u3", "u4", "u5"}

func soakUser(r *rand.Rand) organizations.UserID { return soakUsers[r.IntN(len(soakUsers))] }

// step makes one random call and returns its error.
func (s *soak) step(ctx context.Context, r *rand.Rand) error {
	org, user := s.pickOrg(r), soakUser(r)
	role := []organizations.Role{organizations.RoleMember, organizations.RoleAdmin}[r.IntN(2)]
	switch r.IntN(16) {
	case 0:
		s.mu.Lock()
		few := len(s.orgs) < soakOrgs
		s.mu.Unlock()
		if !few { // keep the organizations few, so that the calls race on each
			_, err := s.svc.Organization(ctx, org)
			return err
		}
		o, err := s.svc.CreateOrganization(ctx, user, []string{"Acme", "Beta"}[r.IntN(2)], nil)
		if err == nil {
			s.mu.Lock()
			s.orgs = append(s.orgs, o.ID)
			s.mu.Unlock()
		}
		return err
	case 1:
		if r.IntN(4) == 0 { // deletions are rarer, so that organizations live long enough to race on
			err := s.svc.DeleteOrganization(ctx, org)
			if err == nil {
				s.mu.Lock()
				s.orgs = slices.DeleteFunc(s.orgs, func(id uuid.UUID) bool { return id == org })
				s.mu.Unlock()
			}
			return err
		}
		slug := []string{"acme", "beta", "gamma"}[r.IntN(3)]
		_, err := s.svc.UpdateOrganization(ctx, org, organizations.OrganizationUpdate{Slug: &slug})
		return err
	case 2, 3:
		_, err := s.svc.AddUser(ctx, org, user, role)
		return err
	case 4:
		_, _, err := s.svc.GetOrAddUser(ctx, org, user, role)
		return err
	case 5, 6:
		return s.svc.RemoveUser(ctx, org, user)
	case 7:
		_, err := s.svc.SetRole(ctx, org, user, role)
		return err
	case 8, 9:
		return s.svc.ChangeOwner(ctx, org, user)
	case 10:
		_, err := s.svc.Members(ctx, org, organizations.ListOptions{Limit: 3})
		return err
	case 11:
		_, err := s.svc.OrganizationsForUser(ctx, user, organizations.ListOptions{Limit: 3})
		return err
	case 12:
		_, err := s.svc.Invite(ctx, soakUser(r), org, string(user)+"@example.com", &organizations.InviteOptions{Role: role})
		return err
	case 13:
		token, ok := s.pickToken(r)
		if !ok {
			return nil
		}
		_, err := s.svc.AcceptInvitation(ctx, token, user, string(user)+"@example.com")
		return err
	case 14:
		id, ok := s.pickInvitation(r)
		if !ok {
			return nil
		}
		if r.IntN(2) == 0 {
			return s.svc.RevokeInvitation(ctx, user, id)
		}
		_, err := s.svc.ResendInvitation(ctx, user, id)
		return err
	default:
		_, err := s.svc.Owner(ctx, org)
		return err
	}
}

// Many goroutines mix every operation on a few organizations and users for a few
// seconds; then SQL over every organization finds the invariants intact.
func TestPostgresStoreConcurrencySoak(t *testing.T) {
	pgtest.Heavy(t)
	t.Parallel()
	const goroutines, maxSteps, duration = 8, 20000, 3 * time.Second
	schema, pool := pgtest.SchemaWith(t, func(c *pgxpool.Config) { c.MaxConns = goroutines })
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	s := &soak{}
	s.svc = organizations.New(store, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.tokens = append(s.tokens, m.Token)
			s.invs = append(s.invs, m.Invitation.ID)
			return nil
		}),
	})
	for i := range 4 {
		o, err := s.svc.CreateOrganization(ctx, soakUsers[i], fmt.Sprintf("Seed %d", i), nil)
		require.NoError(t, err)
		s.orgs = append(s.orgs, o.ID)
	}

	var wg sync.WaitGroup
	stop := time.Now().Add(duration)
	unexpected := make([]error, goroutines)
	steps := make([]int, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			for steps[g] = 0; steps[g] < maxSteps && time.Now().Before(stop); steps[g]++ {
				if err := s.step(ctx, r); err != nil && !isRefusal(err) {
					unexpected[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for g := range goroutines {
		require.NoError(t, unexpected[g], "goroutine %d", g)
		total += steps[g]
	}
	t.Logf("%d calls by %d goroutines", total, goroutines)
	requireSchemaInvariants(t, pool, schema)
}

func isRefusal(err error) bool {
	for _, target := range soakRefusals {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// requireSchemaInvariants checks the invariants over every row of schema with SQL.
func requireSchemaInvariants(t *testing.T, pool *pgxpool.Pool, schema string) {
	t.Helper()
	s := pgx.Identifier{schema}.Sanitize()
	checks := map[string]string{
		"organizations without an admin owner membership": `SELECT count(*) FROM ` + s + `.organizations o
			LEFT JOIN ` + s + `.memberships m ON m.organization_id = o.id AND m.user_id = o.owner_id
			WHERE m.id IS NULL OR m.role <> 'admin'`,
		"users who are members twice": `SELECT count(*) FROM (SELECT 1 FROM ` + s + `.memberships
			GROUP BY organization_id, user_id HAVING count(*) > 1) d`,
		"slugs used twice": `SELECT count(*) FROM (SELECT 1 FROM ` + s + `.organizations
			GROUP BY slug HAVING count(*) > 1) d`,
		"memberships without an organization": `SELECT count(*) FROM ` + s + `.memberships m
			WHERE NOT EXISTS (SELECT 1 FROM ` + s + `.organizations o WHERE o.id = m.organization_id)`,
		"invitations without an organization": `SELECT count(*) FROM ` + s + `.invitations i
			WHERE NOT EXISTS (SELECT 1 FROM ` + s + `.organizations o WHERE o.id = i.organization_id)`,
		"emails with two pending invitations": `SELECT count(*) FROM (SELECT 1 FROM ` + s + `.invitations
			WHERE status = 'pending' GROUP BY organization_id, email HAVING count(*) > 1) d`,
		"accepted invitations without who and when": `SELECT count(*) FROM ` + s + `.invitations
			WHERE status = 'accepted' AND (accepted_by IS NULL OR responded_at IS NULL)`,
	}
	for what, sql := range checks {
		var n int
		require.NoError(t, pool.QueryRow(t.Context(), sql).Scan(&n), what)
		require.Zero(t, n, what)
	}
	var orgs, members int
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM `+s+`.organizations),
		(SELECT count(*) FROM `+s+`.memberships)`).Scan(&orgs, &members))
	require.Positive(t, orgs, "the soak deleted every organization: nothing was checked")
	t.Logf("%d organizations, %d memberships checked", orgs, members)
}
