package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

var _ DomainStore = (*PostgresStore)(nil)

// The domain writes are calls of the write functions of migration 0012, each of which
// locks what it decides on (the name, for a verification; the organization and the actor;
// the domain), decides on it as locked and writes, with its event record; the outcome
// (pgOutcome) names what happened.

const domainCols = `d.id, d.organization_id, d.name, d.enrollment, d.token, d.verified_at, d.verification, d.verified_by, d.created_at, d.updated_at`

// domainRow scans a domain's columns (domainCols, or a write function's r_*, b_*, x_*,
// d_*), NULLs included.
type domainRow struct {
	id, org                  pgtype.UUID
	name, enrollment, token  pgtype.Text
	verifiedAt               pgtype.Timestamptz
	verification, verifiedBy pgtype.Text
	createdAt, updatedAt     pgtype.Timestamptz
}

func (r *domainRow) dest() []any {
	return []any{&r.id, &r.org, &r.name, &r.enrollment, &r.token, &r.verifiedAt, &r.verification, &r.verifiedBy,
		&r.createdAt, &r.updatedAt}
}

func (r *domainRow) ok() bool { return r.id.Valid }

func (r *domainRow) value() Domain {
	return Domain{
		ID: uuid.UUID(r.id.Bytes), OrganizationID: uuid.UUID(r.org.Bytes), Name: r.name.String,
		Enrollment: DomainEnrollment(r.enrollment.String), Token: r.token.String,
		VerifiedAt: pgTime(r.verifiedAt), Verification: DomainVerification(r.verification.String),
		VerifiedBy: UserID(r.verifiedBy.String), CreatedAt: pgTime(r.createdAt), UpdatedAt: pgTime(r.updatedAt),
	}
}

// domainAuthArgs adds the actor-check arguments every domain write function takes
// (teamAuthParams, on PermDomainsManage).
func (s *PostgresStore) domainAuthArgs(args pgArgs, auth Authorization) pgArgs {
	pp := pgPolicyOf(auth.Policy)
	args["actor"], args["perm"] = string(auth.Actor), string(PermDomainsManage)
	args["pol_roles"], args["pol_perms"], args["number"] = pp.roles, pp.perms, s.autocommit()
	return args
}

// pgSince is a VerifiedSince as the functions take it: NULL for none.
func pgSince(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

var qAddDomain = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_add(
	@id::uuid, @organization_id::uuid, @name::text, @enrollment::text, @token::text,
	@created_at::timestamptz, @updated_at::timestamptz, ` + teamAuthParams + `)`)

// AddDomain implements DomainStore.
func (s *PostgresStore) AddDomain(ctx context.Context, p AddDomainParams) (Domain, error) {
	d := p.Domain
	var r domainRow
	if _, err := s.call(ctx, qAddDomain, s.domainAuthArgs(pgArgs{
		"id": d.ID, "organization_id": d.OrganizationID, "name": d.Name, "enrollment": string(d.Enrollment),
		"token": d.Token, "created_at": d.CreatedAt, "updated_at": d.UpdatedAt,
	}, p.Auth), r.dest()); err != nil {
		return Domain{}, err
	}
	return r.value(), nil
}

// qDomain reads the organization's domain: no row for no organization, NULLs for no
// domain (organization_domains_organization_name_key).
var qDomain = pgStatement(`
SELECT ` + domainCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */organization_domains d ON d.organization_id = o.id AND d.name = @name::text
WHERE o.id = @organization_id::uuid`)

// Domain implements DomainStore.
func (s *PostgresStore) Domain(ctx context.Context, org uuid.UUID, name string) (Domain, error) {
	var r domainRow
	return orgItem(ctx, s.queryRow, qDomain, pgArgs{"organization_id": org, "name": name}, r.dest(), r.ok, r.value, ErrDomainNotFound)
}

// qDomains pages the organization's domains (organization_domains_org_idx); one row of
// NULLs for an empty page, none for no organization.
var qDomains = pgStatement(`
SELECT ` + domainCols + orgPage("d", `
	SELECT d.* FROM /* TEMPLATE: schema */organization_domains d
	WHERE d.organization_id = @organization_id::uuid AND d.id > @after::uuid
	ORDER BY d.id LIMIT @limit::bigint`))

// ListDomains implements DomainStore.
func (s *PostgresStore) ListDomains(ctx context.Context, p ListDomainsParams) ([]Domain, error) {
	var r domainRow
	return orgItems(ctx, s, qDomains, pgArgs{"organization_id": p.OrganizationID, "after": p.After, "limit": p.Limit},
		r.dest(), r.ok, r.value)
}

var qRemoveDomain = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_remove(
	@organization_id::uuid, @name::text, ` + teamAuthParams + `)`)

// RemoveDomain implements DomainStore.
func (s *PostgresStore) RemoveDomain(ctx context.Context, p DomainParams) (Domain, error) {
	var r domainRow
	if _, err := s.call(ctx, qRemoveDomain, s.domainAuthArgs(pgArgs{
		"organization_id": p.OrganizationID, "name": p.Name,
	}, p.Auth), r.dest()); err != nil {
		return Domain{}, err
	}
	return r.value(), nil
}

var qUpdateDomain = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_update(
	@organization_id::uuid, @name::text, @unverify::boolean, @enrollment::text, @now::timestamptz, ` + teamAuthParams + `)`)

// updateDomain calls organizations_domain_update: unverify, or set the mode enrollment
// (not NULL).
func (s *PostgresStore) updateDomain(ctx context.Context, auth Authorization, org uuid.UUID, name string, unverify bool,
	enrollment pgtype.Text, now time.Time) (Domain, Domain, error) {
	var before, after domainRow
	if _, err := s.call(ctx, qUpdateDomain, s.domainAuthArgs(pgArgs{
		"organization_id": org, "name": name, "unverify": unverify, "enrollment": enrollment, "now": now,
	}, auth), before.dest(), after.dest()); err != nil {
		return Domain{}, Domain{}, err
	}
	return before.value(), after.value(), nil
}

// UnverifyDomain implements DomainStore.
func (s *PostgresStore) UnverifyDomain(ctx context.Context, p DomainParams) (Domain, Domain, error) {
	return s.updateDomain(ctx, p.Auth, p.OrganizationID, p.Name, true, pgtype.Text{}, p.Now)
}

// SetDomainEnrollment implements DomainStore.
func (s *PostgresStore) SetDomainEnrollment(ctx context.Context, p SetDomainEnrollmentParams) (Domain, Domain, error) {
	return s.updateDomain(ctx, p.Auth, p.OrganizationID, p.Name, false,
		pgtype.Text{String: string(p.Enrollment), Valid: true}, p.Now)
}

var qVerifyDomain = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_verify(
	@organization_id::uuid, @name::text, @verification::text, @token::text, @since::timestamptz, @now::timestamptz, ` +
	teamAuthParams + `)`)

// VerifyDomain implements DomainStore.
func (s *PostgresStore) VerifyDomain(ctx context.Context, p VerifyDomainParams) (VerifyDomainResult, error) {
	var r, x domainRow
	if _, err := s.call(ctx, qVerifyDomain, s.domainAuthArgs(pgArgs{
		"organization_id": p.OrganizationID, "name": p.Name, "verification": string(p.Verification), "token": p.Token,
		"since": pgSince(p.VerifiedSince), "now": p.Now,
	}, p.Auth), r.dest(), x.dest()); err != nil {
		return VerifyDomainResult{}, err
	}
	res := VerifyDomainResult{Domain: r.value()}
	if x.ok() {
		released := x.value()
		res.Released = &released
	}
	return res, nil
}

// qEnrollments is Enrollments: one call of organizations_domain_enrollments (migration
// 0012).
var qEnrollments = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_enrollments(
	@user_id::text, @email::text, @domain::text, @since::timestamptz, @now::timestamptz,
	@inv_id::uuid, @inv_created_at::timestamptz, @inv_expires_at::timestamptz, @token_hash::bytea, @number::boolean)`)

// Enrollments implements DomainStore.
func (s *PostgresStore) Enrollments(ctx context.Context, p EnrollmentsParams) ([]EnrollmentResult, error) {
	var org orgRow
	var d domainRow
	var inv invitationRow
	var jr joinRequestRow
	var created, renewed pgtype.Bool
	outcome, err := s.call(ctx, qEnrollments, pgArgs{
		"user_id": string(p.UserID), "email": p.Email, "domain": p.Domain, "since": pgSince(p.VerifiedSince), "now": p.Now,
		"inv_id": p.Invitation.ID, "inv_created_at": p.Invitation.CreatedAt, "inv_expires_at": p.Invitation.ExpiresAt,
		"token_hash": p.TokenHash, "number": s.autocommit(),
	}, org.dest(), d.dest(), inv.dest(), jr.dest(), []any{&created, &renewed})
	if err != nil {
		return nil, err
	}
	out := []EnrollmentResult{}
	if outcome != "enrolled" {
		return out, nil
	}
	r := EnrollmentResult{
		Enrollment:        Enrollment{Organization: org.value(), Domain: d.value()},
		InvitationCreated: created.Bool, InvitationRenewed: renewed.Bool,
	}
	if inv.ok() {
		i := inv.value(p.Now)
		r.Invitation = &i
	}
	if jr.id.Valid {
		j := jr.value()
		r.JoinRequest = &j
	}
	return append(out, r), nil
}

// qCreateDomainJoinRequest is CreateDomainJoinRequest: one call of
// organizations_domain_join_request_create (migration 0012).
var qCreateDomainJoinRequest = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_domain_join_request_create(
	@id::uuid, @organization_id::uuid, @user_id::text, @message::text, @created_at::timestamptz, @expires_at::timestamptz,
	@domain::text, @since::timestamptz, @now::timestamptz, @number::boolean)`)

// CreateDomainJoinRequest implements DomainStore.
func (s *PostgresStore) CreateDomainJoinRequest(ctx context.Context, p CreateDomainJoinRequestParams) (JoinRequest, error) {
	r := p.Request
	var row joinRequestRow
	if _, err := s.call(ctx, qCreateDomainJoinRequest, pgArgs{
		"id": r.ID, "organization_id": r.OrganizationID, "user_id": string(r.UserID), "message": r.Message,
		"created_at": r.CreatedAt, "expires_at": r.ExpiresAt, "domain": p.Domain, "since": pgSince(p.VerifiedSince),
		"now": p.Now, "number": s.autocommit(),
	}, row.dest()); err != nil {
		return JoinRequest{}, err
	}
	return row.value(), nil
}
