-- +goose Up
-- The rest of the actor-checked writes as functions, in the two phases of 0008 and 0011:
--
--   1. lock the rows the decision reads, in the store's one order: the organization
--      row, then memberships in user ID order, then custom roles in name order (and the
--      row the call acts on: a custom role, a proposal);
--   2. decide on the rows as locked, each read a statement of its own and so with a new
--      snapshot under READ COMMITTED, then write: the change and its event record in
--      one WITH statement where one change makes one record, numbered in it when the
--      call is on its own (number; 0011's form), else left to the COMMIT-time trigger.
--
-- The answer is one row whose first column, outcome, names what happened (pgOutcome
-- maps a refusal to its sentinel); the rows the caller needs follow, assigned column
-- by column. Each function's outcomes and their order of precedence are those of the
-- single statement it replaces, and its event records' JSON is the same text.

-- A CustomRole's JSON, as Go marshals it, from a row of organization_roles. The row is
-- a record, not the table's row type, here and in the other functions of this file
-- that take or return rows of organization_roles or ownership_transfers: a function
-- whose signature names a table's row type depends on the table, which then cannot be
-- dropped without the function (the migration tests drop the tables of a migration to
-- rebuild a schema of an earlier release).
CREATE FUNCTION organization_role_json(r record) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object('organization_id', r.organization_id, 'name', r.name,
        'includes', to_json(r.includes), 'permissions', to_json(r.permissions),
        'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
END
$$;

-- The permissions of a role definition (a custom role's includes and permissions): the
-- policy's pairs of the declared roles it includes, and its own.
CREATE FUNCTION organization_defined_perms(includes text[], permissions text[], pol_roles text[], pol_perms text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY(SELECT d.p FROM unnest(pol_roles, pol_perms) AS d(r, p) WHERE d.r = ANY(includes)) || permissions
$$;

-- The lock every custom-role write starts with: the organization FOR SHARE, and, for a
-- checked call (actor not '' and not the owner), the actor's active membership FOR
-- SHARE. Returns owner (NULL: no organization) and the actor's role (NULL: not an active
-- member, or the call is not checked).
CREATE FUNCTION organization_lock_actor(org uuid, actor text, OUT owner text, OUT actor_role text)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF FOUND AND actor <> '' AND actor <> owner THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
    END IF;
END
$$;

-- CreateRole: inserts the custom role r_* and its custom_role_created record if the
-- actor may (perm, or owns the organization, or actor is '' for an unchecked call) and
-- holds every permission it gives. Outcomes: created (with the row), and the refusals
-- organization_not_found, permission_denied, escalation, role_exists.
CREATE FUNCTION organizations_create_role(
    r_org uuid, r_name text, r_includes text[], r_permissions text[], r_created_at timestamptz, r_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT o_org uuid, OUT o_name text, OUT o_includes text, OUT o_permissions text,
    OUT o_created_at timestamptz, OUT o_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    actor_role text;
    actor_perms text[];
    r organization_roles;
BEGIN
    -- 1. Lock: the organization, the actor's membership and custom role.
    SELECT * INTO owner, actor_role FROM organization_lock_actor(r_org, actor);
    IF owner IS NULL THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    IF actor_role IS NOT NULL THEN
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = r_org AND c.name = actor_role FOR SHARE;
    END IF;

    -- 2. Decide, on the rows as locked.
    IF actor <> '' AND actor <> owner THEN
        actor_perms := organization_role_perms(r_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
        IF NOT organization_defined_perms(r_includes, r_permissions, pol_roles, pol_perms) <@ actor_perms THEN
            outcome := 'escalation';
            RETURN;
        END IF;
    END IF;

    -- 3. Write the role and its record.
    WITH ins AS (
        INSERT INTO organization_roles AS x (organization_id, name, includes, permissions, created_at, updated_at)
        VALUES (r_org, r_name, r_includes, r_permissions, r_created_at, r_updated_at)
        ON CONFLICT DO NOTHING
        RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), r_org, 'custom_role_created', NULLIF(actor, ''), NULL,
            CASE WHEN actor = '' THEN json_build_object('role', organization_role_json(ins))
            ELSE json_build_object('role', organization_role_json(ins), 'actor', actor) END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM ins
    )
    SELECT ins.* INTO r FROM ins;
    IF NOT FOUND THEN
        outcome := 'role_exists';
        RETURN;
    END IF;
    outcome := 'created';
    o_org := r.organization_id; o_name := r.name;
    o_includes := array_to_string(r.includes, ','); o_permissions := array_to_string(r.permissions, ',');
    o_created_at := r.created_at; o_updated_at := r.updated_at;
END
$$;

-- The lock of UpdateRole (for_update false: FOR NO KEY UPDATE) and DeleteRole (FOR
-- UPDATE), after organization_lock_actor: the custom role role_name and the actor's own
-- custom role, if any, in one scan in name order, with the lock the write takes (two
-- members of one role updating it at once would each hold a share lock and wait for the
-- other's to go, and two actors each updating the other's role would take them
-- crosswise).
CREATE FUNCTION organization_lock_roles(org uuid, role_name text, actor_role text, for_update boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF for_update THEN
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = org AND c.name IN (role_name, actor_role)
        ORDER BY c.name FOR UPDATE;
    ELSE
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = org AND c.name IN (role_name, actor_role)
        ORDER BY c.name FOR NO KEY UPDATE;
    END IF;
END
$$;

-- UpdateRole: replaces the definition of the custom role r_name if the actor may (perm,
-- or owns the organization, or actor is '' for an unchecked call) and holds every
-- permission of both its current and its new definition; an unchanged definition writes
-- nothing. Outcomes: updated (before and after follow), unchanged (before follows
-- twice), and the refusals organization_not_found, permission_denied, role_not_found,
-- escalation.
CREATE FUNCTION organizations_update_role(
    r_org uuid, r_name text, r_includes text[], r_permissions text[], r_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_org uuid, OUT b_name text, OUT b_includes text, OUT b_permissions text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz,
    OUT a_org uuid, OUT a_name text, OUT a_includes text, OUT a_permissions text, OUT a_created_at timestamptz, OUT a_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    actor_role text;
    actor_perms text[];
    cur organization_roles;
    r organization_roles;
BEGIN
    -- 1. Lock: the organization, the actor's membership, the role and the actor's own.
    SELECT * INTO owner, actor_role FROM organization_lock_actor(r_org, actor);
    IF owner IS NULL THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM organization_lock_roles(r_org, r_name, actor_role, false);
    SELECT c.* INTO cur FROM organization_roles c WHERE c.organization_id = r_org AND c.name = r_name;

    -- 2. Decide, on the rows as locked.
    IF actor <> '' AND actor <> owner THEN
        actor_perms := organization_role_perms(r_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF cur.name IS NULL THEN
        outcome := 'role_not_found';
        RETURN;
    END IF;
    b_org := cur.organization_id; b_name := cur.name;
    b_includes := array_to_string(cur.includes, ','); b_permissions := array_to_string(cur.permissions, ',');
    b_created_at := cur.created_at; b_updated_at := cur.updated_at;
    IF actor <> '' AND actor <> owner AND NOT (
        organization_defined_perms(r_includes, r_permissions, pol_roles, pol_perms) <@ actor_perms
        AND organization_defined_perms(cur.includes, cur.permissions, pol_roles, pol_perms) <@ actor_perms) THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF cur.includes = r_includes AND cur.permissions = r_permissions THEN
        outcome := 'unchanged';
        a_org := b_org; a_name := b_name; a_includes := b_includes; a_permissions := b_permissions;
        a_created_at := b_created_at; a_updated_at := b_updated_at;
        RETURN;
    END IF;

    -- 3. Write the definition and its record.
    WITH upd AS (
        UPDATE organization_roles AS x SET includes = r_includes, permissions = r_permissions, updated_at = r_updated_at
        WHERE x.organization_id = r_org AND x.name = r_name
        RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), r_org, 'custom_role_updated', NULLIF(actor, ''), NULL,
            CASE WHEN actor = '' THEN json_build_object('old', organization_role_json(cur), 'new', organization_role_json(upd))
            ELSE json_build_object('old', organization_role_json(cur), 'new', organization_role_json(upd), 'actor', actor) END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM upd
    )
    SELECT upd.* INTO r FROM upd;
    outcome := 'updated';
    a_org := r.organization_id; a_name := r.name;
    a_includes := array_to_string(r.includes, ','); a_permissions := array_to_string(r.permissions, ',');
    a_created_at := r.created_at; a_updated_at := r.updated_at;
END
$$;

-- DeleteRole: deletes the custom role r_name if the actor may (perm, or owns the
-- organization, or actor is '' for an unchecked call), holds its permissions, and no
-- member or open invitation holds it (read after the role's lock, which every
-- assignment of the role waits for: its foreign key locks the role FOR KEY SHARE).
-- Outcomes: deleted (with the role as it was), and the refusals organization_not_found,
-- permission_denied, role_not_found, escalation, role_in_use.
CREATE FUNCTION organizations_delete_role(
    r_org uuid, r_name text,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT o_org uuid, OUT o_name text, OUT o_includes text, OUT o_permissions text,
    OUT o_created_at timestamptz, OUT o_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    actor_role text;
    actor_perms text[];
    cur organization_roles;
BEGIN
    -- 1. Lock: the organization, the actor's membership, the role and the actor's own.
    SELECT * INTO owner, actor_role FROM organization_lock_actor(r_org, actor);
    IF owner IS NULL THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM organization_lock_roles(r_org, r_name, actor_role, true);
    SELECT c.* INTO cur FROM organization_roles c WHERE c.organization_id = r_org AND c.name = r_name;

    -- 2. Decide, on the rows as locked.
    IF actor <> '' AND actor <> owner THEN
        actor_perms := organization_role_perms(r_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF cur.name IS NULL THEN
        outcome := 'role_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor <> owner
        AND NOT organization_defined_perms(cur.includes, cur.permissions, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = r_org AND m.custom_role = r_name)
        OR EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = r_org AND i.custom_role = r_name) THEN
        outcome := 'role_in_use';
        RETURN;
    END IF;

    -- 3. Delete the role and write its record.
    WITH del AS (
        DELETE FROM organization_roles AS x WHERE x.organization_id = r_org AND x.name = r_name
        RETURNING x.name
    )
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), r_org, 'custom_role_deleted', NULLIF(actor, ''), NULL,
        CASE WHEN actor = '' THEN json_build_object('role', organization_role_json(cur))
        ELSE json_build_object('role', organization_role_json(cur), 'actor', actor) END,
        CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
            SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
    FROM del;
    outcome := 'deleted';
    o_org := cur.organization_id; o_name := cur.name;
    o_includes := array_to_string(cur.includes, ','); o_permissions := array_to_string(cur.permissions, ',');
    o_created_at := cur.created_at; o_updated_at := cur.updated_at;
END
$$;

-- SuspendUser (to_status 'suspended') and ReactivateUser (to_status 'active'): changes
-- target's status if the actor may (perm, or owns the organization, or actor is '' for
-- an unchecked call), the member is not the owner, its permissions are within the
-- actor's and, for a reactivation, a seat is free. The organization is locked FOR NO
-- KEY UPDATE, as every addition to a limited organization locks it, so the members are
-- counted as the last addition left them: no snapshot to find outdated, no call to run
-- again. A reactivation of a limited organization's member still moves seat_seq, for
-- the statements that check it (0005). A suspension closes the ownership transfer
-- proposed to the member (the trigger memberships_suspended, 0006). Outcomes: changed
-- (before and after follow), unchanged (before follows), and the refusals
-- organization_not_found, permission_denied, not_member, ownership_required,
-- escalation, member_limit.
CREATE FUNCTION organizations_set_status(
    org uuid, target text, to_status text, now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_id uuid, OUT b_org uuid, OUT b_user text, OUT b_role text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz, OUT b_suspended_at timestamptz,
    OUT a_id uuid, OUT a_org uuid, OUT a_user text, OUT a_role text, OUT a_created_at timestamptz, OUT a_updated_at timestamptz, OUT a_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    max_members integer;
    checked boolean;
    actor_perms text[];
    before memberships;
    after memberships;
BEGIN
    -- 1. Lock: the organization; the actor's and the member's memberships (FOR UPDATE,
    -- in user ID order) and their custom roles (FOR SHARE, in name order).
    SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM organizations_lock_target(org, actor, target, NULL);

    -- 2. Decide, on the rows as locked.
    checked := actor <> '' AND actor <> owner;
    IF checked THEN
        actor_perms := organization_actor_perms(org, actor, pol_roles, pol_perms);
        IF actor_perms IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    SELECT m.* INTO before FROM memberships m WHERE m.organization_id = org AND m.user_id = target;
    IF NOT FOUND THEN
        outcome := 'not_member';
        RETURN;
    END IF;
    b_id := before.id; b_org := before.organization_id; b_user := before.user_id; b_role := before.role;
    b_created_at := before.created_at; b_updated_at := before.updated_at; b_suspended_at := before.suspended_at;
    IF before.status = to_status THEN
        outcome := 'unchanged';
        RETURN;
    END IF;
    IF target = owner THEN
        outcome := 'ownership_required';
        RETURN;
    END IF;
    IF checked AND NOT organization_role_perms(org, before.role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF to_status = 'active' AND max_members IS NOT NULL AND (SELECT count(*) FROM (SELECT 1 FROM memberships x
            WHERE x.organization_id = org AND x.status = 'active' LIMIT max_members) AS y) >= max_members THEN
        outcome := 'member_limit';
        RETURN;
    END IF;

    -- 3. Write: seat_seq (a reactivation in a limited organization), then the status and
    -- its record.
    IF to_status = 'active' AND max_members IS NOT NULL THEN
        UPDATE organizations o SET seat_seq = o.seat_seq + 1 WHERE o.id = org;
    END IF;
    WITH upd AS (
        UPDATE memberships AS x SET status = to_status,
            suspended_at = CASE WHEN to_status = 'suspended' THEN now END, updated_at = now
        WHERE x.organization_id = org AND x.user_id = target
        RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), org, CASE WHEN to_status = 'suspended' THEN 'member_suspended' ELSE 'member_reactivated' END,
            NULLIF(actor, ''), upd.user_id,
            CASE WHEN actor = '' THEN json_build_object('organization_user', organization_member_json(upd))
            ELSE json_build_object('organization_user', organization_member_json(upd), 'actor', actor) END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM upd
    )
    SELECT upd.* INTO after FROM upd;
    outcome := 'changed';
    a_id := after.id; a_org := after.organization_id; a_user := after.user_id; a_role := after.role;
    a_created_at := after.created_at; a_updated_at := after.updated_at; a_suspended_at := after.suspended_at;
END
$$;

-- UpdateOrganization: applies the fields given (NULL: unchanged; u_max_members 0
-- removes the limit) to the organization as locked, if the actor may (perm, or owns it,
-- or actor is '' for an unchecked call) and the new slug is free; a change writes
-- updated_at, moves seat_seq (a limit set or lowered is seen by the statements that
-- check it, 0005) and writes the organization_updated record; no change writes nothing.
-- JSON is compared as text (the json type keeps a document byte for byte). Outcomes:
-- updated, unchanged (with the row), and the refusals organization_not_found,
-- permission_denied, slug_taken (one taken after the look fails on
-- organizations_slug_key).
CREATE FUNCTION organizations_update(
    org uuid, u_name text, u_slug text, u_is_active boolean, u_data text, u_settings text, u_max_members integer,
    now timestamptz, actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    o organizations;
    actor_role text;
BEGIN
    -- 1. Lock: the organization (FOR NO KEY UPDATE, the lock its update takes, so that
    -- two updates never hold a weaker one and wait to strengthen it), the actor's
    -- membership and custom role.
    SELECT x.* INTO o FROM organizations x WHERE x.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor <> o.owner_id THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = org AND c.name = actor_role FOR SHARE;

        -- 2. Decide, on the rows as locked.
        IF actor_role IS NULL OR NOT perm = ANY(organization_role_perms(org, actor_role, pol_roles, pol_perms)) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF u_slug IS NOT NULL AND EXISTS (SELECT 1 FROM organizations x WHERE x.slug = u_slug AND x.id <> org) THEN
        outcome := 'slug_taken';
        RETURN;
    END IF;
    IF NOT (o.name <> COALESCE(u_name, o.name)
        OR o.slug <> COALESCE(u_slug, o.slug)
        OR o.is_active <> COALESCE(u_is_active, o.is_active)
        OR o.data::text <> COALESCE(u_data, o.data::text)
        OR o.settings::text <> COALESCE(u_settings, o.settings::text)
        OR (u_max_members IS NOT NULL AND o.max_members IS DISTINCT FROM NULLIF(u_max_members, 0))) THEN
        outcome := 'unchanged';
    ELSE
        -- 3. Write the organization and its record.
        WITH upd AS (
            UPDATE organizations AS x SET
                name = COALESCE(u_name, x.name),
                slug = COALESCE(u_slug, x.slug),
                is_active = COALESCE(u_is_active, x.is_active),
                data = COALESCE(u_data::json, x.data),
                settings = COALESCE(u_settings::json, x.settings),
                max_members = CASE WHEN u_max_members IS NULL THEN x.max_members ELSE NULLIF(u_max_members, 0) END,
                updated_at = now,
                seat_seq = x.seat_seq + 1
            WHERE x.id = org
            RETURNING x.*
        ), rec AS (
            INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
            SELECT gen_random_uuid(), org, 'organization_updated', NULLIF(actor, ''), NULL,
                CASE WHEN actor = '' THEN json_build_object('organization', organization_json(upd))
                ELSE json_build_object('organization', organization_json(upd), 'actor', actor) END,
                CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                    SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                        'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
            FROM upd
        )
        SELECT upd.* INTO o FROM upd;
        outcome := 'updated';
    END IF;
    r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
    r_data := o.data::text; r_settings := o.settings::text;
    r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
END
$$;

-- DeleteOrganization: deletes the organization, locked FOR UPDATE (its latest
-- version), if the call is unchecked (actor '') or by its owner; its memberships,
-- invitations, custom roles and the rest go by ON DELETE CASCADE, and the owner
-- reference, checked at the end of the statement, finds the organization gone. Writes
-- the organization_deleted record. Outcomes: deleted (with the row as it was),
-- organization_not_found, permission_denied.
CREATE FUNCTION organizations_delete(org uuid, actor text, number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    o organizations;
BEGIN
    -- 1. Lock.
    SELECT x.owner_id INTO owner FROM organizations x WHERE x.id = org FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    -- 2. Decide.
    IF actor <> '' AND actor <> owner THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    -- 3. Delete it and write its record.
    WITH del AS (
        DELETE FROM organizations AS x WHERE x.id = org RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), org, 'organization_deleted', NULLIF(actor, ''), NULL,
            CASE WHEN actor = '' THEN json_build_object('organization', organization_json(del))
            ELSE json_build_object('organization', organization_json(del), 'actor', actor) END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM del
    )
    SELECT del.* INTO o FROM del;
    outcome := 'deleted';
    r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
    r_data := o.data::text; r_settings := o.settings::text;
    r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
END
$$;

-- An OwnershipTransfer's JSON, as Go marshals it, from a row of ownership_transfers (a
-- record: see organization_role_json).
CREATE FUNCTION organization_transfer_json(t record) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by,
        'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
END
$$;

-- The lock of the calls that move the ownership to new_owner: the memberships of the
-- owner (FOR KEY SHARE: it stays, as the event needs it) and of new_owner (FOR UPDATE:
-- it may be promoted), in user ID order. Returns the owner's membership as locked.
CREATE FUNCTION organization_lock_owners(org uuid, owner text, new_owner text) RETURNS memberships
LANGUAGE plpgsql AS $$
DECLARE
    old memberships;
BEGIN
    IF new_owner < owner THEN
        PERFORM 1 FROM memberships m WHERE m.organization_id = org AND m.user_id = new_owner FOR UPDATE;
    END IF;
    SELECT m.* INTO old FROM memberships m WHERE m.organization_id = org AND m.user_id = owner FOR KEY SHARE;
    IF new_owner > owner THEN
        PERFORM 1 FROM memberships m WHERE m.organization_id = org AND m.user_id = new_owner FOR UPDATE;
    END IF;
    RETURN old;
END
$$;

-- Moves the ownership of org from the owner (whose membership is old) to the active
-- member cur: promotes cur to admin first if needed (leaving a custom role it held;
-- role_changed), then moves owner_id (owner_changed), whose foreign key, checked at the
-- end of its statement, holds the new owner to an active admin membership; the trigger
-- organizations_owner_changed (0006) closes the organization's proposal. accepted, if
-- not NULL, is the JSON of the proposal accepted: its ownership_transfer_accepted record
-- comes first. The records are written by one statement, in the order listed. Returns
-- cur as promoted (NULL fields: not promoted).
CREATE FUNCTION organization_move_owner(org uuid, old memberships, cur memberships, accepted json,
    now timestamptz, actor text, number boolean) RETURNS memberships
LANGUAGE plpgsql AS $$
DECLARE
    promoted memberships;
BEGIN
    IF cur.role <> 'admin' THEN
        UPDATE memberships AS m SET role = 'admin', custom_role = NULL, updated_at = now
        WHERE m.organization_id = org AND m.user_id = cur.user_id
        RETURNING m.* INTO promoted;
    END IF;
    UPDATE organizations AS o SET owner_id = cur.user_id, owner_since = now WHERE o.id = org;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), org, e.type, NULLIF(actor, ''), cur.user_id,
        CASE WHEN actor = '' THEN e.data ELSE (left(e.data::text, -1) || ', "actor" : ' || to_json(actor)::text || '}')::json END,
        organization_events_claim_pos(number)
    FROM (VALUES
        ('ownership_transfer_accepted', CASE WHEN accepted IS NOT NULL THEN json_build_object('transfer', accepted) END),
        ('role_changed', CASE WHEN promoted.id IS NOT NULL THEN
            json_build_object('old', organization_member_json(cur), 'new', organization_member_json(promoted)) END),
        ('owner_changed', json_build_object('old', organization_member_json(old),
            'new', organization_member_json(CASE WHEN promoted.id IS NOT NULL THEN promoted ELSE cur END)))
    ) AS e(type, data)
    WHERE e.data IS NOT NULL;
    RETURN promoted;
END
$$;

-- ChangeOwner: makes new_owner, an active member, the owner if the call is unchecked
-- (actor '') or by the owner, promoting them to admin if needed (leaving a custom role:
-- the single statement it replaces left custom_role and failed on
-- memberships_custom_role_check, where the memory store promotes); under a per-user
-- organization limit (max_owned > 0) only if they own fewer organizations
-- (organizations_owned_below, 0010: it locks their ownership and counts with a new
-- snapshot). The organization is locked FOR NO KEY UPDATE first, so concurrent changes
-- of owner queue and each sees the owner the previous one left: of two changes by one
-- owner, the second is refused. Outcomes: changed, unchanged (new_owner owns it
-- already), and the refusals organization_not_found, permission_denied, not_member,
-- organization_limit. The owner's membership (x_*), new_owner's before (b_*) and, if
-- promoted, after (p_*) follow.
CREATE FUNCTION organizations_change_owner(
    org uuid, new_owner text, now timestamptz, max_owned integer, actor text, number boolean,
    OUT outcome text,
    OUT x_id uuid, OUT x_org uuid, OUT x_user text, OUT x_role text, OUT x_created_at timestamptz, OUT x_updated_at timestamptz, OUT x_suspended_at timestamptz,
    OUT b_id uuid, OUT b_org uuid, OUT b_user text, OUT b_role text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz, OUT b_suspended_at timestamptz,
    OUT p_id uuid, OUT p_org uuid, OUT p_user text, OUT p_role text, OUT p_created_at timestamptz, OUT p_updated_at timestamptz, OUT p_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    old memberships;
    cur memberships;
    promoted memberships;
BEGIN
    -- 1. Lock: the organization, then the owner's and new_owner's memberships.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor <> owner THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    old := organization_lock_owners(org, owner, new_owner);

    -- 2. Decide, on the rows as locked.
    SELECT m.* INTO cur FROM memberships m WHERE m.organization_id = org AND m.user_id = new_owner AND m.status = 'active';
    IF NOT FOUND THEN
        outcome := 'not_member';
        RETURN;
    END IF;
    x_id := old.id; x_org := old.organization_id; x_user := old.user_id; x_role := old.role;
    x_created_at := old.created_at; x_updated_at := old.updated_at; x_suspended_at := old.suspended_at;
    b_id := cur.id; b_org := cur.organization_id; b_user := cur.user_id; b_role := cur.role;
    b_created_at := cur.created_at; b_updated_at := cur.updated_at; b_suspended_at := cur.suspended_at;
    IF new_owner = owner THEN
        outcome := 'unchanged';
        RETURN;
    END IF;
    IF max_owned > 0 AND NOT organizations_owned_below(new_owner, max_owned) THEN
        outcome := 'organization_limit';
        RETURN;
    END IF;

    -- 3. Write: the promotion, the owner, their records.
    promoted := organization_move_owner(org, old, cur, NULL, now, actor, number);
    outcome := 'changed';
    p_id := promoted.id; p_org := promoted.organization_id; p_user := promoted.user_id; p_role := promoted.role;
    p_created_at := promoted.created_at; p_updated_at := promoted.updated_at; p_suspended_at := promoted.suspended_at;
END
$$;

-- ProposeOwnershipTransfer: stores the proposal of the organization (replacing the one
-- it had) to nom, an active member other than the owner, if the call is unchecked
-- (actor '') or by the owner. Locks the organization FOR SHARE (the owner it reads is
-- the latest), the nominee's (nom) membership FOR KEY SHARE (as the proposal's foreign key
-- will), then the proposal it replaces FOR UPDATE (so that the one the record names as
-- replaced is the one replaced). Outcomes: proposed (the proposal, and the one it
-- replaced, follow), and the refusals organization_not_found, permission_denied,
-- already_owner, not_member.
CREATE FUNCTION organizations_propose_transfer(
    org uuid, nom text, now timestamptz, expires timestamptz, actor text, number boolean,
    OUT outcome text,
    OUT t_org uuid, OUT t_nominee text, OUT t_proposed_by text, OUT t_created_at timestamptz, OUT t_expires_at timestamptz,
    OUT o_org uuid, OUT o_nominee text, OUT o_proposed_by text, OUT o_created_at timestamptz, OUT o_expires_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    member boolean;
    old ownership_transfers;
    t ownership_transfers;
BEGIN
    -- 1. Lock: the organization, the nominee's membership.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM 1 FROM memberships m WHERE m.organization_id = org AND m.user_id = nom AND m.status = 'active' FOR KEY SHARE;
    member := FOUND;

    -- 2. Decide, on the rows as locked.
    IF actor <> '' AND actor <> owner THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF owner = nom THEN
        outcome := 'already_owner';
        RETURN;
    END IF;
    IF NOT member THEN
        outcome := 'not_member';
        RETURN;
    END IF;

    -- 3. Write: the proposal, in place of the one locked, and its record.
    SELECT x.* INTO old FROM ownership_transfers x WHERE x.organization_id = org FOR UPDATE;
    WITH ins AS (
        INSERT INTO ownership_transfers AS x (organization_id, nominee, proposed_by, created_at, expires_at)
        VALUES (org, nom, owner, now, expires)
        ON CONFLICT ON CONSTRAINT ownership_transfers_pkey DO UPDATE SET nominee = EXCLUDED.nominee,
            proposed_by = EXCLUDED.proposed_by, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), org, 'ownership_transfer_proposed', NULLIF(actor, ''), ins.nominee,
            CASE WHEN old.organization_id IS NULL THEN
                CASE WHEN actor = '' THEN json_build_object('transfer', organization_transfer_json(ins))
                ELSE json_build_object('transfer', organization_transfer_json(ins), 'actor', actor) END
            ELSE
                CASE WHEN actor = '' THEN json_build_object('transfer', organization_transfer_json(ins), 'replaced', organization_transfer_json(old))
                ELSE json_build_object('transfer', organization_transfer_json(ins), 'replaced', organization_transfer_json(old), 'actor', actor) END
            END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM ins
    )
    SELECT ins.* INTO t FROM ins;
    outcome := 'proposed';
    t_org := t.organization_id; t_nominee := t.nominee; t_proposed_by := t.proposed_by;
    t_created_at := t.created_at; t_expires_at := t.expires_at;
    o_org := old.organization_id; o_nominee := old.nominee; o_proposed_by := old.proposed_by;
    o_created_at := old.created_at; o_expires_at := old.expires_at;
END
$$;

-- AcceptOwnershipTransfer: makes the nominee of the organization's open proposal the
-- owner (organization_move_owner: promoted to admin, leaving a custom role, if needed),
-- if the call is unchecked (actor '') or by the nominee, and under a per-user
-- organization limit (max_owned > 0) only if they own fewer organizations. Locks the
-- organization FOR NO KEY UPDATE (as ChangeOwner), the proposal FOR UPDATE, then the
-- owner's and the nominee's memberships (organization_lock_owners); a proposal is open
-- when unexpired, made by the owner, and its nominee an active member. Outcomes:
-- accepted (the proposal, the owner's membership, the nominee's before and, if
-- promoted, after follow), and the refusals organization_not_found,
-- transfer_not_found, permission_denied, organization_limit.
CREATE FUNCTION organizations_accept_transfer(
    org uuid, now timestamptz, max_owned integer, actor text, number boolean,
    OUT outcome text,
    OUT t_org uuid, OUT t_nominee text, OUT t_proposed_by text, OUT t_created_at timestamptz, OUT t_expires_at timestamptz,
    OUT x_id uuid, OUT x_org uuid, OUT x_user text, OUT x_role text, OUT x_created_at timestamptz, OUT x_updated_at timestamptz, OUT x_suspended_at timestamptz,
    OUT b_id uuid, OUT b_org uuid, OUT b_user text, OUT b_role text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz, OUT b_suspended_at timestamptz,
    OUT p_id uuid, OUT p_org uuid, OUT p_user text, OUT p_role text, OUT p_created_at timestamptz, OUT p_updated_at timestamptz, OUT p_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    tr ownership_transfers;
    old memberships;
    cur memberships;
    promoted memberships;
BEGIN
    -- 1. Lock: the organization, the proposal, the owner's and the nominee's memberships.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    SELECT t.* INTO tr FROM ownership_transfers t WHERE t.organization_id = org FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'transfer_not_found';
        RETURN;
    END IF;
    old := organization_lock_owners(org, owner, tr.nominee);

    -- 2. Decide, on the rows as locked.
    SELECT m.* INTO cur FROM memberships m WHERE m.organization_id = org AND m.user_id = tr.nominee;
    IF NOT COALESCE(tr.expires_at > now AND tr.proposed_by = owner AND cur.status = 'active', false) THEN
        outcome := 'transfer_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor <> tr.nominee THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF max_owned > 0 AND NOT organizations_owned_below(tr.nominee, max_owned) THEN
        outcome := 'organization_limit';
        RETURN;
    END IF;

    -- 3. Write: the promotion, the owner (the trigger closes the proposal), the records.
    promoted := organization_move_owner(org, old, cur, organization_transfer_json(tr), now, actor, number);
    outcome := 'accepted';
    t_org := tr.organization_id; t_nominee := tr.nominee; t_proposed_by := tr.proposed_by;
    t_created_at := tr.created_at; t_expires_at := tr.expires_at;
    x_id := old.id; x_org := old.organization_id; x_user := old.user_id; x_role := old.role;
    x_created_at := old.created_at; x_updated_at := old.updated_at; x_suspended_at := old.suspended_at;
    b_id := cur.id; b_org := cur.organization_id; b_user := cur.user_id; b_role := cur.role;
    b_created_at := cur.created_at; b_updated_at := cur.updated_at; b_suspended_at := cur.suspended_at;
    p_id := promoted.id; p_org := promoted.organization_id; p_user := promoted.user_id; p_role := promoted.role;
    p_created_at := promoted.created_at; p_updated_at := promoted.updated_at; p_suspended_at := promoted.suspended_at;
END
$$;

-- DeclineOwnershipTransfer (decline) and CancelOwnershipTransfer: deletes the
-- organization's open proposal (as in organizations_accept_transfer) if the call is
-- unchecked (actor '') or, declining, by its nominee, or, cancelling, by the owner.
-- Locks the organization FOR SHARE and the proposal FOR UPDATE. Outcomes: closed (the
-- proposal follows), and the refusals organization_not_found, permission_denied (for
-- a cancellation, before transfer_not_found: only the owner learns whether there is
-- one), transfer_not_found.
CREATE FUNCTION organizations_close_transfer(
    org uuid, decline boolean, now timestamptz, actor text, number boolean,
    OUT outcome text,
    OUT t_org uuid, OUT t_nominee text, OUT t_proposed_by text, OUT t_created_at timestamptz, OUT t_expires_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    allowed boolean;
    tr ownership_transfers;
BEGIN
    -- 1. Lock: the organization, the proposal.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    SELECT t.* INTO tr FROM ownership_transfers t WHERE t.organization_id = org FOR UPDATE;

    -- 2. Decide, on the rows as locked.
    allowed := actor = '' OR CASE WHEN decline THEN tr.nominee IS NOT DISTINCT FROM actor ELSE owner = actor END;
    IF NOT decline AND NOT allowed THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF tr.organization_id IS NULL OR NOT (tr.expires_at > now AND tr.proposed_by = owner AND EXISTS (
            SELECT 1 FROM memberships m WHERE m.organization_id = org AND m.user_id = tr.nominee AND m.status = 'active')) THEN
        outcome := 'transfer_not_found';
        RETURN;
    END IF;
    IF NOT allowed THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;

    -- 3. Delete it and write its record.
    WITH del AS (
        DELETE FROM ownership_transfers AS x WHERE x.organization_id = org RETURNING x.organization_id
    )
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), org,
        CASE WHEN decline THEN 'ownership_transfer_declined' ELSE 'ownership_transfer_cancelled' END,
        NULLIF(actor, ''), tr.nominee,
        CASE WHEN actor = '' THEN json_build_object('transfer', organization_transfer_json(tr))
        ELSE json_build_object('transfer', organization_transfer_json(tr), 'actor', actor) END,
        CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
            SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
    FROM del;
    outcome := 'closed';
    t_org := tr.organization_id; t_nominee := tr.nominee; t_proposed_by := tr.proposed_by;
    t_created_at := tr.created_at; t_expires_at := tr.expires_at;
END
$$;

-- An Invitation's JSON, as Go marshals it (responded_at and accepted_by only when set;
-- no token), from a row of invitations (a record: see organization_role_json).
CREATE FUNCTION organization_invitation_json(i record) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email,
        'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status,
        'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'accepted_by', NULLIF(i.accepted_by, '')))::json;
END
$$;

-- The members of org and, with_invitations, the invitations pending at now: whether
-- one more leaves them within max_members (NULL: no limit). Each count stops at the
-- limit, so its cost is bounded by it, not by the organization's size.
CREATE FUNCTION organization_seat_free(org uuid, max_members integer, with_invitations boolean, now timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN max_members IS NULL OR (SELECT count(*) FROM (SELECT 1 FROM memberships m
            WHERE m.organization_id = org AND m.status = 'active' LIMIT max_members) AS x)
        + CASE WHEN with_invitations THEN (SELECT count(*) FROM (SELECT 1 FROM invitations i
            WHERE i.organization_id = org AND i.status = 'pending' AND i.expires_at > now LIMIT max_members) AS y) ELSE 0 END
        < max_members;
END
$$;

-- CreateInvitation: inserts the pending invitation i_* and its invitation_created record
-- (whose ID is the invitation's: DeleteInvitation finds it by it) if the inviter (actor,
-- never '') may invite (perm, or owns the organization), the role is declared
-- (pol_declared) or a custom role of the organization, within the inviter's
-- permissions, no unexpired invitation of the email is pending, and a seat is free for
-- it (members and pending invitations). A pending invitation of the email that has
-- expired is marked expired first, which takes it out of invitations_pending_key.
-- Locks the organization (FOR SHARE; FOR NO KEY UPDATE when limited, so that additions
-- take turns and each counts what the last one left), then the inviter's membership,
-- then the custom roles of the inviter and of the role given, in name order: the order
-- of DeleteOrganization and its cascade into the invitations. Outcomes: created (the
-- organization follows, for the invitation's message), and the refusals
-- organization_not_found, permission_denied, invalid_role, escalation, already_invited,
-- member_limit; limited when the organization has a member limit and the call did not
-- lock for one (limited false): the caller calls again with true.
CREATE FUNCTION organizations_create_invitation(
    i_id uuid, i_org uuid, i_email text, i_role text, i_bearer boolean, i_token_hash bytea,
    i_created_at timestamptz, i_expires_at timestamptz, now timestamptz, limited boolean,
    actor text, perm text, pol_roles text[], pol_perms text[], pol_declared text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    o organizations;
    checked boolean;
    declared boolean := i_role = ANY(pol_declared);
    actor_role text;
    actor_perms text[];
    pending_until timestamptz;
    inserted boolean;
BEGIN
    -- 1. Lock: the organization, the inviter's membership, the custom roles involved.
    IF limited THEN
        SELECT x.* INTO o FROM organizations x WHERE x.id = i_org FOR NO KEY UPDATE;
    ELSE
        SELECT x.* INTO o FROM organizations x WHERE x.id = i_org FOR SHARE;
    END IF;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    checked := actor <> o.owner_id;
    IF checked AND actor <> '' THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = i_org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
    END IF;
    IF NOT declared OR NOT COALESCE(actor_role = ANY(pol_declared), true) THEN
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = i_org AND c.name IN (actor_role, i_role)
        ORDER BY c.name FOR SHARE;
    END IF;

    -- 2. Decide, on the rows as locked.
    IF actor = '' THEN
        outcome := 'permission_denied'; -- an invitation has an inviter
        RETURN;
    END IF;
    IF checked THEN
        actor_perms := organization_role_perms(i_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF NOT declared AND NOT EXISTS (SELECT 1 FROM organization_roles c WHERE c.organization_id = i_org AND c.name = i_role) THEN
        outcome := 'invalid_role';
        RETURN;
    END IF;
    IF checked AND NOT organization_role_perms(i_org, i_role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    SELECT i.expires_at INTO pending_until FROM invitations i
    WHERE i.organization_id = i_org AND i.email = i_email AND i.status = 'pending';
    IF pending_until > now THEN
        outcome := 'already_invited';
        RETURN;
    END IF;
    IF o.max_members IS NOT NULL THEN
        IF NOT limited THEN
            outcome := 'limited';
            RETURN;
        END IF;
        IF NOT organization_seat_free(i_org, o.max_members, true, now) THEN
            outcome := 'member_limit';
            RETURN;
        END IF;
    END IF;

    -- 3. Write: the expired pending invitation marked expired, then the invitation and
    -- its record.
    IF pending_until IS NOT NULL THEN
        UPDATE invitations AS i SET status = 'expired'
        WHERE i.organization_id = i_org AND i.email = i_email AND i.status = 'pending' AND i.expires_at <= now;
    END IF;
    WITH ins AS (
        INSERT INTO invitations AS i
            (id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
        VALUES (i_id, i_org, i_email, i_role, CASE WHEN declared THEN NULL ELSE i_role END, actor, i_bearer,
            'pending', i_token_hash, i_created_at, i_expires_at)
        ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
        RETURNING i.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT ins.id, i_org, 'invitation_created', actor, NULL,
            json_build_object('invitation', organization_invitation_json(ins), 'actor', actor),
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM ins
    )
    SELECT EXISTS (SELECT 1 FROM ins) INTO inserted;
    IF NOT inserted THEN
        outcome := 'already_invited'; -- invited by a transaction that committed while this one waited on the key
        RETURN;
    END IF;
    IF o.max_members IS NOT NULL THEN
        UPDATE organizations x SET seat_seq = x.seat_seq + 1 WHERE x.id = i_org;
    END IF;
    outcome := 'created';
    r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
    r_data := o.data::text; r_settings := o.settings::text;
    r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
END
$$;

-- AcceptInvitation: accepts the invitation whose token hashes to token_hash, by u with
-- the verified email u_email: if it is pending and unexpired at now, for u_email (or
-- bearer), not made by u, its inviter may still grant it (the owner, or an active
-- member with invitations:create whose permissions cover the invitation's role), and,
-- unless u is a member already, a seat is free. Makes u's membership m_* (or keeps the
-- one u has) and writes invitation_accepted and, for a new membership, user_added.
-- Locks the organization (FOR SHARE; FOR NO KEY UPDATE when limited), the invitation
-- (FOR UPDATE: a concurrent answer waits, then sees it answered), the inviter's
-- membership and the custom roles of the inviter and of the invitation, in name order:
-- the order of DeleteOrganization and its cascade. Outcomes: accepted (the invitation
-- as locked and the membership follow), existing (u accepted it before and is a member:
-- the same), and the refusals invitation_not_found, invitation_expired,
-- invitation_closed, email_mismatch, permission_denied (u made it),
-- inviter_not_allowed, member_limit (the invitation stays pending); limited as for
-- organizations_create_invitation.
CREATE FUNCTION organizations_accept_invitation(
    token_hash bytea, u text, u_email text, now timestamptz, limited boolean,
    m_id uuid, m_created_at timestamptz, m_updated_at timestamptz,
    perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz, OUT i_accepted_by text,
    OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_role text, OUT o_created_at timestamptz, OUT o_updated_at timestamptz, OUT o_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
    owner text;
    max_members integer;
    inv invitations;
    inviter_role text;
    inviter_perms text[];
    m memberships;
    created boolean := false;
BEGIN
    -- 1. Lock: the organization, the invitation, the inviter's membership, the custom
    -- roles of the inviter and of the invitation.
    SELECT x.organization_id INTO org FROM invitations x WHERE x.token_hash = organizations_accept_invitation.token_hash;
    IF limited THEN
        SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    ELSE
        SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = org FOR SHARE;
    END IF;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found'; -- gone with its organization
        RETURN;
    END IF;
    SELECT x.* INTO inv FROM invitations x WHERE x.token_hash = organizations_accept_invitation.token_hash FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    i_id := inv.id; i_org := inv.organization_id; i_email := inv.email; i_role := inv.role; i_invited_by := inv.invited_by;
    i_bearer := inv.bearer; i_status := inv.status; i_created_at := inv.created_at; i_expires_at := inv.expires_at;
    i_responded_at := inv.responded_at; i_accepted_by := inv.accepted_by;
    IF inv.invited_by <> owner THEN
        SELECT a.role INTO inviter_role FROM memberships a
        WHERE a.organization_id = org AND a.user_id = inv.invited_by AND a.status = 'active'
        FOR SHARE;
    END IF;
    PERFORM 1 FROM organization_roles c WHERE c.organization_id = org AND c.name IN (inviter_role, inv.role)
    ORDER BY c.name FOR SHARE;

    -- 2. Decide, on the rows as locked.
    SELECT x.* INTO m FROM memberships x WHERE x.organization_id = org AND x.user_id = u;
    IF inv.status = 'accepted' AND inv.accepted_by = u AND m.id IS NOT NULL THEN
        outcome := 'existing';
        o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
        o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
        RETURN;
    END IF;
    IF inv.status = 'expired' OR (inv.status = 'pending' AND inv.expires_at <= now) THEN
        outcome := 'invitation_expired';
        RETURN;
    END IF;
    IF inv.status <> 'pending' THEN
        outcome := 'invitation_closed';
        RETURN;
    END IF;
    IF NOT inv.bearer AND inv.email <> u_email THEN
        outcome := 'email_mismatch';
        RETURN;
    END IF;
    IF inv.invited_by = u THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF inv.invited_by <> owner THEN
        inviter_perms := organization_role_perms(org, inviter_role, pol_roles, pol_perms);
        IF inviter_role IS NULL OR NOT perm = ANY(inviter_perms)
            OR NOT organization_role_perms(org, inv.role, pol_roles, pol_perms) <@ inviter_perms THEN
            outcome := 'inviter_not_allowed';
            RETURN;
        END IF;
    END IF;
    IF m.id IS NULL AND max_members IS NOT NULL THEN
        IF NOT limited THEN
            outcome := 'limited';
            RETURN;
        END IF;
        IF NOT organization_seat_free(org, max_members, false, now) THEN
            outcome := 'member_limit';
            RETURN;
        END IF;
    END IF;

    -- 3. Write: the membership (unless u has one), the invitation accepted, the records.
    IF m.id IS NULL THEN
        INSERT INTO memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
        VALUES (m_id, org, u, inv.role, inv.custom_role, m_created_at, m_updated_at)
        ON CONFLICT DO NOTHING
        RETURNING x.* INTO m;
        created := FOUND;
        IF NOT created THEN
            -- Added by a transaction that committed while this one waited on the key.
            SELECT x.* INTO m FROM memberships x WHERE x.organization_id = org AND x.user_id = u;
        ELSIF max_members IS NOT NULL THEN
            UPDATE organizations o SET seat_seq = o.seat_seq + 1 WHERE o.id = org;
        END IF;
    END IF;
    UPDATE invitations AS x SET status = 'accepted', responded_at = now, accepted_by = u, custom_role = NULL
    WHERE x.id = inv.id
    RETURNING x.* INTO inv;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), org, e.type, NULLIF(u, ''), u,
        CASE WHEN u = '' THEN e.data ELSE (left(e.data::text, -1) || ', "actor" : ' || to_json(u)::text || '}')::json END,
        organization_events_claim_pos(number)
    FROM (VALUES
        ('invitation_accepted', json_build_object('invitation', organization_invitation_json(inv),
            'organization_user', organization_member_json(m))),
        ('user_added', CASE WHEN created THEN json_build_object('organization_user', organization_member_json(m)) END)
    ) AS e(type, data)
    WHERE e.data IS NOT NULL;
    outcome := 'accepted';
    o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
    o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
END
$$;

-- The lock of the calls an actor makes on an invitation by ID (RevokeInvitation,
-- RenewInvitation), after the organization's (FOR NO KEY UPDATE: a renewal may take a
-- seat): the invitation FOR UPDATE, then, for a checked call (actor not '' and not the
-- owner), the actor's active membership FOR SHARE, then the custom roles of the actor
-- and of the invitation FOR SHARE in name order: DeleteOrganization's order. Returns
-- the actor's role (NULL: not an active member, or the call is not checked).
CREATE FUNCTION organization_lock_invitation(org uuid, owner text, inv_id uuid, actor text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    actor_role text;
BEGIN
    PERFORM 1 FROM invitations i WHERE i.id = inv_id FOR UPDATE;
    IF actor <> '' AND actor <> owner THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
    END IF;
    PERFORM 1 FROM organization_roles c
    WHERE c.organization_id = org AND c.name IN (actor_role, (SELECT i.role FROM invitations i WHERE i.id = inv_id))
    ORDER BY c.name FOR SHARE;
    RETURN actor_role;
END
$$;

-- RevokeInvitation: revokes the pending, unexpired invitation inv_id if the actor (never
-- '') may (perm, or owns the organization). Outcomes: revoked (the invitation as locked
-- follows), and the refusals invitation_not_found, permission_denied,
-- invitation_expired, invitation_closed.
CREATE FUNCTION organizations_revoke_invitation(
    inv_id uuid, now timestamptz, actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz, OUT i_accepted_by text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
    owner text;
    actor_role text;
    inv invitations;
BEGIN
    -- 1. Lock: the organization, the invitation, the actor's membership, the roles.
    SELECT x.organization_id INTO org FROM invitations x WHERE x.id = inv_id;
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    actor_role := organization_lock_invitation(org, owner, inv_id, actor);

    -- 2. Decide, on the rows as locked.
    SELECT x.* INTO inv FROM invitations x WHERE x.id = inv_id;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    i_id := inv.id; i_org := inv.organization_id; i_email := inv.email; i_role := inv.role; i_invited_by := inv.invited_by;
    i_bearer := inv.bearer; i_status := inv.status; i_created_at := inv.created_at; i_expires_at := inv.expires_at;
    i_responded_at := inv.responded_at; i_accepted_by := inv.accepted_by;
    IF actor = '' OR (actor <> owner AND (actor_role IS NULL
            OR NOT perm = ANY(organization_role_perms(org, actor_role, pol_roles, pol_perms)))) THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF inv.status = 'expired' OR (inv.status = 'pending' AND inv.expires_at <= now) THEN
        outcome := 'invitation_expired';
        RETURN;
    END IF;
    IF inv.status <> 'pending' THEN
        outcome := 'invitation_closed';
        RETURN;
    END IF;

    -- 3. Write the invitation revoked and its record.
    WITH upd AS (
        UPDATE invitations AS x SET status = 'revoked', responded_at = now, custom_role = NULL
        WHERE x.id = inv_id
        RETURNING x.*
    )
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), org, 'invitation_revoked', actor, NULL,
        json_build_object('invitation', organization_invitation_json(upd), 'actor', actor),
        CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
            SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
    FROM upd;
    outcome := 'revoked';
END
$$;

-- DeclineInvitation: declines the invitation whose token hashes to token_hash if it is
-- pending and unexpired at now, for u_email (or bearer). Locks the invitation only (FOR
-- UPDATE: a concurrent answer waits, then sees it answered); no one's rights are
-- involved. Outcomes: declined (the invitation as locked follows), and the refusals
-- invitation_not_found, invitation_expired, invitation_closed, email_mismatch.
CREATE FUNCTION organizations_decline_invitation(token_hash bytea, u_email text, now timestamptz, number boolean,
    OUT outcome text,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz, OUT i_accepted_by text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    inv invitations;
BEGIN
    SELECT x.* INTO inv FROM invitations x WHERE x.token_hash = organizations_decline_invitation.token_hash FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    i_id := inv.id; i_org := inv.organization_id; i_email := inv.email; i_role := inv.role; i_invited_by := inv.invited_by;
    i_bearer := inv.bearer; i_status := inv.status; i_created_at := inv.created_at; i_expires_at := inv.expires_at;
    i_responded_at := inv.responded_at; i_accepted_by := inv.accepted_by;
    IF inv.status = 'expired' OR (inv.status = 'pending' AND inv.expires_at <= now) THEN
        outcome := 'invitation_expired';
        RETURN;
    END IF;
    IF inv.status <> 'pending' THEN
        outcome := 'invitation_closed';
        RETURN;
    END IF;
    IF NOT inv.bearer AND inv.email <> u_email THEN
        outcome := 'email_mismatch';
        RETURN;
    END IF;
    WITH upd AS (
        UPDATE invitations AS x SET status = 'declined', responded_at = now, custom_role = NULL
        WHERE x.id = inv.id
        RETURNING x.*
    )
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    SELECT gen_random_uuid(), upd.organization_id, 'invitation_declined', NULL, NULL,
        json_build_object('invitation', organization_invitation_json(upd)),
        CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
            SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
    FROM upd;
    outcome := 'declined';
END
$$;

-- RenewInvitation: gives the pending or expired invitation inv_id a new token hash and
-- expiry, and makes the actor (never '') its inviter, if the actor may revoke and
-- invite (perm_revoke and perm_create, or owns the organization), its role is within
-- the actor's permissions, no other unexpired invitation of the email is pending, and,
-- unless it is pending and unexpired (it holds its seat), a seat is free (members and
-- pending invitations, counted under the organization's lock). Other pending
-- invitations of the email, all expired then, are marked expired first, so that
-- invitations_pending_key admits this one back to pending. Writes no record. Outcomes:
-- renewed (the invitation as renewed and its organization follow), and the refusals
-- invitation_not_found, permission_denied, invitation_closed, escalation,
-- already_invited, member_limit.
CREATE FUNCTION organizations_renew_invitation(
    inv_id uuid, token_hash bytea, expires timestamptz, now timestamptz,
    actor text, perm_revoke text, perm_create text, pol_roles text[], pol_perms text[],
    OUT outcome text,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz, OUT i_accepted_by text,
    OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
    o organizations;
    actor_role text;
    actor_perms text[];
    inv invitations;
    held boolean;
BEGIN
    -- 1. Lock: the organization, the invitation, the actor's membership, the roles.
    SELECT x.organization_id INTO org FROM invitations x WHERE x.id = inv_id;
    SELECT x.* INTO o FROM organizations x WHERE x.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    actor_role := organization_lock_invitation(org, o.owner_id, inv_id, actor);

    -- 2. Decide, on the rows as locked.
    SELECT x.* INTO inv FROM invitations x WHERE x.id = inv_id;
    IF NOT FOUND THEN
        outcome := 'invitation_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor <> o.owner_id THEN
        actor_perms := organization_role_perms(org, actor_role, pol_roles, pol_perms);
    END IF;
    IF actor = '' OR (actor <> o.owner_id AND (actor_role IS NULL
            OR NOT perm_revoke = ANY(actor_perms) OR NOT perm_create = ANY(actor_perms))) THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF inv.status NOT IN ('pending', 'expired') THEN
        outcome := 'invitation_closed';
        RETURN;
    END IF;
    IF actor <> o.owner_id AND NOT organization_role_perms(org, inv.role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM invitations x WHERE x.organization_id = org AND x.email = inv.email AND x.id <> inv.id
            AND x.status = 'pending' AND x.expires_at > now) THEN
        outcome := 'already_invited';
        RETURN;
    END IF;
    held := inv.status = 'pending' AND inv.expires_at > now;
    IF NOT held AND NOT organization_seat_free(org, o.max_members, true, now) THEN
        outcome := 'member_limit';
        RETURN;
    END IF;

    -- 3. Write: the other expired pending invitations of the email marked expired, the
    -- invitation renewed, seat_seq moved if it takes a seat.
    UPDATE invitations AS x SET status = 'expired'
    WHERE x.organization_id = org AND x.email = inv.email AND x.id <> inv.id
        AND x.status = 'pending' AND x.expires_at <= now;
    UPDATE invitations AS x SET token_hash = organizations_renew_invitation.token_hash, expires_at = expires,
        status = 'pending', invited_by = actor
    WHERE x.id = inv_id
    RETURNING x.* INTO inv;
    IF NOT held AND o.max_members IS NOT NULL THEN
        UPDATE organizations x SET seat_seq = x.seat_seq + 1 WHERE x.id = org;
    END IF;
    outcome := 'renewed';
    i_id := inv.id; i_org := inv.organization_id; i_email := inv.email; i_role := inv.role; i_invited_by := inv.invited_by;
    i_bearer := inv.bearer; i_status := inv.status; i_created_at := inv.created_at; i_expires_at := inv.expires_at;
    i_responded_at := inv.responded_at; i_accepted_by := inv.accepted_by;
    r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
    r_data := o.data::text; r_settings := o.settings::text;
    r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
END
$$;
