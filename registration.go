package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Registrar creates and activates the host app's users for sign-up (Register, Activate).
type Registrar interface {
	// RegisterUser creates an inactive user with this email, or returns the existing
	// inactive user with it, so that a retried sign-up finds the same user.
	RegisterUser(ctx context.Context, email string) (UserID, error)
	// ActivateUser activates the user. It must succeed when the user is already active,
	// so that a retried activation can complete.
	ActivateUser(ctx context.Context, user UserID) error
}

// Activator delivers sign-up activation messages. The host app implements it.
type Activator interface {
	SendActivation(ctx context.Context, m ActivationMessage) error
}

// ActivatorFunc adapts a function to an Activator.
type ActivatorFunc func(ctx context.Context, m ActivationMessage) error

// SendActivation calls f(ctx, m).
func (f ActivatorFunc) SendActivation(ctx context.Context, m ActivationMessage) error {
	return f(ctx, m)
}

// Activation is a pending sign-up: the user Register created, waiting to prove they own
// Email. Its token is stored only as a SHA-256 hash.
type Activation struct {
	ID        uuid.UUID
	UserID    UserID
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is when Activate completed; zero until then.
	UsedAt time.Time
}

// ActivationMessage is what an Activator sends.
type ActivationMessage struct {
	Activation   Activation
	Organization Organization
	// Token is the secret the user presents to Activate. It exists only in this message.
	Token string
}
