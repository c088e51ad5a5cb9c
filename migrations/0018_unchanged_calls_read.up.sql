-- +goose Up
-- A call that would change nothing is a read: it locks and writes nothing (a row lock
-- writes WAL too, and makes the next writer of the row wait). 0011 made SetRole to the
-- role a member holds one; this makes the other idempotent checked writes one:
-- SuspendUser of a suspended member and ReactivateUser of an active one
-- (organizations_set_status), UpdateOrganization with nothing new (organizations_update)
-- and UpdateRole with the same definition (organizations_update_role).
--
-- Each function of 0014 is renamed *_locked and kept as it is; the function of the old
-- name, with the same signature, first asks in one snapshot (the STABLE helpers read the
-- calling statement's) whether the call would change nothing and the actor may make it;
-- if so it answers 'unchanged' as the locked function would on that snapshot (its order
-- of precedence puts 'unchanged' after the permission check and, for a role, after the
-- escalation rule: the read checks both). Any other case goes to the locked function,
-- which decides again on the rows as locked. A read that answers 'unchanged' is
-- linearised at its snapshot: the state it reports held then, and the actor held the
-- right then.

ALTER FUNCTION organizations_set_status(uuid, text, text, timestamptz, text, text, text[], text[], boolean)
    RENAME TO organizations_set_status_locked;

CREATE FUNCTION organizations_set_status(
    org uuid, target text, to_status text, now timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_id uuid, OUT b_org uuid, OUT b_user text, OUT b_role text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz, OUT b_suspended_at timestamptz,
    OUT a_id uuid, OUT a_org uuid, OUT a_user text, OUT a_role text, OUT a_created_at timestamptz, OUT a_updated_at timestamptz, OUT a_suspended_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    m memberships;
BEGIN
    SELECT x.* INTO m FROM organizations o JOIN memberships x ON x.organization_id = o.id
    WHERE o.id = org AND x.user_id = target AND x.status = to_status
        AND (actor = '' OR actor = o.owner_id OR perm = ANY(organization_actor_perms(org, actor, pol_roles, pol_perms)));
    IF FOUND THEN
        outcome := 'unchanged';
        b_id := m.id; b_org := m.organization_id; b_user := m.user_id; b_role := m.role;
        b_created_at := m.created_at; b_updated_at := m.updated_at; b_suspended_at := m.suspended_at;
        RETURN;
    END IF;
    SELECT * INTO outcome, b_id, b_org, b_user, b_role, b_created_at, b_updated_at, b_suspended_at,
        a_id, a_org, a_user, a_role, a_created_at, a_updated_at, a_suspended_at
    FROM organizations_set_status_locked(org, target, to_status, now, actor, perm, pol_roles, pol_perms, number);
END
$$;

ALTER FUNCTION organizations_update(uuid, text, text, boolean, text, text, integer, timestamptz, text, text, text[], text[], boolean)
    RENAME TO organizations_update_locked;

CREATE FUNCTION organizations_update(
    org uuid, u_name text, u_slug text, u_is_active boolean, u_data text, u_settings text, u_max_members integer,
    now timestamptz, actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text, OUT r_id uuid, OUT r_name text, OUT r_slug text, OUT r_is_active boolean, OUT r_data text,
    OUT r_settings text, OUT r_created_at timestamptz, OUT r_updated_at timestamptz, OUT r_max_members integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    o organizations;
BEGIN
    -- Nothing new: every field given equals the organization's (a slug equal to its own
    -- cannot be taken by another: organizations_slug_key).
    SELECT x.* INTO o FROM organizations x
    WHERE x.id = org
        AND x.name = COALESCE(u_name, x.name)
        AND x.slug = COALESCE(u_slug, x.slug)
        AND x.is_active = COALESCE(u_is_active, x.is_active)
        AND x.data::text = COALESCE(u_data, x.data::text)
        AND x.settings::text = COALESCE(u_settings, x.settings::text)
        AND (u_max_members IS NULL OR x.max_members IS NOT DISTINCT FROM NULLIF(u_max_members, 0))
        AND (actor = '' OR actor = x.owner_id OR perm = ANY(organization_actor_perms(org, actor, pol_roles, pol_perms)));
    IF FOUND THEN
        outcome := 'unchanged';
        r_id := o.id; r_name := o.name; r_slug := o.slug; r_is_active := o.is_active;
        r_data := o.data::text; r_settings := o.settings::text;
        r_created_at := o.created_at; r_updated_at := o.updated_at; r_max_members := o.max_members;
        RETURN;
    END IF;
    SELECT * INTO outcome, r_id, r_name, r_slug, r_is_active, r_data, r_settings, r_created_at, r_updated_at, r_max_members
    FROM organizations_update_locked(org, u_name, u_slug, u_is_active, u_data, u_settings, u_max_members,
        now, actor, perm, pol_roles, pol_perms, number);
END
$$;

ALTER FUNCTION organizations_update_role(uuid, text, text[], text[], timestamptz, text, text, text[], text[], boolean)
    RENAME TO organizations_update_role_locked;

CREATE FUNCTION organizations_update_role(
    r_org uuid, r_name text, r_includes text[], r_permissions text[], r_updated_at timestamptz,
    actor text, perm text, pol_roles text[], pol_perms text[], number boolean,
    OUT outcome text,
    OUT b_org uuid, OUT b_name text, OUT b_includes text, OUT b_permissions text, OUT b_created_at timestamptz, OUT b_updated_at timestamptz,
    OUT a_org uuid, OUT a_name text, OUT a_includes text, OUT a_permissions text, OUT a_created_at timestamptz, OUT a_updated_at timestamptz)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    cur record;
BEGIN
    -- The same definition, and the actor may update roles and holds every permission it
    -- gives (the escalation rule, which 0014 decides before 'unchanged').
    SELECT c.* INTO cur FROM organizations o JOIN organization_roles c ON c.organization_id = o.id
    WHERE o.id = r_org AND c.name = r_name AND c.includes = r_includes AND c.permissions = r_permissions
        AND (actor = '' OR actor = o.owner_id OR (SELECT perm = ANY(p)
            AND organization_defined_perms(c.includes, c.permissions, pol_roles, pol_perms) <@ p
            FROM organization_actor_perms(r_org, actor, pol_roles, pol_perms) AS p));
    IF FOUND THEN
        outcome := 'unchanged';
        b_org := cur.organization_id; b_name := cur.name;
        b_includes := array_to_string(cur.includes, ','); b_permissions := array_to_string(cur.permissions, ',');
        b_created_at := cur.created_at; b_updated_at := cur.updated_at;
        a_org := b_org; a_name := b_name; a_includes := b_includes; a_permissions := b_permissions;
        a_created_at := b_created_at; a_updated_at := b_updated_at;
        RETURN;
    END IF;
    SELECT * INTO outcome, b_org, b_name, b_includes, b_permissions, b_created_at, b_updated_at,
        a_org, a_name, a_includes, a_permissions, a_created_at, a_updated_at
    FROM organizations_update_role_locked(r_org, r_name, r_includes, r_permissions, r_updated_at,
        actor, perm, pol_roles, pol_perms, number);
END
$$;
