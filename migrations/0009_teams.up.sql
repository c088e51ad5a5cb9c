-- +goose Up
-- Teams (TeamStore): groups of an organization's members.
--
-- Held here rather than in Go code:
--   * a team belongs to one organization, and deleting the organization deletes its
--     teams (teams_organization_fkey, ON DELETE CASCADE);
--   * a team's slug is unique within its organization only (teams_organization_slug_key);
--   * a team member is a member of the team's organization: team_members carries
--     organization_id, and both its foreign keys include it, so that the team and the
--     membership are of the same organization: team_members_team_fkey to
--     teams (organization_id, id) and team_members_member_fkey to
--     memberships (organization_id, user_id). A host's INSERT of a team member who is
--     not a member of the organization, or of another organization's team, is refused;
--   * removing a membership (RemoveUser, RemoveUserEverywhere, any DELETE) removes its
--     team memberships in the same statement (ON DELETE CASCADE), and so does deleting
--     a team;
--   * a user is a member of a team at most once (team_members_pkey).
--
-- Suspension is the membership's state (memberships.status), not copied here: a
-- suspended member's team memberships stay and grant nothing while it lasts, and
-- reactivation restores them as they were. organizations_add_team_member refuses to add
-- a suspended member.

CREATE TABLE teams (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    name            text        NOT NULL,
    slug            text        NOT NULL,
    -- json, not jsonb: the host's document is returned byte for byte as given.
    data            json        NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- The organization's teams in ID order (ListTeams) and the target of
    -- team_members_team_fkey.
    CONSTRAINT teams_pkey PRIMARY KEY (organization_id, id),
    CONSTRAINT teams_organization_slug_key UNIQUE (organization_id, slug),
    CONSTRAINT teams_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT teams_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND octet_length(slug) <= 200),
    CONSTRAINT teams_data_check CHECK (json_typeof(data) = 'object'),
    CONSTRAINT teams_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE team_members (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    team_id         uuid        NOT NULL,
    user_id         text        NOT NULL,
    created_at      timestamptz NOT NULL,
    CONSTRAINT team_members_pkey PRIMARY KEY (team_id, user_id),
    CONSTRAINT team_members_team_fkey FOREIGN KEY (organization_id, team_id)
        REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT team_members_member_fkey FOREIGN KEY (organization_id, user_id)
        REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE
);

-- A team's members in ID order (ListTeamMembers).
CREATE INDEX team_members_team_id_idx ON team_members (team_id, id);
-- A user's teams in an organization (ListTeams with a user), and the cascade of a
-- membership's deletion.
CREATE INDEX team_members_member_idx ON team_members (organization_id, user_id, team_id);

-- A Team's JSON, as Go marshals it.
CREATE FUNCTION organization_team_json(t teams) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'organization_id', t.organization_id, 'name', t.name, 'slug', t.slug, 'data', t.data,
        'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'updated_at', to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- A TeamMember's JSON, as Go marshals it.
CREATE FUNCTION organization_team_member_json(m team_members) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', m.id, 'team_id', m.team_id, 'organization_id', m.organization_id, 'user_id', m.user_id,
        'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
$$;

-- The lock and check every team write starts with: locks the organization FOR SHARE
-- (so that DeleteOrganization, which locks it FOR UPDATE, waits for the write or the
-- write for it), then the memberships of the actor and of also (the user a team
-- membership is for; NULL for none) FOR SHARE in user ID order (the order RemoveUser's
-- and SetRole's statements lock memberships in, so that they never wait on each other
-- crosswise), and the actor's custom role's definition; then decides on them as locked.
-- An unchecked call (actor '') and the owner pass. self_ok: the actor acting on
-- themselves (leaving a team) needs no permission, only an active membership. Returns
-- 'organization_not_found', 'permission_denied' or NULL (go on).
CREATE FUNCTION organization_team_check(org uuid, actor text, also text, perm text, self_ok boolean,
    pol_roles text[], pol_perms text[]) RETURNS text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text;
    actor_role text;
BEGIN
    SELECT o.owner_id INTO owner FROM organizations o WHERE o.id = org FOR SHARE;
    IF NOT FOUND THEN
        RETURN 'organization_not_found';
    END IF;
    PERFORM 1 FROM memberships x WHERE x.organization_id = org AND x.user_id IN (NULLIF(actor, ''), also)
    ORDER BY x.user_id FOR SHARE;
    IF actor = '' OR actor = owner THEN
        RETURN NULL;
    END IF;
    SELECT a.role INTO actor_role FROM memberships a
    WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active';
    IF actor_role IS NULL THEN
        RETURN 'permission_denied';
    END IF;
    IF self_ok THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM organization_roles r WHERE r.organization_id = org AND r.name = actor_role FOR SHARE;
    IF NOT perm = ANY(organization_role_perms(org, actor_role, pol_roles, pol_perms)) THEN
        RETURN 'permission_denied';
    END IF;
    RETURN NULL;
END
$$;

-- CreateTeam: inserts the team with the slug t_slug, or, when suffix, the first free
-- of t_slug-2, t_slug-3, ... (SlugCandidate), and its team_created record. Outcomes:
-- created (with the row), organization_not_found, permission_denied, team_slug_taken.
CREATE FUNCTION organizations_create_team(
    t_id uuid, t_org uuid, t_name text, t_slug text, suffix boolean, t_data text,
    t_created_at timestamptz, t_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_slug text, OUT r_data text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    slug text;
    t teams;
BEGIN
    -- 1. Lock and check.
    outcome := organization_team_check(t_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    -- 2. Write: each try a new statement, so a new snapshot.
    FOR k IN 1..1000 LOOP
        slug := CASE WHEN k = 1 THEN t_slug ELSE rtrim(left(t_slug, 199 - length(k::text)), '-') || '-' || k END;
        INSERT INTO teams AS x (id, organization_id, name, slug, data, created_at, updated_at)
        VALUES (t_id, t_org, t_name, slug, t_data::json, t_created_at, t_updated_at)
        ON CONFLICT ON CONSTRAINT teams_organization_slug_key DO NOTHING
        RETURNING x.* INTO t;
        IF FOUND THEN
            INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
            VALUES (gen_random_uuid(), t_org, 'team_created', NULLIF(actor, ''), NULL,
                CASE WHEN actor = '' THEN json_build_object('team', organization_team_json(t))
                ELSE json_build_object('team', organization_team_json(t), 'actor', actor) END,
                organization_events_claim_pos(number));
            SELECT 'created', t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
            INTO outcome, r_id, r_org, r_name, r_slug, r_data, r_created_at, r_updated_at;
            RETURN;
        END IF;
        IF NOT suffix THEN
            EXIT;
        END IF;
    END LOOP;
    outcome := 'team_slug_taken';
END
$$;

-- UpdateTeam: applies the fields given (NULL: unchanged) to the team as locked (FOR
-- UPDATE); a change writes updated_at and the team_updated record, no change writes
-- nothing. Returns the team before (b_*) and after (r_*). Outcomes: updated, unchanged,
-- organization_not_found, permission_denied, team_not_found, team_slug_taken.
CREATE FUNCTION organizations_update_team(
    t_org uuid, t_id uuid, t_name text, t_slug text, t_data text, t_now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_id uuid, OUT b_org uuid, OUT b_name text, OUT b_slug text, OUT b_data text,
    OUT b_created_at timestamptz, OUT b_updated_at timestamptz,
    OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_slug text, OUT r_data text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    b teams;
    t teams;
BEGIN
    outcome := organization_team_check(t_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT x.* INTO b FROM teams x WHERE x.organization_id = t_org AND x.id = t_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    SELECT b.id, b.organization_id, b.name, b.slug, b.data::text, b.created_at, b.updated_at
    INTO b_id, b_org, b_name, b_slug, b_data, b_created_at, b_updated_at;
    IF (t_name IS NULL OR t_name = b.name) AND (t_slug IS NULL OR t_slug = b.slug)
        AND (t_data IS NULL OR t_data = b.data::text) THEN
        SELECT 'unchanged', b.id, b.organization_id, b.name, b.slug, b.data::text, b.created_at, b.updated_at
        INTO outcome, r_id, r_org, r_name, r_slug, r_data, r_created_at, r_updated_at;
        RETURN;
    END IF;
    IF t_slug IS NOT NULL AND t_slug <> b.slug
        AND EXISTS (SELECT 1 FROM teams x WHERE x.organization_id = t_org AND x.slug = t_slug) THEN
        outcome := 'team_slug_taken'; -- one taken after this look fails on teams_organization_slug_key
        RETURN;
    END IF;
    UPDATE teams AS x SET name = COALESCE(t_name, x.name), slug = COALESCE(t_slug, x.slug),
        data = COALESCE(t_data::json, x.data), updated_at = t_now
    WHERE x.organization_id = t_org AND x.id = t_id
    RETURNING x.* INTO t;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), t_org, 'team_updated', NULLIF(actor, ''), NULL,
        CASE WHEN actor = '' THEN json_build_object('old', organization_team_json(b), 'new', organization_team_json(t))
        ELSE json_build_object('old', organization_team_json(b), 'new', organization_team_json(t), 'actor', actor) END,
        organization_events_claim_pos(number));
    SELECT 'updated', t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
    INTO outcome, r_id, r_org, r_name, r_slug, r_data, r_created_at, r_updated_at;
END
$$;

-- DeleteTeam: deletes the team (its members by ON DELETE CASCADE) and writes the
-- team_deleted record. Outcomes: deleted (with the row), organization_not_found,
-- permission_denied, team_not_found.
CREATE FUNCTION organizations_delete_team(
    t_org uuid, t_id uuid, actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_slug text, OUT r_data text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t teams;
BEGIN
    outcome := organization_team_check(t_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    DELETE FROM teams AS x WHERE x.organization_id = t_org AND x.id = t_id RETURNING x.* INTO t;
    IF NOT FOUND THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), t_org, 'team_deleted', NULLIF(actor, ''), NULL,
        CASE WHEN actor = '' THEN json_build_object('team', organization_team_json(t))
        ELSE json_build_object('team', organization_team_json(t), 'actor', actor) END,
        organization_events_claim_pos(number));
    SELECT 'deleted', t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
    INTO outcome, r_id, r_org, r_name, r_slug, r_data, r_created_at, r_updated_at;
END
$$;

-- AddTeamMember (add true) and RemoveTeamMember (add false). Locks the organization and
-- the actor's and the user's memberships (organization_team_check: a concurrent
-- RemoveUser or SuspendUser of the user waits for this call, or went first and this call
-- sees its result) and the team FOR KEY SHARE (a concurrent DeleteTeam waits, or went
-- first and the team is not found); then decides on them as locked and writes.
-- team_members_member_fkey holds the rule whatever the order. Outcomes: added, removed
-- (with the row), organization_not_found, permission_denied, team_not_found,
-- not_member, already_team_member, not_team_member.
CREATE FUNCTION organizations_team_member(
    add boolean, m_id uuid, m_org uuid, m_team uuid, m_user text, m_created_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_team uuid, OUT r_org uuid, OUT r_user text, OUT r_created_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    m team_members;
    status text;
BEGIN
    -- 1. Lock, and check the actor.
    outcome := organization_team_check(m_org, actor, m_user, perm, NOT add AND actor = m_user, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM teams t WHERE t.organization_id = m_org AND t.id = m_team FOR KEY SHARE;
    IF NOT FOUND THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    -- 2. Decide and write.
    IF add THEN
        SELECT x.status INTO status FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        IF status IS DISTINCT FROM 'active' THEN
            outcome := 'not_member';
            RETURN;
        END IF;
        INSERT INTO team_members AS x (id, organization_id, team_id, user_id, created_at)
        VALUES (m_id, m_org, m_team, m_user, m_created_at)
        ON CONFLICT ON CONSTRAINT team_members_pkey DO NOTHING
        RETURNING x.* INTO m;
        IF NOT FOUND THEN
            outcome := 'already_team_member';
            RETURN;
        END IF;
        outcome := 'added';
    ELSE
        DELETE FROM team_members AS x WHERE x.team_id = m_team AND x.user_id = m_user RETURNING x.* INTO m;
        IF NOT FOUND THEN
            outcome := 'not_team_member';
            RETURN;
        END IF;
        outcome := 'removed';
    END IF;
    INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
    VALUES (gen_random_uuid(), m_org, CASE WHEN add THEN 'team_member_added' ELSE 'team_member_removed' END,
        NULLIF(actor, ''), m.user_id,
        CASE WHEN actor = '' THEN json_build_object('team_member', organization_team_member_json(m))
        ELSE json_build_object('team_member', organization_team_member_json(m), 'actor', actor) END,
        organization_events_claim_pos(number));
    SELECT m.id, m.team_id, m.organization_id, m.user_id, m.created_at
    INTO r_id, r_team, r_org, r_user, r_created_at;
END
$$;
