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

-- Join requests: a user's request to join an organization. A user has at most one
-- pending request per organization (organization_join_requests_open_key, held by the
-- schema); an expired one is closed as 'expired' by the next request, in its step. A
-- request closes for good: approved, denied, withdrawn or expired, with closed_at set.
CREATE TABLE organization_join_requests (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    user_id         text        NOT NULL,
    message         text        NOT NULL,
    status          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    decided_by      text,
    closed_at       timestamptz,
    CONSTRAINT organization_join_requests_pkey PRIMARY KEY (id),
    CONSTRAINT organization_join_requests_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_join_requests_status_check
        CHECK (status IN ('pending', 'approved', 'denied', 'withdrawn', 'expired') AND (status = 'pending') = (closed_at IS NULL))
);
CREATE UNIQUE INDEX organization_join_requests_open_key ON organization_join_requests (organization_id, user_id)
    WHERE status = 'pending';
CREATE INDEX organization_join_requests_org_idx ON organization_join_requests (organization_id, id);

-- A JoinRequest's JSON, as Go marshals it (decided_by and closed_at only when set).
CREATE FUNCTION organization_join_request_json(r organization_join_requests) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'id', r.id, 'organization_id', r.organization_id, 'user_id', r.user_id, 'message', r.message, 'status', r.status,
        'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(r.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'decided_by', r.decided_by,
        'closed_at', to_char(r.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
$$;

-- CreateJoinRequest. Locks the organization (FOR SHARE) and the user's pending request,
-- if any, then decides. Outcomes: created, organization_not_found,
-- join_requests_closed, already_member, join_request_exists.
CREATE FUNCTION organizations_join_request_create(
    r_id uuid, r_org uuid, r_user text, r_message text, r_created_at timestamptz, r_expires_at timestamptz,
    now timestamptz, number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_message text, OUT o_status text,
    OUT o_created_at timestamptz, OUT o_expires_at timestamptz, OUT o_decided_by text, OUT o_closed_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    settings json;
    old organization_join_requests;
    r organization_join_requests;
BEGIN
    -- 1. Lock.
    SELECT o.settings INTO settings FROM organizations o WHERE o.id = r_org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    SELECT x.* INTO old FROM organization_join_requests x
    WHERE x.organization_id = r_org AND x.user_id = r_user AND x.status = 'pending' FOR UPDATE;
    -- 2. Decide.
    IF (settings::jsonb -> 'join_requests') IS DISTINCT FROM 'true'::jsonb THEN
        outcome := 'join_requests_closed';
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = r_org AND m.user_id = r_user) THEN
        outcome := 'already_member';
        RETURN;
    END IF;
    IF old.id IS NOT NULL THEN
        IF old.expires_at > now THEN
            outcome := 'join_request_exists';
            RETURN;
        END IF;
        UPDATE organization_join_requests x SET status = 'expired', closed_at = now WHERE x.id = old.id;
    END IF;
    -- 3. Write.
    INSERT INTO organization_join_requests AS x (id, organization_id, user_id, message, status, created_at, expires_at)
    VALUES (r_id, r_org, r_user, r_message, 'pending', r_created_at, r_expires_at)
    ON CONFLICT (organization_id, user_id) WHERE status = 'pending' DO NOTHING
    RETURNING x.* INTO r;
    IF NOT FOUND THEN
        outcome := 'join_request_exists'; -- made by a transaction that committed while this one waited
        RETURN;
    END IF;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), r_org, 'join_requested', r_user, r_user,
        json_build_object('request', organization_join_request_json(r), 'actor', r_user),
        organization_events_claim_pos(number));
    SELECT 'created', r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at
    INTO outcome, o_id, o_org, o_user, o_message, o_status, o_created_at, o_expires_at, o_decided_by, o_closed_at;
END
$$;

-- DecideJoinRequest: approve (with the membership m_*) or deny. Locks the organization
-- (FOR NO KEY UPDATE: an approval counts the seats as the last addition left them), the
-- actor's membership and custom role, and the request, then decides on them. Outcomes:
-- decided, join_request_not_found, permission_denied, join_request_closed,
-- join_request_expired, escalation, already_member, member_limit.
CREATE FUNCTION organizations_join_request_decide(
    r_id uuid, approve boolean, actor text, perm text, pol_roles text[], pol_perms text[],
    m_id uuid, m_created_at timestamptz, m_updated_at timestamptz, now timestamptz, number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_message text, OUT o_status text,
    OUT o_created_at timestamptz, OUT o_expires_at timestamptz, OUT o_decided_by text, OUT o_closed_at timestamptz,
    OUT m_out_id uuid, OUT m_out_role text, OUT m_out_created_at timestamptz, OUT m_out_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
    owner text;
    max_members integer;
    checked boolean;
    actor_role text;
    actor_perms text[];
    r organization_join_requests;
    m memberships;
BEGIN
    SELECT x.organization_id INTO org FROM organization_join_requests x WHERE x.id = r_id; -- never changes
    IF NOT FOUND THEN
        outcome := 'join_request_not_found';
        RETURN;
    END IF;
    -- 1. Lock.
    SELECT o.owner_id, o.max_members INTO owner, max_members FROM organizations o WHERE o.id = org FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'join_request_not_found';
        RETURN;
    END IF;
    checked := actor <> '' AND actor <> owner;
    IF checked THEN
        SELECT a.role INTO actor_role FROM memberships a
        WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active'
        FOR SHARE;
        PERFORM 1 FROM organization_roles c WHERE c.organization_id = org AND c.name = actor_role FOR SHARE;
    END IF;
    SELECT x.* INTO r FROM organization_join_requests x WHERE x.id = r_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'join_request_not_found';
        RETURN;
    END IF;
    -- 2. Decide.
    IF checked THEN
        actor_perms := organization_role_perms(org, actor_role, pol_roles, pol_perms);
        IF actor_role IS NULL OR NOT perm = ANY(actor_perms) THEN
            outcome := 'permission_denied';
            RETURN;
        END IF;
    END IF;
    IF r.status <> 'pending' THEN
        outcome := 'join_request_closed';
        RETURN;
    END IF;
    IF r.expires_at <= now THEN
        outcome := 'join_request_expired';
        RETURN;
    END IF;
    IF approve THEN
        IF checked AND NOT organization_role_perms(org, 'member', pol_roles, pol_perms) <@ actor_perms THEN
            outcome := 'escalation';
            RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM memberships x WHERE x.organization_id = org AND x.user_id = r.user_id) THEN
            outcome := 'already_member';
            RETURN;
        END IF;
        IF max_members IS NOT NULL AND (SELECT count(*) FROM (SELECT 1 FROM memberships x
                WHERE x.organization_id = org AND x.status = 'active' LIMIT max_members) AS y) >= max_members THEN
            outcome := 'member_limit';
            RETURN;
        END IF;
    END IF;
    -- 3. Write.
    IF approve THEN
        INSERT INTO memberships AS x (id, organization_id, user_id, role, created_at, updated_at)
        VALUES (m_id, org, r.user_id, 'member', m_created_at, m_updated_at)
        ON CONFLICT DO NOTHING
        RETURNING x.* INTO m;
        IF NOT FOUND THEN
            outcome := 'already_member'; -- added by a transaction that committed while this one waited on the key
            RETURN;
        END IF;
        IF max_members IS NOT NULL THEN
            UPDATE organizations o SET seat_seq = o.seat_seq + 1 WHERE o.id = org;
        END IF;
    END IF;
    UPDATE organization_join_requests x
    SET status = CASE WHEN approve THEN 'approved' ELSE 'denied' END, decided_by = NULLIF(actor, ''), closed_at = now
    WHERE x.id = r_id
    RETURNING x.* INTO r;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), org, CASE WHEN approve THEN 'join_request_approved' ELSE 'join_request_denied' END,
        NULLIF(actor, ''), r.user_id,
        CASE WHEN approve THEN
            CASE WHEN actor = '' THEN json_build_object('request', organization_join_request_json(r), 'organization_user', organization_member_json(m))
            ELSE json_build_object('request', organization_join_request_json(r), 'organization_user', organization_member_json(m), 'actor', actor) END
        ELSE
            CASE WHEN actor = '' THEN json_build_object('request', organization_join_request_json(r))
            ELSE json_build_object('request', organization_join_request_json(r), 'actor', actor) END
        END,
        organization_events_claim_pos(number));
    SELECT 'decided', r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at,
        m.id, m.role, m.created_at, m.updated_at
    INTO outcome, o_id, o_org, o_user, o_message, o_status, o_created_at, o_expires_at, o_decided_by, o_closed_at,
        m_out_id, m_out_role, m_out_created_at, m_out_updated_at;
END
$$;

-- WithdrawJoinRequest. Locks the organization (FOR KEY SHARE: a deletion, which
-- cascades to the request, waits; a decision does not) and the request, then decides.
-- Outcomes: withdrawn, join_request_not_found, permission_denied, join_request_closed,
-- join_request_expired.
CREATE FUNCTION organizations_join_request_withdraw(
    r_id uuid, u text, now timestamptz, number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_message text, OUT o_status text,
    OUT o_created_at timestamptz, OUT o_expires_at timestamptz, OUT o_decided_by text, OUT o_closed_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    org uuid;
    r organization_join_requests;
BEGIN
    SELECT x.organization_id INTO org FROM organization_join_requests x WHERE x.id = r_id;
    PERFORM 1 FROM organizations o WHERE o.id = org FOR KEY SHARE;
    SELECT x.* INTO r FROM organization_join_requests x WHERE x.id = r_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'join_request_not_found';
        RETURN;
    END IF;
    IF r.user_id <> u THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF r.status <> 'pending' THEN
        outcome := 'join_request_closed';
        RETURN;
    END IF;
    IF r.expires_at <= now THEN
        outcome := 'join_request_expired';
        RETURN;
    END IF;
    UPDATE organization_join_requests x SET status = 'withdrawn', closed_at = now WHERE x.id = r_id RETURNING x.* INTO r;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), org, 'join_request_withdrawn', u, u,
        json_build_object('request', organization_join_request_json(r), 'actor', u),
        organization_events_claim_pos(number));
    SELECT 'withdrawn', r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at
    INTO outcome, o_id, o_org, o_user, o_message, o_status, o_created_at, o_expires_at, o_decided_by, o_closed_at;
END
$$;
