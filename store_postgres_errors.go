package organizations

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The PostgreSQL error codes (SQLSTATE) pgError classifies, by their names in the
// PostgreSQL documentation's appendix "PostgreSQL Error Codes".
const (
	pgUniqueViolation     = "23505" // unique_violation
	pgForeignKeyViolation = "23503" // foreign_key_violation
	pgCheckViolation      = "23514" // check_violation
	pgQueryCanceled       = "57014" // query_canceled
	pgDuplicatePrepared   = "42P05" // duplicate_prepared_statement
	pgUnknownPrepared     = "26000" // invalid_sql_statement_name
)

// statementCacheLost reports whether pe says that a prepared statement of pgx's statement
// cache is missing on, or already on, the server connection: what a transaction pooler
// does to it (see ErrStatementCacheBehindPooler). The statement did not run.
func statementCacheLost(pe *pgconn.PgError) bool {
	return (pe.Code == pgDuplicatePrepared || pe.Code == pgUnknownPrepared) && strings.Contains(pe.Message, "stmtcache_")
}

// poolerError wraps err in ErrStatementCacheBehindPooler if it is one of those errors,
// for the paths (Migrate) that do not go through pgError.
func poolerError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && statementCacheLost(pe) && !errors.Is(err, ErrStatementCacheBehindPooler) {
		return fmt.Errorf("%w: %w", ErrStatementCacheBehindPooler, err)
	}
	return err
}

// pgError is the one place where the errors of a statement that may change data become
// the library's, so that a reported outcome always matches the database:
//
//   - A *pgconn.PgError is the server's reply: the statement failed, and outside a host
//     transaction its implicit transaction rolled back (PostgreSQL commits at the Sync
//     that follows the statement, and reports an error there, a FATAL one from
//     pg_terminate_backend included, only before that commit). It becomes the sentinel
//     of its SQLSTATE and constraint name, if any; a query_canceled (57014) while ctx is
//     done, the server's answer to pgx's cancel request, also wraps ctx's error.
//   - An error from before anything was sent (pgconn.SafeToRetry: the context was done
//     before the statement, the connection was closed, no pool connection came; or a
//     closed transaction) means nothing was done: it is returned as it is, wrapping ctx's
//     error if ctx is done.
//   - Any other error came after the statement was (or may have been) sent: the reply
//     was lost (the context ended mid-flight and pgx closed the connection, the
//     connection broke). The server may have committed the change, so the result wraps
//     ErrOutcomeUnknown, ctx's error if ctx is done, and the original error.
//
// The statements classify the common refusals themselves (so that a refused call does
// not abort a host's transaction); the schema's constraints catch what a concurrent
// transaction slipped past that classification, and land here. nil stays nil.
func pgError(ctx context.Context, err error) error {
	return classifyPgError(ctx, err, true)
}

// pgReadError is pgError for a statement that only reads: losing its reply changes
// nothing, so it is never ErrOutcomeUnknown.
func pgReadError(ctx context.Context, err error) error {
	return classifyPgError(ctx, err, false)
}

func classifyPgError(ctx context.Context, err error, write bool) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if statementCacheLost(pe) {
			return fmt.Errorf("%w: %w", ErrStatementCacheBehindPooler, err)
		}
		if pe.Code == pgQueryCanceled {
			if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
				return fmt.Errorf("%w: %w", cerr, err)
			}
			return err
		}
		if sentinel := constraintSentinel(pe); sentinel != nil {
			return fmt.Errorf("%w: %w", sentinel, err)
		}
		return err
	}
	cerr := ctx.Err()
	if !write || notSent(err) {
		if cerr != nil && !errors.Is(err, cerr) {
			return fmt.Errorf("%w: %w", cerr, err)
		}
		return err
	}
	return &outcomeUnknownError{ctx: cerr, err: err}
}

// notSent reports whether err certainly happened before the statement reached the
// server.
func notSent(err error) bool {
	return pgconn.SafeToRetry(err) || errors.Is(err, pgx.ErrTxClosed)
}

// outcomeUnknownError is ErrOutcomeUnknown with its causes: the context's error (nil if
// the context is not done) and the driver's.
type outcomeUnknownError struct {
	ctx, err error
}

func (e *outcomeUnknownError) Error() string {
	return ErrOutcomeUnknown.Error() + ": " + e.err.Error()
}

func (e *outcomeUnknownError) Unwrap() []error {
	if e.ctx == nil || errors.Is(e.err, e.ctx) {
		return []error{ErrOutcomeUnknown, e.err}
	}
	return []error{ErrOutcomeUnknown, e.ctx, e.err}
}

// constraintSentinel is the sentinel of a constraint violation, keyed on SQLSTATE and
// constraint name; nil for any other error.
func constraintSentinel(pe *pgconn.PgError) error {
	switch pe.Code {
	case pgUniqueViolation:
		switch pe.ConstraintName {
		case "organizations_slug_key":
			return ErrSlugTaken
		case "memberships_organization_user_key":
			return ErrAlreadyMember
		case "invitations_pending_key":
			return ErrAlreadyInvited
		case "organization_roles_pkey":
			return ErrRoleExists
		case "teams_organization_slug_key":
			return ErrTeamSlugTaken
		case "team_members_pkey":
			return ErrAlreadyTeamMember
		case "organization_domains_verified_key":
			// Verified by another organization's call that bypassed the name's lock.
			return ErrDomainTaken
		case "organization_domains_organization_name_key":
			return ErrDomainExists
		}
	case pgForeignKeyViolation:
		switch pe.ConstraintName {
		case "organizations_owner_fkey":
			// The owner's membership was deleted or demoted, or owner_id names a
			// non-member: every such change needs ChangeOwner first.
			return ErrOwnershipRequired
		case "memberships_organization_fkey", "invitations_organization_fkey", "organization_roles_organization_fkey":
			return ErrOrganizationNotFound
		case "teams_organization_fkey", "organization_domains_organization_fkey":
			return ErrOrganizationNotFound
		case "team_members_team_fkey":
			return ErrTeamNotFound
		case "team_members_member_fkey":
			// The user's membership was removed: a team member is always a member.
			return ErrNotMember
		case "memberships_custom_role_fkey", "invitations_custom_role_fkey":
			// A custom role deleted concurrently (DeleteRole reports the other side as
			// ErrRoleInUse).
			return ErrInvalidRole
		}
	case pgCheckViolation:
		switch pe.ConstraintName {
		case "organizations_name_check", "teams_name_check":
			return ErrInvalidName
		case "organizations_slug_check", "teams_slug_check":
			return ErrInvalidSlug
		case "organizations_data_check", "organizations_settings_check", "teams_data_check":
			return ErrInvalidJSON
		case "organizations_max_members_check":
			return ErrInvalidMemberLimit
		case "memberships_role_name_check", "invitations_role_name_check", "organization_roles_name_check",
			"memberships_custom_role_check", "invitations_custom_role_check", "team_members_role_check":
			return ErrInvalidRole
		case "memberships_user_id_check":
			return ErrInvalidUserID
		case "organization_domains_name_check":
			return ErrInvalidDomain
		case "organization_domains_enrollment_check":
			return ErrInvalidEnrollment
		}
	}
	return nil
}

// pgOutcomes are the refusals the write functions of migrations 0008 to 0014 name, and
// their errors: the one place they are told apart.
var pgOutcomes = map[string]error{
	"organization_not_found": ErrOrganizationNotFound,
	"permission_denied":      ErrPermissionDenied,
	"invalid_role":           ErrInvalidRole,
	"escalation":             ErrEscalation,
	"already_member":         ErrAlreadyMember,
	"member_limit":           ErrMemberLimit,
	"slug_taken":             ErrSlugTaken,
	"not_member":             ErrNotMember,
	"ownership_required":     ErrOwnershipRequired,
	"team_not_found":         ErrTeamNotFound,
	"team_slug_taken":        ErrTeamSlugTaken,
	"already_team_member":    ErrAlreadyTeamMember,
	"not_team_member":        ErrNotTeamMember,
	"team_limit":             ErrTeamLimit,
	"team_member_limit":      ErrTeamMemberLimit,
	"organization_limit":     ErrOrganizationLimit,
	"join_request_not_found": ErrJoinRequestNotFound,
	"join_request_closed":    ErrJoinRequestClosed,
	"join_request_expired":   ErrJoinRequestExpired,
	"join_request_exists":    ErrJoinRequestExists,
	"join_requests_closed":   ErrJoinRequestsClosed,
	"role_exists":            ErrRoleExists,
	"role_not_found":         ErrRoleNotFound,
	"role_in_use":            ErrRoleInUse,
	"already_owner":          ErrAlreadyOwner,
	"transfer_not_found":     ErrTransferNotFound,
	"invitation_not_found":   ErrInvitationNotFound,
	"invitation_expired":     ErrInvitationExpired,
	"invitation_closed":      ErrInvitationClosed,
	"email_mismatch":         ErrInvitationEmailMismatch,
	"inviter_not_allowed":    ErrInviterNotAllowed,
	"already_invited":        ErrAlreadyInvited,

	// Domains (migration 0012).
	"domain_not_found":           ErrDomainNotFound,
	"domain_exists":              ErrDomainExists,
	"domain_taken":               ErrDomainTaken,
	"domain_verification_failed": ErrDomainVerificationFailed,
}

// pgOutcome is the error of a write function's outcome: nil for a change made or a row
// found, the refusal's sentinel, or an error naming an outcome this package does not
// know (a function newer than the code: a migration ahead of the binary).
func pgOutcome(outcome string) error {
	switch outcome {
	case "added", "existing", "created", "changed", "updated", "unchanged", "deleted", "removed", "decided", "withdrawn",
		"proposed", "accepted", "closed", "revoked", "declined", "renewed", "verified", "enrolled", "none":
		return nil
	}
	if err, ok := pgOutcomes[outcome]; ok {
		return err
	}
	return fmt.Errorf("organizations: unknown outcome %q from the database", outcome)
}
