-- +goose Up
-- Verified domains (DomainStore): the mail domains an organization claims, how each was
-- verified, and what happens to the users at a verified one (its enrollment mode).
--
-- Held here rather than in Go code:
--   * a verified domain belongs to at most one organization: the unique partial index
--     organization_domains_verified_key over the names of verified rows. Several
--     organizations may hold one name unverified;
--   * an organization holds a name once (organization_domains_organization_name_key);
--   * a name is a normalised host name (organization_domains_name_check: lower-case
--     ASCII labels of letters, digits and hyphens, no IP address), a mode one of the
--     three, and a verification has its time and its method together
--     (organization_domains_verified_check);
--   * deleting the organization deletes its domains (ON DELETE CASCADE).
--
-- Every write function has the two phases of the earlier ones: lock, then decide on what
-- is locked (each read after the locks a new snapshot), then write with its event record.
-- Verifications of one name take turns under a transaction-scoped advisory lock keyed by
-- the name (a hash collision only makes two names take turns), so the second of two
-- organizations verifying one name at once sees the first's claim and is refused with
-- domain_taken; the unique index stays the last word (a verification that bypassed the
-- lock fails with its unique violation, which the store maps to ErrDomainTaken).

CREATE TABLE organization_domains (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    name            text        NOT NULL,
    enrollment      text        NOT NULL,
    -- The value the TXT record must hold for DNS verification; public.
    token           text        NOT NULL,
    verified_at     timestamptz,
    verification    text,
    verified_by     text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT organization_domains_pkey PRIMARY KEY (id),
    CONSTRAINT organization_domains_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT organization_domains_organization_name_key UNIQUE (organization_id, name),
    CONSTRAINT organization_domains_name_check CHECK (octet_length(name) <= 253
        AND name ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'
        AND name !~ '\.[0-9]+$'),
    CONSTRAINT organization_domains_enrollment_check
        CHECK (enrollment IN ('manual', 'automatic_invitation', 'automatic_suggestion')),
    CONSTRAINT organization_domains_verified_check
        CHECK ((verified_at IS NULL) = (verification IS NULL) AND verification IN ('dns', 'affiliation')
            AND (verified_at IS NOT NULL OR verified_by IS NULL))
);
-- At most one organization holds a name verified; Enrollments finds it here.
CREATE UNIQUE INDEX organization_domains_verified_key ON organization_domains (name) WHERE verified_at IS NOT NULL;
-- ListDomains pages.
CREATE INDEX organization_domains_org_idx ON organization_domains (organization_id, id);

-- The invitations Enrollments made: the next Enrollments renews their tokens (an
-- admin's invitation it leaves alone). Answered, expired or deleted, they simply stop
-- being pending; deleting one deletes its row here.
CREATE TABLE organization_domain_invitations (
    invitation_id uuid NOT NULL,
    CONSTRAINT organization_domain_invitations_pkey PRIMARY KEY (invitation_id),
    CONSTRAINT organization_domain_invitations_invitation_fkey FOREIGN KEY (invitation_id)
        REFERENCES invitations (id) ON DELETE CASCADE
);

-- A Domain's JSON, as Go marshals it (verified_at, verification, verified_by only when set).
CREATE FUNCTION organization_domain_json(d organization_domains) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'id', d.id, 'organization_id', d.organization_id, 'name', d.name, 'enrollment', d.enrollment, 'token', d.token,
        'verified_at', to_char(d.verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'verification', d.verification, 'verified_by', d.verified_by,
        'created_at', to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(d.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
$$;

-- An Invitation's JSON, as Go marshals it (responded_at and accepted_by only when set).
CREATE FUNCTION organization_invitation_json(i invitations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role,
        'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status,
        'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'accepted_by', NULLIF(i.accepted_by, '')))
$$;

-- AddDomain. Locks the organization and the actor (organization_team_check, the check
-- every team write starts with, on perm), then inserts. Outcomes: created,
-- organization_not_found, permission_denied, domain_exists.
CREATE FUNCTION organizations_domain_add(
    d_id uuid, d_org uuid, d_name text, d_enrollment text, d_token text, d_created_at timestamptz, d_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_enrollment text, OUT r_token text,
    OUT r_verified_at timestamptz, OUT r_verification text, OUT r_verified_by text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d organization_domains;
BEGIN
    -- 1. Lock and check.
    outcome := organization_team_check(d_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    -- 2. Write: the key decides between two adds of one name.
    INSERT INTO organization_domains AS x (id, organization_id, name, enrollment, token, created_at, updated_at)
    VALUES (d_id, d_org, d_name, d_enrollment, d_token, d_created_at, d_updated_at)
    ON CONFLICT ON CONSTRAINT organization_domains_organization_name_key DO NOTHING
    RETURNING x.* INTO d;
    IF NOT FOUND THEN
        outcome := 'domain_exists';
        RETURN;
    END IF;
    PERFORM organization_record(d_org, 'domain_added', actor, NULL,
        json_build_object('domain', organization_domain_json(d)), number);
    SELECT 'created', d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by,
        d.created_at, d.updated_at
    INTO outcome, r_id, r_org, r_name, r_enrollment, r_token, r_verified_at, r_verification, r_verified_by,
        r_created_at, r_updated_at;
END
$$;

-- RemoveDomain. Outcomes: removed (the row as it was), organization_not_found,
-- permission_denied, domain_not_found.
CREATE FUNCTION organizations_domain_remove(
    d_org uuid, d_name text, actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_enrollment text, OUT r_token text,
    OUT r_verified_at timestamptz, OUT r_verification text, OUT r_verified_by text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d organization_domains;
BEGIN
    outcome := organization_team_check(d_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    DELETE FROM organization_domains x WHERE x.organization_id = d_org AND x.name = d_name RETURNING x.* INTO d;
    IF NOT FOUND THEN
        outcome := 'domain_not_found';
        RETURN;
    END IF;
    PERFORM organization_record(d_org, 'domain_removed', actor, NULL,
        json_build_object('domain', organization_domain_json(d)), number);
    SELECT 'removed', d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by,
        d.created_at, d.updated_at
    INTO outcome, r_id, r_org, r_name, r_enrollment, r_token, r_verified_at, r_verification, r_verified_by,
        r_created_at, r_updated_at;
END
$$;

-- UnverifyDomain (unverify) and SetDomainEnrollment (new_enrollment not NULL): lock the
-- organization and the actor, then the domain (FOR UPDATE), then change it if the call
-- changes something. Returns the domain before (b_*) and after (r_*). Outcomes: updated,
-- unchanged, organization_not_found, permission_denied, domain_not_found.
CREATE FUNCTION organizations_domain_update(
    d_org uuid, d_name text, unverify boolean, new_enrollment text, now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_id uuid, OUT b_org uuid, OUT b_name text, OUT b_enrollment text, OUT b_token text,
    OUT b_verified_at timestamptz, OUT b_verification text, OUT b_verified_by text,
    OUT b_created_at timestamptz, OUT b_updated_at timestamptz,
    OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_enrollment text, OUT r_token text,
    OUT r_verified_at timestamptz, OUT r_verification text, OUT r_verified_by text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    b organization_domains;
    d organization_domains;
BEGIN
    -- 1. Lock.
    outcome := organization_team_check(d_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT x.* INTO b FROM organization_domains x WHERE x.organization_id = d_org AND x.name = d_name FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'domain_not_found';
        RETURN;
    END IF;
    -- 2. Decide and write.
    d := b;
    IF unverify AND b.verified_at IS NOT NULL THEN
        UPDATE organization_domains x SET verified_at = NULL, verification = NULL, verified_by = NULL, updated_at = now
        WHERE x.id = b.id RETURNING x.* INTO d;
        PERFORM organization_record(d_org, 'domain_unverified', actor, NULL,
            json_build_object('domain', organization_domain_json(d)), number);
        outcome := 'updated';
    ELSIF new_enrollment IS NOT NULL AND new_enrollment <> b.enrollment THEN
        UPDATE organization_domains x SET enrollment = new_enrollment, updated_at = now
        WHERE x.id = b.id RETURNING x.* INTO d;
        PERFORM organization_record(d_org, 'domain_updated', actor, NULL,
            json_build_object('old', organization_domain_json(b), 'new', organization_domain_json(d)), number);
        outcome := 'updated';
    ELSE
        outcome := 'unchanged';
    END IF;
    SELECT b.id, b.organization_id, b.name, b.enrollment, b.token, b.verified_at, b.verification, b.verified_by,
        b.created_at, b.updated_at,
        d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by,
        d.created_at, d.updated_at
    INTO b_id, b_org, b_name, b_enrollment, b_token, b_verified_at, b_verification, b_verified_by,
        b_created_at, b_updated_at,
        r_id, r_org, r_name, r_enrollment, r_token, r_verified_at, r_verification, r_verified_by,
        r_created_at, r_updated_at;
END
$$;

-- VerifyDomain. Locks the name (the advisory lock: verifications of one name take
-- turns), the organization and the actor, the domain, and the other organization's
-- verified row of the name, if any; then decides: the token (for 'dns'), the other
-- claim (taken, unless verified before since: lapsed, then released in this step, with
-- its domain_unverified record), and writes. Returns the domain (r_*) and the released
-- one (x_*, NULLs if none). Outcomes: verified, organization_not_found,
-- permission_denied, domain_not_found, domain_verification_failed, domain_taken.
CREATE FUNCTION organizations_domain_verify(
    d_org uuid, d_name text, how text, d_token text, since timestamptz, now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_enrollment text, OUT r_token text,
    OUT r_verified_at timestamptz, OUT r_verification text, OUT r_verified_by text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz,
    OUT x_id uuid, OUT x_org uuid, OUT x_name text, OUT x_enrollment text, OUT x_token text,
    OUT x_verified_at timestamptz, OUT x_verification text, OUT x_verified_by text,
    OUT x_created_at timestamptz, OUT x_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d organization_domains;
    other organization_domains;
BEGIN
    -- 1. Lock.
    PERFORM pg_advisory_xact_lock('organization_domains'::regclass::oid::bigint::bit(32)::int, hashtext(d_name));
    outcome := organization_team_check(d_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT x.* INTO d FROM organization_domains x WHERE x.organization_id = d_org AND x.name = d_name FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'domain_not_found';
        RETURN;
    END IF;
    SELECT x.* INTO other FROM organization_domains x
    WHERE x.name = d_name AND x.verified_at IS NOT NULL AND x.organization_id <> d_org
    FOR UPDATE;
    -- 2. Decide.
    IF how = 'dns' AND d.token IS DISTINCT FROM d_token THEN
        outcome := 'domain_verification_failed';
        RETURN;
    END IF;
    IF other.id IS NOT NULL AND (since IS NULL OR other.verified_at >= since) THEN
        outcome := 'domain_taken';
        RETURN;
    END IF;
    -- 3. Write: release the lapsed claim first, then verify.
    IF other.id IS NOT NULL THEN
        UPDATE organization_domains x SET verified_at = NULL, verification = NULL, verified_by = NULL, updated_at = now
        WHERE x.id = other.id RETURNING x.* INTO other;
        PERFORM organization_record(other.organization_id, 'domain_unverified', '', NULL,
            json_build_object('domain', organization_domain_json(other)), number);
        SELECT other.id, other.organization_id, other.name, other.enrollment, other.token, other.verified_at,
            other.verification, other.verified_by, other.created_at, other.updated_at
        INTO x_id, x_org, x_name, x_enrollment, x_token, x_verified_at, x_verification, x_verified_by,
            x_created_at, x_updated_at;
    END IF;
    UPDATE organization_domains x SET verified_at = now, verification = how, verified_by = NULLIF(actor, ''), updated_at = now
    WHERE x.id = d.id RETURNING x.* INTO d;
    PERFORM organization_record(d_org, 'domain_verified', actor, NULL,
        json_build_object('domain', organization_domain_json(d)), number);
    SELECT 'verified', d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by,
        d.created_at, d.updated_at
    INTO outcome, r_id, r_org, r_name, r_enrollment, r_token, r_verified_at, r_verification, r_verified_by,
        r_created_at, r_updated_at;
END
$$;

-- Enrollments: what applies to p_user, whose verified address is p_email at p_domain. Finds the
-- organization holding p_domain verified (organization_domains_verified_key); a domain in
-- manual mode, or a user who is a member already (every sign-in of a member), ends
-- there, without a lock. Otherwise locks the organization FOR NO KEY
-- UPDATE (an automatic invitation may take a seat: additions to it take turns, as the
-- limited forms of 0005 and 0008 do, and a member added concurrently is seen), then the
-- domain FOR SHARE, and decides on them as locked: the domain still verified there since
-- since (else, if the name moved meanwhile, it looks again), the user not a member, the
-- mode. For automatic_suggestion it reads the user's open join request; for
-- automatic_invitation it locks the email's pending invitation and renews it (if
-- Enrollments made it: the token hash and the owner as inviter), or returns it (an
-- admin's), or makes one with its invitation_created record if a seat is free (an
-- expired pending one is first closed as expired, as CreateInvitation does). Outcomes:
-- none, enrolled (o_*, d_*, and i_* or j_* when set; created or renewed say what was
-- written).
CREATE FUNCTION organizations_domain_enrollments(
    p_user text, p_email text, p_domain text, since timestamptz, now timestamptz,
    inv_id uuid, inv_created_at timestamptz, inv_expires_at timestamptz, p_token_hash bytea, number boolean,
    OUT outcome text,
    OUT o_id uuid, OUT o_name text, OUT o_slug text, OUT o_is_active boolean, OUT o_data text, OUT o_settings text,
    OUT o_created_at timestamptz, OUT o_updated_at timestamptz, OUT o_max_members integer,
    OUT d_id uuid, OUT d_org uuid, OUT d_name text, OUT d_enrollment text, OUT d_token text,
    OUT d_verified_at timestamptz, OUT d_verification text, OUT d_verified_by text,
    OUT d_created_at timestamptz, OUT d_updated_at timestamptz,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz,
    OUT i_accepted_by text,
    OUT j_id uuid, OUT j_org uuid, OUT j_user text, OUT j_message text, OUT j_status text,
    OUT j_created_at timestamptz, OUT j_expires_at timestamptz, OUT j_decided_by text, OUT j_closed_at timestamptz,
    OUT created boolean, OUT renewed boolean)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d organization_domains;
    o organizations;
    i invitations;
    j organization_join_requests;
BEGIN
    outcome := 'none';
    created := false;
    renewed := false;
    FOR attempt IN 1..3 LOOP
        SELECT x.* INTO d FROM organization_domains x WHERE x.name = p_domain AND x.verified_at IS NOT NULL;
        IF NOT FOUND OR d.enrollment = 'manual'
            OR EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = d.organization_id AND m.user_id = p_user) THEN
            RETURN; -- nothing applies, as of this statement's snapshot: no lock taken
        END IF;
        -- 1. Lock.
        SELECT x.* INTO o FROM organizations x WHERE x.id = d.organization_id FOR NO KEY UPDATE;
        SELECT x.* INTO d FROM organization_domains x WHERE x.id = d.id FOR SHARE;
        IF o.id IS NOT NULL AND d.id IS NOT NULL AND d.verified_at IS NOT NULL THEN
            EXIT;
        END IF;
        d := NULL; -- released, removed or deleted meanwhile: look again
    END LOOP;
    -- 2. Decide.
    IF d.id IS NULL OR (since IS NOT NULL AND d.verified_at < since) OR d.enrollment = 'manual'
        OR EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = o.id AND m.user_id = p_user) THEN
        RETURN;
    END IF;
    IF d.enrollment = 'automatic_suggestion' THEN
        SELECT x.* INTO j FROM organization_join_requests x
        WHERE x.organization_id = o.id AND x.user_id = p_user AND x.status = 'pending' AND x.expires_at > now;
    ELSE
        SELECT x.* INTO i FROM invitations x
        WHERE x.organization_id = o.id AND x.email = p_email AND x.status = 'pending'
        FOR UPDATE;
        IF i.id IS NOT NULL AND i.expires_at > now THEN
            -- 3a. Renew the invitation an earlier call made; return an admin's as it is.
            IF EXISTS (SELECT 1 FROM organization_domain_invitations m WHERE m.invitation_id = i.id) THEN
                UPDATE invitations x SET token_hash = p_token_hash, invited_by = o.owner_id
                WHERE x.id = i.id RETURNING x.* INTO i;
                renewed := true;
            END IF;
        ELSE
            IF i.id IS NOT NULL THEN
                UPDATE invitations x SET status = 'expired' WHERE x.id = i.id;
                i := NULL;
            END IF;
            IF o.max_members IS NULL OR (SELECT count(*) FROM (SELECT 1 FROM memberships m
                    WHERE m.organization_id = o.id AND m.status = 'active' LIMIT o.max_members) AS y)
                + (SELECT count(*) FROM (SELECT 1 FROM invitations x
                    WHERE x.organization_id = o.id AND x.status = 'pending' AND x.expires_at > now LIMIT o.max_members) AS z)
                < o.max_members THEN
                -- 3b. Make one.
                INSERT INTO invitations AS x
                    (id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
                VALUES (inv_id, o.id, p_email, 'member', NULL, o.owner_id, false, 'pending',
                    p_token_hash, inv_created_at, inv_expires_at)
                ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
                RETURNING x.* INTO i;
                IF FOUND THEN
                    INSERT INTO organization_domain_invitations (invitation_id) VALUES (i.id);
                    IF o.max_members IS NOT NULL THEN
                        UPDATE organizations x SET seat_seq = x.seat_seq + 1 WHERE x.id = o.id;
                    END IF;
                    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
                    VALUES (i.id, o.id, 'invitation_created', NULL, NULL,
                        json_build_object('invitation', organization_invitation_json(i)),
                        organization_events_claim_pos(number));
                    created := true;
                ELSE
                    -- Made by a call that did not lock the organization: return it.
                    SELECT x.* INTO i FROM invitations x
                    WHERE x.organization_id = o.id AND x.email = p_email AND x.status = 'pending';
                END IF;
            END IF;
        END IF;
    END IF;
    SELECT 'enrolled', o.id, o.name, o.slug, o.is_active, o.data::text, o.settings::text, o.created_at, o.updated_at, o.max_members,
        d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by,
        d.created_at, d.updated_at,
        i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at,
        i.responded_at, i.accepted_by,
        j.id, j.organization_id, j.user_id, j.message, j.status, j.created_at, j.expires_at, j.decided_by, j.closed_at
    INTO outcome, o_id, o_name, o_slug, o_is_active, o_data, o_settings, o_created_at, o_updated_at, o_max_members,
        d_id, d_org, d_name, d_enrollment, d_token, d_verified_at, d_verification, d_verified_by, d_created_at, d_updated_at,
        i_id, i_org, i_email, i_role, i_invited_by, i_bearer, i_status, i_created_at, i_expires_at, i_responded_at,
        i_accepted_by,
        j_id, j_org, j_user, j_message, j_status, j_created_at, j_expires_at, j_decided_by, j_closed_at;
END
$$;

-- CreateDomainJoinRequest: organizations_join_request_create (0010) with the domain's
-- gate instead of the setting's. Locks the organization (FOR SHARE), the domain (FOR
-- SHARE: an unverification or a change of mode waits) and the user's pending request,
-- then decides. Outcomes: created, organization_not_found, join_requests_closed,
-- already_member, join_request_exists.
CREATE FUNCTION organizations_domain_join_request_create(
    r_id uuid, r_org uuid, r_user text, r_message text, r_created_at timestamptz, r_expires_at timestamptz,
    dom text, since timestamptz, now timestamptz, number boolean,
    OUT outcome text, OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_message text, OUT o_status text,
    OUT o_created_at timestamptz, OUT o_expires_at timestamptz, OUT o_decided_by text, OUT o_closed_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    d organization_domains;
    old organization_join_requests;
    r organization_join_requests;
BEGIN
    -- 1. Lock.
    PERFORM 1 FROM organizations o WHERE o.id = r_org FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'organization_not_found';
        RETURN;
    END IF;
    SELECT x.* INTO d FROM organization_domains x WHERE x.organization_id = r_org AND x.name = dom FOR SHARE;
    SELECT x.* INTO old FROM organization_join_requests x
    WHERE x.organization_id = r_org AND x.user_id = r_user AND x.status = 'pending' FOR UPDATE;
    -- 2. Decide.
    IF d.id IS NULL OR d.verified_at IS NULL OR (since IS NOT NULL AND d.verified_at < since)
        OR d.enrollment <> 'automatic_suggestion' THEN
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
