package organizationstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
)

// A fake clock makes expiry testable: the invitation expires when the test says so.
func ExampleClock() {
	ctx := context.Background()
	clock := organizationstest.NewClock(time.Date(2030, time.January, 2, 9, 0, 0, 0, time.UTC))
	outbox := &organizationstest.Outbox{}
	svc := organizations.New(nil, &organizations.Options{Now: clock.Now, Inviter: outbox, InvitationTTL: 24 * time.Hour})

	org, _ := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)
	inv, _ := svc.Invite(ctx, "ada", org.ID, "charles@example.org", nil)
	fmt.Println("expires:", inv.ExpiresAt.Format(time.DateTime))

	token, _ := outbox.InvitationToken("charles@example.org")
	clock.Advance(25 * time.Hour)
	_, err := svc.AcceptInvitation(ctx, token, "charles", "charles@example.org")
	fmt.Println("a day later:", clock.Now().Format(time.DateTime), errors.Is(err, organizations.ErrInvitationExpired))
	// Output:
	// expires: 2030-01-03 09:00:00
	// a day later: 2030-01-03 10:00:00 true
}

// A Recorder is Options.Events: it keeps what the Service emitted, for the test to check.
func ExampleRecorder() {
	ctx := context.Background()
	events := &organizationstest.Recorder{}
	svc := organizations.New(nil, &organizations.Options{Events: events.Record})

	org, _ := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)
	_, _ = svc.AddUser(ctx, org.ID, "charles", organizations.RoleMember)
	_, _ = svc.SetRole(ctx, org.ID, "charles", organizations.RoleMember) // no change: no event
	fmt.Println(events.Names())

	for _, e := range events.Take() {
		if e, ok := e.(organizations.UserAdded); ok {
			fmt.Println("added:", e.OrganizationUser.UserID, e.OrganizationUser.Role)
		}
	}
	fmt.Println("after Take:", len(events.Take()))
	// Output:
	// [organization_created user_added]
	// added: charles member
	// after Take: 0
}

// An Outbox is the Inviter and the Activator of a test: it keeps the messages with their
// tokens, which the test then presents as the user's click on the link would.
func ExampleOutbox() {
	ctx := context.Background()
	outbox := &organizationstest.Outbox{}
	svc := organizations.New(nil, &organizations.Options{Inviter: outbox})
	org, _ := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)

	_, _ = svc.Invite(ctx, "ada", org.ID, "Charles@Example.org", nil)
	msgs := outbox.TakeInvitations()
	fmt.Println(len(msgs), "message to", msgs[0].Invitation.Email, "for", msgs[0].Organization.Name)
	m, err := svc.AcceptInvitation(ctx, msgs[0].Token, "charles", "charles@example.org")
	fmt.Println("joined:", m.UserID, m.Role, err)

	// A mail server that is down: Invite fails and leaves no invitation behind.
	outbox.FailWith(func(context.Context) error { return errors.New("smtp: connection refused") })
	_, err = svc.Invite(ctx, "ada", org.ID, "grace@example.org", nil)
	fmt.Println(err)
	token, _ := outbox.InvitationToken("grace@example.org")
	_, err = svc.InvitationByToken(ctx, token)
	fmt.Println("its token:", errors.Is(err, organizations.ErrInvitationNotFound))
	// Output:
	// 1 message to charles@example.org for Analytical Engines
	// joined: charles member <nil>
	// organizations: sending invitation: smtp: connection refused
	// its token: true
}
