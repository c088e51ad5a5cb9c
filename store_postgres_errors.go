package organizations

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// The PostgreSQL error codes (SQLSTATE) pgError classifies, by their names in the
// PostgreSQL documentation's appendix "PostgreSQL Error Codes".
const (
	pgUniqueViolation     = "23505" // unique_violation
	pgForeignKeyViolation = "23503" // foreign_key_violation
	pgCheckViolation      = "23514" // check_violation
)

// pgError is the one place where PostgreSQL errors become the library's sentinels, keyed
// on SQLSTATE and constraint name. The statements classify the common refusals
// themselves (so that a refused call does not abort a host's transaction); the schema's
// constraints catch what a concurrent transaction slipped past that classification, and
// they land here. The result wraps both the sentinel (errors.Is) and the original error
// (errors.As to *pgconn.PgError). When ctx is done, the result wraps ctx.Err(), since pgx
// reports a cancelled query in several forms. nil stays nil.
func pgError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("%w: %w", cerr, err)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	var sentinel error
	switch pe.Code {
	case pgUniqueViolation:
		switch pe.ConstraintName {
		case "organizations_slug_key":
			sentinel = ErrSlugTaken
		case "memberships_organization_user_key":
			sentinel = ErrAlreadyMember
		case "invitations_pending_key":
			sentinel = ErrAlreadyInvited
		}
	case pgForeignKeyViolation:
		switch pe.ConstraintName {
		case "organizations_owner_fkey":
			// The owner's membership was deleted or demoted, or owner_id names a
			// non-member: every such change needs ChangeOwner first.
			sentinel = ErrOwnershipRequired
		case "memberships_organization_fkey", "invitations_organization_fkey":
			sentinel = ErrOrganizationNotFound
		}
	case pgCheckViolation:
		switch pe.ConstraintName {
		case "organizations_name_check":
			sentinel = ErrInvalidName
		case "organizations_slug_check":
			sentinel = ErrInvalidSlug
		case "organizations_data_check", "organizations_settings_check":
			sentinel = ErrInvalidJSON
		case "memberships_role_check", "invitations_role_check":
			sentinel = ErrInvalidRole
		case "memberships_user_id_check":
			sentinel = ErrInvalidUserID
		}
	}
	if sentinel == nil {
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}
