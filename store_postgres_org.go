package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// sqlCreateOrg inserts the organization with the first candidate slug that is free (by
// this statement's snapshot) and the owner's membership, in one statement: the foreign
// keys between the two rows are checked at its end. The first column says whether any
// candidate looked free; a NULL organization with a free candidate means a concurrent
// insert took it first.
const sqlCreateOrg = `
WITH cand AS (
	SELECT c.slug FROM unnest($3::text[]) WITH ORDINALITY AS c (slug, n)
	WHERE NOT EXISTS (SELECT 1 FROM {{schema}}.organizations x WHERE x.slug = c.slug)
	ORDER BY c.n LIMIT 1
), ins AS (
	INSERT INTO {{schema}}.organizations AS o
		(id, name, slug, is_active, data, settings, created_at, updated_at, owner_id, owner_since)
	SELECT $1::uuid, $2::text, cand.slug, $4::boolean, $5::text::json, $6::text::json,
		$7::timestamptz, $8::timestamptz, $9::text, $11::timestamptz
	FROM cand
	ON CONFLICT ON CONSTRAINT organizations_slug_key DO NOTHING
	RETURNING ` + orgCols + `
), owner AS (
	INSERT INTO {{schema}}.memberships (id, organization_id, user_id, role, created_at, updated_at)
	SELECT $10::uuid, ins.id, $9::text, $12::text, $11::timestamptz, $13::timestamptz FROM ins
)
SELECT EXISTS (SELECT 1 FROM cand), ` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN ins AS o ON true`

// Slug candidates are tried in batches: the first is enough unless dozens of
// organizations share a name; later batches grow so that even thousands take few trips.
const (
	firstSlugBatch = 16
	maxSlugBatch   = 1024
	// maxSlugRaces bounds how often CreateOrganization retries after concurrent
	// creations took the candidate it chose.
	maxSlugRaces = 16
)

// CreateOrganization implements Store. It is one statement unless the generated slug's
// first candidates are all taken or a concurrent creation takes the chosen one first.
func (s *PostgresStore) CreateOrganization(ctx context.Context, org Organization, owner OrganizationUser, suffixSlug bool) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	next, batch, races := 1, firstSlugBatch, 0
	for {
		cands := []string{org.Slug}
		if suffixSlug {
			cands = make([]string, batch)
			for i := range cands {
				cands[i] = SlugCandidate(org.Slug, next+i)
			}
		}
		var anyFree bool
		var r orgRow
		err := s.db.QueryRow(ctx, s.sql[qCreateOrg],
			org.ID, org.Name, cands, org.IsActive, string(org.Data), string(org.Settings),
			org.CreatedAt, org.UpdatedAt, string(owner.UserID), owner.ID, owner.CreatedAt,
			string(owner.Role), owner.UpdatedAt,
		).Scan(dest([]any{&anyFree}, r.dest())...)
		switch {
		case err != nil:
			return Organization{}, pgError(ctx, err)
		case r.ok():
			return r.value(), nil
		case !suffixSlug:
			return Organization{}, ErrSlugTaken
		case !anyFree:
			next += batch
			batch = min(2*batch, maxSlugBatch)
		default:
			races++
			if races > maxSlugRaces {
				return Organization{}, errors.New("organizations: no free slug after repeated concurrent creations")
			}
		}
	}
}

const sqlOrgByID = `SELECT ` + orgCols + ` FROM {{schema}}.organizations o WHERE o.id = $1::uuid`

const sqlOrgBySlug = `SELECT ` + orgCols + ` FROM {{schema}}.organizations o WHERE o.slug = $1::text`

// Organization implements Store.
func (s *PostgresStore) Organization(ctx context.Context, id uuid.UUID) (Organization, error) {
	return s.orgRow(ctx, qOrgByID, id)
}

// OrganizationBySlug implements Store.
func (s *PostgresStore) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	return s.orgRow(ctx, qOrgBySlug, slug)
}

// orgRow runs statement q, which returns at most one organization (and, if it is
// qDeleteOrg, deletes it).
func (s *PostgresStore) orgRow(ctx context.Context, q int, args ...any) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	var r orgRow
	err := s.db.QueryRow(ctx, s.sql[q], args...).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Organization{}, ErrOrganizationNotFound
	}
	if err != nil && q != qDeleteOrg {
		return Organization{}, pgReadError(ctx, err)
	}
	if err != nil {
		return Organization{}, pgError(ctx, err)
	}
	return r.value(), nil
}

// sqlUpdateOrg updates the organization only if a given field differs (JSON compared as
// text: the json type keeps documents byte for byte) and the new slug is free. Its result
// is the new row (changed true) or the unchanged one, with whether the slug was taken; no
// row means no organization.
const sqlUpdateOrg = `
WITH taken AS (
	SELECT EXISTS (SELECT 1 FROM {{schema}}.organizations x WHERE x.slug = $3::text AND x.id <> $1::uuid) AS taken
), upd AS (
	UPDATE {{schema}}.organizations AS o SET
		name = COALESCE($2::text, o.name),
		slug = COALESCE($3::text, o.slug),
		is_active = COALESCE($4::boolean, o.is_active),
		data = COALESCE($5::text::json, o.data),
		settings = COALESCE($6::text::json, o.settings),
		updated_at = $7::timestamptz
	WHERE o.id = $1::uuid AND NOT (SELECT taken FROM taken)
		AND (o.name <> COALESCE($2::text, o.name)
			OR o.slug <> COALESCE($3::text, o.slug)
			OR o.is_active <> COALESCE($4::boolean, o.is_active)
			OR o.data::text <> COALESCE($5::text, o.data::text)
			OR o.settings::text <> COALESCE($6::text, o.settings::text))
	RETURNING ` + orgCols + `
)
SELECT (SELECT taken FROM taken), true, ` + orgCols + ` FROM upd AS o
UNION ALL
SELECT (SELECT taken FROM taken), false, ` + orgCols + ` FROM {{schema}}.organizations o
WHERE o.id = $1::uuid AND NOT EXISTS (SELECT 1 FROM upd)`

// UpdateOrganization implements Store.
func (s *PostgresStore) UpdateOrganization(ctx context.Context, id uuid.UUID, u OrganizationUpdate, now time.Time) (Organization, bool, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, false, err
	}
	var data, settings *string
	if u.Data != nil {
		d := string(*u.Data)
		data = &d
	}
	if u.Settings != nil {
		st := string(*u.Settings)
		settings = &st
	}
	var taken, changed bool
	var r orgRow
	err := s.db.QueryRow(ctx, s.sql[qUpdateOrg], id, u.Name, u.Slug, u.IsActive, data, settings, now).
		Scan(dest([]any{&taken, &changed}, r.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Organization{}, false, ErrOrganizationNotFound
	case err != nil:
		return Organization{}, false, pgError(ctx, err)
	case taken:
		return Organization{}, false, ErrSlugTaken
	}
	return r.value(), changed, nil
}

// sqlDeleteOrg deletes the organization; its memberships and invitations go by ON DELETE
// CASCADE, and the owner reference, checked at the end of the statement, finds the
// organization gone.
const sqlDeleteOrg = `DELETE FROM {{schema}}.organizations AS o WHERE o.id = $1::uuid RETURNING ` + orgCols

// DeleteOrganization implements Store.
func (s *PostgresStore) DeleteOrganization(ctx context.Context, id uuid.UUID) (Organization, error) {
	return s.orgRow(ctx, qDeleteOrg, id)
}

// sqlOrgsForUser is served by memberships_user_organization_idx.
const sqlOrgsForUser = `
SELECT ` + orgCols + `
FROM {{schema}}.memberships m JOIN {{schema}}.organizations o ON o.id = m.organization_id
WHERE m.user_id = $1::text AND m.organization_id > $2::uuid
ORDER BY m.organization_id LIMIT $3::bigint`

// OrganizationsForUser implements Store.
func (s *PostgresStore) OrganizationsForUser(ctx context.Context, user UserID, after uuid.UUID, limit int) ([]Organization, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.sql[qOrgsForUser], string(user), after, limit)
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	out := []Organization{}
	var r orgRow
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		out = append(out, r.value())
		return nil
	})
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	return out, nil
}
