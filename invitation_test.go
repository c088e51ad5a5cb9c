package organizations

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// invClock is a settable clock for Options.Now.
type invClock struct {
	mu sync.Mutex
	t  time.Time
}

func newInvClock() *invClock {
	return &invClock{t: time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)}
}

func (c *invClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *invClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// invEvents records every event the Service emits.
type invEvents struct {
	mu     sync.Mutex
	events []Event
}

func (r *invEvents) record(_ context.Context, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events recorded since the last take.
func (r *invEvents) take() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// invOutbox is a fake Inviter: it keeps the messages it sent and fails with fail if set.
type invOutbox struct {
	mu   sync.Mutex
	sent []InvitationMessage
	fail error
}

func (o *invOutbox) send(_ context.Context, m InvitationMessage) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *invOutbox) setFail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = err
}

// take returns the messages sent since the last take.
func (o *invOutbox) take() []InvitationMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.sent
	o.sent = nil
	return out
}

// invFixture is a Service over a MemoryStore with one organization "Acme" owned by
// "owner", with "admin" an admin and "member" a member, and no events recorded yet.
type invFixture struct {
	svc    *Service
	store  *MemoryStore
	clock  *invClock
	events *invEvents
	outbox *invOutbox
	org    Organization
}

func newInvFixture(t *testing.T) *invFixture {
	t.Helper()
	f := &invFixture{store: NewMemoryStore(), clock: newInvClock(), events: &invEvents{}, outbox: &invOutbox{}}
	f.svc = New(f.store, &Options{Now: f.clock.Now, Events: f.events.record, Inviter: InviterFunc(f.outbox.send)})
	ctx := context.Background()
	var err error
	f.org, err = f.svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, f.org.ID, "admin", RoleAdmin)
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, f.org.ID, "member", RoleMember)
	require.NoError(t, err)
	f.events.take()
	return f
}

// invite invites email as "admin" and returns the invitation and the token the Inviter
// received. It discards earlier events and messages and consumes those of the call.
func (f *invFixture) invite(t *testing.T, email string, opts *InviteOptions) (Invitation, string) {
	t.Helper()
	f.events.take()
	f.outbox.take()
	inv, err := f.svc.Invite(context.Background(), f.org.ID, "admin", email, opts)
	require.NoError(t, err)
	msgs := f.outbox.take()
	require.Len(t, msgs, 1)
	require.Len(t, f.events.take(), 1)
	return inv, msgs[0].Token
}

// pending returns all pending invitations of the fixture's organization.
func (f *invFixture) pending(t *testing.T) []Invitation {
	t.Helper()
	p, err := f.svc.PendingInvitations(context.Background(), f.org.ID, ListOptions{Limit: MaxPageSize})
	require.NoError(t, err)
	return p.Items
}

// members returns all memberships of the fixture's organization.
func (f *invFixture) members(t *testing.T) []OrganizationUser {
	t.Helper()
	p, err := f.svc.Members(context.Background(), f.org.ID, ListOptions{Limit: MaxPageSize})
	require.NoError(t, err)
	return p.Items
}

func TestInviteDefaults(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := Timestamp(f.clock.Now())

	inv, err := f.svc.Invite(ctx, f.org.ID, "admin", "  Bob@Example.COM ", nil)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, inv.ID)
	require.Equal(t, f.org.ID, inv.OrganizationID)
	require.Equal(t, "bob@example.com", inv.Email)
	require.Equal(t, RoleMember, inv.Role)
	require.Equal(t, UserID("admin"), inv.InvitedBy)
	require.False(t, inv.Bearer)
	require.Equal(t, InvitationStatusPending, inv.Status)
	require.Equal(t, now, inv.CreatedAt)
	require.Equal(t, now.Add(DefaultInvitationTTL), inv.ExpiresAt)
	require.True(t, inv.RespondedAt.IsZero())
	require.Empty(t, inv.AcceptedBy)

	msgs := f.outbox.take()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, inv, m.Invitation)
	require.Equal(t, f.org, m.Organization)
	require.Equal(t, UserID("admin"), m.InvitedBy)
	require.False(t, m.Reminder)
	_, ok := parseToken(m.Token)
	require.True(t, ok, "token %q", m.Token)
	require.NotContains(t, m.Token, inv.ID.String())

	require.Equal(t, []Event{InvitationCreated{Invitation: inv, Actor: "admin"}}, f.events.take())

	stored, err := f.store.Invitation(ctx, inv.ID, now)
	require.NoError(t, err)
	require.Equal(t, inv, stored)
	preview, err := f.svc.InvitationByToken(ctx, m.Token)
	require.NoError(t, err)
	require.Equal(t, inv, preview)
}

func TestInviteOptions(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	now := Timestamp(f.clock.Now())
	inv, _ := f.invite(t, "carol@example.com", &InviteOptions{Role: RoleAdmin, TTL: 90 * time.Minute, Bearer: true})
	require.Equal(t, RoleAdmin, inv.Role)
	require.True(t, inv.Bearer)
	require.Equal(t, now.Add(90*time.Minute), inv.ExpiresAt)

	// A zero or negative TTL means Options.InvitationTTL; an empty role means member.
	svc := New(f.store, &Options{Now: f.clock.Now, Inviter: InviterFunc(f.outbox.send), InvitationTTL: time.Hour})
	inv, err := svc.Invite(context.Background(), f.org.ID, "owner", "dave@example.com", &InviteOptions{TTL: -time.Minute})
	require.NoError(t, err)
	require.Equal(t, RoleMember, inv.Role)
	require.Equal(t, now.Add(time.Hour), inv.ExpiresAt)
}

func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	unconfigured := New(f.store, &Options{Now: f.clock.Now, Events: f.events.record})

	cases := []struct {
		name  string
		svc   *Service
		ctx   context.Context
		org   uuid.UUID
		by    UserID
		email string
		opts  *InviteOptions
		want  error
	}{
		{"no inviter", unconfigured, ctx, f.org.ID, "admin", "bob@example.com", nil, ErrNotConfigured},
		{"canceled", f.svc, canceled, f.org.ID, "admin", "bob@example.com", nil, context.Canceled},
		{"nil org", f.svc, ctx, uuid.Nil, "admin", "bob@example.com", nil, ErrOrganizationNotFound},
		{"unknown org", f.svc, ctx, uuid.New(), "admin", "bob@example.com", nil, ErrOrganizationNotFound},
		{"empty inviter", f.svc, ctx, f.org.ID, "", "bob@example.com", nil, ErrInvalidUserID},
		{"invalid inviter", f.svc, ctx, f.org.ID, "a\x00b", "bob@example.com", nil, ErrInvalidUserID},
		{"empty email", f.svc, ctx, f.org.ID, "admin", "", nil, ErrInvalidEmail},
		{"bad email", f.svc, ctx, f.org.ID, "admin", "bob at example.com", nil, ErrInvalidEmail},
		{"bad role", f.svc, ctx, f.org.ID, "admin", "bob@example.com", &InviteOptions{Role: "owner"}, ErrInvalidRole},
		{"plain member", f.svc, ctx, f.org.ID, "member", "bob@example.com", nil, ErrPermissionDenied},
		{"stranger", f.svc, ctx, f.org.ID, "stranger", "bob@example.com", nil, ErrPermissionDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := c.svc.Invite(c.ctx, c.org, c.by, c.email, c.opts)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, Invitation{}, inv)
			require.Empty(t, f.outbox.take(), "nothing is sent")
			require.Empty(t, f.events.take(), "nothing is emitted")
			require.Empty(t, f.pending(t), "nothing is stored")
		})
	}
}

func TestInviteDuplicate(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	first, _ := f.invite(t, "bob@example.com", &InviteOptions{TTL: time.Hour})

	_, err := f.svc.Invite(ctx, f.org.ID, "owner", " BOB@example.com", nil)
	require.ErrorIs(t, err, ErrAlreadyInvited)
	require.Empty(t, f.outbox.take())
	require.Empty(t, f.events.take())
	require.Equal(t, []Invitation{first}, f.pending(t))

	// Another organization may invite the same email.
	other, err := f.svc.CreateOrganization(ctx, "admin", "Other", nil)
	require.NoError(t, err)
	_, err = f.svc.Invite(ctx, other.ID, "admin", "bob@example.com", nil)
	require.NoError(t, err)

	// Once the first invitation has expired, a new one may be sent.
	f.clock.Advance(time.Hour)
	second, _ := f.invite(t, "bob@example.com", nil)
	require.NotEqual(t, first.ID, second.ID)
	require.Equal(t, []Invitation{second}, f.pending(t))
}

func TestInviteSendFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	boom := errors.New("smtp down")
	var token string
	f.svc.opts.Inviter = InviterFunc(func(ctx context.Context, m InvitationMessage) error {
		token = m.Token
		// The invitation is stored before it is sent, so that the link works at once.
		got, err := f.store.InvitationByTokenHash(ctx, mustParseToken(t, m.Token), Timestamp(f.clock.Now()))
		require.NoError(t, err)
		require.Equal(t, m.Invitation, got)
		return boom
	})

	inv, err := f.svc.Invite(ctx, f.org.ID, "admin", "bob@example.com", nil)
	require.ErrorIs(t, err, boom)
	require.Equal(t, Invitation{}, inv)
	require.NotEmpty(t, token)
	require.Empty(t, f.events.take(), "no InvitationCreated for an unsent invitation")
	require.Empty(t, f.pending(t))
	forEmail, err := f.svc.InvitationsForEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Empty(t, forEmail)
	_, err = f.svc.InvitationByToken(ctx, token)
	require.ErrorIs(t, err, ErrInvitationNotFound)

	// A retry is not refused as a duplicate.
	f.svc.opts.Inviter = InviterFunc(f.outbox.send)
	f.invite(t, "bob@example.com", nil)
	require.Len(t, f.pending(t), 1)
}

func TestInviteCanceledDuringSendStillCleansUp(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.svc.opts.Inviter = InviterFunc(func(ctx context.Context, _ InvitationMessage) error {
		cancel()
		return ctx.Err()
	})
	_, err := f.svc.Invite(ctx, f.org.ID, "admin", "bob@example.com", nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, f.pending(t))
	require.Empty(t, f.events.take())
}

func TestInviteCleanupFailureIsReported(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	boom, storeDown := errors.New("smtp down"), errors.New("store down")
	st := &invFailingStore{MemoryStore: f.store, deleteInvitation: storeDown}
	svc := New(st, &Options{Now: f.clock.Now, Events: f.events.record, Inviter: InviterFunc(func(context.Context, InvitationMessage) error { return boom })})
	_, err := svc.Invite(context.Background(), f.org.ID, "admin", "bob@example.com", nil)
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, err, storeDown)
	require.Empty(t, f.events.take())
}

// invFailingStore is a MemoryStore whose DeleteInvitation fails.
type invFailingStore struct {
	*MemoryStore
	deleteInvitation error
}

func (s *invFailingStore) DeleteInvitation(context.Context, uuid.UUID) error {
	return s.deleteInvitation
}

func mustParseToken(t *testing.T, token string) []byte {
	t.Helper()
	h, ok := parseToken(token)
	require.True(t, ok, "token %q", token)
	return h
}

func TestInvitationByToken(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &InviteOptions{TTL: time.Hour})

	got, err := f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, inv, got)
	require.Len(t, f.members(t), 3, "a preview accepts nothing")
	require.Equal(t, []Invitation{inv}, f.pending(t))
	require.Empty(t, f.events.take())

	other, _ := newToken()
	for _, bad := range []string{"", "x", token + "x", token[:TokenLength-1], strings.ToUpper(token), other, inv.ID.String()} {
		if bad == token {
			continue // ToUpper of a token without letters: astronomically unlikely
		}
		_, err := f.svc.InvitationByToken(ctx, bad)
		require.ErrorIs(t, err, ErrInvitationNotFound, "%q", bad)
	}

	f.clock.Advance(time.Hour)
	got, err = f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, InvitationStatusExpired, got.Status)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.svc.InvitationByToken(canceled, token)
	require.ErrorIs(t, err, context.Canceled)
}

func TestAcceptInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &InviteOptions{Role: RoleAdmin})
	f.clock.Advance(time.Minute)
	now := Timestamp(f.clock.Now())

	m, err := f.svc.AcceptInvitation(ctx, token, "bob", " Bob@Example.com")
	require.NoError(t, err)
	require.Equal(t, f.org.ID, m.OrganizationID)
	require.Equal(t, UserID("bob"), m.UserID)
	require.Equal(t, RoleAdmin, m.Role, "the invitation's role")
	require.Equal(t, now, m.CreatedAt)

	accepted := inv
	accepted.Status, accepted.RespondedAt, accepted.AcceptedBy = InvitationStatusAccepted, now, "bob"
	require.Equal(t, []Event{
		InvitationAccepted{Invitation: accepted, OrganizationUser: m, Actor: "bob"},
		UserAdded{OrganizationUser: m, Actor: "bob"},
	}, f.events.take())
	stored, err := f.svc.OrganizationUser(ctx, f.org.ID, "bob")
	require.NoError(t, err)
	require.Equal(t, m, stored)
	preview, err := f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, accepted, preview)
	require.Empty(t, f.pending(t))

	// The same user accepting again gets the same membership and no new event.
	again, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.NoError(t, err)
	require.Equal(t, m, again)
	require.Empty(t, f.events.take())

	// Anyone else is refused, even with the right email.
	_, err = f.svc.AcceptInvitation(ctx, token, "mallory", "bob@example.com")
	require.ErrorIs(t, err, ErrInvitationClosed)
	require.Empty(t, f.events.take())
	require.Len(t, f.members(t), 4)
}

func TestAcceptInvitationExistingMember(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	before, err := f.svc.OrganizationUser(ctx, f.org.ID, "member")
	require.NoError(t, err)
	_, token := f.invite(t, "member@example.com", &InviteOptions{Role: RoleAdmin})

	m, err := f.svc.AcceptInvitation(ctx, token, "member", "member@example.com")
	require.NoError(t, err)
	require.Equal(t, before, m, "the existing membership, unchanged")
	events := f.events.take()
	require.Len(t, events, 1, "InvitationAccepted only, no UserAdded")
	require.IsType(t, InvitationAccepted{}, events[0])
	require.Equal(t, InvitationStatusAccepted, events[0].(InvitationAccepted).Invitation.Status)
	require.Len(t, f.members(t), 3)
}

func TestAcceptInvitationBearer(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, token := f.invite(t, "bob@example.com", &InviteOptions{Bearer: true})
	m, err := f.svc.AcceptInvitation(ctx, token, "carol", "")
	require.NoError(t, err, "a bearer invitation needs no matching email")
	require.Equal(t, UserID("carol"), m.UserID)
	require.Len(t, f.events.take(), 2)

	_, token = f.invite(t, "dave@example.com", &InviteOptions{Bearer: true})
	_, err = f.svc.AcceptInvitation(ctx, token, "erin", "erin@example.org")
	require.NoError(t, err)
}

func TestAcceptInvitationRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, bound := f.invite(t, "bob@example.com", nil)
	_, bearer := f.invite(t, "any@example.com", &InviteOptions{Bearer: true})
	_, expired := f.invite(t, "late@example.com", &InviteOptions{TTL: time.Minute})
	_, declined := f.invite(t, "no@example.com", nil)
	require.NoError(t, f.svc.DeclineInvitation(ctx, declined, "no@example.com"))
	revokedInv, revoked := f.invite(t, "gone@example.com", nil)
	require.NoError(t, f.svc.RevokeInvitation(ctx, revokedInv.ID, "owner"))
	f.events.take()
	f.clock.Advance(time.Minute)
	forged, _ := newToken()
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	cases := []struct {
		name  string
		ctx   context.Context
		token string
		user  UserID
		email string
		want  error
	}{
		{"canceled", canceled, bound, "bob", "bob@example.com", context.Canceled},
		{"invalid user", ctx, bound, "", "bob@example.com", ErrInvalidUserID},
		{"invalid email", ctx, bound, "bob", "bob", ErrInvalidEmail},
		{"malformed token", ctx, "not-a-token", "bob", "bob@example.com", ErrInvitationNotFound},
		{"forged token", ctx, forged, "bob", "bob@example.com", ErrInvitationNotFound},
		{"other email", ctx, bound, "bob", "robert@example.com", ErrInvitationEmailMismatch},
		{"no email", ctx, bound, "bob", "", ErrInvitationEmailMismatch},
		{"own invitation", ctx, bearer, "admin", "admin@example.com", ErrPermissionDenied},
		{"expired", ctx, expired, "late", "late@example.com", ErrInvitationExpired},
		{"declined", ctx, declined, "no", "no@example.com", ErrInvitationClosed},
		{"revoked", ctx, revoked, "gone", "gone@example.com", ErrInvitationClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := f.svc.AcceptInvitation(c.ctx, c.token, c.user, c.email)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, OrganizationUser{}, m)
			require.Empty(t, f.events.take())
			require.Len(t, f.members(t), 3)
		})
	}
	require.Len(t, f.pending(t), 2, "the refused pending invitations stay pending")
}

func TestAcceptInvitationParallel(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, token := f.invite(t, "team@example.com", &InviteOptions{Bearer: true})

	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.svc.AcceptInvitation(ctx, token, UserID("user"+string(rune('a'+i))), "")
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, ErrInvitationClosed)
		}
	}
	require.Equal(t, 1, won)
	require.Len(t, f.members(t), 4, "exactly one membership made")
	events := f.events.take()
	require.Len(t, events, 2)
	require.IsType(t, InvitationAccepted{}, events[0])
	require.IsType(t, UserAdded{}, events[1])

	// N parallel accepts by one user: all get the one membership, events once.
	_, token = f.invite(t, "zed@example.com", nil)
	ms := make([]OrganizationUser, n)
	for i := range n {
		wg.Go(func() {
			ms[i], errs[i] = f.svc.AcceptInvitation(ctx, token, "zed", "zed@example.com")
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.Equal(t, ms[0], ms[i])
	}
	require.Len(t, f.events.take(), 2)
	require.Len(t, f.members(t), 5)
}

func TestDeclineInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &InviteOptions{TTL: time.Hour})

	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "carol@example.com"), ErrInvitationEmailMismatch)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, ""), ErrInvitationEmailMismatch)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "nope"), ErrInvalidEmail)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, "nope", "bob@example.com"), ErrInvitationNotFound)
	require.Empty(t, f.events.take())

	f.clock.Advance(time.Minute)
	require.NoError(t, f.svc.DeclineInvitation(ctx, token, "BOB@example.com"))
	declined := inv
	declined.Status, declined.RespondedAt = InvitationStatusDeclined, Timestamp(f.clock.Now())
	require.Equal(t, []Event{InvitationDeclined{Invitation: declined}}, f.events.take())
	require.Empty(t, f.pending(t))

	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "bob@example.com"), ErrInvitationClosed)
	_, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.ErrorIs(t, err, ErrInvitationClosed)
	require.Empty(t, f.events.take())

	_, late := f.invite(t, "late@example.com", &InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, late, "late@example.com"), ErrInvitationExpired)
	_, bearer := f.invite(t, "any@example.com", &InviteOptions{Bearer: true})
	require.NoError(t, f.svc.DeclineInvitation(ctx, bearer, ""))
	require.Len(t, f.events.take(), 1)
}

func TestRevokeInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", nil)

	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, inv.ID, "member"), ErrPermissionDenied)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, inv.ID, "stranger"), ErrPermissionDenied)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, inv.ID, ""), ErrInvalidUserID)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, uuid.Nil, "owner"), ErrInvitationNotFound)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, uuid.New(), "owner"), ErrInvitationNotFound)
	require.Empty(t, f.events.take())
	require.Len(t, f.pending(t), 1)

	require.NoError(t, f.svc.RevokeInvitation(ctx, inv.ID, "owner"))
	revoked := inv
	revoked.Status, revoked.RespondedAt = InvitationStatusRevoked, Timestamp(f.clock.Now())
	require.Equal(t, []Event{InvitationRevoked{Invitation: revoked, Actor: "owner"}}, f.events.take())
	require.Empty(t, f.pending(t))
	_, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.ErrorIs(t, err, ErrInvitationClosed)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, inv.ID, "owner"), ErrInvitationClosed)

	late, _ := f.invite(t, "late@example.com", &InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, late.ID, "owner"), ErrInvitationExpired)
	require.Empty(t, f.events.take())
}

func TestResendInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, oldToken := f.invite(t, "bob@example.com", &InviteOptions{TTL: time.Minute})
	f.clock.Advance(2 * time.Minute) // expired: resending revives it
	now := Timestamp(f.clock.Now())

	got, err := f.svc.ResendInvitation(ctx, inv.ID, "owner")
	require.NoError(t, err)
	want := inv
	want.ExpiresAt = now.Add(DefaultInvitationTTL) // Options.InvitationTTL, not the first TTL
	require.Equal(t, want, got)
	msgs := f.outbox.take()
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].Reminder)
	require.Equal(t, UserID("owner"), msgs[0].InvitedBy, "the admin who resent")
	require.Equal(t, want, msgs[0].Invitation)
	require.Equal(t, f.org, msgs[0].Organization)
	newToken := msgs[0].Token
	require.NotEqual(t, oldToken, newToken)
	require.Empty(t, f.events.take(), "resending emits nothing")

	_, err = f.svc.InvitationByToken(ctx, oldToken)
	require.ErrorIs(t, err, ErrInvitationNotFound, "the old token is dead")
	_, err = f.svc.AcceptInvitation(ctx, oldToken, "bob", "bob@example.com")
	require.ErrorIs(t, err, ErrInvitationNotFound)
	require.Equal(t, []Invitation{want}, f.pending(t))

	_, err = f.svc.AcceptInvitation(ctx, newToken, "bob", "bob@example.com")
	require.NoError(t, err)
	_, err = f.svc.ResendInvitation(ctx, inv.ID, "owner")
	require.ErrorIs(t, err, ErrInvitationClosed)
	require.Empty(t, f.outbox.take())
}

func TestResendInvitationRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", nil)
	unconfigured := New(f.store, &Options{Now: f.clock.Now})

	_, err := unconfigured.ResendInvitation(ctx, inv.ID, "owner")
	require.ErrorIs(t, err, ErrNotConfigured)
	_, err = f.svc.ResendInvitation(ctx, inv.ID, "member")
	require.ErrorIs(t, err, ErrPermissionDenied)
	_, err = f.svc.ResendInvitation(ctx, inv.ID, "")
	require.ErrorIs(t, err, ErrInvalidUserID)
	_, err = f.svc.ResendInvitation(ctx, uuid.Nil, "owner")
	require.ErrorIs(t, err, ErrInvitationNotFound)
	_, err = f.svc.ResendInvitation(ctx, uuid.New(), "owner")
	require.ErrorIs(t, err, ErrInvitationNotFound)
	require.Empty(t, f.outbox.take())
	_, err = f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err, "refused resends leave the token working")

	// An expired invitation cannot be revived over a newer pending one.
	late, _ := f.invite(t, "late@example.com", &InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	f.invite(t, "late@example.com", nil)
	_, err = f.svc.ResendInvitation(ctx, late.ID, "admin")
	require.ErrorIs(t, err, ErrAlreadyInvited)
	require.Empty(t, f.outbox.take())
}

func TestResendInvitationSendFailure(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, oldToken := f.invite(t, "bob@example.com", nil)
	boom := errors.New("smtp down")
	f.outbox.setFail(boom)

	_, err := f.svc.ResendInvitation(ctx, inv.ID, "admin")
	require.ErrorIs(t, err, boom)
	// Documented state: still pending, the old token dead, the new one unsent.
	require.Len(t, f.pending(t), 1)
	_, err = f.svc.InvitationByToken(ctx, oldToken)
	require.ErrorIs(t, err, ErrInvitationNotFound)

	f.outbox.setFail(nil)
	_, err = f.svc.ResendInvitation(ctx, inv.ID, "admin")
	require.NoError(t, err)
	msgs := f.outbox.take()
	require.Len(t, msgs, 1)
	_, err = f.svc.AcceptInvitation(ctx, msgs[0].Token, "bob", "bob@example.com")
	require.NoError(t, err, "a retried resend delivers a working token")
}

func TestPendingInvitations(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	var want []Invitation
	for _, e := range []string{"a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"} {
		inv, _ := f.invite(t, e, nil)
		want = append(want, inv)
	}
	_, acceptedToken := f.invite(t, "accepted@x.io", nil)
	_, err := f.svc.AcceptInvitation(ctx, acceptedToken, "acc", "accepted@x.io")
	require.NoError(t, err)
	f.invite(t, "expired@x.io", &InviteOptions{TTL: time.Second})
	f.clock.Advance(time.Second)

	var got []Invitation
	opts := ListOptions{Limit: 2}
	pages := 0
	for {
		p, err := f.svc.PendingInvitations(ctx, f.org.ID, opts)
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), 2)
		got = append(got, p.Items...)
		pages++
		if p.Next == "" {
			break
		}
		opts.After = p.Next
	}
	require.Equal(t, want, got, "pending, unexpired, in creation order, no repeats")
	require.Equal(t, 3, pages)

	_, err = f.svc.PendingInvitations(ctx, f.org.ID, ListOptions{Limit: -1})
	require.ErrorIs(t, err, ErrInvalidListOptions)
	_, err = f.svc.PendingInvitations(ctx, f.org.ID, ListOptions{After: "!!"})
	require.ErrorIs(t, err, ErrInvalidListOptions)
	_, err = f.svc.PendingInvitations(ctx, uuid.Nil, ListOptions{})
	require.ErrorIs(t, err, ErrOrganizationNotFound)
	_, err = f.svc.PendingInvitations(ctx, uuid.New(), ListOptions{})
	require.ErrorIs(t, err, ErrOrganizationNotFound)

	empty := newInvFixture(t)
	p, err := empty.svc.PendingInvitations(ctx, empty.org.ID, ListOptions{})
	require.NoError(t, err)
	require.Equal(t, Page[Invitation]{Items: []Invitation{}}, p)
}

func TestInvitationsForEmail(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	other, err := f.svc.CreateOrganization(ctx, "admin", "Other", nil)
	require.NoError(t, err)
	first, _ := f.invite(t, "bob@example.com", nil)
	second, err := f.svc.Invite(ctx, other.ID, "admin", "bob@example.com", nil)
	require.NoError(t, err)
	f.invite(t, "carol@example.com", nil)
	_, err = f.svc.Invite(ctx, other.ID, "admin", "expiring@example.com", &InviteOptions{TTL: time.Second})
	require.NoError(t, err)
	f.clock.Advance(time.Second)

	got, err := f.svc.InvitationsForEmail(ctx, "  BOB@example.com")
	require.NoError(t, err)
	require.Equal(t, []Invitation{first, second}, got)

	got, err = f.svc.InvitationsForEmail(ctx, "expiring@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = f.svc.InvitationsForEmail(ctx, "nobody@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.svc.InvitationsForEmail(ctx, "bob")
	require.ErrorIs(t, err, ErrInvalidEmail)
}

// TestInvitationTokenNotStored checks through the Store that only the hash of a token is
// kept: neither the raw bytes, nor the text, nor a hash of the text finds the invitation,
// and its ID is unrelated to the token.
func TestInvitationTokenNotStored(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := Timestamp(f.clock.Now())
	inv, token := f.invite(t, "bob@example.com", nil)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)

	textHash := sha256.Sum256([]byte(token))
	for _, key := range [][]byte{raw, []byte(token), textHash[:], inv.ID[:]} {
		_, err := f.store.InvitationByTokenHash(ctx, key, now)
		require.ErrorIs(t, err, ErrInvitationNotFound)
	}
	rawHash := sha256.Sum256(raw)
	got, err := f.store.InvitationByTokenHash(ctx, rawHash[:], now)
	require.NoError(t, err)
	require.Equal(t, inv.ID, got.ID)
	require.NotContains(t, string(raw), string(inv.ID[:]))
}

func TestDeleteOrganizationDeletesInvitations(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", nil)
	require.NoError(t, f.svc.DeleteOrganization(ctx, f.org.ID))
	_, err := f.svc.InvitationByToken(ctx, token)
	require.ErrorIs(t, err, ErrInvitationNotFound)
	got, err := f.svc.InvitationsForEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.svc.ResendInvitation(ctx, inv.ID, "owner")
	require.ErrorIs(t, err, ErrInvitationNotFound)
}

func TestMemoryStoreDeleteInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := Timestamp(f.clock.Now())
	inv, token := f.invite(t, "bob@example.com", nil)
	keep, _ := f.invite(t, "carol@example.com", nil)

	require.NoError(t, f.store.DeleteInvitation(ctx, inv.ID))
	_, err := f.store.Invitation(ctx, inv.ID, now)
	require.ErrorIs(t, err, ErrInvitationNotFound)
	_, err = f.store.InvitationByTokenHash(ctx, mustParseToken(t, token), now)
	require.ErrorIs(t, err, ErrInvitationNotFound)
	got, err := f.store.InvitationsForEmail(ctx, "bob@example.com", now)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, []Invitation{keep}, f.pending(t))

	require.NoError(t, f.store.DeleteInvitation(ctx, inv.ID), "deleting twice is not an error")
	require.NoError(t, f.store.DeleteInvitation(ctx, uuid.New()))
	f.invite(t, "bob@example.com", nil) // the email is free again
}

// TestInvitationStatusAt pins the one rule of expiry, and the error of each status, that
// every store uses.
func TestInvitationStatusAt(t *testing.T) {
	expires := Timestamp(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	for _, c := range []struct {
		stored InvitationStatus
		now    time.Time
		want   InvitationStatus
		err    error
	}{
		{InvitationStatusPending, expires.Add(-time.Microsecond), InvitationStatusPending, nil},
		{InvitationStatusPending, expires, InvitationStatusExpired, ErrInvitationExpired},
		{InvitationStatusPending, expires.Add(time.Hour), InvitationStatusExpired, ErrInvitationExpired},
		{InvitationStatusExpired, expires.Add(-time.Hour), InvitationStatusExpired, ErrInvitationExpired},
		{InvitationStatusAccepted, expires.Add(time.Hour), InvitationStatusAccepted, ErrInvitationClosed},
		{InvitationStatusDeclined, expires.Add(-time.Hour), InvitationStatusDeclined, ErrInvitationClosed},
		{InvitationStatusRevoked, expires.Add(time.Hour), InvitationStatusRevoked, ErrInvitationClosed},
	} {
		inv := Invitation{Status: c.stored, ExpiresAt: expires}
		got := inv.StatusAt(c.now)
		require.Equal(t, c.want, got, "%s at %v", c.stored, c.now)
		require.Equal(t, c.stored, inv.Status, "StatusAt changes nothing")
		if c.err == nil {
			require.NoError(t, got.Err(), "%s", got)
		} else {
			require.ErrorIs(t, got.Err(), c.err, "%s", got)
		}
	}
}
