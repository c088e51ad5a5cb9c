package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// DeleteOrganization locks the organization row, then cascades into its memberships and
// invitations. A statement that locks one of those invitations first and the organization
// afterwards (the foreign key of a row it inserts takes FOR KEY SHARE on the organization
// at the end of the statement) can deadlock with it: the two wait for each other until
// PostgreSQL aborts one with SQLSTATE 40P01. So the store's statements that touch an
// invitation and insert a row referring to the organization lock the organization first.
// These tests race such a statement against the deletion of its organization, on many
// organizations at once, and require every pair to end cleanly in either order.

// raceDeletion is what one round of a deletion race does: prepare makes an organization
// and readies op, the call raced against DeleteOrganization of that organization. op
// either wins (nil: its change is then deleted along with the organization) or loses with
// lost.
type raceDeletion struct {
	prepare func(ctx context.Context, svc *organizations.Service, w, r int) (org uuid.UUID, op func() error, err error)
	lost    error
}

// run races op against the deletion rounds times on each of workers goroutines, and
// checks that no pair deadlocked, that every loss is the expected error, and that the
// schema is left with its invariants and without anything of the deleted organizations.
// The fast tier runs 10 rounds a worker, the heavy tier 40.
func (rd raceDeletion) run(t *testing.T, opts *organizations.Options) {
	const workers = 8
	rounds := pgtest.ByTier(10, 40)
	pool := pgtest.Pool(t, func(c *pgxpool.Config) { c.MaxConns = 2*workers + 2 })
	schema := migratedSchemas.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	svc := organizations.New(store, opts)
	// One organization outside the race, so that the invariants are checked over a
	// non-empty schema.
	_, err = svc.CreateOrganization(ctx, "keeper", "Keeper", nil)
	require.NoError(t, err)

	type outcome struct{ op, delete error }
	results := make([][]outcome, workers)
	setup := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				org, op, err := rd.prepare(ctx, svc, w, r)
				if err != nil {
					setup[w] = err
					return
				}
				var o outcome
				start := make(chan struct{})
				var pair sync.WaitGroup
				pair.Go(func() {
					<-start
					o.op = op()
				})
				pair.Go(func() {
					<-start
					o.delete = svc.DeleteOrganization(ctx, org)
				})
				close(start)
				pair.Wait()
				results[w] = append(results[w], o)
			}
		})
	}
	wg.Wait()

	var deadlocks, won, lost int
	for w := range workers {
		require.NoError(t, setup[w], "worker %d", w)
		require.Len(t, results[w], rounds, "worker %d", w)
		for _, o := range results[w] {
			if isDeadlock(o.op) || isDeadlock(o.delete) {
				deadlocks++
			}
		}
	}
	require.Zero(t, deadlocks, "pairs of %d that ended in a deadlock or serialization failure", workers*rounds)
	for w := range workers {
		for r, o := range results[w] {
			require.NoError(t, o.delete, "delete, worker %d round %d", w, r)
			if o.op == nil {
				won++
			} else {
				require.ErrorIs(t, o.op, rd.lost, "worker %d round %d", w, r)
				lost++
			}
		}
	}
	t.Logf("the call came first %d times, the deletion %d times", won, lost)

	s := pgx.Identifier{schema}.Sanitize()
	var orgs, members, invitations int
	require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM `+s+`.organizations),
		(SELECT count(*) FROM `+s+`.memberships), (SELECT count(*) FROM `+s+`.invitations)`).
		Scan(&orgs, &members, &invitations))
	require.Equal(t, []int{1, 1, 0}, []int{orgs, members, invitations},
		"organizations, memberships and invitations left: only the keeper and its owner")
	requireSchemaInvariants(t, pool, schema)
}

// isDeadlock reports whether err is a deadlock or a serialization failure, which the
// store's statements must not produce under READ COMMITTED.
func isDeadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// raceOrg makes worker w's organization of round r. Organizations are named
// per worker, so that the workers do not also race for one slug.
func raceOrg(ctx context.Context, svc *organizations.Service, w, r int) (organizations.Organization, organizations.UserID, error) {
	owner := organizations.UserID(fmt.Sprintf("owner-%d-%d", w, r))
	org, err := svc.CreateOrganization(ctx, owner, fmt.Sprintf("Race %d", w), nil)
	return org, owner, err
}

// Accept locks the invitation, then inserts the membership; Delete locks the
// organization, then deletes the invitation.
func TestPostgresAcceptRacingDeleteDoesNotDeadlock(t *testing.T) {
	t.Parallel()
	var tokens sync.Map // invitation ID -> token
	rd := raceDeletion{
		lost: organizations.ErrInvitationNotFound,
		prepare: func(ctx context.Context, svc *organizations.Service, w, r int) (uuid.UUID, func() error, error) {
			org, owner, err := raceOrg(ctx, svc, w, r)
			if err != nil {
				return uuid.Nil, nil, err
			}
			inv, err := svc.Invite(ctx, owner, org.ID, "guest@example.com", nil)
			if err != nil {
				return uuid.Nil, nil, err
			}
			token, _ := tokens.Load(inv.ID)
			return org.ID, func() error {
				_, err := svc.AcceptInvitation(ctx, token.(string), "guest", "guest@example.com")
				return err
			}, nil
		},
	}
	rd.run(t, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			tokens.Store(m.Invitation.ID, m.Token)
			return nil
		}),
	})
}

// An invitation of an email whose pending invitation has expired first marks the old one
// expired (locking it), then inserts the new one; Delete locks the organization, then
// deletes both.
func TestPostgresInviteReplacingExpiredRacingDeleteDoesNotDeadlock(t *testing.T) {
	t.Parallel()
	var clock struct {
		sync.Mutex
		now time.Time
	}
	clock.now = time.Now()
	noop := organizations.InviterFunc(func(context.Context, organizations.InvitationMessage) error { return nil })
	rd := raceDeletion{
		lost: organizations.ErrOrganizationNotFound,
		prepare: func(ctx context.Context, svc *organizations.Service, w, r int) (uuid.UUID, func() error, error) {
			org, owner, err := raceOrg(ctx, svc, w, r)
			if err != nil {
				return uuid.Nil, nil, err
			}
			// An invitation that has expired by the clock's time, still pending in its row.
			expired := &organizations.InviteOptions{TTL: time.Microsecond}
			if _, err := svc.Invite(ctx, owner, org.ID, "guest@example.com", expired); err != nil {
				return uuid.Nil, nil, err
			}
			clock.Lock()
			clock.now = clock.now.Add(time.Millisecond)
			clock.Unlock()
			return org.ID, func() error {
				_, err := svc.Invite(ctx, owner, org.ID, "guest@example.com", nil)
				return err
			}, nil
		},
	}
	rd.run(t, &organizations.Options{
		Inviter: noop,
		Now: func() time.Time {
			clock.Lock()
			defer clock.Unlock()
			return clock.now
		},
	})
}
