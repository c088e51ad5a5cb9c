-- +goose Up
-- The write path's own cost, measured (docs/benchmarks.md, "Where an addition's time goes"):
--
--   - AddUser and GetOrAddUser, as in 0011, with the common case (an unchecked AddUser
--     of a declared role into an organization not known to have a member limit) in one
--     statement: the organization's lock, the membership and its record. 0011 ran a
--     statement for the lock and another for the write; each statement a PL/pgSQL
--     function runs pays the executor's start and end (relations opened and locked,
--     CHECK constraints compiled, projections built). Every other case goes the long way,
--     unchanged, but for the condition on custom roles, which is now two IFs (see there).

-- AddUser and GetOrAddUser, as in 0011, with step 0 added.
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
    -- 0. The common case, an unchecked AddUser of a declared role into an organization
    -- not known to be limited, in one statement: the organization row locked FOR SHARE
    -- (a locked row is read at its latest committed version, whatever the statement's
    -- snapshot: the member limit is decided on the row as locked), the membership
    -- inserted only if the organization has no limit, and its record. The outcomes are
    -- those of the steps below: organization_not_found, limited (the caller calls again
    -- with limited true, which goes the long way), already_member (the insert's
    -- conflict, as below), added. No other row is read: the decisions of an unchecked
    -- call of a declared role need none.
    IF NOT get AND actor = '' AND declared AND NOT limited THEN
        WITH o AS (
            SELECT o.id, o.max_members FROM organizations o WHERE o.id = m_org FOR SHARE
        ), ins AS (
            INSERT INTO memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
            SELECT m_id, o.id, m_user, m_role, NULL, m_created_at, m_updated_at FROM o WHERE o.max_members IS NULL
            ON CONFLICT DO NOTHING
            RETURNING x.*
        ), rec AS (
            INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
            SELECT gen_random_uuid(), m_org, 'user_added', NULL, ins.user_id,
                json_build_object('organization_user', organization_member_json(ins)),
                CASE WHEN number THEN (SELECT nextval('organization_events_pos_seq') FROM (
                    SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
                        'organization_events'::regclass::oid::bigint::bit(32)::int)) AS l) END
            FROM ins
        )
        SELECT CASE WHEN o.id IS NULL THEN 'organization_not_found' WHEN o.max_members IS NOT NULL THEN 'limited'
                WHEN ins.id IS NULL THEN 'already_member' ELSE 'added' END,
            ins.id, ins.organization_id, ins.user_id, ins.role, ins.created_at, ins.updated_at, ins.suspended_at
        INTO outcome, o_id, o_org, o_user, o_role, o_created_at, o_updated_at, o_suspended_at
        FROM (SELECT) AS one LEFT JOIN o ON true LEFT JOIN ins ON true;
        RETURN;
    END IF;

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
    -- Two IFs, not one AND: a condition holding a subquery is planned again on every call
    -- when its generic plan (the subquery's) looks dearer than the custom one (declared
    -- folded to true, the subquery gone).
    IF NOT declared THEN
        IF NOT EXISTS (SELECT 1 FROM organization_roles r WHERE r.organization_id = m_org AND r.name = m_role) THEN
            outcome := 'invalid_role';
            RETURN;
        END IF;
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

