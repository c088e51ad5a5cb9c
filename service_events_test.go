package organizations_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
	"github.com/stretchr/testify/require"
)

// Every change emits exactly its events, with the stored values; no-op calls emit nothing.
func TestEventsPerCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.ctx
	kim, err := f.svc.OrganizationUser(ctx, f.org.ID, "kim")
	require.NoError(t, err)
	matt, err := f.svc.OrganizationUser(ctx, f.org.ID, "matt")
	require.NoError(t, err)

	org, err := f.svc.CreateOrganization(ctx, "eddie", "Pearl Jam", nil)
	require.NoError(t, err)
	require.Equal(t, []organizations.Event{organizations.OrganizationCreated{Organization: org, Owner: "eddie"}}, f.rec.Take(),
		"the owner's membership is part of OrganizationCreated, not a UserAdded")

	m, err := f.svc.AddUser(ctx, org.ID, "stone", organizations.RoleMember)
	require.NoError(t, err)
	require.Equal(t, []organizations.Event{organizations.UserAdded{OrganizationUser: m}}, f.rec.Take())

	m2, created, err := f.svc.GetOrAddUser(ctx, org.ID, "jeff", organizations.RoleAdmin)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, []organizations.Event{organizations.UserAdded{OrganizationUser: m2}}, f.rec.Take())

	same, created, err := f.svc.GetOrAddUser(ctx, org.ID, "stone", organizations.RoleAdmin)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, m, same)
	require.Empty(t, f.rec.Take(), "GetOrAddUser of a member")

	promoted, err := f.svc.SetRole(ctx, org.ID, "stone", organizations.RoleAdmin)
	require.NoError(t, err)
	require.Equal(t, []organizations.Event{organizations.RoleChanged{Old: m, New: promoted}}, f.rec.Take())
	require.Equal(t, organizations.RoleAdmin, promoted.Role)

	_, err = f.svc.SetRole(ctx, org.ID, "stone", organizations.RoleAdmin)
	require.NoError(t, err)
	_, err = f.svc.SetRole(ctx, org.ID, "eddie", organizations.RoleAdmin)
	require.NoError(t, err)
	require.Empty(t, f.rec.Take(), "SetRole to the current role")

	require.NoError(t, f.svc.RemoveUser(ctx, org.ID, "stone"))
	require.Equal(t, []organizations.Event{organizations.UserRemoved{OrganizationUser: promoted}}, f.rec.Take())

	// Transfer to a plain member: promoted first, then owner.
	require.NoError(t, f.svc.ChangeOwner(ctx, f.org.ID, "kim"))
	kimAdmin, err := f.svc.OrganizationUser(ctx, f.org.ID, "kim")
	require.NoError(t, err)
	chris, err := f.svc.OrganizationUser(ctx, f.org.ID, "chris")
	require.NoError(t, err)
	require.Equal(t, []organizations.Event{
		organizations.RoleChanged{Old: kim, New: kimAdmin},
		organizations.OwnerChanged{Old: chris, New: kimAdmin},
	}, f.rec.Take())

	// Transfer to an admin: no role change.
	require.NoError(t, f.svc.ChangeOwner(ctx, f.org.ID, "matt"))
	require.Equal(t, []organizations.Event{organizations.OwnerChanged{Old: kimAdmin, New: matt}}, f.rec.Take())

	require.NoError(t, f.svc.ChangeOwner(ctx, f.org.ID, "matt"))
	require.Empty(t, f.rec.Take(), "ChangeOwner to the current owner")

	name := "Pearl Jam!"
	renamed, err := f.svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &name})
	require.NoError(t, err)
	require.Equal(t, org.Slug, renamed.Slug, "renaming keeps the slug")
	require.Equal(t, []organizations.Event{organizations.OrganizationUpdated{Organization: renamed}}, f.rec.Take())

	unchanged, err := f.svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &name, Slug: &renamed.Slug})
	require.NoError(t, err)
	require.Equal(t, renamed, unchanged)
	_, err = f.svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{})
	require.NoError(t, err)
	require.Empty(t, f.rec.Take(), "an update that changes nothing")

	require.NoError(t, f.svc.DeleteOrganization(ctx, org.ID))
	require.Equal(t, []organizations.Event{organizations.OrganizationDeleted{Organization: renamed}}, f.rec.Take())
}

func TestReadsEmitNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.ctx
	_, _ = f.svc.Organization(ctx, f.org.ID)
	_, _ = f.svc.OrganizationBySlug(ctx, f.org.Slug)
	_, _ = f.svc.OrganizationsForUser(ctx, "chris", organizations.ListOptions{})
	_, _ = f.svc.OrganizationUser(ctx, f.org.ID, "kim")
	_, _ = f.svc.Owner(ctx, f.org.ID)
	_, _ = f.svc.Members(ctx, f.org.ID, organizations.ListOptions{})
	_, _ = f.svc.IsMember(ctx, f.org.ID, "kim")
	_, _ = f.svc.IsAdmin(ctx, f.org.ID, "kim")
	_, _ = f.svc.IsOwner(ctx, f.org.ID, "kim")
	require.Empty(t, f.rec.Take())
	require.Zero(t, f.store.writes.Load())
}

type ctxKey struct{}

// Events are delivered after the change is stored, with the caller's context: a handler
// that reads back through the Service sees the change.
func TestEventsArriveAfterTheChangeWithTheCallersContext(t *testing.T) {
	t.Parallel()
	ctx := context.WithValue(context.Background(), ctxKey{}, "request-42")
	var svc *organizations.Service
	var seen []string
	svc = organizations.New(nil, &organizations.Options{Events: func(ectx context.Context, e organizations.Event) {
		require.Equal(t, "request-42", ectx.Value(ctxKey{}))
		switch e := e.(type) {
		case organizations.OrganizationCreated:
			got, err := svc.Organization(ectx, e.Organization.ID)
			require.NoError(t, err)
			require.Equal(t, e.Organization, got)
		case organizations.UserAdded:
			ok, err := svc.IsMember(ectx, e.OrganizationUser.OrganizationID, e.OrganizationUser.UserID)
			require.NoError(t, err)
			require.True(t, ok)
		case organizations.RoleChanged:
			m, err := svc.OrganizationUser(ectx, e.New.OrganizationID, e.New.UserID)
			require.NoError(t, err)
			require.Equal(t, e.New, m)
		case organizations.OwnerChanged:
			ok, err := svc.IsOwner(ectx, e.New.OrganizationID, e.New.UserID)
			require.NoError(t, err)
			require.True(t, ok)
		case organizations.UserRemoved:
			ok, err := svc.IsMember(ectx, e.OrganizationUser.OrganizationID, e.OrganizationUser.UserID)
			require.NoError(t, err)
			require.False(t, ok)
		case organizations.OrganizationUpdated:
			got, err := svc.Organization(ectx, e.Organization.ID)
			require.NoError(t, err)
			require.Equal(t, e.Organization, got)
		case organizations.OrganizationDeleted:
			_, err := svc.Organization(ectx, e.Organization.ID)
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		}
		seen = append(seen, e.EventName())
	}})
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "ben", organizations.RoleMember)
	require.NoError(t, err)
	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "kim"))
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "ben"))
	inactive := false
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{IsActive: &inactive})
	require.NoError(t, err)
	require.NoError(t, svc.DeleteOrganization(ctx, org.ID))
	require.Equal(t, []string{
		"organization_created", "user_added", "user_added", "role_changed", "owner_changed",
		"user_removed", "organization_updated", "organization_deleted",
	}, seen)
}

// Racing calls that can change something only once emit exactly one event between them.
func TestEventsExactlyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	const n = 16
	race := func(t *testing.T, call func(f *fixture) error) []organizations.Event {
		f := newFixture(t)
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = call(f)
			}()
		}
		wg.Wait()
		return append(f.rec.Take(), errorEvents(errs)...)
	}

	t.Run("GetOrAddUser", func(t *testing.T) {
		var created sync.Map
		events := race(t, func(f *fixture) error {
			m, c, err := f.svc.GetOrAddUser(f.ctx, f.org.ID, "eddie", organizations.RoleMember)
			if c {
				created.Store(m.ID, true)
			}
			return err
		})
		require.Len(t, events, 1)
		require.IsType(t, organizations.UserAdded{}, events[0])
		require.Equal(t, 1, mapLen(&created))
	})
	t.Run("AddUser", func(t *testing.T) {
		events := race(t, func(f *fixture) error {
			_, err := f.svc.AddUser(f.ctx, f.org.ID, "eddie", organizations.RoleMember)
			return ignore(err, organizations.ErrAlreadyMember)
		})
		require.Len(t, events, 1)
		require.IsType(t, organizations.UserAdded{}, events[0])
	})
	t.Run("ChangeOwner", func(t *testing.T) {
		events := race(t, func(f *fixture) error { return f.svc.ChangeOwner(f.ctx, f.org.ID, "kim") })
		require.Len(t, events, 2)
		require.IsType(t, organizations.RoleChanged{}, events[0])
		require.IsType(t, organizations.OwnerChanged{}, events[1])
	})
	t.Run("SetRole", func(t *testing.T) {
		events := race(t, func(f *fixture) error {
			_, err := f.svc.SetRole(f.ctx, f.org.ID, "kim", organizations.RoleAdmin)
			return err
		})
		require.Len(t, events, 1)
		require.IsType(t, organizations.RoleChanged{}, events[0])
	})
	t.Run("RemoveUser", func(t *testing.T) {
		events := race(t, func(f *fixture) error {
			return ignore(f.svc.RemoveUser(f.ctx, f.org.ID, "kim"), organizations.ErrNotMember)
		})
		require.Len(t, events, 1)
		require.IsType(t, organizations.UserRemoved{}, events[0])
	})
	t.Run("DeleteOrganization", func(t *testing.T) {
		events := race(t, func(f *fixture) error {
			return ignore(f.svc.DeleteOrganization(f.ctx, f.org.ID), organizations.ErrOrganizationNotFound)
		})
		require.Len(t, events, 1)
		require.IsType(t, organizations.OrganizationDeleted{}, events[0])
	})
}

// errorEvent carries an unexpected error into the event list, so that the test's equality
// check reports it.
type errorEvent struct{ err error }

func (e errorEvent) EventName() string { return "unexpected error: " + e.err.Error() }

func errorEvents(errs []error) []organizations.Event {
	var out []organizations.Event
	for _, err := range errs {
		if err != nil {
			out = append(out, errorEvent{err})
		}
	}
	return out
}

// ignore returns nil for the expected refusal of the losers of a race.
func ignore(err, expected error) error {
	if err != nil && errors.Is(err, expected) {
		return nil
	}
	return err
}

func mapLen(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// A panicking Options.Events handler is recovered: the call returns its result, its
// other events are still delivered, and its records are stored.
func TestEventsHandlerPanicRecovered(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	outbox := &organizationstest.Outbox{}
	var got []string
	calls := 0
	svc := organizations.New(nil, &organizations.Options{Inviter: outbox, Events: func(_ context.Context, e organizations.Event) {
		calls++
		if e.EventName() == "invitation_accepted" {
			panic("handler bug")
		}
		got = append(got, e.EventName())
	}})
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.Invite(ctx, "ann", org.ID, "bob@example.com", nil)
	require.NoError(t, err)
	token, _ := outbox.InvitationToken("bob@example.com")
	m, err := svc.AcceptInvitation(ctx, token, "bob", "bob@example.com")
	require.NoError(t, err, "the call returns its result")
	require.Equal(t, organizations.UserID("bob"), m.UserID)
	require.Equal(t, 4, calls)
	require.Equal(t, []string{"organization_created", "invitation_created", "user_added"}, got,
		"the event after the panicking one is delivered")
	recs, _, err := svc.EventFeed(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, recs, 4, "every record is stored, the panicked one's too")
}

// A store without EventStore: the feed, the audit log, retention and the relay say
// ErrNotSupported.
func TestEventsNeedEventStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	svc := organizations.New(coreOnlyStore{organizations.NewMemoryStore()}, nil)
	_, _, err := svc.EventFeed(ctx, "", 10)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.AuditLog(ctx, organizations.AuditQuery{}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.PruneEvents(ctx, time.Now())
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	r := organizations.NewRelay(svc, organizations.NewMemoryStore(), "x", organizations.HandlerFunc(
		func(context.Context, organizations.EventRecord) error { return nil }), nil)
	require.ErrorIs(t, r.Run(ctx), organizations.ErrNotSupported)
}

// EventRecord.Event refuses a type it does not know and JSON that does not decode.
func TestEventRecordDecodeErrors(t *testing.T) {
	t.Parallel()
	_, err := organizations.EventRecord{Type: "from_the_future", Data: []byte(`{}`)}.Event()
	require.ErrorIs(t, err, organizations.ErrUnknownEventType)
	_, err = organizations.EventRecord{Type: "user_added", Data: []byte(`{"organization_user": 7}`)}.Event()
	require.Error(t, err)
	e, err := organizations.EventRecord{Type: "user_added", Data: []byte(`{"organization_user": {"user_id": "ann"}, "actor": "bob"}`)}.Event()
	require.NoError(t, err)
	require.Equal(t, organizations.UserAdded{OrganizationUser: organizations.OrganizationUser{UserID: "ann"}, Actor: "bob"}, e)
}

// Cursors: the text form round-trips; a malformed one is ErrInvalidCursor; a relay whose
// saved cursor is malformed stops with it.
func TestEventCursorText(t *testing.T) {
	t.Parallel()
	for _, c := range []organizations.EventCursor{{}, {Pos: 1}, {Pos: 1<<63 - 1}, {XID: 0, Seq: 1}, {XID: 12345, Seq: 678}} {
		got, err := organizations.ParseEventCursor(c.String())
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	require.Equal(t, "42", organizations.EventCursor{Pos: 42}.String())
	require.Equal(t, "7.3", organizations.EventCursor{XID: 7, Seq: 3}.String(), "an old-form cursor keeps its form")
	for _, bad := range []string{"a.b", "0", "+1", " 1", "1.0", "1.2.3", " 1.2", "+1.2", "9223372036854775808"} {
		_, err := organizations.ParseEventCursor(bad)
		require.ErrorIs(t, err, organizations.ErrInvalidCursor, "%q", bad)
	}
	svc := organizations.New(nil, nil)
	cursors := badCursors{}
	r := organizations.NewRelay(svc, cursors, "x", organizations.HandlerFunc(
		func(context.Context, organizations.EventRecord) error { return nil }), nil)
	require.ErrorIs(t, r.Run(t.Context()), organizations.ErrInvalidCursor)
}

type badCursors struct{}

func (badCursors) LoadCursor(context.Context, string) (string, error) { return "garbage", nil }
func (badCursors) SaveCursor(context.Context, string, string) error   { return nil }

// EventTypes lists every event type once, each the EventName of the Event its record
// decodes to, in a fixed order.
func TestEventTypesAreEveryEvent(t *testing.T) {
	t.Parallel()
	names := organizations.EventTypes()
	require.Len(t, names, 35)
	seen := map[string]bool{}
	for _, n := range names {
		require.False(t, seen[n], "%s twice", n)
		seen[n] = true
		e, err := organizations.EventRecord{Type: n, Data: []byte(`{}`)}.Event()
		require.NoError(t, err, n)
		require.Equal(t, n, e.EventName())
	}
	require.Equal(t, names, organizations.EventTypes(), "the same order every call")
	names[0] = "changed"
	require.Equal(t, "organization_created", organizations.EventTypes()[0], "the slice is the caller's")
}
