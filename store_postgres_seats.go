package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Member limits in SQL (migration 0005). A statement that adds a member or an invitation
// locks the organization row FOR NO KEY UPDATE in its CTE org, which selects
// sqlSeatOrgCols: a locking read waits for a concurrent addition and returns the row's
// latest committed version, while the counts of the statement read its snapshot, taken
// before the wait. All sub-statements of a WITH share one snapshot, so a member that a
// concurrent statement added and committed while this one waited is not in its counts.
// Every addition to a limited organization therefore increases seat_seq (sqlSeatBump),
// and a statement whose snapshot shows an older seat_seq than the locked row (stale)
// writes nothing and is run again, with a new snapshot. With a limit the additions to
// one organization are serialized; without one, only the lock is taken.

var _ SeatStore = (*PostgresStore)(nil)

// sqlSeatOrgCols are the columns of the org CTE that sqlSeat needs.
const sqlSeatOrgCols = `o.max_members, o.seat_seq`

// maxSeatRaces bounds how often a statement runs again because a concurrent addition to
// a limited organization committed after its snapshot.
const maxSeatRaces = 64

// sqlSeat is the CTE seat over the locked org CTE: free (a seat is free for one more
// member besides the members and, when withInvitations, the invitations pending at
// @now) and stale (the snapshot predates the latest addition to the limited
// organization). No row when there is no organization. The counts stop at the limit,
// so their cost is bounded by it, not by the organization's size.
func sqlSeat(withInvitations bool) string {
	pending := ""
	if withInvitations {
		pending = ` + (SELECT count(*) FROM (SELECT 1 FROM /* TEMPLATE: schema */invitations i
			WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz
			LIMIT (SELECT max_members FROM org)) AS y)`
	}
	return `seat AS (
	SELECT CASE WHEN o.max_members IS NULL THEN true ELSE (SELECT count(*) FROM (SELECT 1 FROM /* TEMPLATE: schema */memberships m
			WHERE m.organization_id = o.id AND m.status = 'active' LIMIT (SELECT max_members FROM org)) AS x)` + pending + ` < o.max_members END AS free,
		o.max_members IS NOT NULL AND o.seat_seq <> (SELECT s.seat_seq FROM /* TEMPLATE: schema */organizations s WHERE s.id = o.id) AS stale
	FROM org AS o
)`
}

// seatVariants: each adding statement has two forms. The first (unlimited, index 0)
// locks the organization row FOR SHARE, as the statements always did, so that additions
// to an organization without a limit still run side by side; it adds nothing to a
// limited organization (free is false there) and the caller then runs the second
// (limited, index 1), which locks FOR NO KEY UPDATE and counts as sqlSeat says. The row
// lock makes the choice safe: a limit set by UpdateOrganization (FOR NO KEY UPDATE)
// waits for a statement holding FOR SHARE, and increases seat_seq, so a limited
// statement whose snapshot predates it runs again.
const seatVariants = 2

// sqlSeatLock is the lock the org CTE of the limited (or unlimited) form takes.
func sqlSeatLock(limited bool) string {
	if limited {
		return "FOR NO KEY UPDATE"
	}
	return "FOR SHARE"
}

// sqlSeatFor is the seat CTE of the limited or unlimited form.
func sqlSeatFor(limited, withInvitations bool) string {
	if limited {
		return sqlSeat(withInvitations)
	}
	return `seat AS (SELECT o.max_members IS NULL AS free, false AS stale FROM org AS o)`
}

// sqlSeatBumpFor is sqlSeatBump in the limited form; the unlimited form bumps nothing.
func sqlSeatBumpFor(limited bool, added string) string {
	if limited {
		return sqlSeatBump(added)
	}
	return `bump AS (SELECT 1 AS id WHERE false)`
}

// seatForms registers the unlimited and limited forms of the statement build makes.
func seatForms(build func(limited bool) string) [seatVariants]pgQuery {
	return [seatVariants]pgQuery{pgStatement(build(false)), pgStatement(build(true))}
}

// sqlSeatOK is true when seat allows an addition now.
const sqlSeatOK = `COALESCE((SELECT free AND NOT stale FROM seat), false)`

// sqlSeatBump is the CTE bump, which increases seat_seq of the limited organization in
// org when the CTE added (the addition) returned a row.
func sqlSeatBump(added string) string {
	return `bump AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET seat_seq = o.seat_seq + 1
	WHERE o.id = (SELECT id FROM org) AND o.max_members IS NOT NULL AND EXISTS (SELECT 1 FROM ` + added + `)
	RETURNING o.id
)`
}

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
