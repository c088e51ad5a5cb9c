// Command postgres runs package organizations on PostgreSQL: it creates the library's
// tables in a schema of their own, then alice creates an organization, adds bob and
// carol, hands the organization over to bob, lists who is who, and finally deletes the
// organization, so that every run prints the same. Each step is followed by the events
// it emitted.
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go run ./examples/postgres
//	go run ./examples/postgres -database-url postgres://... -schema organizations_example
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-organizations/organizations"
)

// defaultSchema keeps the example's tables apart from anything else in the database.
const defaultSchema = "organizations_example"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// cli parses the command line, runs the example and returns the exit code: 0, 1 when the
// example fails, 2 for a usage error such as no database.
func cli(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postgres", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", getenv("DATABASE_URL"), "PostgreSQL connection URL (default $DATABASE_URL)")
	schema := fs.String("schema", defaultSchema, "PostgreSQL schema for the library's tables")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "postgres: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	if *url == "" {
		fmt.Fprintln(stderr, "postgres: no database: set DATABASE_URL or pass -database-url, for example")
		fmt.Fprintln(stderr, "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable go run ./examples/postgres")
		return 2
	}
	if err := run(ctx, stdout, *url, *schema); err != nil {
		fmt.Fprintln(stderr, "postgres:", err)
		return 1
	}
	return 0
}

// run plays the example on the database at url, with the library's tables in schema,
// and writes each step to w. It returns the first unexpected error, a failed write
// included, so that the test notices a truncated transcript.
func run(ctx context.Context, w io.Writer, url, schema string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	if err != nil {
		return err
	}
	// Migrate is idempotent and safe when several instances start at once: call it at
	// every start.
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	p := &printer{w: w}
	svc := organizations.New(store, &organizations.Options{
		Events: func(_ context.Context, e organizations.Event) { p.events = append(p.events, e.EventName()) },
	})
	p.printf("tables ready in schema %q\n", store.Schema())

	const alice, bob, carol = organizations.UserID("alice"), organizations.UserID("bob"), organizations.UserID("carol")
	acme, err := svc.CreateOrganization(ctx, alice, "Acme Corp", nil)
	if err != nil {
		return err
	}
	p.printf("alice created %q (slug %s)\n", acme.Name, acme.Slug)
	// Whatever happens next, leave the database as it was: a failed run must not leave
	// its organization behind for the next one to trip over.
	deleted := false
	defer func() {
		if !deleted {
			_ = svc.DeleteOrganization(context.WithoutCancel(ctx), acme.ID)
		}
	}()

	if _, err := svc.AddUser(ctx, acme.ID, bob, organizations.RoleMember); err != nil {
		return err
	}
	p.printf("alice added bob as a member\n")
	if _, err := svc.AddUser(ctx, acme.ID, carol, organizations.RoleAdmin); err != nil {
		return err
	}
	p.printf("alice added carol as an admin\n")
	if err := printMembers(ctx, p, svc, acme); err != nil {
		return err
	}

	if err := svc.ChangeOwner(ctx, acme.ID, bob); err != nil {
		return err
	}
	p.printf("alice handed %q over to bob, who became an admin\n", acme.Name)
	for _, u := range []organizations.UserID{alice, bob, carol} {
		if err := printRoles(ctx, p, svc, acme.ID, u); err != nil {
			return err
		}
	}
	if err := printMembers(ctx, p, svc, acme); err != nil {
		return err
	}
	orgs, err := svc.OrganizationsForUser(ctx, bob, organizations.ListOptions{})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(orgs.Items))
	for _, o := range orgs.Items {
		names = append(names, fmt.Sprintf("%q", o.Name))
	}
	p.printf("bob's organizations: %s\n", strings.Join(names, ", "))

	err = svc.RemoveUser(ctx, acme.ID, bob)
	if !errors.Is(err, organizations.ErrOwnershipRequired) {
		return fmt.Errorf("removing the owner: got %v, want ErrOwnershipRequired", err)
	}
	p.printf("removing bob is refused: %v\n", err)
	if err := svc.RemoveUser(ctx, acme.ID, carol); err != nil {
		return err
	}
	p.printf("bob removed carol\n")
	if err := printMembers(ctx, p, svc, acme); err != nil {
		return err
	}

	if err := svc.DeleteOrganization(ctx, acme.ID); err != nil {
		return err
	}
	deleted = true
	p.printf("bob deleted %q\n", acme.Name)
	if err := printRoles(ctx, p, svc, acme.ID, bob); err != nil {
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
// owner, a page of two at a time to show the cursor.
func printMembers(ctx context.Context, p *printer, svc *organizations.Service, org organizations.Organization) error {
	owner, err := svc.Owner(ctx, org.ID)
	if err != nil {
		return err
	}
	var names []string
	opts := organizations.ListOptions{Limit: 2}
	for {
		page, err := svc.Members(ctx, org.ID, opts)
		if err != nil {
			return err
		}
		for _, m := range page.Items {
			s := fmt.Sprintf("%s (%s", m.UserID, m.Role)
			if m.UserID == owner.OrganizationUser.UserID {
				s += ", owner"
			}
			names = append(names, s+")")
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
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
