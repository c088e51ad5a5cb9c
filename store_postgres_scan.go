package organizations

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// The column lists every statement selects, and the rows that scan them. Each row type
// accepts NULLs, so that the same scanner serves the outer joins through which a
// statement reports "not found" along with its classification columns.

const (
	orgCols    = `o.id, o.name, o.slug, o.is_active, o.data::text AS data, o.settings::text AS settings, o.created_at, o.updated_at, o.max_members`
	memberCols = `m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at`
	invCols    = `i.id, i.organization_id, i.email, i.role, i.invited_by, i.bearer, i.status, i.created_at, i.expires_at, i.responded_at, i.accepted_by`
	// invTeamsCol is the teams of the invitation of alias i (migration 0015), after invCols
	// where a read returns them (invitationRow.destTeams).
	invTeamsCol = `/* TEMPLATE: schema */organization_invitation_teams_json(i.id)::text`
	actCols     = `a.id, a.user_id, a.email, a.created_at, a.expires_at, a.used_at`
)

type orgRow struct {
	id                   pgtype.UUID
	name, slug           pgtype.Text
	active               pgtype.Bool
	data, settings       pgtype.Text
	createdAt, updatedAt pgtype.Timestamptz
	maxMembers           pgtype.Int4
}

func (r *orgRow) dest() []any {
	return []any{&r.id, &r.name, &r.slug, &r.active, &r.data, &r.settings, &r.createdAt, &r.updatedAt, &r.maxMembers}
}

func (r *orgRow) ok() bool { return r.id.Valid }

func (r *orgRow) value() Organization {
	return Organization{
		ID: uuid.UUID(r.id.Bytes), Name: r.name.String, Slug: r.slug.String, IsActive: r.active.Bool,
		Data: json.RawMessage(r.data.String), Settings: json.RawMessage(r.settings.String),
		CreatedAt: pgTime(r.createdAt), UpdatedAt: pgTime(r.updatedAt), MaxMembers: int(r.maxMembers.Int32),
	}
}

type memberRow struct {
	id, org              pgtype.UUID
	user, role           pgtype.Text
	createdAt, updatedAt pgtype.Timestamptz
	suspendedAt          pgtype.Timestamptz
}

func (r *memberRow) dest() []any {
	return []any{&r.id, &r.org, &r.user, &r.role, &r.createdAt, &r.updatedAt, &r.suspendedAt}
}

func (r *memberRow) ok() bool { return r.id.Valid }

func (r *memberRow) value() OrganizationUser {
	return OrganizationUser{
		ID: uuid.UUID(r.id.Bytes), OrganizationID: uuid.UUID(r.org.Bytes),
		UserID: UserID(r.user.String), Role: Role(r.role.String),
		CreatedAt: pgTime(r.createdAt), UpdatedAt: pgTime(r.updatedAt), SuspendedAt: pgTime(r.suspendedAt),
	}
}

type invitationRow struct {
	id, org                pgtype.UUID
	email, role, invitedBy pgtype.Text
	bearer                 pgtype.Bool
	status                 pgtype.Text
	createdAt, expiresAt   pgtype.Timestamptz
	respondedAt            pgtype.Timestamptz
	acceptedBy             pgtype.Text
	teams                  pgtype.Text // a JSON array (migration 0015), NULL for none
}

func (r *invitationRow) dest() []any {
	return []any{&r.id, &r.org, &r.email, &r.role, &r.invitedBy, &r.bearer, &r.status,
		&r.createdAt, &r.expiresAt, &r.respondedAt, &r.acceptedBy}
}

// destTeams is dest and the teams column (invTeamsCol).
func (r *invitationRow) destTeams() []any { return append(r.dest(), &r.teams) }

func (r *invitationRow) ok() bool { return r.id.Valid }

// value returns the invitation with its status as of now (Invitation.StatusAt).
func (r *invitationRow) value(now time.Time) Invitation {
	inv := Invitation{
		ID: uuid.UUID(r.id.Bytes), OrganizationID: uuid.UUID(r.org.Bytes),
		Email: r.email.String, Role: Role(r.role.String), InvitedBy: UserID(r.invitedBy.String),
		Bearer: r.bearer.Bool, Status: InvitationStatus(r.status.String),
		CreatedAt: pgTime(r.createdAt), ExpiresAt: pgTime(r.expiresAt),
		RespondedAt: pgTime(r.respondedAt), AcceptedBy: UserID(r.acceptedBy.String),
	}
	if r.teams.Valid {
		// Written by organization_invitation_teams_json: an array of TeamInvite objects.
		if err := json.Unmarshal([]byte(r.teams.String), &inv.Teams); err != nil || len(inv.Teams) == 0 {
			inv.Teams = nil
		}
	}
	inv.Status = inv.StatusAt(now)
	return inv
}

type activationRow struct {
	id                   pgtype.UUID
	user, email          pgtype.Text
	createdAt, expiresAt pgtype.Timestamptz
	usedAt               pgtype.Timestamptz
}

func (r *activationRow) dest() []any {
	return []any{&r.id, &r.user, &r.email, &r.createdAt, &r.expiresAt, &r.usedAt}
}

func (r *activationRow) ok() bool { return r.id.Valid }

func (r *activationRow) value() Activation {
	return Activation{
		ID: uuid.UUID(r.id.Bytes), UserID: UserID(r.user.String), Email: r.email.String,
		CreatedAt: pgTime(r.createdAt), ExpiresAt: pgTime(r.expiresAt), UsedAt: pgTime(r.usedAt),
	}
}

// pgTime returns a timestamptz in the form the library keeps times (pgx gives local
// time); NULL is the zero time.
func pgTime(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return Timestamp(t.Time)
}

// pgNullTime is the parameter for a nullable timestamptz column: the zero time is NULL.
func pgNullTime(t time.Time) pgtype.Timestamptz {
	return pgtype.Timestamptz{Time: t, Valid: !t.IsZero()}
}

// dest joins the scan destinations of several rows of one result row.
func dest(first []any, more ...[]any) []any {
	for _, m := range more {
		first = append(first, m...)
	}
	return first
}

// orgItem reads one item of an organization by q, which answers no row when the
// organization does not exist (ErrOrganizationNotFound) and a row of NULLs when the item
// does not (notFound). read runs q: s.queryRow to read from the primary, s.readRow where
// a replica may answer. dest scans the row; ok reports whether it is an item, and value
// makes it.
func orgItem[T any](ctx context.Context, read func(context.Context, pgQuery, pgArgs) pgx.Row, q pgQuery, args pgArgs,
	dest []any, ok func() bool, value func() T, notFound error) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	err := read(ctx, q, args).Scan(dest...)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return zero, ErrOrganizationNotFound
	case err != nil:
		return zero, pgReadError(ctx, err)
	case !ok():
		return zero, notFound
	}
	return value(), nil
}

// queryItems runs q and returns value() of each row scanned into dest (never nil, so that
// an empty list marshals as []), for the list statements whose every row is an item.
// A replica may answer (readRows). A done ctx's error comes back before q is run.
func queryItems[T any](ctx context.Context, s *PostgresStore, q pgQuery, args pgArgs, dest []any, value func() T) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []T
	err := s.readRows(ctx, q, args, func(rows pgx.Rows) error {
		out = []T{}
		_, err := pgx.ForEachRow(rows, dest, func() error {
			out = append(out, value())
			return nil
		})
		return err
	})
	if err != nil {
		return nil, pgReadError(ctx, err)
	}
	return out, nil
}
