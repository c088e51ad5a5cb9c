// Command webapp is the reference web app of package organizations: sign-up with
// activation, organizations, members and roles, invitations, seat limits, suspension,
// two-phase ownership transfer, account deletion, verified domains with their enrollment
// at sign-in, and join requests, on net/http and html/template, guarded by package
// orghttp.
//
//	go run ./examples/webapp                       # memory store, http://127.0.0.1:8080
//	go run ./examples/webapp -database-url postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	DATABASE_URL=... go run ./examples/webapp -schema webapp
//	go run ./examples/webapp -cache                # checks from a feed-driven cache (Config.Cache)
//
// Sign-in is a DEMO (a user name and an email in a signed cookie, see signin.go), and the
// invitation and activation "emails" are links written to the log and shown in the
// pages. The demo treats the account's email as verified, for invitations and for
// domain enrollment (verifiedEmail in handlers_joinrequests.go): anyone who signs in as
// bob@acme.com is offered what Acme's verified domain offers. Domain verification asks
// the real DNS. Everything else is what a real host does with the library.
//
// Teams (handlers_teams.go): /orgs/{org}/teams lists, creates, renames and deletes an
// organization's teams (teams:manage), and each team's page manages its members and
// their team roles. The app's Policy declares one team role, maintainer, granting
// docs:write within its team: a team's docs note is edited by the owner and that team's
// maintainers only (orghttp's RequireTeamPermission), never by an admin without the
// role. See docs/teams.md, "In the web app".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-organizations/organizations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// options are the command line's settings.
type options struct {
	addr        string
	databaseURL string
	schema      string
	secure      bool
	cache       bool
}

// parseFlags reads the command line; the database URL defaults to $DATABASE_URL.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&o.databaseURL, "database-url", getenv("DATABASE_URL"),
		"PostgreSQL URL (default $DATABASE_URL); empty: in-memory store")
	fs.StringVar(&o.schema, "schema", "", "PostgreSQL schema for the tables (default public)")
	fs.BoolVar(&o.secure, "secure-cookies", false, "mark cookies Secure (when served over HTTPS)")
	fs.BoolVar(&o.cache, "cache", false, "serve checks from an in-process cache kept current from the event feed")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

// run serves the app until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	store, closeStore, err := openStore(ctx, o.databaseURL, o.schema, o.cache)
	if err != nil {
		return err
	}
	defer closeStore()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	app, err := New(Config{Store: store, Logger: log, BaseURL: base, SecureCookies: o.secure, Cache: cacheOptions(o.cache)})
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close()
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}
	log.Info("listening", "url", base, "store", storeName(o.databaseURL))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// cacheOptions is Config.Cache for the -cache flag: the defaults when on, nil when off.
func cacheOptions(on bool) *organizations.CacheOptions {
	if !on {
		return nil
	}
	return &organizations.CacheOptions{}
}

func storeName(databaseURL string) string {
	if databaseURL == "" {
		return "memory"
	}
	return "postgres"
}

// openStore returns the memory store, or for a URL a migrated PostgreSQL store, whose
// commits wake the caches over it (SetFeedNotify) when notify is set (the -cache flag).
func openStore(ctx context.Context, databaseURL, schema string, notify bool) (organizations.Store, func(), error) {
	if databaseURL == "" {
		return organizations.NewMemoryStore(), func() {}, nil
	}
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	if err == nil {
		err = store.Migrate(ctx)
	}
	if err == nil && notify {
		err = store.SetFeedNotify(ctx, true)
	}
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	return store, pool.Close, nil
}
