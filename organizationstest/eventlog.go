package organizationstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// eventStore is the optional organizations.EventStore.
var eventStore = optionalOf[organizations.EventStore]()

// cursorStore is the optional organizations.CursorStore.
var cursorStore = optionalOf[organizations.CursorStore]()

func eventLogTests() []test {
	return []test{
		{"EveryChangeRecordsItsEvents", testEventRecordsMatchHook},
		{"LifecycleChangesRecordTheirEvents", testEventRecordsLifecycle},
		{"FailedCallsRecordNothing", testEventFailedCalls},
		{"FeedPages", testEventFeedPages},
		{"AuditLog", testAuditLog},
		{"Prune", testPruneEvents},
		{"ConcurrentWritersFeedComplete", testEventFeedConcurrent},
		{"FeedKeepsEachOrganizationsOrder", testFeedKeepsOrgOrder},
	}
}

func relayTests() []test {
	return []test{
		{"Cursors", testCursorStore},
		{"KilledMidBatchResumes", testRelayResumes},
		{"HandlerErrorsAndPanicsRetried", testRelayRetries},
		{"ProgressSavedBeforeRetrying", testRelaySavesBeforeRetrying},
		{"OnErrorHearsEveryFailure", testRelayOnErrorHearsEveryFailure},
	}
}

// registrar is a Registrar whose users are their emails.
type registrar struct{}

func (registrar) RegisterUser(_ context.Context, email string) (organizations.UserID, error) {
	return organizations.UserID(email), nil
}
func (registrar) ActivateUser(context.Context, organizations.UserID) error { return nil }

// eventWorld is a Service over h's store with every backend, recording hook events.
type eventWorld struct {
	svc    *organizations.Service
	rec    *Recorder
	outbox *Outbox
}

// needEventWorld is newEventWorld for a test of the event log: it skips t when the store
// is not an EventStore.
func needEventWorld(t *testing.T, h *harness) *eventWorld {
	t.Helper()
	if !eventStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface " + eventStore.name)
	}
	return newEventWorld(h)
}

func newEventWorld(h *harness) *eventWorld {
	w := &eventWorld{rec: &Recorder{}, outbox: &Outbox{}}
	w.svc = organizations.New(h.store, &organizations.Options{
		Now: h.clock.Now, Events: w.rec.Record, Inviter: w.outbox, Activator: w.outbox, Registrar: registrar{},
	})
	return w
}

// feedWait bounds how long the suite waits for committed records to show in the feed. A
// store may show a record some time after its change returns (the contract is only that
// it never skips one); MemoryStore and PostgresStore show it at commit.
const feedWait = 10 * time.Minute

// feed reads the whole feed of svc, in pages of limit, once it holds want records (see
// feedWait).
func feed(t *testing.T, ctx context.Context, svc *organizations.Service, limit, want int) []organizations.EventRecord {
	t.Helper()
	deadline := time.Now().Add(feedWait)
	for {
		all := readFeed(t, ctx, svc, limit)
		if len(all) >= want || time.Now().After(deadline) {
			return all
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readFeed reads the whole feed of svc as it is now, in pages of limit.
func readFeed(t *testing.T, ctx context.Context, svc *organizations.Service, limit int) []organizations.EventRecord {
	t.Helper()
	var all []organizations.EventRecord
	cursor := ""
	for range 100000 {
		recs, next, err := svc.EventFeed(ctx, cursor, limit)
		require.NoError(t, err)
		if len(recs) == 0 {
			require.Equal(t, cursor, next, "an empty page keeps the cursor")
			return all
		}
		require.LessOrEqual(t, len(recs), limit)
		require.Equal(t, recs[len(recs)-1].Cursor, next)
		all = append(all, recs...)
		cursor = next
	}
	t.Fatal("the feed never ended")
	return nil
}

// requireRecordsMatch asserts that recs are exactly the records of events, in order:
// type, organization, actor, subject, and Data decoding to the event.
func requireRecordsMatch(t *testing.T, events []organizations.Event, recs []organizations.EventRecord) {
	t.Helper()
	require.Equal(t, eventNames(events), recordTypes(recs), "one record per hook event, in the same order")
	ids := map[uuid.UUID]bool{}
	for i, r := range recs {
		e := events[i]
		got, err := r.Event()
		require.NoError(t, err, "record %d (%s): %s", i, r.Type, r.Data)
		require.Equal(t, normEvent(e), normEvent(got), "record %d (%s) decodes to its event; data %s", i, r.Type, r.Data)
		require.False(t, ids[r.ID], "record IDs are unique")
		ids[r.ID] = true
		require.NotEqual(t, uuid.Nil, r.OrganizationID)
		require.NotEmpty(t, r.Cursor)
		require.False(t, r.OccurredAt.IsZero())
		require.Equal(t, organizations.Timestamp(r.OccurredAt), r.OccurredAt, "UTC, microseconds")
	}
}

// normEvent makes nil and empty slices of custom roles alike, which JSON does not keep
// apart (a store may return either).
func normEvent(e organizations.Event) organizations.Event {
	norm := func(c organizations.CustomRole) organizations.CustomRole {
		if c.Includes == nil {
			c.Includes = []organizations.Role{}
		}
		if c.Permissions == nil {
			c.Permissions = []organizations.Permission{}
		}
		return c
	}
	switch v := e.(type) {
	case organizations.CustomRoleCreated:
		v.Role = norm(v.Role)
		return v
	case organizations.CustomRoleUpdated:
		v.Old, v.New = norm(v.Old), norm(v.New)
		return v
	case organizations.CustomRoleDeleted:
		v.Role = norm(v.Role)
		return v
	}
	return e
}

func recordTypes(recs []organizations.EventRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}

// testEventRecordsMatchHook runs every kind of change through the Service and checks
// that the store recorded exactly the events the hook received, with the actor and
// subject each record names, and no token anywhere.
func testEventRecordsMatchHook(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	svc := w.svc
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.As("ann").UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: ptr("Acme Inc")})
	require.NoError(t, err)
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: ptr("Acme Inc")}) // no-op
	require.NoError(t, err)
	_, err = svc.As("ann").AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	_, _, err = svc.GetOrAddUser(ctx, org.ID, "cat", organizations.RoleMember)
	require.NoError(t, err)
	_, _, err = svc.GetOrAddUser(ctx, org.ID, "cat", organizations.RoleAdmin) // existing
	require.NoError(t, err)
	_, err = svc.As("ann").SetRole(ctx, org.ID, "cat", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = svc.SetRole(ctx, org.ID, "cat", organizations.RoleAdmin) // no-op
	require.NoError(t, err)
	_, err = svc.As("ann").CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing", Permissions: []organizations.Permission{organizations.PermInvitationsCreate}})
	require.NoError(t, err)
	_, err = svc.As("ann").UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing", Includes: []organizations.Role{organizations.RoleMember}})
	require.NoError(t, err)
	_, err = svc.As("ann").UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing", Includes: []organizations.Role{organizations.RoleMember}}) // no-op
	require.NoError(t, err)

	// Invitations: accepted (a new member), declined, revoked, one whose sending failed.
	_, err = svc.Invite(ctx, "ann", org.ID, "dan@example.com", &organizations.InviteOptions{Role: "billing"})
	require.NoError(t, err)
	token, ok := w.outbox.InvitationToken("dan@example.com")
	require.True(t, ok)
	_, err = svc.AcceptInvitation(ctx, token, "dan", "dan@example.com")
	require.NoError(t, err)
	_, err = svc.Invite(ctx, "cat", org.ID, "eve@example.com", nil)
	require.NoError(t, err)
	token, _ = w.outbox.InvitationToken("eve@example.com")
	require.NoError(t, svc.DeclineInvitation(ctx, token, "eve@example.com"))
	inv, err := svc.Invite(ctx, "ann", org.ID, "fay@example.com", nil)
	require.NoError(t, err)
	require.NoError(t, svc.RevokeInvitation(ctx, "cat", inv.ID))
	w.outbox.FailWith(func(context.Context) error { return errors.New("mail down") })
	_, err = svc.Invite(ctx, "ann", org.ID, "gus@example.com", nil)
	require.Error(t, err)
	w.outbox.FailWith(nil)
	// Accepting by a member: InvitationAccepted only.
	_, err = svc.Invite(ctx, "ann", org.ID, "bob@example.com", nil)
	require.NoError(t, err)
	token, _ = w.outbox.InvitationToken("bob@example.com")
	_, err = svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.NoError(t, err)

	require.NoError(t, svc.As("ann").ChangeOwner(ctx, org.ID, "bob")) // promotes bob, then moves
	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "bob"))           // no-op
	require.NoError(t, svc.As("bob").ChangeOwner(ctx, org.ID, "cat")) // cat is an admin: OwnerChanged only
	require.NoError(t, svc.As("cat").RemoveUser(ctx, org.ID, "dan"))
	require.NoError(t, svc.As("cat").DeleteRole(ctx, org.ID, "billing"))
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "ann"))

	if h.activations != nil {
		_, err := svc.Register(ctx, "hal@example.com", "Hal's")
		require.NoError(t, err)
		token, ok := w.outbox.ActivationToken("hal@example.com")
		require.True(t, ok)
		_, err = svc.Activate(ctx, token)
		require.NoError(t, err)
	}
	require.NoError(t, svc.As("cat").DeleteOrganization(ctx, org.ID))

	events := w.rec.Take()
	for _, limit := range []int{1, 7, 100} {
		recs := feed(t, ctx, svc, limit, len(events))
		requireRecordsMatch(t, events, recs)
	}
	recs := feed(t, ctx, svc, 100, len(events))
	var tokens []string
	for _, m := range w.outbox.TakeInvitations() {
		tokens = append(tokens, m.Token)
	}
	for _, m := range w.outbox.TakeActivations() {
		tokens = append(tokens, m.Token)
	}
	require.NotEmpty(t, tokens)
	for i, r := range recs {
		for _, tok := range tokens {
			require.NotContains(t, string(r.Data), tok, "no token in a record")
		}
		e := events[i]
		switch e := e.(type) {
		case organizations.UserAdded:
			require.Equal(t, e.OrganizationUser.UserID, r.Subject)
		case organizations.InvitationAccepted:
			require.Equal(t, e.Actor, r.Actor)
			require.Equal(t, e.OrganizationUser.UserID, r.Subject)
		case organizations.OwnerChanged:
			require.Equal(t, e.New.UserID, r.Subject)
		case organizations.OrganizationCreated:
			require.Empty(t, r.Actor)
			require.Equal(t, e.Owner, r.Subject, "an organization's creation concerns its owner")
			require.NotEmpty(t, r.Subject)
		}
	}
	byType := map[string]organizations.EventRecord{}
	for _, r := range recs {
		if _, ok := byType[r.Type]; !ok {
			byType[r.Type] = r // the first of each type
		}
	}
	require.Equal(t, organizations.UserID("cat"), byType["organization_deleted"].Actor)
	require.Equal(t, organizations.UserID("ann"), byType["custom_role_created"].Actor)
	require.Equal(t, organizations.UserID("dan"), byType["user_removed"].Subject)
	require.Equal(t, organizations.UserID("cat"), byType["user_removed"].Actor)
	require.Equal(t, organizations.UserID("cat"), byType["invitation_revoked"].Actor)
	require.Empty(t, byType["invitation_declined"].Actor)
}

// testEventRecordsLifecycle runs every membership lifecycle operation (member limits,
// suspension, the two-phase transfer, offboarding) through the Service and checks that
// the store recorded exactly the events the hook received, in the same order.
func testEventRecordsLifecycle(t *testing.T, h *harness) {
	for _, o := range []optional{eventStore, seatStore, suspensionStore, transferStore, offboardStore} {
		if !o.implemented(h.store) {
			t.Skip("the store does not implement the optional interface " + o.name)
		}
	}
	ctx := h.ctx
	w := newEventWorld(h)
	svc := w.svc
	add := func(org uuid.UUID, user organizations.UserID, role organizations.Role) {
		t.Helper()
		_, err := svc.AddUser(ctx, org, user, role)
		require.NoError(t, err)
	}
	invite := func(org uuid.UUID, by organizations.UserID, email string) {
		t.Helper()
		_, err := svc.Invite(ctx, by, org, email, nil)
		require.NoError(t, err)
	}

	// Member limits: set at creation, changed, removed, set again; the limited forms of
	// AddUser, Invite and AcceptInvitation.
	acme, err := svc.CreateOrganization(ctx, "ann", "Acme", &organizations.CreateOptions{MaxMembers: limit(10)})
	require.NoError(t, err)
	_, err = svc.As("ann").UpdateOrganization(ctx, acme.ID, organizations.OrganizationUpdate{MaxMembers: limit(20)})
	require.NoError(t, err)
	_, err = svc.UpdateOrganization(ctx, acme.ID, organizations.OrganizationUpdate{MaxMembers: limit(0)})
	require.NoError(t, err)
	_, err = svc.UpdateOrganization(ctx, acme.ID, organizations.OrganizationUpdate{MaxMembers: limit(20)})
	require.NoError(t, err)
	add(acme.ID, "bob", organizations.RoleMember)
	add(acme.ID, "cat", organizations.RoleAdmin)
	add(acme.ID, "dan", organizations.RoleMember)
	add(acme.ID, "eve", organizations.RoleMember)
	invite(acme.ID, "ann", "fay@example.com")
	token, ok := w.outbox.InvitationToken("fay@example.com")
	require.True(t, ok)
	_, err = svc.AcceptInvitation(ctx, token, "fay", "fay@example.com")
	require.NoError(t, err)

	// Suspension: by an admin, a no-op, reactivation, a member left suspended (whose
	// GetOrAddUser adds nothing).
	_, err = svc.As("cat").SuspendUser(ctx, acme.ID, "dan")
	require.NoError(t, err)
	_, err = svc.SuspendUser(ctx, acme.ID, "dan") // no-op
	require.NoError(t, err)
	_, err = svc.ReactivateUser(ctx, acme.ID, "dan")
	require.NoError(t, err)
	_, err = svc.ReactivateUser(ctx, acme.ID, "dan") // no-op
	require.NoError(t, err)
	_, err = svc.SuspendUser(ctx, acme.ID, "eve")
	require.NoError(t, err)
	_, created, err := svc.GetOrAddUser(ctx, acme.ID, "eve", organizations.RoleMember)
	require.NoError(t, err)
	require.False(t, created)

	// The two-phase transfer: a proposal replaced, declined, cancelled; accepted by an
	// admin (OwnerChanged only) and by a member (RoleChanged too).
	_, err = svc.As("ann").ProposeOwnershipTransfer(ctx, acme.ID, "bob")
	require.NoError(t, err)
	_, err = svc.As("ann").ProposeOwnershipTransfer(ctx, acme.ID, "dan") // replaces bob's
	require.NoError(t, err)
	require.NoError(t, svc.As("dan").DeclineOwnershipTransfer(ctx, acme.ID))
	_, err = svc.As("ann").ProposeOwnershipTransfer(ctx, acme.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, svc.As("ann").CancelOwnershipTransfer(ctx, acme.ID))
	_, err = svc.ProposeOwnershipTransfer(ctx, acme.ID, "cat")
	require.NoError(t, err)
	require.NoError(t, svc.As("cat").AcceptOwnershipTransfer(ctx, acme.ID))
	_, err = svc.As("cat").ProposeOwnershipTransfer(ctx, acme.ID, "bob")
	require.NoError(t, err)
	require.NoError(t, svc.As("bob").AcceptOwnershipTransfer(ctx, acme.ID))
	// Closed without an event of its own: the nominee suspended, then removed.
	_, err = svc.As("bob").ProposeOwnershipTransfer(ctx, acme.ID, "dan")
	require.NoError(t, err)
	_, err = svc.As("bob").SuspendUser(ctx, acme.ID, "dan")
	require.NoError(t, err)
	_, err = svc.OwnershipTransfer(ctx, acme.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound)
	_, err = svc.As("bob").ProposeOwnershipTransfer(ctx, acme.ID, "fay") // replaces nothing open
	require.NoError(t, err)
	require.NoError(t, svc.As("bob").RemoveUser(ctx, acme.ID, "fay"))
	_, err = svc.OwnershipTransfer(ctx, acme.ID)
	require.ErrorIs(t, err, organizations.ErrTransferNotFound)

	// Offboarding bob: Gamma deleted, Acme and Beta transferred, his pending invitations
	// there revoked (two in Acme), his memberships removed (a suspended one in Delta).
	beta, err := svc.CreateOrganization(ctx, "bob", "Beta", nil)
	require.NoError(t, err)
	add(beta.ID, "cat", organizations.RoleAdmin)
	gamma, err := svc.CreateOrganization(ctx, "bob", "Gamma", nil)
	require.NoError(t, err)
	add(gamma.ID, "dan", organizations.RoleMember)
	delta, err := svc.CreateOrganization(ctx, "ann", "Delta", nil)
	require.NoError(t, err)
	add(delta.ID, "bob", organizations.RoleAdmin)
	_, err = svc.SuspendUser(ctx, delta.ID, "bob")
	require.NoError(t, err)
	invite(acme.ID, "bob", "gus@example.com")
	invite(acme.ID, "bob", "hal@example.com")
	invite(beta.ID, "bob", "ivy@example.com")
	invite(acme.ID, "cat", "jon@example.com") // not bob's: stays
	res, err := svc.RemoveUserEverywhere(ctx, "bob", &organizations.OffboardOptions{
		Owned: map[uuid.UUID]organizations.OwnedPolicy{gamma.ID: organizations.OwnedDelete}, OtherOwned: organizations.OwnedTransferToAdmin,
	})
	require.NoError(t, err)
	require.Len(t, res.Deleted, 1)
	require.Len(t, res.Transferred, 2)
	require.Len(t, res.Revoked, 3)
	require.Equal(t, 3, res.RevokedInvitations)
	require.Len(t, res.Removed, 3)

	events := w.rec.Take()
	var names []string
	for _, e := range events {
		names = append(names, e.EventName())
	}
	for _, name := range []string{"member_suspended", "member_reactivated", "ownership_transfer_proposed", "ownership_transfer_accepted",
		"ownership_transfer_declined", "ownership_transfer_cancelled", "organization_deleted", "owner_changed", "invitation_revoked", "user_removed"} {
		require.Contains(t, names, name, "the scenario covers it")
	}
	for _, limit := range []int{1, 9, 100} {
		recs := feed(t, ctx, svc, limit, len(events))
		requireRecordsMatch(t, events, recs)
	}
	recs := feed(t, ctx, svc, 100, len(events))
	var replaced, suspended, limited int
	for i, r := range recs {
		switch e := events[i].(type) {
		case organizations.MemberSuspended:
			require.Equal(t, e.OrganizationUser.UserID, r.Subject)
			suspended++
		case organizations.OwnershipTransferProposed:
			require.Equal(t, e.Transfer.Nominee, r.Subject)
			require.Equal(t, e.Actor, r.Actor)
			if e.Replaced != nil {
				replaced++
			}
		case organizations.UserRemoved:
			if e.OrganizationUser.UserID == "bob" {
				require.Empty(t, r.Actor, "offboarding is unchecked")
			}
			if !e.OrganizationUser.SuspendedAt.IsZero() {
				require.Contains(t, string(r.Data), "suspended_at")
			}
		case organizations.OrganizationUpdated:
			if e.Organization.MaxMembers != 0 {
				limited++
				require.Contains(t, string(r.Data), "max_members")
			} else {
				require.NotContains(t, string(r.Data), "max_members", "left out when 0, as Go does")
			}
		}
	}
	require.Equal(t, 1, replaced, "only the proposal replaced while open")
	require.Equal(t, 4, suspended)
	require.Equal(t, 2, limited)
}

// testEventFailedCalls: refused and failed calls record nothing.
func testEventFailedCalls(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	svc := w.svc
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	before := feed(t, ctx, svc, 100, 2)
	w.rec.Take()

	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrAlreadyMember)
	_, err = svc.As("bob").AddUser(ctx, org.ID, "cat", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.ErrorIs(t, svc.RemoveUser(ctx, org.ID, "ann"), organizations.ErrOwnershipRequired)
	require.ErrorIs(t, svc.As("bob").DeleteOrganization(ctx, org.ID), organizations.ErrPermissionDenied)
	_, err = svc.As("bob").SetRole(ctx, org.ID, "bob", organizations.RoleAdmin)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	require.ErrorIs(t, svc.As("bob").ChangeOwner(ctx, org.ID, "bob"), organizations.ErrPermissionDenied)
	_, err = svc.CreateOrganization(ctx, "cat", "Acme", &organizations.CreateOptions{Slug: org.Slug})
	require.ErrorIs(t, err, organizations.ErrSlugTaken)
	_, err = svc.AcceptInvitation(ctx, "not-a-token", "bob", "")
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)

	require.Empty(t, w.rec.Take())
	// A record of a refused call would show by the time a new one does.
	_, err = svc.AddUser(ctx, org.ID, "cat", organizations.RoleMember)
	require.NoError(t, err)
	after := feed(t, ctx, svc, 100, 3)
	require.Len(t, after, 3, "nothing recorded but the last AddUser")
	require.Equal(t, before, after[:2])
}

// testEventFeedPages: cursors resume exactly, bad ones are refused.
func testEventFeedPages(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	org, err := w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	for i := range 12 {
		_, err := w.svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	all := feed(t, ctx, w.svc, 1000, 13)
	require.Len(t, all, 13)
	recs, next, err := w.svc.EventFeed(ctx, "", 0)
	require.NoError(t, err)
	require.Equal(t, all, recs, "limit 0 is the default page")
	require.Equal(t, all[12].Cursor, next)
	for i := range all {
		rest, _, err := w.svc.EventFeed(ctx, all[i].Cursor, 100)
		require.NoError(t, err)
		require.Equal(t, all[i+1:], nonNil(rest), "resuming after record %d", i)
	}
	for _, bad := range []string{"x", "0", "-1", "+1", "1x", "1.", ".1", "1.0", "-1.2", "1.-2", "1.2.3", "１.2", "１", "99999999999999999999.1", "9223372036854775808"} {
		_, _, err := w.svc.EventFeed(ctx, bad, 10)
		require.ErrorIs(t, err, organizations.ErrInvalidCursor, "%q", bad)
	}
	_, _, err = w.svc.EventFeed(ctx, "", -1)
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// testAuditLog: each filter, newest first, keyset pages.
func testAuditLog(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	svc := w.svc
	a, err := svc.CreateOrganization(ctx, "ann", "A", nil)
	require.NoError(t, err)
	b, err := svc.CreateOrganization(ctx, "bob", "B", nil)
	require.NoError(t, err)
	for i := range 5 {
		u := organizations.UserID(fmt.Sprint("u", i))
		_, err := svc.As("ann").AddUser(ctx, a.ID, u, organizations.RoleMember)
		require.NoError(t, err)
		_, err = svc.As("bob").AddUser(ctx, b.ID, u, organizations.RoleMember)
		require.NoError(t, err)
	}
	_, err = svc.As("ann").SetRole(ctx, a.ID, "u1", organizations.RoleAdmin)
	require.NoError(t, err)
	require.NoError(t, svc.RemoveUser(ctx, b.ID, "u1"))
	all := feed(t, ctx, svc, 100, 14)
	require.Len(t, all, 14)

	// newest first: the feed reversed (one writer, so feed order is time order).
	want := func(keep func(r organizations.EventRecord) bool) []organizations.EventRecord {
		var out []organizations.EventRecord
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				out = append(out, all[i])
			}
		}
		return nonNil(out)
	}
	mid := all[6].OccurredAt
	for name, c := range map[string]struct {
		q    organizations.AuditQuery
		keep func(r organizations.EventRecord) bool
	}{
		"all":     {organizations.AuditQuery{}, func(organizations.EventRecord) bool { return true }},
		"org":     {organizations.AuditQuery{OrganizationID: a.ID}, func(r organizations.EventRecord) bool { return r.OrganizationID == a.ID }},
		"actor":   {organizations.AuditQuery{Actor: "bob"}, func(r organizations.EventRecord) bool { return r.Actor == "bob" }},
		"subject": {organizations.AuditQuery{Subject: "u1"}, func(r organizations.EventRecord) bool { return r.Subject == "u1" }},
		"org+subject": {organizations.AuditQuery{OrganizationID: b.ID, Subject: "u1"},
			func(r organizations.EventRecord) bool { return r.OrganizationID == b.ID && r.Subject == "u1" }},
		"subject+actor": {organizations.AuditQuery{Subject: "u1", Actor: "ann"},
			func(r organizations.EventRecord) bool { return r.Subject == "u1" && r.Actor == "ann" }},
		"types": {organizations.AuditQuery{Types: []string{"role_changed", "user_removed"}},
			func(r organizations.EventRecord) bool { return r.Type == "role_changed" || r.Type == "user_removed" }},
		"since": {organizations.AuditQuery{Since: mid}, func(r organizations.EventRecord) bool { return !r.OccurredAt.Before(mid) }},
		"until": {organizations.AuditQuery{Until: mid}, func(r organizations.EventRecord) bool { return r.OccurredAt.Before(mid) }},
		"none":  {organizations.AuditQuery{Actor: "nobody"}, func(organizations.EventRecord) bool { return false }},
	} {
		exp := want(c.keep)
		for _, limit := range []int{1, 3, 0} {
			got := allPages(t, "AuditLog "+name, limit, func(opts organizations.ListOptions) (organizations.Page[organizations.EventRecord], error) {
				return svc.AuditLog(ctx, c.q, opts)
			})
			require.Equal(t, exp, nonNil(got), "%s, pages of %d", name, limit)
		}
	}
	_, err = svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{After: "garbage"})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{Limit: -1})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = svc.AuditLog(ctx, organizations.AuditQuery{Since: mid, Until: mid.Add(-time.Second)}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
}

// testPruneEvents: records before the time go, the others stay, the count is exact.
func testPruneEvents(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	org, err := w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	for i := range 4 {
		_, err := w.svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	all := feed(t, ctx, w.svc, 100, 5)
	require.Len(t, all, 5)
	n, err := w.svc.PruneEvents(ctx, all[0].OccurredAt)
	require.NoError(t, err)
	require.Zero(t, n, "nothing before the first")
	cut := all[2].OccurredAt
	older := 0
	for _, r := range all {
		if r.OccurredAt.Before(cut) {
			older++
		}
	}
	n, err = w.svc.PruneEvents(ctx, cut)
	require.NoError(t, err)
	require.Equal(t, older, n)
	rest := readFeed(t, ctx, w.svc, 100)
	require.Equal(t, all[older:], nonNil(rest))
	n, err = w.svc.PruneEvents(ctx, rest[len(rest)-1].OccurredAt.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, len(rest), n)
	require.Empty(t, readFeed(t, ctx, w.svc, 100))
}

// testEventFeedConcurrent: parallel writers; the feed has every record exactly once, and
// a reader polling while they write, resuming from its cursor, reads the same.
func testEventFeedConcurrent(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	org, err := w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	const writers, each = 6, 10
	var wg sync.WaitGroup
	done := make(chan struct{})
	written := make(chan struct{}) // closed when every writer has returned
	var polled []organizations.EventRecord
	var pollErr error
	go func() { // a reader, resuming from its cursor while the writers write
		defer close(done)
		cursor := ""
		for {
			finished := false
			select {
			case <-written:
				finished = true // every record is committed: the next empty page is the end
			default:
			}
			recs, next, err := w.svc.EventFeed(ctx, cursor, 5)
			if err != nil {
				pollErr = err
				return
			}
			polled = append(polled, recs...)
			cursor = next
			if len(recs) == 0 {
				if finished {
					return // a record the reader skipped would be missing from polled
				}
				time.Sleep(time.Millisecond)
			}
		}
	}()
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := w.svc.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprintf("w%d-%d", g, i)), organizations.RoleMember)
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	close(written)
	<-done
	require.NoError(t, pollErr)
	all := feed(t, ctx, w.svc, 7, writers*each+1)
	require.Len(t, all, writers*each+1)
	require.Equal(t, all, polled, "the reader that polled during the writes read the same feed")
	seen := map[organizations.UserID]bool{}
	for _, r := range all[1:] {
		require.False(t, seen[r.Subject])
		seen[r.Subject] = true
	}
	require.ElementsMatch(t, eventNames(w.rec.Take()), recordTypes(all))
}

// testCursorStore: a consumer's cursor round-trips; bad names and cursors are refused.
func testCursorStore(t *testing.T, h *harness) {
	cs := h.store.(organizations.CursorStore)
	ctx := h.ctx
	c, err := cs.LoadCursor(ctx, "mailer")
	require.NoError(t, err)
	require.Empty(t, c, "no cursor yet: the start")
	w := newEventWorld(h)
	_, err = w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	recs := feed(t, ctx, w.svc, 10, 1)
	require.NoError(t, cs.SaveCursor(ctx, "mailer", recs[0].Cursor))
	c, err = cs.LoadCursor(ctx, "mailer")
	require.NoError(t, err)
	require.Equal(t, recs[0].Cursor, c)
	c, err = cs.LoadCursor(ctx, "other")
	require.NoError(t, err)
	require.Empty(t, c)
	for _, bad := range []string{"", strings.Repeat("x", 201)} {
		_, err := cs.LoadCursor(ctx, bad)
		require.ErrorIs(t, err, organizations.ErrInvalidConsumer)
		require.ErrorIs(t, cs.SaveCursor(ctx, bad, recs[0].Cursor), organizations.ErrInvalidConsumer)
	}
	for _, bad := range []string{"", "x", "1.0"} {
		require.ErrorIs(t, cs.SaveCursor(ctx, "mailer", bad), organizations.ErrInvalidCursor, "%q", bad)
	}
}

// collector is a relay handler that keeps what it was given, and can be told to fail.
type collector struct {
	mu   sync.Mutex
	got  []organizations.EventRecord
	fail func(n int, r organizations.EventRecord) error // n: calls so far
	n    int
	more chan struct{}
}

func newCollector() *collector { return &collector{more: make(chan struct{}, 1)} }

func (c *collector) HandleEvent(_ context.Context, r organizations.EventRecord) error {
	c.mu.Lock()
	c.n++
	n, fail := c.n, c.fail
	c.mu.Unlock()
	if fail != nil {
		if err := fail(n, r); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.got = append(c.got, r)
	c.mu.Unlock()
	select {
	case c.more <- struct{}{}:
	default:
	}
	return nil
}

// waitFor waits until want distinct records were delivered (see feedWait).
func (c *collector) waitFor(t *testing.T, want int) []organizations.EventRecord {
	t.Helper()
	deadline := time.After(feedWait)
	for {
		c.mu.Lock()
		got := slices.Clone(c.got)
		c.mu.Unlock()
		if len(distinct(got)) >= want {
			return got
		}
		select {
		case <-c.more:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("the relay delivered %d distinct records of %d", len(distinct(got)), want)
		}
	}
}

func distinct(recs []organizations.EventRecord) []organizations.EventRecord {
	seen := map[uuid.UUID]bool{}
	var out []organizations.EventRecord
	for _, r := range recs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

// requireDeliveredInOrder: every record of all was delivered, first deliveries in feed
// order, and a record delivered again only at a restart (going back to a saved cursor,
// then forward again in order).
func requireDeliveredInOrder(t *testing.T, all, got []organizations.EventRecord) {
	t.Helper()
	require.Equal(t, all, distinct(got), "every record, first deliveries in feed order")
	pos := map[uuid.UUID]int{}
	for i, r := range all {
		pos[r.ID] = i
	}
	for i := 1; i < len(got); i++ {
		if pos[got[i].ID] != pos[got[i-1].ID]+1 {
			require.Less(t, pos[got[i].ID], pos[got[i-1].ID]+1, "a delivery goes to the next record, or back (a restart), never skips")
		}
	}
}

func runRelay(ctx context.Context, r *organizations.Relay) <-chan error {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return done
}

var fastRelay = &organizations.RelayOptions{PollInterval: 5 * time.Millisecond, BatchSize: 4, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// relayWorld is an eventWorld over h's store with an organization of owner ann and
// members u0..u(members-1): 1 + members records in the feed.
func relayWorld(t *testing.T, h *harness, members int) (*eventWorld, organizations.Organization) {
	t.Helper()
	if !eventStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface " + eventStore.name)
	}
	w := newEventWorld(h)
	org, err := w.svc.CreateOrganization(h.ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	for i := range members {
		_, err := w.svc.AddUser(h.ctx, org.ID, organizations.UserID(fmt.Sprint("u", i)), organizations.RoleMember)
		require.NoError(t, err)
	}
	return w, org
}

// testRelayResumes: a relay stopped in the middle of a batch, and one started after it
// with the same consumer, deliver everything at least once and in order.
func testRelayResumes(t *testing.T, h *harness) {
	ctx := h.ctx
	w, org := relayWorld(t, h, 9)
	cursors := h.store.(organizations.CursorStore)
	c := newCollector()
	runCtx, kill := context.WithCancel(ctx)
	// Killed while handling the 6th record (the second batch's 2nd): it is not saved.
	c.fail = func(n int, r organizations.EventRecord) error {
		if n == 6 {
			kill()
			return runCtx.Err()
		}
		return nil
	}
	first := organizations.NewRelay(w.svc, cursors, "test", c, fastRelay)
	require.NoError(t, <-runRelay(runCtx, first), "a stopped relay returns nil")
	c.mu.Lock()
	require.Len(t, c.got, 5)
	c.fail = nil
	c.mu.Unlock()
	saved, err := cursors.LoadCursor(ctx, "test")
	require.NoError(t, err)
	require.Equal(t, c.got[4].Cursor, saved, "the cursor is that of the last record handled")

	// More changes while it is down, and after it is back.
	_, err = w.svc.AddUser(ctx, org.ID, "late", organizations.RoleMember)
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := runRelay(runCtx, organizations.NewRelay(w.svc, cursors, "test", c, fastRelay))
	_, err = w.svc.AddUser(ctx, org.ID, "later", organizations.RoleMember)
	require.NoError(t, err)
	all := feed(t, ctx, w.svc, 100, 12)
	require.Len(t, all, 12)
	got := c.waitFor(t, len(all))
	stop()
	require.NoError(t, <-done)
	requireDeliveredInOrder(t, all, got)
}

// testRelayRetries: handler errors and panics are retried on the same record; nothing is
// skipped or reordered.
func testRelayRetries(t *testing.T, h *harness) {
	ctx := h.ctx
	w, _ := relayWorld(t, h, 6)
	all := feed(t, ctx, w.svc, 100, 7)
	require.Len(t, all, 7)
	c := newCollector()
	c.fail = func(n int, r organizations.EventRecord) error {
		switch n {
		case 2, 3:
			return errors.New("endpoint down")
		case 5:
			panic("handler bug")
		}
		return nil
	}
	var mu sync.Mutex
	var reported []error
	opts := *fastRelay
	opts.OnError = func(_ organizations.EventRecord, err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}
	runCtx, stop := context.WithCancel(ctx)
	done := runRelay(runCtx, organizations.NewRelay(w.svc, h.store.(organizations.CursorStore), "retry", c, &opts))
	got := c.waitFor(t, len(all))
	stop()
	require.NoError(t, <-done)
	require.Equal(t, all, got, "each record once, in order, despite the failures")
	mu.Lock()
	require.Len(t, reported, 3, "two errors and a panic reported")
	mu.Unlock()
}

// testRelaySavesBeforeRetrying: the relay saves the cursor once a batch, but a record that
// keeps failing does not hold back the ones accepted before it in its batch: while it is
// retried, the saved cursor is the last accepted record's, so a crash then redelivers
// nothing that was accepted.
func testRelaySavesBeforeRetrying(t *testing.T, h *harness) {
	ctx := h.ctx
	w, _ := relayWorld(t, h, 2)
	all := feed(t, ctx, w.svc, 100, 3)
	require.Len(t, all, 3)
	c := newCollector()
	c.fail = func(_ int, r organizations.EventRecord) error {
		if r.ID == all[2].ID {
			return errors.New("endpoint down")
		}
		return nil
	}
	failures := make(chan struct{}, 100)
	opts := *fastRelay
	opts.BatchSize = 10 // the three records in one batch
	opts.OnError = func(organizations.EventRecord, error) {
		select {
		case failures <- struct{}{}:
		default:
		}
	}
	cursors := h.store.(organizations.CursorStore)
	runCtx, stop := context.WithCancel(ctx)
	done := runRelay(runCtx, organizations.NewRelay(w.svc, cursors, "saves", c, &opts))
	// The third record has failed twice: the progress before it was saved at the first.
	for range 2 {
		select {
		case <-failures:
		case <-time.After(feedWait):
			t.Fatal("the third record's handler was never retried")
		}
	}
	saved, err := cursors.LoadCursor(ctx, "saves")
	require.NoError(t, err)
	require.Equal(t, all[1].Cursor, saved, "the cursor of the last accepted record, saved while the next one fails")
	stop()
	require.NoError(t, <-done)
	saved, err = cursors.LoadCursor(ctx, "saves")
	require.NoError(t, err)
	require.Equal(t, all[1].Cursor, saved, "a stop never saves past an unaccepted record")
}

// flakyCursors is a CursorStore whose first LoadCursor and first SaveCursor fail, logging
// every call's outcome.
type flakyCursors struct {
	cs            organizations.CursorStore
	log           *relayLog
	loaded, saved bool
	savedOK       chan struct{}
}

func (f *flakyCursors) LoadCursor(ctx context.Context, consumer string) (string, error) {
	if !f.loaded {
		f.loaded = true
		f.log.add("load failed")
		return "", errors.New("load")
	}
	f.log.add("load ok")
	return f.cs.LoadCursor(ctx, consumer)
}

func (f *flakyCursors) SaveCursor(ctx context.Context, consumer, cursor string) error {
	if !f.saved {
		f.saved = true
		f.log.add("save failed")
		return errors.New("save")
	}
	if err := f.cs.SaveCursor(ctx, consumer, cursor); err != nil {
		return err
	}
	f.log.add("save ok")
	select {
	case f.savedOK <- struct{}{}:
	default:
	}
	return nil
}

// flakyFeed is a Store whose first event feed read fails: the Service over it is an
// EventStore that delegates to es.
type flakyFeed struct {
	organizations.Store
	es     organizations.EventStore
	log    *relayLog
	failed bool
}

func (f *flakyFeed) Events(ctx context.Context, p organizations.EventsParams) ([]organizations.EventRecord, error) {
	if !f.failed {
		f.failed = true
		f.log.add("feed failed")
		return nil, errors.New("feed")
	}
	f.log.add("feed ok")
	return f.es.Events(ctx, p)
}

func (f *flakyFeed) AuditEvents(ctx context.Context, p organizations.AuditEventsParams) ([]organizations.EventRecord, error) {
	return f.es.AuditEvents(ctx, p)
}

func (f *flakyFeed) PruneEvents(ctx context.Context, p organizations.PruneEventsParams) (int, error) {
	return f.es.PruneEvents(ctx, p)
}

// relayLog is what a relay did, in order (its calls all come from its one goroutine).
type relayLog struct {
	mu  sync.Mutex
	got []string
}

func (l *relayLog) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
}

func (l *relayLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// testRelayOnErrorHearsEveryFailure: RelayOptions.OnError promises every failure the relay
// retries. A failed cursor load, feed read, handler call and cursor save are each
// reported, once, before the call is made again (through the one retry path, with its
// backoff), and the records are delivered all the same.
func testRelayOnErrorHearsEveryFailure(t *testing.T, h *harness) {
	ctx := h.ctx
	w, _ := relayWorld(t, h, 2)
	all := feed(t, ctx, w.svc, 100, 3)
	require.Len(t, all, 3)
	log := &relayLog{}
	cursors := &flakyCursors{cs: h.store.(organizations.CursorStore), log: log, savedOK: make(chan struct{}, 1)}
	svc := organizations.New(&flakyFeed{Store: h.store, es: h.store.(organizations.EventStore), log: log}, nil)
	c := newCollector()
	c.fail = func(n int, r organizations.EventRecord) error {
		if n == 1 {
			log.add("handler failed")
			return errors.New("handler")
		}
		log.add("handler ok")
		return nil
	}
	opts := *fastRelay
	opts.BatchSize = 10 // the three records in one batch, one save after it
	opts.OnError = func(_ organizations.EventRecord, err error) { log.add("reported " + err.Error()) }
	runCtx, stop := context.WithCancel(ctx)
	done := runRelay(runCtx, organizations.NewRelay(svc, cursors, "flaky", c, &opts))
	got := c.waitFor(t, len(all))
	select {
	case <-cursors.savedOK:
	case <-time.After(feedWait):
		t.Fatal("the cursor was never saved")
	}
	stop()
	require.NoError(t, <-done)
	require.Equal(t, all, got, "each record once, in order, despite the failures")
	steps := log.take()
	var reported []string
	for i, s := range steps {
		if what, ok := strings.CutSuffix(s, " failed"); ok {
			require.Less(t, i+1, len(steps), "%s: the relay stopped after a failure", what)
			require.Equal(t, "reported "+what, steps[i+1], "a failure is reported before anything else happens: %q", steps)
		}
		if what, ok := strings.CutPrefix(s, "reported "); ok {
			reported = append(reported, what)
		}
	}
	require.Equal(t, []string{"load", "feed", "handler", "save"}, reported, "every failure reported, once: %q", steps)
	saved, err := h.store.(organizations.CursorStore).LoadCursor(ctx, "flaky")
	require.NoError(t, err)
	require.Equal(t, all[2].Cursor, saved)
}

// testFeedKeepsOrgOrder: goroutines race SetRole on one member. Replaying the member's
// role_changed records in feed order, each record's Old role is the previous record's
// New role, and the last New role is the member's actual role: the feed gives each
// organization's records in the order its changes took effect. The audit log of the
// member is the same records, newest first (the feed's order reversed).
func testFeedKeepsOrgOrder(t *testing.T, h *harness) {
	w := needEventWorld(t, h)
	ctx := h.ctx
	org, err := w.svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = w.svc.AddUser(ctx, org.ID, "m", organizations.RoleMember)
	require.NoError(t, err)
	const goroutines, each = 8, 30
	errs := parallel(goroutines, func(g int) error {
		for i := range each {
			role := organizations.RoleMember
			if (g+i)%2 == 0 {
				role = organizations.RoleAdmin
			}
			if _, err := w.svc.SetRole(ctx, org.ID, "m", role); err != nil {
				return err
			}
		}
		return nil
	})
	for _, err := range errs {
		require.NoError(t, err)
	}
	changes := 0
	for _, e := range w.rec.Take() {
		if e.EventName() == "role_changed" {
			changes++
		}
	}
	all := feed(t, ctx, w.svc, 50, changes+2)
	require.Len(t, all, changes+2)
	var mine []organizations.EventRecord
	role := organizations.RoleMember
	wrong := 0
	for _, r := range all {
		if r.Type != "role_changed" {
			continue
		}
		mine = append(mine, r)
		e, err := r.Event()
		require.NoError(t, err)
		rc := e.(organizations.RoleChanged)
		if rc.Old.Role != role {
			wrong++
		}
		role = rc.New.Role
	}
	require.Zero(t, wrong, "of %d role_changed records, %d do not follow from the record before them", len(mine), wrong)
	got, err := w.svc.OrganizationUser(ctx, org.ID, "m")
	require.NoError(t, err)
	require.Equal(t, got.Role, role, "replaying the feed reaches the member's actual role")

	q := organizations.AuditQuery{OrganizationID: org.ID, Types: []string{"role_changed"}}
	audit := allPages(t, "AuditLog", 7, func(opts organizations.ListOptions) (organizations.Page[organizations.EventRecord], error) {
		return w.svc.AuditLog(ctx, q, opts)
	})
	slices.Reverse(audit)
	require.Equal(t, mine, audit, "the audit log is the feed's order, newest first")
}
