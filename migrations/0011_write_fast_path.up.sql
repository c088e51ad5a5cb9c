-- +goose Up
-- The two hottest write functions of 0008, AddUser's and CreateOrganization's, written
-- again with the same outcomes and the same two phases (lock, then decide on what is
-- locked), in fewer statements: every statement a PL/pgSQL function runs through the
-- executor costs its start-up (plan lookup, the tables' CHECK constraints compiled
-- again, projections built), which made the 0008 forms cost 1.5x the raw statement
-- writing the same rows. What changed:
--
--   - the write is one statement: the row and its event record are inserted by one WITH
--     statement (the record numbered in it when the call is on its own, as
--     organization_events_claim_pos does), not by nested function calls;
--   - decisions that need no table are plain expressions (a declared role needs no
--     lookup; a call where neither the actor's role nor the role given is custom locks
--     no custom role), and the answer is assigned, not selected;
--   - CreateOrganization tries its slug first and looks further only when it is taken
--     (the unique key decides, as before);
--   - SetRole to the role the member already holds, by an actor who may set roles, is a
--     read, as GetOrAddUser of a member is: it locks and writes nothing.
--
-- The reads after the locks still each take a new snapshot: the single write statement
-- starts after every lock of phase 1 is held.

-- AddUser and GetOrAddUser, as in 0008.
CREATE OR REPLACE FUNCTION organizations_add_user(
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
    declared boolean := m_role = ANY(pol_declared);
    actor_role text;
    actor_perms text[];
    m memberships;
BEGIN
    -- GetOrAddUser of a member, unchecked: a read, in one snapshot. Nothing is locked
    -- or written (a row lock writes WAL too).
    IF get AND actor = '' THEN
        SELECT x.* INTO m FROM memberships x
        WHERE x.organization_id = m_org AND x.user_id = m_user
            AND (declared OR EXISTS (
                SELECT 1 FROM organization_roles r WHERE r.organization_id = m_org AND r.name = m_role));
        IF FOUND THEN
            outcome := 'existing';
            o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
            o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
            RETURN;
        END IF;
    END IF;

    -- 1. Lock what the decision reads: the organization; the actor's membership, when
    -- the call is checked; the custom roles among the actor's and the one given.
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
    IF NOT declared OR NOT COALESCE(actor_role = ANY(pol_declared), true) THEN
        PERFORM 1 FROM organization_roles r
        WHERE r.organization_id = m_org AND r.name IN (actor_role, m_role)
        ORDER BY r.name
        FOR SHARE;
    END IF;

    -- 2. Decide, on the rows as locked.
    IF checked THEN
        actor_perms := organization_role_perms(m_org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF NOT declared AND NOT EXISTS (
        SELECT 1 FROM organization_roles r WHERE r.organization_id = m_org AND r.name = m_role) THEN
        outcome := 'invalid_role';
        RETURN;
    END IF;
    -- Is the user a member? GetOrAddUser answers with the membership, and a limited
    -- organization tells a member from a full organization; a plain AddUser leaves it to
    -- the insert's conflict (no probe: its generic plan can scan the whole organization
    -- by memberships_organization_role_idx when the table is not all-visible).
    IF get OR max_members IS NOT NULL THEN
        SELECT x.* INTO m FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        IF FOUND AND get THEN
            outcome := 'existing';
            o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
            o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
            RETURN;
        END IF;
    END IF;
    IF checked AND NOT organization_role_perms(m_org, m_role, pol_roles, pol_perms) <@ actor_perms THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    IF m.id IS NOT NULL THEN
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

    -- 3. Write the membership and its user_added record, in one statement.
    WITH ins AS (
        INSERT INTO memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
        VALUES (m_id, m_org, m_user, m_role, CASE WHEN declared THEN NULL ELSE m_role END, m_created_at, m_updated_at)
        ON CONFLICT DO NOTHING
        RETURNING x.*
    ), rec AS (
        INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
        SELECT gen_random_uuid(), m_org, 'user_added', NULLIF(actor, ''), ins.user_id,
            CASE WHEN actor = '' THEN json_build_object('organization_user', organization_member_json(ins))
            ELSE json_build_object('organization_user', organization_member_json(ins), 'actor', actor) END,
            CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                    'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
        FROM ins
    )
    SELECT ins.* INTO m FROM ins;
    IF NOT FOUND THEN
        -- Added by a transaction that committed while this one waited on the key.
        SELECT x.* INTO m FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        IF FOUND AND get THEN
            outcome := 'existing';
            o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
            o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
            RETURN;
        END IF;
        outcome := 'already_member';
        RETURN;
    END IF;
    IF max_members IS NOT NULL THEN
        UPDATE organizations o SET seat_seq = o.seat_seq + 1 WHERE o.id = m_org;
    END IF;
    outcome := 'added';
    o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
    o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
END
$$;

-- CreateOrganization, as in 0008: the slug itself is tried first (the unique key
-- decides); only when it is taken and suffix is set is the base's counter moved to the
-- first free candidate of a window of 1024 and that candidate tried, up to 64 times in
-- all, each statement with a new snapshot. The organization, its owner's membership and
-- the organization_created record are written by one statement.
CREATE OR REPLACE FUNCTION organizations_create(
    o_id uuid, o_name text, o_slug text, suffix boolean, o_is_active boolean, o_data text, o_settings text,
    o_created_at timestamptz, o_updated_at timestamptz, o_max_members integer,
    p_owner_id text, p_owner_membership_id uuid, p_owner_role text, p_owner_created_at timestamptz, p_owner_updated_at timestamptz,
    number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    slug text := o_slug;
    n bigint;
    o organizations;
BEGIN
    FOR try IN 1..64 LOOP
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
        ), rec AS (
            INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
            SELECT gen_random_uuid(), ins.id, 'organization_created', NULL, p_owner_id,
                json_build_object('organization', organization_json(ins), 'owner', p_owner_id),
                CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                    SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                        'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
            FROM ins
        )
        SELECT ins.* INTO o FROM ins;
        IF FOUND THEN
            outcome := 'created';
            r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
            r_data := o.data::text; r_settings := o.settings::text;
            r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
            RETURN;
        END IF;
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
    END LOOP;
    outcome := 'slug_exhausted';
END
$$;

-- SetRole, as in 0008, but a call that would change nothing writes nothing.
CREATE OR REPLACE FUNCTION organizations_set_role(
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
    -- A call that would change nothing (the member holds role already, and the actor may
    -- set roles) is a read, decided in one snapshot (the STABLE helpers read the calling
    -- statement's): it locks and writes nothing, as a row lock writes WAL too. Any other
    -- case is decided below, on the rows as locked.
    SELECT m.* INTO before FROM organizations o JOIN memberships m ON m.organization_id = o.id
    WHERE o.id = org AND m.user_id = target AND m.role = organizations_set_role.role
        AND (actor = '' OR actor = o.owner_id OR perm = ANY(organization_actor_perms(org, actor, pol_roles, pol_perms)));
    IF FOUND THEN
        outcome := 'unchanged';
        b_id := before.id; b_org := before.organization_id; b_user := before.user_id; b_role := before.role;
        b_created_at := before.created_at; b_updated_at := before.updated_at; b_suspended_at := before.suspended_at;
        RETURN;
    END IF;

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
