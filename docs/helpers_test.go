// Package docs_test holds the code of the guides in this folder and of the README's quick
// start: every Go snippet there is an excerpt of a function here or of an example in the
// repository (TestGoSnippetsAreExcerptsOfCompiledCode), so `go vet ./...` compiles it and
// `go test ./docs/` runs it. The PostgreSQL tests run on a database of their own, made on
// the test server (ORGANIZATIONS_TEST_DATABASE_URL, or a throwaway cluster: see
// internal/pgtest) and dropped afterwards; without PostgreSQL they skip, except under
// CI=true.
package docs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// newDatabase creates a fresh database on the test server, so that a snippet's tables
// ("users", the schema "orgs") are its own, and returns its URL; the database is dropped
// when the test ends.
func newDatabase(t *testing.T) string {
	t.Helper()
	server := pgtest.URL(t)
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("parse %s: %v", pgtest.EnvURL, err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "organizations_docs_" + hex.EncodeToString(suffix)
	admin := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := admin("CREATE DATABASE " + ident); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// newPool returns a pool on a fresh database (see newDatabase), closed when the test ends.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
