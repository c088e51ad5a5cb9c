package organizationstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// seatStore is the optional organizations.SeatStore.
var seatStore = optionalOf[organizations.SeatStore]()

// seatRace is how many additions race for the last seat.
const seatRace = 20

func seatTests() []test {
	return []test{
		{"LimitStoredAndShown", testSeatLimitStored},
		{"DefaultLimit", testSeatDefaultLimit},
		{"InvalidLimit", testSeatInvalidLimit},
		{"AddUserAtLimit", testSeatAddUserAtLimit},
		{"InvitationsHoldSeats", testSeatInvitationsHold},
		{"AcceptAtLimitStaysPending", testSeatAcceptAtLimit},
		{"LoweredBelowCount", testSeatLowered},
		{"RaceAddUser", testSeatRaceAddUser},
		{"RaceAccept", testSeatRaceAccept},
		{"RaceInvite", testSeatRaceInvite},
		{"RaceMixed", testSeatRaceMixed},
	}
}

// limit returns a pointer to n, for CreateOptions.MaxMembers and OrganizationUpdate.
func limit(n int) *int { return &n }

// seats reads the organization's seats through the Service.
func (h *harness) seats(org uuid.UUID) organizations.Seats {
	h.t.Helper()
	st, err := h.svc.Seats(h.ctx, org)
	require.NoError(h.t, err)
	return st
}

func testSeatLimitStored(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(5)})
	require.Equal(t, 5, org.MaxMembers)
	require.Equal(t, 5, h.org(org.ID).MaxMembers)
	bySlug, err := h.svc.OrganizationBySlug(h.ctx, org.Slug)
	require.NoError(t, err)
	require.Equal(t, 5, bySlug.MaxMembers)
	require.Equal(t, organizations.Seats{Limit: 5, Members: 1}, h.seats(org.ID))
	require.Equal(t, 4, h.seats(org.ID).Free())
	n, err := h.svc.MemberCount(h.ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, 1, n)

	got, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(7)})
	require.NoError(t, err)
	require.Equal(t, 7, got.MaxMembers)
	require.Len(t, h.events.take(), 1, "changing the limit is an update")
	_, err = h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(7)})
	require.NoError(t, err)
	require.Empty(t, h.events.take(), "the same limit changes nothing")
	got, err = h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(0)})
	require.NoError(t, err)
	require.Zero(t, got.MaxMembers, "0 removes the limit")
	require.Equal(t, -1, h.seats(org.ID).Free())

	plain := h.createOrg("other", "Plain", nil)
	require.Zero(t, plain.MaxMembers, "no limit by default")
	_, err = h.svc.Seats(h.ctx, uuid.New())
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}

func testSeatDefaultLimit(t *testing.T, h *harness) {
	svc := organizations.New(h.store, &organizations.Options{Now: h.clock.Now, DefaultMaxMembers: 3})
	org, err := svc.CreateOrganization(h.ctx, "owner", "Team", nil)
	require.NoError(t, err)
	require.Equal(t, 3, org.MaxMembers)
	require.Equal(t, 3, h.org(org.ID).MaxMembers)
	none, err := svc.CreateOrganization(h.ctx, "owner", "Unlimited", &organizations.CreateOptions{MaxMembers: limit(0)})
	require.NoError(t, err)
	require.Zero(t, none.MaxMembers, "an explicit 0 overrides the default")
}

func testSeatInvalidLimit(t *testing.T, h *harness) {
	for _, n := range []int{-1, organizations.MaxMemberLimit + 1} {
		_, err := h.svc.CreateOrganization(h.ctx, "owner", "Team", &organizations.CreateOptions{MaxMembers: limit(n)})
		require.ErrorIs(t, err, organizations.ErrInvalidMemberLimit, n)
	}
	h.requireNoOrgsFor("owner")
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(2)})
	_, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(-3)})
	require.ErrorIs(t, err, organizations.ErrInvalidMemberLimit)
	require.Equal(t, 2, h.org(org.ID).MaxMembers, "unchanged")
	require.Empty(t, h.events.take())
}

func testSeatAddUserAtLimit(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(3)})
	h.addUser(org.ID, "a", organizations.RoleMember)
	m, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "b", organizations.RoleMember)
	require.NoError(t, err)
	require.True(t, created)
	h.events.take()

	_, err = h.svc.AddUser(h.ctx, org.ID, "c", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	_, err = h.svc.As("owner").AddUser(h.ctx, org.ID, "c", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "actor-checked too")
	_, _, err = h.svc.GetOrAddUser(h.ctx, org.ID, "c", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	_, err = h.svc.AddUser(h.ctx, org.ID, "a", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrAlreadyMember, "a member is reported as such, not as over the limit")
	got, created, err := h.svc.GetOrAddUser(h.ctx, org.ID, "b", organizations.RoleAdmin)
	require.NoError(t, err, "an existing member needs no seat")
	require.False(t, created)
	requireSameMember(t, m, got)
	require.Empty(t, h.events.take(), "refusals emit nothing")
	require.Len(t, h.members(org.ID, 0), 3)
	require.Equal(t, organizations.Seats{Limit: 3, Members: 3}, h.seats(org.ID))
	require.Equal(t, 0, h.seats(org.ID).Free())
	_, err = h.svc.Access(h.ctx, org.ID, "c")
	require.NoError(t, err)

	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "a"))
	h.addUser(org.ID, "c", organizations.RoleMember) // a removal frees a seat
}

func testSeatInvitationsHold(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(3)})
	a := h.newInvitation(org.ID, "owner", "a@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(a)
	b := h.newInvitation(org.ID, "owner", "b@example.com", organizations.RoleMember, false, 2*time.Hour)
	h.invite(b)
	require.Equal(t, organizations.Seats{Limit: 3, Members: 1, PendingInvitations: 2}, h.seats(org.ID))

	c := h.newInvitation(org.ID, "owner", "c@example.com", organizations.RoleMember, false, time.Hour)
	_, err := h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: c.InvitedBy}, Invitation: c, TokenHash: h.tokenHash(), Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "members and pending invitations fill the seats")
	again := h.newInvitation(org.ID, "owner", "a@example.com", organizations.RoleMember, false, time.Hour)
	_, err = h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: again.InvitedBy}, Invitation: again, TokenHash: h.tokenHash(), Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrAlreadyInvited, "an existing invitation is reported as such")
	require.Len(t, h.pending(org.ID), 2, "nothing stored")

	// Expiry releases a seat.
	h.clock.Advance(time.Hour + time.Minute)
	require.Equal(t, 1, h.seats(org.ID).PendingInvitations)
	c = h.newInvitation(org.ID, "owner", "c@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(c)
	d := h.newInvitation(org.ID, "owner", "d@example.com", organizations.RoleMember, false, time.Hour)
	_, err = h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: d.InvitedBy}, Invitation: d, TokenHash: h.tokenHash(), Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrMemberLimit)

	// Renewing the expired invitation would take a seat again.
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{
		Auth:         organizations.Authorization{Actor: "owner"},
		InvitationID: a.ID, TokenHash: h.tokenHash(), ExpiresAt: h.now().Add(time.Hour), Now: h.now(),
	})
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "renewing an expired invitation needs a seat")
	require.Equal(t, organizations.InvitationStatusExpired, h.invitation(a.ID).Status, "unchanged")
	_, err = h.store.RenewInvitation(h.ctx, organizations.RenewInvitationParams{
		Auth:         organizations.Authorization{Actor: "owner"},
		InvitationID: b.ID, TokenHash: h.tokenHash(), ExpiresAt: h.now().Add(3 * time.Hour), Now: h.now(),
	})
	require.NoError(t, err, "an unexpired invitation keeps its seat when renewed")

	// Revoking releases one.
	_, err = h.store.RevokeInvitation(h.ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: b.ID, Now: h.now()})
	require.NoError(t, err)
	d = h.newInvitation(org.ID, "owner", "d@example.com", organizations.RoleMember, false, time.Hour)
	h.invite(d)
}

func testSeatAcceptAtLimit(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(2)})
	inv := h.newInvitation(org.ID, "owner", "ann@example.com", organizations.RoleMember, false, time.Hour)
	hash := h.invite(inv)
	h.addUser(org.ID, "bob", organizations.RoleMember) // members only: the invitation does not block it
	accept := func() (organizations.AcceptResult, error) {
		return h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
			Auth:      organizations.Authorization{Actor: "ann"},
			TokenHash: hash, Email: "ann@example.com", Membership: h.newMembership(org.ID, "ann"), Now: h.now(),
		})
	}
	_, err := accept()
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	require.Equal(t, organizations.InvitationStatusPending, h.invitation(inv.ID).Status, "the invitation stays pending")
	_, err = h.svc.OrganizationUser(h.ctx, org.ID, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)

	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "bob"))
	res, err := accept()
	require.NoError(t, err, "accepted once a seat frees")
	require.True(t, res.MembershipCreated)
	require.Equal(t, organizations.Seats{Limit: 2, Members: 2}, h.seats(org.ID))
}

func testSeatLowered(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	h.addUser(org.ID, "a", organizations.RoleMember)
	h.addUser(org.ID, "b", organizations.RoleMember)
	got, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(2)})
	require.NoError(t, err, "a limit below the count is allowed")
	require.Equal(t, 2, got.MaxMembers)
	h.events.take()
	require.Len(t, h.members(org.ID, 0), 3, "nobody is removed")
	_, err = h.svc.AddUser(h.ctx, org.ID, "c", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "a"))
	_, err = h.svc.AddUser(h.ctx, org.ID, "c", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrMemberLimit, "still at the limit")
	require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, "b"))
	h.addUser(org.ID, "c", organizations.RoleMember)
	_, err = h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(0)})
	require.NoError(t, err)
	h.addUser(org.ID, "d", organizations.RoleMember)
}

// seatRaceOrg is an organization one seat short of its limit.
func seatRaceOrg(h *harness) organizations.Organization {
	h.t.Helper()
	h.events.noVerify()
	org := h.createOrg("owner", "Team", &organizations.CreateOptions{MaxMembers: limit(3)})
	h.addUser(org.ID, "a", organizations.RoleMember)
	return org
}

// requireOneWon asserts that exactly one of errs is nil and the others ErrMemberLimit,
// and that the organization is at its limit.
func requireOneWon(t *testing.T, h *harness, org uuid.UUID, errs []error) {
	t.Helper()
	refused, ok := countErrors(errs, organizations.ErrMemberLimit)
	require.Equal(t, 1, ok, "exactly one addition gets the last seat: %v", errs)
	require.Equal(t, len(errs)-1, refused, "the others are refused: %v", errs)
	st := h.seats(org)
	require.Equal(t, st.Limit, st.Members+st.PendingInvitations, "never over the limit: %+v", st)
	active := 0
	for _, m := range h.members(org, 0) {
		if m.Status() == organizations.MemberStatusActive {
			active++
		}
	}
	require.Equal(t, st.Members, active, "Seats counts the active members")
}

func testSeatRaceAddUser(t *testing.T, h *harness) {
	org := seatRaceOrg(h)
	errs := parallel(seatRace, func(i int) error {
		if i%2 == 0 {
			return errOnly(h.svc.AddUser(h.ctx, org.ID, userN(i), organizations.RoleMember))
		}
		_, _, err := h.svc.GetOrAddUser(h.ctx, org.ID, userN(i), organizations.RoleMember)
		return err
	})
	requireOneWon(t, h, org.ID, errs)
}

// pendingAtLimit makes n pending invitations to org, then lowers its limit to one seat
// above its members, and returns their token hashes.
func pendingAtLimit(h *harness, org organizations.Organization, n int) [][]byte {
	h.t.Helper()
	_, err := h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(0)})
	require.NoError(h.t, err)
	hashes := make([][]byte, n)
	for i := range hashes {
		hashes[i] = h.invite(h.newInvitation(org.ID, "owner", fmt.Sprintf("u%d@example.com", i), organizations.RoleMember, false, time.Hour))
	}
	_, err = h.svc.UpdateOrganization(h.ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: limit(len(h.members(org.ID, 0)) + 1)})
	require.NoError(h.t, err)
	return hashes
}

func testSeatRaceAccept(t *testing.T, h *harness) {
	org := seatRaceOrg(h)
	hashes := pendingAtLimit(h, org, seatRace)
	errs := parallel(seatRace, func(i int) error {
		u := userN(i)
		_, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
			Auth:      organizations.Authorization{Actor: u},
			TokenHash: hashes[i], Email: string(u) + "@example.com", Membership: h.newMembership(org.ID, u), Now: h.now(),
		})
		return err
	})
	refused, ok := countErrors(errs, organizations.ErrMemberLimit)
	require.Equal(t, 1, ok, "exactly one accept gets the last seat: %v", errs)
	require.Equal(t, seatRace-1, refused)
	require.Len(t, h.members(org.ID, 0), 3)
	require.Len(t, h.pending(org.ID), seatRace-1, "the refused invitations stay pending")
}

func testSeatRaceInvite(t *testing.T, h *harness) {
	org := seatRaceOrg(h)
	errs := parallel(seatRace, func(i int) error {
		inv := h.newInvitation(org.ID, "owner", fmt.Sprintf("u%d@example.com", i), organizations.RoleMember, false, time.Hour)
		_, err := h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: h.now()})
		return err
	})
	requireOneWon(t, h, org.ID, errs)
	require.Len(t, h.pending(org.ID), 1)
}

func testSeatRaceMixed(t *testing.T, h *harness) {
	org := seatRaceOrg(h)
	hashes := pendingAtLimit(h, org, seatRace/2)
	errs := parallel(seatRace, func(i int) error {
		u := userN(i)
		if i < seatRace/2 {
			_, err := h.store.AcceptInvitation(h.ctx, organizations.AcceptInvitationParams{
				Auth:      organizations.Authorization{Actor: u},
				TokenHash: hashes[i], Email: string(u) + "@example.com", Membership: h.newMembership(org.ID, u), Now: h.now(),
			})
			return err
		}
		return errOnly(h.svc.AddUser(h.ctx, org.ID, u, organizations.RoleMember))
	})
	refused, ok := countErrors(errs, organizations.ErrMemberLimit)
	require.Equal(t, 1, ok, "exactly one addition gets the last seat: %v", errs)
	require.Equal(t, seatRace-1, refused)
	require.Len(t, h.members(org.ID, 0), 3)
}
