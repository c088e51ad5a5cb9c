-- +goose Up
-- The write path as functions. Each function is one call, one round trip, and runs in
-- the caller's transaction (the implicit one of an autocommit call, or the host's). It
-- is written in two phases, so that "lock, then decide on what is locked" holds by
-- construction rather than statement by statement:
--
--   1. lock: the rows the decision reads, in the store's one order (the organization,
--      then memberships, then organization_roles in name order);
--   2. decide and write: each statement of a PL/pgSQL function under READ COMMITTED
--      takes a new snapshot, so every read after phase 1 sees the latest committed
--      version of the rows it locked (a WITH statement, by contrast, reads the snapshot
--      taken before it waited for its locks).
--
-- The answer is one row whose first column, outcome, names what happened; the store
-- maps it to its sentinel error in one place (pgOutcome). The functions never build SQL
-- from their arguments. The functions a store calls fix the search_path to the
-- schema's when they are made; the helpers they call (organization_*, without the s)
-- run under it and are PL/pgSQL, so that their plans are cached for the session (a
-- SQL-language function with a SET clause is planned again on every call).

-- The position in the feed (0007) of a record that an autocommit call writes as its
-- last step: the schema's numbering lock, taken here instead of at COMMIT, is then held
-- for the same span (this record's insert to the commit), and the record is written
-- numbered, so the COMMIT-time trigger, which numbers only records without a position,
-- has nothing to update. The key is the trigger's own. A call inside a host's
-- transaction passes number false: its records are numbered at its COMMIT, as before,
-- so that a long host transaction does not hold every writer's commit back.
CREATE FUNCTION organization_events_claim_pos(number boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT number THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
        'organization_events'::regclass::oid::bigint::bit(32)::int);
    RETURN nextval('organization_events_pos_seq');
END
$$;

-- Records one event of org: its JSON data (an object json_build_object made) gets the
-- key "actor" last when the call had one, written as json_build_object writes it; the
-- record's position is claimed now or left to COMMIT (organization_events_claim_pos).
CREATE FUNCTION organization_record(org uuid, type text, actor text, subject text, data json, number boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), org, type, NULLIF(actor, ''), subject,
        CASE WHEN actor = '' THEN data ELSE (left(data::text, -1) || ', "actor" : ' || to_json(actor)::text || '}')::json END,
        organization_events_claim_pos(number));
END
$$;

-- The permissions of role in the organization: the policy's (role, permission) pairs
-- of a declared role, or a custom role's own permissions and the pairs of the declared
-- roles it includes. Read in the calling statement's snapshot.
CREATE FUNCTION organization_role_perms(org uuid, role text, pol_roles text[], pol_perms text[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT COALESCE(array_agg(perms.p), '{}') FROM (
        SELECT d.p FROM unnest(pol_roles, pol_perms) AS d(r, p) WHERE d.r = role
        UNION SELECT x.p FROM organization_roles c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
            WHERE c.organization_id = org AND c.name = role
        UNION SELECT d.p FROM organization_roles c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
            JOIN unnest(pol_roles, pol_perms) AS d(r, p) ON d.r = i.r
            WHERE c.organization_id = org AND c.name = role
    ) AS perms(p));
END
$$;

-- An OrganizationUser's JSON, as Go marshals it (suspended_at only when set).
CREATE FUNCTION organization_member_json(m memberships) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN m.suspended_at IS NULL THEN json_build_object(
        'id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role,
        'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    ELSE json_build_object(
        'id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role,
        'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    END
$$;

-- An Organization's JSON, as Go marshals it (max_members only when set).
CREATE FUNCTION organization_json(o organizations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN o.max_members IS NULL THEN json_build_object(
        'id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data, 'settings', o.settings,
        'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    ELSE json_build_object(
        'id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data, 'settings', o.settings,
        'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'max_members', o.max_members)
    END
$$;

-- AddUser (get false) and GetOrAddUser (get true): adds the membership m_* if the
-- organization exists, the actor may (perm, or owns it, or actor is '' for an unchecked
-- call), the role is declared (pol_declared) or a custom role of the organization, the
-- role's permissions are within the actor's, the user is not a member, and a seat is
-- free. Outcomes: added, existing (GetOrAddUser: the membership returned), and the
-- refusals organization_not_found, permission_denied, invalid_role, escalation,
-- already_member, member_limit; limited when the organization has a member limit and
-- the call did not lock for one (limited false): the caller calls again with true.
--
-- Without a limit the organization row is locked FOR SHARE, so that additions to one
-- organization run side by side; with one, FOR NO KEY UPDATE, so that they take turns
-- and each counts the members after the last one committed. seat_seq still moves with
-- every addition to a limited organization, for the statements that check it (0005).
CREATE FUNCTION organizations_add_user(
    m_id uuid, m_org uuid, m_user text, m_role text, m_created_at timestamptz, m_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], pol_declared text[],
    get boolean, limited boolean, number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_role text,
    OUT o_created_at timestamptz, OUT o_updated_at timestamptz, OUT o_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    max_members integer;
    checked boolean;
    actor_role text;
    actor_perms text[];
    is_member boolean;
    m memberships;
BEGIN
    -- GetOrAddUser of a member, unchecked: a read, in one snapshot. Nothing is locked
    -- or written (a row lock writes WAL too).
    IF get AND actor = '' THEN
        SELECT x.* INTO m FROM memberships x
        WHERE x.organization_id = m_org AND x.user_id = m_user
            AND (m_role = ANY(pol_declared) OR EXISTS (
                SELECT 1 FROM organization_roles r WHERE r.organization_id = m_org AND r.name = m_role));
        IF FOUND THEN
            SELECT 'existing', m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
            INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at;
            RETURN;
        END IF;
    END IF;

    -- 1. Lock what the decision reads.
    IF limited THEN
        SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = m_org FOR NO KEY UPDATE;
    ELSE
        SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = m_org FOR SHARE;
    END IF;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    checked := actor <> '' AND actor <> owner;
    IF checked THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = m_org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
    END IF;
    -- The actor's custom role and the one given, if custom: their latest definitions.
    PERFORM 1 FROM organization_roles r
    WHERE r.organization_id = m_org AND r.name IN (actor_role, m_role)
    ORDER BY r.name
    FOR SHARE;

    -- 2. Decide, on the rows as locked.
    IF checked THEN
        actor_perms := organization_role_perms(m_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF NOT (m_role = ANY(pol_declared) OR EXISTS (
        SELECT 1 FROM organization_roles r WHERE r.organization_id = m_org AND r.name = m_role)) THEN
        outcome := 'invalid_role';
        RETURN;
    END IF;
    -- Is the user a member? GetOrAddUser answers with the membership, and a limited
    -- organization tells a member from a full organization; a plain AddUser leaves it to
    -- the insert's conflict (no probe: its generic plan can scan the whole organization
    -- by memberships_organization_role_idx when the table is not all-visible).
    is_member := false;
    IF get OR max_members IS NOT NULL THEN
        SELECT x.* INTO m FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        is_member := FOUND;
    END IF;
    IF is_member AND get THEN
        SELECT 'existing', m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
        INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at;
        RETURN;
    END IF;
    IF checked AND NOT organization_role_perms(m_org, m_role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF is_member THEN
        outcome := 'already_member';
        RETURN;
    END IF;
    IF max_members IS NOT NULL THEN
        IF NOT limited THEN
            outcome := 'limited';
            RETURN;
        END IF;
        IF (SELECT count(*) FROM (SELECT 1 FROM memberships x
                WHERE x.organization_id = m_org AND x.status = 'active' LIMIT max_members) AS y) >= max_members THEN
            outcome := 'member_limit';
            RETURN;
        END IF;
    END IF;

    -- 3. Write.
    INSERT INTO memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
    VALUES (m_id, m_org, m_user, m_role, CASE WHEN m_role = ANY(pol_declared) THEN NULL ELSE m_role END, m_created_at, m_updated_at)
    ON CONFLICT DO NOTHING
    RETURNING x.* INTO m;
    IF NOT FOUND THEN
        -- Added by a transaction that committed while this one waited on the key.
        SELECT x.* INTO m FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        IF FOUND AND get THEN
            SELECT 'existing', m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
            INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at;
            RETURN;
        END IF;
        outcome := 'already_member';
        RETURN;
    END IF;
    IF max_members IS NOT NULL THEN
        UPDATE organizations o SET seat_seq = o.seat_seq + 1 WHERE o.id = m_org;
    END IF;
    PERFORM organization_record(m_org, 'user_added', actor, m.user_id,
        json_build_object('organization_user', organization_member_json(m)), number);
    SELECT 'added', m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
    INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at;
END
$$;

-- CreateOrganization: inserts the organization and its owner's admin membership (one
-- statement: their foreign keys point at each other and are checked at its end) and
-- the organization_created record. The slug is slug itself if free, or, when suffix,
-- base-N with N from the base's counter row (organization_slug_counters), which the
-- upsert locks and moves on to the first free candidate of a window of 1024; a
-- candidate taken between the look and the insert is tried again, up to 64 times, each
-- statement with a new snapshot. Outcomes: created (with the row), slug_taken,
-- slug_exhausted.
CREATE FUNCTION organizations_create(
    o_id uuid, o_name text, o_slug text, suffix boolean, o_is_active boolean, o_data text, o_settings text,
    o_created_at timestamptz, o_updated_at timestamptz, o_max_members integer,
    p_owner_id text, p_owner_membership_id uuid, p_owner_role text, p_owner_created_at timestamptz, p_owner_updated_at timestamptz,
    number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    slug text;
    n bigint;
    o organizations;
BEGIN
    FOR try IN 1..64 LOOP
        slug := o_slug;
        IF EXISTS (SELECT 1 FROM organizations x WHERE x.slug = o_slug) THEN
            IF NOT suffix THEN
                outcome := 'slug_taken';
                RETURN;
            END IF;
            INSERT INTO organization_slug_counters AS c (base, last) VALUES (o_slug, 2)
            ON CONFLICT ON CONSTRAINT organization_slug_counters_pkey DO UPDATE SET last = COALESCE((
                SELECT k FROM generate_series(c.last + 1, c.last + 1024) AS k
                WHERE NOT EXISTS (SELECT 1 FROM organizations x
                    WHERE x.slug = rtrim(left(o_slug, 199 - length(k::text)), '-') || '-' || k)
                LIMIT 1), c.last + 1024)
            RETURNING c.last INTO n;
            slug := rtrim(left(o_slug, 199 - length(n::text)), '-') || '-' || n;
        END IF;
        WITH ins AS (
            INSERT INTO organizations AS x
                (id, name, slug, is_active, data, settings, created_at, updated_at, owner_id, owner_since, max_members)
            VALUES (o_id, o_name, slug, o_is_active, o_data::json, o_settings::json, o_created_at, o_updated_at,
                p_owner_id, p_owner_created_at, NULLIF(o_max_members, 0))
            ON CONFLICT ON CONSTRAINT organizations_slug_key DO NOTHING
            RETURNING x.*
        ), own AS (
            INSERT INTO memberships (id, organization_id, user_id, role, created_at, updated_at)
            SELECT p_owner_membership_id, ins.id, p_owner_id, p_owner_role, p_owner_created_at, p_owner_updated_at FROM ins
        )
        SELECT ins.* INTO o FROM ins;
        IF FOUND THEN
            PERFORM organization_record(o.id, 'organization_created', '', p_owner_id,
                json_build_object('organization', organization_json(o), 'owner', p_owner_id), number);
            SELECT 'created', o.id, o.name, o.slug, o.is_active, o.data::text, o.settings::text, o.created_at, o.updated_at, o.max_members
            INTO outcome, r_id, r_name, r_slug, r_is_active, r_data, r_settings, r_created_at, r_updated_at, r_max_members;
            RETURN;
        END IF;
        IF NOT suffix THEN
            outcome := 'slug_taken'; -- taken after the look, by a transaction that committed since
            RETURN;
        END IF;
    END LOOP;
    outcome := 'slug_exhausted';
END
$$;

-- The memberships of the actor and of user, locked FOR UPDATE in user ID order (so that
-- two such calls never wait on each other crosswise), then the custom roles of both and
-- role (if given), FOR SHARE in name order. The caller reads them afterwards, each read
-- with a new snapshot: their latest committed versions.
CREATE FUNCTION organizations_lock_target(org uuid, actor text, target text, role text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM memberships m
    WHERE m.organization_id = org AND m.user_id IN (actor, target)
    ORDER BY m.user_id
    FOR UPDATE;
    PERFORM 1 FROM organization_roles r
    WHERE r.organization_id = org AND r.name IN (
        (SELECT m.role FROM memberships m WHERE m.organization_id = org AND m.user_id = actor),
        (SELECT m.role FROM memberships m WHERE m.organization_id = org AND m.user_id = target),
        role)
    ORDER BY r.name
    FOR SHARE;
END
$$;

-- The permissions of the actor in org, from their active membership (NULL: the actor is
-- not an active member). Read in the calling statement's snapshot.
CREATE FUNCTION organization_actor_perms(org uuid, actor text, pol_roles text[], pol_perms text[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT organization_role_perms(org, a.role, pol_roles, pol_perms) FROM memberships a
        WHERE a.organization_id = org AND a.user_id = actor AND actor <> '' AND a.status = 'active');
END
$$;

-- SetRole: gives user role if the actor may (perm, or owns the organization, or actor
-- is '' for an unchecked call), the role is known, the member is not the owner, and
-- both the member's current permissions and role's are within the actor's. Outcomes:
-- changed (before and after follow), unchanged (before follows), and the refusals
-- organization_not_found, permission_denied, not_member, invalid_role,
-- ownership_required, escalation.
CREATE FUNCTION organizations_set_role(
    org uuid, target text, role text, now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], pol_declared text[], number boolean,
    OUT outcome text,
    OUT b_id uuid, OUT b_org uuid, OUT b_user text, OUT b_role text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz, OUT b_suspended_at timestamptz,
    OUT a_id uuid, OUT a_org uuid, OUT a_user text, OUT a_role text, OUT a_created_at timestamptz, OUT a_updated_at timestamptz, OUT a_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    checked boolean;
    actor_perms text[];
    before memberships;
    after memberships;
BEGIN
    -- 1. Lock what the decision reads.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM organizations_lock_target(org, actor, target, role);

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
    SELECT before.id, before.organization_id, before.user_id, before.role, before.created_at, before.updated_at, before.suspended_at
    INTO b_id, b_org, b_user, b_role, b_created_at, b_updated_at, b_suspended_at;
    IF NOT (role = ANY(pol_declared) OR EXISTS (
        SELECT 1 FROM organization_roles r WHERE r.organization_id = org AND r.name = role)) THEN
        outcome := 'invalid_role';
        RETURN;
    END IF;
    IF before.role = role THEN
        outcome := 'unchanged';
        RETURN;
    END IF;
    IF target = owner THEN
        outcome := 'ownership_required';
        RETURN;
    END IF;
    IF checked AND NOT (organization_role_perms(org, before.role, pol_roles, pol_perms) <@ actor_perms
        AND organization_role_perms(org, role, pol_roles, pol_perms) <@ actor_perms) THEN
        outcome := 'escalation';
        RETURN;
    END IF;

    -- 3. Write.
    UPDATE memberships m SET role = organizations_set_role.role,
        custom_role = CASE WHEN organizations_set_role.role = ANY(pol_declared) THEN NULL ELSE organizations_set_role.role END,
        updated_at = now
    WHERE m.organization_id = org AND m.user_id = target
    RETURNING m.* INTO after;
    PERFORM organization_record(org, 'role_changed', actor, target,
        json_build_object('old', organization_member_json(before), 'new', organization_member_json(after)), number);
    SELECT 'changed', after.id, after.organization_id, after.user_id, after.role, after.created_at, after.updated_at, after.suspended_at
    INTO outcome, a_id, a_org, a_user, a_role, a_created_at, a_updated_at, a_suspended_at;
END
$$;

-- RemoveUser: deletes user's membership if the actor is leaving (actor = user, not
-- suspended: a suspended member may not leave), or may (perm, or owns the organization,
-- or actor is '' for an unchecked call) and the member's permissions are within the
-- actor's; never the owner's. Outcomes: removed (the membership as it was follows), and
-- the refusals organization_not_found, permission_denied, not_member,
-- ownership_required, escalation.
CREATE FUNCTION organizations_remove_user(
    org uuid, target text,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_role text,
    OUT o_created_at timestamptz, OUT o_updated_at timestamptz, OUT o_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    checked boolean;
    leaving boolean;
    actor_perms text[];
    m memberships;
BEGIN
    -- 1. Lock what the decision reads.
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    PERFORM organizations_lock_target(org, actor, target, NULL);

    -- 2. Decide, on the rows as locked.
    SELECT x.* INTO m FROM memberships x WHERE x.organization_id = org AND x.user_id = target;
    leaving := actor = target AND (m.id IS NULL OR m.suspended_at IS NULL);
    checked := actor <> '' AND actor <> owner AND NOT leaving;
    IF checked THEN
        actor_perms := organization_actor_perms(org, actor, pol_roles, pol_perms);
        IF actor_perms IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF m.id IS NULL THEN
        outcome := 'not_member';
        RETURN;
    END IF;
    IF target = owner THEN
        outcome := 'ownership_required';
        RETURN;
    END IF;
    IF checked AND NOT organization_role_perms(org, m.role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;

    -- 3. Write.
    DELETE FROM memberships x WHERE x.organization_id = org AND x.user_id = target;
    PERFORM organization_record(org, 'user_removed', actor, target,
        json_build_object('organization_user', organization_member_json(m)), number);
    SELECT 'removed', m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
    INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at;
END
$$;
