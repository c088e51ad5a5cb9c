package organizations

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
)

// Seat limits: an organization may cap its members (Organization.MaxMembers). Pending,
// unexpired invitations hold a seat, so Invite is refused when the members and the
// pending invitations would exceed the limit; adding a member (AddUser, GetOrAddUser,
// accepting an invitation) is refused when the members would exceed it. Each check is
// part of the store's atomic step, so concurrent additions never pass the limit.

// MaxMemberLimit is the largest member limit an organization may have.
const MaxMemberLimit = math.MaxInt32

// SeatStore is the optional interface of a Store that keeps member limits: it stores
// Organization.MaxMembers (CreateOrganization, UpdateOrganization's Update.MaxMembers)
// and enforces it in the same atomic step as the write, with ErrMemberLimit, in AddUser
// and GetOrAddUser (when they would add a member), AcceptInvitation (when it would add
// one; the invitation stays pending), CreateInvitation (members plus pending
// invitations unexpired at p.Now, plus the new one) and RenewInvitation of an expired
// invitation (which takes a seat again). ErrMemberLimit comes after the
// method's other errors, except that AddUser reports ErrAlreadyMember and
// CreateInvitation ErrAlreadyInvited first. A Service refuses to set a limit on a store
// without it (ErrNotSupported), so an older store never holds a limit it does not
// enforce. MemoryStore and PostgresStore implement it.
type SeatStore interface {
	// Seats returns the organization's member limit and the seats in use: its members
	// and its invitations pending as of now, read in one atomic step. Error:
	// ErrOrganizationNotFound.
	Seats(ctx context.Context, org uuid.UUID, now time.Time) (Seats, error)
}

// Seats is an organization's member limit and its use, as Service.Seats returns it.
type Seats struct {
	// Limit is the organization's MaxMembers; 0 for no limit.
	Limit int `json:"limit"`
	// Members is the number of members, the owner included.
	Members int `json:"members"`
	// PendingInvitations is the number of invitations pending and unexpired, each
	// holding a seat.
	PendingInvitations int `json:"pending_invitations"`
}

// Free is the number of seats left for new invitations (never negative: a limit lowered
// below the use leaves none), or -1 when there is no limit.
func (s Seats) Free() int {
	if s.Limit == 0 {
		return -1
	}
	return max(0, s.Limit-s.Members-s.PendingInvitations)
}

// checkMemberLimit is ErrInvalidMemberLimit unless 0 <= n <= MaxMemberLimit.
func checkMemberLimit(n int) error {
	if n < 0 || n > MaxMemberLimit {
		return ErrInvalidMemberLimit
	}
	return nil
}

// Seats returns the organization's member limit and its use: members and pending,
// unexpired invitations, read together in one store call.
//
// Errors: ErrOrganizationNotFound, ErrNotSupported (the store, or a store it wraps, is not a SeatStore), the
// store's error, or the context's error.
func (s *Service) Seats(ctx context.Context, org uuid.UUID) (Seats, error) {
	if err := ready(ctx, checkOrg(org)); err != nil {
		return Seats{}, err
	}
	ss, err := enforcing[SeatStore](s.store)
	if err != nil {
		return Seats{}, err
	}
	return ss.Seats(ctx, org, s.now())
}

// MemberCount returns the number of the organization's members, the owner included.
//
// Errors: as Seats.
func (s *Service) MemberCount(ctx context.Context, org uuid.UUID) (int, error) {
	st, err := s.Seats(ctx, org)
	return st.Members, err
}
