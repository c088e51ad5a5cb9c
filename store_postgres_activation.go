package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

var qCreateActivation = pgStatement(`
INSERT INTO /* TEMPLATE: schema */activations (id, user_id, email, token_hash, created_at, expires_at, used_at)
VALUES (@id::uuid, @user_id::text, @email::text, @token_hash::bytea, @created_at::timestamptz, @expires_at::timestamptz, @used_at::timestamptz)`)

// CreateActivation implements Store.
func (s *PostgresStore) CreateActivation(ctx context.Context, a Activation, tokenHash []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.exec(ctx, qCreateActivation, pgArgs{
		"id": a.ID, "user_id": string(a.UserID), "email": a.Email, "token_hash": tokenHash,
		"created_at": a.CreatedAt, "expires_at": a.ExpiresAt, "used_at": pgNullTime(a.UsedAt),
	})
	return pgError(ctx, err)
}

var qActivationByHash = pgStatement(`SELECT ` + actCols + ` FROM /* TEMPLATE: schema */activations a WHERE a.token_hash = @token_hash::bytea`)

// ActivationByTokenHash implements Store.
func (s *PostgresStore) ActivationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Activation, error) {
	if err := ctx.Err(); err != nil {
		return Activation{}, err
	}
	var r activationRow
	err := s.queryRow(ctx, qActivationByHash, pgArgs{"token_hash": tokenHash}).Scan(r.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Activation{}, ErrActivationNotFound
	}
	if err != nil {
		return Activation{}, pgReadError(ctx, err)
	}
	a := r.value()
	if err := activationError(a, now); err != nil {
		return Activation{}, err
	}
	return a, nil
}

// activationError is the error for using a: nil if it is unused and unexpired as of now.
func activationError(a Activation, now time.Time) error {
	switch {
	case !a.UsedAt.IsZero():
		return ErrActivationUsed
	case !now.Before(a.ExpiresAt):
		return ErrActivationExpired
	}
	return nil
}

// qCompleteActivation locks the activation, marks it used if it is usable, and
// activates the inactive organizations its user owns (found through the user's
// memberships, memberships_user_organization_idx). One row per activated organization,
// or one with NULLs for none; no row's activation columns NULL means no activation.
var qCompleteActivation = pgStatement(`
WITH a AS (
	SELECT ` + actCols + ` FROM /* TEMPLATE: schema */activations a WHERE a.token_hash = @token_hash::bytea FOR UPDATE
), ok AS (
	SELECT a.id, a.user_id FROM a WHERE a.used_at IS NULL AND a.expires_at > @now::timestamptz
), used AS (
	UPDATE /* TEMPLATE: schema */activations AS x SET used_at = @now::timestamptz FROM ok WHERE x.id = ok.id RETURNING x.id
), act AS (
	UPDATE /* TEMPLATE: schema */organizations AS o SET is_active = true, updated_at = @now::timestamptz
	FROM ok, /* TEMPLATE: schema */memberships m
	WHERE m.user_id = ok.user_id AND o.id = m.organization_id AND o.owner_id = ok.user_id AND NOT o.is_active
	RETURNING ` + orgCols + `
), ` + fragRecord(fragEvent(1, OrganizationUpdated{}.EventName(), "o.id", "''", "NULL",
	fragEventData("", "'organization', "+fragOrgJSON("o")), "act AS o")) + `
SELECT ` + actCols + `, EXISTS (SELECT 1 FROM used), ` + orgCols + `
FROM (SELECT 1) AS one LEFT JOIN a ON true LEFT JOIN act AS o ON true
ORDER BY o.id`)

// CompleteActivation implements Store.
func (s *PostgresStore) CompleteActivation(ctx context.Context, tokenHash []byte, now time.Time) (Activation, []Organization, error) {
	if err := ctx.Err(); err != nil {
		return Activation{}, nil, err
	}
	rows, err := s.query(ctx, qCompleteActivation, pgArgs{"token_hash": tokenHash, "now": now})
	if err != nil {
		return Activation{}, nil, pgError(ctx, err)
	}
	var a activationRow
	var used bool
	var o orgRow
	orgs := []Organization{}
	_, err = pgx.ForEachRow(rows, dest(a.dest(), []any{&used}, o.dest()), func() error {
		if o.ok() {
			orgs = append(orgs, o.value())
		}
		return nil
	})
	switch {
	case err != nil:
		return Activation{}, nil, pgError(ctx, err)
	case !a.ok():
		return Activation{}, nil, ErrActivationNotFound
	case !used:
		if err := activationError(a.value(), now); err != nil {
			return Activation{}, nil, err
		}
		return Activation{}, nil, errors.New("organizations: CompleteActivation changed nothing")
	}
	act := a.value()
	act.UsedAt = now
	return act, orgs, nil
}

var qDeleteActivation = pgStatement(`DELETE FROM /* TEMPLATE: schema */activations WHERE id = @id::uuid`)

// DeleteActivation implements Store.
func (s *PostgresStore) DeleteActivation(ctx context.Context, id uuid.UUID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := s.exec(ctx, qDeleteActivation, pgArgs{"id": id})
	return pgError(ctx, err)
}
