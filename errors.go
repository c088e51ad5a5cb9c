package organizations

import (
	"errors"
	"fmt"
)

// Sentinel errors: every one of the package is declared in this file, grouped by topic.
// Every error the library returns for bad input or a refused operation wraps exactly one
// of these, so callers test with errors.Is. Store implementations return
// them too (the conformance suite in package organizationstest checks which one, and in
// which order of precedence).
var (
	// ErrInvalidName: an organization name that is empty after trimming, longer than
	// MaxNameLength runes, not valid UTF-8 or containing control characters.
	ErrInvalidName = errors.New("organizations: invalid organization name")
	// ErrInvalidSlug: a slug that is empty, longer than MaxSlugLength, not made of
	// lower-case ASCII letters and digits joined by single hyphens, or shaped like a UUID.
	ErrInvalidSlug = errors.New("organizations: invalid slug")
	// ErrSlugTaken: an explicit slug that another organization already has; or, on
	// PostgreSQL only, a generated slug for which 64 statements in a row found their
	// candidate taken by concurrent statements (creations of other names whose slugs look
	// like this base's suffixes, or explicit ones): never for concurrent creations of one
	// name, which the per-base counter orders.
	ErrSlugTaken = errors.New("organizations: slug already taken")
	// ErrInvalidUserID: an empty, over-long or non-UTF-8 UserID.
	ErrInvalidUserID = errors.New("organizations: invalid user ID")
	// ErrInvalidRole: a malformed role name or "owner" (see Role.Valid), a role that
	// neither the Service's Policy declares nor the organization defines as a custom role,
	// or a custom role definition that shadows a declared role, includes a role that is
	// not declared, or holds a permission the Policy does not know.
	ErrInvalidRole = errors.New("organizations: invalid role")
	// ErrInvalidJSON: Data or Settings that are not a valid JSON object.
	ErrInvalidJSON = errors.New("organizations: invalid JSON")
	// ErrInvalidTime: a time outside the years 1 to 9999 (UTC), the range every store
	// keeps (PostgreSQL's timestamptz and Unix microseconds hold no more, and RFC 3339
	// no more than four digits): AuditQuery.Since or Until, or PruneEvents' time. Nothing
	// was read or deleted.
	ErrInvalidTime = errors.New("organizations: time out of range")
	// ErrInvalidListOptions: a negative Limit, or a malformed cursor. (A Limit above
	// MaxPageSize is not an error: it is clamped to MaxPageSize.)
	ErrInvalidListOptions = errors.New("organizations: invalid list options")
	// ErrOrganizationNotFound: no organization has this ID or slug (the nil UUID included).
	ErrOrganizationNotFound = errors.New("organizations: organization not found")
	// ErrAlreadyMember: the user is already a member of the organization.
	ErrAlreadyMember = errors.New("organizations: user is already a member")
	// ErrNotMember: the user is not a member of the organization.
	ErrNotMember = errors.New("organizations: user is not a member")
	// ErrOwnershipRequired: the operation would remove the owner or change the owner's
	// role (always RoleAdmin). Transfer ownership with ChangeOwner first.
	ErrOwnershipRequired = errors.New("organizations: cannot remove or demote the organization owner")
	// ErrPermissionDenied: the acting user may not make this change: not a member, not
	// holding the permission the operation requires, not the owner where the operation
	// is the owner's, or (ErrEscalation, which wraps it) reaching beyond their own
	// permissions. Decided in the store's atomic step; nothing was changed.
	ErrPermissionDenied = errors.New("organizations: permission denied")
	// ErrInvalidEmail: an email address that is empty, over-long or not of the form
	// local@domain after normalisation.
	ErrInvalidEmail = errors.New("organizations: invalid email address")
	// ErrAlreadyInvited: the email already has a pending invitation to the organization.
	ErrAlreadyInvited = errors.New("organizations: email already has a pending invitation")
	// ErrInvitationNotFound: no invitation matches this token or ID (a malformed or forged
	// token included).
	ErrInvitationNotFound = errors.New("organizations: invitation not found")
	// ErrInvitationExpired: the invitation's expiry has passed.
	ErrInvitationExpired = errors.New("organizations: invitation expired")
	// ErrInvitationClosed: the invitation was already accepted (by another user), declined
	// or revoked.
	ErrInvitationClosed = errors.New("organizations: invitation is no longer pending")
	// ErrInvitationEmailMismatch: an email-bound invitation used with another email.
	ErrInvitationEmailMismatch = errors.New("organizations: invitation was sent to another email address")
	// ErrInvitationNotSent: ResendInvitation renewed the invitation (its old link no longer
	// works, it has a new expiry and the resending actor as inviter), then the Inviter
	// failed to send the new link. The renewal stands: unlike every other error but
	// ErrOutcomeUnknown, it reports a change that was made. The error also wraps the
	// Inviter's error (which may be the context's). Calling ResendInvitation again sends a
	// working link.
	ErrInvitationNotSent = errors.New("organizations: invitation renewed, but its new link was not sent")
	// ErrActivationNotFound: no activation matches this token (a malformed or forged token
	// included).
	ErrActivationNotFound = errors.New("organizations: activation not found")
	// ErrActivationExpired: the activation token's expiry has passed.
	ErrActivationExpired = errors.New("organizations: activation expired")
	// ErrActivationUsed: the activation token was already used.
	ErrActivationUsed = errors.New("organizations: activation already used")
	// ErrNotConfigured: the operation needs an Options field (Inviter, Registrar,
	// Activator) that was not set.
	ErrNotConfigured = errors.New("organizations: backend not configured")
	// ErrNotSupported: the store does not implement the optional interface this call needs
	// (such as ActivationStore for Register and Activate). Nothing was changed.
	ErrNotSupported = errors.New("organizations: the store does not implement the optional interface this call needs")
	// ErrOutcomeUnknown: a call that changes data sent its statement to the database, and
	// the connection or the context was lost before the reply came back, so the change
	// may or may not have been made (and committed). The error also wraps the context's
	// error when the context ended (errors.Is(err, context.DeadlineExceeded) or
	// context.Canceled) and the driver's error (errors.As), so code that only checks for
	// the context keeps working. Find out with a fresh context: read the state back, or
	// retry a call whose repetition is harmless (GetOrAddUser, an AcceptInvitation by the
	// same user, a DeleteOrganization that may find the organization gone). No event is
	// emitted for such a call, even if its change was made.
	//
	// Only PostgresStore returns it, and only for calls that change data: a read that
	// loses its context returns the context's error. Every other error of a call means the
	// change was not made; success means it was committed. Inside a host's transaction
	// (PostgresStore.WithTx), any error from a statement, this one included, means the
	// transaction cannot commit that statement's change: the server reported an error
	// (which aborts the transaction: only a rollback to a savepoint or of the whole
	// transaction is possible) or the connection is gone (and the transaction with it).
	ErrOutcomeUnknown = errors.New("organizations: outcome unknown: the statement was sent and its reply lost")

	// ErrStatementCacheBehindPooler: PostgreSQL reported that a prepared statement of
	// pgx's statement cache ("stmtcache_…") already exists (SQLSTATE 42P05) or does not
	// exist (26000). That happens when the connection goes through a transaction pooler
	// (PgBouncer with pool_mode=transaction, before 1.21 or with max_prepared_statements =
	// 0), which hands each transaction another server connection than the one the
	// statement was prepared on. The statement did not run, so nothing changed. Use
	// pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol for such a connection
	// (default_query_exec_mode=exec in the URL); see docs/postgres.md. The error also wraps
	// the server's.
	ErrStatementCacheBehindPooler = errors.New("organizations: pgx's statement cache does not work through this connection " +
		"(a transaction pooler such as PgBouncer?): use QueryExecModeExec or QueryExecModeSimpleProtocol")
)

// Roles and permissions.
var (
	// ErrInvalidPolicy: NewPolicy refused its definitions; the error says why.
	ErrInvalidPolicy = errors.New("organizations: invalid policy")
	// ErrEscalation: an actor-checked operation would give (or touch) more than the acting
	// user holds: a role whose permissions are not a subset of the actor's, a member or
	// custom role whose permissions exceed the actor's. It wraps ErrPermissionDenied.
	ErrEscalation = fmt.Errorf("%w: the role exceeds the acting user's permissions", ErrPermissionDenied)
	// ErrInviterNotAllowed: AcceptInvitation of an invitation whose inviter is no longer a
	// member, no longer holds PermInvitationsCreate, or may no longer grant its role. It
	// wraps ErrInvitationClosed; the invitation stays pending. The inviter's re-promotion
	// makes it acceptable again, and so does a ResendInvitation by a user who may grant its
	// role (an admin, say), who becomes its inviter: the new link it sends can be accepted.
	// RevokeInvitation closes it.
	ErrInviterNotAllowed = fmt.Errorf("%w: its inviter may no longer grant its role", ErrInvitationClosed)
	// ErrRoleInUse: DeleteRole of a custom role that a member, or an invitation still open
	// (pending, or expired but renewable by ResendInvitation), holds.
	ErrRoleInUse = errors.New("organizations: the role is in use")
	// ErrRoleNotFound: UpdateRole or DeleteRole of a custom role the organization does not
	// have (declared roles cannot be changed at run time).
	ErrRoleNotFound = errors.New("organizations: custom role not found")
	// ErrRoleExists: CreateRole of a custom role name the organization already has.
	ErrRoleExists = errors.New("organizations: custom role already exists")
)

// Membership lifecycle.
var (
	// ErrMemberLimit: the organization's member limit (Organization.MaxMembers) is
	// reached: adding a member would exceed it, or, for Invite, the members and the
	// pending, unexpired invitations would. Nothing was changed; an invitation refused at
	// accept stays pending and can be accepted once a seat frees.
	ErrMemberLimit = errors.New("organizations: the organization's member limit is reached")
	// ErrInvalidMemberLimit: a negative member limit, or one above MaxMemberLimit.
	ErrInvalidMemberLimit = errors.New("organizations: invalid member limit")
	// ErrTransferNotFound: the organization has no open ownership transfer proposal: none
	// was made, it was accepted, declined or cancelled, it expired, its proposer no longer
	// owns the organization, or its nominee left, was removed or was suspended.
	ErrTransferNotFound = errors.New("organizations: no open ownership transfer")
	// ErrAlreadyOwner: the user proposed as the new owner already owns the organization.
	ErrAlreadyOwner = errors.New("organizations: the user already owns the organization")
	// ErrNoSuccessor: RemoveUserEverywhere was asked to transfer an organization the user
	// owns to its longest-standing admin, and it has no other active admin as the store's
	// atomic step finds them (an admin whose removal, demotion or suspension committed
	// first is none). Nothing was changed.
	ErrNoSuccessor = errors.New("organizations: the organization has no other admin to take ownership")
	// ErrOrganizationLimit: the call would make a user the owner of more organizations
	// than Options.MaxOwnedOrganizations allows (CreateOrganization, Register,
	// ChangeOwner, AcceptOwnershipTransfer), counted in the store's atomic step. Nothing
	// was changed; an ownership transfer proposal stays open.
	ErrOrganizationLimit = errors.New("organizations: the user owns the most organizations allowed")
)

// Join requests.
var (
	// ErrJoinRequestNotFound: no join request has this ID.
	ErrJoinRequestNotFound = errors.New("organizations: join request not found")
	// ErrJoinRequestClosed: the join request was already approved, denied or withdrawn.
	ErrJoinRequestClosed = errors.New("organizations: join request is no longer pending")
	// ErrJoinRequestExpired: the join request's expiry has passed.
	ErrJoinRequestExpired = errors.New("organizations: join request expired")
	// ErrJoinRequestExists: the user already has an open join request to the
	// organization.
	ErrJoinRequestExists = errors.New("organizations: an open join request already exists")
	// ErrJoinRequestsClosed: the organization does not accept join requests (its
	// Settings do not hold JoinRequestsSetting: true).
	ErrJoinRequestsClosed = errors.New("organizations: the organization does not accept join requests")
	// ErrInvalidJoinRequestMessage: a join request message longer than
	// MaxJoinRequestMessage runes, or not valid UTF-8.
	ErrInvalidJoinRequestMessage = errors.New("organizations: invalid join request message")
)

// Domains.
var (
	// ErrInvalidDomain: a domain name that is not a host name of two or more labels of
	// ASCII letters, digits and hyphens (see NormalizeDomain): empty, over-long, an IP
	// address, Unicode not in punycode, invalid UTF-8.
	ErrInvalidDomain = errors.New("organizations: invalid domain name")
	// ErrPublicMailDomain: a public mail provider's domain (DefaultPublicMailDomains,
	// Options.PublicMailDomains), which no organization may claim.
	ErrPublicMailDomain = errors.New("organizations: the domain is a public mail provider's")
	// ErrInvalidEnrollment: an enrollment mode other than those DomainEnrollment
	// declares.
	ErrInvalidEnrollment = errors.New("organizations: invalid domain enrollment mode")
	// ErrDomainNotFound: the organization has no domain of this name.
	ErrDomainNotFound = errors.New("organizations: domain not found")
	// ErrDomainExists: the organization has this domain already.
	ErrDomainExists = errors.New("organizations: the organization has this domain already")
	// ErrDomainTaken: another organization holds this domain verified (and its
	// verification has not lapsed).
	ErrDomainTaken = errors.New("organizations: the domain is verified by another organization")
	// ErrDomainVerificationFailed: DNS verification found no TXT record holding the
	// domain's token (the error wraps the resolver's, if the lookup failed), or the
	// token checked is no longer the domain's.
	ErrDomainVerificationFailed = errors.New("organizations: domain verification failed")
	// ErrDomainEmailMismatch: verification by affiliation with an address that is not at
	// the domain (exactly: an address at a subdomain is not).
	ErrDomainEmailMismatch = errors.New("organizations: the address is not at the domain")
)

// Teams.
var (
	// ErrTeamNotFound: the organization has no team with this ID (the nil UUID included).
	ErrTeamNotFound = errors.New("organizations: team not found")
	// ErrTeamSlugTaken: an explicit team slug that another team of the organization
	// already has (slugs of teams are unique within their organization only). It wraps
	// ErrSlugTaken.
	ErrTeamSlugTaken = fmt.Errorf("%w: by another team of the organization", ErrSlugTaken)
	// ErrAlreadyTeamMember: the user is already a member of the team.
	ErrAlreadyTeamMember = errors.New("organizations: user is already a member of the team")
	// ErrNotTeamMember: the user is not a member of the team.
	ErrNotTeamMember = errors.New("organizations: user is not a member of the team")
	// ErrTeamLimit: the organization has Options.MaxTeams teams (or more) already:
	// CreateTeam made none.
	ErrTeamLimit = errors.New("organizations: the organization's team limit is reached")
	// ErrTeamMemberLimit: the team has Options.MaxTeamMembers members (or more) already:
	// AddTeamMember added no one.
	ErrTeamMemberLimit = errors.New("organizations: the team's member limit is reached")
	// ErrDuplicateTeam: an invitation names one team twice (InviteOptions.Teams).
	ErrDuplicateTeam = errors.New("organizations: the invitation names a team twice")
	// ErrTooManyTeams: an invitation names more than MaxInvitationTeams teams.
	ErrTooManyTeams = errors.New("organizations: the invitation names too many teams")
)

// Events and the feed.
var (
	// ErrInvalidCursor: a feed cursor (EventFeed's after, a CursorStore's saved value) that no
	// store made. Nothing was read.
	ErrInvalidCursor = errors.New("organizations: invalid event cursor")
	// ErrUnknownEventType: EventRecord.Event met a Type this build has no Event for (a newer
	// release wrote it), or AuditQuery.Types holds a name that is not one of EventTypes.
	ErrUnknownEventType = errors.New("organizations: unknown event type")
	// ErrInvalidConsumer: a CursorStore consumer name that is empty, longer than 200 bytes,
	// not valid UTF-8 or containing control characters (a NUL byte included).
	ErrInvalidConsumer = errors.New("organizations: invalid relay consumer name")
)

// PostgreSQL.
var (
	// ErrInvalidSchema: a PostgresOptions.Schema that is not a plain lower-case PostgreSQL
	// identifier (see PostgresOptions).
	ErrInvalidSchema = errors.New("organizations: invalid PostgreSQL schema name")
	// ErrSchemaOutdated: the store's schema lacks migrations this build needs (it may not
	// exist at all). Run Migrate, or apply Migrations() with your own tool, before serving.
	ErrSchemaOutdated = errors.New("organizations: PostgreSQL schema is outdated")
	// ErrSchemaTooNew: the store's schema has migrations this build does not know, so a
	// newer release of the library migrated it. Migrations only add, so this build may well
	// work on it (as during a rolling deploy, where old instances run beside new ones), but
	// nothing tests that: a host decides whether to run on.
	ErrSchemaTooNew = errors.New("organizations: PostgreSQL schema is newer than this build")
	// ErrNotifyUnavailable is what a CachedStore's OnError hears when its listening
	// connection does not receive notifications (a probe sent through another connection
	// did not come back within seconds): typically a pooler in transaction mode
	// (PgBouncer's pool_mode=transaction) between the store's pool and PostgreSQL, where
	// LISTEN holds on a server connection that the client is not attached to. The cache
	// then stops listening for good and relies on its poll (CacheOptions.PollInterval).
	ErrNotifyUnavailable = errors.New("organizations: notifications of commits do not reach this connection (a transaction pooler?); the cache polls")
	// ErrFeedNotifyOff is what a CachedStore's OnError hears when the PostgresStore's
	// schema does not send the wake-up on commit (it is off unless turned on with
	// PostgresStore.SetFeedNotify, since migration 0019). The cache then stops listening
	// for good and relies on its poll (CacheOptions.PollInterval); turn the wake-up on
	// before creating the cache.
	ErrFeedNotifyOff = errors.New("organizations: the feed's wake-up on commit is off (PostgresStore.SetFeedNotify); the cache polls")
)
