package organizations

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// qCreateOrg is CreateOrganization: one call of organizations_create (migration 0008),
// which inserts the organization, its owner's membership and the organization_created
// record, choosing a free slug (the base, or base-N from the base's counter row when the
// slug may be suffixed) and trying again, with a new snapshot, when the one it chose was
// taken after it looked. Its outcome names what happened (pgOutcome); for created, the
// organization follows.
var qCreateOrg = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create(
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean)`)

// qCreateOrgLimited is qCreateOrg under the owner's organization limit: one call of
// organizations_create_limited (migration 0010), which locks the owner's ownership
// (an advisory lock keyed by the user), counts what the owner owns with a new snapshot,
// and then does what organizations_create does, or answers organization_limit.
var qCreateOrgLimited = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create_limited(@max_owned::integer,
	@id::uuid, @name::text, @slug::text, @suffix::boolean, @is_active::boolean, @data::text, @settings::text,
	@created_at::timestamptz, @updated_at::timestamptz, @max_members::integer,
	@owner_id::text, @owner_membership_id::uuid, @owner_role::text, @owner_created_at::timestamptz, @owner_updated_at::timestamptz,
	@number::boolean)`)

// CreateOrganization implements Store. It is one call, whatever slugs it has to try.
func (s *PostgresStore) CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error) {
	if err := ctx.Err(); err != nil {
		return Organization{}, err
	}
	org, owner := p.Organization, p.Owner
	var outcome string
	var r orgRow
	q, args := qCreateOrg, pgArgs{
		"slug": org.Slug, "suffix": p.SuffixSlug,
		"id": org.ID, "name": org.Name, "is_active": org.IsActive,
		"data": string(org.Data), "settings": string(org.Settings),
		"created_at": org.CreatedAt, "updated_at": org.UpdatedAt, "max_members": org.MaxMembers,
		"owner_id": string(owner.UserID), "owner_membership_id": owner.ID, "owner_role": string(owner.Role),
		"owner_created_at": owner.CreatedAt, "owner_updated_at": owner.UpdatedAt,
		"number": s.autocommit(),
	}
	if p.MaxOwned > 0 {
		q, args["max_owned"] = qCreateOrgLimited, p.MaxOwned
	}
	err := s.queryRow(ctx, q, args).Scan(dest([]any{&outcome}, r.dest())...)
	switch {
	case err != nil:
		return Organization{}, pgError(ctx, err)
	case outcome == "slug_exhausted":
		return Organization{}, fmt.Errorf("%w: no free generated slug for %q after 64 tries", ErrSlugTaken, org.Slug)
	}
	if err := pgOutcome(outcome); err != nil {
		return Organization{}, err
	}
	return r.value(), nil
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
	err := s.readRow(ctx, q, args).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Organization{}, ErrOrganizationNotFound
	}
	if err != nil {
		return Organization{}, pgReadError(ctx, err)
	}
	return r.value(), nil
}

// qUpdateOrg is UpdateOrganization: one call of organizations_update (migration 0014),
// which locks the organization row FOR NO KEY UPDATE (the lock its update takes), then
// the actor's membership and custom role, and decides on them as locked
// (PermOrganizationUpdate, the new slug free), then updates the organization if a
// given field differs (JSON compared as text: the json type keeps documents byte for
// byte). The organization, new or unchanged, follows the outcome.
var qUpdateOrg = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_update(
	@id::uuid, @name::text, @slug::text, @is_active::boolean, @data::text, @settings::text, @max_members::integer,
	@now::timestamptz, ` + writeAuthParams + `)`)

// UpdateOrganization implements Store.
func (s *PostgresStore) UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (Organization, bool, error) {
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
	var r orgRow
	outcome, err := s.call(ctx, qUpdateOrg, s.writeAuthArgs(pgArgs{
		"id": id, "name": u.Name, "slug": u.Slug, "is_active": u.IsActive, "data": data, "settings": settings,
		"max_members": u.MaxMembers, "now": now,
	}, p.Auth, PermOrganizationUpdate), r.dest())
	if err != nil {
		return Organization{}, false, err
	}
	return r.value(), outcome == "updated", nil
}

// qDeleteOrg is DeleteOrganization: one call of organizations_delete (migration 0014),
// which locks the organization FOR UPDATE (its latest version) and deletes it if the
// call is unchecked or by its owner; its memberships, invitations and custom roles go
// by ON DELETE CASCADE. The deleted organization follows the outcome.
var qDeleteOrg = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_delete(@id::uuid, @actor::text, @number::boolean)`)

// DeleteOrganization implements Store.
func (s *PostgresStore) DeleteOrganization(ctx context.Context, p DeleteOrganizationParams) (Organization, error) {
	var r orgRow
	args := pgArgs{"id": p.OrganizationID, "actor": string(p.Auth.Actor), "number": s.autocommit()}
	if _, err := s.call(ctx, qDeleteOrg, args, r.dest()); err != nil {
		return Organization{}, err
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
	var r orgRow
	return queryItems(ctx, s, qOrgsForUser, pgArgs{"user_id": string(p.UserID), "after": p.After, "limit": p.Limit}, r.dest(), r.value)
}
