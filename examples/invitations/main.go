// Command invitations walks an invitation through its life on the in-memory store: chris
// invites kim, whose Inviter link is printed, and kim accepts; an invitation to lee
// expires unused and is resent with a new link; one to sam is revoked before sam gets to
// it. A clock the program moves by hand shows the expiry without waiting a week.
//
//	go run ./examples/invitations
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/go-organizations/organizations"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "invitations:", err)
		os.Exit(1)
	}
}

// baseURL is where this imaginary app serves the page that accepts an invitation.
const baseURL = "https://app.example.com/invitations/"

// start is the clock's first reading, fixed so that the transcript is the same each run.
var start = time.Date(2025, time.March, 3, 9, 0, 0, 0, time.UTC)

// clock is a time source the program moves by hand; Options.Now reads it.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }
func (c *clock) String() string          { return stamp(c.now) }

// stamp formats a time for the transcript.
func stamp(t time.Time) string { return t.Format(time.DateTime) }

// link is the accept link an invitation message carries.
func link(m organizations.InvitationMessage) string { return baseURL + m.Token }

// run plays the story and writes each step to w. It returns the first unexpected error,
// including a failed write, so that the test notices a truncated transcript.
func run(w io.Writer) error {
	ctx := context.Background()
	p := &printer{w: w}
	clk := &clock{now: start}
	// The Inviter is where a real app sends mail. Here it prints the message under the
	// step that sent it, and keeps the token of the last one per address, as the
	// invitee's mailbox would.
	inbox := map[string]string{}
	svc := organizations.New(nil, &organizations.Options{
		Now:           clk.Now,
		InvitationTTL: 7 * 24 * time.Hour,
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			kind := "invitation"
			if m.Reminder {
				kind = "reminder"
			}
			p.mail = append(p.mail, fmt.Sprintf("mail to %s (%s): %s invites you to %q as %s, until %s\n    %s",
				m.Invitation.Email, kind, m.InvitedBy, m.Organization.Name, m.Invitation.Role,
				stamp(m.Invitation.ExpiresAt), link(m)))
			inbox[m.Invitation.Email] = m.Token
			return nil
		}),
		Events: func(_ context.Context, e organizations.Event) { p.events = append(p.events, e.EventName()) },
	})
	const chris = organizations.UserID("chris")

	org, err := svc.CreateOrganization(ctx, chris, "Soundgarden", nil)
	if err != nil {
		return err
	}
	p.printf("[%s] chris created %q\n", clk, org.Name)

	// 1. Invite and accept.
	kim, err := svc.Invite(ctx, chris, org.ID, "Kim@Example.com", nil)
	if err != nil {
		return err
	}
	p.printf("[%s] chris invited %s: %s, expires %s\n", clk, kim.Email, kim.Status, stamp(kim.ExpiresAt))
	clk.Advance(2 * time.Hour)
	if err := printPreview(ctx, p, svc, clk, "kim", inbox["kim@example.com"]); err != nil {
		return err
	}
	m, err := svc.AcceptInvitation(ctx, inbox["kim@example.com"], "kim", "kim@example.com")
	if err != nil {
		return err
	}
	p.printf("[%s] kim accepted and is now %s of %q\n", clk, m.Role, org.Name)

	// 2. Expire, then resend.
	lee, err := svc.Invite(ctx, chris, org.ID, "lee@example.com", &organizations.InviteOptions{TTL: 48 * time.Hour})
	if err != nil {
		return err
	}
	p.printf("[%s] chris invited %s for two days: %s, expires %s\n", clk, lee.Email, lee.Status, stamp(lee.ExpiresAt))
	if err := printPending(ctx, p, svc, clk, org); err != nil {
		return err
	}
	clk.Advance(3 * 24 * time.Hour)
	p.printf("[%s] three days later\n", clk)
	oldToken := inbox["lee@example.com"]
	if err := printPreview(ctx, p, svc, clk, "lee", oldToken); err != nil {
		return err
	}
	_, err = svc.AcceptInvitation(ctx, oldToken, "lee", "lee@example.com")
	if !errors.Is(err, organizations.ErrInvitationExpired) {
		return fmt.Errorf("accepting an expired invitation: got %v, want ErrInvitationExpired", err)
	}
	p.printf("[%s] lee's accept is refused: %v\n", clk, err)
	if err := printPending(ctx, p, svc, clk, org); err != nil {
		return err
	}
	lee, err = svc.ResendInvitation(ctx, chris, lee.ID)
	if err != nil {
		return err
	}
	p.printf("[%s] chris resent lee's invitation: %s, expires %s\n", clk, lee.Status, stamp(lee.ExpiresAt))
	_, err = svc.AcceptInvitation(ctx, oldToken, "lee", "lee@example.com")
	if !errors.Is(err, organizations.ErrInvitationNotFound) {
		return fmt.Errorf("accepting with the replaced token: got %v, want ErrInvitationNotFound", err)
	}
	p.printf("[%s] the first link no longer works: %v\n", clk, err)
	m, err = svc.AcceptInvitation(ctx, inbox["lee@example.com"], "lee", "lee@example.com")
	if err != nil {
		return err
	}
	p.printf("[%s] lee accepted the new link and is now %s of %q\n", clk, m.Role, org.Name)

	// 3. Revoke.
	sam, err := svc.Invite(ctx, chris, org.ID, "sam@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin})
	if err != nil {
		return err
	}
	p.printf("[%s] chris invited %s as %s: %s\n", clk, sam.Email, sam.Role, sam.Status)
	if err := svc.RevokeInvitation(ctx, chris, sam.ID); err != nil {
		return err
	}
	p.printf("[%s] chris revoked sam's invitation\n", clk)
	clk.Advance(time.Hour)
	if err := printPreview(ctx, p, svc, clk, "sam", inbox["sam@example.com"]); err != nil {
		return err
	}
	_, err = svc.AcceptInvitation(ctx, inbox["sam@example.com"], "sam", "sam@example.com")
	if !errors.Is(err, organizations.ErrInvitationClosed) {
		return fmt.Errorf("accepting a revoked invitation: got %v, want ErrInvitationClosed", err)
	}
	p.printf("[%s] sam's accept is refused: %v\n", clk, err)
	_, err = svc.ResendInvitation(ctx, chris, sam.ID)
	if !errors.Is(err, organizations.ErrInvitationClosed) {
		return fmt.Errorf("resending a revoked invitation: got %v, want ErrInvitationClosed", err)
	}
	p.printf("[%s] resending it is refused too: %v\n", clk, err)

	if err := printPending(ctx, p, svc, clk, org); err != nil {
		return err
	}
	if err := printMembers(ctx, p, svc, org); err != nil {
		return err
	}
	return p.err
}

// printPreview prints what the invitee's page shows for token: InvitationByToken, which
// changes nothing and reads the invitation with its organization in one store call.
func printPreview(ctx context.Context, p *printer, svc *organizations.Service, clk *clock, who, token string) error {
	inv, err := svc.InvitationByToken(ctx, token)
	if err != nil {
		return err
	}
	p.printf("[%s] %s opens the link: invitation to %s (%s) for %s as %s, %s (expires %s)\n",
		clk, who, inv.Organization.Name, inv.Organization.Slug, inv.Email, inv.Role, inv.Status, stamp(inv.ExpiresAt))
	return nil
}

// printPending prints the organization's pending, unexpired invitations.
func printPending(ctx context.Context, p *printer, svc *organizations.Service, clk *clock, org organizations.Organization) error {
	page, err := svc.PendingInvitations(ctx, org.ID, organizations.ListOptions{})
	if err != nil {
		return err
	}
	emails := make([]string, 0, len(page.Items))
	for _, inv := range page.Items {
		emails = append(emails, inv.Email)
	}
	if len(emails) == 0 {
		emails = append(emails, "none")
	}
	p.printf("[%s] pending invitations: %s\n", clk, strings.Join(emails, ", "))
	return nil
}

// printMembers prints the organization's members in the order they joined.
func printMembers(ctx context.Context, p *printer, svc *organizations.Service, org organizations.Organization) error {
	page, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(page.Items))
	for _, m := range page.Items {
		names = append(names, fmt.Sprintf("%s (%s)", m.UserID, m.Role))
	}
	p.printf("members of %q: %s\n", org.Name, strings.Join(names, ", "))
	return nil
}

// printer writes the steps and, after each, the mail it sent and the events it caused.
// It keeps the first write error so that the steps read as plain prints.
type printer struct {
	w      io.Writer
	mail   []string
	events []string
	err    error
}

func (p *printer) printf(format string, args ...any) {
	p.write(format, args...)
	for _, m := range p.mail {
		p.write("  %s\n", m)
	}
	for _, e := range p.events {
		p.write("  event: %s\n", e)
	}
	p.mail, p.events = p.mail[:0], p.events[:0]
}

func (p *printer) write(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
