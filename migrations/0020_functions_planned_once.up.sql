-- +goose Up
-- Functions PostgreSQL planned again at every call. A SQL function that PostgreSQL
-- cannot inline into the calling statement (one with a SET clause, an aggregate or a
-- subquery) has its body parsed and planned again for each statement that calls it
-- (PostgreSQL 15), where a PL/pgSQL function keeps its plans for the session. The three
-- below were such SQL functions; each is now PL/pgSQL with the same query, so the same
-- result. TestPostgresSchemaHasNoReplannedFunction holds that every SQL function left in
-- the schema is inlined into a statement that calls it.
--
-- organization_invitation_teams_json (0015), which every invitation read calls (the
-- invitation by token, the pending lists) and every invitation record (Invite,
-- AcceptInvitation, with or without teams). pgbench (-M prepared, one invitation of two
-- teams, 200,000 rows): 0.18-0.22 ms a call as SQL against 0.13 ms as PL/pgSQL, where the
-- statement without the function takes 0.06 ms (docs/benchmarks.md, "Functions planned
-- once").
CREATE OR REPLACE FUNCTION organization_invitation_teams_json(inv uuid) RETURNS json
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN (SELECT json_agg(CASE WHEN t.role IS NULL THEN json_build_object('team_id', t.team_id)
            ELSE json_build_object('team_id', t.team_id, 'role', t.role) END ORDER BY t.team_id)
        FROM invitation_teams t WHERE t.invitation_id = inv);
END
$$;

-- organization_team_role_perms (0013): the permissions of team role role, '{}' for none
-- (NULL included), which every actor-checked team write and team invitation reads.
CREATE OR REPLACE FUNCTION organization_team_role_perms(role text, team_roles text[], team_perms text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN COALESCE((SELECT array_agg(d.p) FROM unnest(team_roles, team_perms) AS d(r, p) WHERE d.r = role), '{}');
END
$$;

-- organization_defined_perms (0014): the permissions of a custom role's definition (its
-- included declared roles' and its own), which the custom-role writes read.
CREATE OR REPLACE FUNCTION organization_defined_perms(includes text[], permissions text[], pol_roles text[], pol_perms text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN ARRAY(SELECT d.p FROM unnest(pol_roles, pol_perms) AS d(r, p) WHERE d.r = ANY(includes)) || permissions;
END
$$;
