-- +goose Up
-- The feed in commit order. Every event record gets its position in the feed (pos) when
-- its transaction commits: a deferred constraint trigger, fired at COMMIT after the
-- transaction's other work, takes a transaction-level advisory lock of this schema and
-- numbers the transaction's records from a sequence, in the order they were written.
-- The lock is released only after the commit is visible to every new snapshot, so
-- positions are handed out in commit order and a reader never sees a position before a
-- smaller one is committed (or rolled back, leaving a gap that nothing fills): the feed
-- is simply pos > cursor, with no horizon to wait for. Each organization's records come
-- in the order its changes took effect, whatever order the transactions began or got
-- their IDs in (the (xid, seq) order of 0004 did not hold that).
--
-- The cost: transactions that write events commit one at a time per schema, each
-- holding the lock for its commit (the WAL flush, and the wait for synchronous
-- standbys if any). A transaction that runs SET CONSTRAINTS ALL IMMEDIATE takes it
-- early and keeps it to its end.
--
-- Until its transaction commits a record has no position (NULL): the indexes that
-- order by pos hold only numbered records (but for organization_events_org_idx).

-- Writers that began before the migration finish first (ADD COLUMN's lock waits for
-- them and holds new ones back until the migration commits), so every record numbered
-- below is committed, and the ones written after it are numbered by the trigger.
ALTER TABLE organization_events ADD COLUMN pos bigint;
CREATE SEQUENCE organization_events_pos_seq AS bigint OWNED BY organization_events.pos;

-- The records there are numbered in their old feed order, (xid, seq), so that a
-- consumer's cursor keeps its place (below).
UPDATE organization_events e SET pos = n.pos
FROM (SELECT x.xid, x.seq, row_number() OVER (ORDER BY x.xid, x.seq) AS pos FROM organization_events x) AS n
WHERE e.xid = n.xid AND e.seq = n.seq;
SELECT setval('organization_events_pos_seq', COALESCE((SELECT max(pos) FROM organization_events), 0) + 1, false);

-- The feed, and the audit log newest first by each filter, in pos order; retention by
-- time.
DROP INDEX organization_events_time_idx;
DROP INDEX organization_events_org_idx;
DROP INDEX organization_events_actor_idx;
DROP INDEX organization_events_subject_idx;
CREATE UNIQUE INDEX organization_events_pos_key ON organization_events (pos) WHERE pos IS NOT NULL;
CREATE INDEX organization_events_time_idx ON organization_events (occurred_at, pos) WHERE pos IS NOT NULL;
-- Not partial: DeleteInvitation finds the record of an Invite it undoes here, which in a
-- host's transaction is not numbered yet.
CREATE INDEX organization_events_org_idx ON organization_events (organization_id, pos);
CREATE INDEX organization_events_actor_idx ON organization_events (actor, pos) WHERE actor IS NOT NULL AND pos IS NOT NULL;
CREATE INDEX organization_events_subject_idx ON organization_events (subject, pos) WHERE subject IS NOT NULL AND pos IS NOT NULL;

-- Numbers one record at its transaction's commit. The lock's key is (the OID of
-- pg_class, the OID of this schema's organization_events): one per schema, so schemas
-- do not wait for each other; taking it again for the transaction's next record costs
-- nothing. The search_path is the schema's, fixed when the function is made.
CREATE FUNCTION organization_events_number() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int, TG_RELID::bigint::bit(32)::int);
    UPDATE organization_events SET pos = nextval('organization_events_pos_seq')
    WHERE xid = NEW.xid AND seq = NEW.seq;
    RETURN NULL;
END
$$;

-- Fires at COMMIT, once per record, in the order the records were written. Records
-- inserted with a position (a bulk load) are left as they are.
CREATE CONSTRAINT TRIGGER organization_events_number
AFTER INSERT ON organization_events DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (NEW.pos IS NULL) EXECUTE FUNCTION organization_events_number();

-- Each relay consumer's position: a saved (xid, seq) cursor becomes the position of the
-- last record at or before it (0, the start, if none is left).
ALTER TABLE organization_event_cursors ADD COLUMN pos bigint;
UPDATE organization_event_cursors c SET pos = COALESCE((
    SELECT e.pos FROM organization_events e WHERE (e.xid, e.seq) <= (c.xid, c.seq)
    ORDER BY e.xid DESC, e.seq DESC LIMIT 1), 0);
ALTER TABLE organization_event_cursors ALTER COLUMN pos SET NOT NULL;
ALTER TABLE organization_event_cursors DROP COLUMN xid;
ALTER TABLE organization_event_cursors DROP COLUMN seq;
