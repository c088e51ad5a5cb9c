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
	return keep(ctx, o, &o.invitations, m)
}

// SendActivation implements organizations.Activator: it keeps m, then returns the error
// of the function given to FailWith, if any.
func (o *Outbox) SendActivation(ctx context.Context, m organizations.ActivationMessage) error {
	return keep(ctx, o, &o.activations, m)
}

// keep appends m to *msgs, one of o's lists, then returns the error of the function
// given to FailWith, if any (called without o's lock).
func keep[M any](ctx context.Context, o *Outbox, msgs *[]M, m M) error {
	o.mu.Lock()
	*msgs = append(*msgs, m)
	fail := o.fail
	o.mu.Unlock()
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
	return takeAll(&o.mu, &o.invitations)
}

// TakeActivations returns the activation messages sent since the last TakeActivations,
// oldest first, and forgets them. None is an empty, non-nil slice.
func (o *Outbox) TakeActivations() []organizations.ActivationMessage {
	return takeAll(&o.mu, &o.activations)
}

// takeAll returns what *list holds, as a new non-nil slice, and empties it, holding mu.
func takeAll[T any](mu *sync.Mutex, list *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	out := append([]T{}, *list...)
	*list = nil
	return out
}

// InvitationToken returns the token of the newest invitation message not yet taken that
// went to email (compared after organizations.NormalizeEmail), and whether there is one.
func (o *Outbox) InvitationToken(email string) (string, bool) {
	return newestToken(o, &o.invitations, email, func(m organizations.InvitationMessage) (string, string) {
		return m.Invitation.Email, m.Token
	})
}

// ActivationToken returns the token of the newest activation message not yet taken that
// went to email (compared after organizations.NormalizeEmail), and whether there is one.
func (o *Outbox) ActivationToken(email string) (string, bool) {
	return newestToken(o, &o.activations, email, func(m organizations.ActivationMessage) (string, string) {
		return m.Activation.Email, m.Token
	})
}

// newestToken returns the token of the newest message of msgs, one of o's lists, that
// went to email (compared after organizations.NormalizeEmail), and whether there is one;
// to gives a message's address and token.
func newestToken[M any](o *Outbox, msgs *[]M, email string, to func(M) (address, token string)) (string, bool) {
	email, err := organizations.NormalizeEmail(email)
	if err != nil {
		return "", false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(*msgs) - 1; i >= 0; i-- {
		if address, token := to((*msgs)[i]); address == email {
			return token, true
		}
	}
	return "", false
}

var (
	_ organizations.Inviter   = (*Outbox)(nil)
	_ organizations.Activator = (*Outbox)(nil)
)
