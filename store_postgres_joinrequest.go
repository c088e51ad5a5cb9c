package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

var _ JoinRequestStore = (*PostgresStore)(nil)

// joinRequestRow scans a join request's columns.
type joinRequestRow struct {
	id, org                          pgtype.UUID
	user, message, status, decidedBy pgtype.Text
	createdAt, expiresAt, closedAt   pgtype.Timestamptz
}

func (r *joinRequestRow) dest() []any {
	return []any{&r.id, &r.org, &r.user, &r.message, &r.status, &r.createdAt, &r.expiresAt, &r.decidedBy, &r.closedAt}
}

func (r *joinRequestRow) value() JoinRequest {
	v := JoinRequest{
		ID: uuid.UUID(r.id.Bytes), OrganizationID: uuid.UUID(r.org.Bytes), UserID: UserID(r.user.String),
		Message: r.message.String, Status: JoinRequestStatus(r.status.String),
		CreatedAt: pgTime(r.createdAt), ExpiresAt: pgTime(r.expiresAt), DecidedBy: UserID(r.decidedBy.String),
	}
	if r.closedAt.Valid {
		v.ClosedAt = pgTime(r.closedAt)
	}
	return v
}

const joinRequestCols = `r.id, r.organization_id, r.user_id, r.message, r.status, r.created_at, r.expires_at, r.decided_by, r.closed_at`

// qCreateJoinRequest is CreateJoinRequest: one call of organizations_join_request_create
// (migration 0010), which locks the organization and the user's pending request, then
// decides and writes.
var qCreateJoinRequest = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_join_request_create(
	@id::uuid, @organization_id::uuid, @user_id::text, @message::text, @created_at::timestamptz, @expires_at::timestamptz,
	@now::timestamptz, @number::boolean)`)

// CreateJoinRequest implements JoinRequestStore.
func (s *PostgresStore) CreateJoinRequest(ctx context.Context, p CreateJoinRequestParams) (JoinRequest, error) {
	r := p.Request
	var row joinRequestRow
	if _, err := s.call(ctx, qCreateJoinRequest, pgArgs{
		"id": r.ID, "organization_id": r.OrganizationID, "user_id": string(r.UserID), "message": r.Message,
		"created_at": r.CreatedAt, "expires_at": r.ExpiresAt, "now": p.Now, "number": s.autocommit(),
	}, row.dest()); err != nil {
		return JoinRequest{}, err
	}
	return row.value(), nil
}

var qJoinRequest = pgStatement(`SELECT ` + joinRequestCols + ` FROM /* TEMPLATE: schema */organization_join_requests r WHERE r.id = @id::uuid`)

// JoinRequest implements JoinRequestStore.
func (s *PostgresStore) JoinRequest(ctx context.Context, id uuid.UUID, now time.Time) (JoinRequest, error) {
	if err := ctx.Err(); err != nil {
		return JoinRequest{}, err
	}
	var row joinRequestRow
	err := s.queryRow(ctx, qJoinRequest, pgArgs{"id": id}).Scan(row.dest()...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return JoinRequest{}, ErrJoinRequestNotFound
	case err != nil:
		return JoinRequest{}, pgReadError(ctx, err)
	}
	r := row.value()
	r.Status = r.StatusAt(now)
	return r, nil
}

var qPendingJoinRequests = pgStatement(`SELECT ` + joinRequestCols + ` FROM /* TEMPLATE: schema */organization_join_requests r
WHERE r.organization_id = @organization_id::uuid AND r.id > @after::uuid AND r.status = 'pending' AND r.expires_at > @now::timestamptz
ORDER BY r.id LIMIT @limit::integer`)

// PendingJoinRequests implements JoinRequestStore.
func (s *PostgresStore) PendingJoinRequests(ctx context.Context, p PendingJoinRequestsParams) ([]JoinRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, qPendingJoinRequests, pgArgs{
		"organization_id": p.OrganizationID, "after": p.After, "now": p.Now, "limit": p.Limit,
	})
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	defer rows.Close()
	out := []JoinRequest{}
	for rows.Next() {
		var row joinRequestRow
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, pgReadError(ctx, err)
		}
		out = append(out, row.value())
	}
	if err := rows.Err(); err != nil {
		return nil, pgReadError(ctx, err)
	}
	return out, nil
}

// qDecideJoinRequest is DecideJoinRequest: one call of
// organizations_join_request_decide (migration 0010), which locks the organization, the
// actor's membership and the request, then decides (the actor's right, the request's
// state, membership and seats) and writes.
var qDecideJoinRequest = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_join_request_decide(
	@id::uuid, @approve::boolean, @actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[],
	@m_id::uuid, @m_created_at::timestamptz, @m_updated_at::timestamptz, @now::timestamptz, @number::boolean)`)

// DecideJoinRequest implements JoinRequestStore.
func (s *PostgresStore) DecideJoinRequest(ctx context.Context, p DecideJoinRequestParams) (JoinRequest, OrganizationUser, error) {
	pp := pgPolicyOf(p.Auth.Policy)
	var row joinRequestRow
	var mID pgtype.UUID
	var mRole pgtype.Text
	var mCreated, mUpdated pgtype.Timestamptz
	if _, err := s.call(ctx, qDecideJoinRequest, pgArgs{
		"id": p.ID, "approve": p.Approve, "actor": string(p.Auth.Actor), "perm": string(PermMembersAdd),
		"pol_roles": pp.roles, "pol_perms": pp.perms,
		"m_id": p.Membership.ID, "m_created_at": p.Membership.CreatedAt, "m_updated_at": p.Membership.UpdatedAt,
		"now": p.Now, "number": s.autocommit(),
	}, row.dest(), []any{&mID, &mRole, &mCreated, &mUpdated}); err != nil {
		return JoinRequest{}, OrganizationUser{}, err
	}
	r := row.value()
	var m OrganizationUser
	if mID.Valid {
		m = OrganizationUser{
			ID: uuid.UUID(mID.Bytes), OrganizationID: r.OrganizationID, UserID: r.UserID, Role: Role(mRole.String),
			CreatedAt: pgTime(mCreated), UpdatedAt: pgTime(mUpdated),
		}
	}
	return r, m, nil
}

// qWithdrawJoinRequest is WithdrawJoinRequest: one call of
// organizations_join_request_withdraw (migration 0010).
var qWithdrawJoinRequest = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_join_request_withdraw(
	@id::uuid, @user_id::text, @now::timestamptz, @number::boolean)`)

// WithdrawJoinRequest implements JoinRequestStore.
func (s *PostgresStore) WithdrawJoinRequest(ctx context.Context, p WithdrawJoinRequestParams) (JoinRequest, error) {
	var row joinRequestRow
	if _, err := s.call(ctx, qWithdrawJoinRequest, pgArgs{
		"id": p.ID, "user_id": string(p.UserID), "now": p.Now, "number": s.autocommit(),
	}, row.dest()); err != nil {
		return JoinRequest{}, err
	}
	return row.value(), nil
}
