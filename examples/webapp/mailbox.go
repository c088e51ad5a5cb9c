package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

// maxSent is how many links the mailbox keeps.
const maxSent = 100

// sentLink is one message the demo "sent": where a real host would send an email, the
// mailbox logs the link and keeps it so that the page can show it.
type sentLink struct {
	Kind           string // "invitation" or "activation"
	To             string
	OrganizationID uuid.UUID
	Organization   string
	// Path is the link, relative to the site: it holds the token.
	Path     string
	Reminder bool
	SentAt   time.Time
}

// mailbox is the DEMO delivery of invitations and activations: it implements
// organizations.Inviter and organizations.Activator by logging the link and keeping the
// last maxSent links in memory. A real host sends an email instead. It is safe for
// concurrent use.
type mailbox struct {
	log  *slog.Logger
	base string // the site's URL, for the log
	now  func() time.Time

	mu   sync.Mutex
	sent []sentLink // oldest first
}

var (
	_ organizations.Inviter   = (*mailbox)(nil)
	_ organizations.Activator = (*mailbox)(nil)
)

// SendInvitation logs and keeps the invitation's accept link. It never fails.
func (m *mailbox) SendInvitation(_ context.Context, msg organizations.InvitationMessage) error {
	m.keep(sentLink{
		Kind: "invitation", To: msg.Invitation.Email, OrganizationID: msg.Organization.ID,
		Organization: msg.Organization.Name, Path: "/invitations/" + msg.Token, Reminder: msg.Reminder,
	})
	return nil
}

// SendActivation logs and keeps the sign-up's activation link. It never fails.
func (m *mailbox) SendActivation(_ context.Context, msg organizations.ActivationMessage) error {
	m.keep(sentLink{
		Kind: "activation", To: msg.Activation.Email, OrganizationID: msg.Organization.ID,
		Organization: msg.Organization.Name, Path: "/activate/" + msg.Token,
	})
	return nil
}

func (m *mailbox) keep(l sentLink) {
	l.SentAt = m.now()
	m.log.Info("demo mail: "+l.Kind+" link", "to", l.To, "organization", l.Organization,
		"reminder", l.Reminder, "link", m.base+l.Path)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, l)
	if len(m.sent) > maxSent {
		m.sent = append([]sentLink(nil), m.sent[len(m.sent)-maxSent:]...)
	}
}

// find returns the links that match, newest first.
func (m *mailbox) find(match func(sentLink) bool) []sentLink {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sentLink
	for i := len(m.sent) - 1; i >= 0; i-- {
		if match(m.sent[i]) {
			out = append(out, m.sent[i])
		}
	}
	return out
}

// invitationsFor returns the invitation links sent for the organization, newest first.
func (m *mailbox) invitationsFor(org uuid.UUID) []sentLink {
	return m.find(func(l sentLink) bool { return l.Kind == "invitation" && l.OrganizationID == org })
}

// activationFor returns the newest activation link sent to email for org.
func (m *mailbox) activationFor(email string, org uuid.UUID) (sentLink, bool) {
	links := m.find(func(l sentLink) bool {
		return l.Kind == "activation" && l.To == email && l.OrganizationID == org
	})
	if len(links) == 0 {
		return sentLink{}, false
	}
	return links[0], true
}
