-- +goose Up
-- A wake-up on commit for the feed's followers (CachedStore): a transaction that adds
-- records to the feed sends one notification on the channel organizations_feed, whose
-- payload is this schema's name, when it commits. A follower LISTENs on the channel and
-- reads the feed when woken, instead of waiting for its next poll.
--
-- One per committing transaction, not one per record: the trigger fires once per INSERT
-- statement that added rows (none for a statement that added none), and PostgreSQL
-- folds the identical notifications of one transaction into one. So a write call (one
-- transaction, however many records: RemoveUserEverywhere, a host transaction through
-- WithTx) sends one, and a transaction that rolls back sends none. Notifications are
-- delivered only once their transaction has committed and is visible, so a follower
-- woken by one sees its records.
--
-- It fires for every way a record is written (numbered at commit by
-- organization_events_number, or by a write function in an autocommit call), including
-- those that later migrations add, since it sits on the table, not in the functions.
--
-- The cost to a writer: the statement trigger, and PostgreSQL's serialisation of the
-- commits of notifying transactions across the database (a lock held from the
-- notification's queueing to the commit's end). Commits that write events are already
-- serialised per schema by the feed's numbering lock (0007); schemas of one database
-- now also wait for each other there. A host that does not want it can
-- ALTER TABLE organization_events DISABLE TRIGGER organization_events_notify: followers
-- then only poll.
CREATE FUNCTION organization_events_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF EXISTS (SELECT FROM new_records) THEN
        PERFORM pg_notify('organizations_feed', TG_TABLE_SCHEMA);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER organization_events_notify
AFTER INSERT ON organization_events REFERENCING NEW TABLE AS new_records
FOR EACH STATEMENT EXECUTE FUNCTION organization_events_notify();
