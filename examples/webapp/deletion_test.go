package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// raceStore is a store whose writes that a signed-in user's request makes for themself
// (accepting an invitation, creating an organization, accepting an ownership transfer)
// can be held by a hook, and that reports when an offboarding has committed: to put a
// request's write at a chosen point of an account deletion.
type raceStore struct {
	lifecycleStore
	beforeWrite atomic.Pointer[func(context.Context)]
	// offboarded, if set, is closed after the first RemoveUserEverywhere that succeeds.
	offboarded atomic.Pointer[chan struct{}]
}

func (s *raceStore) hold(ctx context.Context) {
	if h := s.beforeWrite.Load(); h != nil {
		(*h)(ctx)
	}
}

func (s *raceStore) AcceptInvitation(ctx context.Context, p organizations.AcceptInvitationParams) (organizations.AcceptResult, error) {
	s.hold(ctx)
	return s.lifecycleStore.AcceptInvitation(ctx, p)
}

func (s *raceStore) CreateOrganization(ctx context.Context, p organizations.CreateOrganizationParams) (organizations.Organization, error) {
	s.hold(ctx)
	return s.lifecycleStore.CreateOrganization(ctx, p)
}

func (s *raceStore) AcceptOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, organizations.OwnerChange, error) {
	s.hold(ctx)
	return s.lifecycleStore.AcceptOwnershipTransfer(ctx, p)
}

func (s *raceStore) RemoveUserEverywhere(ctx context.Context, p organizations.RemoveEverywhereParams) (organizations.OffboardResult, error) {
	res, err := s.lifecycleStore.RemoveUserEverywhere(ctx, p)
	if ch := s.offboarded.Load(); ch != nil && err == nil {
		s.offboarded.Store(nil)
		close(*ch)
	}
	return res, err
}

// eachRaceStore runs test on a fresh app over each store kind, wrapped in a raceStore.
func eachRaceStore(t *testing.T, test func(t *testing.T, e *env, rs *raceStore)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			rs := &raceStore{lifecycleStore: k.open(t).(lifecycleStore)}
			test(t, newEnv(t, rs), rs)
		})
	}
}

// inherited returns the names of the organizations the user name is a member of (owned
// ones, and inactive ones, included), joined with ", "; empty when it holds none.
func inherited(t *testing.T, e *env, name organizations.UserID) string {
	t.Helper()
	var held []string
	page, err := e.app.svc.OrganizationsForUser(t.Context(), name, organizations.ListOptions{Limit: organizations.MaxPageSize})
	require.NoError(t, err)
	for _, org := range page.Items {
		held = append(held, org.Name)
	}
	return strings.Join(held, ", ")
}

// requireDeletedAndInheritsNothing asserts that the account name was deleted and that
// its name holds nothing: no organization lists it, and a new user who takes the name
// (another email) sees no organization.
func requireDeletedAndInheritsNothing(t *testing.T, e *env, name organizations.UserID) {
	t.Helper()
	_, known := e.app.users.lookup(name)
	require.False(t, known, "%s is still a user", name)
	require.Empty(t, inherited(t, e, name), "the deleted %s is still in organizations", name)
	heir := e.signIn(string(name), "heir-"+string(name)+"@example.com")
	page := heir.get("/orgs")
	require.Equal(t, http.StatusOK, page.status)
	require.NotContains(t, page.body, `href="/orgs/`, "the new %s inherited an organization:\n%s", name, page.body)
	require.Empty(t, inherited(t, e, name), "the new %s inherited an organization", name)
}

// TestDeletedAccountNameInheritsNothing: a request of the user that is already in the
// store when their account deletion starts (held there) ends before the offboarding,
// which then undoes it or is refused; no request of theirs, and no sign-up with their
// name and email, starts once the deletion has; so the deleted name holds nothing, and a
// new user who takes it sees nothing. Each kind of request that gives the user something
// of their own: accepting an invitation (joining), creating an organization, accepting
// an ownership transfer.
func TestDeletedAccountNameInheritsNothing(t *testing.T) {
	t.Parallel()
	eachRaceStore(t, func(t *testing.T, e *env, rs *raceStore) {
		ctx := t.Context()
		olivia := e.signIn("olivia", "olivia@example.com")
		kinds := []struct {
			name string
			// setup prepares the request for user (signed in as c) in the organization
			// slug, and returns it.
			setup func(t *testing.T, c *client, user organizations.UserID, slug string) func() response
			// deleted: the deletion succeeds (else it is refused: the request gave the user
			// an organization of their own, which the deletion form did not cover).
			deleted bool
		}{
			{"accept invitation", func(t *testing.T, c *client, user organizations.UserID, slug string) func() response {
				link := invite(t, olivia, slug, string(user)+"@example.com", "admin")
				return func() response { return c.post(link+"/accept", nil) }
			}, true},
			{"create organization", func(t *testing.T, c *client, user organizations.UserID, slug string) func() response {
				return func() response { return c.post("/orgs", url.Values{"name": {"Late " + slug}}) }
			}, false},
			{"accept ownership transfer", func(t *testing.T, c *client, user organizations.UserID, slug string) func() response {
				org := mustOrg(t, e, slug)
				_, err := e.app.svc.AddUser(ctx, org.ID, user, organizations.RoleAdmin)
				require.NoError(t, err)
				_, err = e.app.svc.As("olivia").ProposeOwnershipTransfer(ctx, org.ID, user)
				require.NoError(t, err)
				return func() response { return c.post(orgPath(slug, "transfer", "accept"), nil) }
			}, false},
		}
		for i, kind := range kinds {
			user := organizations.UserID(fmt.Sprintf("alice%d", i))
			email := string(user) + "@example.com"
			alice := e.signIn(string(user), email)
			slug := create(t, olivia, fmt.Sprintf("Acme %d", i))
			request := kind.setup(t, alice, user, slug)

			// The request waits in the store until the deletion waits for it (the fix) or
			// has offboarded the user (before the fix: it did not wait).
			reached, waiting, offboarded := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var once sync.Once
			onWait := func() { once.Do(func() { close(waiting) }) }
			e.app.users.onWait.Store(&onWait)
			rs.offboarded.Store(&offboarded)
			var during, signUpDuring response
			stranger := e.client()
			hold := func(ctx context.Context) {
				rs.beforeWrite.Store(nil)
				close(reached)
				select {
				case <-waiting:
				case <-offboarded:
				case <-ctx.Done():
					return
				}
				// The deletion has started: the user's other requests are refused, and so is a
				// sign-up with their name and email.
				during = alice.get("/orgs")
				signUpDuring = stranger.post("/signup", url.Values{"name": {string(user)}, "email": {email}, "organization": {"Sneaky " + slug}})
			}
			rs.beforeWrite.Store(&hold)

			var wg sync.WaitGroup
			var res, deletion response
			wg.Go(func() { res = request() })
			<-reached
			wg.Go(func() { deletion = alice.post("/account/delete", nil) })
			wg.Wait()
			e.app.users.onWait.Store(nil)
			rs.offboarded.Store(nil)

			duringDeletion := func() {
				require.Equal(t, http.StatusUnauthorized, during.status, "%s: a request during the deletion", kind.name)
				require.Equal(t, http.StatusConflict, signUpDuring.status, "%s: a sign-up with the name during the deletion:\n%s", kind.name, signUpDuring.body)
				require.Contains(t, errorMessage(t, signUpDuring.body), "being deleted")
			}
			if deletion.status == http.StatusOK {
				requireDeletedAndInheritsNothing(t, e, user)
			}
			require.Equal(t, http.StatusSeeOther, res.status, "%s: the request the deletion waited for:\n%s", kind.name, res.body)
			duringDeletion()
			if kind.deleted {
				require.Equal(t, http.StatusOK, deletion.status, "%s:\n%s", kind.name, deletion.body)
				continue
			}
			// Refused: the request made the user an owner, of an organization the form did
			// not cover; the account is active again, and the page says why.
			require.Equal(t, http.StatusConflict, deletion.status, "%s:\n%s", kind.name, deletion.body)
			require.Contains(t, errorMessage(t, deletion.body), "choose, for each")
			u, known := e.app.users.lookup(user)
			require.True(t, known && u.Active, "%s: the refused deletion left %s disabled", kind.name, user)
			require.Equal(t, http.StatusOK, alice.get("/orgs").status)
			require.NotContains(t, inherited(t, e, user), "Sneaky")
		}
	})
}

// TestDeletedAccountNameInheritsNothingUnderConcurrency: the user's request (accepting an
// invitation or creating an organization) and their account deletion sent at once,
// round after round: whatever the order, either the deletion succeeds and the name holds
// nothing, or it is refused because the request made the user an owner first, and the
// account stays.
func TestDeletedAccountNameInheritsNothingUnderConcurrency(t *testing.T) {
	t.Parallel()
	const rounds = 40
	eachStore(t, func(t *testing.T, e *env) {
		olivia := e.signIn("olivia", "olivia@example.com")
		slug := create(t, olivia, "Acme")
		for round := range rounds {
			user := organizations.UserID(fmt.Sprintf("al%d", round))
			alice := e.signIn(string(user), string(user)+"@example.com")
			var request func() response
			if round%2 == 0 {
				link := invite(t, olivia, slug, string(user)+"@example.com", "member")
				request = func() response { return alice.post(link+"/accept", nil) }
			} else {
				request = func() response { return alice.post("/orgs", url.Values{"name": {"Own " + string(user)}}) }
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			var res, deletion response
			wg.Go(func() { <-start; res = request() })
			wg.Go(func() { <-start; deletion = alice.post("/account/delete", nil) })
			close(start)
			wg.Wait()

			require.Contains(t, []int{http.StatusSeeOther, http.StatusUnauthorized}, res.status, "round %d:\n%s", round, res.body)
			switch deletion.status {
			case http.StatusOK:
				requireDeletedAndInheritsNothing(t, e, user)
			case http.StatusConflict:
				// The organization was created first: the deletion was refused, the
				// account stays, with its organization.
				require.Equal(t, 1, round%2, "round %d: an accept cannot make the deletion conflict:\n%s", round, deletion.body)
				require.Equal(t, http.StatusSeeOther, res.status)
				require.Equal(t, "Own "+string(user), inherited(t, e, user), "round %d", round)
				require.Equal(t, http.StatusOK, alice.get("/orgs").status)
			default:
				require.Failf(t, "unexpected deletion status", "round %d: %d\n%s", round, deletion.status, deletion.body)
			}
		}
	})
}

// TestAccountDeletionShutsTheAccountAndWaitsForItsRequests, on the directory itself: a
// deletion admits no new request of the user and refuses their name's sign-in, sign-up
// and activation from its start; it waits for the requests admitted before; of two
// deletions of one account only one goes on (errAccountDeleting); a deletion refused, or
// given up while it waits (its context done), opens the account again, its own request
// still acting as the user; a finished one frees the name.
func TestAccountDeletionShutsTheAccountAndWaitsForItsRequests(t *testing.T) {
	t.Parallel()
	d := newDirectory()
	_, err := d.signIn("alice", "alice@example.com")
	require.NoError(t, err)
	other, ok := d.admit("alice") // another request of alice, in progress
	require.True(t, ok)
	deleting, ok := d.admit("alice") // the deletion's own request
	require.True(t, ok)

	waiting := make(chan struct{})
	onWait := func() { close(waiting) }
	d.onWait.Store(&onWait)
	type begun struct {
		del *deletion
		err error
	}
	done := make(chan begun)
	go func() {
		del, err := d.beginDeletion(t.Context(), deleting)
		done <- begun{del, err}
	}()
	<-waiting
	d.onWait.Store(nil)
	_, ok = d.admit("alice")
	require.False(t, ok, "a request admitted once the deletion started")
	_, ok = deleting.current()
	require.False(t, ok, "the deleting request still acts as the user while it offboards")
	_, err = d.signIn("alice", "alice@example.com")
	require.ErrorIs(t, err, errAccountDeleting)
	_, _, _, err = d.reserve("alice", "alice@example.com")
	require.ErrorIs(t, err, errAccountDeleting)
	_, err = d.RegisterUser(t.Context(), "alice@example.com")
	require.ErrorIs(t, err, errAccountDeleting)
	require.ErrorIs(t, d.ActivateUser(t.Context(), "alice"), errAccountDeleting)
	select {
	case <-done:
		require.FailNow(t, "the deletion did not wait for the request in progress")
	default:
	}
	// The other request is a second deletion: refused, and its end lets the first go on.
	_, err = d.beginDeletion(t.Context(), other)
	require.ErrorIs(t, err, errAccountDeleting)
	b := <-done
	require.NoError(t, b.err)

	// Refused (say the offboarding was): the account is open again.
	b.del.abort()
	u, ok := deleting.current()
	require.True(t, ok)
	require.Equal(t, organizations.UserID("alice"), u.Name)
	next, ok := d.admit("alice")
	require.True(t, ok)

	// Given up while it waits: the same.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = d.beginDeletion(ctx, deleting)
	require.ErrorIs(t, err, context.Canceled)
	_, ok = deleting.current()
	require.True(t, ok)
	_, err = d.signIn("alice", "alice@example.com")
	require.NoError(t, err)

	// With no other request in progress it goes on at once; finished, the name is free
	// for a new user, whose requests are admitted.
	next.release()
	del, err := d.beginDeletion(t.Context(), deleting)
	require.NoError(t, err)
	del.finish()
	deleting.release()
	_, known := d.lookup("alice")
	require.False(t, known)
	_, err = d.signIn("alice", "new-alice@example.com")
	require.NoError(t, err)
	heir, ok := d.admit("alice")
	require.True(t, ok)
	heir.release()
}
