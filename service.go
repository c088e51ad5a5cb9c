package organizations

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Options configure a Service. The zero value, and a nil *Options, mean defaults.
type Options struct {
	// Now returns the current time. Default time.Now. The Service converts it to UTC and
	// truncates it to the microsecond, PostgreSQL's precision, so that every store returns
	// the same values.
	Now func() time.Time
	// NewID returns a new ID for organizations, memberships, invitations and activations.
	// Default uuid.NewV7 (time-ordered, so lists come out in creation order).
	NewID func() uuid.UUID
	// Events is the in-process, synchronous hook: it receives every event on the
	// goroutine of the call that made the change, right after the store's atomic step
	// (which also wrote the event's EventRecord, on an EventStore) and before the call
	// returns. On its own connection the change is committed by then; with a store joined
	// to a host transaction (PostgresStore.WithTx, WithSQLTx) it is delivered before the
	// host commits, and the host may still roll the change back: for anything that must
	// happen only after commit, and at least once even if the process dies, read the
	// feed (EventFeed, Relay) instead. A handler that panics is recovered and logged
	// (log/slog), so that the call's later events are still delivered and the call still
	// returns its result. Default: events are dropped.
	Events func(context.Context, Event)

	// Inviter sends invitation messages. Invite and ResendInvitation fail with
	// ErrNotConfigured while it is nil.
	Inviter Inviter
	// InvitationTTL is how long an invitation stays acceptable. Default 7 days.
	InvitationTTL time.Duration
	// Registrar creates and activates the host's users for Register and Activate.
	Registrar Registrar
	// Activator sends activation messages for Register.
	Activator Activator
	// ActivationTTL is how long a sign-up activation token stays valid. Default 3 days.
	ActivationTTL time.Duration
	// Policy declares the roles and what each may do (see NewPolicy). Default
	// DefaultPolicy(): members and admins as the library always had them.
	Policy *Policy
	// DefaultMaxMembers is the member limit of an organization created without
	// CreateOptions.MaxMembers (see Seats); 0, the default, means none. A limit needs a
	// SeatStore.
	DefaultMaxMembers int
	// TransferTTL is how long an ownership transfer proposal stays open. Default
	// DefaultTransferTTL (7 days).
	TransferTTL time.Duration
	// MaxOwnedOrganizations is how many organizations one user may own; 0, the default,
	// means no limit. CreateOrganization, Register, ChangeOwner and
	// AcceptOwnershipTransfer refuse to make a user who owns that many the owner of one
	// more, with ErrOrganizationLimit, decided in the store's atomic step (see
	// OwnershipLimitStore, which the store must implement: ErrNotSupported otherwise).
	MaxOwnedOrganizations int
	// JoinRequestTTL is how long a join request stays open. Default
	// DefaultJoinRequestTTL (14 days).
	JoinRequestTTL time.Duration
	// MaxTeams is how many teams one organization may have; 0, the default, means no
	// limit. CreateTeam refuses one more with ErrTeamLimit, decided in the store's atomic
	// step, so that parallel creates never pass it (see TeamStore). Lowering it takes no
	// team away.
	MaxTeams int
	// MaxTeamMembers is how many members one team may have (suspended members count:
	// they keep their team memberships); 0, the default, means no limit. AddTeamMember
	// refuses one more with ErrTeamMemberLimit, decided in the store's atomic step.
	// Lowering it removes no one.
	MaxTeamMembers int
	// DomainResolver looks up the TXT records of domain verification (VerifyDomain).
	// Default net.DefaultResolver.
	DomainResolver TXTResolver
	// PublicMailDomains are domains no organization may claim, besides
	// DefaultPublicMailDomains: a host's own list of public mail providers. Names are
	// compared normalised (NormalizeDomain); one that is not a valid name matches
	// nothing.
	PublicMailDomains []string
	// DomainVerificationMaxAge is how long a domain's verification counts; 0, the
	// default, means for good. A verification older than that has lapsed: the domain
	// enrolls no one (Enrollments, RequestToJoinByDomain) until verified again, and
	// another organization may verify the name, which releases it.
	DomainVerificationMaxAge time.Duration
}

// Default durations used when Options leave them zero.
const (
	DefaultInvitationTTL = 7 * 24 * time.Hour
	DefaultActivationTTL = 3 * 24 * time.Hour
)

// Service is what host apps call: it validates input, makes IDs, slugs, timestamps and
// tokens, calls the host's backends and emits events, and leaves every invariant to the
// Store's atomic operations (it never checks and then acts). A Service is safe for
// concurrent use.
type Service struct {
	store  Store
	opts   Options
	policy *Policy // opts.Policy or DefaultPolicy
}

// New returns a Service over store. A nil store means a new, empty MemoryStore; nil opts
// mean defaults.
func New(store Store, opts *Options) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	s := &Service{store: store}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.NewID == nil {
		s.opts.NewID = newV7
	}
	if s.opts.InvitationTTL <= 0 {
		s.opts.InvitationTTL = DefaultInvitationTTL
	}
	if s.opts.ActivationTTL <= 0 {
		s.opts.ActivationTTL = DefaultActivationTTL
	}
	s.policy = s.opts.Policy.orDefault()
	return s
}

// Policy returns the Service's policy: Options.Policy, or DefaultPolicy.
func (s *Service) Policy() *Policy { return s.policy }

// auth is the Authorization of a call by actor (empty: unchecked) under the Service's
// policy.
func (s *Service) auth(actor UserID) Authorization {
	return Authorization{Actor: actor, Policy: s.policy}
}

// ready is the preamble of the Service's methods (called directly, or through need,
// listPage and Actor.check): the context's error, else the first error of checks (the
// method's input validations, nil for a valid input, in the order their errors take
// precedence: see firstError), else nil. The checks are evaluated by the caller, before
// the context is looked at, so they must be pure.
func ready(ctx context.Context, checks ...error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return firstError(checks...)
}

// need is ready for a method that needs the optional store interface T: after the
// context and the checks, the Service's store as a T, or ErrNotSupported.
func need[T any](ctx context.Context, s *Service, checks ...error) (T, error) {
	if err := ready(ctx, checks...); err != nil {
		var zero T
		return zero, err
	}
	return optional[T](s.store)
}

// configured is ErrNotConfigured unless the options a method needs are set (ok).
func configured(ok bool) error {
	if !ok {
		return ErrNotConfigured
	}
	return nil
}

// firstError returns the first non-nil error: the precedence of validation errors.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// optional returns store as the optional interface T, or ErrNotSupported.
func optional[T any](store Store) (T, error) {
	t, ok := store.(T)
	if !ok {
		return t, ErrNotSupported
	}
	return t, nil
}

// enforcing is optional for an interface through which the Service hands down a limit
// (a member limit, MaxOwnedOrganizations): ErrNotSupported unless store is a T all the
// way down (see supports).
func enforcing[T any](store Store) (T, error) {
	t, ok := store.(T)
	if !ok || !supports[T](store) {
		var zero T
		return zero, ErrNotSupported
	}
	return t, nil
}

// supports reports whether store is a T all the way down: the store itself, and each
// store it wraps (a wrapper with an Unwrap method, such as CachedStore, which claims
// every optional interface and forwards to the store it wraps). A limit the Service
// passes in a params field (a member limit, MaxOwnedOrganizations) is enforced by the
// innermost store, so a wrapper's claim alone must not let it through to a store that
// would ignore it.
func supports[T any](store Store) bool {
	for {
		if _, ok := store.(T); !ok {
			return false
		}
		w, ok := store.(interface{ Unwrap() Store })
		if !ok {
			return true
		}
		store = w.Unwrap()
	}
}

// Store returns the store the Service runs on.
func (s *Service) Store() Store { return s.store }

// WithStore returns a Service on store with every option of s (Events, Inviter,
// Registrar, Activator, the TTLs, Now, NewID): the way to run the library in a host's
// transaction without losing them, as in
//
//	org, err := svc.WithStore(pg.WithTx(tx)).CreateOrganization(ctx, user, name, nil)
//
// (New(pg.WithTx(tx), nil) would start from the defaults instead: no Events hook, no
// Inviter, the default policy). Its events, and their records, are part of the host's
// transaction: a rollback leaves neither the change nor its record. s is unchanged and
// stays usable. A nil store means a new, empty MemoryStore, as in New.
func (s *Service) WithStore(store Store) *Service {
	if store == nil {
		store = NewMemoryStore()
	}
	c := *s
	c.store = store
	return &c
}

// newV7 is uuid.NewV7 without the error, which only a failing crypto/rand can produce.
func newV7() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// now is the Service's clock in the one form every store keeps.
func (s *Service) now() time.Time { return Timestamp(s.opts.Now()) }

// Timestamp returns t in UTC truncated to the microsecond: the form of every time the
// library stores. Store implementations may use it to normalise values they read back.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// emit delivers e to Options.Events, if set. It is generic so that e becomes an Event
// interface value (an allocation) only when there is someone to deliver it to. A panic
// of the handler is recovered and logged (slog), so that the call's other events are
// still delivered and the call returns its result: the change is stored already.
func emit[E Event](s *Service, ctx context.Context, e E) {
	if s.opts.Events != nil {
		defer func() {
			if r := recover(); r != nil {
				slog.ErrorContext(ctx, "organizations: Options.Events panicked; the change is stored and its event record kept", "event", e.EventName(), "panic", r)
			}
		}()
		s.opts.Events(ctx, e)
	}
}
