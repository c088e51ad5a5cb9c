-- +goose Up
-- A change of owner closes the organization's ownership transfer proposal, for good.
--
-- Every statement of the store that moves owner_id (ChangeOwner, accepting a proposal,
-- RemoveUserEverywhere's hand-over) deletes the organization's proposal itself, but a
-- statement sees only the rows of its snapshot: a proposal made by a transaction that
-- held the organization row and committed while the statement waited for that row's lock
-- would survive, naming a former owner as its proposer, and open again if the
-- organization came back to them. This trigger deletes the organization's proposal at
-- the end of every statement that moves owner_id, reading the latest rows (under READ
-- COMMITTED each statement of a trigger function takes a new snapshot), and so also when
-- a host's own SQL moves the owner: closing is a change of state, and a closed proposal
-- never opens again. The function names the trigger's own schema, so it does not depend
-- on the search_path.
-- +goose StatementBegin
CREATE FUNCTION organizations_owner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %I.ownership_transfers WHERE organization_id = $1', TG_TABLE_SCHEMA) USING NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER organizations_owner_changed AFTER UPDATE OF owner_id ON organizations
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION organizations_owner_changed();
