package organizations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// InvitationStatus is where an invitation stands. Only a pending invitation moves, and
// only once:
//
//	pending ──Accept──▶ accepted
//	pending ──Decline─▶ declined
//	pending ──Revoke──▶ revoked
//	pending ──time────▶ expired   (ExpiresAt passed; ResendInvitation makes it pending again)
type InvitationStatus string

// The invitation statuses.
const (
	InvitationStatusPending  InvitationStatus = "pending"
	InvitationStatusAccepted InvitationStatus = "accepted"
	InvitationStatusDeclined InvitationStatus = "declined"
	InvitationStatusRevoked  InvitationStatus = "revoked"
	InvitationStatusExpired  InvitationStatus = "expired"
)

// StatusAt returns what the invitation's status is as of now: a pending invitation reads
// InvitationStatusExpired from its ExpiresAt on (a stored row stays pending until
// something replaces it); every other status reads as stored. This is the one rule of
// expiry: every store reports an invitation's Status through it, and a third-party store
// should too.
func (inv Invitation) StatusAt(now time.Time) InvitationStatus {
	if inv.Status == InvitationStatusPending && !now.Before(inv.ExpiresAt) {
		return InvitationStatusExpired
	}
	return inv.Status
}

// Err returns the error for answering (accepting, declining, revoking) an invitation
// whose status, as of the answer, is s: nil for InvitationStatusPending,
// ErrInvitationExpired for InvitationStatusExpired, and ErrInvitationClosed for every
// other status (accepted, declined, revoked). Stores use it, on the status StatusAt
// gives, to refuse an answer in the order the Store contract sets.
func (s InvitationStatus) Err() error {
	switch s {
	case InvitationStatusPending:
		return nil
	case InvitationStatusExpired:
		return ErrInvitationExpired
	default:
		return ErrInvitationClosed
	}
}

// Invitation is an invitation of an email address into an organization. Its token is not
// stored: only a SHA-256 hash of it, and the ID is not the token. Neither is in the
// invitation, so its JSON never carries one; "responded_at" and "accepted_by" are left
// out while unset.
type Invitation struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	// Email is the invitee's normalised address (trimmed, lower-case).
	Email string `json:"email"`
	// Role is the role the invitee gets on accepting.
	Role Role `json:"role"`
	// InvitedBy is the admin who sent the invitation.
	InvitedBy UserID `json:"invited_by"`
	// Bearer invitations can be accepted by any user; others only by a user whose
	// verified email is Email.
	Bearer bool `json:"bearer"`
	// Status is where the invitation stands, as of when it was read (see StatusAt).
	Status    InvitationStatus `json:"status"`
	CreatedAt time.Time        `json:"created_at"`
	ExpiresAt time.Time        `json:"expires_at"`
	// RespondedAt is when the invitation was accepted, declined or revoked; zero while
	// pending or expired.
	RespondedAt time.Time `json:"responded_at,omitzero"`
	// AcceptedBy is the user who accepted; empty unless accepted.
	AcceptedBy UserID `json:"accepted_by,omitempty"`
	// Teams are the teams the invitee joins on accepting (InviteOptions.Teams), in team
	// ID order, each with its team role: those named that still exist, since a deleted
	// team is dropped from its invitations. Nil, and left out of JSON, for none.
	Teams []TeamInvite `json:"teams,omitempty"`
}

// InvitationDetails is an invitation together with the organization it invites into,
// read in one store call: what the invitee's page needs ("Acme invites you to join as a
// member") and what Service.InvitationByToken and Service.InvitationsForEmail return.
// Its JSON is the invitation's fields with the organization under "organization".
//
// Organization is the whole organization as stored now, Data and Settings included; a
// host that returns InvitationDetails to the invitee (who is not yet a member) and keeps
// anything private in those documents returns a narrower value instead.
type InvitationDetails struct {
	Invitation
	// Organization is the invitation's organization as stored at the time of the read.
	Organization Organization `json:"organization"`
}

// invitationTokenHash is the stored hash of an invitation's token, or
// ErrInvitationNotFound for a malformed token, which no invitation has.
func invitationTokenHash(token string) ([]byte, error) {
	hash, ok := parseToken(token)
	if !ok {
		return nil, ErrInvitationNotFound
	}
	return hash, nil
}

// checkInvitationID rejects the nil UUID, which no invitation has.
func checkInvitationID(id uuid.UUID) error {
	if id == uuid.Nil {
		return ErrInvitationNotFound
	}
	return nil
}

// InvitationMessage is what an Inviter sends. It is for the Inviter, not for an API
// response: its Token is left out of its JSON (json:"-"), so that logging or marshalling
// the message never leaks the secret. An Inviter that queues the message to send it
// later (a job queue, an outbox table) carries the token in a field of its own.
type InvitationMessage struct {
	Invitation   Invitation   `json:"invitation"`
	Organization Organization `json:"organization"`
	// InvitedBy is the admin who invited (or resent).
	InvitedBy UserID `json:"invited_by"`
	// Token is the secret the invitee presents to accept or decline. It exists only in
	// this message: put it in the link you send and nowhere else. Never in JSON.
	Token string `json:"-"`
	// Reminder is true when ResendInvitation sends the message.
	Reminder bool `json:"reminder"`
}

// Inviter delivers invitations, by email or otherwise. The host app implements it.
type Inviter interface {
	// SendInvitation delivers m. An error makes Invite fail and leaves no pending
	// invitation behind.
	SendInvitation(ctx context.Context, m InvitationMessage) error
}

// InviterFunc adapts a function to an Inviter.
type InviterFunc func(ctx context.Context, m InvitationMessage) error

// SendInvitation calls f(ctx, m).
func (f InviterFunc) SendInvitation(ctx context.Context, m InvitationMessage) error {
	return f(ctx, m)
}

// InviteOptions are the optional parts of Invite; nil means a member-role, email-bound
// invitation that expires after Options.InvitationTTL.
type InviteOptions struct {
	// Role the invitee gets; empty means RoleMember.
	Role Role
	// TTL overrides Options.InvitationTTL for this invitation when positive.
	TTL time.Duration
	// Bearer lets any user accept, not only one with the invited email.
	Bearer bool
	// Teams are teams of the organization the invitee joins on accepting, in the same
	// atomic step as the organization, each with a team role (empty for none): at most
	// MaxInvitationTeams, no team twice. The inviter needs PermTeamsManage and, for each
	// team role, its permissions within their own in that team. The store must be a
	// TeamInvitationStore. See TeamInvitationStore for what happens to a team deleted
	// or full before the invitation is accepted.
	Teams []TeamInvite
}

// Invite invites email into the organization as invitedBy and sends the invitation
// through Options.Inviter. It is As(invitedBy).Invite: invitedBy must hold
// PermInvitationsCreate and may invite only with a role whose permissions are within
// their own (unless the owner), checked in the store's atomic step. The invitation is stored first and
// then sent, so the link works as soon as it arrives; if sending fails the invitation is
// deleted again and Invite returns the Inviter's error, leaving no pending invitation
// behind (were the store to fail during that clean-up as well, both errors are returned
// and the unsent invitation expires unused). InvitationCreated is emitted only once the
// message is sent.
//
// The email is normalised (see NormalizeEmail). nil opts mean a RoleMember, email-bound
// invitation that expires after Options.InvitationTTL; a zero or negative opts.TTL also
// means Options.InvitationTTL. The returned Invitation never contains the token: only
// the Inviter sees it.
//
// Errors: ErrNotConfigured (no Inviter), ErrOrganizationNotFound, ErrInvalidUserID,
// ErrInvalidEmail, ErrInvalidRole, ErrPermissionDenied (invitedBy may not invite),
// ErrEscalation (the role exceeds invitedBy's permissions), ErrAlreadyInvited (email has
// a pending, unexpired invitation to this organization), the Inviter's error, the store's error, or the
// context's error. With opts.Teams, also: ErrTooManyTeams, ErrDuplicateTeam,
// ErrTeamNotFound (not a team of the organization), ErrInvalidRole (not a team role of
// the Policy), ErrPermissionDenied (invitedBy lacks PermTeamsManage), ErrEscalation (a
// team role exceeds invitedBy's permissions in its team), ErrNotSupported (the store is
// not a TeamInvitationStore).
func (s *Service) Invite(ctx context.Context, invitedBy UserID, org uuid.UUID, email string, opts *InviteOptions) (Invitation, error) {
	return s.As(invitedBy).Invite(ctx, org, email, opts)
}

func (s *Service) invite(ctx context.Context, invitedBy UserID, org uuid.UUID, email string, opts *InviteOptions) (Invitation, error) {
	if s.opts.Inviter == nil {
		return Invitation{}, ErrNotConfigured
	}
	if opts == nil {
		opts = &InviteOptions{}
	}
	role := opts.Role
	if role == "" {
		role = RoleMember
	}
	email, emailErr := NormalizeEmail(email)
	teams, teamsErr := s.checkTeamInvites(opts.Teams)
	if err := firstError(checkOrg(org), emailErr, checkRole(role), teamsErr, s.teamInvitationStore(teams)); err != nil {
		return Invitation{}, err
	}
	ttl := s.opts.InvitationTTL
	if opts.TTL > 0 {
		ttl = opts.TTL
	}
	token, hash := newToken()
	now := s.now()
	inv := Invitation{
		ID: s.opts.NewID(), OrganizationID: org, Email: email, Role: role,
		InvitedBy: invitedBy, Bearer: opts.Bearer, Status: InvitationStatusPending,
		CreatedAt: now, ExpiresAt: Timestamp(now.Add(ttl)), Teams: teams,
	}
	o, err := s.store.CreateInvitation(ctx, CreateInvitationParams{Auth: s.auth(invitedBy), Invitation: inv, TokenHash: hash, Now: now})
	if err != nil {
		return Invitation{}, err
	}
	err = s.send(ctx, InvitationMessage{Invitation: inv, Organization: o, InvitedBy: invitedBy, Token: token})
	if err != nil {
		// WithoutCancel: a caller that gave up mid-send must not stop the undo.
		if derr := s.store.DeleteInvitation(context.WithoutCancel(ctx), inv.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return Invitation{}, err
	}
	emit(s, ctx, InvitationCreated{Invitation: inv, Actor: invitedBy})
	return inv, nil
}

// send hands m to the Inviter.
func (s *Service) send(ctx context.Context, m InvitationMessage) error {
	if err := s.opts.Inviter.SendInvitation(ctx, m); err != nil {
		return fmt.Errorf("organizations: sending invitation: %w", err)
	}
	return nil
}

// InvitationByToken returns the invitation a token belongs to, with its status as of now
// (a pending invitation past its expiry reads InvitationStatusExpired) and its
// organization, read in one store call: everything the page where the invitee decides
// shows. It changes nothing.
//
// Errors: ErrInvitationNotFound (an unknown, malformed or forged token), the store's
// error, or the context's error.
func (s *Service) InvitationByToken(ctx context.Context, token string) (InvitationDetails, error) {
	hash, tokenErr := invitationTokenHash(token)
	if err := ready(ctx, tokenErr); err != nil {
		return InvitationDetails{}, err
	}
	return s.store.InvitationByTokenHash(ctx, hash, s.now())
}

// AcceptInvitation accepts the invitation with this token for user and returns user's
// membership, made with the invitation's role in the same atomic step that closes the
// invitation: both happen or neither, and of N concurrent accepts of one token exactly
// one makes a membership.
//
// email is user's verified address (the host has checked it); it is normalised and must
// match an email-bound invitation's. It may be empty for a user without a verified
// address, who can then accept only Bearer invitations. If user is already a member the
// invitation is still accepted and the existing membership returned unchanged. Accepting
// again by the user who accepted returns their membership and emits nothing.
//
// Events, after the change: InvitationAccepted when this call accepted the invitation,
// then UserAdded when it made the membership, then TeamMemberAdded for each team of the
// invitation joined (see InviteOptions.Teams; AcceptInvitationResult says which).
//
// Errors: ErrInvalidUserID, ErrInvalidEmail, ErrInvitationNotFound (an unknown,
// malformed or forged token), ErrInvitationClosed (declined, revoked, or accepted by
// another user), ErrInvitationExpired, ErrInvitationEmailMismatch, ErrPermissionDenied
// (user sent the invitation), ErrInviterNotAllowed (wraps ErrInvitationClosed: the
// inviter has since been removed or may no longer grant the invitation's role; it stays
// pending), the store's error, or the context's error.
func (s *Service) AcceptInvitation(ctx context.Context, token string, user UserID, email string) (OrganizationUser, error) {
	res, err := s.AcceptInvitationResult(ctx, token, user, email)
	if err != nil {
		return OrganizationUser{}, err
	}
	return res.Membership, nil
}

// optionalEmail normalises a verified email that may be absent: "" stays "", which
// matches no email-bound invitation since NormalizeEmail never returns "".
func optionalEmail(email string) (string, error) {
	if email == "" {
		return "", nil
	}
	return NormalizeEmail(email)
}

// DeclineInvitation closes the invitation with this token as declined and emits
// InvitationDeclined. email is the decliner's verified address, as for AcceptInvitation:
// an email-bound invitation can be declined only by its invitee (empty email: Bearer
// invitations only).
//
// Errors: ErrInvalidEmail, ErrInvitationNotFound (an unknown, malformed or forged token),
// ErrInvitationClosed, ErrInvitationExpired, ErrInvitationEmailMismatch, the store's
// error, or the context's error.
func (s *Service) DeclineInvitation(ctx context.Context, token string, email string) error {
	email, emailErr := optionalEmail(email)
	hash, tokenErr := invitationTokenHash(token)
	if err := ready(ctx, emailErr, tokenErr); err != nil {
		return err
	}
	inv, err := s.store.DeclineInvitation(ctx, DeclineInvitationParams{TokenHash: hash, Email: email, Now: s.now()})
	if err != nil {
		return err
	}
	emit(s, ctx, InvitationDeclined{Invitation: inv})
	return nil
}

// RevokeInvitation closes the pending invitation with this ID as revoked, so that its
// token no longer works, and emits InvitationRevoked. It is As(actor).RevokeInvitation:
// actor must hold PermInvitationsRevoke in the invitation's organization.
//
// Errors: ErrInvalidUserID, ErrInvitationNotFound, ErrPermissionDenied,
// ErrInvitationClosed (already accepted, declined or revoked), ErrInvitationExpired
// (expired invitations need no revoking), the store's error, or the context's error.
func (s *Service) RevokeInvitation(ctx context.Context, actor UserID, id uuid.UUID) error {
	return s.As(actor).RevokeInvitation(ctx, id)
}

func (s *Service) revokeInvitation(ctx context.Context, actor UserID, id uuid.UUID) error {
	if err := checkInvitationID(id); err != nil {
		return err
	}
	inv, err := s.store.RevokeInvitation(ctx, RevokeInvitationParams{Auth: s.auth(actor), InvitationID: id, Now: s.now()})
	if err != nil {
		return err
	}
	emit(s, ctx, InvitationRevoked{Invitation: inv, Actor: actor})
	return nil
}

// ResendInvitation sends a pending or expired invitation again, as a reminder
// (InvitationMessage.Reminder set), with a new token: the old token stops working at
// once. The expiry restarts at now plus Options.InvitationTTL, whatever TTL the
// invitation was first given. It is As(actor).ResendInvitation: actor must hold
// PermInvitationsRevoke in the invitation's organization and may invite with the
// invitation's role (PermInvitationsCreate, the role within the actor's permissions),
// because actor takes over as its inviter: the returned and stored InvitedBy is actor,
// and AcceptInvitation checks actor's rights from then on, not the first inviter's. So an
// invitation refused with ErrInviterNotAllowed (its inviter was demoted or removed)
// becomes acceptable again, with the new link, once a user who may grant it resends it.
// All of this is decided in the store's atomic step. There is no unchecked resend: every
// invitation has an inviter who vouches for it, so trusted system code (a reminder job)
// resends as a user, say the owner. It emits no event.
//
// The renewal is one store step, which also returns what the message needs. Then the
// message is sent: if the Inviter fails, the renewal stands (the old token is dead, the
// new one unsent) and ResendInvitation returns ErrInvitationNotSent, wrapping the
// Inviter's error; calling it again sends a working link. Every other error means
// nothing changed, except the store's ErrOutcomeUnknown.
//
// Errors: ErrNotConfigured (no Inviter), ErrInvalidUserID, ErrInvitationNotFound,
// ErrPermissionDenied, ErrInvitationClosed (accepted, declined or revoked), ErrEscalation
// (the invitation's role exceeds actor's permissions), ErrAlreadyInvited (the
// invitation had expired and the email has a newer pending one), ErrMemberLimit,
// ErrInvitationNotSent (renewed, then the Inviter failed), the store's error, or the
// context's error.
func (s *Service) ResendInvitation(ctx context.Context, actor UserID, id uuid.UUID) (Invitation, error) {
	return s.As(actor).ResendInvitation(ctx, id)
}

func (s *Service) resendInvitation(ctx context.Context, actor UserID, id uuid.UUID) (Invitation, error) {
	if s.opts.Inviter == nil {
		return Invitation{}, ErrNotConfigured
	}
	if err := checkInvitationID(id); err != nil {
		return Invitation{}, err
	}
	token, hash := newToken()
	now := s.now()
	d, err := s.store.RenewInvitation(ctx, RenewInvitationParams{
		Auth: s.auth(actor), InvitationID: id, TokenHash: hash, ExpiresAt: Timestamp(now.Add(s.opts.InvitationTTL)), Now: now,
	})
	if err != nil {
		return Invitation{}, err
	}
	// From here on the renewal stands: an error must say so.
	err = s.send(ctx, InvitationMessage{Invitation: d.Invitation, Organization: d.Organization, InvitedBy: actor, Token: token, Reminder: true})
	if err != nil {
		return Invitation{}, fmt.Errorf("%w: %w", ErrInvitationNotSent, err)
	}
	return d.Invitation, nil
}

// PendingInvitations returns one page of the organization's pending, unexpired
// invitations, in the order they were made.
//
// Errors: ErrOrganizationNotFound, ErrInvalidListOptions, the store's error, or the
// context's error.
func (s *Service) PendingInvitations(ctx context.Context, org uuid.UUID, opts ListOptions) (Page[Invitation], error) {
	return listPage(ctx, checkOrg(org), opts, invitationID, func(q pageQuery) ([]Invitation, error) {
		return s.store.PendingInvitations(ctx, PendingInvitationsParams{OrganizationID: org, After: q.after, Limit: q.limit + 1, Now: s.now()})
	})
}

// InvitationsForEmail returns the pending, unexpired invitations sent to email (after
// normalisation) across all organizations, oldest first, each with its organization, all
// read in one store call: after sign-up, a host shows them to the new user ("your
// pending invitations"). They carry no tokens: the invitee accepts through the link the
// Inviter sent. None is an empty slice.
//
// Errors: ErrInvalidEmail, the store's error, or the context's error.
func (s *Service) InvitationsForEmail(ctx context.Context, email string) ([]InvitationDetails, error) {
	email, emailErr := NormalizeEmail(email)
	if err := ready(ctx, emailErr); err != nil {
		return nil, err
	}
	return s.store.InvitationsForEmail(ctx, email, s.now())
}
