-- The PostgreSQL store's statements as rendered (tables unqualified), by the file that
-- declares them. Generated: go test -run TestPostgresStatementsGolden -update-statements .

-- store_postgres_activation.go, statement 0
INSERT INTO activations (id, user_id, email, token_hash, created_at, expires_at, used_at)
VALUES (@id::uuid, @user_id::text, @email::text, @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz, @used_at::timestamptz);

-- store_postgres_activation.go, statement 1
SELECT a.id, a.user_id, a.email, a.created_at, a.expires_at, a.used_at FROM activations a WHERE a.token_hash = @token_hash::bytea;

-- store_postgres_activation.go, statement 2
WITH a AS (
	SELECT a.id, a.user_id, a.email, a.created_at, a.expires_at, a.used_at FROM activations a WHERE a.token_hash = @token_hash::bytea FOR UPDATE
), ok AS (
	SELECT a.id, a.user_id FROM a WHERE a.used_at IS NULL AND a.expires_at > @now::timestamptz
), used AS (
	UPDATE activations AS x SET used_at = @now::timestamptz FROM ok WHERE x.id = ok.id RETURNING x.id
), act AS (
	UPDATE organizations AS o SET is_active = true, updated_at = @now::timestamptz
	FROM ok, memberships m
	WHERE m.user_id = ok.user_id AND o.id = m.organization_id AND o.owner_id = ok.user_id AND NOT o.is_active
	RETURNING o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, o.id AS organization_id, 'organization_updated'::text AS type, '' AS actor, NULL::text AS subject, json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END) AS data FROM act AS o) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT a.id, a.user_id, a.email, a.created_at, a.expires_at, a.used_at, EXISTS (SELECT 1 FROM used), o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM (SELECT 1) AS one LEFT JOIN a ON true LEFT JOIN act AS o ON true
ORDER BY o.id;

-- store_postgres_activation.go, statement 3
DELETE FROM activations WHERE id = @id::uuid;

-- store_postgres_authz.go, statement 4
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @organization_id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = @organization_id::uuid AND c.name IN ((SELECT role FROM act))
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'roles:manage' IN (SELECT p FROM actp))) AS allowed, ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = ANY(@includes::text[])
	UNION SELECT x.p FROM unnest(@permissions::text[]) AS x(p) EXCEPT SELECT p FROM actp))) AS covered
), ins AS (
	INSERT INTO organization_roles AS r (organization_id, name, includes, permissions, created_at, updated_at)
	SELECT org.id, @name::text, @includes::text[], @permissions::text[], @created_at::timestamptz, @updated_at::timestamptz
	FROM org, chk WHERE chk.allowed AND chk.covered
	ON CONFLICT DO NOTHING
	RETURNING r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, r.organization_id AS organization_id, 'custom_role_created'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('role', json_build_object('organization_id', r.organization_id, 'name', r.name, 'includes', to_json(string_to_array(r.includes_text, ',')), 'permissions', to_json(string_to_array(r.permissions_text, ',')), 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('role', json_build_object('organization_id', r.organization_id, 'name', r.name, 'includes', to_json(string_to_array(r.includes_text, ',')), 'permissions', to_json(string_to_array(r.permissions_text, ',')), 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM ins AS r) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered, r.organization_id, r.name, r.includes_text, r.permissions_text, r.created_at, r.updated_at
FROM chk LEFT JOIN ins AS r ON true;

-- store_postgres_authz.go, statement 5
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @organization_id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at, r.includes, r.permissions FROM organization_roles r
	WHERE r.organization_id = @organization_id::uuid
		AND r.name IN (@name::text, CASE WHEN (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) THEN NULL ELSE (SELECT role FROM act) END)
	ORDER BY r.name
	FOR NO KEY UPDATE
), actr AS (
	SELECT r.includes, r.permissions FROM rl AS r WHERE r.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r
), cur AS (
	SELECT r.organization_id, r.name, r.includes_text, r.permissions_text, r.created_at, r.updated_at, r.includes AS inc, r.permissions AS perms FROM rl AS r WHERE r.name = @name::text
), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'roles:manage' IN (SELECT p FROM actp))) AS allowed,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = ANY(@includes::text[])
	UNION SELECT x.p FROM unnest(@permissions::text[]) AS x(p) EXCEPT SELECT p FROM actp))) AND ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r IN (SELECT unnest(inc) FROM cur)
	UNION SELECT unnest(perms) FROM cur EXCEPT SELECT p FROM actp))) AS covered
), upd AS (
	UPDATE organization_roles AS r SET includes = @includes::text[], permissions = @permissions::text[],
		updated_at = @updated_at::timestamptz
	FROM chk
	WHERE r.organization_id = @organization_id::uuid AND r.name = @name::text AND chk.allowed AND chk.covered
		AND ((SELECT inc FROM cur) <> @includes::text[] OR (SELECT perms FROM cur) <> @permissions::text[])
	RETURNING r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, r.organization_id AS organization_id, 'custom_role_updated'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('old', json_build_object('organization_id', c.organization_id, 'name', c.name, 'includes', to_json(string_to_array(c.includes_text, ',')), 'permissions', to_json(string_to_array(c.permissions_text, ',')), 'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'new', json_build_object('organization_id', r.organization_id, 'name', r.name, 'includes', to_json(string_to_array(r.includes_text, ',')), 'permissions', to_json(string_to_array(r.permissions_text, ',')), 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('old', json_build_object('organization_id', c.organization_id, 'name', c.name, 'includes', to_json(string_to_array(c.includes_text, ',')), 'permissions', to_json(string_to_array(c.permissions_text, ',')), 'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'new', json_build_object('organization_id', r.organization_id, 'name', r.name, 'includes', to_json(string_to_array(r.includes_text, ',')), 'permissions', to_json(string_to_array(r.permissions_text, ',')), 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM upd AS r, cur AS c) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered,
	c.organization_id, c.name, c.includes_text, c.permissions_text, c.created_at, c.updated_at, r.organization_id, r.name, r.includes_text, r.permissions_text, r.created_at, r.updated_at
FROM chk LEFT JOIN (SELECT x.* FROM cur AS x) AS c ON true LEFT JOIN upd AS r ON true;

-- store_postgres_authz.go, statement 6
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @organization_id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at, r.includes, r.permissions FROM organization_roles r
	WHERE r.organization_id = @organization_id::uuid
		AND r.name IN (@name::text, CASE WHEN (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) THEN NULL ELSE (SELECT role FROM act) END)
	ORDER BY r.name
	FOR UPDATE
), actr AS (
	SELECT r.includes, r.permissions FROM rl AS r WHERE r.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r
), cur AS (
	SELECT r.organization_id, r.name, r.includes_text, r.permissions_text, r.created_at, r.updated_at, r.includes AS inc, r.permissions AS perms FROM rl AS r WHERE r.name = @name::text
), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'roles:manage' IN (SELECT p FROM actp))) AS allowed,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r IN (SELECT unnest(inc) FROM cur)
	UNION SELECT unnest(perms) FROM cur EXCEPT SELECT p FROM actp))) AS covered,
		EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = @organization_id::uuid AND m.custom_role = @name::text)
		OR EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = @organization_id::uuid AND i.custom_role = @name::text) AS used
), del AS (
	DELETE FROM organization_roles AS r USING chk
	WHERE r.organization_id = @organization_id::uuid AND r.name = @name::text AND chk.allowed AND chk.covered AND NOT chk.used
	RETURNING r.name
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, c.organization_id AS organization_id, 'custom_role_deleted'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('role', json_build_object('organization_id', c.organization_id, 'name', c.name, 'includes', to_json(string_to_array(c.includes_text, ',')), 'permissions', to_json(string_to_array(c.permissions_text, ',')), 'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('role', json_build_object('organization_id', c.organization_id, 'name', c.name, 'includes', to_json(string_to_array(c.includes_text, ',')), 'permissions', to_json(string_to_array(c.permissions_text, ',')), 'created_at', to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(c.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM del, cur AS c) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered, chk.used, EXISTS (SELECT 1 FROM del),
	c.organization_id, c.name, c.includes_text, c.permissions_text, c.created_at, c.updated_at
FROM chk LEFT JOIN (SELECT x.* FROM cur AS x) AS c ON true;

-- store_postgres_authz.go, statement 7
SELECT r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN organization_roles r ON r.organization_id = o.id
WHERE o.id = @organization_id::uuid
ORDER BY r.name;

-- store_postgres_events.go, statement 8
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos > @pos::bigint
ORDER BY e.pos LIMIT @limit::bigint;

-- store_postgres_events.go, statement 9
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos > COALESCE((
	SELECT x.pos FROM organization_events x
	WHERE (x.xid, x.seq) <= (@xid::text::xid8, @seq::bigint) AND x.pos IS NOT NULL
	ORDER BY x.xid DESC, x.seq DESC LIMIT 1), 0)
ORDER BY e.pos LIMIT @limit::bigint;

-- store_postgres_events.go, statement 10
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 11
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 12
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 13
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 14
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 15
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 16
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 17
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 18
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 19
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 20
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 21
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 22
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 23
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 24
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 25
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 26
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 27
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 28
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 29
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 30
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 31
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 32
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 33
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 34
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 35
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 36
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 37
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 38
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 39
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 40
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 41
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 42
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 43
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 44
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 45
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 46
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 47
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 48
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 49
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 50
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 51
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 52
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 53
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 54
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 55
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 56
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 57
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 58
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 59
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 60
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 61
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 62
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 63
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 64
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 65
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 66
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 67
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 68
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 69
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 70
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 71
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 72
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 73
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 74
WITH del AS (
	DELETE FROM organization_events e
	WHERE e.ctid = ANY (ARRAY(
		SELECT x.ctid FROM organization_events x
		WHERE x.occurred_at < @before::timestamptz AND x.pos IS NOT NULL
		ORDER BY x.occurred_at, x.pos LIMIT @limit::bigint
		FOR UPDATE SKIP LOCKED))
	RETURNING 1
)
SELECT count(*) FROM del;

-- store_postgres_events.go, statement 75
SELECT c.pos FROM organization_event_cursors c WHERE c.consumer = @consumer::text;

-- store_postgres_events.go, statement 76
INSERT INTO organization_event_cursors AS c (consumer, pos, updated_at)
VALUES (@consumer::text, @pos::bigint, statement_timestamp())
ON CONFLICT ON CONSTRAINT organization_event_cursors_pkey DO UPDATE SET pos = EXCLUDED.pos, updated_at = EXCLUDED.updated_at;

-- store_postgres_head.go, statement 77
SELECT COALESCE((SELECT e.pos FROM organization_events e
	WHERE e.pos IS NOT NULL ORDER BY e.pos DESC LIMIT 1), 0);

-- store_postgres_invitation.go, statement 78
WITH org AS (
	SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, o.owner_id, o.seat_seq
	FROM organizations o WHERE o.id = @organization_id::uuid
	FOR SHARE OF o
), seat AS (SELECT o.max_members IS NULL AS free, false AS stale FROM org AS o), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @organization_id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = @organization_id::uuid AND c.name IN ((SELECT role FROM act), @role::text)
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'invitations:create' IN (SELECT p FROM actp))) AND @actor::text <> '' AS allowed,
		(@role::text = ANY(@pol_declared::text[]) OR EXISTS (SELECT 1 FROM rl WHERE rl.name = @role::text)) AS known,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = @role::text
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = @role::text) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = @role::text) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r EXCEPT SELECT p FROM actp))) AS covered
), ok AS (
	SELECT (allowed AND known AND covered) AS admin FROM chk
), stale AS (
	UPDATE invitations AS i SET status = 'expired'
	WHERE i.organization_id = @organization_id::uuid AND i.email = @email::text AND i.status = 'pending'
		AND i.expires_at <= @now::timestamptz AND (SELECT admin FROM ok)
	RETURNING i.id
), ins AS (
	INSERT INTO invitations AS i
		(id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
	SELECT @id::uuid, org.id, @email::text, @role::text, CASE WHEN @role::text = ANY(@pol_declared::text[]) THEN NULL ELSE @role::text END, @actor::text, @bearer::boolean,
		'pending', @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz
	FROM org, ok WHERE ok.admin AND (SELECT count(*) FROM stale) >= 0 AND COALESCE((SELECT free AND NOT stale FROM seat), false)
	ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), bump AS (SELECT 1 AS id WHERE false), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, i.id AS id, i.organization_id AS organization_id, 'invitation_created'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json) ELSE json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'actor', @actor::text) END AS data FROM ins AS i) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.known, chk.covered, EXISTS (SELECT 1 FROM ins),
	EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = @organization_id::uuid
		AND i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM chk LEFT JOIN org AS o ON true;

-- store_postgres_invitation.go, statement 79
WITH org AS (
	SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, o.owner_id, o.seat_seq
	FROM organizations o WHERE o.id = @organization_id::uuid
	FOR NO KEY UPDATE OF o
), seat AS (
	SELECT CASE WHEN o.max_members IS NULL THEN true ELSE (SELECT count(*) FROM (SELECT 1 FROM memberships m
			WHERE m.organization_id = o.id AND m.status = 'active' LIMIT (SELECT max_members FROM org)) AS x) + (SELECT count(*) FROM (SELECT 1 FROM invitations i
			WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz
			LIMIT (SELECT max_members FROM org)) AS y) < o.max_members END AS free,
		o.max_members IS NOT NULL AND o.seat_seq <> (SELECT s.seat_seq FROM organizations s WHERE s.id = o.id) AS stale
	FROM org AS o
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @organization_id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = @organization_id::uuid AND c.name IN ((SELECT role FROM act), @role::text)
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'invitations:create' IN (SELECT p FROM actp))) AND @actor::text <> '' AS allowed,
		(@role::text = ANY(@pol_declared::text[]) OR EXISTS (SELECT 1 FROM rl WHERE rl.name = @role::text)) AS known,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = @role::text
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = @role::text) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = @role::text) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r EXCEPT SELECT p FROM actp))) AS covered
), ok AS (
	SELECT (allowed AND known AND covered) AS admin FROM chk
), stale AS (
	UPDATE invitations AS i SET status = 'expired'
	WHERE i.organization_id = @organization_id::uuid AND i.email = @email::text AND i.status = 'pending'
		AND i.expires_at <= @now::timestamptz AND (SELECT admin FROM ok)
	RETURNING i.id
), ins AS (
	INSERT INTO invitations AS i
		(id, organization_id, email, role, custom_role, invited_by, bearer, status, token_hash, created_at, expires_at)
	SELECT @id::uuid, org.id, @email::text, @role::text, CASE WHEN @role::text = ANY(@pol_declared::text[]) THEN NULL ELSE @role::text END, @actor::text, @bearer::boolean,
		'pending', @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz
	FROM org, ok WHERE ok.admin AND (SELECT count(*) FROM stale) >= 0 AND COALESCE((SELECT free AND NOT stale FROM seat), false)
	ON CONFLICT (organization_id, email) WHERE status = 'pending' DO NOTHING
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), bump AS (
	UPDATE organizations AS o SET seat_seq = o.seat_seq + 1
	WHERE o.id = (SELECT id FROM org) AND o.max_members IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
	RETURNING o.id
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, i.id AS id, i.organization_id AS organization_id, 'invitation_created'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json) ELSE json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'actor', @actor::text) END AS data FROM ins AS i) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.known, chk.covered, EXISTS (SELECT 1 FROM ins),
	EXISTS (SELECT 1 FROM invitations i WHERE i.organization_id = @organization_id::uuid
		AND i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM chk LEFT JOIN org AS o ON true;

-- store_postgres_invitation.go, statement 80
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE i.token_hash = @token_hash::bytea;

-- store_postgres_invitation.go, statement 81
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i WHERE i.id = @id::uuid;

-- store_postgres_invitation.go, statement 82
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
FROM organizations o
LEFT JOIN LATERAL (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i
	WHERE i.organization_id = @organization_id::uuid AND i.id > @after::uuid AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	ORDER BY i.id LIMIT @limit::bigint
) AS i ON true
WHERE o.id = @organization_id::uuid
ORDER BY i.id;

-- store_postgres_invitation.go, statement 83
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz
ORDER BY i.id;

-- store_postgres_invitation.go, statement 84
WITH del AS (
	DELETE FROM invitations i WHERE i.id = @id::uuid RETURNING i.organization_id
)
DELETE FROM organization_events e USING del
WHERE e.organization_id = del.organization_id AND e.id = @id::uuid AND e.type = 'invitation_created';

-- store_postgres_joinrequest.go, statement 85
SELECT * FROM organizations_join_request_create(
	@id::uuid, @organization_id::uuid, @user_id::text, @message::text, @created_at::timestamptz, @expires_at::timestamptz,
	@now::timestamptz, @number::boolean);

-- store_postgres_joinrequest.go, statement 86
SELECT r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at FROM organization_join_requests r WHERE r.id = @id::uuid;

-- store_postgres_joinrequest.go, statement 87
SELECT r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at FROM organization_join_requests r
WHERE r.organization_id = @organization_id::uuid AND r.id > @after::uuid AND r.status = 'pending' AND r.expires_at > @now::timestamptz
ORDER BY r.id LIMIT @limit::integer;

-- store_postgres_joinrequest.go, statement 88
SELECT * FROM organizations_join_request_decide(
	@id::uuid, @approve::boolean, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[],
	@m_id::uuid, @m_created_at::timestamptz, @m_updated_at::timestamptz, @now::timestamptz, @number::boolean);

-- store_postgres_joinrequest.go, statement 89
SELECT * FROM organizations_join_request_withdraw(
	@id::uuid, @user_id::text, @now::timestamptz, @number::boolean);

-- store_postgres_lifecycle.go, statement 90
WITH org AS (
	SELECT o.id, o.owner_id, o.max_members, o.seat_seq FROM organizations o
	WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), seat AS (
	SELECT CASE WHEN o.max_members IS NULL THEN true ELSE (SELECT count(*) FROM (SELECT 1 FROM memberships m
			WHERE m.organization_id = o.id AND m.status = 'active' LIMIT (SELECT max_members FROM org)) AS x) < o.max_members END AS free,
		o.max_members IS NOT NULL AND o.seat_seq <> (SELECT s.seat_seq FROM organizations s WHERE s.id = o.id) AS stale
	FROM org AS o
), lk AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = (SELECT id FROM org) AND m.user_id IN (@actor::text, @user_id::text)
	ORDER BY m.user_id
	FOR UPDATE
), act AS (
	SELECT m.role FROM lk AS m WHERE m.user_id = @actor::text AND @actor::text <> '' AND m.suspended_at IS NULL
), tgt AS (
	SELECT * FROM lk AS m WHERE m.user_id = @user_id::text
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = @organization_id::uuid AND c.name IN ((SELECT role FROM act), (SELECT role FROM tgt))
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'members:suspend' IN (SELECT p FROM actp))) AS allowed,
		COALESCE((SELECT owner_id = @user_id::text FROM org), false) AS owner,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM tgt)
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM tgt)) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM tgt)) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r EXCEPT SELECT p FROM actp))) AS covered
), upd AS (
	UPDATE memberships AS m
	SET status = @status::text, suspended_at = CASE WHEN @status::text = 'suspended' THEN @now::timestamptz END,
		updated_at = @now::timestamptz
	FROM chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text
		AND ((SELECT suspended_at FROM tgt) IS NULL) <> (@status::text = 'active')
		AND chk.allowed AND NOT chk.owner AND chk.covered
		AND (@status::text = 'suspended' OR COALESCE((SELECT free AND NOT stale FROM seat), false))
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), closed AS (
	DELETE FROM ownership_transfers AS t
	WHERE t.organization_id = @organization_id::uuid AND t.nominee = @user_id::text
		AND @status::text = 'suspended' AND EXISTS (SELECT 1 FROM upd)
	RETURNING t.organization_id
), bump AS (
	UPDATE organizations AS o SET seat_seq = o.seat_seq + 1
	WHERE o.id = (SELECT id FROM org) AND o.max_members IS NOT NULL AND EXISTS (SELECT 1 FROM upd WHERE @status::text = 'active')
	RETURNING o.id
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, u.organization_id AS organization_id, 'member_suspended'::text AS type, @actor::text AS actor, u.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('organization_user', CASE WHEN u.suspended_at IS NULL THEN json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(u.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('organization_user', CASE WHEN u.suspended_at IS NULL THEN json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(u.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM upd AS u WHERE @status::text = 'suspended'
	UNION ALL SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, u.organization_id AS organization_id, 'member_reactivated'::text AS type, @actor::text AS actor, u.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('organization_user', CASE WHEN u.suspended_at IS NULL THEN json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(u.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('organization_user', CASE WHEN u.suspended_at IS NULL THEN json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', u.id, 'organization_id', u.organization_id, 'user_id', u.user_id, 'role', u.role, 'created_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(u.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM upd AS u WHERE @status::text = 'active') AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.owner, chk.covered,
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, u.id, u.organization_id, u.user_id, u.role, u.created_at, u.updated_at, u.suspended_at
FROM chk LEFT JOIN tgt AS m ON true LEFT JOIN upd AS u ON true;

-- store_postgres_lifecycle.go, statement 91
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 92
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.status = 'active'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 93
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.status = 'suspended'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 94
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 95
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text AND m.status = 'active'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 96
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text AND m.status = 'suspended'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_member.go, statement 97
SELECT * FROM organizations_add_user(
	@id::uuid, @organization_id::uuid, @user_id::text, @role::text, @created_at::timestamptz, @updated_at::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[],
	@get::boolean, @limited::boolean, @number::boolean);

-- store_postgres_member.go, statement 98
SELECT * FROM organizations_remove_user(
	@organization_id::uuid, @user_id::text,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_member.go, statement 99
SELECT * FROM organizations_set_role(
	@organization_id::uuid, @user_id::text, @role::text, @now::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean);

-- store_postgres_member.go, statement 100
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid;

-- store_postgres_member.go, statement 101
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.id = @organization_id::uuid;

-- store_postgres_member.go, statement 102
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.slug = @slug::text;

-- store_postgres_member.go, statement 103
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_offboard.go, statement 104
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM organizations o
WHERE o.owner_id = @user_id::text AND o.id > @after::uuid
ORDER BY o.id LIMIT @limit::bigint;

-- store_postgres_offboard.go, statement 105
WITH owned AS (
	SELECT o.id, o.owner_id FROM organizations o
	WHERE o.owner_id = @user_id::text ORDER BY o.id FOR UPDATE
), cand AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id IN (SELECT id FROM owned WHERE id = ANY(@transfer::text[]::uuid[]) AND NOT id = ANY(@delete::text[]::uuid[]))
		AND m.user_id <> @user_id::text AND m.role = 'admin' AND m.status = 'active'
	FOR KEY SHARE
), heir AS (
	SELECT DISTINCT ON (m.organization_id) m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM cand AS m
	ORDER BY m.organization_id, m.created_at, m.id
), chk AS (
	SELECT NOT EXISTS (SELECT 1 FROM owned WHERE NOT (id = ANY(@delete::text[]::uuid[]) OR id = ANY(@transfer::text[]::uuid[]))) AS covered,
		NOT EXISTS (SELECT 1 FROM owned o WHERE o.id = ANY(@transfer::text[]::uuid[]) AND NOT o.id = ANY(@delete::text[]::uuid[])
			AND NOT EXISTS (SELECT 1 FROM heir h WHERE h.organization_id = o.id)) AS heirs
), del AS (
	DELETE FROM organizations AS o USING chk
	WHERE o.id IN (SELECT id FROM owned WHERE id = ANY(@delete::text[]::uuid[])) AND chk.covered AND chk.heirs
	RETURNING o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
), moved AS (
	UPDATE organizations AS o SET owner_id = h.user_id, owner_since = @now::timestamptz
	FROM heir AS h, chk
	WHERE o.id = h.organization_id AND chk.covered AND chk.heirs
	RETURNING o.id
), closed AS (
	DELETE FROM ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), rm AS (
	DELETE FROM memberships AS m USING chk
	WHERE m.user_id = @user_id::text AND chk.covered AND chk.heirs
		AND NOT m.organization_id IN (SELECT id FROM owned WHERE id = ANY(@delete::text[]::uuid[]))
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), rev AS (
	UPDATE invitations AS i
	SET status = 'revoked', responded_at = @now::timestamptz, custom_role = NULL
	WHERE i.organization_id IN (SELECT organization_id FROM rm) AND i.invited_by = @user_id::text
		AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, o.id AS organization_id, 'organization_deleted'::text AS type, '' AS actor, NULL::text AS subject, json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END) AS data FROM del AS o
	UNION ALL SELECT 2 AS ord, ''::text AS k, gen_random_uuid() AS id, h.organization_id AS organization_id, 'owner_changed'::text AS type, '' AS actor, h.user_id::text AS subject, json_build_object('old', CASE WHEN r.suspended_at IS NULL THEN json_build_object('id', r.id, 'organization_id', r.organization_id, 'user_id', r.user_id, 'role', r.role, 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', r.id, 'organization_id', r.organization_id, 'user_id', r.user_id, 'role', r.role, 'created_at', to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(r.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN h.suspended_at IS NULL THEN json_build_object('id', h.id, 'organization_id', h.organization_id, 'user_id', h.user_id, 'role', h.role, 'created_at', to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(h.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', h.id, 'organization_id', h.organization_id, 'user_id', h.user_id, 'role', h.role, 'created_at', to_char(h.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(h.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(h.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) AS data FROM heir AS h JOIN rm AS r ON r.organization_id = h.organization_id WHERE h.organization_id IN (SELECT id FROM moved)
	UNION ALL SELECT 3 AS ord, i.id::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_revoked'::text AS type, '' AS actor, NULL::text AS subject, json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json) AS data FROM rev AS i
	UNION ALL SELECT 4 AS ord, ''::text AS k, gen_random_uuid() AS id, m.organization_id AS organization_id, 'user_removed'::text AS type, '' AS actor, m.user_id::text AS subject, json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) AS data FROM rm AS m) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT 'c', chk.covered, chk.heirs, (SELECT count(*) FROM rev), NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text FROM chk
UNION ALL
SELECT 'd', NULL, NULL, NULL, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text FROM del AS o
UNION ALL
SELECT 'r', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text FROM rm AS m
UNION ALL
SELECT 't', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text FROM heir AS m WHERE m.organization_id IN (SELECT id FROM moved)
UNION ALL
SELECT 'v', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM rev AS i;

-- store_postgres_offboard.go, statement 106
SELECT count(*) FROM organizations o WHERE o.owner_id = @user_id::text;

-- store_postgres_org.go, statement 107
SELECT * FROM organizations_create(
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean);

-- store_postgres_org.go, statement 108
SELECT * FROM organizations_create_limited(@max_owned::integer,
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean);

-- store_postgres_org.go, statement 109
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o WHERE o.id = @id::uuid;

-- store_postgres_org.go, statement 110
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o WHERE o.slug = @slug::text;

-- store_postgres_org.go, statement 111
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @id::uuid FOR NO KEY UPDATE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = @id::uuid AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = @id::uuid AND c.name IN ((SELECT role FROM act))
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), chk AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'organization:update' IN (SELECT p FROM actp))) AS allowed
), taken AS (
	SELECT EXISTS (SELECT 1 FROM organizations x WHERE x.slug = @slug::text AND x.id <> @id::uuid) AS taken
), upd AS (
	UPDATE organizations AS o SET
		name = COALESCE(@name::text, o.name),
		slug = COALESCE(@slug::text, o.slug),
		is_active = COALESCE(@is_active::boolean, o.is_active),
		data = COALESCE(@data::text::json, o.data),
		settings = COALESCE(@settings::text::json, o.settings),
		max_members = CASE WHEN @max_members::integer IS NULL THEN o.max_members ELSE NULLIF(@max_members::integer, 0) END,
		updated_at = @now::timestamptz,
		seat_seq = o.seat_seq + 1
	WHERE o.id = @id::uuid AND NOT (SELECT taken FROM taken) AND (SELECT allowed FROM chk)
		AND (o.name <> COALESCE(@name::text, o.name)
			OR o.slug <> COALESCE(@slug::text, o.slug)
			OR o.is_active <> COALESCE(@is_active::boolean, o.is_active)
			OR o.data::text <> COALESCE(@data::text, o.data::text)
			OR o.settings::text <> COALESCE(@settings::text, o.settings::text)
			OR (@max_members::integer IS NOT NULL AND o.max_members IS DISTINCT FROM NULLIF(@max_members::integer, 0)))
	RETURNING o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, o.id AS organization_id, 'organization_updated'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END) ELSE json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END, 'actor', @actor::text) END AS data FROM upd AS o) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT (SELECT allowed FROM chk), (SELECT taken FROM taken), true, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM upd AS o
UNION ALL
SELECT (SELECT allowed FROM chk), (SELECT taken FROM taken), false, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o
WHERE o.id = @id::uuid AND NOT EXISTS (SELECT 1 FROM upd);

-- store_postgres_org.go, statement 112
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @id::uuid FOR UPDATE
), del AS (
	DELETE FROM organizations AS o USING org
	WHERE o.id = org.id AND (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false))
	RETURNING o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, o.id AS organization_id, 'organization_deleted'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END) ELSE json_build_object('organization', CASE WHEN o.max_members IS NULL THEN json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', o.id, 'name', o.name, 'slug', o.slug, 'is_active', o.is_active, 'data', o.data::json, 'settings', o.settings::json, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'max_members', o.max_members) END, 'actor', @actor::text) END AS data FROM del AS o) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)), o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM (SELECT 1) AS one LEFT JOIN del AS o ON true;

-- store_postgres_org.go, statement 113
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM memberships m JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = @user_id::text AND m.organization_id > @after::uuid AND m.status = 'active'
ORDER BY m.organization_id LIMIT @limit::bigint;

-- store_postgres_owner.go, statement 114
SELECT o.owner_since, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
JOIN memberships m ON m.organization_id = o.id AND m.user_id = o.owner_id
WHERE o.id = @organization_id::uuid;

-- store_postgres_owner.go, statement 115
WITH org AS (
	SELECT o.id, o.owner_id, (@actor::text = '' OR o.owner_id = @actor::text) AS allowed
	FROM organizations o WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), old AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT owner_id FROM org)
	FOR KEY SHARE
), cur AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @new_owner::text AND EXISTS (SELECT 1 FROM org WHERE allowed)
		AND m.status = 'active'
	FOR UPDATE
), lim AS (
	SELECT CASE WHEN @max_owned::integer <= 0 OR NOT EXISTS (SELECT 1 FROM cur) OR (SELECT owner_id FROM org) = @new_owner::text
		THEN true ELSE organizations_owned_below(@new_owner::text, @max_owned::integer) END AS ok
), promote AS (
	UPDATE memberships AS m SET role = 'admin', updated_at = @now::timestamptz
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @new_owner::text
		AND (SELECT role FROM cur) <> 'admin' AND (SELECT owner_id FROM org) <> @new_owner::text AND (SELECT ok FROM lim)
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), moved AS (
	UPDATE organizations AS o SET owner_id = @new_owner::text, owner_since = @now::timestamptz
	WHERE o.id = @organization_id::uuid AND (SELECT owner_id FROM org) <> @new_owner::text AND EXISTS (SELECT 1 FROM cur)
		AND (SELECT ok FROM lim)
	RETURNING o.id
), closed AS (
	DELETE FROM ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), nw AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM promote AS m UNION ALL SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM cur AS m WHERE NOT EXISTS (SELECT 1 FROM promote)
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, p.organization_id AS organization_id, 'role_changed'::text AS type, @actor::text AS actor, p.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('old', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN p.suspended_at IS NULL THEN json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(p.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('old', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN p.suspended_at IS NULL THEN json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(p.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM promote AS p, cur AS m, moved
	UNION ALL SELECT 2 AS ord, ''::text AS k, gen_random_uuid() AS id, n.organization_id AS organization_id, 'owner_changed'::text AS type, @actor::text AS actor, n.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('old', CASE WHEN x.suspended_at IS NULL THEN json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(x.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN n.suspended_at IS NULL THEN json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(n.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('old', CASE WHEN x.suspended_at IS NULL THEN json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(x.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN n.suspended_at IS NULL THEN json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(n.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM moved, old AS x, nw AS n) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), COALESCE((SELECT allowed FROM org), false), EXISTS (SELECT 1 FROM moved), (SELECT ok FROM lim),
	x.id, x.organization_id, x.user_id, x.role, x.created_at, x.updated_at, x.suspended_at,
	m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at,
	p.id, p.organization_id, p.user_id, p.role, p.created_at, p.updated_at, p.suspended_at
FROM (SELECT 1) AS one LEFT JOIN old AS x ON true LEFT JOIN cur AS m ON true LEFT JOIN promote AS p ON true;

-- store_postgres_response.go, statement 116
WITH org AS (
	SELECT o.id, o.owner_id, o.max_members, o.seat_seq FROM organizations o
	WHERE o.id = (SELECT x.organization_id FROM invitations x WHERE x.token_hash = @token_hash::bytea)
	FOR SHARE
), seat AS (SELECT o.max_members IS NULL AS free, false AS stale FROM org AS o), inv AS (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, i.custom_role FROM invitations i
	WHERE i.token_hash = @token_hash::bytea AND EXISTS (SELECT 1 FROM org)
	FOR UPDATE
), inviter AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = (SELECT id FROM org) AND a.user_id = (SELECT invited_by FROM inv) AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = (SELECT id FROM org) AND c.name IN ((SELECT role FROM inviter), (SELECT role FROM inv))
	ORDER BY c.name
	FOR SHARE
), inviterr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inviter)
), invp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM inviter)
	UNION SELECT x.p FROM inviterr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM inviterr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r
), grant_ok AS (
	SELECT COALESCE((SELECT owner_id FROM org) = (SELECT invited_by FROM inv), false)
		OR (EXISTS (SELECT 1 FROM inviter) AND 'invitations:create' IN (SELECT p FROM invp)
			AND NOT EXISTS ((SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM inv)
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r) EXCEPT SELECT p FROM invp)) AS ok
), was AS (
	SELECT EXISTS (SELECT 1 FROM memberships m
		WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text) AS member
), ok AS (
	SELECT inv.id, inv.organization_id, inv.role, inv.custom_role FROM inv
	WHERE inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (inv.bearer OR inv.email = @email::text) AND inv.invited_by <> @user_id::text AND (SELECT ok FROM grant_ok)
		AND ((SELECT member FROM was) OR COALESCE((SELECT free AND NOT stale FROM seat), false))
), ins AS (
	INSERT INTO memberships AS m (id, organization_id, user_id, role, custom_role, created_at, updated_at)
	SELECT @membership_id::uuid, ok.organization_id, @user_id::text, ok.role, ok.custom_role,
		@membership_created_at::timestamptz, @membership_updated_at::timestamptz FROM ok
	ON CONFLICT DO NOTHING
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), cur AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text
), mem AS (
	SELECT * FROM ins UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM ins)
), upd AS (
	UPDATE invitations AS i
	SET status = 'accepted', responded_at = @now::timestamptz, accepted_by = @user_id::text, custom_role = NULL
	FROM ok WHERE i.id = ok.id AND EXISTS (SELECT 1 FROM mem)
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), bump AS (SELECT 1 AS id WHERE false), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_accepted'::text AS type, @user_id::text AS actor, m.user_id::text AS subject, CASE WHEN @user_id::text = '' THEN json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @user_id::text) END AS data FROM upd AS i, mem AS m
	UNION ALL SELECT 2 AS ord, ''::text AS k, gen_random_uuid() AS id, m.organization_id AS organization_id, 'user_added'::text AS type, @user_id::text AS actor, m.user_id::text AS subject, CASE WHEN @user_id::text = '' THEN json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @user_id::text) END AS data FROM ins AS m, upd) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, EXISTS (SELECT 1 FROM upd), COALESCE((SELECT ok FROM grant_ok), false),
	EXISTS (SELECT 1 FROM ok) AND NOT EXISTS (SELECT 1 FROM mem),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false), m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM (SELECT 1) AS one
LEFT JOIN inv AS i ON true
LEFT JOIN mem AS m ON true;

-- store_postgres_response.go, statement 117
WITH org AS (
	SELECT o.id, o.owner_id, o.max_members, o.seat_seq FROM organizations o
	WHERE o.id = (SELECT x.organization_id FROM invitations x WHERE x.token_hash = @token_hash::bytea)
	FOR NO KEY UPDATE
), seat AS (
	SELECT CASE WHEN o.max_members IS NULL THEN true ELSE (SELECT count(*) FROM (SELECT 1 FROM memberships m
			WHERE m.organization_id = o.id AND m.status = 'active' LIMIT (SELECT max_members FROM org)) AS x) < o.max_members END AS free,
		o.max_members IS NOT NULL AND o.seat_seq <> (SELECT s.seat_seq FROM organizations s WHERE s.id = o.id) AS stale
	FROM org AS o
), inv AS (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, i.custom_role FROM invitations i
	WHERE i.token_hash = @token_hash::bytea AND EXISTS (SELECT 1 FROM org)
	FOR UPDATE
), inviter AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = (SELECT id FROM org) AND a.user_id = (SELECT invited_by FROM inv) AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = (SELECT id FROM org) AND c.name IN ((SELECT role FROM inviter), (SELECT role FROM inv))
	ORDER BY c.name
	FOR SHARE
), inviterr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inviter)
), invp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM inviter)
	UNION SELECT x.p FROM inviterr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM inviterr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r
), grant_ok AS (
	SELECT COALESCE((SELECT owner_id FROM org) = (SELECT invited_by FROM inv), false)
		OR (EXISTS (SELECT 1 FROM inviter) AND 'invitations:create' IN (SELECT p FROM invp)
			AND NOT EXISTS ((SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM inv)
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r) EXCEPT SELECT p FROM invp)) AS ok
), was AS (
	SELECT EXISTS (SELECT 1 FROM memberships m
		WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text) AS member
), ok AS (
	SELECT inv.id, inv.organization_id, inv.role, inv.custom_role FROM inv
	WHERE inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (inv.bearer OR inv.email = @email::text) AND inv.invited_by <> @user_id::text AND (SELECT ok FROM grant_ok)
		AND ((SELECT member FROM was) OR COALESCE((SELECT free AND NOT stale FROM seat), false))
), ins AS (
	INSERT INTO memberships AS m (id, organization_id, user_id, role, custom_role, created_at, updated_at)
	SELECT @membership_id::uuid, ok.organization_id, @user_id::text, ok.role, ok.custom_role,
		@membership_created_at::timestamptz, @membership_updated_at::timestamptz FROM ok
	ON CONFLICT DO NOTHING
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), cur AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = (SELECT organization_id FROM inv) AND m.user_id = @user_id::text
), mem AS (
	SELECT * FROM ins UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM ins)
), upd AS (
	UPDATE invitations AS i
	SET status = 'accepted', responded_at = @now::timestamptz, accepted_by = @user_id::text, custom_role = NULL
	FROM ok WHERE i.id = ok.id AND EXISTS (SELECT 1 FROM mem)
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), bump AS (
	UPDATE organizations AS o SET seat_seq = o.seat_seq + 1
	WHERE o.id = (SELECT id FROM org) AND o.max_members IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
	RETURNING o.id
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_accepted'::text AS type, @user_id::text AS actor, m.user_id::text AS subject, CASE WHEN @user_id::text = '' THEN json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @user_id::text) END AS data FROM upd AS i, mem AS m
	UNION ALL SELECT 2 AS ord, ''::text AS k, gen_random_uuid() AS id, m.organization_id AS organization_id, 'user_added'::text AS type, @user_id::text AS actor, m.user_id::text AS subject, CASE WHEN @user_id::text = '' THEN json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @user_id::text) END AS data FROM ins AS m, upd) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, EXISTS (SELECT 1 FROM upd), COALESCE((SELECT ok FROM grant_ok), false),
	EXISTS (SELECT 1 FROM ok) AND NOT EXISTS (SELECT 1 FROM mem),
	COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false), m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM (SELECT 1) AS one
LEFT JOIN inv AS i ON true
LEFT JOIN mem AS m ON true;

-- store_postgres_response.go, statement 118
WITH inv AS (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i WHERE i.token_hash = @token_hash::bytea FOR UPDATE
), upd AS (
	UPDATE invitations AS i SET status = 'declined', responded_at = @now::timestamptz, custom_role = NULL
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (inv.bearer OR inv.email = @email::text)
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_declined'::text AS type, '' AS actor, NULL::text AS subject, json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json) AS data FROM upd AS i) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, true, EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true;

-- store_postgres_response.go, statement 119
WITH org AS (
	SELECT o.id, o.owner_id, o.max_members, o.seat_seq FROM organizations o
	WHERE o.id = (SELECT x.organization_id FROM invitations x WHERE x.id = @id::uuid)
	FOR NO KEY UPDATE
), inv AS (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i WHERE i.id = @id::uuid AND EXISTS (SELECT 1 FROM org) FOR UPDATE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = (SELECT id FROM org) AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = (SELECT id FROM org) AND c.name IN ((SELECT role FROM act), (SELECT role FROM inv))
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), adm AS (
	SELECT @actor::text <> '' AND ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'invitations:revoke' IN (SELECT p FROM actp))) AS ok
), upd AS (
	UPDATE invitations AS i SET status = 'revoked', responded_at = @now::timestamptz, custom_role = NULL
	FROM inv
	WHERE i.id = inv.id AND inv.status = 'pending' AND inv.expires_at > @now::timestamptz
		AND (SELECT ok FROM adm)
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_revoked'::text AS type, @actor::text AS actor, NULL::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json) ELSE json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, '')))::json, 'actor', @actor::text) END AS data FROM upd AS i) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, (SELECT ok FROM adm), EXISTS (SELECT 1 FROM upd)
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true;

-- store_postgres_response.go, statement 120
WITH org AS (
	SELECT o.id, o.owner_id, o.max_members, o.seat_seq FROM organizations o
	WHERE o.id = (SELECT x.organization_id FROM invitations x WHERE x.id = @id::uuid)
	FOR NO KEY UPDATE
), inv AS (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i WHERE i.id = @id::uuid AND EXISTS (SELECT 1 FROM org) FOR UPDATE
), act AS (
	SELECT a.role FROM memberships a
	WHERE a.organization_id = (SELECT id FROM org) AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
), rl AS (
	SELECT c.name, c.includes, c.permissions FROM organization_roles c
	WHERE c.organization_id = (SELECT id FROM org) AND c.name IN ((SELECT role FROM act), (SELECT role FROM inv))
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM act)
	UNION SELECT x.p FROM actr c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM actr c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r), adm AS (
	SELECT @actor::text <> '' AND ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'invitations:revoke' IN (SELECT p FROM actp))) AS ok
), seat AS (
	SELECT CASE WHEN o.max_members IS NULL THEN true ELSE (SELECT count(*) FROM (SELECT 1 FROM memberships m
			WHERE m.organization_id = o.id AND m.status = 'active' LIMIT (SELECT max_members FROM org)) AS x) + (SELECT count(*) FROM (SELECT 1 FROM invitations i
			WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz
			LIMIT (SELECT max_members FROM org)) AS y) < o.max_members END AS free,
		o.max_members IS NOT NULL AND o.seat_seq <> (SELECT s.seat_seq FROM organizations s WHERE s.id = o.id) AS stale
	FROM org AS o
), gr AS (
	SELECT ((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND 'invitations:create' IN (SELECT p FROM actp))) AS allowed,
		((@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = (SELECT role FROM inv)
	UNION SELECT x.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM (SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM inv)) c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r EXCEPT SELECT p FROM actp))) AS covered
), other AS (
	SELECT EXISTS (
		SELECT 1 FROM invitations x, inv
		WHERE x.organization_id = inv.organization_id AND x.email = inv.email AND x.id <> inv.id
			AND x.status = 'pending' AND x.expires_at > @now::timestamptz
	) AS taken
), held AS (
	SELECT EXISTS (SELECT 1 FROM inv WHERE inv.status = 'pending' AND inv.expires_at > @now::timestamptz) AS seat
), ok AS (
	SELECT inv.id, inv.organization_id, inv.email FROM inv
	WHERE inv.status IN ('pending', 'expired') AND (SELECT ok FROM adm) AND (SELECT allowed AND covered FROM gr)
		AND NOT (SELECT taken FROM other) AND ((SELECT seat FROM held) OR COALESCE((SELECT free AND NOT stale FROM seat), false))
), stale AS (
	UPDATE invitations AS x SET status = 'expired'
	FROM ok
	WHERE x.organization_id = ok.organization_id AND x.email = ok.email AND x.id <> ok.id
		AND x.status = 'pending' AND x.expires_at <= @now::timestamptz
	RETURNING x.id
), upd AS (
	UPDATE invitations AS i SET token_hash = @token_hash::bytea, expires_at = @expires_at::timestamptz,
		status = 'pending', invited_by = @actor::text
	FROM ok
	WHERE i.id = ok.id AND (SELECT count(*) FROM stale) >= 0
	RETURNING i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by
), orgrow AS (
	SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o WHERE o.id = (SELECT id FROM org) FOR NO KEY UPDATE
), bump AS (
	UPDATE organizations AS o SET seat_seq = o.seat_seq + 1
	WHERE o.id = (SELECT id FROM org) AND o.max_members IS NOT NULL AND EXISTS (SELECT 1 FROM upd WHERE NOT (SELECT seat FROM held))
	RETURNING o.id
)
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, (SELECT ok FROM adm), COALESCE((SELECT allowed FROM gr), false), COALESCE((SELECT covered FROM gr), false),
	(SELECT taken FROM other), COALESCE((SELECT free FROM seat), true), COALESCE((SELECT stale FROM seat), false),
	u.id, u.organization_id, u.email, u.role, u.invited_by, u.bearer, u.status,
	u.created_at, u.expires_at, u.responded_at, u.accepted_by,
	o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM (SELECT 1) AS one LEFT JOIN inv AS i ON true LEFT JOIN upd AS u ON true LEFT JOIN orgrow AS o ON true;

-- store_postgres_seats.go, statement 121
SELECT o.max_members,
	(SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)
		- (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id AND m.status = 'suspended'),
	(SELECT count(*) FROM invitations i
		WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz)
FROM organizations o
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 122
SELECT * FROM organizations_create_team(
	@id::uuid, @organization_id::uuid, @name::text, @slug::text, @suffix::boolean, @data::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_teams::integer, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 123
SELECT * FROM organizations_update_team(
	@organization_id::uuid, @team_id::uuid, @name::text, @slug::text, @data::text, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 124
SELECT * FROM organizations_delete_team(
	@organization_id::uuid, @team_id::uuid, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @team_roles::text[], @team_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 125
SELECT * FROM organizations_team_member(
	@op::text, @id::uuid, @organization_id::uuid, @team_id::uuid, @user_id::text, @role::text, @created_at::timestamptz,
	@max_team_members::integer, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @team_roles::text[], @team_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 126
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at,
	t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at, tm.id, tm.team_id, tm.organization_id, tm.user_id, tm.role, tm.created_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
LEFT JOIN teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
LEFT JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = m.user_id
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 127
SELECT t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
FROM organizations o
LEFT JOIN teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 128
SELECT (SELECT count(*) FROM teams c WHERE c.organization_id = @organization_id::uuid),
	t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
FROM organizations o
LEFT JOIN LATERAL (
	SELECT t.* FROM teams t
	WHERE t.organization_id = @organization_id::uuid AND t.id > @after::uuid
	ORDER BY t.id LIMIT @limit::bigint
) AS t ON true
WHERE o.id = @organization_id::uuid
ORDER BY t.id;

-- store_postgres_teams.go, statement 129
SELECT (SELECT count(*) FROM team_members c
		WHERE c.organization_id = @organization_id::uuid AND c.user_id = @user_id::text),
	t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
FROM organizations o
LEFT JOIN LATERAL (
	SELECT t.* FROM team_members m
	JOIN teams t ON t.organization_id = m.organization_id AND t.id = m.team_id
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND m.team_id > @after::uuid
	ORDER BY m.team_id LIMIT @limit::bigint
) AS t ON true
WHERE o.id = @organization_id::uuid
ORDER BY t.id;

-- store_postgres_teams.go, statement 130
SELECT t.id IS NOT NULL, (SELECT count(*) FROM team_members c WHERE c.team_id = @team_id::uuid),
	m.id, m.team_id, m.organization_id, m.user_id, m.role, m.created_at
FROM organizations o
LEFT JOIN teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
LEFT JOIN LATERAL (
	SELECT m.* FROM team_members m
	WHERE m.team_id = t.id AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_transfer.go, statement 131
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), nom AS (
	SELECT m.user_id FROM memberships m
	WHERE m.organization_id = (SELECT id FROM org) AND m.user_id = @nominee::text AND m.status = 'active'
	FOR KEY SHARE
), chk AS (
	SELECT (@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false)) AS allowed,
		EXISTS (SELECT 1 FROM nom) AS member,
		COALESCE((SELECT owner_id FROM org) = @nominee::text, false) AS owner
), old AS (
	SELECT t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at FROM ownership_transfers t WHERE t.organization_id = @organization_id::uuid
), ins AS (
	INSERT INTO ownership_transfers AS t (organization_id, nominee, proposed_by, created_at, expires_at)
	SELECT org.id, @nominee::text, org.owner_id, @now::timestamptz, @expires_at::timestamptz
	FROM org, chk WHERE chk.allowed AND chk.member AND NOT chk.owner
	ON CONFLICT ON CONSTRAINT ownership_transfers_pkey DO UPDATE SET nominee = EXCLUDED.nominee,
		proposed_by = EXCLUDED.proposed_by, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
	RETURNING t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, t.organization_id AS organization_id, 'ownership_transfer_proposed'::text AS type, @actor::text AS actor, t.nominee::text AS subject, CASE WHEN o.organization_id IS NULL THEN CASE WHEN @actor::text = '' THEN json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END ELSE CASE WHEN @actor::text = '' THEN json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'replaced', json_build_object('organization_id', o.organization_id, 'nominee', o.nominee, 'proposed_by', o.proposed_by, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(o.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'replaced', json_build_object('organization_id', o.organization_id, 'nominee', o.nominee, 'proposed_by', o.proposed_by, 'created_at', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(o.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END END AS data FROM ins AS t LEFT JOIN old AS o ON true) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.member, chk.owner, t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at,
	o.organization_id, o.nominee, o.proposed_by, o.created_at, o.expires_at
FROM chk LEFT JOIN ins AS t ON true LEFT JOIN old AS o ON true;

-- store_postgres_transfer.go, statement 132
SELECT t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at
FROM organizations org
LEFT JOIN (ownership_transfers t
	JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = t.nominee)
	ON t.organization_id = org.id AND (t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')
WHERE org.id = @organization_id::uuid;

-- store_postgres_transfer.go, statement 133
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR NO KEY UPDATE
), tr AS (
	SELECT t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at FROM ownership_transfers t
	WHERE t.organization_id = (SELECT id FROM org) FOR UPDATE
), cur AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.status FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT nominee FROM tr)
	FOR UPDATE
), old AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT owner_id FROM org)
	FOR KEY SHARE
), chk AS (
	SELECT COALESCE((SELECT true FROM tr AS t, org, cur AS m WHERE (t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')), false) AS open,
		(@actor::text = '' OR COALESCE((SELECT nominee FROM tr) = @actor::text, false)) AS nominee
), lim AS (
	SELECT CASE WHEN @max_owned::integer <= 0 OR NOT (chk.open AND chk.nominee) THEN true
		ELSE organizations_owned_below((SELECT nominee FROM tr), @max_owned::integer) END AS ok
	FROM chk
), promote AS (
	UPDATE memberships AS m SET role = 'admin', custom_role = NULL, updated_at = @now::timestamptz
	FROM chk
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = (SELECT nominee FROM tr)
		AND chk.open AND chk.nominee AND (SELECT role FROM cur) <> 'admin' AND (SELECT ok FROM lim)
	RETURNING m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
), moved AS (
	UPDATE organizations AS o SET owner_id = (SELECT nominee FROM tr), owner_since = @now::timestamptz
	FROM chk WHERE o.id = @organization_id::uuid AND chk.open AND chk.nominee AND (SELECT ok FROM lim)
	RETURNING o.id
), del AS (
	DELETE FROM ownership_transfers AS t USING moved WHERE t.organization_id = moved.id
	RETURNING t.organization_id
), nw AS (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM promote AS m UNION ALL SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM cur AS m WHERE NOT EXISTS (SELECT 1 FROM promote)
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, t.organization_id AS organization_id, 'ownership_transfer_accepted'::text AS type, @actor::text AS actor, t.nominee::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM tr AS t, moved
	UNION ALL SELECT 2 AS ord, ''::text AS k, gen_random_uuid() AS id, p.organization_id AS organization_id, 'role_changed'::text AS type, @actor::text AS actor, p.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('old', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN p.suspended_at IS NULL THEN json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(p.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('old', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN p.suspended_at IS NULL THEN json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', p.id, 'organization_id', p.organization_id, 'user_id', p.user_id, 'role', p.role, 'created_at', to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(p.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM promote AS p, cur AS m, moved
	UNION ALL SELECT 3 AS ord, ''::text AS k, gen_random_uuid() AS id, n.organization_id AS organization_id, 'owner_changed'::text AS type, @actor::text AS actor, n.user_id::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('old', CASE WHEN x.suspended_at IS NULL THEN json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(x.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN n.suspended_at IS NULL THEN json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(n.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) ELSE json_build_object('old', CASE WHEN x.suspended_at IS NULL THEN json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', x.id, 'organization_id', x.organization_id, 'user_id', x.user_id, 'role', x.role, 'created_at', to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(x.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(x.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'new', CASE WHEN n.suspended_at IS NULL THEN json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', n.id, 'organization_id', n.organization_id, 'user_id', n.user_id, 'role', n.role, 'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(n.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END, 'actor', @actor::text) END AS data FROM moved, old AS x, nw AS n) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.open, chk.nominee, (SELECT ok FROM lim), EXISTS (SELECT 1 FROM moved), t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at,
	x.id, x.organization_id, x.user_id, x.role, x.created_at, x.updated_at, x.suspended_at,
	c.id, c.organization_id, c.user_id, c.role, c.created_at, c.updated_at, c.suspended_at,
	p.id, p.organization_id, p.user_id, p.role, p.created_at, p.updated_at, p.suspended_at
FROM chk LEFT JOIN tr AS t ON true LEFT JOIN old AS x ON true LEFT JOIN cur AS c ON true LEFT JOIN promote AS p ON true;

-- store_postgres_transfer.go, statement 134
WITH org AS (
	SELECT o.id, o.owner_id FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), tr AS (
	SELECT t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at FROM ownership_transfers t
	WHERE t.organization_id = (SELECT id FROM org) FOR UPDATE
), chk AS (
	SELECT COALESCE((SELECT true FROM tr AS t, org, memberships m
			WHERE m.organization_id = t.organization_id AND m.user_id = t.nominee AND (t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')), false) AS open,
		(@actor::text = '' OR CASE WHEN @decline::boolean THEN COALESCE((SELECT nominee FROM tr) = @actor::text, false)
			ELSE COALESCE((SELECT owner_id FROM org) = @actor::text, false) END) AS allowed
), del AS (
	DELETE FROM ownership_transfers AS t USING chk
	WHERE t.organization_id = @organization_id::uuid AND chk.open AND chk.allowed
	RETURNING t.organization_id
), ev AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data)
	SELECT e.id, e.organization_id, e.type, NULLIF(e.actor, ''), e.subject, e.data
	FROM (SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, t.organization_id AS organization_id, 'ownership_transfer_declined'::text AS type, @actor::text AS actor, t.nominee::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM tr AS t, del WHERE @decline::boolean
	UNION ALL SELECT 1 AS ord, ''::text AS k, gen_random_uuid() AS id, t.organization_id AS organization_id, 'ownership_transfer_cancelled'::text AS type, @actor::text AS actor, t.nominee::text AS subject, CASE WHEN @actor::text = '' THEN json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE json_build_object('transfer', json_build_object('organization_id', t.organization_id, 'nominee', t.nominee, 'proposed_by', t.proposed_by, 'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(t.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'actor', @actor::text) END AS data FROM tr AS t, del WHERE NOT @decline::boolean) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT EXISTS (SELECT 1 FROM org), chk.open, chk.allowed, EXISTS (SELECT 1 FROM del), t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at
FROM chk LEFT JOIN tr AS t ON true;
