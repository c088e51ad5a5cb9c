package organizationstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Recorder records the events a Service emits, for a test to assert on: pass its Record
// method as organizations.Options.Events. The zero value is ready to use; it is safe for
// concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []organizations.Event
}

// Record keeps e. It has the signature of organizations.Options.Events.
func (r *Recorder) Record(_ context.Context, e organizations.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Take returns the events recorded since the last Take, oldest first, and forgets them.
// None is an empty, non-nil slice.
func (r *Recorder) Take() []organizations.Event {
	return takeAll(&r.mu, &r.events)
}

// Events returns the events recorded since the last Take, oldest first, without
// forgetting them. None is an empty, non-nil slice.
func (r *Recorder) Events() []organizations.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]organizations.Event{}, r.events...)
}

// Names returns the EventName of each event Events returns, such as "user_added".
func (r *Recorder) Names() []string {
	return eventNames(r.Events())
}

// recorder is the suite's Recorder. Besides keeping every event, it checks on arrival
// that the change the event describes is already visible in the store: events come after
// the change, never before.
type recorder struct {
	Recorder
	t     *testing.T
	store organizations.Store

	mu sync.Mutex
	// verify turns the arrival check off for concurrency tests, where another goroutine
	// may legitimately undo a change before its event's check reads the store.
	verify bool
}

func newRecorder(t *testing.T, store organizations.Store) *recorder {
	return &recorder{t: t, store: store, verify: true}
}

func (r *recorder) record(ctx context.Context, e organizations.Event) {
	r.Record(ctx, e)
	r.mu.Lock()
	verify := r.verify
	r.mu.Unlock()
	if verify {
		if err := r.visible(context.WithoutCancel(ctx), e); err != nil {
			r.t.Errorf("event %s delivered before its change was stored: %v", e.EventName(), err)
		}
	}
}

// noVerify turns the arrival check off.
func (r *recorder) noVerify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.verify = false
}

// take returns the events recorded since the last take, and forgets them.
func (r *recorder) take() []organizations.Event { return r.Take() }

// visible reports why the store does not yet show the change e describes, or nil.
func (r *recorder) visible(ctx context.Context, e organizations.Event) error {
	switch e := e.(type) {
	case organizations.OrganizationCreated:
		_, err := r.store.Organization(ctx, e.Organization.ID)
		return err
	case organizations.OrganizationUpdated:
		got, err := r.store.Organization(ctx, e.Organization.ID)
		if err == nil && !got.UpdatedAt.Equal(e.Organization.UpdatedAt) {
			err = fmt.Errorf("stored UpdatedAt %v, event has %v", got.UpdatedAt, e.Organization.UpdatedAt)
		}
		return err
	case organizations.OrganizationDeleted:
		if _, err := r.store.Organization(ctx, e.Organization.ID); !errors.Is(err, organizations.ErrOrganizationNotFound) {
			return fmt.Errorf("organization still readable (err %v)", err)
		}
	case organizations.UserAdded:
		_, err := r.store.OrganizationUser(ctx, e.OrganizationUser.OrganizationID, e.OrganizationUser.UserID)
		return err
	case organizations.UserRemoved:
		m := e.OrganizationUser
		if _, err := r.store.OrganizationUser(ctx, m.OrganizationID, m.UserID); !errors.Is(err, organizations.ErrNotMember) {
			return fmt.Errorf("membership still readable (err %v)", err)
		}
	case organizations.RoleChanged:
		m, err := r.store.OrganizationUser(ctx, e.New.OrganizationID, e.New.UserID)
		if err == nil && m.Role != e.New.Role {
			err = fmt.Errorf("stored role %q, event has %q", m.Role, e.New.Role)
		}
		return err
	case organizations.MemberSuspended, organizations.MemberReactivated:
		m := eventMember(e)
		got, err := r.store.OrganizationUser(ctx, m.OrganizationID, m.UserID)
		if err == nil && got.Status() != m.Status() {
			err = fmt.Errorf("stored status %q, event has %q", got.Status(), m.Status())
		}
		return err
	case organizations.DomainAdded, organizations.DomainRemoved, organizations.DomainVerified,
		organizations.DomainUnverified, organizations.DomainUpdated:
		return domainVisible(ctx, r.store, e)
	case organizations.OwnerChanged:
		o, err := r.store.Owner(ctx, e.New.OrganizationID)
		if err == nil && o.OrganizationUser.UserID != e.New.UserID {
			err = fmt.Errorf("stored owner %q, event has %q", o.OrganizationUser.UserID, e.New.UserID)
		}
		return err
	}
	return nil
}

// requireEvents asserts that exactly want were emitted, in this order, since the last
// take, and forgets them.
func (h *harness) requireEvents(want ...organizations.Event) {
	h.t.Helper()
	got := h.events.take()
	require.Len(h.t, got, len(want), "events: got %v", eventNames(got))
	for i := range want {
		require.IsType(h.t, want[i], got[i], "event %d", i)
		require.Equal(h.t, canonEvent(want[i]), canonEvent(got[i]), "event %d (%s)", i, want[i].EventName())
	}
}

// requireNoEvents asserts that nothing was emitted since the last take.
func (h *harness) requireNoEvents() {
	h.t.Helper()
	h.requireEvents()
}

func eventNames(es []organizations.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.EventName()
	}
	return out
}

// eventMember is the membership of a suspension event.
func eventMember(e organizations.Event) organizations.OrganizationUser {
	switch e := e.(type) {
	case organizations.MemberSuspended:
		return e.OrganizationUser
	case organizations.MemberReactivated:
		return e.OrganizationUser
	}
	return organizations.OrganizationUser{}
}
