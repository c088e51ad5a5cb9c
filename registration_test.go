package organizations_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
)

// regHost is a fake host user table: a Registrar that keeps one user per email.
type regHost struct {
	mu            sync.Mutex
	users         map[string]organizations.UserID
	active        map[organizations.UserID]bool
	registered    []string
	activated     []organizations.UserID
	failRegister  error
	failActivate  error
	invalidUserID bool
}

func newRegHost() *regHost {
	return &regHost{users: map[string]organizations.UserID{}, active: map[organizations.UserID]bool{}}
}

func (h *regHost) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.registered = append(h.registered, email)
	if h.failRegister != nil {
		return "", h.failRegister
	}
	if h.invalidUserID {
		return "", nil
	}
	id, ok := h.users[email]
	if !ok {
		id = organizations.UserID(fmt.Sprintf("user-%d", len(h.users)+1))
		h.users[email] = id
	}
	return id, nil
}

func (h *regHost) ActivateUser(_ context.Context, user organizations.UserID) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.activated = append(h.activated, user)
	if h.failActivate != nil {
		return h.failActivate
	}
	h.active[user] = true
	return nil
}

func (h *regHost) set(f func(h *regHost)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(h)
}

// regStore is a MemoryStore whose undo-relevant methods can be made to fail, or to
// lose their reply after their change was made (lostCreateOrganization,
// lostCreateActivation: ErrOutcomeUnknown, as PostgresStore reports it).
type regStore struct {
	*organizations.MemoryStore
	failCreateActivation, failDeleteActivation, failDeleteOrganization error
	lostCreateOrganization, lostCreateActivation                       bool
	// activationHashes are the token hashes of every CreateActivation call.
	activationHashes [][]byte
}

// errReplyLost is ErrOutcomeUnknown as a store reports it for a change that was made.
var errReplyLost = fmt.Errorf("%w: connection reset", organizations.ErrOutcomeUnknown)

func (s *regStore) CreateOrganization(ctx context.Context, p organizations.CreateOrganizationParams) (organizations.Organization, error) {
	org, err := s.MemoryStore.CreateOrganization(ctx, p)
	if err == nil && s.lostCreateOrganization {
		return organizations.Organization{}, errReplyLost
	}
	return org, err
}

func (s *regStore) CreateActivation(ctx context.Context, a organizations.Activation, hash []byte) error {
	s.activationHashes = append(s.activationHashes, hash)
	if s.failCreateActivation != nil {
		return s.failCreateActivation
	}
	err := s.MemoryStore.CreateActivation(ctx, a, hash)
	if err == nil && s.lostCreateActivation {
		return errReplyLost
	}
	return err
}

func (s *regStore) DeleteActivation(ctx context.Context, id uuid.UUID) error {
	if s.failDeleteActivation != nil {
		return s.failDeleteActivation
	}
	return s.MemoryStore.DeleteActivation(ctx, id)
}

func (s *regStore) DeleteOrganization(ctx context.Context, p organizations.DeleteOrganizationParams) (organizations.Organization, error) {
	if s.failDeleteOrganization != nil {
		return organizations.Organization{}, s.failDeleteOrganization
	}
	return s.MemoryStore.DeleteOrganization(ctx, p)
}

type regFixture struct {
	svc     *organizations.Service
	store   *regStore
	clock   *organizationstest.Clock
	events  *organizationstest.Recorder
	host    *regHost
	mailbox *organizationstest.Outbox
}

func newRegFixture() *regFixture {
	f := &regFixture{
		store: &regStore{MemoryStore: organizations.NewMemoryStore()}, clock: newClock(),
		events: &organizationstest.Recorder{}, host: newRegHost(), mailbox: &organizationstest.Outbox{},
	}
	f.svc = organizations.New(f.store, &organizations.Options{
		Now: f.clock.Now, Events: f.events.Record,
		Registrar: f.host, Activator: f.mailbox,
	})
	return f
}

// register signs email up with an organization named name and returns the organization
// and the token sent, with the call's events and messages consumed.
func (f *regFixture) register(t *testing.T, email, name string) (organizations.Organization, string) {
	t.Helper()
	org, err := f.svc.Register(context.Background(), email, name)
	require.NoError(t, err)
	msgs := f.mailbox.TakeActivations()
	require.Len(t, msgs, 1)
	require.Equal(t, []organizations.Event{organizations.OrganizationCreated{Organization: org, Owner: msgs[0].Activation.UserID}}, f.events.Take())
	return org, msgs[0].Token
}

// orgsOf returns all organizations user is a member of.
func (f *regFixture) orgsOf(t *testing.T, user organizations.UserID) []organizations.Organization {
	t.Helper()
	p, err := f.svc.OrganizationsForUser(context.Background(), user, organizations.ListOptions{Limit: organizations.MaxPageSize})
	require.NoError(t, err)
	return p.Items
}

func TestRegister(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	now := organizations.Timestamp(f.clock.Now())
	f.mailbox.FailWith(func(context.Context) error {
		require.Empty(t, f.events.Events(), "OrganizationCreated waits until the message is sent")
		return nil
	})

	org, err := f.svc.Register(ctx, "  Ann@Example.COM ", "  Acme Corp ")
	require.NoError(t, err)
	require.Equal(t, []string{"ann@example.com"}, f.host.registered, "the host gets the normalised email")
	require.Equal(t, "Acme Corp", org.Name)
	require.Equal(t, "acme-corp", org.Slug)
	require.False(t, org.IsActive)
	require.Equal(t, now, org.CreatedAt)

	owner, err := f.svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("user-1"), owner.OrganizationUser.UserID)
	require.Equal(t, organizations.RoleAdmin, owner.OrganizationUser.Role)

	msgs := f.mailbox.TakeActivations()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, org, m.Organization)
	require.Equal(t, organizations.UserID("user-1"), m.Activation.UserID)
	require.Equal(t, "ann@example.com", m.Activation.Email)
	require.Equal(t, now, m.Activation.CreatedAt)
	require.Equal(t, now.Add(organizations.DefaultActivationTTL), m.Activation.ExpiresAt)
	require.True(t, m.Activation.UsedAt.IsZero())
	_, ok := organizations.ParseToken(m.Token)
	require.True(t, ok)
	require.Equal(t, []organizations.Event{organizations.OrganizationCreated{Organization: org, Owner: "user-1"}}, f.events.Take())
	require.Empty(t, f.host.activated, "Register activates nothing")

	stored, err := f.store.ActivationByTokenHash(ctx, mustParseToken(t, m.Token), now)
	require.NoError(t, err)
	require.Equal(t, m.Activation, stored)
}

func TestRegisterRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noRegistrar := organizations.New(nil, &organizations.Options{Activator: organizations.ActivatorFunc(func(context.Context, organizations.ActivationMessage) error { return nil })})
	_, err := noRegistrar.Register(ctx, "ann@example.com", "Acme")
	require.ErrorIs(t, err, organizations.ErrNotConfigured)
	noActivator := organizations.New(nil, &organizations.Options{Registrar: newRegHost()})
	_, err = noActivator.Register(ctx, "ann@example.com", "Acme")
	require.ErrorIs(t, err, organizations.ErrNotConfigured)

	f := newRegFixture()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name, email, org string
		ctx              context.Context
		want             error
	}{
		{"canceled", "ann@example.com", "Acme", canceled, context.Canceled},
		{"bad email", "ann", "Acme", ctx, organizations.ErrInvalidEmail},
		{"empty name", "ann@example.com", "   ", ctx, organizations.ErrInvalidName},
		{"control in name", "ann@example.com", "Ac\x00me", ctx, organizations.ErrInvalidName},
		{"invalid UTF-8 name", "ann@example.com", "Ac\xffme", ctx, organizations.ErrInvalidName},
	} {
		t.Run(c.name, func(t *testing.T) {
			org, err := f.svc.Register(c.ctx, c.email, c.org)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, organizations.Organization{}, org)
			require.Empty(t, f.host.registered, "input is checked before the host is called")
			require.Empty(t, f.mailbox.TakeActivations())
			require.Empty(t, f.events.Take())
		})
	}
}

// coreStore is a MemoryStore that shows only the core Store, hiding the optional
// ActivationStore: a third-party store written before activations existed.
type coreStore struct{ organizations.Store }

// TestRegisterWithoutActivationStore checks the evolution rule: on a store that does not
// implement ActivationStore, Register and Activate return ErrNotSupported and change
// nothing, neither in the store nor at the host.
func TestRegisterWithoutActivationStore(t *testing.T) {
	ctx := context.Background()
	mem := organizations.NewMemoryStore()
	store := coreStore{mem}
	_, ok := organizations.Store(store).(organizations.ActivationStore)
	require.False(t, ok, "the wrapper hides ActivationStore")
	host, mailbox, events := newRegHost(), &organizationstest.Outbox{}, &organizationstest.Recorder{}
	svc := organizations.New(store, &organizations.Options{Registrar: host, Activator: mailbox, Events: events.Record})

	org, err := svc.Register(ctx, "ann@example.com", "Acme")
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	require.Equal(t, organizations.Organization{}, org)
	token, _ := organizations.NewToken()
	user, err := svc.Activate(ctx, token)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	require.Empty(t, user)

	require.Empty(t, host.registered, "the host is not called")
	require.Empty(t, host.activated, "the host is not called")
	require.Empty(t, mailbox.TakeActivations())
	require.Empty(t, events.Take())
	_, err = mem.OrganizationBySlug(ctx, "acme")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "no organization was made")

	// The core keeps working on the same store.
	created, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	require.Equal(t, "acme", created.Slug)
}

// TestRegisterFailureIsUndone fails Register at each step after the host is called and
// checks that nothing is left a retry could trip over: no organization (so the retry gets
// the same slug, not "-2"), no usable activation, no event.
func TestRegisterFailureIsUndone(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	cases := []struct {
		name  string
		setup func(f *regFixture, cancel context.CancelFunc)
		want  error
	}{
		{"RegisterUser fails", func(f *regFixture, _ context.CancelFunc) {
			f.host.set(func(h *regHost) { h.failRegister = boom })
		}, boom},
		{"RegisterUser returns an invalid ID", func(f *regFixture, _ context.CancelFunc) {
			f.host.set(func(h *regHost) { h.invalidUserID = true })
		}, organizations.ErrInvalidUserID},
		{"CreateActivation fails", func(f *regFixture, _ context.CancelFunc) {
			f.store.failCreateActivation = boom
		}, boom},
		{"SendActivation fails", func(f *regFixture, _ context.CancelFunc) {
			f.mailbox.FailWith(func(context.Context) error { return boom })
		}, boom},
		{"caller gives up during SendActivation", func(f *regFixture, cancel context.CancelFunc) {
			f.mailbox.FailWith(func(ctx context.Context) error { cancel(); return ctx.Err() })
		}, context.Canceled},
		// A step whose change was made but whose reply was lost is undone like any other.
		{"CreateOrganization outcome unknown", func(f *regFixture, _ context.CancelFunc) {
			f.store.lostCreateOrganization = true
		}, organizations.ErrOutcomeUnknown},
		{"CreateActivation outcome unknown", func(f *regFixture, _ context.CancelFunc) {
			f.store.lostCreateActivation = true
		}, organizations.ErrOutcomeUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRegFixture()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c.setup(f, cancel)

			org, err := f.svc.Register(ctx, "ann@example.com", "Acme")
			require.ErrorIs(t, err, c.want)
			require.Equal(t, organizations.Organization{}, org)
			require.Empty(t, f.events.Take(), "a failed Register emits nothing")
			_, err = f.svc.OrganizationBySlug(context.Background(), "acme")
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
			require.Empty(t, f.orgsOf(t, "user-1"))
			for _, m := range f.mailbox.TakeActivations() {
				_, err := f.svc.Activate(context.Background(), m.Token)
				require.ErrorIs(t, err, organizations.ErrActivationNotFound, "the unsent token is deleted")
			}
			for _, hash := range f.store.activationHashes {
				_, err := f.store.ActivationByTokenHash(context.Background(), hash, f.clock.Now())
				require.ErrorIs(t, err, organizations.ErrActivationNotFound, "no activation is left stored")
			}
			require.Empty(t, f.host.activated)

			// The retry, with the host and store working, gets the same user and slug.
			f.host.set(func(h *regHost) { h.failRegister, h.invalidUserID = nil, false })
			f.store.failCreateActivation = nil
			f.store.lostCreateOrganization, f.store.lostCreateActivation = false, false
			f.mailbox.FailWith(nil)
			org, token := f.register(t, "ann@example.com", "Acme")
			require.Equal(t, "acme", org.Slug)
			user, err := f.svc.Activate(context.Background(), token)
			require.NoError(t, err)
			require.Equal(t, organizations.UserID("user-1"), user)
			require.Len(t, f.orgsOf(t, user), 1)
		})
	}
}

func TestRegisterUndoFailureIsReported(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	boom, down := errors.New("smtp down"), errors.New("store down")
	f.mailbox.FailWith(func(context.Context) error { return boom })
	f.store.failDeleteActivation = down
	f.store.failDeleteOrganization = down
	_, err := f.svc.Register(context.Background(), "ann@example.com", "Acme")
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, err, down)
	require.Empty(t, f.events.Take())
}

func TestActivate(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	org, token := f.register(t, "ann@example.com", "Acme")
	f.clock.Advance(time.Minute)
	now := organizations.Timestamp(f.clock.Now())

	user, err := f.svc.Activate(ctx, token)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("user-1"), user)
	require.Equal(t, []organizations.UserID{"user-1"}, f.host.activated)
	require.True(t, f.host.active["user-1"])

	active := org
	active.IsActive, active.UpdatedAt = true, now
	require.Equal(t, []organizations.Event{organizations.OrganizationUpdated{Organization: active}}, f.events.Take())
	got, err := f.svc.Organization(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, active, got)

	_, err = f.svc.Activate(ctx, token)
	require.ErrorIs(t, err, organizations.ErrActivationUsed)
	require.Len(t, f.host.activated, 1, "a used token does not reach the host")
	require.Empty(t, f.events.Take())
}

func TestActivateRefusals(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	org, token := f.register(t, "ann@example.com", "Acme")
	forged, _ := organizations.NewToken()

	_, err := organizations.New(f.store, &organizations.Options{Now: f.clock.Now}).Activate(ctx, token)
	require.ErrorIs(t, err, organizations.ErrNotConfigured)
	for _, bad := range []string{"", "short", forged, token + "=", org.ID.String()} {
		_, err := f.svc.Activate(ctx, bad)
		require.ErrorIs(t, err, organizations.ErrActivationNotFound, "%q", bad)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.svc.Activate(canceled, token)
	require.ErrorIs(t, err, context.Canceled)

	f.clock.Advance(organizations.DefaultActivationTTL)
	_, err = f.svc.Activate(ctx, token)
	require.ErrorIs(t, err, organizations.ErrActivationExpired)
	require.Empty(t, f.host.activated)
	require.Empty(t, f.events.Take())
	got, err := f.svc.Organization(ctx, org.ID)
	require.NoError(t, err)
	require.False(t, got.IsActive)
}

func TestActivateHostFailureKeepsToken(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	org, token := f.register(t, "ann@example.com", "Acme")
	boom := errors.New("users table locked")
	f.host.set(func(h *regHost) { h.failActivate = boom })

	_, err := f.svc.Activate(ctx, token)
	require.ErrorIs(t, err, boom)
	require.Empty(t, f.events.Take())
	got, err := f.svc.Organization(ctx, org.ID)
	require.NoError(t, err)
	require.False(t, got.IsActive, "nothing activated while the host failed")

	f.host.set(func(h *regHost) { h.failActivate = nil })
	user, err := f.svc.Activate(ctx, token)
	require.NoError(t, err, "the same token works for the retry")
	require.Equal(t, organizations.UserID("user-1"), user)
	require.Len(t, f.events.Take(), 1)
}

func TestActivateActivatesEveryInactiveOwnedOrganization(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	first, token1 := f.register(t, "ann@example.com", "Acme")
	second, token2 := f.register(t, "ANN@example.com", "Acme")
	require.Equal(t, "acme-2", second.Slug)
	// An inactive organization the user is only a member of stays inactive.
	foreign, err := f.svc.CreateOrganization(ctx, "someone", "Foreign", &organizations.CreateOptions{Inactive: true})
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, foreign.ID, "user-1", organizations.RoleAdmin)
	require.NoError(t, err)
	f.events.Take()

	_, err = f.svc.Activate(ctx, token1)
	require.NoError(t, err)
	var ids []uuid.UUID
	for _, e := range f.events.Take() {
		u, ok := e.(organizations.OrganizationUpdated)
		require.True(t, ok)
		require.True(t, u.Organization.IsActive)
		ids = append(ids, u.Organization.ID)
	}
	require.ElementsMatch(t, []uuid.UUID{first.ID, second.ID}, ids)
	got, err := f.svc.Organization(ctx, foreign.ID)
	require.NoError(t, err)
	require.False(t, got.IsActive)

	// The other sign-up's token still completes, with nothing left to activate.
	user, err := f.svc.Activate(ctx, token2)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("user-1"), user)
	require.Empty(t, f.events.Take())
}

func TestActivateParallel(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	_, token := f.register(t, "ann@example.com", "Acme")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = f.svc.Activate(ctx, token) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, organizations.ErrActivationUsed)
		}
	}
	require.Equal(t, 1, won)
	require.Len(t, f.events.Take(), 1)
}

func TestActivationTokenNotStored(t *testing.T) {
	t.Parallel()
	f := newRegFixture()
	ctx := context.Background()
	now := organizations.Timestamp(f.clock.Now())
	_, token := f.register(t, "ann@example.com", "Acme")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	textHash := sha256.Sum256([]byte(token))
	for _, key := range [][]byte{raw, []byte(token), textHash[:]} {
		_, err := f.store.ActivationByTokenHash(ctx, key, now)
		require.ErrorIs(t, err, organizations.ErrActivationNotFound)
	}
	rawHash := sha256.Sum256(raw)
	a, err := f.store.ActivationByTokenHash(ctx, rawHash[:], now)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("user-1"), a.UserID)
}
