package organizations

import "context"

// qFeedHead reads the feed's last position: a backward scan of
// organization_events_pos_key that stops at its first entry. A record has a position
// only once its transaction has committed (a record numbered by its write function, as
// an autocommit call's is, shows only then too), and positions are handed out in commit
// order under a lock held until the commit is visible, so every record at or before
// the result is visible to the next statement: a consistency token (Service.Token).
var qFeedHead = pgStatement(`
SELECT COALESCE((SELECT e.pos FROM /* TEMPLATE: schema */organization_events e
	WHERE e.pos IS NOT NULL ORDER BY e.pos DESC LIMIT 1), 0)`)

// feedHead implements feedHeader: one statement.
func (s *PostgresStore) feedHead(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var pos int64
	if err := s.queryRow(ctx, qFeedHead, pgArgs{}).Scan(&pos); err != nil {
		return 0, pgReadError(ctx, err)
	}
	return pos, nil
}
