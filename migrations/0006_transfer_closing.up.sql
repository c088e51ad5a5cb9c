-- +goose Up
-- Closing an ownership transfer proposal is a change of state, for good: a change of
-- owner closes the organization's proposal, and a suspension closes the one to the
-- suspended member, whatever SQL makes them.
--
-- The store's statements that move owner_id (ChangeOwner, accepting a proposal,
-- RemoveUserEverywhere's hand-over) and that suspend a member delete the proposal
-- themselves, but a statement sees only the rows of its snapshot: a proposal made by a
-- transaction that held the organization row and committed while the statement waited
-- for that row's lock would survive, and open again when the organization came back to
-- its proposer, or the nominee was reactivated. These triggers delete it at the end of
-- every statement that moves owner_id or suspends a member, reading the latest rows
-- (under READ COMMITTED each statement of a trigger function takes a new snapshot), and
-- so also when a host's own SQL does. The functions name the trigger's own schema, so
-- they do not depend on the search_path.
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

-- +goose StatementBegin
CREATE FUNCTION memberships_suspended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %I.ownership_transfers WHERE organization_id = $1 AND nominee = $2', TG_TABLE_SCHEMA)
        USING NEW.organization_id, NEW.user_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER memberships_suspended AFTER UPDATE OF status ON memberships
    FOR EACH ROW WHEN (NEW.status = 'suspended' AND OLD.status IS DISTINCT FROM 'suspended')
    EXECUTE FUNCTION memberships_suspended();

-- Proposals closed before this migration only in the reading (their proposer no longer
-- the owner, or their nominee suspended) are deleted: every stored proposal is open or
-- expired.
DELETE FROM ownership_transfers t USING organizations o
    WHERE o.id = t.organization_id AND t.proposed_by <> o.owner_id;
DELETE FROM ownership_transfers t USING memberships m
    WHERE m.organization_id = t.organization_id AND m.user_id = t.nominee AND m.status = 'suspended';
