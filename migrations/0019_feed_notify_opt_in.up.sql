-- +goose Up
-- The wake-up on commit (0017) becomes opt-in: every writer paid it (the trigger, its
-- transition table, and the serialisation of notifying commits: 4-8 % of an AddUser or
-- CreateOrganization on the benchmark machine) whether or not any CachedStore listened.
-- From here the trigger is installed disabled; PostgresStore.SetFeedNotify(ctx, true)
-- turns it on (ALTER TABLE ... ENABLE TRIGGER, as the table's owner), and a listening
-- cache that finds it off says so (ErrFeedNotifyOff) and polls.
--
-- It also becomes a row trigger without a transition table: a disabled trigger still
-- makes PostgreSQL capture a statement trigger's transition table on every INSERT,
-- while a disabled row trigger costs a writer nothing it can measure. Enabled, it
-- notifies once per record written, and PostgreSQL folds the identical notifications of
-- one transaction into one, so a committing transaction still sends exactly one, and a
-- statement that adds no record sends none, as before.
DROP TRIGGER organization_events_notify ON organization_events;
DROP FUNCTION organization_events_notify();

CREATE FUNCTION organization_events_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_notify('organizations_feed', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;

CREATE TRIGGER organization_events_notify
AFTER INSERT ON organization_events
FOR EACH ROW EXECUTE FUNCTION organization_events_notify();

ALTER TABLE organization_events DISABLE TRIGGER organization_events_notify;
