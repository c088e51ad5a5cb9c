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

// lifecycleStore is a store with every optional interface the app uses: both stores
// have them all.
type lifecycleStore interface {
	organizations.Store
	organizations.SeatStore
	organizations.SuspensionStore
	organizations.TransferStore
	organizations.OffboardStore
	organizations.MemberListStore
}

// hookStore is a store whose transfer writes and RemoveUser can be held or preceded by a
// hook, to put a request's write at a chosen point of a race.
type hookStore struct {
	lifecycleStore
	beforeTransfer   atomic.Pointer[func(context.Context)]
	beforeRemoveUser atomic.Pointer[func(context.Context)]
}

func (s *hookStore) hook(ctx context.Context, f *atomic.Pointer[func(context.Context)]) {
	if h := f.Load(); h != nil {
		(*h)(ctx)
	}
}

func (s *hookStore) ProposeOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, *organizations.OwnershipTransfer, error) {
	s.hook(ctx, &s.beforeTransfer)
	return s.lifecycleStore.ProposeOwnershipTransfer(ctx, p)
}

func (s *hookStore) AcceptOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, organizations.OwnerChange, error) {
	s.hook(ctx, &s.beforeTransfer)
	return s.lifecycleStore.AcceptOwnershipTransfer(ctx, p)
}

func (s *hookStore) CancelOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, error) {
	s.hook(ctx, &s.beforeTransfer)
	return s.lifecycleStore.CancelOwnershipTransfer(ctx, p)
}

func (s *hookStore) RemoveUser(ctx context.Context, p organizations.RemoveUserParams) (organizations.OrganizationUser, error) {
	s.hook(ctx, &s.beforeRemoveUser)
	return s.lifecycleStore.RemoveUser(ctx, p)
}

// eachHookedStore runs test on a fresh app over each store kind, wrapped in a hookStore.
func eachHookedStore(t *testing.T, test func(t *testing.T, e *env, hs *hookStore)) {
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			hs := &hookStore{lifecycleStore: k.open(t).(lifecycleStore)}
			test(t, newEnv(t, hs), hs)
		})
	}
}

// barrier returns a hook that holds each caller until n have arrived (or their request
// is canceled), so that n requests that all passed their guard write at once.
func barrier(n int) func(context.Context) {
	var arrived atomic.Int32
	all := make(chan struct{})
	return func(ctx context.Context) {
		if arrived.Add(1) == int32(n) {
			close(all)
		}
		select {
		case <-all:
		case <-ctx.Done():
		}
	}
}

// Two steps of an ownership transfer sent at once, each past its guard (the barrier
// holds both in the store until both are there): the nominee's accept twice (two tabs),
// the nominee's accept and the owner's cancel, the nominee's accept and the owner's new
// proposal to another member. In every round exactly one succeeds (303), the other is
// refused with an error page, and the owner and the open proposal match the winner.
func TestConcurrentTransferSteps(t *testing.T) {
	t.Parallel()
	eachHookedStore(t, func(t *testing.T, e *env, hs *hookStore) {
		ctx := t.Context()
		olivia := e.signIn("olivia", "olivia@example.com")
		adam := e.signIn("adam", "adam@example.com")
		_, err := e.app.users.signIn("mia", "mia@example.com")
		require.NoError(t, err)
		accept := func(slug string) response { return adam.post(orgPath(slug, "transfer", "accept"), nil) }
		races := []struct {
			name  string
			other func(slug string) response
		}{
			{"accept twice", accept},
			{"accept and cancel", func(slug string) response { return olivia.post(orgPath(slug, "transfer", "cancel"), nil) }},
			{"accept and propose to another", func(slug string) response {
				return olivia.post(orgPath(slug, "transfer"), url.Values{"user": {"mia"}})
			}},
		}
		for i, race := range races {
			for round := range 3 {
				slug := create(t, olivia, fmt.Sprintf("Acme %d %d", i, round))
				org := mustOrg(t, e, slug)
				for _, u := range []organizations.UserID{"adam", "mia"} {
					_, err := e.app.svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
					require.NoError(t, err)
				}
				_, err := e.app.svc.As("olivia").ProposeOwnershipTransfer(ctx, org.ID, "adam")
				require.NoError(t, err)

				hold := barrier(2)
				hs.beforeTransfer.Store(&hold)
				var wg sync.WaitGroup
				var accepted, other response
				wg.Go(func() { accepted = accept(slug) })
				wg.Go(func() { other = race.other(slug) })
				wg.Wait()
				hs.beforeTransfer.Store(nil)

				ok := []bool{accepted.status == http.StatusSeeOther, other.status == http.StatusSeeOther}
				require.True(t, ok[0] != ok[1], "%s, round %d: exactly one must succeed: %d and %d", race.name, round, accepted.status, other.status)
				loser := other
				if ok[1] {
					loser = accepted
				}
				require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, loser.status, loser.body)
				require.NotEmpty(t, errorMessage(t, loser.body))

				o, err := e.app.svc.Owner(ctx, org.ID)
				require.NoError(t, err)
				open, err := e.app.svc.OwnershipTransfer(ctx, org.ID)
				switch {
				case ok[0] || race.name == "accept twice":
					require.Equal(t, organizations.UserID("adam"), o.OrganizationUser.UserID, "%s, round %d", race.name, round)
					require.ErrorIs(t, err, organizations.ErrTransferNotFound)
					// The former owner stays an admin.
					acc, err := e.app.svc.Access(ctx, org.ID, "olivia")
					require.NoError(t, err)
					require.Equal(t, organizations.RoleAdmin, acc.Membership.Role)
				case race.name == "accept and cancel":
					require.Equal(t, organizations.UserID("olivia"), o.OrganizationUser.UserID)
					require.ErrorIs(t, err, organizations.ErrTransferNotFound)
				default:
					require.Equal(t, organizations.UserID("olivia"), o.OrganizationUser.UserID)
					require.NoError(t, err)
					require.Equal(t, organizations.UserID("mia"), open.Nominee)
				}
			}
		}
	})
}

// An admin's removal of a member passes the guard; the owner's demotion of that admin
// commits before the removal reaches the store; the store refuses the removal (403) and
// the member stays.
func TestDemotedAdminCannotRemove(t *testing.T) {
	t.Parallel()
	eachHookedStore(t, func(t *testing.T, e *env, hs *hookStore) {
		ctx := t.Context()
		olivia := e.signIn("olivia", "olivia@example.com")
		adam := e.signIn("adam", "adam@example.com")
		_, err := e.app.users.signIn("tess", "tess@example.com")
		require.NoError(t, err)
		slug := create(t, olivia, "Acme")
		org := mustOrg(t, e, slug)
		_, err = e.app.svc.AddUser(ctx, org.ID, "adam", organizations.RoleAdmin)
		require.NoError(t, err)
		_, err = e.app.svc.AddUser(ctx, org.ID, "tess", organizations.RoleMember)
		require.NoError(t, err)

		demoted := 0
		demote := func(ctx context.Context) {
			demoted++
			_, err := e.app.svc.As("olivia").SetRole(ctx, org.ID, "adam", organizations.RoleMember)
			require.NoError(t, err)
		}
		hs.beforeRemoveUser.Store(&demote)
		res := adam.post(orgPath(slug, "members", "tess", "remove"), nil)
		hs.beforeRemoveUser.Store(nil)
		require.Equal(t, 1, demoted, "the removal did not reach the store")
		require.Equal(t, http.StatusForbidden, res.status, res.body)
		requireHTML(t, res)
		ok, err := e.app.svc.IsMember(ctx, org.ID, "tess")
		require.NoError(t, err)
		require.True(t, ok, "the demoted admin removed a member")
		// And on the next request the guard itself refuses.
		require.Equal(t, http.StatusForbidden, adam.post(orgPath(slug, "members", "tess", "remove"), nil).status)
	})
}

// roleRow returns the roles table row of role on the roles page.
func roleRow(t *testing.T, page, role string) string {
	t.Helper()
	_, rest, found := strings.Cut(page, `<tr data-role="`+role+`">`)
	require.True(t, found, "%s is not in the roles table:\n%s", role, page)
	row, _, _ := strings.Cut(rest, "</tr>")
	return row
}

// The roles page: declared and custom roles with their permissions for every member;
// creating, changing and deleting custom roles for those who may manage roles, with
// refusals shown at the form; a custom role given to a member through the members table.
func TestRolesPageCRUD(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, e *env) {
		alice := e.signIn("alice", "alice@example.com")
		slug := create(t, alice, "Acme")
		bob := e.signIn("bob", "bob@example.com")
		require.Equal(t, http.StatusSeeOther, bob.post(invite(t, alice, slug, "bob@example.com", "member")+"/accept", nil).status)
		rolesPath := orgPath(slug, "roles")

		require.Contains(t, alice.get(orgPath(slug)).body, `href="`+rolesPath+`"`)
		page := alice.get(rolesPath)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, roleRow(t, page.body, "member"), "declared")
		require.Contains(t, roleRow(t, page.body, "admin"), "<code>roles:manage</code>")
		require.Contains(t, page.body, `id="role-form"`)
		// A member sees the roles, without the forms.
		page = bob.get(rolesPath)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, roleRow(t, page.body, "admin"), "<code>members:add</code>")
		require.NotContains(t, page.body, `id="role-form"`)

		// Create; a malformed name and a taken one come back at the form with the input.
		form := url.Values{"name": {"Recruiter!"}, "includes": {"member"}, "permissions": {"members:add"}}
		res := alice.post(rolesPath, form)
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		require.Contains(t, errorMessage(t, res.body), "custom role")
		require.Contains(t, res.body, `value="Recruiter!"`)
		require.Contains(t, res.body, `value="members:add" checked`)
		form.Set("name", "recruiter")
		res = alice.post(rolesPath, form)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = alice.get(rolesPath)
		require.Contains(t, page.body, "Created the role recruiter.")
		row := roleRow(t, page.body, "recruiter")
		require.Contains(t, row, "custom")
		require.Contains(t, row, "<code>members:add</code>")
		require.NotContains(t, row, "<code>members:remove</code>")
		res = alice.post(rolesPath, form)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "already has a role of this name")
		// A member may not create one.
		form.Set("name", "sneaky")
		require.Equal(t, http.StatusForbidden, bob.post(rolesPath, form).status)

		// Update: add invitations:create.
		res = alice.post(rolesPath+"/recruiter", url.Values{"includes": {"member"}, "permissions": {"members:add", "invitations:create"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Contains(t, roleRow(t, alice.get(rolesPath).body, "recruiter"), "<code>invitations:create</code>")

		// The members table offers the custom role; bob gets it, and with it the invite page.
		orgPage := alice.get(orgPath(slug)).body
		require.Contains(t, memberRowOf(t, orgPage, "bob"), `<option value="recruiter">recruiter</option>`)
		require.Equal(t, http.StatusForbidden, bob.get(orgPath(slug, "invitations")).status)
		res = alice.post(orgPath(slug, "members", "bob", "role"), url.Values{"role": {"recruiter"}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Contains(t, memberRowOf(t, alice.get(orgPath(slug)).body, "bob"), "badge recruiter")
		require.Equal(t, http.StatusOK, bob.get(orgPath(slug, "invitations")).status)
		// The invite form lists the custom role too.
		require.Contains(t, alice.get(orgPath(slug, "invitations")).body, `<option value="recruiter">recruiter</option>`)

		// A role in use is not deleted: the message is at the role's form.
		res = alice.post(rolesPath+"/recruiter/delete", nil)
		require.Equal(t, http.StatusConflict, res.status)
		require.Contains(t, errorMessage(t, res.body), "holds the role recruiter")
		require.Contains(t, roleRow(t, res.body, "recruiter"), `id="message"`)
		require.Equal(t, http.StatusSeeOther, alice.post(orgPath(slug, "members", "bob", "role"), url.Values{"role": {"member"}}).status)
		res = alice.post(rolesPath+"/recruiter/delete", nil)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		page = alice.get(rolesPath)
		require.Contains(t, page.body, "Deleted the role recruiter.")
		require.NotContains(t, page.body, `data-role="recruiter"`)
		require.Equal(t, http.StatusNotFound, alice.post(rolesPath+"/recruiter/delete", nil).status)
		require.NotContains(t, alice.get(orgPath(slug)).body, `value="recruiter"`)
	})
}
