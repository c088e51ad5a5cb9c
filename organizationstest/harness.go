package organizationstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// harness is one subtest's world: its own store, a Service over it with a controllable
// clock, and the events that Service emitted.
type harness struct {
	t     *testing.T
	ctx   context.Context
	store organizations.Store
	// activations is the store as an ActivationStore; nil if it does not implement that
	// optional interface.
	activations organizations.ActivationStore
	svc         *organizations.Service
	clock       *clock
	events      *recorder
	// newStore is the suite's newStore, for subtests that need worlds of their own.
	newStore func(t *testing.T) organizations.Store
}

func newHarness(t *testing.T, newStore func(t *testing.T) organizations.Store) *harness {
	store := newStore(t)
	require.NotNil(t, store, "newStore returned nil")
	h := &harness{t: t, ctx: t.Context(), store: store, clock: newClock(), newStore: newStore}
	h.activations, _ = store.(organizations.ActivationStore)
	h.events = newRecorder(t, store)
	h.svc = organizations.New(store, &organizations.Options{Now: h.clock.Now, Events: h.events.record})
	return h
}

// fresh returns a new harness, on an empty store of its own, for the subtest t: what a
// parallel subtest needs, so that its store, clock and events are its alone.
func (h *harness) fresh(t *testing.T) *harness { return newHarness(t, h.newStore) }

// now is the timestamp the Service stamps changes with at the clock's current reading.
func (h *harness) now() time.Time { return organizations.Timestamp(h.clock.Now()) }

// id returns a new time-ordered ID, as the Service makes them, for store-level calls.
func (h *harness) id() uuid.UUID {
	h.t.Helper()
	id, err := uuid.NewV7()
	require.NoError(h.t, err)
	return id
}

// tokenHash returns the SHA-256 hash of a fresh random token.
func (h *harness) tokenHash() []byte {
	h.t.Helper()
	raw := make([]byte, 32)
	_, err := rand.Read(raw)
	require.NoError(h.t, err)
	sum := sha256.Sum256(raw)
	return sum[:]
}

// createOrg creates an organization through the Service and drops its event.
func (h *harness) createOrg(owner organizations.UserID, name string, opts *organizations.CreateOptions) organizations.Organization {
	h.t.Helper()
	org, err := h.svc.CreateOrganization(h.ctx, owner, name, opts)
	require.NoError(h.t, err)
	h.events.take()
	return org
}

// staffedOrg creates the organization name (opts as for CreateOrganization) owned by
// "owner", with the admin "admin" and the member "bob", and drops their events: the
// cast most tests start from.
func (h *harness) staffedOrg(name string, opts *organizations.CreateOptions) organizations.Organization {
	h.t.Helper()
	org := h.createOrg("owner", name, opts)
	h.addUser(org.ID, "admin", organizations.RoleAdmin)
	h.addUser(org.ID, "bob", organizations.RoleMember)
	return org
}

// addUser adds a member through the Service and drops its event.
func (h *harness) addUser(org uuid.UUID, user organizations.UserID, role organizations.Role) organizations.OrganizationUser {
	h.t.Helper()
	m, err := h.svc.AddUser(h.ctx, org, user, role)
	require.NoError(h.t, err)
	h.events.take()
	return m
}

// org reads an organization back through the Service.
func (h *harness) org(id uuid.UUID) organizations.Organization {
	h.t.Helper()
	org, err := h.svc.Organization(h.ctx, id)
	require.NoError(h.t, err)
	return org
}

// member reads a membership back through the Service.
func (h *harness) member(org uuid.UUID, user organizations.UserID) organizations.OrganizationUser {
	h.t.Helper()
	m, err := h.svc.OrganizationUser(h.ctx, org, user)
	require.NoError(h.t, err)
	return m
}

// owner reads an ownership back through the Service.
func (h *harness) owner(org uuid.UUID) organizations.OrganizationOwner {
	h.t.Helper()
	o, err := h.svc.Owner(h.ctx, org)
	require.NoError(h.t, err)
	return o
}

// allPages follows list's Next cursors from a first page of limit (0: the default) to
// the page with an empty Next, and returns the items of every page in order. An error
// fails t, and so do pages that never end; name is the list's, for the messages.
func allPages[T any](t testing.TB, name string, limit int,
	list func(organizations.ListOptions) (organizations.Page[T], error)) []T {
	t.Helper()
	var all []T
	opts := organizations.ListOptions{Limit: limit}
	for range 10000 {
		p, err := list(opts)
		require.NoError(t, err, name)
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		opts.After = p.Next
	}
	t.Fatalf("%s never returned an empty Next", name)
	return nil
}

// members returns every membership of org, following Next cursors with pages of limit.
func (h *harness) members(org uuid.UUID, limit int) []organizations.OrganizationUser {
	h.t.Helper()
	return allPages(h.t, "Members", limit, func(opts organizations.ListOptions) (organizations.Page[organizations.OrganizationUser], error) {
		return h.svc.Members(h.ctx, org, opts)
	})
}

// orgsFor returns every organization of user, following Next cursors with pages of limit.
func (h *harness) orgsFor(user organizations.UserID, limit int) []organizations.Organization {
	h.t.Helper()
	return allPages(h.t, "OrganizationsForUser", limit, func(opts organizations.ListOptions) (organizations.Page[organizations.Organization], error) {
		return h.svc.OrganizationsForUser(h.ctx, user, opts)
	})
}

// requireNoOrgsFor asserts that user is a member of nothing: what a refused
// CreateOrganization must leave behind.
func (h *harness) requireNoOrgsFor(user organizations.UserID) {
	h.t.Helper()
	require.Empty(h.t, h.orgsFor(user, 0), "user %q should have no organizations", user)
}

// requireOrgGone asserts that nothing of the organization id can be read any more.
func (h *harness) requireOrgGone(id uuid.UUID) {
	h.t.Helper()
	_, err := h.store.Organization(h.ctx, id)
	require.ErrorIs(h.t, err, organizations.ErrOrganizationNotFound)
	_, err = h.store.Owner(h.ctx, id)
	require.ErrorIs(h.t, err, organizations.ErrOrganizationNotFound)
	_, err = h.store.Members(h.ctx, organizations.MembersParams{OrganizationID: id, After: uuid.Nil, Limit: 10})
	require.ErrorIs(h.t, err, organizations.ErrOrganizationNotFound)
}

// ids returns the IDs of items, in order.
func ids[T any](items []T, key func(T) uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	return out
}

func orgID(o organizations.Organization) uuid.UUID        { return o.ID }
func memberID(m organizations.OrganizationUser) uuid.UUID { return m.ID }

// countErrors counts the errors of errs that are target (errors.Is) and the nil ones.
func countErrors(errs []error, target error) (matched, ok int) {
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, target):
			matched++
		}
	}
	return matched, ok
}

// errOnly drops a value to keep the error, for calls checked only for their error.
func errOnly[T any](_ T, err error) error { return err }
