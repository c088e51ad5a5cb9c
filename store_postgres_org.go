package organizations

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// qCreateOrg inserts the organization and the owner's membership in one statement: the
// foreign keys between the two rows are checked at its end. Its slug is @slug itself if
// that is free (by this statement's snapshot) or not to be suffixed (@suffix false);
// otherwise base-N, N taken from the base's row in organization_slug_counters, which the
// upsert in ctr creates (at 2) or moves on to the first candidate after its last one that
// is free (at most sqlSlugWindow candidates are looked at; a FunctionScan yields them in
// order, so the first free one is normally the smallest, and any free one would do). The
// upsert locks the counter row, and it reads the row's latest committed version, not the
// snapshot's: concurrent creations of one name get distinct, increasing N.
//
// Columns: whether @slug looked free, and the organization, NULL when the slug was taken
// after all (by a statement that committed after this one's snapshot, or, for a counter
// candidate, when the whole window was taken). The counter keeps its new value even then:
// that N is skipped.
var qCreateOrg = pgStatement(`
WITH base AS (
	SELECT NOT EXISTS (SELECT 1 FROM /* TEMPLATE: schema */organizations x WHERE x.slug = @slug::text) AS free
), ctr AS (
	INSERT INTO /* TEMPLATE: schema */organization_slug_counters AS c (base, last)
	SELECT @slug::text, 2 FROM base WHERE NOT base.free AND @suffix::boolean
	ON CONFLICT ON CONSTRAINT organization_slug_counters_pkey DO UPDATE SET last = COALESCE((
		SELECT n FROM generate_series(c.last + 1, c.last + ` + sqlSlugWindow + `) AS n
		WHERE NOT EXISTS (SELECT 1 FROM /* TEMPLATE: schema */organizations x WHERE x.slug = ` + sqlSlugCandidate + `)
		LIMIT 1), c.last + ` + sqlSlugWindow + `)
	RETURNING c.last AS n
), cand AS (
	SELECT @slug::text AS slug FROM base WHERE base.free
	UNION ALL
	SELECT ` + sqlSlugCandidate + ` FROM ctr
), ins AS (
	INSERT INTO /* TEMPLATE: schema */organizations AS o
		(id, name, slug, is_active, data, settings, created_at, updated_at, owner_id, owner_since, max_members)
	SELECT @id::uuid, @name::text, cand.slug, @is_active::boolean, @data::text::json, @settings::text::json,
		@created_at::timestamptz, @updated_at::timestamptz, @owner_id::text, @owner_created_at::timestamptz,
		NULLIF(@max_members::integer, 0)
	FROM cand
	ON CONFLICT ON CONSTRAINT organizations_slug_key DO NOTHING
	RETURNING ` + orgCols + `
), owner AS (
	INSERT INTO /* TEMPLATE: schema */memberships (id, organization_id, user_id, role, created_at, updated_at)
	SELECT @owner_membership_id::uuid, ins.id, @owner_id::text, @owner_role::text,
		@owner_created_at::timestamptz, @owner_updated_at::timestamptz
	FROM ins
), ` + sqlRecord(sqlEvent(1, OrganizationCreated{}.EventName(), "o.id", "''", "@owner_id::text",
	sqlEventData("", "'organization', "+sqlOrgJSON("o"), "'owner', @owner_id::text"), "ins AS o")) + `
SELECT (SELECT free FROM base), ` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN ins AS o ON true`)

// sqlSlugCandidate is SlugCandidate(@slug, n) in SQL: the base cut so that base-n is at
// most MaxSlugLength (200) bytes, without a trailing hyphen. Slugs are ASCII.
const sqlSlugCandidate = `rtrim(left(@slug::text, 199 - length(n::text)), '-') || '-' || n`

// sqlSlugWindow is how many counter candidates one statement looks at: all of them are
// taken only when explicit slugs fill that many in a row, and then the next statement
// looks at the next window.
const sqlSlugWindow = "1024"

// maxSlugTries bounds CreateOrganization's statements for one generated slug. A try
// finds its candidate taken only when another organization took that very slug after
// the statement's snapshot (or filled a whole window of candidates): concurrent
// creations of one name never do, as the counter row orders them.
const maxSlugTries = 64

// CreateOrganization implements Store. It is one statement unless another statement
// takes the chosen slug first (after this one's snapshot): then it tries again, with a
// new snapshot (the base now looks taken, or the counter has moved on).
func (s *PostgresStore) CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	org, owner, suffixSlug := p.Organization, p.Owner, p.SuffixSlug
	args := pgArgs{
		"slug": org.Slug, "suffix": suffixSlug,
		"id": org.ID, "name": org.Name, "is_active": org.IsActive,
		"data": string(org.Data), "settings": string(org.Settings),
		"created_at": org.CreatedAt, "updated_at": org.UpdatedAt,
		"owner_id": string(owner.UserID), "owner_membership_id": owner.ID, "owner_role": string(owner.Role),
		"owner_created_at": owner.CreatedAt, "owner_updated_at": owner.UpdatedAt,
		"max_members": org.MaxMembers,
	}
	for range maxSlugTries {
		var baseFree bool
		var r orgRow
		err := s.queryRow(ctx, qCreateOrg, args).Scan(dest([]any{&baseFree}, r.dest())...)
		switch {
		case err != nil:
			return Organization{}, pgError(ctx, err)
		case r.ok():
			return r.value(), nil
		case !suffixSlug:
			return Organization{}, ErrSlugTaken
		}
	}
	return Organization{}, fmt.Errorf("%w: no free generated slug for %q after %d tries", ErrSlugTaken, org.Slug, maxSlugTries)
}

var qOrgByID = pgStatement(`SELECT ` + orgCols + ` FROM /* TEMPLATE: schema */organizations o WHERE o.id = @id::uuid`)

var qOrgBySlug = pgStatement(`SELECT ` + orgCols + ` FROM /* TEMPLATE: schema */organizations o WHERE o.slug = @slug::text`)

// Organization implements Store.
func (s *PostgresStore) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	return s.orgRow(ctx, qOrgByID, pgArgs{"id": id})
}

// OrganizationBySlug implements Store.
func (s *PostgresStore) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	return s.orgRow(ctx, qOrgBySlug, pgArgs{"slug": slug})
}

// orgRow runs statement q, which returns at most one organization.
func (s *PostgresStore) orgRow(ctx context.Context, q pgQuery, args pgArgs) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	var r orgRow
	err := s.queryRow(ctx, q, args).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Organization{}, ErrOrganizationNotFound
	}
	if err != nil {
		return Organization{}, pgReadError(ctx, err)
	}
	return r.value(), nil
}

// qUpdateOrg updates the organization only if a given field differs (JSON compared as
// text: the json type keeps documents byte for byte) and the new slug is free. Its result
// is the new row (changed true) or the unchanged one, with whether the slug was taken; no
// row means no organization.
//
// It locks the organization row first (FOR NO KEY UPDATE, the lock its UPDATE takes,
// so that two updates never hold a weaker lock and wait to strengthen it), then the
// actor's membership (sqlActor), and updates only if the call is allowed
// (PermOrganizationUpdate).
var qUpdateOrg = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @id::uuid FOR NO KEY UPDATE
), ` + sqlActor("@id::uuid") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermOrganizationUpdate)+"'") + ` AS allowed
), taken AS (
	SELECT EXISTS (SELECT 1 FROM /* TEMPLATE: schema */organizations x WHERE x.slug = @slug::text AND x.id <> @id::uuid) AS taken
), upd AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET
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
	RETURNING ` + orgCols + `
), ` + sqlRecord(sqlEvent(1, OrganizationUpdated{}.EventName(), "o.id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'organization', "+sqlOrgJSON("o")), "upd AS o")) + `
SELECT (SELECT allowed FROM chk), (SELECT taken FROM taken), true, ` + orgCols + ` FROM upd AS o
UNION ALL
SELECT (SELECT allowed FROM chk), (SELECT taken FROM taken), false, ` + orgCols + ` FROM /* TEMPLATE: schema */organizations o
WHERE o.id = @id::uuid AND NOT EXISTS (SELECT 1 FROM upd)`)

// UpdateOrganization implements Store.
func (s *PostgresStore) UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (Organization, bool, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, false, err
	}
	id, u, now := p.OrganizationID, p.Update, p.Now
	var data, settings *string
	if u.Data != nil {
		d := string(*u.Data)
		data = &d
	}
	if u.Settings != nil {
		st := string(*u.Settings)
		settings = &st
	}
	var allowed, taken, changed bool
	var r orgRow
	err := s.queryRow(ctx, qUpdateOrg, authArgs(qUpdateOrg, pgArgs{
		"id": id, "name": u.Name, "slug": u.Slug, "is_active": u.IsActive, "data": data, "settings": settings, "now": now,
		"max_members": u.MaxMembers,
	}, p.Auth.Actor, p.Auth.Policy)).Scan(dest([]any{&allowed, &taken, &changed}, r.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Organization{}, false, ErrOrganizationNotFound
	case err != nil:
		return Organization{}, false, pgError(ctx, err)
	case !allowed:
		return Organization{}, false, ErrPermissionDenied
	case taken:
		return Organization{}, false, ErrSlugTaken
	}
	return r.value(), changed, nil
}

// qDeleteOrg locks the organization (its latest version) and deletes it if the call is
// unchecked or by its owner; its memberships, invitations and custom roles go by ON
// DELETE CASCADE, and the owner reference, checked at the end of the statement, finds
// the organization gone. Columns: found, allowed, the deleted organization.
var qDeleteOrg = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @id::uuid FOR UPDATE
), del AS (
	DELETE FROM /* TEMPLATE: schema */organizations AS o USING org
	WHERE o.id = org.id AND ` + sqlOwnerActs + `
	RETURNING ` + orgCols + `
), ` + sqlRecord(sqlEvent(1, OrganizationDeleted{}.EventName(), "o.id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'organization', "+sqlOrgJSON("o")), "del AS o")) + `
SELECT EXISTS (SELECT 1 FROM org), ` + sqlOwnerActs + `, ` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN del AS o ON true`)

// DeleteOrganization implements Store.
func (s *PostgresStore) DeleteOrganization(ctx context.Context, p DeleteOrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	var found, allowed bool
	var r orgRow
	err := s.queryRow(ctx, qDeleteOrg, pgArgs{"id": p.OrganizationID, "actor": string(p.Auth.Actor)}).
		Scan(dest([]any{&found, &allowed}, r.dest())...)
	switch {
	case err != nil:
		return Organization{}, pgError(ctx, err)
	case !found:
		return Organization{}, ErrOrganizationNotFound
	case !allowed:
		return Organization{}, ErrPermissionDenied
	case !r.ok():
		return Organization{}, errors.New("organizations: DeleteOrganization changed nothing")
	}
	return r.value(), nil
}

// qOrgsForUser is served by memberships_user_organization_idx.
var qOrgsForUser = pgStatement(`
SELECT ` + orgCols + `
FROM /* TEMPLATE: schema */memberships m JOIN /* TEMPLATE: schema */organizations o ON o.id = m.organization_id
WHERE m.user_id = @user_id::text AND m.organization_id > @after::uuid AND m.status = 'active'
ORDER BY m.organization_id LIMIT @limit::bigint`)

// OrganizationsForUser implements Store.
func (s *PostgresStore) OrganizationsForUser(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r orgRow
	return queryItems(ctx, s, qOrgsForUser, pgArgs{"user_id": string(p.UserID), "after": p.After, "limit": p.Limit}, r.dest(), r.value)
}
