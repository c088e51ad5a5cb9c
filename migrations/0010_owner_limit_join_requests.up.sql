-- +goose Up
-- The per-user organization limit (Options.MaxOwnedOrganizations) and join requests.
--
-- The limit is decided under a lock that serialises one user's gains of ownership: a
-- transaction-scoped advisory lock keyed by this schema's organizations table and a
-- hash of the user ID (a collision only makes two users take turns). Every call that
-- would make a user an owner under a limit takes it, then counts the organizations the
-- user owns with a new snapshot (a VOLATILE function's statements each take one, under
-- READ COMMITTED), so it sees every change of a previous holder, which held the lock up
-- to its commit; and writes in the same transaction. Calls without a limit take no lock:
-- they cost what they did. Losing ownership takes no lock either: it only lowers the
-- count.

-- organizations_owned_below locks u's ownership (see above) and reports whether u owns
-- fewer than max_owned organizations, counting no further than max_owned.
CREATE FUNCTION organizations_owned_below(u text, max_owned integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock('organizations'::regclass::oid::bigint::bit(32)::int, hashtext(u));
    RETURN (SELECT count(*) FROM (SELECT 1 FROM organizations o WHERE o.owner_id = u LIMIT max_owned) AS x) < max_owned;
END
$$;

-- CreateOrganization with the owner's limit: organizations_create (0008), once the
-- owner's ownership is locked and counted. Outcomes: organizations_create's, and
-- organization_limit (nothing written, no slug counter moved).
CREATE FUNCTION organizations_create_limited(
    max_owned integer,
    o_id uuid, o_name text, o_slug text, suffix boolean, o_is_active boolean, o_data text, o_settings text,
    o_created_at timestamptz, o_updated_at timestamptz, o_max_members integer,
    p_owner_id text, p_owner_membership_id uuid, p_owner_role text, p_owner_created_at timestamptz, p_owner_updated_at timestamptz,
    number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NOT organizations_owned_below(p_owner_id, max_owned) THEN
        outcome := 'organization_limit';
        RETURN;
    END IF;
    SELECT * INTO outcome, r_id, r_name, r_slug, r_is_active, r_data, r_settings, r_created_at, r_updated_at, r_max_members
    FROM organizations_create(o_id, o_name, o_slug, suffix, o_is_active, o_data, o_settings,
        o_created_at, o_updated_at, o_max_members,
        p_owner_id, p_owner_membership_id, p_owner_role, p_owner_created_at, p_owner_updated_at, number);
END
$$;
