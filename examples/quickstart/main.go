// Command quickstart replays the classic django-organizations session on the in-memory
// store: chris founds two bands, adds tom to one of them, hands it over to tom, and cannot
// remove tom afterwards because tom now owns it.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run plays the session and writes each step to w. It returns the first unexpected error,
// including a failed write, so that the test notices a truncated transcript.
func run(w io.Writer) error {
	ctx := context.Background()
	p := &printer{w: w}
	// Events are printed under the step that caused them: they show which change each
	// call made, and that refused calls emit nothing.
	svc := organizations.New(nil, &organizations.Options{
		Events: func(_ context.Context, e organizations.Event) { p.events = append(p.events, e.EventName()) },
	})
	const chris, tom = organizations.UserID("chris"), organizations.UserID("tom")

	soundgarden, err := svc.CreateOrganization(ctx, chris, "Soundgarden", nil)
	if err != nil {
		return err
	}
	p.printf("chris created %q (slug %s)\n", soundgarden.Name, soundgarden.Slug)
	if err := printRoles(ctx, p, svc, soundgarden.ID, chris); err != nil {
		return err
	}

	audioslave, err := svc.CreateOrganization(ctx, chris, "Audioslave", nil)
	if err != nil {
		return err
	}
	p.printf("chris created %q (slug %s)\n", audioslave.Name, audioslave.Slug)
	if _, err := svc.AddUser(ctx, audioslave.ID, tom, organizations.RoleAdmin); err != nil {
		return err
	}
	p.printf("chris added tom to %q as admin\n", audioslave.Name)
	if err := printRoles(ctx, p, svc, audioslave.ID, tom); err != nil {
		return err
	}

	if err := svc.ChangeOwner(ctx, audioslave.ID, tom); err != nil {
		return err
	}
	p.printf("ownership of %q moved from chris to tom\n", audioslave.Name)
	for _, u := range []organizations.UserID{tom, chris} {
		if err := printRoles(ctx, p, svc, audioslave.ID, u); err != nil {
			return err
		}
	}

	err = svc.RemoveUser(ctx, audioslave.ID, tom)
	if !errors.Is(err, organizations.ErrOwnershipRequired) {
		return fmt.Errorf("removing the owner of %q: got %v, want ErrOwnershipRequired", audioslave.Name, err)
	}
	p.printf("removing tom from %q is refused: %v\n", audioslave.Name, err)

	if err := printMembers(ctx, p, svc, audioslave); err != nil {
		return err
	}
	return p.err
}

// printRoles prints what the three predicates say about user in org.
func printRoles(ctx context.Context, p *printer, svc *organizations.Service, org uuid.UUID, user organizations.UserID) error {
	member, err := svc.IsMember(ctx, org, user)
	if err != nil {
		return err
	}
	admin, err := svc.IsAdmin(ctx, org, user)
	if err != nil {
		return err
	}
	owner, err := svc.IsOwner(ctx, org, user)
	if err != nil {
		return err
	}
	p.printf("%s is member: %t, admin: %t, owner: %t\n", user, member, admin, owner)
	return nil
}

// printMembers prints the organization's members in the order they joined, marking the
// owner.
func printMembers(ctx context.Context, p *printer, svc *organizations.Service, org organizations.Organization) error {
	owner, err := svc.Owner(ctx, org.ID)
	if err != nil {
		return err
	}
	page, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(page.Items))
	for _, m := range page.Items {
		s := fmt.Sprintf("%s (%s", m.UserID, m.Role)
		if m.UserID == owner.OrganizationUser.UserID {
			s += ", owner"
		}
		names = append(names, s+")")
	}
	p.printf("members of %q: %s\n", org.Name, strings.Join(names, ", "))
	return nil
}

// printer writes the steps and, after each, the events it caused. It keeps the first
// write error so that the steps read as plain prints.
type printer struct {
	w      io.Writer
	events []string
	err    error
}

func (p *printer) printf(format string, args ...any) {
	p.write(format, args...)
	for _, e := range p.events {
		p.write("  event: %s\n", e)
	}
	p.events = p.events[:0]
}

func (p *printer) write(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
