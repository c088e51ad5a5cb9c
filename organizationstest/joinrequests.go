package organizationstest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// joinRequestStore is the optional organizations.JoinRequestStore.
var joinRequestStore = optionalOf[organizations.JoinRequestStore]()

// joinRace is how many calls race in the join request races.
const joinRace = 12

func joinRequestTests() []test {
	return []test{
		{"RequestAndApprove", testJoinApprove},
		{"RequestErrors", testJoinRequestErrors},
		{"DenyAndWithdraw", testJoinDenyWithdraw},
		{"ActorChecked", testJoinActorChecked},
		{"Expires", testJoinExpires},
		{"ApproveAtSeatLimit", testJoinSeatLimit},
		{"ApproveRespectsMembershipAndSuspension", testJoinSuspended},
		{"RaceApproveWithdraw", testJoinRaceApproveWithdraw},
		{"RaceRequest", testJoinRaceRequest},
		{"RaceApproveAtSeatLimit", testJoinRaceSeatLimit},
	}
}

// openSettings are Settings that accept join requests.
var openSettings = json.RawMessage(`{"join_requests":true}`)

// openOrg creates an organization owned by "owner" that accepts join requests, with the
// admin "admin" and the member "bob".
func openOrg(h *harness, opts *organizations.CreateOptions) organizations.Organization {
	h.t.Helper()
	if opts == nil {
		opts = &organizations.CreateOptions{}
	}
	opts.Settings = openSettings
	return h.staffedOrg("Open", opts)
}

// request makes user's join request to org and drops its event.
func (h *harness) request(org uuid.UUID, user organizations.UserID) organizations.JoinRequest {
	h.t.Helper()
	r, err := h.svc.RequestToJoin(h.ctx, org, user, "")
	require.NoError(h.t, err)
	h.events.take()
	return r
}

// joinRequest reads a join request back.
func (h *harness) joinRequest(id uuid.UUID) organizations.JoinRequest {
	h.t.Helper()
	r, err := h.svc.JoinRequest(h.ctx, id)
	require.NoError(h.t, err)
	return r
}

func (h *harness) pendingJoins(org uuid.UUID) []organizations.JoinRequest {
	h.t.Helper()
	p, err := h.svc.PendingJoinRequests(h.ctx, org, organizations.ListOptions{})
	require.NoError(h.t, err)
	return p.Items
}

func testJoinApprove(t *testing.T, h *harness) {
	org := openOrg(h, nil)
	r, err := h.svc.RequestToJoin(h.ctx, org.ID, "ann", "hello")
	require.NoError(t, err)
	require.Equal(t, organizations.JoinRequest{
		ID: r.ID, OrganizationID: org.ID, UserID: "ann", Message: "hello", Status: organizations.JoinRequestStatusPending,
		CreatedAt: h.now(), ExpiresAt: h.now().Add(organizations.DefaultJoinRequestTTL),
	}, r)
	h.requireEvents(organizations.JoinRequested{Request: r, Actor: "ann"})
	require.Equal(t, r, h.joinRequest(r.ID))
	require.Equal(t, []organizations.JoinRequest{r}, h.pendingJoins(org.ID))
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember, "a request is no membership")

	h.clock.Advance(time.Minute)
	m, err := h.svc.As("admin").ApproveJoinRequest(h.ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.RoleMember, m.Role)
	require.Equal(t, organizations.UserID("ann"), m.UserID)
	require.Equal(t, org.ID, m.OrganizationID)
	requireSameMember(t, m, h.member(org.ID, "ann"))
	approved := r
	approved.Status, approved.DecidedBy, approved.ClosedAt = organizations.JoinRequestStatusApproved, "admin", h.now()
	require.Equal(t, approved, h.joinRequest(r.ID))
	got := h.events.take()
	require.Len(t, got, 1)
	e, ok := got[0].(organizations.JoinRequestApproved)
	require.True(t, ok, "%T", got[0])
	require.Equal(t, approved, e.Request)
	require.Equal(t, organizations.UserID("admin"), e.Actor)
	requireSameMember(t, m, e.OrganizationUser)
	require.Empty(t, h.pendingJoins(org.ID))

	_, err = h.svc.As("admin").ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrJoinRequestClosed, "a closed request stays closed")
	require.ErrorIs(t, h.svc.As("ann").WithdrawJoinRequest(h.ctx, r.ID), organizations.ErrJoinRequestClosed)
	h.requireNoEvents()
}

func testJoinRequestErrors(t *testing.T, h *harness) {
	closed := h.createOrg("owner", "Closed", nil)
	_, err := h.svc.RequestToJoin(h.ctx, closed.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed)
	falseSetting := h.createOrg("owner", "False", &organizations.CreateOptions{Settings: json.RawMessage(`{"join_requests":"yes"}`)})
	_, err = h.svc.RequestToJoin(h.ctx, falseSetting.ID, "ann", "")
	require.ErrorIs(t, err, organizations.ErrJoinRequestsClosed, "only the JSON true opens it")
	org := openOrg(h, nil)
	_, err = h.svc.RequestToJoin(h.ctx, uuid.New(), "ann", "")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.RequestToJoin(h.ctx, org.ID, "bob", "")
	require.ErrorIs(t, err, organizations.ErrAlreadyMember)
	_, err = h.svc.RequestToJoin(h.ctx, org.ID, "", "")
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = h.svc.RequestToJoin(h.ctx, org.ID, "ann", string(make([]rune, organizations.MaxJoinRequestMessage+1)))
	require.ErrorIs(t, err, organizations.ErrInvalidJoinRequestMessage)
	_, err = h.svc.RequestToJoin(h.ctx, org.ID, "ann", "\xff")
	require.ErrorIs(t, err, organizations.ErrInvalidJoinRequestMessage)
	h.requireNoEvents()

	r := h.request(org.ID, "ann")
	_, err = h.svc.RequestToJoin(h.ctx, org.ID, "ann", "again")
	require.ErrorIs(t, err, organizations.ErrJoinRequestExists, "one open request per user and organization")
	h.requireNoEvents()
	require.Len(t, h.pendingJoins(org.ID), 1)
	_, err = h.svc.JoinRequest(h.ctx, uuid.New())
	require.ErrorIs(t, err, organizations.ErrJoinRequestNotFound)
	_, err = h.svc.ApproveJoinRequest(h.ctx, uuid.New())
	require.ErrorIs(t, err, organizations.ErrJoinRequestNotFound)
	require.ErrorIs(t, h.svc.As("ann").WithdrawJoinRequest(h.ctx, uuid.New()), organizations.ErrJoinRequestNotFound)
	require.ErrorIs(t, h.svc.As("bob").WithdrawJoinRequest(h.ctx, r.ID), organizations.ErrPermissionDenied, "only the requester withdraws")

	require.NoError(t, h.svc.DeleteOrganization(h.ctx, org.ID))
	_, err = h.svc.JoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrJoinRequestNotFound, "deleting the organization deletes its requests")
}

func testJoinDenyWithdraw(t *testing.T, h *harness) {
	org := openOrg(h, nil)
	r := h.request(org.ID, "ann")
	require.NoError(t, h.svc.As("admin").DenyJoinRequest(h.ctx, r.ID))
	denied := h.joinRequest(r.ID)
	require.Equal(t, organizations.JoinRequestStatusDenied, denied.Status)
	require.Equal(t, organizations.UserID("admin"), denied.DecidedBy)
	h.requireEvents(organizations.JoinRequestDenied{Request: denied, Actor: "admin"})
	_, err := h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)
	_, err = h.svc.ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrJoinRequestClosed)

	again := h.request(org.ID, "ann") // a denied request does not block a new one
	require.ErrorIs(t, h.svc.As("ann").WithdrawJoinRequest(h.ctx, again.ID), nil)
	withdrawn := h.joinRequest(again.ID)
	require.Equal(t, organizations.JoinRequestStatusWithdrawn, withdrawn.Status)
	require.Empty(t, withdrawn.DecidedBy)
	require.Equal(t, h.now(), withdrawn.ClosedAt)
	h.requireEvents(organizations.JoinRequestWithdrawn{Request: withdrawn, Actor: "ann"})
	require.ErrorIs(t, h.svc.DenyJoinRequest(h.ctx, again.ID), organizations.ErrJoinRequestClosed)
	require.Empty(t, h.pendingJoins(org.ID))
}

func testJoinActorChecked(t *testing.T, h *harness) {
	org := openOrg(h, nil)
	r := h.request(org.ID, "ann")
	_, err := h.svc.As("bob").ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "a member may not approve")
	require.ErrorIs(t, h.svc.As("bob").DenyJoinRequest(h.ctx, r.ID), organizations.ErrPermissionDenied)
	_, err = h.svc.As("ann").ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "nor the requester")
	_, err = h.svc.As("stranger").ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	_, err = h.svc.SetRole(h.ctx, org.ID, "admin", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	_, err = h.svc.As("admin").ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrPermissionDenied, "decided on the actor's role at the moment")
	h.requireNoEvents()
	require.Equal(t, organizations.JoinRequestStatusPending, h.joinRequest(r.ID).Status)
	_, err = h.svc.As("owner").ApproveJoinRequest(h.ctx, r.ID)
	require.NoError(t, err, "the owner holds every permission")
}

func testJoinExpires(t *testing.T, h *harness) {
	org := openOrg(h, nil)
	r := h.request(org.ID, "ann")
	h.clock.Advance(organizations.DefaultJoinRequestTTL)
	require.Equal(t, organizations.JoinRequestStatusExpired, h.joinRequest(r.ID).Status)
	require.Empty(t, h.pendingJoins(org.ID))
	_, err := h.svc.ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrJoinRequestExpired)
	require.ErrorIs(t, h.svc.As("ann").WithdrawJoinRequest(h.ctx, r.ID), organizations.ErrJoinRequestExpired)
	h.requireNoEvents()

	again := h.request(org.ID, "ann") // an expired request does not block a new one
	require.Equal(t, organizations.JoinRequestStatusExpired, h.joinRequest(r.ID).Status, "and it stays closed")
	_, err = h.svc.ApproveJoinRequest(h.ctx, again.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.JoinRequestStatusExpired, h.joinRequest(r.ID).Status)
}

func testJoinSeatLimit(t *testing.T, h *harness) {
	if !seatStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface organizations.SeatStore")
	}
	org := openOrg(h, &organizations.CreateOptions{MaxMembers: limit(3)})
	r := h.request(org.ID, "ann")
	_, err := h.svc.ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	require.Equal(t, organizations.JoinRequestStatusPending, h.joinRequest(r.ID).Status, "the request stays pending")
	h.requireNoEvents()
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "bob"))
	h.events.take()
	_, err = h.svc.ApproveJoinRequest(h.ctx, r.ID)
	require.NoError(t, err, "approved once a seat frees")
}

func testJoinSuspended(t *testing.T, h *harness) {
	org := openOrg(h, nil)
	r := h.request(org.ID, "ann")
	m := h.addUser(org.ID, "ann", organizations.RoleMember) // added another way meanwhile
	_, err := h.svc.ApproveJoinRequest(h.ctx, r.ID)
	require.ErrorIs(t, err, organizations.ErrAlreadyMember, "no second membership")
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		h.suspend(org.ID, "ann")
		_, err = h.svc.ApproveJoinRequest(h.ctx, r.ID)
		require.ErrorIs(t, err, organizations.ErrAlreadyMember, "approval lifts no suspension")
		require.True(t, h.member(org.ID, "ann").Status() == organizations.MemberStatusSuspended)
		_, err = h.svc.As("ann").ApproveJoinRequest(h.ctx, r.ID)
		require.ErrorIs(t, err, organizations.ErrPermissionDenied)
	} else {
		requireSameMember(t, m, h.member(org.ID, "ann"))
	}
	h.requireNoEvents()
}

func testJoinRaceApproveWithdraw(t *testing.T, h *harness) {
	h.events.noVerify()
	org := openOrg(h, nil)
	for i := range joinRace {
		user := organizations.UserID(fmt.Sprintf("user%d", i))
		r := h.request(org.ID, user)
		errs := parallel(2, func(k int) error {
			if k == 0 {
				return errOnly(h.svc.As("admin").ApproveJoinRequest(h.ctx, r.ID))
			}
			return h.svc.As(user).WithdrawJoinRequest(h.ctx, r.ID)
		})
		closed, ok := countErrors(errs, organizations.ErrJoinRequestClosed)
		require.Equal(t, [2]int{1, 1}, [2]int{closed, ok}, "one outcome: %v", errs)
		got := h.joinRequest(r.ID)
		_, err := h.svc.OrganizationUser(h.ctx, org.ID, user)
		if errs[0] == nil {
			require.Equal(t, organizations.JoinRequestStatusApproved, got.Status)
			require.NoError(t, err)
		} else {
			require.Equal(t, organizations.JoinRequestStatusWithdrawn, got.Status)
			require.ErrorIs(t, err, organizations.ErrNotMember)
		}
		require.Len(t, h.events.take(), 1)
	}
}

func testJoinRaceRequest(t *testing.T, h *harness) {
	h.events.noVerify()
	org := openOrg(h, nil)
	errs := parallel(joinRace, func(int) error { return errOnly(h.svc.RequestToJoin(h.ctx, org.ID, "ann", "")) })
	exists, ok := countErrors(errs, organizations.ErrJoinRequestExists)
	require.Equal(t, [2]int{joinRace - 1, 1}, [2]int{exists, ok}, "%v", errs)
	require.Len(t, h.pendingJoins(org.ID), 1)
}

func testJoinRaceSeatLimit(t *testing.T, h *harness) {
	if !seatStore.implemented(h.store) {
		t.Skip("the store does not implement the optional interface organizations.SeatStore")
	}
	h.events.noVerify()
	org := openOrg(h, &organizations.CreateOptions{MaxMembers: limit(4)}) // one seat left
	var ids []uuid.UUID
	for i := range joinRace {
		ids = append(ids, h.request(org.ID, organizations.UserID(fmt.Sprintf("user%d", i))).ID)
	}
	errs := parallel(joinRace, func(i int) error { return errOnly(h.svc.As("admin").ApproveJoinRequest(h.ctx, ids[i])) })
	full, ok := countErrors(errs, organizations.ErrMemberLimit)
	require.Equal(t, [2]int{joinRace - 1, 1}, [2]int{full, ok}, "%v", errs)
	require.Equal(t, 4, h.seats(org.ID).Members)
	require.Len(t, h.pendingJoins(org.ID), joinRace-1, "the refused stay pending")
}
