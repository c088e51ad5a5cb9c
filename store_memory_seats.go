package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

var _ SeatStore = (*MemoryStore)(nil)

// seatFree reports whether o has a seat for one more member besides its active members
// and reserved other seats: always when it has no limit. The caller holds o's lock.
func (o *memOrg) seatFree(reserved int) bool {
	limit := int(o.head.Load().maxMembers)
	return limit == 0 || len(o.byID)-o.nSuspended()+reserved+1 <= limit
}

// pendingCount is the number of o's invitations pending as of now. The caller holds o's
// lock.
func (o *memOrg) pendingCount(now time.Time) int {
	if o.invites == nil {
		return 0
	}
	n := 0
	for _, mi := range *o.invites {
		if mi.inv.StatusAt(now) == InvitationStatusPending {
			n++
		}
	}
	return n
}

// Seats implements SeatStore.
func (s *MemoryStore) Seats(ctx context.Context, org uuid.UUID, now time.Time) (Seats, error) {
	o, err := s.openOrg(ctx, org, true)
	if err != nil {
		return Seats{}, err
	}
	defer o.mu.RUnlock()
	return Seats{
		Limit: int(o.head.Load().maxMembers), Members: len(o.byID) - o.nSuspended(),
		PendingInvitations: o.pendingCount(now),
	}, nil
}
