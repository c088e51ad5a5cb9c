-- The PostgreSQL store's statements as rendered (tables unqualified), by the file that
-- declares them. Generated: go test -run TestPostgresStatementsGolden -update-statements .

-- cache_listen.go, statement 0
SELECT pg_notify(@channel::text, @payload::text);

-- cache_listen.go, statement 1
SELECT coalesce(bool_or(t.tgenabled <> 'D'), false)
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema::text AND c.relname = 'organization_events'
  AND t.tgname = 'organization_events_notify';

-- store_postgres_activation.go, statement 2
INSERT INTO activations (id, user_id, email, token_hash, created_at, expires_at, used_at)
VALUES (@id::uuid, @user_id::text, @email::text, @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz, @used_at::timestamptz);

-- store_postgres_activation.go, statement 3
SELECT a.id, a.user_id, a.email, a.created_at, a.expires_at, a.used_at FROM activations a WHERE a.token_hash = @token_hash::bytea;

-- store_postgres_activation.go, statement 4
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

-- store_postgres_activation.go, statement 5
DELETE FROM activations WHERE id = @id::uuid;

-- store_postgres_authz.go, statement 6
SELECT * FROM organizations_create_role(
	@organization_id::uuid, @name::text, @includes::text[], @permissions::text[], @created_at::timestamptz, @updated_at::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_authz.go, statement 7
SELECT * FROM organizations_update_role(
	@organization_id::uuid, @name::text, @includes::text[], @permissions::text[], @updated_at::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_authz.go, statement 8
SELECT * FROM organizations_delete_role(
	@organization_id::uuid, @name::text, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_authz.go, statement 9
SELECT r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN organization_roles r ON r.organization_id = o.id
WHERE o.id = @organization_id::uuid
ORDER BY r.name;

-- store_postgres_domains.go, statement 10
SELECT * FROM organizations_domain_add(
	@id::uuid, @organization_id::uuid, @name::text, @enrollment::text, @token::text,
	@created_at::timestamptz, @updated_at::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_domains.go, statement 11
SELECT d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by, d.created_at, d.updated_at
FROM organizations o
LEFT JOIN organization_domains d ON d.organization_id = o.id AND d.name = @name::text
WHERE o.id = @organization_id::uuid;

-- store_postgres_domains.go, statement 12
SELECT d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by, d.created_at, d.updated_at
FROM organizations o
LEFT JOIN LATERAL (
	SELECT d.* FROM organization_domains d
	WHERE d.organization_id = @organization_id::uuid AND d.id > @after::uuid
	ORDER BY d.id LIMIT @limit::bigint
) AS d ON true
WHERE o.id = @organization_id::uuid
ORDER BY d.id;

-- store_postgres_domains.go, statement 13
SELECT * FROM organizations_domain_remove(
	@organization_id::uuid, @name::text, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_domains.go, statement 14
SELECT * FROM organizations_domain_update(
	@organization_id::uuid, @name::text, @unverify::boolean, @enrollment::text, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_domains.go, statement 15
SELECT * FROM organizations_domain_verify(
	@organization_id::uuid, @name::text, @verification::text, @token::text, @since::timestamptz, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_domains.go, statement 16
SELECT * FROM organizations_domain_enrollments(
	@user_id::text, @email::text, @domain::text, @since::timestamptz, @now::timestamptz,
	@inv_id::uuid, @inv_created_at::timestamptz, @inv_expires_at::timestamptz, @token_hash::bytea, @number::boolean);

-- store_postgres_domains.go, statement 17
SELECT * FROM organizations_domain_join_request_create(
	@id::uuid, @organization_id::uuid, @user_id::text, @message::text, @created_at::timestamptz, @expires_at::timestamptz,
	@domain::text, @since::timestamptz, @now::timestamptz, @number::boolean);

-- store_postgres_events.go, statement 18
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos > @pos::bigint
ORDER BY e.pos LIMIT @limit::bigint;

-- store_postgres_events.go, statement 19
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos > COALESCE((
	SELECT x.pos FROM organization_events x
	WHERE (x.xid, x.seq) <= (@xid::text::xid8, @seq::bigint) AND x.pos IS NOT NULL
	ORDER BY x.xid DESC, x.seq DESC LIMIT 1), 0)
ORDER BY e.pos LIMIT @limit::bigint;

-- store_postgres_events.go, statement 20
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 21
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 22
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 23
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 24
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 25
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 26
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 27
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 28
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 29
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 30
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 31
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 32
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 33
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 34
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 35
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 36
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 37
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 38
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 39
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 40
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 41
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 42
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 43
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 44
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 45
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 46
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 47
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 48
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 49
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 50
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 51
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 52
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 53
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 54
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 55
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 56
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 57
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 58
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 59
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 60
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 61
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 62
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 63
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 64
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 65
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 66
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 67
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 68
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 69
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 70
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 71
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 72
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 73
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 74
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 75
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 76
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 77
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 78
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 79
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 80
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 81
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 82
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 83
SELECT e.pos, e.id, e.organization_id, e.type, e.actor, e.subject, e.data::text, e.occurred_at FROM organization_events e
WHERE e.pos < @after_pos::bigint
	AND e.organization_id = @org::uuid
	AND e.actor = @actor::text
	AND e.subject = @subject::text
	AND e.type = ANY(@types::text[])
	AND e.occurred_at >= @since::timestamptz
	AND e.occurred_at < @until::timestamptz
ORDER BY e.pos DESC LIMIT @limit::bigint;

-- store_postgres_events.go, statement 84
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

-- store_postgres_events.go, statement 85
SELECT c.pos FROM organization_event_cursors c WHERE c.consumer = @consumer::text;

-- store_postgres_events.go, statement 86
INSERT INTO organization_event_cursors AS c (consumer, pos, updated_at)
VALUES (@consumer::text, @pos::bigint, statement_timestamp())
ON CONFLICT ON CONSTRAINT organization_event_cursors_pkey DO UPDATE SET pos = EXCLUDED.pos, updated_at = EXCLUDED.updated_at;

-- store_postgres_head.go, statement 87
SELECT COALESCE((SELECT e.pos FROM organization_events e
	WHERE e.pos IS NOT NULL ORDER BY e.pos DESC LIMIT 1), 0);

-- store_postgres_invitation.go, statement 88
SELECT * FROM organizations_create_invitation(
	@id::uuid, @organization_id::uuid, @email::text, @role::text, @bearer::boolean, @token_hash::bytea,
	@created_at::timestamptz, @expires_at::timestamptz, @now::timestamptz, @limited::boolean,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean);

-- store_postgres_invitation.go, statement 89
SELECT * FROM organizations_create_team_invitation(
	@id::uuid, @organization_id::uuid, @email::text, @role::text, @bearer::boolean, @token_hash::bytea,
	@created_at::timestamptz, @expires_at::timestamptz, @now::timestamptz, @limited::boolean,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean,
	@team_ids::text[]::uuid[], @team_invite_roles::text[], @team_perm::text, @team_roles::text[], @team_perms::text[]);

-- store_postgres_invitation.go, statement 90
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, organization_invitation_teams_json(i.id)::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE i.token_hash = @token_hash::bytea;

-- store_postgres_invitation.go, statement 91
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, organization_invitation_teams_json(i.id)::text FROM invitations i WHERE i.id = @id::uuid;

-- store_postgres_invitation.go, statement 92
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, organization_invitation_teams_json(i.id)::text
FROM organizations o
LEFT JOIN LATERAL (
	SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by FROM invitations i
	WHERE i.organization_id = @organization_id::uuid AND i.id > @after::uuid AND i.status = 'pending' AND i.expires_at > @now::timestamptz
	ORDER BY i.id LIMIT @limit::bigint
) AS i ON true
WHERE o.id = @organization_id::uuid
ORDER BY i.id;

-- store_postgres_invitation.go, statement 93
SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, organization_invitation_teams_json(i.id)::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM invitations i
JOIN organizations o ON o.id = i.organization_id
WHERE i.email = @email::text AND i.status = 'pending' AND i.expires_at > @now::timestamptz
ORDER BY i.id;

-- store_postgres_invitation.go, statement 94
WITH del AS (
	DELETE FROM invitations i WHERE i.id = @id::uuid RETURNING i.organization_id
)
DELETE FROM organization_events e USING del
WHERE e.organization_id = del.organization_id AND e.id = @id::uuid AND e.type = 'invitation_created';

-- store_postgres_joinrequest.go, statement 95
SELECT * FROM organizations_join_request_create(
	@id::uuid, @organization_id::uuid, @user_id::text, @message::text, @created_at::timestamptz, @expires_at::timestamptz,
	@now::timestamptz, @number::boolean);

-- store_postgres_joinrequest.go, statement 96
SELECT r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at FROM organization_join_requests r WHERE r.id = @id::uuid;

-- store_postgres_joinrequest.go, statement 97
SELECT r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at FROM organization_join_requests r
WHERE r.organization_id = @organization_id::uuid AND r.id > @after::uuid AND r.status = 'pending' AND r.expires_at > @now::timestamptz
ORDER BY r.id LIMIT @limit::integer;

-- store_postgres_joinrequest.go, statement 98
SELECT * FROM organizations_join_request_decide(
	@id::uuid, @approve::boolean, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[],
	@m_id::uuid, @m_created_at::timestamptz, @m_updated_at::timestamptz, @now::timestamptz, @number::boolean);

-- store_postgres_joinrequest.go, statement 99
SELECT * FROM organizations_join_request_withdraw(
	@id::uuid, @user_id::text, @now::timestamptz, @number::boolean);

-- store_postgres_lifecycle.go, statement 100
SELECT * FROM organizations_set_status(
	@organization_id::uuid, @user_id::text, @status::text, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_lifecycle.go, statement 101
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 102
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.status = 'active'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 103
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.status = 'suspended'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 104
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 105
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text AND m.status = 'active'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_lifecycle.go, statement 106
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, m.user_id = o.owner_id
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid AND m.role = @role::text AND m.status = 'suspended'
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_member.go, statement 107
SELECT * FROM organizations_add_user(
	@id::uuid, @organization_id::uuid, @user_id::text, @role::text, @created_at::timestamptz, @updated_at::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[],
	@get::boolean, @limited::boolean, @number::boolean);

-- store_postgres_member.go, statement 108
WITH o AS (
	SELECT o.id, o.max_members FROM organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ins AS (
	INSERT INTO memberships AS x (id, organization_id, user_id, role, custom_role, created_at, updated_at)
	SELECT @id::uuid, o.id, @user_id::text, @role::text, NULL, @created_at::timestamptz, @updated_at::timestamptz
	FROM o WHERE o.max_members IS NULL
	ON CONFLICT DO NOTHING
	RETURNING x.*
), rec AS (
	INSERT INTO organization_events (id, organization_id, type, actor, subject, data, pos)
	SELECT gen_random_uuid(), ins.organization_id, 'user_added', NULL, ins.user_id,
		json_build_object('organization_user', organization_member_json(ins)),
		CASE WHEN @number::boolean THEN (SELECT nextval(@feed_seq::text::regclass) FROM (
			SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
				@feed::text::regclass::oid::bigint::bit(32)::int)) AS l) END
	FROM ins
)
SELECT CASE WHEN o.id IS NULL THEN 'organization_not_found' WHEN o.max_members IS NOT NULL THEN 'limited'
		WHEN ins.id IS NULL THEN 'already_member' ELSE 'added' END,
	ins.id, ins.organization_id, ins.user_id, ins.role, ins.created_at, ins.updated_at, ins.suspended_at
FROM (SELECT) AS one LEFT JOIN o ON true LEFT JOIN ins ON true;

-- store_postgres_member.go, statement 109
SELECT * FROM organizations_remove_user(
	@organization_id::uuid, @user_id::text,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_member.go, statement 110
SELECT * FROM organizations_set_role(
	@organization_id::uuid, @user_id::text, @role::text, @now::timestamptz,
	@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @pol_declared::text[], @number::boolean);

-- store_postgres_member.go, statement 111
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid;

-- store_postgres_member.go, statement 112
SELECT m.role
FROM memberships m
WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND m.status = 'active';

-- store_postgres_member.go, statement 113
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.id = @organization_id::uuid;

-- store_postgres_member.go, statement 114
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
WHERE o.slug = @slug::text;

-- store_postgres_member.go, statement 115
SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
LEFT JOIN LATERAL (
	SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at FROM memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id;

-- store_postgres_offboard.go, statement 116
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM organizations o
WHERE o.owner_id = @user_id::text AND o.id > @after::uuid
ORDER BY o.id LIMIT @limit::bigint;

-- store_postgres_offboard.go, statement 117
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
	UNION ALL SELECT 3 AS ord, i.id::text AS k, gen_random_uuid() AS id, i.organization_id AS organization_id, 'invitation_revoked'::text AS type, '' AS actor, NULL::text AS subject, json_build_object('invitation', jsonb_strip_nulls(jsonb_build_object('id', i.id, 'organization_id', i.organization_id, 'email', i.email, 'role', i.role, 'invited_by', i.invited_by, 'bearer', i.bearer, 'status', i.status, 'created_at', to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'expires_at', to_char(i.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'responded_at', to_char(i.responded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'accepted_by', NULLIF(i.accepted_by, ''), 'teams', organization_invitation_teams_json(i.id)))::json) AS data FROM rev AS i
	UNION ALL SELECT 4 AS ord, ''::text AS k, gen_random_uuid() AS id, m.organization_id AS organization_id, 'user_removed'::text AS type, '' AS actor, m.user_id::text AS subject, json_build_object('organization_user', CASE WHEN m.suspended_at IS NULL THEN json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ELSE json_build_object('id', m.id, 'organization_id', m.organization_id, 'user_id', m.user_id, 'role', m.role, 'created_at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'updated_at', to_char(m.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'suspended_at', to_char(m.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END) AS data FROM rm AS m) AS e ORDER BY e.ord, e.organization_id, e.k COLLATE "C"
)
SELECT 'c', chk.covered, chk.heirs, (SELECT count(*) FROM rev), NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::text FROM chk
UNION ALL
SELECT 'd', NULL, NULL, NULL, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::text FROM del AS o
UNION ALL
SELECT 'r', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::text FROM rm AS m
UNION ALL
SELECT 't', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::text FROM heir AS m WHERE m.organization_id IN (SELECT id FROM moved)
UNION ALL
SELECT 'v', NULL, NULL, NULL, NULL::uuid, NULL::text, NULL::text, NULL::boolean, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::integer, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::timestamptz, i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by, organization_invitation_teams_json(i.id)::text FROM rev AS i;

-- store_postgres_offboard.go, statement 118
SELECT count(*) FROM organizations o WHERE o.owner_id = @user_id::text;

-- store_postgres_org.go, statement 119
SELECT * FROM organizations_create(
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean);

-- store_postgres_org.go, statement 120
SELECT * FROM organizations_create_limited(@max_owned::integer,
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean);

-- store_postgres_org.go, statement 121
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o WHERE o.id = @id::uuid;

-- store_postgres_org.go, statement 122
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members FROM organizations o WHERE o.slug = @slug::text;

-- store_postgres_org.go, statement 123
SELECT * FROM organizations_update(
	@id::uuid, @name::text, @slug::text, @is_active::boolean, @data::text, @settings::text, @max_members::integer,
	@now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_org.go, statement 124
SELECT * FROM organizations_delete(@id::uuid, @actor::text, @number::boolean);

-- store_postgres_org.go, statement 125
SELECT o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members
FROM memberships m JOIN organizations o ON o.id = m.organization_id
WHERE m.user_id = @user_id::text AND m.organization_id > @after::uuid AND m.status = 'active'
ORDER BY m.organization_id LIMIT @limit::bigint;

-- store_postgres_owner.go, statement 126
SELECT o.owner_since, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
FROM organizations o
JOIN memberships m ON m.organization_id = o.id AND m.user_id = o.owner_id
WHERE o.id = @organization_id::uuid;

-- store_postgres_owner.go, statement 127
SELECT * FROM organizations_change_owner(
	@organization_id::uuid, @new_owner::text, @now::timestamptz, @max_owned::integer, @actor::text, @number::boolean);

-- store_postgres_replica.go, statement 128
SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint;

-- store_postgres_replica.go, statement 129
SELECT COALESCE((SELECT e.pos FROM organization_events e
	WHERE e.pos IS NOT NULL ORDER BY e.pos DESC LIMIT 1), 0),
	COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0);

-- store_postgres_response.go, statement 130
SELECT * FROM organizations_accept_invitation(
	@token_hash::bytea, @user_id::text, @email::text, @now::timestamptz, @limited::boolean,
	@membership_id::uuid, @membership_created_at::timestamptz, @membership_updated_at::timestamptz,
	@perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean,
	@team_member_ids::text[]::uuid[], @max_team_members::integer, @team_perm::text, @team_roles::text[], @team_perms::text[]);

-- store_postgres_response.go, statement 131
SELECT f.*, organization_invitation_teams_json(f.i_id)::text FROM organizations_decline_invitation(
	@token_hash::bytea, @email::text, @now::timestamptz, @number::boolean) AS f;

-- store_postgres_response.go, statement 132
SELECT f.*, organization_invitation_teams_json(f.i_id)::text FROM organizations_revoke_invitation(
	@id::uuid, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean) AS f;

-- store_postgres_response.go, statement 133
SELECT f.*, organization_invitation_teams_json(f.i_id)::text FROM organizations_renew_invitation(
	@id::uuid, @token_hash::bytea, @expires_at::timestamptz, @now::timestamptz,
	@actor::text, @perm_revoke::text, @perm_create::text, @pol_roles::text[], @pol_perms::text[]) AS f;

-- store_postgres_seats.go, statement 134
SELECT o.max_members,
	(SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)
		- (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id AND m.status = 'suspended'),
	(SELECT count(*) FROM invitations i
		WHERE i.organization_id = o.id AND i.status = 'pending' AND i.expires_at > @now::timestamptz)
FROM organizations o
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 135
SELECT * FROM organizations_create_team(
	@id::uuid, @organization_id::uuid, @name::text, @slug::text, @suffix::boolean, @data::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_teams::integer, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 136
SELECT * FROM organizations_update_team(
	@organization_id::uuid, @team_id::uuid, @name::text, @slug::text, @data::text, @now::timestamptz, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 137
SELECT * FROM organizations_delete_team(
	@organization_id::uuid, @team_id::uuid, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @team_roles::text[], @team_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 138
SELECT * FROM organizations_team_member(
	@op::text, @id::uuid, @organization_id::uuid, @team_id::uuid, @user_id::text, @role::text, @created_at::timestamptz,
	@max_team_members::integer, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @team_roles::text[], @team_perms::text[], @number::boolean);

-- store_postgres_teams.go, statement 139
SELECT o.owner_id = @user_id::text, o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members, m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at, r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at,
	t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at, tm.id, tm.team_id, tm.organization_id, tm.user_id, tm.role, tm.created_at
FROM organizations o
LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text AND m.status = 'active'
LEFT JOIN organization_roles r ON r.organization_id = m.organization_id AND r.name = m.custom_role
LEFT JOIN teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
LEFT JOIN team_members tm ON tm.team_id = t.id AND tm.user_id = m.user_id
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 140
SELECT t.id, t.organization_id, t.name, t.slug, t.data::text, t.created_at, t.updated_at
FROM organizations o
LEFT JOIN teams t ON t.organization_id = o.id AND t.id = @team_id::uuid
WHERE o.id = @organization_id::uuid;

-- store_postgres_teams.go, statement 141
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

-- store_postgres_teams.go, statement 142
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

-- store_postgres_teams.go, statement 143
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

-- store_postgres_transfer.go, statement 144
SELECT * FROM organizations_propose_transfer(
	@organization_id::uuid, @nominee::text, @now::timestamptz, @expires_at::timestamptz, @actor::text, @number::boolean);

-- store_postgres_transfer.go, statement 145
SELECT t.organization_id, t.nominee, t.proposed_by, t.created_at, t.expires_at
FROM organizations org
LEFT JOIN (ownership_transfers t
	JOIN memberships m ON m.organization_id = t.organization_id AND m.user_id = t.nominee)
	ON t.organization_id = org.id AND (t.expires_at > @now::timestamptz AND t.proposed_by = org.owner_id AND m.status = 'active')
WHERE org.id = @organization_id::uuid;

-- store_postgres_transfer.go, statement 146
SELECT * FROM organizations_accept_transfer(
	@organization_id::uuid, @now::timestamptz, @max_owned::integer, @actor::text, @number::boolean);

-- store_postgres_transfer.go, statement 147
SELECT * FROM organizations_close_transfer(
	@organization_id::uuid, @decline::boolean, @now::timestamptz, @actor::text, @number::boolean);
