-- +goose Up
-- Events that commit with the data. Every write statement of the library inserts its
-- event records here in the same statement as the change (one more CTE), so that a
-- record exists exactly when its change committed. Records are immutable: nothing
-- updates them; retention (PruneEvents) deletes the oldest.
--
-- The feed reads records in (xid, seq) order, only below the oldest transaction still
-- running (xid < pg_snapshot_xmin(pg_current_snapshot())): a record with a smaller xid
-- can then no longer appear, so a reader resuming after its last (xid, seq) never skips
-- one, whatever order transactions commit in. xid8 and pg_current_snapshot need
-- PostgreSQL 13 or later.
--
-- No foreign key to organizations: the audit log outlives the organizations it tells of.
CREATE TABLE organization_events (
    -- The writing transaction; its records appear in the feed once it and every older
    -- transaction have ended.
    xid             xid8        NOT NULL DEFAULT pg_current_xact_id(),
    -- Order within a transaction, and the audit log's tie-break.
    seq             bigint      GENERATED ALWAYS AS IDENTITY,
    -- The consumers' idempotency key.
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    type            text        NOT NULL,
    -- NULL for an unchecked call by system code.
    actor           text,
    -- The user the change concerns, if any.
    subject         text,
    -- The event's JSON, as the Go Event marshals.
    data            json        NOT NULL,
    occurred_at     timestamptz NOT NULL DEFAULT statement_timestamp(),
    CONSTRAINT organization_events_pkey PRIMARY KEY (xid, seq),
    CONSTRAINT organization_events_type_check CHECK (type ~ '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT organization_events_actor_check CHECK (actor <> ''),
    CONSTRAINT organization_events_subject_check CHECK (subject <> '')
);

-- The audit log, newest first, by each filter; retention by time.
CREATE INDEX organization_events_time_idx ON organization_events (occurred_at, seq);
CREATE INDEX organization_events_org_idx ON organization_events (organization_id, occurred_at, seq);
CREATE INDEX organization_events_actor_idx ON organization_events (actor, occurred_at, seq) WHERE actor IS NOT NULL;
CREATE INDEX organization_events_subject_idx ON organization_events (subject, occurred_at, seq) WHERE subject IS NOT NULL;

-- Each relay consumer's position in the feed (CursorStore).
CREATE TABLE organization_event_cursors (
    consumer   text        NOT NULL,
    xid        xid8        NOT NULL,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT organization_event_cursors_pkey PRIMARY KEY (consumer),
    CONSTRAINT organization_event_cursors_consumer_check CHECK (length(consumer) BETWEEN 1 AND 200)
);
