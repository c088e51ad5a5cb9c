package organizations_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-organizations/organizations"
)

// An Inviter mails the accept link; the token exists only in that message. The invitee
// previews the invitation, then accepts it with the email address the host has verified.
func ExampleService_Invite() {
	ctx := context.Background()
	var link string // what a real Inviter would put in the email
	svc := organizations.New(nil, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			link = "https://app.example/invitations/" + m.Token
			fmt.Printf("to %s: %s invites you to %s as %s\n",
				m.Invitation.Email, m.InvitedBy, m.Organization.Name, m.Invitation.Role)
			return nil
		}),
	})
	org, err := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)
	if err != nil {
		panic(err)
	}
	if _, err := svc.Invite(ctx, "ada", org.ID, " Charles@Example.org ", nil); err != nil {
		panic(err)
	}
	_, err = svc.Invite(ctx, "ada", org.ID, "charles@example.org", nil)
	fmt.Println("invite again:", errors.Is(err, organizations.ErrAlreadyInvited))

	token := strings.TrimPrefix(link, "https://app.example/invitations/")
	preview, err := svc.InvitationByToken(ctx, token)
	if err != nil {
		panic(err)
	}
	fmt.Println("preview:", preview.Email, preview.Status, "to join", preview.Organization.Name)

	_, err = svc.AcceptInvitation(ctx, token, "mallory", "mallory@example.org")
	fmt.Println("other email:", errors.Is(err, organizations.ErrInvitationEmailMismatch))
	m, err := svc.AcceptInvitation(ctx, token, "charles", "CHARLES@example.org")
	if err != nil {
		panic(err)
	}
	fmt.Println("joined:", m.UserID, m.Role)
	_, err = svc.AcceptInvitation(ctx, token, "mallory", "charles@example.org")
	fmt.Println("second user:", errors.Is(err, organizations.ErrInvitationClosed))
	// Output:
	// to charles@example.org: ada invites you to Analytical Engines as member
	// invite again: true
	// preview: charles@example.org pending to join Analytical Engines
	// other email: true
	// joined: charles member
	// second user: true
}

// An expired invitation is refused; resending it issues a new token with a new expiry and
// kills the old token.
func ExampleService_ResendInvitation() {
	ctx := context.Background()
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	var token string
	svc := organizations.New(nil, &organizations.Options{
		Now:           func() time.Time { return now },
		InvitationTTL: 48 * time.Hour,
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			token = m.Token
			fmt.Printf("to %s (reminder: %t), valid until %s\n",
				m.Invitation.Email, m.Reminder, m.Invitation.ExpiresAt.Format(time.DateTime))
			return nil
		}),
	})
	org, err := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)
	if err != nil {
		panic(err)
	}
	inv, err := svc.Invite(ctx, "ada", org.ID, "charles@example.org", nil)
	if err != nil {
		panic(err)
	}
	first := token

	now = now.Add(72 * time.Hour)
	_, err = svc.AcceptInvitation(ctx, first, "charles", "charles@example.org")
	fmt.Println("expired:", errors.Is(err, organizations.ErrInvitationExpired))

	if _, err := svc.ResendInvitation(ctx, "ada", inv.ID); err != nil {
		panic(err)
	}
	_, err = svc.AcceptInvitation(ctx, first, "charles", "charles@example.org")
	fmt.Println("old token:", errors.Is(err, organizations.ErrInvitationNotFound))
	m, err := svc.AcceptInvitation(ctx, token, "charles", "charles@example.org")
	if err != nil {
		panic(err)
	}
	fmt.Println("joined:", m.UserID)
	// Output:
	// to charles@example.org (reminder: false), valid until 2030-01-03 09:00:00
	// expired: true
	// to charles@example.org (reminder: true), valid until 2030-01-06 09:00:00
	// old token: true
	// joined: charles
}

// A revoked invitation's token no longer works, and it leaves the pending list.
func ExampleService_RevokeInvitation() {
	ctx := context.Background()
	var token string
	svc := organizations.New(nil, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			token = m.Token
			return nil
		}),
	})
	org, err := svc.CreateOrganization(ctx, "ada", "Analytical Engines", nil)
	if err != nil {
		panic(err)
	}
	inv, err := svc.Invite(ctx, "ada", org.ID, "charles@example.org", &organizations.InviteOptions{Role: organizations.RoleAdmin})
	if err != nil {
		panic(err)
	}
	charlesToken := token
	if _, err := svc.Invite(ctx, "ada", org.ID, "mary@example.org", nil); err != nil {
		panic(err)
	}
	if err := svc.RevokeInvitation(ctx, "ada", inv.ID); err != nil {
		panic(err)
	}
	_, err = svc.AcceptInvitation(ctx, charlesToken, "charles", "charles@example.org")
	fmt.Println("after revoke:", errors.Is(err, organizations.ErrInvitationClosed))
	page, err := svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	if err != nil {
		panic(err)
	}
	for _, p := range page.Items {
		fmt.Println("pending:", p.Email, p.Role)
	}
	// Output:
	// after revoke: true
	// pending: mary@example.org member
}

func ExampleNormalizeEmail() {
	for _, in := range []string{"  Ada.Lovelace@Example.ORG ", "ada@", "a b@example.org"} {
		out, err := organizations.NormalizeEmail(in)
		fmt.Printf("%q %v\n", out, err)
	}
	// Output:
	// "ada.lovelace@example.org" <nil>
	// "" organizations: invalid email address
	// "" organizations: invalid email address
}
