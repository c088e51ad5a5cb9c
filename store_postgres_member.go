package organizations

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Membership inserts say ON CONFLICT DO NOTHING without a conflict target, so that every
// unique index is an arbiter: with only memberships_organization_user_key as the target,
// two concurrent inserts of one user would still collide in
// memberships_organization_user_role_key (the owner foreign key's target) and fail
// instead of doing nothing. A reused membership ID is also "nothing done"; the Service
// never reuses one.

// qAddUser inserts the membership if the organization exists and the user is not a
// member; its two columns say which.
var qAddUser = pgStatement(`
WITH org AS (
	SELECT o.id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid
), ins AS (
	INSERT INTO /* TEMPLATE: schema */memberships (id, organization_id, user_id, role, created_at, updated_at)
	SELECT @id::uuid, org.id, @user_id::text, @role::text, @created_at::timestamptz, @updated_at::timestamptz FROM org
	ON CONFLICT DO NOTHING
	RETURNING id
)
SELECT EXISTS (SELECT 1 FROM org), EXISTS (SELECT 1 FROM ins)`)

// AddUser implements Store.
func (s *PostgresStore) AddUser(ctx context.Context, m OrganizationUser) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var found, added bool
	err := s.db.QueryRow(ctx, s.sql[qAddUser], memberArgs(m)).Scan(&found, &added)
	switch {
	case err != nil:
		return pgError(ctx, err)
	case !found:
		return ErrOrganizationNotFound
	case !added:
		return ErrAlreadyMember
	}
	return nil
}

// memberArgs are the arguments of the statements that insert m.
func memberArgs(m OrganizationUser) pgx.StrictNamedArgs {
	return pgx.StrictNamedArgs{
		"id": m.ID, "organization_id": m.OrganizationID, "user_id": string(m.UserID), "role": string(m.Role),
		"created_at": m.CreatedAt, "updated_at": m.UpdatedAt,
	}
}

// qGetOrAddUser returns the existing membership (created false) or inserts m (created
// true). If a concurrent transaction inserted the membership after this statement's
// snapshot, neither shows: the organization exists but no membership comes back, and a
// new statement, with a new snapshot, will see it.
var qGetOrAddUser = pgStatement(`
WITH org AS (
	SELECT o.id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid
), cur AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text
), ins AS (
	INSERT INTO /* TEMPLATE: schema */memberships AS m (id, organization_id, user_id, role, created_at, updated_at)
	SELECT @id::uuid, org.id, @user_id::text, @role::text, @created_at::timestamptz, @updated_at::timestamptz FROM org
	WHERE NOT EXISTS (SELECT 1 FROM cur)
	ON CONFLICT DO NOTHING
	RETURNING ` + memberCols + `
)
SELECT EXISTS (SELECT 1 FROM org), ` + memberCols + `
FROM (SELECT 1) AS one LEFT JOIN (SELECT * FROM ins UNION ALL SELECT * FROM cur) AS m ON true`)

// maxMembershipRaces bounds how often a call looks again for a membership that a
// concurrent call inserted after its statement's snapshot.
const maxMembershipRaces = 8

// GetOrAddUser implements Store. It is one statement, and another only when a concurrent
// call added the same membership an instant before.
func (s *PostgresStore) GetOrAddUser(ctx context.Context, m OrganizationUser) (OrganizationUser, bool, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, false, err
	}
	for range maxMembershipRaces {
		var found bool
		var r memberRow
		err := s.db.QueryRow(ctx, s.sql[qGetOrAddUser], memberArgs(m)).Scan(dest([]any{&found}, r.dest())...)
		switch {
		case err != nil:
			return OrganizationUser{}, false, pgError(ctx, err)
		case !found:
			return OrganizationUser{}, false, ErrOrganizationNotFound
		case r.ok():
			got := r.value()
			return got, got.ID == m.ID, nil
		}
	}
	return OrganizationUser{}, false, errors.New("organizations: GetOrAddUser: the membership kept changing concurrently")
}

// qRemoveUser deletes the membership unless it is the owner's; its columns classify a
// refusal (no organization, not a member, the owner).
var qRemoveUser = pgStatement(`
WITH org AS (
	SELECT o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid
), del AS (
	DELETE FROM /* TEMPLATE: schema */memberships AS m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND (SELECT owner_id FROM org) <> @user_id::text
	RETURNING ` + memberCols + `
)
SELECT EXISTS (SELECT 1 FROM org),
	EXISTS (SELECT 1 FROM /* TEMPLATE: schema */memberships x WHERE x.organization_id = @organization_id::uuid AND x.user_id = @user_id::text),
	COALESCE((SELECT owner_id = @user_id::text FROM org), false), ` + memberCols + `
FROM (SELECT 1) AS one LEFT JOIN del AS m ON true`)

// RemoveUser implements Store.
func (s *PostgresStore) RemoveUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	var found, member, owner bool
	var r memberRow
	err := s.db.QueryRow(ctx, s.sql[qRemoveUser], pgx.StrictNamedArgs{"organization_id": org, "user_id": string(user)}).
		Scan(dest([]any{&found, &member, &owner}, r.dest())...)
	switch {
	case err != nil:
		return OrganizationUser{}, pgError(ctx, err)
	case !found:
		return OrganizationUser{}, ErrOrganizationNotFound
	case r.ok():
		return r.value(), nil
	case owner:
		return OrganizationUser{}, ErrOwnershipRequired
	}
	return OrganizationUser{}, ErrNotMember
}

// qSetRole changes the role unless it is unchanged or would demote the owner, and
// returns the membership before and after (NULL if unchanged), with the classification.
var qSetRole = pgStatement(`
WITH org AS (
	SELECT o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid
), cur AS (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text
), upd AS (
	UPDATE /* TEMPLATE: schema */memberships AS m SET role = @role::text, updated_at = @now::timestamptz
	WHERE m.organization_id = @organization_id::uuid AND m.user_id = @user_id::text AND m.role <> @role::text
		AND (@role::text = 'admin' OR (SELECT owner_id FROM org) <> @user_id::text)
	RETURNING ` + memberCols + `
)
SELECT EXISTS (SELECT 1 FROM org), COALESCE((SELECT owner_id = @user_id::text FROM org), false),
	` + memberCols + `, u.id, u.organization_id, u.user_id, u.role, u.created_at, u.updated_at
FROM (SELECT 1) AS one LEFT JOIN cur AS m ON true LEFT JOIN upd AS u ON true`)

// SetRole implements Store.
func (s *PostgresStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, OrganizationUser{}, err
	}
	org, user, role, now := p.OrganizationID, p.UserID, p.Role, p.Now
	var found, owner bool
	var before, after memberRow
	err := s.db.QueryRow(ctx, s.sql[qSetRole], pgx.StrictNamedArgs{
		"organization_id": org, "user_id": string(user), "role": string(role), "now": now,
	}).
		Scan(dest([]any{&found, &owner}, before.dest(), after.dest())...)
	switch {
	case err != nil:
		return OrganizationUser{}, OrganizationUser{}, pgError(ctx, err)
	case !found:
		return OrganizationUser{}, OrganizationUser{}, ErrOrganizationNotFound
	case !before.ok():
		return OrganizationUser{}, OrganizationUser{}, ErrNotMember
	case after.ok():
		return before.value(), after.value(), nil
	case owner && role != RoleAdmin && Role(before.role.String) != role:
		return OrganizationUser{}, OrganizationUser{}, ErrOwnershipRequired
	}
	// Unchanged: the role already was role (or a concurrent call just made it so).
	return before.value(), before.value(), nil
}

// qMember is IsMember's statement: both lookups are unique-index probes.
var qMember = pgStatement(`
SELECT ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid`)

// OrganizationUser implements Store.
func (s *PostgresStore) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	var r memberRow
	err := s.db.QueryRow(ctx, s.sql[qMember], pgx.StrictNamedArgs{"organization_id": org, "user_id": string(user)}).Scan(r.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return OrganizationUser{}, ErrOrganizationNotFound
	case err != nil:
		return OrganizationUser{}, pgReadError(ctx, err)
	case !r.ok():
		return OrganizationUser{}, ErrNotMember
	}
	return r.value(), nil
}

// qAccessByID and qAccessBySlug are Access's statements, one per key so that each is a
// unique-index probe: the organization, and the membership (NULLs for a non-member); no
// row means no organization.
var (
	qAccessByID = pgStatement(`
SELECT o.owner_id = @user_id::text, ` + orgCols + `, ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.id = @organization_id::uuid`)
	qAccessBySlug = pgStatement(`
SELECT o.owner_id = @user_id::text, ` + orgCols + `, ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */memberships m ON m.organization_id = o.id AND m.user_id = @user_id::text
WHERE o.slug = @slug::text`)
)

// Access implements Store.
func (s *PostgresStore) Access(ctx context.Context, p AccessParams) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	q, args := qAccessByID, pgx.StrictNamedArgs{"organization_id": p.OrganizationID, "user_id": string(p.UserID)}
	if p.OrganizationID == uuid.Nil {
		q, args = qAccessBySlug, pgx.StrictNamedArgs{"slug": p.Slug, "user_id": string(p.UserID)}
	}
	var owner bool
	var o orgRow
	var m memberRow
	err := s.db.QueryRow(ctx, s.sql[q], args).Scan(dest([]any{&owner}, o.dest(), m.dest())...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Access{}, ErrOrganizationNotFound
	case err != nil:
		return Access{}, pgReadError(ctx, err)
	case !m.ok():
		return Access{Organization: o.value()}, nil
	}
	return Access{Organization: o.value(), Membership: m.value(), IsMember: true, IsOwner: owner}, nil
}

// qMembers returns one row per membership of the page, or one row of NULLs for an empty
// page; no row at all means no organization. Served by memberships_organization_id_idx.
// The page's condition names @organization_id rather than o.id: the planner then knows
// which organization it reads, and so whether it is a large one whose page must come
// from the index in order rather than from all its members sorted.
var qMembers = pgStatement(`
SELECT ` + memberCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN LATERAL (
	SELECT ` + memberCols + ` FROM /* TEMPLATE: schema */memberships m
	WHERE m.organization_id = @organization_id::uuid AND m.id > @after::uuid
	ORDER BY m.id LIMIT @limit::bigint
) AS m ON true
WHERE o.id = @organization_id::uuid
ORDER BY m.id`)

// Members implements Store.
func (s *PostgresStore) Members(ctx context.Context, p MembersParams) ([]OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.sql[qMembers], pgx.StrictNamedArgs{
		"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit,
	})
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	var out []OrganizationUser
	var r memberRow
	n := 0
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		n++
		if r.ok() {
			out = append(out, r.value())
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, pgReadError(ctx, err)
	case n == 0:
		return nil, ErrOrganizationNotFound
	case out == nil:
		out = []OrganizationUser{}
	}
	return out, nil
}
