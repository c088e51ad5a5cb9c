package docs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// quickStart makes the quick start's App on a fresh database, with the users table and
// the users named, whose keys it returns.
func quickStart(t *testing.T, names ...string) (*App, map[string]int64) {
	t.Helper()
	ctx := t.Context()
	pool := newPool(t)
	_, err := pool.Exec(ctx, usersTable)
	require.NoError(t, err)
	app, err := NewApp(ctx, pool)
	require.NoError(t, err)
	ids := map[string]int64{}
	for _, name := range names {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (name) VALUES ($1) RETURNING id`, name).Scan(&id))
		ids[name] = id
	}
	return app, ids
}

// organizationsOf returns the slugs of the organizations user belongs to.
func organizationsOf(t *testing.T, svc *organizations.Service, user int64) []string {
	t.Helper()
	page, err := svc.OrganizationsForUser(t.Context(), organizations.UserIDFromInt(user), organizations.ListOptions{})
	require.NoError(t, err)
	slugs := []string{}
	for _, o := range page.Items {
		slugs = append(slugs, o.Slug)
	}
	return slugs
}

// The quick start as the README tells it: an organization for an existing user only, a
// member added over HTTP by who may add members and only if the user exists, the members
// listed, and a user deleted with their memberships in one transaction, on pgx and on
// database/sql.
func TestQuickStart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	app, id := quickStart(t, "ann", "bob", "cat")

	acme, err := app.CreateOrganization(ctx, id["ann"], "Acme")
	require.NoError(t, err)
	require.Equal(t, []string{"acme"}, organizationsOf(t, app.Orgs, id["ann"]))
	_, err = app.CreateOrganization(ctx, 999, "Ghost")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID, "no organization for a user that does not exist")
	require.Empty(t, organizationsOf(t, app.Orgs, 999))

	h, err := app.Handler()
	require.NoError(t, err)
	do := func(method, user, path string, form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	str := func(n int64) string { return string(organizations.UserIDFromInt(n)) }
	add := func(by string, user string) int {
		return do("POST", by, "/orgs/acme/members", url.Values{"user": {user}}).Code
	}
	require.Equal(t, http.StatusCreated, add(str(id["ann"]), str(id["bob"])))
	require.Equal(t, http.StatusForbidden, add(str(id["bob"]), str(id["cat"])), "a member without members:add")
	require.Equal(t, http.StatusNotFound, add(str(id["cat"]), str(id["cat"])), "an outsider")
	require.Equal(t, http.StatusUnauthorized, add("", str(id["cat"])), "anonymous")
	require.Equal(t, http.StatusUnprocessableEntity, add(str(id["ann"]), "999"), "a user that does not exist")
	require.Equal(t, http.StatusUnprocessableEntity, add(str(id["ann"]), "042"), "not a canonical integer key")
	require.Equal(t, http.StatusConflict, add(str(id["ann"]), str(id["bob"])), "already a member")
	require.Empty(t, organizationsOf(t, app.Orgs, 999))

	w := do("GET", str(id["bob"]), "/orgs/acme/members", nil)
	require.Equal(t, http.StatusOK, w.Code)
	var page organizations.Page[organizations.OrganizationUser]
	require.NoError(t, json.NewDecoder(w.Body).Decode(&page))
	var members []int64
	for _, m := range page.Items {
		n, err := m.UserID.Int64()
		require.NoError(t, err)
		members = append(members, n)
	}
	require.ElementsMatch(t, []int64{id["ann"], id["bob"]}, members)

	// Deleting bob removes his membership with his row.
	require.NoError(t, app.DeleteUser(ctx, id["bob"]))
	require.Empty(t, organizationsOf(t, app.Orgs, id["bob"]))
	require.ErrorIs(t, app.DeleteUser(ctx, id["bob"]), organizations.ErrInvalidUserID)
	// ann owns Acme and it has no other admin: nothing is deleted, her row included.
	require.ErrorIs(t, app.DeleteUser(ctx, id["ann"]), organizations.ErrNoSuccessor)
	require.Equal(t, []string{"acme"}, organizationsOf(t, app.Orgs, id["ann"]))
	var users int
	require.NoError(t, app.Pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, id["ann"]).Scan(&users))
	require.Equal(t, 1, users)

	// The same on database/sql.
	db, err := sql.Open("pgx", app.Pool.Config().ConnString())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	store, svc, err := NewStoreSQL(ctx, db)
	require.NoError(t, err)
	require.NoError(t, app.AddMember(ctx, organizations.UserIDFromInt(id["ann"]), acme.ID, id["cat"]))
	require.Equal(t, []string{"acme"}, organizationsOf(t, svc, id["cat"]))
	require.NoError(t, DeleteUserSQL(ctx, db, store, svc, id["cat"]))
	require.Empty(t, organizationsOf(t, svc, id["cat"]))
	require.ErrorIs(t, DeleteUserSQL(ctx, db, store, svc, id["cat"]), organizations.ErrInvalidUserID)
	require.ErrorIs(t, DeleteUserSQL(ctx, db, store, svc, id["ann"]), organizations.ErrNoSuccessor)
	require.Equal(t, []string{"acme"}, organizationsOf(t, svc, id["ann"]))
}

// A user deleted while being added never keeps a membership, in either order: the
// quick start's lockUser and DeleteUser's DELETE-first order decide on the user row, locked.
func TestQuickStartDeletedUserNeverKeepsAMembership(t *testing.T) {
	t.Parallel()
	// An AddMember that has locked the user row, and written the membership, when the
	// deletion starts: the deletion waits for it, then removes the membership.
	t.Run("AddedFirst", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		app, id := quickStart(t, "ann", "bob")
		acme, err := app.CreateOrganization(ctx, id["ann"], "Acme")
		require.NoError(t, err)

		// Hold AddMember after its lockUser: its AddUser waits for Acme's row.
		hold, holder := lockRow(t, app.Pool, `SELECT true FROM orgs.organizations WHERE id = $1 FOR UPDATE`, acme.ID)
		added := run(func() error { return app.AddMember(ctx, organizations.UserIDFromInt(id["ann"]), acme.ID, id["bob"]) })
		adder := waitBlockedBy(t, app.Pool, holder, added.done)
		deleted := run(func() error { return app.DeleteUser(ctx, id["bob"]) })
		waitBlockedBy(t, app.Pool, adder, deleted.done) // the DELETE waits for AddMember (unless it does not)
		require.NoError(t, hold.Rollback(ctx))

		require.NoError(t, added.wait())
		require.NoError(t, deleted.wait())
		require.Empty(t, organizationsOf(t, app.Orgs, id["bob"]), "a deleted user kept a membership")
	})
	// A deletion that has deleted the row when AddMember starts: AddMember finds no user.
	t.Run("DeletedFirst", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		app, id := quickStart(t, "ann", "bob")
		acme, err := app.CreateOrganization(ctx, id["ann"], "Acme")
		require.NoError(t, err)
		globex, err := app.CreateOrganization(ctx, id["ann"], "Globex")
		require.NoError(t, err)
		require.NoError(t, app.AddMember(ctx, organizations.UserIDFromInt(id["ann"]), acme.ID, id["bob"]))

		// Hold DeleteUser after its DELETE: its RemoveUserEverywhere waits for bob's
		// membership of Acme.
		hold, holder := lockRow(t, app.Pool, `SELECT true FROM orgs.memberships WHERE organization_id = $1 AND user_id = $2 FOR UPDATE`,
			acme.ID, organizations.UserIDFromInt(id["bob"]))
		deleted := run(func() error { return app.DeleteUser(ctx, id["bob"]) })
		deleter := waitBlockedBy(t, app.Pool, holder, deleted.done)
		added := run(func() error { return app.AddMember(ctx, organizations.UserIDFromInt(id["ann"]), globex.ID, id["bob"]) })
		waitBlockedBy(t, app.Pool, deleter, added.done) // lockUser waits for the DELETE (unless it does not)
		require.NoError(t, hold.Rollback(ctx))

		require.NoError(t, deleted.wait())
		require.ErrorIs(t, added.wait(), organizations.ErrInvalidUserID)
		require.Empty(t, organizationsOf(t, app.Orgs, id["bob"]), "a deleted user kept a membership")
	})
}

// lockRow begins a transaction on pool that runs query (a SELECT ... FOR UPDATE) and
// returns it, with its backend's pid.
func lockRow(t *testing.T, pool *pgxpool.Pool, query string, args ...any) (pgx.Tx, int32) {
	t.Helper()
	ctx := t.Context()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	var pid int32
	require.NoError(t, tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
	var locked bool
	require.NoError(t, tx.QueryRow(ctx, query, args...).Scan(&locked))
	return tx, pid
}

// call is a function running on its own goroutine.
type call struct {
	done chan struct{}
	err  error
}

func run(f func() error) *call {
	c := &call{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = f()
	}()
	return c
}

func (c *call) wait() error {
	<-c.done
	return c.err
}

// waitBlockedBy waits until a backend waits for a lock that backend pid holds, and
// returns that backend's pid; or, if done closes first (the call it waits for did not
// wait), returns 0. It polls pg_blocking_pids; the two minutes are a backstop, not a
// measure of speed.
func waitBlockedBy(t *testing.T, pool *pgxpool.Pool, pid int32, done <-chan struct{}) int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for {
		var blocked int32
		err := pool.QueryRow(ctx, `SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)) LIMIT 1`, pid).Scan(&blocked)
		switch {
		case err == nil:
			return blocked
		case !errors.Is(err, pgx.ErrNoRows):
			t.Fatalf("waiting for a backend blocked by %d: %v", pid, err)
		}
		select {
		case <-done:
			return 0
		case <-ctx.Done():
			t.Fatalf("no backend blocked by %d within the backstop", pid)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
