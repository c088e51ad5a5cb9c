-- +goose Up
-- Team roles (TeamMember.Role, TeamStore.SetTeamRole, TeamStore.TeamAccess) and team
-- limits (Options.MaxTeams, Options.MaxTeamMembers).
--
-- A team member may hold one team role: a role the host's Policy declares with
-- ScopeTeam, whose permissions hold within that team only. The schema keeps its name
-- (team_members.role, NULL for none) and checks its form; which names exist and what
-- they grant is the Policy's, passed to each write function as (role, permission) pairs
-- (team_roles, team_perms), as the organization roles are (pol_roles, pol_perms).
--
-- The escalation rule covers both scopes. A team role never grants an organization
-- permission: the Policy refuses a team role naming one of the library's permissions,
-- and no organization check reads team_members. And an actor other than the owner may
-- give a team role (add, set), or take one away (set, remove another member, delete the
-- team where it is held), only when its permissions are within the actor's permissions
-- in that team: their organization role's and their own team role's there
-- (organization_team_perms), read after the rows they come from are locked.
--
-- Suspension. The rule "a suspended member's team memberships grant nothing" is held by
-- the readers (TeamAccess joins team_members through the active membership only), not
-- by a key: a foreign key (organization_id, user_id, 'active') to memberships (the trick
-- organizations_owner_fkey plays with the owner's status) would refuse a raw INSERT of a
-- suspended member into a team, but would also make suspending a member who is in a team
-- fail (or, ON UPDATE CASCADE, write 'suspended' into a column whose check allows
-- 'active' only), where the rule is that a suspended member keeps their teams, restored
-- as they were on reactivation. A row a host inserts by hand for a suspended member is
-- accepted, and grants nothing while the suspension lasts
-- (TestPostgresSchemaHoldsTeamRules).

ALTER TABLE team_members ADD COLUMN role text;
ALTER TABLE team_members ADD CONSTRAINT team_members_role_check CHECK (role ~ '^[a-z][a-z0-9_-]{0,62}$');

-- A TeamMember's JSON, as Go marshals it (role only when set).
CREATE OR REPLACE FUNCTION organization_team_member_json(m team_members) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN m.role IS NULL THEN json_build_object(
        'id', m.id, 'team_id', m.team_id, 'organization_id', m.organization_id, 'user_id', m.user_id,
        'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    ELSE json_build_object(
        'id', m.id, 'team_id', m.team_id, 'organization_id', m.organization_id, 'user_id', m.user_id,
        'role', m.role,
        'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END
$$;

-- The permissions of the team role role (NULL: none) under the policy's team role pairs.
CREATE FUNCTION organization_team_role_perms(role text, team_roles text[], team_perms text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(array_agg(d.p), '{}') FROM unnest(team_roles, team_perms) AS d(r, p) WHERE d.r = role
$$;

-- The permissions of actor within team t of org: their organization role's and their
-- team role's there; none for a suspended member or a non-member. The caller has locked
-- the actor's membership (organization_team_check), the custom role it names and the
-- actor's team membership, so that this reads them as locked.
CREATE FUNCTION organization_team_perms(org uuid, t uuid, actor text, pol_roles text[], pol_perms text[],
    team_roles text[], team_perms text[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
    actor_role text;
BEGIN
    SELECT a.role INTO actor_role FROM memberships a
    WHERE a.organization_id = org AND a.user_id = actor AND a.status = 'active';
    IF actor_role IS NULL THEN
        RETURN '{}';
    END IF;
    RETURN organization_role_perms(org, actor_role, pol_roles, pol_perms)
        || organization_team_role_perms((SELECT x.role FROM team_members x WHERE x.team_id = t AND x.user_id = actor),
            team_roles, team_perms);
END
$$;

-- Limits. CreateTeam with a team limit locks the organization row FOR NO KEY UPDATE
-- (instead of FOR SHARE) before anything else, and AddTeamMember with a member limit
-- locks the team row FOR NO KEY UPDATE (instead of FOR KEY SHARE): so the calls that
-- count take turns, and each counts, in a statement run after its lock was granted (a
-- new snapshot: PL/pgSQL takes one per statement), the rows the one before it committed.
-- Calls without a limit keep their shared locks and run side by side.

-- CreateTeam, as in 0009, with max_teams (0: none): the organization's teams are
-- counted (up to the limit) once its row is locked. Outcomes: those of 0009, and
-- team_limit.
DROP FUNCTION organizations_create_team(uuid, uuid, text, text, boolean, text, timestamptz, timestamptz,
    text, text, text[], text[], boolean);
CREATE FUNCTION organizations_create_team(
    t_id uuid, t_org uuid, t_name text, t_slug text, suffix boolean, t_data text,
    t_created_at timestamptz, t_updated_at timestamptz, max_teams integer,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_org uuid, OUT r_name text, OUT r_slug text, OUT r_data text,
    OUT r_created_at timestamptz, OUT r_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    slug text;
    t teams;
BEGIN
    -- 1. Lock and check; with a limit, the organization row first, exclusively.
    IF max_teams > 0 THEN
        PERFORM 1 FROM organizations o WHERE o.id = t_org FOR NO KEY UPDATE;
    END IF;
    outcome := organization_team_check(t_org, actor, NULL, perm, false, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    IF max_teams > 0 AND (SELECT count(*) FROM (SELECT 1 FROM teams x
            WHERE x.organization_id = t_org LIMIT max_teams) AS y) >= max_teams THEN
        outcome := 'team_limit';
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
            PERFORM organization_record(t_org, 'team_created', actor, NULL,
                json_build_object('team', organization_team_json(t)), number);
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

-- DeleteTeam, as in 0009, and now also guarded by the team roles held in the team: the
-- team is locked FOR UPDATE first (no member can be added to it, nor a role changed in
-- it, until this call ends: both lock it FOR KEY SHARE), then an actor other than the
-- owner must hold, in the team, every permission of every team role held there.
-- Outcomes: deleted (with the row), organization_not_found, permission_denied,
-- team_not_found, escalation.
DROP FUNCTION organizations_delete_team(uuid, uuid, text, text, text[], text[], boolean);
CREATE FUNCTION organizations_delete_team(
    t_org uuid, t_id uuid, actor text, perm text, pol_roles text[], pol_perms text[],
    team_roles text[], team_perms text[], number boolean,
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
    PERFORM 1 FROM teams x WHERE x.organization_id = t_org AND x.id = t_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    IF actor <> '' AND actor IS DISTINCT FROM (SELECT o.owner_id FROM organizations o WHERE o.id = t_org)
        AND NOT (SELECT COALESCE(array_agg(d.p), '{}') FROM unnest(team_roles, team_perms) AS d(r, p)
                WHERE d.r IN (SELECT x.role FROM team_members x WHERE x.team_id = t_id AND x.role IS NOT NULL))
            <@ organization_team_perms(t_org, t_id, actor, pol_roles, pol_perms, team_roles, team_perms) THEN
        outcome := 'escalation';
        RETURN;
    END IF;
    DELETE FROM teams AS x WHERE x.organization_id = t_org AND x.id = t_id RETURNING x.* INTO t;
    PERFORM organization_record(t_org, 'team_deleted', actor, NULL,
        json_build_object('team', organization_team_json(t)), number);
    SELECT 'deleted', t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
    INTO outcome, r_id, r_org, r_name, r_slug, r_data, r_created_at, r_updated_at;
END
$$;

-- AddTeamMember (op 'add'), SetTeamRole ('set_role') and RemoveTeamMember ('remove'),
-- replacing 0009's function of the first and the last. Locks, in this order (every
-- team write takes them in it, and RemoveUser, whose cascade reaches team_members,
-- locks the membership first): the organization and the actor's and the user's
-- memberships (organization_team_check: a concurrent RemoveUser or SuspendUser of the
-- user waits for this call, or went first and this call sees its result), the team FOR
-- KEY SHARE (a concurrent DeleteTeam waits, or went first and the team is not found),
-- or, for an addition with a member limit, FOR NO KEY UPDATE (the additions to the
-- team take turns, and each counts its members once locked), then the team memberships
-- of the actor and of the user FOR UPDATE, in user ID order
-- (two role changes of each other's by two actors never wait on each other crosswise);
-- then decides on them as locked and writes, with the event record.
-- team_members_member_fkey holds the membership rule whatever the order. Outcomes:
-- added, changed, unchanged, removed (with the row, and the role before in b_role),
-- organization_not_found, permission_denied, team_not_found, escalation, not_member,
-- already_team_member, team_member_limit, not_team_member.
DROP FUNCTION organizations_team_member(boolean, uuid, uuid, uuid, text, timestamptz, text, text, text[], text[], boolean);
CREATE FUNCTION organizations_team_member(
    op text, m_id uuid, m_org uuid, m_team uuid, m_user text, m_role text, m_created_at timestamptz,
    max_team_members integer, actor text, perm text, pol_roles text[], pol_perms text[], team_roles text[], team_perms text[], number boolean,
    OUT outcome text, OUT b_role text,
    OUT r_id uuid, OUT r_team uuid, OUT r_org uuid, OUT r_user text, OUT r_role text, OUT r_created_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    m team_members;
    status text;
    self boolean := op = 'remove' AND actor = m_user;
    checked boolean;
    actor_perms text[];
BEGIN
    -- 1. Lock, and check the actor's organization permission.
    outcome := organization_team_check(m_org, actor, m_user, perm, self, pol_roles, pol_perms);
    IF outcome IS NOT NULL THEN
        RETURN;
    END IF;
    IF op = 'add' AND max_team_members > 0 THEN
        PERFORM 1 FROM teams t WHERE t.organization_id = m_org AND t.id = m_team FOR NO KEY UPDATE;
    ELSE
        PERFORM 1 FROM teams t WHERE t.organization_id = m_org AND t.id = m_team FOR KEY SHARE;
    END IF;
    IF NOT FOUND THEN
        outcome := 'team_not_found';
        RETURN;
    END IF;
    PERFORM 1 FROM team_members x WHERE x.team_id = m_team AND x.user_id IN (NULLIF(actor, ''), m_user)
    ORDER BY x.user_id FOR UPDATE;
    checked := actor <> '' AND NOT self
        AND actor IS DISTINCT FROM (SELECT o.owner_id FROM organizations o WHERE o.id = m_org);
    IF checked THEN
        actor_perms := organization_team_perms(m_org, m_team, actor, pol_roles, pol_perms, team_roles, team_perms);
    END IF;
    -- 2. Decide and write.
    IF op = 'add' THEN
        IF checked AND NOT organization_team_role_perms(m_role, team_roles, team_perms) <@ actor_perms THEN
            outcome := 'escalation';
            RETURN;
        END IF;
        SELECT x.status INTO status FROM memberships x WHERE x.organization_id = m_org AND x.user_id = m_user;
        IF status IS DISTINCT FROM 'active' THEN
            outcome := 'not_member';
            RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM team_members x WHERE x.team_id = m_team AND x.user_id = m_user) THEN
            outcome := 'already_team_member';
            RETURN;
        END IF;
        IF max_team_members > 0 AND (SELECT count(*) FROM (SELECT 1 FROM team_members x
                WHERE x.team_id = m_team LIMIT max_team_members) AS y) >= max_team_members THEN
            outcome := 'team_member_limit';
            RETURN;
        END IF;
        INSERT INTO team_members AS x (id, organization_id, team_id, user_id, role, created_at)
        VALUES (m_id, m_org, m_team, m_user, NULLIF(m_role, ''), m_created_at)
        ON CONFLICT ON CONSTRAINT team_members_pkey DO NOTHING
        RETURNING x.* INTO m;
        IF NOT FOUND THEN
            -- Added by a call that committed while this one waited on the key.
            outcome := 'already_team_member';
            RETURN;
        END IF;
        outcome := 'added';
        PERFORM organization_record(m_org, 'team_member_added', actor, m.user_id,
            json_build_object('team_member', organization_team_member_json(m)), number);
    ELSE
        SELECT x.* INTO m FROM team_members x WHERE x.team_id = m_team AND x.user_id = m_user;
        IF NOT FOUND THEN
            outcome := 'not_team_member';
            RETURN;
        END IF;
        b_role := m.role;
        IF op = 'set_role' AND m.role IS NOT DISTINCT FROM NULLIF(m_role, '') THEN
            outcome := 'unchanged';
        ELSIF checked AND NOT (organization_team_role_perms(m.role, team_roles, team_perms) <@ actor_perms
                AND organization_team_role_perms(NULLIF(m_role, ''), team_roles, team_perms) <@ actor_perms) THEN
            -- m_role is '' for a removal: only the current role counts.
            outcome := 'escalation';
            RETURN;
        ELSIF op = 'set_role' THEN
            DECLARE
                b team_members := m;
            BEGIN
                UPDATE team_members AS x SET role = NULLIF(m_role, '') WHERE x.team_id = m_team AND x.user_id = m_user
                RETURNING x.* INTO m;
                PERFORM organization_record(m_org, 'team_role_changed', actor, m.user_id,
                    json_build_object('old', organization_team_member_json(b), 'new', organization_team_member_json(m)),
                    number);
            END;
            outcome := 'changed';
        ELSE
            DELETE FROM team_members AS x WHERE x.team_id = m_team AND x.user_id = m_user;
            PERFORM organization_record(m_org, 'team_member_removed', actor, m.user_id,
                json_build_object('team_member', organization_team_member_json(m)), number);
            outcome := 'removed';
        END IF;
    END IF;
    SELECT m.id, m.team_id, m.organization_id, m.user_id, m.role, m.created_at
    INTO r_id, r_team, r_org, r_user, r_role, r_created_at;
END
$$;
