package organizationstest

import (
	"context"
	"sync"

	"github.com/go-organizations/organizations"
)

// Outbox captures the messages a Service sends, tokens included, in place of the mail a
// host would send: it is an organizations.Inviter and an organizations.Activator, for
// Options.Inviter and Options.Activator. A handler test takes the token from it to build
// the link the user would have clicked. The zero value is ready to use and delivers every
// message; it is safe for concurrent use.
type Outbox struct {
	mu          sync.Mutex
	invitations []organizations.InvitationMessage
	activations []organizations.ActivationMessage
	fail        func(ctx context.Context) error
}

// SendInvitation implements organizations.Inviter: it keeps m, then returns the error of
// the function given to FailWith, if any.
func (o *Outbox) SendInvitation(ctx context.Context, m organizations.InvitationMessage) error {
	o.mu.Lock()
	o.invitations = append(o.invitations, m)
	fail := o.fail
	o.mu.Unlock()
	return callFail(ctx, fail)
}

// SendActivation implements organizations.Activator: it keeps m, then returns the error
// of the function given to FailWith, if any.
func (o *Outbox) SendActivation(ctx context.Context, m organizations.ActivationMessage) error {
	o.mu.Lock()
	o.activations = append(o.activations, m)
	fail := o.fail
	o.mu.Unlock()
	return callFail(ctx, fail)
}

func callFail(ctx context.Context, fail func(context.Context) error) error {
	if fail == nil {
		return nil
	}
	return fail(ctx)
}

// FailWith makes every later send call fail and return its error, as a mail server that
// is down would (a nil error delivers). The message is kept all the same, so that a test
// can check that the token it carried does not work after the failed call. FailWith(nil)
// makes sends succeed again.
func (o *Outbox) FailWith(fail func(ctx context.Context) error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fail = fail
}

// TakeInvitations returns the invitation messages sent since the last TakeInvitations,
// oldest first, and forgets them. None is an empty, non-nil slice.
func (o *Outbox) TakeInvitations() []organizations.InvitationMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append([]organizations.InvitationMessage{}, o.invitations...)
	o.invitations = nil
	return out
}

// TakeActivations returns the activation messages sent since the last TakeActivations,
// oldest first, and forgets them. None is an empty, non-nil slice.
func (o *Outbox) TakeActivations() []organizations.ActivationMessage {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := append([]organizations.ActivationMessage{}, o.activations...)
	o.activations = nil
	return out
}

// InvitationToken returns the token of the newest invitation message not yet taken that
// went to email (compared after organizations.NormalizeEmail), and whether there is one.
func (o *Outbox) InvitationToken(email string) (string, bool) {
	email, err := organizations.NormalizeEmail(email)
	if err != nil {
		return "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.invitations) - 1; i >= 0; i-- {
		if m := o.invitations[i]; m.Invitation.Email == email {
			return m.Token, true
		}
	}
	return "", false
}

// ActivationToken returns the token of the newest activation message not yet taken that
// went to email (compared after organizations.NormalizeEmail), and whether there is one.
func (o *Outbox) ActivationToken(email string) (string, bool) {
	email, err := organizations.NormalizeEmail(email)
	if err != nil {
		return "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.activations) - 1; i >= 0; i-- {
		if m := o.activations[i]; m.Activation.Email == email {
			return m.Token, true
		}
	}
	return "", false
}

var (
	_ organizations.Inviter   = (*Outbox)(nil)
	_ organizations.Activator = (*Outbox)(nil)
)
