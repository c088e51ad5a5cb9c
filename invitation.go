package organizations

import (
	"context"
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

// Invitation is an invitation of an email address into an organization. Its token is not
// stored: only a SHA-256 hash of it, and the ID is not the token.
type Invitation struct {
	ID             uuid.UUID
	OrganizationID uuid.UUID
	// Email is the invitee's normalised address (trimmed, lower-case).
	Email string
	// Role is the role the invitee gets on accepting.
	Role Role
	// InvitedBy is the admin who sent the invitation.
	InvitedBy UserID
	// Bearer invitations can be accepted by any user; others only by a user whose
	// verified email is Email.
	Bearer    bool
	Status    InvitationStatus
	CreatedAt time.Time
	ExpiresAt time.Time
	// RespondedAt is when the invitation was accepted, declined or revoked; zero while
	// pending or expired.
	RespondedAt time.Time
	// AcceptedBy is the user who accepted; empty unless accepted.
	AcceptedBy UserID
}

// InvitationMessage is what an Inviter sends.
type InvitationMessage struct {
	Invitation   Invitation
	Organization Organization
	// InvitedBy is the admin who invited (or resent).
	InvitedBy UserID
	// Token is the secret the invitee presents to accept or decline. It exists only in
	// this message: put it in the link you send and nowhere else.
	Token string
	// Reminder is true when ResendInvitation sends the message.
	Reminder bool
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
}
