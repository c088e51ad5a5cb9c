package organizations

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
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
		{"23514", "organizations_max_members_check", ErrInvalidMemberLimit},
		{"23514", "organizations_settings_check", ErrInvalidJSON},
		{"23514", "memberships_role_name_check", ErrInvalidRole},
		{"23514", "invitations_role_name_check", ErrInvalidRole},
		{"23514", "organization_roles_name_check", ErrInvalidRole},
		{"23514", "memberships_custom_role_check", ErrInvalidRole},
		{"23514", "invitations_custom_role_check", ErrInvalidRole},
		{"23503", "memberships_custom_role_fkey", ErrInvalidRole},
		{"23503", "invitations_custom_role_fkey", ErrInvalidRole},
		{"23503", "organization_roles_organization_fkey", ErrOrganizationNotFound},
		{"23505", "organization_roles_pkey", ErrRoleExists},
		{"23514", "memberships_user_id_check", ErrInvalidUserID},
		{"23514", "team_members_role_check", ErrInvalidRole},
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
		{Code: "40P01"},                    // deadlock_detected
		{Code: "57P01", Severity: "FATAL"}, // pg_terminate_backend: the statement rolled back
	} {
		require.Same(t, error(pe), pgError(context.Background(), pe))
		require.Same(t, error(pe), pgReadError(context.Background(), pe))
	}
	require.NoError(t, pgError(context.Background(), nil))
	require.NoError(t, pgReadError(context.Background(), nil))
}

// testSafeToRetry is an error that pgconn.SafeToRetry says happened before anything was
// sent, as pgx's own are.
type testSafeToRetry struct{ error }

func (testSafeToRetry) SafeToRetry() bool { return true }

// An error that came after the statement may have reached the server (a broken
// connection, a context that ended mid-flight) leaves the outcome of a write unknown;
// one from before anything was sent does not, nor does any error of a read.
func TestPgErrorOutcomeUnknown(t *testing.T) {
	reset := errors.New("read: connection reset by peer")
	err := pgError(context.Background(), reset)
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	require.ErrorIs(t, err, reset)
	require.NotErrorIs(t, err, context.Canceled)
	require.Same(t, reset, pgReadError(context.Background(), reset))

	unsent := testSafeToRetry{errors.New("dial: connection refused")}
	require.Equal(t, error(unsent), pgError(context.Background(), unsent))
	require.Same(t, pgx.ErrTxClosed, pgError(context.Background(), pgx.ErrTxClosed))
	acquire := &acquireError{errors.New("closed pool")}
	require.Same(t, error(acquire), pgError(context.Background(), acquire))
}

func TestPgErrorReportsTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The server's query_canceled, its answer to pgx's cancel request, means the
	// statement failed: the context's error.
	canceled := &pgconn.PgError{Code: "57014"}
	for _, classify := range []func(context.Context, error) error{pgError, pgReadError} {
		err := classify(ctx, canceled)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, canceled)
		require.NotErrorIs(t, err, ErrOutcomeUnknown)
	}
	// Nothing sent: the context's error.
	for _, cause := range []error{
		testSafeToRetry{errors.New("context already done")},
		&acquireError{context.Canceled},
	} {
		err := pgError(ctx, cause)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, cause)
		require.NotErrorIs(t, err, ErrOutcomeUnknown)
	}
	// The reply lost mid-flight (pgx closes the connection and reports the context's
	// error bare, or a timeout wrapping it): the outcome of a write is unknown, and the
	// error says so and matches the context's error and the driver's.
	for _, cause := range []error{context.Canceled, errors.New("conn closed")} {
		err := pgError(ctx, cause)
		require.ErrorIs(t, err, ErrOutcomeUnknown)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, cause)
		require.Contains(t, err.Error(), cause.Error())
		read := pgReadError(ctx, cause)
		require.ErrorIs(t, read, context.Canceled)
		require.NotErrorIs(t, read, ErrOutcomeUnknown)
	}
}
