// Package organizations gives a Go web app multi-user accounts: organizations (accounts,
// teams, groups), their members with a role, exactly one owner each, ownership transfer,
// invitations and sign-up, over a pluggable store. It is the Go successor of the Python
// library django-organizations, without its known holes: ownerless organizations,
// check-then-act races, unbound and never-expiring invitations, and signals that fire on
// some paths and not others.
//
// # The calls a host uses
//
// A host needs a handful of calls; the rest of the package is the values they return,
// their events and errors, and the types a store writer implements (see "Writing a
// store" below).
//
//   - [New] makes the [Service]: New(nil, nil) on a fresh in-memory store, or New(store,
//     opts) on a [PostgresStore] from [NewPostgresStore] (pgx) or [NewPostgresStoreSQL]
//     (database/sql), after [PostgresStore.Migrate] at start-up.
//   - [Service.CreateOrganization], [Service.AddUser], [Service.SetRole],
//     [Service.RemoveUser], [Service.ChangeOwner], [Service.DeleteOrganization]: the
//     changes, unchecked, for trusted code.
//   - [Service.As] returns an [Actor] with the same changes, checked for the user who asks,
//     in the store's atomic step: what a request handler calls.
//   - [Service.Access], one store call, then [Access.Can] for each permission: what a user
//     may do, to show or hide a button. [Service.IsMember], [Service.IsAdmin] and
//     [Service.IsOwner] answer one question each.
//   - [Service.Members] and [Service.OrganizationsForUser]: keyset pages ([ListOptions],
//     [Page]).
//   - [Service.Invite], [Service.InvitationByToken] and [Service.AcceptInvitation]:
//     invitations; [Service.RemoveUserEverywhere]: when a user is deleted.
//   - [PostgresStore.WithTx] (pgx) or [PostgresStore.WithSQLTx] (database/sql) with
//     [Service.WithStore]: the same calls inside the host's own transaction.
//   - [UserIDFromInt] and [UserID.Int64]: a host's integer user keys to and from a
//     [UserID].
//
// Package orghttp puts these behind net/http: it resolves the organization of a request
// and the requester's access in one store call, and guards routes by permission.
//
// Host apps bring their own users: a user is a [UserID], the app's key for the user in its
// text form, so integer, UUID and string keys all fit. The library cannot tell whether a
// user exists (no foreign key goes from its text column to a host's key): check it, in the
// same transaction, before CreateOrganization, AddUser or AcceptInvitation, and call
// RemoveUserEverywhere in the transaction that deletes a user. The repository's README
// shows both on PostgreSQL.
//
// # Usage
//
//	svc := organizations.New(nil, nil) // in-memory store, default options
//
//	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil) // slug "soundgarden"
//	_, err = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
//	ok, err := svc.IsAdmin(ctx, org.ID, "chris") // true: the owner is always an admin
//	err = svc.ChangeOwner(ctx, org.ID, "kim")      // kim owns it now, and is an admin
//	err = svc.RemoveUser(ctx, org.ID, "kim")       // ErrOwnershipRequired
//	page, err := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 50})
//
// # Guarantees
//
// These hold on every store, on every path, under any concurrency:
//
//  1. Every organization has exactly one owner, and the owner is an admin member of it.
//     CreateOrganization makes the organization, the owner's membership and the ownership
//     in one atomic step: an organization never exists without its owner.
//  2. The owner cannot be removed ([Service.RemoveUser]) nor given another role
//     ([Service.SetRole]): both fail with [ErrOwnershipRequired]. Ownership moves only by
//     [Service.ChangeOwner], to an existing member, who is made an admin; the old owner
//     stays an admin member. The owner is not a role: the owner holds every permission.
//  3. A user is a member of an organization at most once ([ErrAlreadyMember]).
//  4. Slugs are unique. A generated slug comes from the name through gosimple/slug ("Föö
//     Fighters!!" gives "foo-fighters") and gets -2, -3, ... on collision, also under
//     concurrent creates; an explicit slug is used as given or refused with
//     [ErrSlugTaken], never silently replaced. Renaming keeps the slug.
//  5. An invitation is accepted at most once; an expired, revoked or declined one never.
//  6. Deleting an organization removes its memberships, its ownership, its invitations
//     and its custom roles, and nothing else: the users and their other organizations are
//     untouched.
//  7. An actor-checked operation (see below) happens only if its actor may make it at the
//     moment of the write.
//
// # Roles and permissions
//
// A [Permission] names an action ("members:add", an app's "billing:read"). A [Policy]
// declares the app's roles in code ([RoleDefinition]: permissions, and roles whose
// permissions it includes, transitively), validated and compiled by [NewPolicy];
// [DefaultPolicy] is RoleMember (no library permission) and RoleAdmin (every library
// permission), the model the library always had. Each membership has one role: a declared
// one or a custom role of its organization ([Service.CreateRole]), which includes
// declared roles and holds permissions the policy knows. [Service.Access] reads a user's
// access in one store call; [Access.Can] then answers without allocating.
//
// # Actor-checked operations
//
// [Service.As] returns an [Actor]: the Service's changing methods, checked for the acting
// user. "Actor-checked" guarantees that the store decides whether the actor may make the
// change in the same atomic step as the change, on the data that step changes: a
// PostgreSQL statement that locks the organization row, the actor's membership row and
// the actor's custom role, if any (so that a demotion, removal, suspension, transfer or
// narrowing of the custom role committed first, even while the statement waited for a
// lock, is what the check sees), or one critical section in memory. A refusal is [ErrPermissionDenied] (or [ErrEscalation],
// which wraps it), changes nothing and emits nothing; there is no window between check and
// write. The rules:
//
//   - Each operation requires a permission (see the Perm constants); DeleteOrganization
//     and ChangeOwner require the owner. A member may always remove themselves, except
//     the owner and a suspended member. The owner may do everything.
//   - The escalation rule: a non-owner actor can only give a role (SetRole, AddUser,
//     GetOrAddUser, Invite, ResendInvitation, a custom role's create or update) whose permissions are a
//     subset of their own, cannot change the role of, remove, or change or delete the
//     custom role of, anything whose permissions exceed their own, and so cannot raise
//     their own.
//   - An invitation never grants more than its inviter may grant when it is accepted:
//     AcceptInvitation refuses ([ErrInviterNotAllowed]) one whose inviter is no longer a
//     member, no longer holds PermInvitationsCreate, or may no longer grant its role; it
//     stays pending. ResendInvitation makes its actor the inviter (who must hold
//     PermInvitationsRevoke and may invite with the role), so a resend by a user who
//     may grant the invitation makes it acceptable again.
//   - A suspended member ([Service.SuspendUser]) holds no permission and is a non-member
//     to every check, until reactivated; they cannot leave, and an invitation they accept
//     leaves them suspended, so no path but ReactivateUser lifts a suspension.
//
// The Service's methods that take no actor (AddUser, SetRole, ...) are unchecked: they
// are for trusted system code (jobs, admin consoles, migrations), never for a request a
// user made.
//
// Over HTTP, package orghttp puts the requester's Access in the request context (read in
// the request's one store call), guards routes with RequirePermission(p) (401 anonymous,
// 404 outsider, 403 member without p), and Middleware.As(r) is Service.As for the
// requester: the guard spares handlers the requests they would refuse, and As makes the
// change actor-checked, so a demotion committed after the guard still refuses it.
//
// Bad input never panics and changes nothing: every call validates its input (user IDs,
// names, slugs, roles, JSON documents, list cursors, UTF-8, audit queries, times in the
// years 1 to 9999) before it touches the store, so every store answers it with the same
// sentinel ([ErrInvalidTime] for a time out of range), never a driver's error.
// IDs are UUIDv7, so lists come out in creation order; times are UTC, truncated to the
// microsecond (see [Timestamp]), so every store returns identical values.
//
// # Membership lifecycle
//
// Optional store interfaces add member limits ([SeatStore]: [Organization.MaxMembers],
// [ErrMemberLimit]), suspension ([SuspensionStore]), the two-phase ownership transfer
// ([TransferStore]: [Actor.ProposeOwnershipTransfer], [Actor.AcceptOwnershipTransfer]),
// offboarding ([OffboardStore]: [Service.RemoveUserEverywhere]) and filtered member lists
// ([MemberListStore]), each decided in the store's atomic step. MemoryStore and
// PostgresStore implement them all; on a store without one the calls return
// [ErrNotSupported].
//
// # Stores
//
// A [Service] runs on a [Store], which keeps the data and holds the invariants: each of its
// methods is one atomic operation, never a check followed by an act.
//
//   - [MemoryStore] keeps everything in memory, indexed so that no operation scans all
//     organizations or another organization's members. It is the default of
//     New(nil, nil): use it in tests, demos and single-process tools.
//   - [PostgresStore] keeps everything in PostgreSQL through pgx (or database/sql with
//     pgx's stdlib driver: [NewPostgresStoreSQL]), one SQL statement per operation, with
//     the invariants held by the schema itself.
//
// Production apps use PostgreSQL:
//
//	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs"})
//	err = store.Migrate(ctx) // idempotent, safe when several instances start at once
//	svc := organizations.New(store, nil)
//
// A host that runs the migrations with its own tool calls [PostgresStore.CheckSchema] at
// start-up instead, to refuse to serve on an outdated schema ([ErrSchemaOutdated]).
//
// # Writing a store
//
// A host never calls a store's methods: the Service does. This section is for whoever
// writes a store; the conformance suite, package organizationstest, is its contract.
//
// [Store] is the core: one method per domain operation, each atomic on its own (one SQL
// statement, or one critical section) and holding every invariant itself, deciding on
// rows it has locked. The Service validates input and makes IDs, slugs, timestamps and
// token hashes, and never checks before it acts. Methods with several inputs take a
// params struct, so that no two inputs of one type can be swapped silently:
// [CreateOrganizationParams], [UpdateOrganizationParams], [DeleteOrganizationParams],
// [AddUserParams], [RemoveUserParams], [SetRoleParams], [ChangeOwnerParams],
// [AccessParams], [MembersParams], [OrganizationsForUserParams], [CreateRoleParams],
// [UpdateRoleParams], [DeleteRoleParams], [CreateInvitationParams],
// [AcceptInvitationParams], [DeclineInvitationParams], [RevokeInvitationParams],
// [RenewInvitationParams] and [PendingInvitationsParams]. [Invitation.StatusAt] and
// [InvitationStatus.Err] are the rules of invitation expiry and of each status's error,
// for every store to use.
//
// New capabilities arrive as optional interfaces, detected by a type assertion; a Service
// call that needs one the store lacks returns [ErrNotSupported] and changes nothing:
//
//   - [ActivationStore]: sign-up activations (Register, Activate).
//   - [EventStore] ([EventsParams], [AuditEventsParams], [PruneEventsParams]): the event
//     log, every write recording its events in its atomic step; [CursorStore]: relay
//     cursors.
//   - [SeatStore], [SuspensionStore] ([MemberStatusParams]), [TransferStore]
//     ([TransferParams]), [OffboardStore] ([RemoveEverywhereParams]) and
//     [MemberListStore] ([ListMembersParams]): the membership lifecycle.
//   - [TeamStore] ([CreateTeamParams], [AddTeamMemberParams], [SetTeamRoleParams],
//     [TeamAccessParams], ...): teams of an organization's members, their team roles and
//     limits (docs/teams.md).
//   - [JoinRequestStore] and [OwnershipLimitStore]: join requests and the per-user
//     organization limit (docs/join-requests.md).
//   - [DomainStore] ([AddDomainParams], [VerifyDomainParams], [EnrollmentsParams], ...):
//     verified domains and what they enroll (docs/domains.md).
//
// A params struct gains a field only when its zero value keeps the earlier meaning; a
// field that changes what a store must enforce comes with a new method or interface, so
// an older store never silently skips a check (authorization, an exception made before
// v1.0, changed the core: see [Store]). [DBTX] and [SQLDBTX] are what the PostgreSQL
// store runs its statements on.
//
// Package organizationstest exports the conformance suite that every Store passes; run it
// against your own implementation. It runs the core on every store and the tests of an
// optional interface only on stores that implement it, reporting them skipped otherwise.
//
// # Transactions
//
// Each call is its own transaction. To make an organization together with the host's own
// rows, run the library inside the host's transaction with [PostgresStore.WithTx] (a
// pgx.Tx) or [PostgresStore.WithSQLTx] (a *sql.Tx), and [Service.WithStore], which keeps
// the Service's options (Events, Inviter, clock, ...):
//
//	tx, err := pool.Begin(ctx)
//	defer tx.Rollback(ctx)
//	org, err := svc.WithStore(store.WithTx(tx)).CreateOrganization(ctx, user, name, nil)
//	// ... the host's own inserts on tx ...
//	err = tx.Commit(ctx)
//
// Options.Events of a call in a host's transaction fire before the host commits; the
// call's event records commit or roll back with the host's transaction.
//
// # Errors
//
// Every refused call returns an error wrapping exactly one of the sentinel errors
// ([ErrInvalidName], [ErrNotMember], [ErrOwnershipRequired], ...); test them with
// errors.Is. Each method's documentation lists the ones it returns. Success means the
// change was committed; the context's error, or any other error, means nothing was changed,
// except [ErrOutcomeUnknown]: a PostgresStore write whose statement was sent and whose
// reply was lost (the connection or the context ended mid-flight), which may or may not
// have been committed, and [ErrInvitationNotSent]: a [Service.ResendInvitation] whose
// renewal was committed and whose Inviter then failed (the renewal stands, the new link
// was not sent). A context done before a call makes it return the context's error
// and change nothing. "The store's error" in a list is the store failing to answer (a
// lost connection, a statement timeout, ErrOutcomeUnknown), passed on as the store
// returned it: not a refusal of the call's input. The membership predicates
// ([Service.IsMember], [Service.IsAdmin], [Service.IsOwner]) answer false, without error,
// for an unknown organization or user.
//
// # Events
//
// Every change writes its [EventRecord] in the same atomic step as the change (on a store
// that is an [EventStore]: MemoryStore and PostgresStore): a committed change has its
// record, a refused or rolled-back one has none. [Service.EventFeed] reads them in a
// stable, gap-free order from a cursor; a [Relay] delivers them to a [Handler] at least
// once, in order, after commit, resuming from a [CursorStore]; [Service.AuditLog] filters
// them newest first; [Service.PruneEvents] applies retention. The feed is in commit
// order, so each organization's records come in the order its changes took effect, and
// a record shows as soon as its transaction commits; the audit log is the same order,
// newest first. On PostgreSQL, transactions that record events commit one at a time per
// schema (see [Service.EventFeed]). PostgreSQL 13 or later.
//
// [Options].Events is the in-process hook: it receives an [Event] for every change,
// exactly once, right after the store's atomic step, on every path that makes it:
// [UserAdded], [UserRemoved], [RoleChanged], [OwnerChanged], [OrganizationCreated],
// [OrganizationUpdated], [OrganizationDeleted], the invitation events and the custom-role
// events. In a host's transaction it fires before the host commits. Each carries the
// acting user (Actor; empty for an unchecked call). Failed and no-op calls (GetOrAddUser
// of a member, ChangeOwner to the current owner, an update that changes nothing) emit
// nothing. A panicking handler is recovered, so that the call's other events are still
// delivered.
package organizations
