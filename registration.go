package organizations

import (
	"context"
	"errors"
	"fmt"
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
// Email. Its token is stored only as a SHA-256 hash, and is not in the Activation: its
// JSON never carries one; "used_at" is left out until it is used.
type Activation struct {
	ID        uuid.UUID `json:"id"`
	UserID    UserID    `json:"user_id"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// UsedAt is when Activate completed; zero until then.
	UsedAt time.Time `json:"used_at,omitzero"`
}

// ActivationMessage is what an Activator sends. Like InvitationMessage it is for the
// Activator, not for an API response: its Token is left out of its JSON (json:"-").
type ActivationMessage struct {
	Activation   Activation   `json:"activation"`
	Organization Organization `json:"organization"`
	// Token is the secret the user presents to Activate. It exists only in this message.
	// Never in JSON.
	Token string `json:"-"`
}

// Register signs a new person up with their first organization. It asks the Registrar
// for an inactive user with this email, creates an inactive organization named
// organizationName owned by that user (slug generated from the name), stores an
// activation token valid for Options.ActivationTTL and sends it through the Activator.
// OrganizationCreated is emitted once the message is sent. Activate completes the
// sign-up.
//
// The email and name are validated before the host is called. If a step after
// RegisterUser fails, Register undoes what the library made (the activation, then the
// organization) and returns the error; a failed Register emits no event, in keeping with
// the Event contract, so OrganizationDeleted is not emitted for the undone organization
// either. A store step that reports ErrOutcomeUnknown (its change may have been made) is
// undone the same way, what it may have made included: so once the undo succeeds nothing
// the library made remains, although the error still wraps ErrOutcomeUnknown. The host's
// user stays, inactive: RegisterUser must return it again on a retry (see Registrar), and
// the retry makes the same slug and a fresh token. Only if the store also fails during
// that undo can something stay behind: an inactive organization and an unsent
// activation, returned as a joined error. Each successful call creates one more
// organization: a host guards against double submission itself.
//
// Errors: ErrNotConfigured (no Registrar or no Activator), ErrNotSupported (the store is
// not an ActivationStore), ErrInvalidEmail, ErrInvalidName, the Registrar's or
// Activator's error, ErrInvalidUserID (the Registrar returned an invalid UserID),
// ErrOrganizationLimit (the Registrar returned a user who owns
// Options.MaxOwnedOrganizations already), the store's error (joined with the undo's,
// should that fail too), or the context's error.
func (s *Service) Register(ctx context.Context, email, organizationName string) (Organization, error) {
	activations, err := need[ActivationStore](ctx, s, configured(s.opts.Registrar != nil && s.opts.Activator != nil))
	if err != nil {
		return Organization{}, err
	}
	email, err = NormalizeEmail(email)
	if err != nil {
		return Organization{}, err
	}
	name, err := normalizeName(organizationName)
	if err != nil {
		return Organization{}, err
	}
	user, err := s.opts.Registrar.RegisterUser(ctx, email)
	if err != nil {
		return Organization{}, fmt.Errorf("organizations: registering user: %w", err)
	}
	if !user.Valid() {
		return Organization{}, fmt.Errorf("organizations: Registrar returned user ID %q: %w", user, ErrInvalidUserID)
	}
	p, err := s.newOrganization(user, name, &CreateOptions{Inactive: true})
	if err != nil {
		return Organization{}, err
	}
	org, err := s.store.CreateOrganization(ctx, p)
	if errors.Is(err, ErrOutcomeUnknown) {
		// The organization may have been created: undo it like a later failure.
		return Organization{}, s.undoRegister(ctx, activations, err, p.Organization.ID, uuid.Nil)
	}
	if err != nil {
		return Organization{}, err
	}
	now := s.now()
	token, hash := newToken()
	a := Activation{
		ID: s.opts.NewID(), UserID: user, Email: email,
		CreatedAt: now, ExpiresAt: Timestamp(now.Add(s.opts.ActivationTTL)),
	}
	if err := activations.CreateActivation(ctx, a, hash); err != nil {
		// The activation too, which ErrOutcomeUnknown may have left stored.
		return Organization{}, s.undoRegister(ctx, activations, err, org.ID, a.ID)
	}
	err = s.opts.Activator.SendActivation(ctx, ActivationMessage{Activation: a, Organization: org, Token: token})
	if err != nil {
		err = fmt.Errorf("organizations: sending activation: %w", err)
		return Organization{}, s.undoRegister(ctx, activations, err, org.ID, a.ID)
	}
	emit(s, ctx, OrganizationCreated{Organization: org, Owner: user})
	return org, nil
}

// undoRegister deletes what a failed Register made, or may have made (activation
// uuid.Nil: none yet; an organization or activation that is not there is no error), and
// returns err joined with any error of the undo. It runs even if ctx is done, since a
// caller that gave up mid-way is the usual reason to get here.
func (s *Service) undoRegister(ctx context.Context, activations ActivationStore, err error, org, activation uuid.UUID) error {
	ctx = context.WithoutCancel(ctx)
	if activation != uuid.Nil {
		if derr := activations.DeleteActivation(ctx, activation); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	if _, derr := s.store.DeleteOrganization(ctx, DeleteOrganizationParams{OrganizationID: org}); derr != nil && !errors.Is(derr, ErrOrganizationNotFound) {
		err = errors.Join(err, derr)
	}
	return err
}

// Activate completes a sign-up: it checks the activation token, asks the Registrar to
// activate the user, then marks the token used and activates every inactive organization
// the user owns, in one atomic store step. It emits OrganizationUpdated for each
// organization it activated and returns the user.
//
// The host is called before the token is spent: if ActivateUser fails, Activate returns
// its error and the same token works for a retry (ActivateUser must accept an already
// active user, see Registrar). A token works once; of concurrent calls with one token,
// one succeeds and the others get ErrActivationUsed.
//
// Errors: ErrNotConfigured (no Registrar), ErrNotSupported (the store is not an
// ActivationStore), ErrActivationNotFound (an unknown, malformed or forged token),
// ErrActivationUsed, ErrActivationExpired, the Registrar's error, the store's error, or
// the context's error.
func (s *Service) Activate(ctx context.Context, token string) (UserID, error) {
	activations, err := need[ActivationStore](ctx, s, configured(s.opts.Registrar != nil))
	if err != nil {
		return "", err
	}
	hash, ok := parseToken(token)
	if !ok {
		return "", ErrActivationNotFound
	}
	now := s.now()
	a, err := activations.ActivationByTokenHash(ctx, hash, now)
	if err != nil {
		return "", err
	}
	if err := s.opts.Registrar.ActivateUser(ctx, a.UserID); err != nil {
		return "", fmt.Errorf("organizations: activating user: %w", err)
	}
	a, orgs, err := activations.CompleteActivation(ctx, hash, now)
	if err != nil {
		return "", err
	}
	for _, org := range orgs {
		emit(s, ctx, OrganizationUpdated{Organization: org})
	}
	return a.UserID, nil
}
