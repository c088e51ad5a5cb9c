package organizations

import (
	"context"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Recording events on PostgreSQL.
//
// Every write records its events in its atomic step. A write function (migrations 0008
// to 0014) inserts them itself, in the statement of its change or right after it, and,
// when the call is on its own, numbers them there (see PostgresStore.autocommit). The
// writes that stay single statements (Activate, RemoveUserEverywhere) record theirs in
// the same statement, with one more CTE:
//
//	, ` + fragRecord(fragEvent(1, UserRemoved{}.EventName(), "d.organization_id", "@actor::text", "d.user_id",
//		fragEventData("organization_user", fragMemberJSON("d")), "del AS d")) + `
//
// (Names that start with frag are fragments of statement text, spliced into the
// statements when the package loads; those that start with sql are the database/sql
// adapter's, and q the statements themselves.)
//
// fragEvent makes the SELECT of one kind of event from the rows of a CTE the statement
// already has (the row inserted, updated or deleted: no other row is read), fragEventData
// its JSON (the event's fields in the order of the Go struct, "actor" last and left out
// when empty), and fragRecord the INSERT of them all, in the order of their ord (the
// order in which the Service emits them). An event whose source CTE returns no row is not
// recorded, so a refused or no-op call records nothing. Events of one kind from several
// rows (Activate's) go in organization ID order, the order the store returns them in. The record's xid (the writing
// transaction) and seq (its order among the transaction's records) come from the column
// defaults, OccurredAt from statement_timestamp(). Its feed position, pos, is NULL until
// the transaction commits: then the deferred trigger organization_events_number
// (migration 0007) numbers the transaction's records, in seq order, under an advisory
// lock of the schema held until the commit is visible, so positions follow commit order.

// fragRecord is the CTE ev that inserts the event rows of events (the UNION ALL of
// fragEvent SELECTs) in their ord order.
func fragRecord(events ...string) string {
	return `ev AS (
	INSERT INTO /* TEMPLATE: schema */organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (` + strings.Join(events, "\n\tUNION ALL ") + `) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)`
}

// fragEvent selects the event eventType from the rows of from: its organization, actor
// and subject (SQL expressions; subject "NULL" for none) and JSON data.
func fragEvent(ord int, eventType, org, actor, subject, data, from string) string {
	return fragEventID(ord, "gen_random_uuid()", eventType, org, actor, subject, data, from)
}

// fragEventID is fragEvent with the record's ID given.
func fragEventID(ord int, id, eventType, org, actor, subject, data, from string) string {
	return fragEventKey(ord, "''", id, eventType, org, actor, subject, data, from)
}

// fragEventKey is fragEventID with a text key (a SQL expression) that orders the events
// of one kind and organization (several invitations revoked at once: by ID), which
// otherwise come in no given order.
func fragEventKey(ord int, key, id, eventType, org, actor, subject, data, from string) string {
	return `SELECT ` + strconv.Itoa(ord) + ` AS ord, ` + key + `::text AS k, ` + id + ` AS id, ` + org + ` AS organization_id, '` + eventType + `'::text AS type, ` +
		actor + ` AS actor, ` + subject + `::text AS subject, ` + data + ` AS data FROM ` + from
}

// fragEventData is the JSON object of an event: name/value pairs (SQL JSON values) and
// "actor" (@actor) when it is not empty.
func fragEventData(actor string, pairs ...string) string {
	obj := strings.Join(pairs, ", ")
	if actor == "" {
		return `json_build_object(` + obj + `)`
	}
	return `CASE WHEN ` + actor + ` = '' THEN json_build_object(` + obj + `) ELSE json_build_object(` + obj + `, 'actor', ` + actor + `) END`
}

// fragTime is the JSON text of a timestamptz as Go writes a UTC time (RFC 3339, "Z").
func fragTime(col string) string {
	return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
}

// fragMemberJSON is an OrganizationUser's JSON from the memberCols of alias a:
// suspended_at only when set, as Go leaves out a zero time (omitzero).
func fragMemberJSON(a string) string {
	obj := `'id', ` + a + `.id, 'organization_id', ` + a + `.organization_id, 'user_id', ` + a + `.user_id, 'role', ` + a + `.role, 'created_at', ` +
		fragTime(a+".created_at") + `, 'updated_at', ` + fragTime(a+".updated_at")
	return `CASE WHEN ` + a + `.suspended_at IS NULL THEN json_build_object(` + obj + `) ELSE json_build_object(` + obj +
		`, 'suspended_at', ` + fragTime(a+".suspended_at") + `) END`
}

// fragOrgJSON is an Organization's JSON from the orgCols of alias a (data and settings as
// text, embedded as the documents they are): max_members only when set, as Go leaves
// out 0 (omitempty). Not jsonb_strip_nulls, which would strip the nulls of data too.
func fragOrgJSON(a string) string {
	obj := `'id', ` + a + `.id, 'name', ` + a + `.name, 'slug', ` + a + `.slug, 'is_active', ` + a + `.is_active, 'data', ` +
		a + `.data::json, 'settings', ` + a + `.settings::json, 'created_at', ` + fragTime(a+".created_at") + `, 'updated_at', ` + fragTime(a+".updated_at")
	return `CASE WHEN ` + a + `.max_members IS NULL THEN json_build_object(` + obj + `) ELSE json_build_object(` + obj +
		`, 'max_members', ` + a + `.max_members) END`
}

// fragInvJSON is an Invitation's JSON from the invCols of alias a: responded_at and
// accepted_by left out when unset, as Go does, and its teams (migration 0015) when it
// names any. Invitations hold no token.
func fragInvJSON(a string) string {
	return `jsonb_strip_nulls(jsonb_build_object('id', ` + a + `.id, 'organization_id', ` + a + `.organization_id, 'email', ` + a + `.email, 'role', ` + a + `.role, 'invited_by', ` +
		a + `.invited_by, 'bearer', ` + a + `.bearer, 'status', ` + a + `.status, 'created_at', ` + fragTime(a+".created_at") + `, 'expires_at', ` + fragTime(a+".expires_at") +
		`, 'responded_at', ` + fragTime(a+".responded_at") + `, 'accepted_by', NULLIF(` + a + `.accepted_by, ''), 'teams', /* TEMPLATE: schema */organization_invitation_teams_json(` + a + `.id)))::json`
}

// eventCols are the columns of an event record, read from alias e.
const eventCols = `e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at`

type eventRow struct {
	actor, subject, typ, data pgtype.Text
	pos                       pgtype.Int8
	id, org                   pgtype.UUID
	at                        pgtype.Timestamptz
}

func (r *eventRow) dest() []any {
	return []any{&r.pos, &r.id, &r.org, &r.typ, &r.actor, &r.subject, &r.data, &r.at}
}

func (r *eventRow) value() EventRecord {
	return EventRecord{
		ID: uuid.UUID(r.id.Bytes), Type: r.typ.String, OrganizationID: uuid.UUID(r.org.Bytes),
		Actor: UserID(r.actor.String), Subject: UserID(r.subject.String), Data: []byte(r.data.String),
		OccurredAt: pgTime(r.at), Cursor: EventCursor{Pos: r.pos.Int64}.String(),
	}
}

// qEvents is the feed: the records after the cursor's position, in position order.
// Positions are given at commit in commit order (migration 0007), and a position shows
// only once every smaller one is committed or rolled back, so the statement's snapshot
// always holds a prefix of the feed: no horizon to wait for. Served by
// organization_events_pos_key.
var qEvents = pgStatement(`
SELECT ` + eventCols + ` FROM /* TEMPLATE: schema */organization_events e
WHERE e.pos > @pos::bigint
ORDER BY e.pos LIMIT @limit::bigint`)

// qEventsAfterXID is the feed after an old-form cursor (xid, seq): after the position of
// the last record at or before it in the old (xid, seq) order, which migration 0007
// numbered in that order (a record the cursor's reader had read, or the start if none
// is left). Every transaction with an xid up to the cursor's had ended when it was made,
// before the migration, so no record numbered since sorts before it. The lookup reads
// organization_events_pkey backwards from the cursor.
var qEventsAfterXID = pgStatement(`
SELECT ` + eventCols + ` FROM /* TEMPLATE: schema */organization_events e
WHERE e.pos > COALESCE((
	SELECT x.pos FROM /* TEMPLATE: schema */organization_events x
	WHERE (x.xid, x.seq) <= (@xid::text::xid8, @seq::bigint) AND x.pos IS NOT NULL
	ORDER BY x.xid DESC, x.seq DESC LIMIT 1), 0)
ORDER BY e.pos LIMIT @limit::bigint`)

// Events implements EventStore: one statement.
func (s *PostgresStore) Events(ctx context.Context, p EventsParams) ([]EventRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.After.valid() {
		return nil, ErrInvalidCursor
	}
	if p.After.legacy() {
		return s.events(ctx, qEventsAfterXID, pgArgs{
			"xid": strconv.FormatUint(p.After.XID, 10), "seq": p.After.Seq, "limit": p.Limit,
		})
	}
	return s.events(ctx, qEvents, pgArgs{"pos": p.After.Pos, "limit": p.Limit})
}

func (s *PostgresStore) events(ctx context.Context, q pgQuery, args pgArgs) ([]EventRecord, error) {
	var r eventRow
	return queryItems(ctx, s, q, args, r.dest(), r.value)
}

// Audit statements: newest first by feed position (pos), one statement per combination
// of filters (qAudit[mask], mask of the audit* bits), each with exactly its own
// conditions, so that even a generic plan of a prepared statement knows which filters
// it has: the planner picks the index of the most selective one
// (organization_events_org_idx, _actor_idx, _subject_idx, each (filter, pos), or
// _pos_key), each in the page's order, so a page reads its rows and those the other
// filters reject; a time range alone may go through _time_idx and sort.
const (
	auditOrg = 1 << iota
	auditActor
	auditSubject
	auditTypes
	auditSince
	auditUntil
	auditMasks
)

var qAudit = func() (q [auditMasks]pgQuery) {
	for mask := range auditMasks {
		sql := `
SELECT ` + eventCols + ` FROM /* TEMPLATE: schema */organization_events e
WHERE e.pos < @after_pos::bigint`
		for _, f := range []struct {
			bit  int
			cond string
		}{
			{auditOrg, `e.organization_id = @org::uuid`},
			{auditActor, `e.actor = @actor::text`},
			{auditSubject, `e.subject = @subject::text`},
			{auditTypes, `e.type = ANY(@types::text[])`},
			{auditSince, `e.occurred_at >= @since::timestamptz`},
			{auditUntil, `e.occurred_at < @until::timestamptz`},
		} {
			if mask&f.bit != 0 {
				sql += "\n\tAND " + f.cond
			}
		}
		q[mask] = pgStatement(sql + `
ORDER BY e.pos DESC LIMIT @limit::bigint`)
	}
	return q
}()

// AuditEvents implements EventStore: one statement.
func (s *PostgresStore) AuditEvents(ctx context.Context, p AuditEventsParams) ([]EventRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := p.Query
	args := pgArgs{"after_pos": p.After.Pos, "limit": p.Limit}
	mask := 0
	if q.OrganizationID != uuid.Nil {
		mask, args["org"] = mask|auditOrg, q.OrganizationID
	}
	if q.Actor != "" {
		mask, args["actor"] = mask|auditActor, string(q.Actor)
	}
	if q.Subject != "" {
		mask, args["subject"] = mask|auditSubject, string(q.Subject)
	}
	if len(q.Types) > 0 {
		mask, args["types"] = mask|auditTypes, q.Types
	}
	if !q.Since.IsZero() {
		mask, args["since"] = mask|auditSince, q.Since
	}
	if !q.Until.IsZero() {
		mask, args["until"] = mask|auditUntil, q.Until
	}
	if p.After.Pos == 0 {
		args["after_pos"] = int64(1<<63 - 1)
	}
	return s.events(ctx, qAudit[mask], args)
}

// qPruneEvents deletes the oldest records before @before, at most @limit: a short
// statement over organization_events_time_idx that locks only the rows it deletes
// (SKIP LOCKED: never waits), so writers, which only insert (and number their own rows
// at commit), are never blocked. Only committed (numbered) records are pruned.
var qPruneEvents = pgStatement(`
WITH del AS (
	DELETE FROM /* TEMPLATE: schema */organization_events e
	WHERE e.ctid = ANY (ARRAY(
		SELECT x.ctid FROM /* TEMPLATE: schema */organization_events x
		WHERE x.occurred_at < @before::timestamptz AND x.pos IS NOT NULL
		ORDER BY x.occurred_at, x.pos LIMIT @limit::bigint
		FOR UPDATE SKIP LOCKED))
	RETURNING 1
)
SELECT count(*) FROM del`)

// PruneEvents implements EventStore.
func (s *PostgresStore) PruneEvents(ctx context.Context, p PruneEventsParams) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int
	err := s.queryRow(ctx, qPruneEvents, pgArgs{"before": p.Before, "limit": p.Limit}).Scan(&n)
	if err != nil {
		return 0, pgError(ctx, err)
	}
	return n, nil
}

var (
	qLoadCursor = pgStatement(`SELECT c.pos FROM /* TEMPLATE: schema */organization_event_cursors c WHERE c.consumer = @consumer::text`)
	qSaveCursor = pgStatement(`
INSERT INTO /* TEMPLATE: schema */organization_event_cursors AS c (consumer, pos, updated_at)
VALUES (@consumer::text, @pos::bigint, statement_timestamp())
ON CONFLICT ON CONSTRAINT organization_event_cursors_pkey DO UPDATE SET pos = EXCLUDED.pos, updated_at = EXCLUDED.updated_at`)
)

// LoadCursor implements CursorStore: the cursor saved in organization_event_cursors.
func (s *PostgresStore) LoadCursor(ctx context.Context, consumer string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := checkConsumer(consumer); err != nil {
		return "", err
	}
	var pos int64
	err := s.queryRow(ctx, qLoadCursor, pgArgs{"consumer": consumer}).Scan(&pos)
	switch {
	case err == pgx.ErrNoRows:
		return "", nil
	case err != nil:
		return "", pgReadError(ctx, err)
	}
	return EventCursor{Pos: max(pos, 0)}.String(), nil // 0 (a converted cursor with no record left): the start
}

// SaveCursor implements CursorStore: an upsert, so it may run in the transaction of a
// handler's own writes (WithTx) for exactly-once effects in the same database.
func (s *PostgresStore) SaveCursor(ctx context.Context, consumer, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	c, err := ParseEventCursor(cursor)
	if err != nil {
		return err
	}
	if c.Pos == 0 {
		return ErrInvalidCursor
	}
	_, err = s.exec(ctx, qSaveCursor, pgArgs{"consumer": consumer, "pos": c.Pos})
	if err != nil {
		return pgError(ctx, err)
	}
	return nil
}

var (
	_ EventStore  = (*PostgresStore)(nil)
	_ CursorStore = (*PostgresStore)(nil)
)
