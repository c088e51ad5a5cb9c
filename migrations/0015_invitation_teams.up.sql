-- +goose Up
-- Invitations into teams. An invitation may name teams of its organization, each with
-- a team role (NULL: none); accepting it joins the organization and those teams in the
-- same call. invitation_teams holds them, with composite foreign keys that keep the
-- invitation and the team in one organization whatever SQL runs:
-- (organization_id, invitation_id) to invitations (organization_id, id) and
-- (organization_id, team_id) to teams (organization_id, id), both ON DELETE CASCADE.
-- The rule for a team deleted before the invitation is accepted: the team is dropped
-- from the invitation (its row goes with the team) and accepting joins the organization
-- and the teams that remain. An accept locks the invitation's teams (FOR KEY SHARE, or
-- FOR NO KEY UPDATE under a team member limit) before it reads them, so a deletion
-- either commits first (the accept does not see the team) or waits for the accept and
-- deletes the team memberships it made with the team (team_members_team_fkey): never a
-- team membership without its team, never a row naming a deleted team. A team that is
-- full (max_team_members) or that the user is in already is skipped, as is every team
-- for a suspended member; the call's t_members says which teams were joined.

ALTER TABLE invitations ADD CONSTRAINT invitations_organization_id_key UNIQUE (organization_id, id);

CREATE TABLE invitation_teams (
    organization_id uuid NOT NULL,
    invitation_id   uuid NOT NULL,
    team_id         uuid NOT NULL,
    role            text,
    CONSTRAINT invitation_teams_pkey PRIMARY KEY (invitation_id, team_id),
    CONSTRAINT invitation_teams_role_check CHECK (role ~ '^[a-z][a-z0-9_-]{0,62}$'),
    CONSTRAINT invitation_teams_invitation_fkey FOREIGN KEY (organization_id, invitation_id)
        REFERENCES invitations (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT invitation_teams_team_fkey FOREIGN KEY (organization_id, team_id)
        REFERENCES teams (organization_id, id) ON DELETE CASCADE
);

-- The cascade of a team's deletion.
CREATE INDEX invitation_teams_team_idx ON invitation_teams (organization_id, team_id);

-- The teams of invitation inv as Go marshals Invitation.Teams (role only when set), in
-- team ID order; NULL for none (left out of the invitation's JSON). The invitation reads
-- call it (one probe of invitation_teams_pkey), hence its search_path.
CREATE FUNCTION organization_invitation_teams_json(inv uuid) RETURNS json
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT json_agg(CASE WHEN t.role IS NULL THEN json_build_object('team_id', t.team_id)
        ELSE json_build_object('team_id', t.team_id, 'role', t.role) END ORDER BY t.team_id)
    FROM invitation_teams t WHERE t.invitation_id = inv
$$;

-- An Invitation's JSON, as in 0012 and 0014, with its teams.
CREATE OR REPLACE FUNCTION organization_invitation_json(i invitations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_strip_nulls(json_build_object(
        'id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role,
        'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status,
        'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'accepted_by', NULLIF(i.accepted_by, ''),
        'teams', organization_invitation_teams_json(i.id)))
$$;

CREATE OR REPLACE FUNCTION organization_invitation_json(i record) RETURNS json
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email,
        'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status,
        'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'accepted_by', NULLIF(i.accepted_by, ''),
        'teams', organization_invitation_teams_json(i.id)))::json;
END
$$;

-- CreateInvitation of an invitation naming teams (t_ids, with the team roles t_roles, ''
-- for none, sorted by team ID): organizations_create_invitation (0014), which stays the
-- call of an invitation without teams, with the teams locked after the custom roles (FOR
-- KEY SHARE, in ID order: a deletion waits) and the inviter's memberships of them (FOR
-- SHARE); after its checks, the inviter (unless the owner) must hold team_perm
-- (permission_denied), every team must be one of the organization's (team_not_found),
-- and every team role's permissions (team_roles, team_perms: the policy's pairs) must be
-- within the inviter's in its team (escalation); then the invitation, its teams and its
-- record (whose JSON carries the teams) are written.
CREATE FUNCTION organizations_create_team_invitation(
    i_id uuid, i_org uuid, i_email text, i_role text, i_bearer boolean, i_token_hash bytea,
    i_created_at timestamptz, i_expires_at timestamptz, now timestamptz, limited boolean,
    actor text, perm text, pol_roles text[], pol_perms text[], pol_declared text[], number boolean,
    t_ids uuid[], t_roles text[], team_perm text, team_roles text[], team_perms text[],
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
    ins invitations;
    t record;
    n integer;
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
    -- The teams named, in ID order (FOR KEY SHARE: a deletion waits), then the
    -- inviter's memberships of them (FOR SHARE), which their team roles are read from.
    PERFORM 1 FROM teams x WHERE x.organization_id = i_org AND x.id = ANY(t_ids) ORDER BY x.id FOR KEY SHARE;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF checked AND actor <> '' THEN
        PERFORM 1 FROM team_members x WHERE x.team_id = ANY(t_ids) AND x.user_id = actor ORDER BY x.team_id FOR SHARE;
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
    -- The teams: teams:manage, each a team of the organization, each team role within
    -- the inviter's permissions in its team.
    IF checked AND NOT team_perm = ANY(actor_perms) THEN
        outcome := 'permission_denied';
        RETURN;
    END IF;
    IF n <> cardinality(t_ids) THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    IF checked THEN
        FOR t IN SELECT d.id, d.role FROM unnest(t_ids, t_roles) AS d(id, role) ORDER BY d.id LOOP
            IF NOT organization_team_role_perms(NULLIF(t.role, ''), team_roles, team_perms)
                    <@ organization_team_perms(i_org, t.id, actor, pol_roles, pol_perms, team_roles, team_perms) THEN
                outcome := 'escalation';
                RETURN;
            END IF;
        END LOOP;
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
    INSERT INTO invitations AS i
        (id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
    VALUES (i_id, i_org, i_email, i_role, CASE WHEN declared THEN NULL ELSE i_role END, actor, i_bearer,
        'pending', i_token_hash, i_created_at, i_expires_at)
    ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
    RETURNING i.* INTO ins;
    IF NOT FOUND THEN
        outcome := 'already_invited'; -- invited by a transaction that committed while this one waited on the key
        RETURN;
    END IF;
    INSERT INTO invitation_teams (organization_id, invitation_id, team_id, role)
    SELECT i_org, i_id, d.id, NULLIF(d.role, '') FROM unnest(t_ids, t_roles) AS d(id, role) ORDER BY d.id;
    -- The record after the teams, whose rows its JSON reads.
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (i_id, i_org, 'invitation_created', actor, NULL,
        json_build_object('invitation', organization_invitation_json(ins), 'actor', actor),
        organization_events_claim_pos(number));
    IF o.max_members IS NOT NULL THEN
        UPDATE organizations x SET seat_seq = x.seat_seq + 1 WHERE x.id = i_org;
    END IF;
    outcome := 'created';
    r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
    r_data := o.data::text; r_settings := o.settings::text;
    r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
END
$$;

-- AcceptInvitation, as in 0014, joining the invitation's teams: tm_ids are the IDs of the
-- team memberships it may make (used in team ID order), max_team_members the team member
-- limit (0: none). Lock order: the organization, the invitation, the inviter's membership,
-- the custom roles, the invitation's teams (in ID order), the inviter's memberships of
-- them. The inviter must still hold team_perm and be able to grant every team role in its
-- team (inviter_not_allowed otherwise). Then, after the records of 0014, the user joins
-- each team, with a team_member_added record whose actor is the user. t_members: the
-- team memberships made, a JSON array; i_teams: the invitation's teams as locked.
DROP FUNCTION organizations_accept_invitation(bytea, text, text, timestamptz, boolean, uuid, timestamptz, timestamptz,
    text, text[], text[], boolean);
CREATE FUNCTION organizations_accept_invitation(
    token_hash bytea, u text, u_email text, now timestamptz, limited boolean,
    m_id uuid, m_created_at timestamptz, m_updated_at timestamptz,
    perm text, pol_roles text[], pol_perms text[], number boolean,
    tm_ids uuid[], max_team_members integer, team_perm text, team_roles text[], team_perms text[],
    OUT outcome text,
    OUT i_id uuid, OUT i_org uuid, OUT i_email text, OUT i_role text, OUT i_invited_by text, OUT i_bearer boolean,
    OUT i_status text, OUT i_created_at timestamptz, OUT i_expires_at timestamptz, OUT i_responded_at timestamptz, OUT i_accepted_by text,
    OUT o_id uuid, OUT o_org uuid, OUT o_user text, OUT o_role text, OUT o_created_at timestamptz, OUT o_updated_at timestamptz, OUT o_suspended_at timestamptz,
    OUT t_members text, OUT i_teams text)
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
    t record;
    tm team_members;
    k integer := 0;
    joined json[] := '{}';
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
    -- The invitation's teams, in ID order: FOR KEY SHARE (a deletion waits for this
    -- call, then deletes the team memberships it made with the team), or FOR NO KEY
    -- UPDATE under a team member limit, so that additions to a team take turns and each
    -- counts what the last left. A team deleted before this lock is granted is not
    -- locked, and its invitation_teams row is gone with it. Then the inviter's
    -- memberships of them (FOR SHARE), which their team roles are read from.
    IF max_team_members > 0 THEN
        PERFORM 1 FROM teams x WHERE x.organization_id = org
            AND x.id IN (SELECT y.team_id FROM invitation_teams y WHERE y.invitation_id = inv.id)
        ORDER BY x.id FOR NO KEY UPDATE;
    ELSE
        PERFORM 1 FROM teams x WHERE x.organization_id = org
            AND x.id IN (SELECT y.team_id FROM invitation_teams y WHERE y.invitation_id = inv.id)
        ORDER BY x.id FOR KEY SHARE;
    END IF;
    i_teams := organization_invitation_teams_json(inv.id)::text;
    IF i_teams IS NOT NULL AND inv.invited_by <> owner THEN
        PERFORM 1 FROM team_members x
        WHERE x.team_id IN (SELECT y.team_id FROM invitation_teams y WHERE y.invitation_id = inv.id)
            AND x.user_id = inv.invited_by
        ORDER BY x.team_id FOR SHARE;
    END IF;

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
    -- The inviter may still put users into the teams with their team roles.
    IF inv.invited_by <> owner AND EXISTS (SELECT 1 FROM invitation_teams y WHERE y.invitation_id = inv.id) THEN
        IF NOT team_perm = ANY(inviter_perms) THEN
            outcome := 'inviter_not_allowed';
            RETURN;
        END IF;
        FOR t IN SELECT y.team_id, y.role FROM invitation_teams y WHERE y.invitation_id = inv.id ORDER BY y.team_id LOOP
            IF NOT organization_team_role_perms(t.role, team_roles, team_perms)
                    <@ organization_team_perms(org, t.team_id, inv.invited_by, pol_roles, pol_perms, team_roles, team_perms) THEN
                outcome := 'inviter_not_allowed';
                RETURN;
            END IF;
        END LOOP;
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
    -- 4. The teams, in ID order, for an active membership: each that the user is not in
    -- and that has room, with its record.
    IF m.status = 'active' THEN
        FOR t IN SELECT y.team_id, y.role FROM invitation_teams y WHERE y.invitation_id = inv.id ORDER BY y.team_id LOOP
            CONTINUE WHEN k >= cardinality(tm_ids);
            CONTINUE WHEN max_team_members > 0 AND (SELECT count(*) FROM (SELECT 1 FROM team_members x
                WHERE x.team_id = t.team_id LIMIT max_team_members) AS y) >= max_team_members;
            INSERT INTO team_members AS x (id, organization_id, team_id, user_id, role, created_at)
            VALUES (tm_ids[k + 1], org, t.team_id, u, t.role, now)
            ON CONFLICT ON CONSTRAINT team_members_pkey DO NOTHING
            RETURNING x.* INTO tm;
            CONTINUE WHEN NOT FOUND; -- in the team already
            k := k + 1;
            joined := joined || organization_team_member_json(tm);
            PERFORM organization_record(org, 'team_member_added', u, u,
                json_build_object('team_member', organization_team_member_json(tm)), number);
        END LOOP;
    END IF;
    t_members := array_to_json(joined)::text;
    outcome := 'accepted';
    o_id := m.id; o_org := m.organization_id; o_user := m.user_id; o_role := m.role;
    o_created_at := m.created_at; o_updated_at := m.updated_at; o_suspended_at := m.suspended_at;
END
$$;
