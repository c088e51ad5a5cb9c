package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Member limits in SQL (migration 0005). Every call that adds a member or a pending
// invitation (AddUser, GetOrAddUser, ReactivateUser, CreateInvitation, AcceptInvitation,
// RenewInvitation, approving a join request) is a write function that counts under the
// organization's lock: an organization with a member limit is locked FOR NO KEY UPDATE,
// so its additions take turns, and each counts, with a new snapshot taken after the
// lock, what the last one left. No count reads a snapshot older than its lock, so no
// call runs again. Additions to an organization without a limit lock it FOR SHARE and
// run side by side: their first call finds out (outcome limited) and calls again in the
// limited form, which the store then takes at once for that organization (limited).
//
// The functions still increase seat_seq with every addition to a limited organization,
// as the single statements of earlier releases did and checked: those counted in their
// snapshot and ran again when it showed an older seat_seq than the locked row, so a
// binary of an earlier release sharing the schema during an upgrade stays within the
// limit.

var _ SeatStore = (*PostgresStore)(nil)

// qSeats counts the members and the invitations pending at @now; no row means no
// organization. The members are counted from indexes alone (index-only scans, which
// MemberCount's EXPLAIN test at a million memberships holds it to): every membership
// of the organization (memberships_organization_id_idx) less the suspended ones (the
// partial memberships_suspended_idx), both in the statement's one snapshot.
var qSeats = pgStatement(`
SELECT o.max_members,
	(SELECT count(*) FROM /* TEMPLATE: schema */memberships m WHERE m.organization_id = o.id)
		- (SELECT count(*) FROM /* TEMPLATE: schema */memberships m WHERE m.organization_id = o.id AND m.status = 'suspended'),
	(SELECT count(*) FROM /* TEMPLATE: schema */invitations i
		WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz)
FROM /* TEMPLATE: schema */organizations o
WHERE o.id = @organization_id::uuid`)

// Seats implements SeatStore.
func (s *PostgresStore) Seats(ctx context.Context, org uuid.UUID, now time.Time) (Seats, error) {
	if err := ctx.Err(); err != nil {
		return Seats{}, err
	}
	var limit *int32
	var members, pending int64
	err := s.queryRow(ctx, qSeats, pgArgs{"organization_id": org, "now": now}).Scan(&limit, &members, &pending)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Seats{}, ErrOrganizationNotFound
	case err != nil:
		return Seats{}, pgReadError(ctx, err)
	}
	st := Seats{Members: int(members), PendingInvitations: int(pending)}
	if limit != nil {
		st.Limit = int(*limit)
	}
	return st, nil
}
