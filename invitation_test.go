package organizations_test

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

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
)

// newClock is the clock of the invitation and registration tests.
func newClock() *organizationstest.Clock {
	return organizationstest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC))
}

// invFixture is a Service over a MemoryStore with one organization "Acme" owned by
// "owner", with "admin" an admin and "member" a member, and no events recorded yet.
type invFixture struct {
	svc    *organizations.Service
	store  *organizations.MemoryStore
	clock  *organizationstest.Clock
	events *organizationstest.Recorder
	outbox *organizationstest.Outbox
	org    organizations.Organization
}

func newInvFixture(t *testing.T) *invFixture {
	t.Helper()
	f := &invFixture{store: organizations.NewMemoryStore(), clock: newClock(), events: &organizationstest.Recorder{}, outbox: &organizationstest.Outbox{}}
	f.setInviter(f.outbox)
	ctx := context.Background()
	var err error
	f.org, err = f.svc.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, f.org.ID, "admin", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = f.svc.AddUser(ctx, f.org.ID, "member", organizations.RoleMember)
	require.NoError(t, err)
	f.events.Take()
	return f
}

// setInviter makes f.svc a Service over the same store, clock and events that sends
// invitations through inviter.
func (f *invFixture) setInviter(inviter organizations.Inviter) {
	f.svc = organizations.New(f.store, &organizations.Options{Now: f.clock.Now, Events: f.events.Record, Inviter: inviter})
}

// invite invites email as "admin" and returns the invitation and the token the Inviter
// received. It discards earlier events and messages and consumes those of the call.
func (f *invFixture) invite(t *testing.T, email string, opts *organizations.InviteOptions) (organizations.Invitation, string) {
	t.Helper()
	f.events.Take()
	f.outbox.TakeInvitations()
	inv, err := f.svc.Invite(context.Background(), "admin", f.org.ID, email, opts)
	require.NoError(t, err)
	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	require.Len(t, f.events.Take(), 1)
	return inv, msgs[0].Token
}

// pending returns all pending invitations of the fixture's organization.
func (f *invFixture) pending(t *testing.T) []organizations.Invitation {
	t.Helper()
	p, err := f.svc.PendingInvitations(context.Background(), f.org.ID, organizations.ListOptions{Limit: organizations.MaxPageSize})
	require.NoError(t, err)
	return p.Items
}

// members returns all memberships of the fixture's organization.
func (f *invFixture) members(t *testing.T) []organizations.OrganizationUser {
	t.Helper()
	p, err := f.svc.Members(context.Background(), f.org.ID, organizations.ListOptions{Limit: organizations.MaxPageSize})
	require.NoError(t, err)
	return p.Items
}

func TestInviteDefaults(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := organizations.Timestamp(f.clock.Now())

	inv, err := f.svc.Invite(ctx, "admin", f.org.ID, "  Bob@Example.COM ", nil)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, inv.ID)
	require.Equal(t, f.org.ID, inv.OrganizationID)
	require.Equal(t, "bob@example.com", inv.Email)
	require.Equal(t, organizations.RoleMember, inv.Role)
	require.Equal(t, organizations.UserID("admin"), inv.InvitedBy)
	require.False(t, inv.Bearer)
	require.Equal(t, organizations.InvitationStatusPending, inv.Status)
	require.Equal(t, now, inv.CreatedAt)
	require.Equal(t, now.Add(organizations.DefaultInvitationTTL), inv.ExpiresAt)
	require.True(t, inv.RespondedAt.IsZero())
	require.Empty(t, inv.AcceptedBy)

	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, inv, m.Invitation)
	require.Equal(t, f.org, m.Organization)
	require.Equal(t, organizations.UserID("admin"), m.InvitedBy)
	require.False(t, m.Reminder)
	_, ok := organizations.ParseToken(m.Token)
	require.True(t, ok, "token %q", m.Token)
	require.NotContains(t, m.Token, inv.ID.String())

	require.Equal(t, []organizations.Event{organizations.InvitationCreated{Invitation: inv, Actor: "admin"}}, f.events.Take())

	stored, err := f.store.Invitation(ctx, inv.ID, now)
	require.NoError(t, err)
	require.Equal(t, inv, stored)
	preview, err := f.svc.InvitationByToken(ctx, m.Token)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationDetails{Invitation: inv, Organization: f.org}, preview, "the invitation with its organization")
}

func TestInviteOptions(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	now := organizations.Timestamp(f.clock.Now())
	inv, _ := f.invite(t, "carol@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin, TTL: 90 * time.Minute, Bearer: true})
	require.Equal(t, organizations.RoleAdmin, inv.Role)
	require.True(t, inv.Bearer)
	require.Equal(t, now.Add(90*time.Minute), inv.ExpiresAt)

	// A zero or negative TTL means Options.InvitationTTL; an empty role means member.
	svc := organizations.New(f.store, &organizations.Options{Now: f.clock.Now, Inviter: f.outbox, InvitationTTL: time.Hour})
	inv, err := svc.Invite(context.Background(), "owner", f.org.ID, "dave@example.com", &organizations.InviteOptions{TTL: -time.Minute})
	require.NoError(t, err)
	require.Equal(t, organizations.RoleMember, inv.Role)
	require.Equal(t, now.Add(time.Hour), inv.ExpiresAt)
}

func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	unconfigured := organizations.New(f.store, &organizations.Options{Now: f.clock.Now, Events: f.events.Record})

	cases := []struct {
		name  string
		svc   *organizations.Service
		ctx   context.Context
		org   uuid.UUID
		by    organizations.UserID
		email string
		opts  *organizations.InviteOptions
		want  error
	}{
		{"no inviter", unconfigured, ctx, f.org.ID, "admin", "bob@example.com", nil, organizations.ErrNotConfigured},
		{"canceled", f.svc, canceled, f.org.ID, "admin", "bob@example.com", nil, context.Canceled},
		{"nil org", f.svc, ctx, uuid.Nil, "admin", "bob@example.com", nil, organizations.ErrOrganizationNotFound},
		{"unknown org", f.svc, ctx, uuid.New(), "admin", "bob@example.com", nil, organizations.ErrOrganizationNotFound},
		{"empty inviter", f.svc, ctx, f.org.ID, "", "bob@example.com", nil, organizations.ErrInvalidUserID},
		{"invalid inviter", f.svc, ctx, f.org.ID, "a\x00b", "bob@example.com", nil, organizations.ErrInvalidUserID},
		{"empty email", f.svc, ctx, f.org.ID, "admin", "", nil, organizations.ErrInvalidEmail},
		{"bad email", f.svc, ctx, f.org.ID, "admin", "bob at example.com", nil, organizations.ErrInvalidEmail},
		{"bad role", f.svc, ctx, f.org.ID, "admin", "bob@example.com", &organizations.InviteOptions{Role: "owner"}, organizations.ErrInvalidRole},
		{"plain member", f.svc, ctx, f.org.ID, "member", "bob@example.com", nil, organizations.ErrPermissionDenied},
		{"stranger", f.svc, ctx, f.org.ID, "stranger", "bob@example.com", nil, organizations.ErrPermissionDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := c.svc.Invite(c.ctx, c.by, c.org, c.email, c.opts)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, organizations.Invitation{}, inv)
			require.Empty(t, f.outbox.TakeInvitations(), "nothing is sent")
			require.Empty(t, f.events.Take(), "nothing is emitted")
			require.Empty(t, f.pending(t), "nothing is stored")
		})
	}
}

func TestInviteDuplicate(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	first, _ := f.invite(t, "bob@example.com", &organizations.InviteOptions{TTL: time.Hour})

	_, err := f.svc.Invite(ctx, "owner", f.org.ID, " BOB@example.com", nil)
	require.ErrorIs(t, err, organizations.ErrAlreadyInvited)
	require.Empty(t, f.outbox.TakeInvitations())
	require.Empty(t, f.events.Take())
	require.Equal(t, []organizations.Invitation{first}, f.pending(t))

	// Another organization may invite the same email.
	other, err := f.svc.CreateOrganization(ctx, "admin", "Other", nil)
	require.NoError(t, err)
	_, err = f.svc.Invite(ctx, "admin", other.ID, "bob@example.com", nil)
	require.NoError(t, err)

	// Once the first invitation has expired, a new one may be sent.
	f.clock.Advance(time.Hour)
	second, _ := f.invite(t, "bob@example.com", nil)
	require.NotEqual(t, first.ID, second.ID)
	require.Equal(t, []organizations.Invitation{second}, f.pending(t))
}

func TestInviteSendFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	boom := errors.New("smtp down")
	var token string
	f.setInviter(organizations.InviterFunc(func(ctx context.Context, m organizations.InvitationMessage) error {
		token = m.Token
		// The invitation is stored before it is sent, so that the link works at once.
		got, err := f.store.InvitationByTokenHash(ctx, mustParseToken(t, m.Token), organizations.Timestamp(f.clock.Now()))
		require.NoError(t, err)
		require.Equal(t, organizations.InvitationDetails{Invitation: m.Invitation, Organization: m.Organization}, got)
		return boom
	}))

	inv, err := f.svc.Invite(ctx, "admin", f.org.ID, "bob@example.com", nil)
	require.ErrorIs(t, err, boom)
	require.Equal(t, organizations.Invitation{}, inv)
	require.NotEmpty(t, token)
	require.Empty(t, f.events.Take(), "no InvitationCreated for an unsent invitation")
	require.Empty(t, f.pending(t))
	forEmail, err := f.svc.InvitationsForEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Empty(t, forEmail)
	_, err = f.svc.InvitationByToken(ctx, token)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)

	// A retry is not refused as a duplicate.
	f.setInviter(f.outbox)
	f.invite(t, "bob@example.com", nil)
	require.Len(t, f.pending(t), 1)
}

func TestInviteCanceledDuringSendStillCleansUp(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.outbox.FailWith(func(ctx context.Context) error {
		cancel()
		return ctx.Err()
	})
	_, err := f.svc.Invite(ctx, "admin", f.org.ID, "bob@example.com", nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, f.pending(t))
	require.Empty(t, f.events.Take())
}

func TestInviteCleanupFailureIsReported(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	boom, storeDown := errors.New("smtp down"), errors.New("store down")
	st := &invFailingStore{MemoryStore: f.store, deleteInvitation: storeDown}
	svc := organizations.New(st, &organizations.Options{Now: f.clock.Now, Events: f.events.Record, Inviter: organizations.InviterFunc(func(context.Context, organizations.InvitationMessage) error { return boom })})
	_, err := svc.Invite(context.Background(), "admin", f.org.ID, "bob@example.com", nil)
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, err, storeDown)
	require.Empty(t, f.events.Take())
}

// invFailingStore is a MemoryStore whose DeleteInvitation fails.
type invFailingStore struct {
	*organizations.MemoryStore
	deleteInvitation error
}

func (s *invFailingStore) DeleteInvitation(context.Context, uuid.UUID) error {
	return s.deleteInvitation
}

func mustParseToken(t *testing.T, token string) []byte {
	t.Helper()
	h, ok := organizations.ParseToken(token)
	require.True(t, ok, "token %q", token)
	return h
}

func TestInvitationByToken(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &organizations.InviteOptions{TTL: time.Hour})

	got, err := f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationDetails{Invitation: inv, Organization: f.org}, got)
	require.Len(t, f.members(t), 3, "a preview accepts nothing")
	require.Equal(t, []organizations.Invitation{inv}, f.pending(t))
	require.Empty(t, f.events.Take())

	other, _ := organizations.NewToken()
	for _, bad := range []string{"", "x", token + "x", token[:organizations.TokenLength-1], strings.ToUpper(token), other, inv.ID.String()} {
		if bad == token {
			continue // ToUpper of a token without letters: astronomically unlikely
		}
		_, err := f.svc.InvitationByToken(ctx, bad)
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "%q", bad)
	}

	f.clock.Advance(time.Hour)
	got, err = f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusExpired, got.Status)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.svc.InvitationByToken(canceled, token)
	require.ErrorIs(t, err, context.Canceled)
}

func TestAcceptInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin})
	f.clock.Advance(time.Minute)
	now := organizations.Timestamp(f.clock.Now())

	m, err := f.svc.AcceptInvitation(ctx, token, "bob", " Bob@Example.com")
	require.NoError(t, err)
	require.Equal(t, f.org.ID, m.OrganizationID)
	require.Equal(t, organizations.UserID("bob"), m.UserID)
	require.Equal(t, organizations.RoleAdmin, m.Role, "the invitation's role")
	require.Equal(t, now, m.CreatedAt)

	accepted := inv
	accepted.Status, accepted.RespondedAt, accepted.AcceptedBy = organizations.InvitationStatusAccepted, now, "bob"
	require.Equal(t, []organizations.Event{
		organizations.InvitationAccepted{Invitation: accepted, OrganizationUser: m, Actor: "bob"},
		organizations.UserAdded{OrganizationUser: m, Actor: "bob"},
	}, f.events.Take())
	stored, err := f.svc.OrganizationUser(ctx, f.org.ID, "bob")
	require.NoError(t, err)
	require.Equal(t, m, stored)
	preview, err := f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationDetails{Invitation: accepted, Organization: f.org}, preview)
	require.Empty(t, f.pending(t))

	// The same user accepting again gets the same membership and no new event.
	again, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.NoError(t, err)
	require.Equal(t, m, again)
	require.Empty(t, f.events.Take())

	// Anyone else is refused, even with the right email.
	_, err = f.svc.AcceptInvitation(ctx, token, "mallory", "bob@example.com")
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	require.Empty(t, f.events.Take())
	require.Len(t, f.members(t), 4)
}

func TestAcceptInvitationExistingMember(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	before, err := f.svc.OrganizationUser(ctx, f.org.ID, "member")
	require.NoError(t, err)
	_, token := f.invite(t, "member@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin})

	m, err := f.svc.AcceptInvitation(ctx, token, "member", "member@example.com")
	require.NoError(t, err)
	require.Equal(t, before, m, "the existing membership, unchanged")
	events := f.events.Take()
	require.Len(t, events, 1, "InvitationAccepted only, no UserAdded")
	require.IsType(t, organizations.InvitationAccepted{}, events[0])
	require.Equal(t, organizations.InvitationStatusAccepted, events[0].(organizations.InvitationAccepted).Invitation.Status)
	require.Len(t, f.members(t), 3)
}

func TestAcceptInvitationBearer(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, token := f.invite(t, "bob@example.com", &organizations.InviteOptions{Bearer: true})
	m, err := f.svc.AcceptInvitation(ctx, token, "carol", "")
	require.NoError(t, err, "a bearer invitation needs no matching email")
	require.Equal(t, organizations.UserID("carol"), m.UserID)
	require.Len(t, f.events.Take(), 2)

	_, token = f.invite(t, "dave@example.com", &organizations.InviteOptions{Bearer: true})
	_, err = f.svc.AcceptInvitation(ctx, token, "erin", "erin@example.org")
	require.NoError(t, err)
}

func TestAcceptInvitationRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, bound := f.invite(t, "bob@example.com", nil)
	_, bearer := f.invite(t, "any@example.com", &organizations.InviteOptions{Bearer: true})
	_, expired := f.invite(t, "late@example.com", &organizations.InviteOptions{TTL: time.Minute})
	_, declined := f.invite(t, "no@example.com", nil)
	require.NoError(t, f.svc.DeclineInvitation(ctx, declined, "no@example.com"))
	revokedInv, revoked := f.invite(t, "gone@example.com", nil)
	require.NoError(t, f.svc.RevokeInvitation(ctx, "owner", revokedInv.ID))
	f.events.Take()
	f.clock.Advance(time.Minute)
	forged, _ := organizations.NewToken()
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	cases := []struct {
		name  string
		ctx   context.Context
		token string
		user  organizations.UserID
		email string
		want  error
	}{
		{"canceled", canceled, bound, "bob", "bob@example.com", context.Canceled},
		{"invalid user", ctx, bound, "", "bob@example.com", organizations.ErrInvalidUserID},
		{"invalid email", ctx, bound, "bob", "bob", organizations.ErrInvalidEmail},
		{"malformed token", ctx, "not-a-token", "bob", "bob@example.com", organizations.ErrInvitationNotFound},
		{"forged token", ctx, forged, "bob", "bob@example.com", organizations.ErrInvitationNotFound},
		{"other email", ctx, bound, "bob", "robert@example.com", organizations.ErrInvitationEmailMismatch},
		{"no email", ctx, bound, "bob", "", organizations.ErrInvitationEmailMismatch},
		{"own invitation", ctx, bearer, "admin", "admin@example.com", organizations.ErrPermissionDenied},
		{"expired", ctx, expired, "late", "late@example.com", organizations.ErrInvitationExpired},
		{"declined", ctx, declined, "no", "no@example.com", organizations.ErrInvitationClosed},
		{"revoked", ctx, revoked, "gone", "gone@example.com", organizations.ErrInvitationClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := f.svc.AcceptInvitation(c.ctx, c.token, c.user, c.email)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, organizations.OrganizationUser{}, m)
			require.Empty(t, f.events.Take())
			require.Len(t, f.members(t), 3)
		})
	}
	require.Len(t, f.pending(t), 2, "the refused pending invitations stay pending")
}

func TestAcceptInvitationParallel(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	_, token := f.invite(t, "team@example.com", &organizations.InviteOptions{Bearer: true})

	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.svc.AcceptInvitation(ctx, token, organizations.UserID("user"+string(rune('a'+i))), "")
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, organizations.ErrInvitationClosed)
		}
	}
	require.Equal(t, 1, won)
	require.Len(t, f.members(t), 4, "exactly one membership made")
	events := f.events.Take()
	require.Len(t, events, 2)
	require.IsType(t, organizations.InvitationAccepted{}, events[0])
	require.IsType(t, organizations.UserAdded{}, events[1])

	// N parallel accepts by one user: all get the one membership, events once.
	_, token = f.invite(t, "zed@example.com", nil)
	ms := make([]organizations.OrganizationUser, n)
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
	require.Len(t, f.events.Take(), 2)
	require.Len(t, f.members(t), 5)
}

func TestDeclineInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", &organizations.InviteOptions{TTL: time.Hour})

	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "carol@example.com"), organizations.ErrInvitationEmailMismatch)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, ""), organizations.ErrInvitationEmailMismatch)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "nope"), organizations.ErrInvalidEmail)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, "nope", "bob@example.com"), organizations.ErrInvitationNotFound)
	require.Empty(t, f.events.Take())

	f.clock.Advance(time.Minute)
	require.NoError(t, f.svc.DeclineInvitation(ctx, token, "BOB@example.com"))
	declined := inv
	declined.Status, declined.RespondedAt = organizations.InvitationStatusDeclined, organizations.Timestamp(f.clock.Now())
	require.Equal(t, []organizations.Event{organizations.InvitationDeclined{Invitation: declined}}, f.events.Take())
	require.Empty(t, f.pending(t))

	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, token, "bob@example.com"), organizations.ErrInvitationClosed)
	_, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	require.Empty(t, f.events.Take())

	_, late := f.invite(t, "late@example.com", &organizations.InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	require.ErrorIs(t, f.svc.DeclineInvitation(ctx, late, "late@example.com"), organizations.ErrInvitationExpired)
	_, bearer := f.invite(t, "any@example.com", &organizations.InviteOptions{Bearer: true})
	require.NoError(t, f.svc.DeclineInvitation(ctx, bearer, ""))
	require.Len(t, f.events.Take(), 1)
}

func TestRevokeInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", nil)

	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "member", inv.ID), organizations.ErrPermissionDenied)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "stranger", inv.ID), organizations.ErrPermissionDenied)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "", inv.ID), organizations.ErrInvalidUserID)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "owner", uuid.Nil), organizations.ErrInvitationNotFound)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "owner", uuid.New()), organizations.ErrInvitationNotFound)
	require.Empty(t, f.events.Take())
	require.Len(t, f.pending(t), 1)

	require.NoError(t, f.svc.RevokeInvitation(ctx, "owner", inv.ID))
	revoked := inv
	revoked.Status, revoked.RespondedAt = organizations.InvitationStatusRevoked, organizations.Timestamp(f.clock.Now())
	require.Equal(t, []organizations.Event{organizations.InvitationRevoked{Invitation: revoked, Actor: "owner"}}, f.events.Take())
	require.Empty(t, f.pending(t))
	_, err := f.svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "owner", inv.ID), organizations.ErrInvitationClosed)

	late, _ := f.invite(t, "late@example.com", &organizations.InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	require.ErrorIs(t, f.svc.RevokeInvitation(ctx, "owner", late.ID), organizations.ErrInvitationExpired)
	require.Empty(t, f.events.Take())
}

func TestResendInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, oldToken := f.invite(t, "bob@example.com", &organizations.InviteOptions{TTL: time.Minute})
	f.clock.Advance(2 * time.Minute) // expired: resending revives it
	now := organizations.Timestamp(f.clock.Now())

	got, err := f.svc.ResendInvitation(ctx, "owner", inv.ID)
	require.NoError(t, err)
	want := inv
	want.ExpiresAt = now.Add(organizations.DefaultInvitationTTL) // Options.InvitationTTL, not the first TTL
	want.InvitedBy = "owner"                                     // the resender takes over
	require.Equal(t, want, got)
	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	require.True(t, msgs[0].Reminder)
	require.Equal(t, organizations.UserID("owner"), msgs[0].InvitedBy, "the admin who resent")
	require.Equal(t, want, msgs[0].Invitation)
	require.Equal(t, f.org, msgs[0].Organization)
	newToken := msgs[0].Token
	require.NotEqual(t, oldToken, newToken)
	require.Empty(t, f.events.Take(), "resending emits nothing")

	_, err = f.svc.InvitationByToken(ctx, oldToken)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the old token is dead")
	_, err = f.svc.AcceptInvitation(ctx, oldToken, "bob", "bob@example.com")
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	require.Equal(t, []organizations.Invitation{want}, f.pending(t))

	_, err = f.svc.AcceptInvitation(ctx, newToken, "bob", "bob@example.com")
	require.NoError(t, err)
	_, err = f.svc.ResendInvitation(ctx, "owner", inv.ID)
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	require.Empty(t, f.outbox.TakeInvitations())
}

func TestResendInvitationRefusals(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, token := f.invite(t, "bob@example.com", nil)
	unconfigured := organizations.New(f.store, &organizations.Options{Now: f.clock.Now})

	_, err := unconfigured.ResendInvitation(ctx, "owner", inv.ID)
	require.ErrorIs(t, err, organizations.ErrNotConfigured)
	_, err = f.svc.ResendInvitation(ctx, "member", inv.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = f.svc.ResendInvitation(ctx, "", inv.ID)
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = f.svc.ResendInvitation(ctx, "owner", uuid.Nil)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = f.svc.ResendInvitation(ctx, "owner", uuid.New())
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	require.Empty(t, f.outbox.TakeInvitations())
	_, err = f.svc.InvitationByToken(ctx, token)
	require.NoError(t, err, "refused resends leave the token working")

	// An expired invitation cannot be revived over a newer pending one.
	late, _ := f.invite(t, "late@example.com", &organizations.InviteOptions{TTL: time.Minute})
	f.clock.Advance(time.Minute)
	f.invite(t, "late@example.com", nil)
	_, err = f.svc.ResendInvitation(ctx, "admin", late.ID)
	require.ErrorIs(t, err, organizations.ErrAlreadyInvited)
	require.Empty(t, f.outbox.TakeInvitations())
}

func TestResendInvitationSendFailure(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, oldToken := f.invite(t, "bob@example.com", nil)
	boom := errors.New("smtp down")
	f.outbox.FailWith(func(context.Context) error { return boom })

	_, err := f.svc.ResendInvitation(ctx, "admin", inv.ID)
	require.ErrorIs(t, err, boom)
	// Documented state: still pending, the old token dead, the new one unsent.
	require.Len(t, f.pending(t), 1)
	_, err = f.svc.InvitationByToken(ctx, oldToken)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	require.Len(t, f.outbox.TakeInvitations(), 1, "the message that failed to send")

	f.outbox.FailWith(nil)
	_, err = f.svc.ResendInvitation(ctx, "admin", inv.ID)
	require.NoError(t, err)
	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	_, err = f.svc.AcceptInvitation(ctx, msgs[0].Token, "bob", "bob@example.com")
	require.NoError(t, err, "a retried resend delivers a working token")
}

func TestPendingInvitations(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	var want []organizations.Invitation
	for _, e := range []string{"a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"} {
		inv, _ := f.invite(t, e, nil)
		want = append(want, inv)
	}
	_, acceptedToken := f.invite(t, "accepted@x.io", nil)
	_, err := f.svc.AcceptInvitation(ctx, acceptedToken, "acc", "accepted@x.io")
	require.NoError(t, err)
	f.invite(t, "expired@x.io", &organizations.InviteOptions{TTL: time.Second})
	f.clock.Advance(time.Second)

	var got []organizations.Invitation
	opts := organizations.ListOptions{Limit: 2}
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

	_, err = f.svc.PendingInvitations(ctx, f.org.ID, organizations.ListOptions{Limit: -1})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = f.svc.PendingInvitations(ctx, f.org.ID, organizations.ListOptions{After: "!!"})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = f.svc.PendingInvitations(ctx, uuid.Nil, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = f.svc.PendingInvitations(ctx, uuid.New(), organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)

	empty := newInvFixture(t)
	p, err := empty.svc.PendingInvitations(ctx, empty.org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Equal(t, organizations.Page[organizations.Invitation]{Items: []organizations.Invitation{}}, p)
}

func TestInvitationsForEmail(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	other, err := f.svc.CreateOrganization(ctx, "admin", "Other", nil)
	require.NoError(t, err)
	first, _ := f.invite(t, "bob@example.com", nil)
	second, err := f.svc.Invite(ctx, "admin", other.ID, "bob@example.com", nil)
	require.NoError(t, err)
	f.invite(t, "carol@example.com", nil)
	_, err = f.svc.Invite(ctx, "admin", other.ID, "expiring@example.com", &organizations.InviteOptions{TTL: time.Second})
	require.NoError(t, err)
	f.clock.Advance(time.Second)

	got, err := f.svc.InvitationsForEmail(ctx, "  BOB@example.com")
	require.NoError(t, err)
	require.Equal(t, []organizations.InvitationDetails{{Invitation: first, Organization: f.org}, {Invitation: second, Organization: other}}, got)

	got, err = f.svc.InvitationsForEmail(ctx, "expiring@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = f.svc.InvitationsForEmail(ctx, "nobody@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.svc.InvitationsForEmail(ctx, "bob")
	require.ErrorIs(t, err, organizations.ErrInvalidEmail)
}

// TestInvitationTokenNotStored checks through the Store that only the hash of a token is
// kept: neither the raw bytes, nor the text, nor a hash of the text finds the invitation,
// and its ID is unrelated to the token.
func TestInvitationTokenNotStored(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := organizations.Timestamp(f.clock.Now())
	inv, token := f.invite(t, "bob@example.com", nil)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)

	textHash := sha256.Sum256([]byte(token))
	for _, key := range [][]byte{raw, []byte(token), textHash[:], inv.ID[:]} {
		_, err := f.store.InvitationByTokenHash(ctx, key, now)
		require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
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
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	got, err := f.svc.InvitationsForEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = f.svc.ResendInvitation(ctx, "owner", inv.ID)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
}

func TestMemoryStoreDeleteInvitation(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	now := organizations.Timestamp(f.clock.Now())
	inv, token := f.invite(t, "bob@example.com", nil)
	keep, _ := f.invite(t, "carol@example.com", nil)

	require.NoError(t, f.store.DeleteInvitation(ctx, inv.ID))
	_, err := f.store.Invitation(ctx, inv.ID, now)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = f.store.InvitationByTokenHash(ctx, mustParseToken(t, token), now)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	got, err := f.store.InvitationsForEmail(ctx, "bob@example.com", now)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, []organizations.Invitation{keep}, f.pending(t))

	require.NoError(t, f.store.DeleteInvitation(ctx, inv.ID), "deleting twice is not an error")
	require.NoError(t, f.store.DeleteInvitation(ctx, uuid.New()))
	f.invite(t, "bob@example.com", nil) // the email is free again
}

// TestInvitationStatusAt pins the one rule of expiry, and the error of each status, that
// every store uses.
func TestInvitationStatusAt(t *testing.T) {
	expires := organizations.Timestamp(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	for _, c := range []struct {
		stored organizations.InvitationStatus
		now    time.Time
		want   organizations.InvitationStatus
		err    error
	}{
		{organizations.InvitationStatusPending, expires.Add(-time.Microsecond), organizations.InvitationStatusPending, nil},
		{organizations.InvitationStatusPending, expires, organizations.InvitationStatusExpired, organizations.ErrInvitationExpired},
		{organizations.InvitationStatusPending, expires.Add(time.Hour), organizations.InvitationStatusExpired, organizations.ErrInvitationExpired},
		{organizations.InvitationStatusExpired, expires.Add(-time.Hour), organizations.InvitationStatusExpired, organizations.ErrInvitationExpired},
		{organizations.InvitationStatusAccepted, expires.Add(time.Hour), organizations.InvitationStatusAccepted, organizations.ErrInvitationClosed},
		{organizations.InvitationStatusDeclined, expires.Add(-time.Hour), organizations.InvitationStatusDeclined, organizations.ErrInvitationClosed},
		{organizations.InvitationStatusRevoked, expires.Add(time.Hour), organizations.InvitationStatusRevoked, organizations.ErrInvitationClosed},
	} {
		inv := organizations.Invitation{Status: c.stored, ExpiresAt: expires}
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

// renewThenDeleteStore deletes the invitation's organization right after renewing it: a
// DeleteOrganization that commits between ResendInvitation's store step and its sending.
type renewThenDeleteStore struct{ *organizations.MemoryStore }

func (s renewThenDeleteStore) RenewInvitation(ctx context.Context, p organizations.RenewInvitationParams) (organizations.InvitationDetails, error) {
	d, err := s.MemoryStore.RenewInvitation(ctx, p)
	if err == nil {
		_, err = s.MemoryStore.DeleteOrganization(ctx, organizations.DeleteOrganizationParams{OrganizationID: d.OrganizationID})
	}
	return d, err
}

// TestResendInvitationOrganizationDeletedAfterRenewal: the renewal returns the
// organization the message names, so a deletion after it does not fail the resend, which
// did renew; the link it sent then finds nothing, like any link of a deleted organization.
func TestResendInvitationOrganizationDeletedAfterRenewal(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	ctx := context.Background()
	inv, _ := f.invite(t, "bob@example.com", nil)
	svc := organizations.New(renewThenDeleteStore{f.store}, &organizations.Options{Now: f.clock.Now, Inviter: f.outbox})
	_, err := svc.ResendInvitation(ctx, "admin", inv.ID)
	require.NoError(t, err)
	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1)
	require.Equal(t, f.org, msgs[0].Organization, "the organization as the renewal read it")
	_, err = f.svc.InvitationByToken(ctx, msgs[0].Token)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the invitation went with its organization")
}

// cancelAfterRenewStore cancels the caller's context right after a renewal commits: the
// deadline that lands between ResendInvitation's store step and what follows it.
type cancelAfterRenewStore struct {
	*organizations.MemoryStore
	cancel context.CancelFunc
}

func (s cancelAfterRenewStore) RenewInvitation(ctx context.Context, p organizations.RenewInvitationParams) (organizations.InvitationDetails, error) {
	inv, err := s.MemoryStore.RenewInvitation(ctx, p)
	s.cancel()
	return inv, err
}

// TestResendInvitationErrorMeansNothingChanged: ResendInvitation's outcome matches the
// store whenever its context ends. A context that ends right after the renewal commits
// no longer fails the call (the renewal returns all the message needs): the renewed
// invitation is sent and reported. An Inviter that gives up on the ended context gets
// ErrInvitationNotSent, which says that the renewal stands (the old link is dead), never
// the context's error alone, which would say that nothing changed.
func TestResendInvitationErrorMeansNothingChanged(t *testing.T) {
	t.Parallel()
	f := newInvFixture(t)
	inv, oldToken := f.invite(t, "bob@example.com", nil)
	resend := func() (organizations.Invitation, error) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc := organizations.New(cancelAfterRenewStore{f.store, cancel}, &organizations.Options{Now: f.clock.Now, Inviter: f.outbox})
		return svc.ResendInvitation(ctx, "owner", inv.ID)
	}

	got, err := resend()
	require.NoError(t, err, "the renewal committed: the call succeeds")
	require.Equal(t, organizations.UserID("owner"), got.InvitedBy)
	msgs := f.outbox.TakeInvitations()
	require.Len(t, msgs, 1, "the new link is sent")
	_, err = f.svc.InvitationByToken(context.Background(), oldToken)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the old link is dead")
	details, err := f.svc.InvitationByToken(context.Background(), msgs[0].Token)
	require.NoError(t, err, "the sent link works")
	require.Equal(t, got, details.Invitation)
	require.Equal(t, f.org, msgs[0].Organization)

	// An Inviter that honours the ended context: the renewal stands, and the error says so.
	f.outbox.FailWith(func(ctx context.Context) error { return ctx.Err() })
	_, err = resend()
	require.ErrorIs(t, err, organizations.ErrInvitationNotSent)
	require.ErrorIs(t, err, context.Canceled, "the Inviter's error is wrapped")
	unsent := f.outbox.TakeInvitations()
	require.Len(t, unsent, 1)
	_, err = f.svc.InvitationByToken(context.Background(), msgs[0].Token)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the renewal stands: the link sent before is dead")
	_, err = f.svc.InvitationByToken(context.Background(), unsent[0].Token)
	require.NoError(t, err, "the renewal stands: the unsent token is the invitation's")

	// A refusal before the renewal is the plain error: nothing changed.
	f.outbox.FailWith(nil)
	_, err = f.svc.ResendInvitation(context.Background(), "member", inv.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.NotErrorIs(t, err, organizations.ErrInvitationNotSent)
	_, err = f.svc.InvitationByToken(context.Background(), unsent[0].Token)
	require.NoError(t, err)
}

// An invitation naming teams needs a TeamInvitationStore all the way down: CachedStore
// does not claim it, so that it caches no team access across an accept's team joins.
func TestInviteTeamsNeedsTeamInvitationStore(t *testing.T) {
	ctx := t.Context()
	mem := organizations.NewMemoryStore()
	cached, err := organizations.NewCachedStore(ctx, mem, nil)
	require.NoError(t, err)
	inviter := organizations.InviterFunc(func(context.Context, organizations.InvitationMessage) error { return nil })
	direct := organizations.New(mem, &organizations.Options{Inviter: inviter})
	org, err := direct.CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	team, err := direct.CreateTeam(ctx, org.ID, "Docs", nil)
	require.NoError(t, err)
	opts := &organizations.InviteOptions{Teams: []organizations.TeamInvite{{TeamID: team.ID}}}

	_, err = organizations.New(cached, &organizations.Options{Inviter: inviter}).Invite(ctx, "owner", org.ID, "ann@example.com", opts)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = direct.Invite(ctx, "owner", org.ID, "ann@example.com", opts)
	require.NoError(t, err)
}
