package organizations

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

func TestPgErrorMapsConstraintsToSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code, constraint string
		want             error
	}{
		{"23505", "organizations_slug_key", ErrSlugTaken},
		{"23505", "memberships_organization_user_key", ErrAlreadyMember},
		{"23505", "invitations_pending_key", ErrAlreadyInvited},
		{"23503", "organizations_owner_fkey", ErrOwnershipRequired},
		{"23503", "memberships_organization_fkey", ErrOrganizationNotFound},
		{"23503", "invitations_organization_fkey", ErrOrganizationNotFound},
		{"23514", "organizations_name_check", ErrInvalidName},
		{"23514", "organizations_slug_check", ErrInvalidSlug},
		{"23514", "organizations_data_check", ErrInvalidJSON},
		{"23514", "organizations_settings_check", ErrInvalidJSON},
		{"23514", "memberships_role_check", ErrInvalidRole},
		{"23514", "invitations_role_check", ErrInvalidRole},
		{"23514", "memberships_user_id_check", ErrInvalidUserID},
	}
	for _, tc := range cases {
		t.Run(tc.constraint, func(t *testing.T) {
			pe := &pgconn.PgError{Code: tc.code, ConstraintName: tc.constraint, Message: "boom"}
			err := pgError(context.Background(), pe)
			require.ErrorIs(t, err, tc.want)
			var got *pgconn.PgError
			require.True(t, errors.As(err, &got), "the PostgreSQL error stays reachable")
			require.Same(t, pe, got)
		})
	}
}

func TestPgErrorLeavesOtherErrorsAlone(t *testing.T) {
	t.Parallel()
	for _, pe := range []*pgconn.PgError{
		{Code: "23505", ConstraintName: "memberships_pkey"}, // a reused ID is not "already a member"
		{Code: "23503", ConstraintName: "somebody_elses_fkey"},
		{Code: "40P01"}, // deadlock_detected
	} {
		err := pgError(context.Background(), pe)
		require.Same(t, error(pe), err)
	}
	plain := errors.New("connection reset")
	require.Same(t, plain, pgError(context.Background(), plain))
	require.NoError(t, pgError(context.Background(), nil))
}

func TestPgErrorReportsTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// pgx reports a query cancelled by its context as the server's query_canceled, or as
	// a closed connection: either way the caller sees the context's error.
	for _, cause := range []error{&pgconn.PgError{Code: "57014"}, errors.New("conn closed")} {
		err := pgError(ctx, cause)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, cause)
	}
	wrapped := errors.Join(context.Canceled, errors.New("x"))
	require.Same(t, wrapped, pgError(ctx, wrapped))
}
