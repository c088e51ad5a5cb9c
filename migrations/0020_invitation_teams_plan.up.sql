-- +goose Up
-- organization_invitation_teams_json (0015), the same JSON from the same row, in
-- PL/pgSQL. As a SQL function with a SET clause and an aggregate over a table it could
-- never be inlined, and PostgreSQL 15 plans a SQL function's body again for each
-- statement that calls it: every invitation read (InvitationByToken, the pending lists,
-- the write functions' invitation records) planned it once more. A PL/pgSQL body keeps
-- its plan for the session. Measured with pgbench (-M prepared, one invitation of two
-- teams, 200,000 rows): 0.18-0.22 ms a call as SQL against 0.13 ms as PL/pgSQL, where
-- the call's statement without the function takes 0.06 ms (docs/benchmarks.md, "The
-- invitation reads"). TestPostgresSchemaHasNoReplannedFunction holds that no function of
-- the schema is again a SQL function with a SET clause.
CREATE OR REPLACE FUNCTION organization_invitation_teams_json(inv uuid) RETURNS json
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN (SELECT json_agg(CASE WHEN t.role IS NULL THEN json_build_object('team_id', t.team_id)
            ELSE json_build_object('team_id', t.team_id, 'role', t.role) END ORDER BY t.team_id)
        FROM invitation_teams t WHERE t.invitation_id = inv);
END
$$;
