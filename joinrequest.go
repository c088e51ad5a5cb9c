package organizations

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Join requests: a user asks to join an organization that accepts requests (its
// Settings hold "join_requests": true, JoinRequestsSetting); an admin with
// PermMembersAdd approves, which makes the requester a member with RoleMember, or
// denies; the requester may withdraw; an unanswered request expires after
// Options.JoinRequestTTL. A user has at most one open request per organization. Each
// answer is a compare-and-set in the store's atomic step: of an approval and a
// withdrawal racing, one wins and the other gets ErrJoinRequestClosed. Approval respects
// the member limit (ErrMemberLimit; the request stays pending) and adds no one who is a
// member already (ErrAlreadyMember): a suspended member stays as suspended as they are.

// JoinRequestsSetting is the key of Organization.Settings that opens an organization to
// join requests when its value is the JSON true. Settings are replaced whole by
// UpdateOrganization: a host that keeps other settings merges it in.
const JoinRequestsSetting = "join_requests"

// DefaultJoinRequestTTL is how long a join request stays open when
// Options.JoinRequestTTL is zero.
const DefaultJoinRequestTTL = 14 * 24 * time.Hour

// MaxJoinRequestMessage is the longest message a join request may carry, in runes.
const MaxJoinRequestMessage = 1000

// JoinRequestStatus is the state of a join request.
type JoinRequestStatus string

// The states of a join request. Pending is the only open one; a pending request whose
// expiry has passed reads as Expired.
const (
	JoinRequestStatusPending   JoinRequestStatus = "pending"
	JoinRequestStatusApproved  JoinRequestStatus = "approved"
	JoinRequestStatusDenied    JoinRequestStatus = "denied"
	JoinRequestStatusWithdrawn JoinRequestStatus = "withdrawn"
	JoinRequestStatusExpired   JoinRequestStatus = "expired"
)

// JoinRequest is a user's request to join an organization.
type JoinRequest struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	// UserID is the requester.
	UserID UserID `json:"user_id"`
	// Message is the requester's note to the admins; may be empty.
	Message string `json:"message"`
	// Status is the request's state, as of the read (see JoinRequestStatusExpired).
	Status    JoinRequestStatus `json:"status"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt time.Time         `json:"expires_at"`
	// DecidedBy is who approved or denied it (empty for an unchecked call, a
	// withdrawal or an open request).
	DecidedBy UserID `json:"decided_by,omitempty"`
	// ClosedAt is when it was approved, denied, withdrawn or closed as expired; zero
	// while pending.
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// StatusAt returns the request's status as of now: Pending becomes Expired once
// ExpiresAt has passed.
func (r JoinRequest) StatusAt(now time.Time) JoinRequestStatus {
	if r.Status == JoinRequestStatusPending && !now.Before(r.ExpiresAt) {
		return JoinRequestStatusExpired
	}
	return r.Status
}

// JoinRequestStore is the optional interface of a Store that keeps join requests. Each
// method is atomic; the Service returns ErrNotSupported for the join request calls on a
// store without it. Every change records its event (JoinRequested, JoinRequestApproved,
// JoinRequestDenied, JoinRequestWithdrawn) in its atomic step, on an EventStore.
// MemoryStore and PostgresStore implement it.
type JoinRequestStore interface {
	// CreateJoinRequest stores p.Request (pending) if its organization accepts join
	// requests (JoinRequestsSetting), the user is not a member and has no open request
	// to it; a pending request of theirs that has expired by p.Now is closed as expired
	// in the same step. Two concurrent calls for one user and organization never both
	// succeed. Errors: ErrOrganizationNotFound, ErrJoinRequestsClosed,
	// ErrAlreadyMember, ErrJoinRequestExists.
	CreateJoinRequest(ctx context.Context, p CreateJoinRequestParams) (JoinRequest, error)
	// JoinRequest returns the request with this ID, its Status as of now. Error:
	// ErrJoinRequestNotFound.
	JoinRequest(ctx context.Context, id uuid.UUID, now time.Time) (JoinRequest, error)
	// PendingJoinRequests returns up to p.Limit requests to the organization pending
	// as of p.Now, in ascending ID order after the ID p.After.
	PendingJoinRequests(ctx context.Context, p PendingJoinRequestsParams) ([]JoinRequest, error)
	// DecideJoinRequest approves (p.Approve) or denies the pending request p.ID. An
	// approval makes the membership p.Membership (the store sets its OrganizationID and
	// UserID from the request; Role is RoleMember) in the same step. Actor-checked:
	// PermMembersAdd, and for an approval the role's permissions within the actor's.
	// Errors, in this order: ErrJoinRequestNotFound, ErrPermissionDenied,
	// ErrJoinRequestClosed, ErrJoinRequestExpired, ErrEscalation, ErrAlreadyMember (the
	// request stays pending), ErrMemberLimit (a SeatStore's; the request stays pending).
	DecideJoinRequest(ctx context.Context, p DecideJoinRequestParams) (JoinRequest, OrganizationUser, error)
	// WithdrawJoinRequest closes the pending request p.ID as withdrawn; p.UserID must
	// be its requester. Errors: ErrJoinRequestNotFound, ErrPermissionDenied,
	// ErrJoinRequestClosed, ErrJoinRequestExpired.
	WithdrawJoinRequest(ctx context.Context, p WithdrawJoinRequestParams) (JoinRequest, error)
}

// CreateJoinRequestParams are the inputs of JoinRequestStore.CreateJoinRequest.
type CreateJoinRequestParams struct {
	// Request is the request to store, fully formed, status pending.
	Request JoinRequest
	// Now is the time against which an earlier pending request counts as expired.
	Now time.Time
}

// PendingJoinRequestsParams are the inputs of JoinRequestStore.PendingJoinRequests.
type PendingJoinRequestsParams struct {
	// OrganizationID is the organization whose requests are listed.
	OrganizationID uuid.UUID
	// After is the request ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most requests returned.
	Limit int
	// Now is the time as of which a request must be pending.
	Now time.Time
}

// DecideJoinRequestParams are the inputs of JoinRequestStore.DecideJoinRequest.
type DecideJoinRequestParams struct {
	// Auth is who decides, under which policy.
	Auth Authorization
	// ID is the request.
	ID uuid.UUID
	// Approve approves the request; false denies it.
	Approve bool
	// Membership is the membership an approval makes (ID, Role, CreatedAt,
	// UpdatedAt); the store sets its OrganizationID and UserID.
	Membership OrganizationUser
	// Now is when the request is decided.
	Now time.Time
}

// WithdrawJoinRequestParams are the inputs of JoinRequestStore.WithdrawJoinRequest.
type WithdrawJoinRequestParams struct {
	// ID is the request.
	ID uuid.UUID
	// UserID is the user withdrawing it, who must be its requester.
	UserID UserID
	// Now is when it is withdrawn.
	Now time.Time
}

// checkJoinRequestID rejects the nil UUID, which no join request has.
func checkJoinRequestID(id uuid.UUID) error {
	if id == uuid.Nil {
		return ErrJoinRequestNotFound
	}
	return nil
}

// checkJoinRequestMessage is ErrInvalidJoinRequestMessage unless message is valid UTF-8
// of at most MaxJoinRequestMessage runes.
func checkJoinRequestMessage(message string) error {
	if !utf8.ValidString(message) || utf8.RuneCountInString(message) > MaxJoinRequestMessage {
		return ErrInvalidJoinRequestMessage
	}
	return nil
}

// joinRequestTTL is Options.JoinRequestTTL or DefaultJoinRequestTTL.
func (s *Service) joinRequestTTL() time.Duration {
	if s.opts.JoinRequestTTL > 0 {
		return s.opts.JoinRequestTTL
	}
	return DefaultJoinRequestTTL
}

// RequestToJoin records user's request to join the organization, with an optional
// message for its admins, open for Options.JoinRequestTTL, and emits JoinRequested
// (with user as its actor). The host calls it for its signed-in user.
//
// Errors: ErrInvalidUserID, ErrInvalidJoinRequestMessage (longer than
// MaxJoinRequestMessage runes, not valid UTF-8), ErrOrganizationNotFound,
// ErrJoinRequestsClosed (the organization does not accept requests), ErrAlreadyMember,
// ErrJoinRequestExists (user has an open request to it), ErrNotSupported (the store is
// not a JoinRequestStore), the store's error, or the context's error.
func (s *Service) RequestToJoin(ctx context.Context, org uuid.UUID, user UserID, message string) (JoinRequest, error) {
	js, err := need[JoinRequestStore](ctx, s, checkOrg(org), checkUser(user), checkJoinRequestMessage(message))
	if err != nil {
		return JoinRequest{}, err
	}
	now := s.now()
	r := JoinRequest{
		ID: s.opts.NewID(), OrganizationID: org, UserID: user, Message: message, Status: JoinRequestStatusPending,
		CreatedAt: now, ExpiresAt: Timestamp(now.Add(s.joinRequestTTL())),
	}
	r, err = js.CreateJoinRequest(ctx, CreateJoinRequestParams{Request: r, Now: now})
	if err != nil {
		return JoinRequest{}, err
	}
	emit(s, ctx, JoinRequested{Request: r, Actor: user})
	return r, nil
}

// JoinRequest returns the join request with this ID, its Status as of now.
//
// Errors: ErrJoinRequestNotFound, ErrNotSupported, the store's error, or the context's
// error.
func (s *Service) JoinRequest(ctx context.Context, id uuid.UUID) (JoinRequest, error) {
	js, err := need[JoinRequestStore](ctx, s)
	if err != nil {
		return JoinRequest{}, err
	}
	if err := checkJoinRequestID(id); err != nil {
		return JoinRequest{}, err
	}
	return js.JoinRequest(ctx, id, s.now())
}

// PendingJoinRequests returns one page of the organization's open join requests, oldest
// first: an admin's queue.
//
// Errors: ErrInvalidListOptions, ErrNotSupported, the store's error, or the context's
// error.
func (s *Service) PendingJoinRequests(ctx context.Context, org uuid.UUID, opts ListOptions) (Page[JoinRequest], error) {
	js, err := optional[JoinRequestStore](s.store)
	if err != nil {
		return Page[JoinRequest]{}, err
	}
	return listPage(ctx, checkOrg(org), opts, func(r JoinRequest) uuid.UUID { return r.ID }, func(q pageQuery) ([]JoinRequest, error) {
		return js.PendingJoinRequests(ctx, PendingJoinRequestsParams{OrganizationID: org, After: q.after, Limit: q.limit + 1, Now: s.now()})
	})
}

// ApproveJoinRequest approves the pending join request: its requester becomes a member
// with RoleMember, in the same atomic step. It emits JoinRequestApproved. It is
// unchecked: for trusted system code; an admin's approval goes through As(admin).
//
// Errors: ErrJoinRequestNotFound, ErrJoinRequestClosed, ErrJoinRequestExpired,
// ErrAlreadyMember, ErrMemberLimit (the request stays pending), ErrNotSupported, the
// store's error, or the context's error.
func (s *Service) ApproveJoinRequest(ctx context.Context, id uuid.UUID) (OrganizationUser, error) {
	return s.decideJoinRequest(ctx, "", id, true)
}

// DenyJoinRequest closes the pending join request as denied and emits
// JoinRequestDenied. It is unchecked, as ApproveJoinRequest.
//
// Errors: ErrJoinRequestNotFound, ErrJoinRequestClosed, ErrJoinRequestExpired,
// ErrNotSupported, the store's error, or the context's error.
func (s *Service) DenyJoinRequest(ctx context.Context, id uuid.UUID) error {
	_, err := s.decideJoinRequest(ctx, "", id, false)
	return err
}

func (s *Service) decideJoinRequest(ctx context.Context, actor UserID, id uuid.UUID, approve bool) (OrganizationUser, error) {
	js, err := need[JoinRequestStore](ctx, s)
	if err != nil {
		return OrganizationUser{}, err
	}
	if err := checkJoinRequestID(id); err != nil {
		return OrganizationUser{}, err
	}
	now := s.now()
	r, m, err := js.DecideJoinRequest(ctx, DecideJoinRequestParams{
		Auth: s.auth(actor), ID: id, Approve: approve, Now: now,
		Membership: OrganizationUser{ID: s.opts.NewID(), Role: RoleMember, CreatedAt: now, UpdatedAt: now},
	})
	if err != nil {
		return OrganizationUser{}, err
	}
	if approve {
		emit(s, ctx, JoinRequestApproved{Request: r, OrganizationUser: m, Actor: actor})
	} else {
		emit(s, ctx, JoinRequestDenied{Request: r, Actor: actor})
	}
	return m, nil
}

// ApproveJoinRequest is Service.ApproveJoinRequest, if the actor holds PermMembersAdd
// (and may grant RoleMember) in the request's organization, at the moment of the
// approval. Errors: as Service.ApproveJoinRequest, ErrInvalidUserID,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) ApproveJoinRequest(ctx context.Context, id uuid.UUID) (OrganizationUser, error) {
	if err := a.check(ctx); err != nil {
		return OrganizationUser{}, err
	}
	return a.s.decideJoinRequest(ctx, a.actor, id, true)
}

// DenyJoinRequest is Service.DenyJoinRequest, if the actor holds PermMembersAdd in the
// request's organization. Errors: as Service.DenyJoinRequest, ErrInvalidUserID and
// ErrPermissionDenied.
func (a *Actor) DenyJoinRequest(ctx context.Context, id uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	_, err := a.s.decideJoinRequest(ctx, a.actor, id, false)
	return err
}

// WithdrawJoinRequest closes the actor's own pending join request as withdrawn and
// emits JoinRequestWithdrawn.
//
// Errors: ErrInvalidUserID, ErrJoinRequestNotFound, ErrPermissionDenied (not the
// actor's request), ErrJoinRequestClosed, ErrJoinRequestExpired, ErrNotSupported, the
// store's error, or the context's error.
func (a *Actor) WithdrawJoinRequest(ctx context.Context, id uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	js, err := optional[JoinRequestStore](a.s.store)
	if err != nil {
		return err
	}
	if err := checkJoinRequestID(id); err != nil {
		return err
	}
	r, err := js.WithdrawJoinRequest(ctx, WithdrawJoinRequestParams{ID: id, UserID: a.actor, Now: a.s.now()})
	if err != nil {
		return err
	}
	emit(a.s, ctx, JoinRequestWithdrawn{Request: r, Actor: a.actor})
	return nil
}

// Events of join requests. Each carries Actor (empty for an unchecked call). A request
// that expires has no event: it is a matter of time.

// JoinRequested is emitted by RequestToJoin; Actor is the requester.
type JoinRequested struct {
	Request JoinRequest `json:"request"`
	Actor   UserID      `json:"actor,omitempty"`
}

// JoinRequestApproved is emitted by ApproveJoinRequest. Request is the request after
// the change; OrganizationUser is the membership it made.
type JoinRequestApproved struct {
	Request          JoinRequest      `json:"request"`
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// JoinRequestDenied is emitted by DenyJoinRequest.
type JoinRequestDenied struct {
	Request JoinRequest `json:"request"`
	Actor   UserID      `json:"actor,omitempty"`
}

// JoinRequestWithdrawn is emitted by WithdrawJoinRequest; Actor is the requester.
type JoinRequestWithdrawn struct {
	Request JoinRequest `json:"request"`
	Actor   UserID      `json:"actor,omitempty"`
}

// EventName implements Event.
func (JoinRequested) EventName() string { return "join_requested" }

// EventName implements Event.
func (JoinRequestApproved) EventName() string { return "join_request_approved" }

// EventName implements Event.
func (JoinRequestDenied) EventName() string { return "join_request_denied" }

// EventName implements Event.
func (JoinRequestWithdrawn) EventName() string { return "join_request_withdrawn" }
