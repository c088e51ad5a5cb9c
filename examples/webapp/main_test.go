package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	o, err := parseFlags(nil, getenv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, options{addr: "127.0.0.1:8080"}, o)

	env["DATABASE_URL"] = "postgres://from-env"
	o, err = parseFlags([]string{"-schema", "webapp"}, getenv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, options{addr: "127.0.0.1:8080", databaseURL: "postgres://from-env", schema: "webapp"}, o)

	o, err = parseFlags([]string{"-addr", ":9000", "-database-url", "postgres://flag", "-secure-cookies"}, getenv, io.Discard)
	require.NoError(t, err)
	require.Equal(t, options{addr: ":9000", databaseURL: "postgres://flag", secure: true}, o)

	_, err = parseFlags([]string{"extra"}, getenv, io.Discard)
	require.Error(t, err)
	_, err = parseFlags([]string{"-nope"}, getenv, io.Discard)
	require.Error(t, err)
}

func TestOpenStore(t *testing.T) {
	t.Parallel()
	store, closeStore, err := openStore(t.Context(), "", "", false)
	require.NoError(t, err)
	defer closeStore()
	require.IsType(t, &organizations.MemoryStore{}, store)

	_, _, err = openStore(t.Context(), "postgres://localhost/x", "Bad Schema", false)
	require.ErrorIs(t, err, organizations.ErrInvalidSchema)

	t.Run("postgres", func(t *testing.T) {
		schema := pgtest.NewSchema(t)
		store, closeStore, err := openStore(t.Context(), pgtest.URL(t), schema, false)
		require.NoError(t, err)
		defer closeStore()
		pg, ok := store.(*organizations.PostgresStore)
		require.True(t, ok)
		require.Equal(t, schema, pg.Schema())
		notify, err := pg.FeedNotify(t.Context())
		require.NoError(t, err)
		require.False(t, notify, "no -cache: the commits wake nothing")
		// With -cache, the commits wake the caches.
		_, closeAgain, err := openStore(t.Context(), pgtest.URL(t), schema, true)
		require.NoError(t, err)
		defer closeAgain()
		notify, err = pg.FeedNotify(t.Context())
		require.NoError(t, err)
		require.True(t, notify, "-cache turns the wake-up on")
		// Migrated: the store works.
		org, err := organizations.New(store, nil).CreateOrganization(t.Context(), "alice", "Acme", nil)
		require.NoError(t, err)
		require.Equal(t, "acme", org.Slug)
	})
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunServesAndStops starts the command as main does, on a free port, fetches the home
// page and stops it with its context.
func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var log syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, &log) }()

	listening := regexp.MustCompile(`msg=listening url=(http://127\.0\.0\.1:\d+) store=memory`)
	var base string
	deadline := time.Now().Add(30 * time.Second) // a start-up wait, not a speed assertion
	for base == "" {
		if m := listening.FindStringSubmatch(log.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run returned early: %v\n%s", err, log.String())
		case <-time.After(10 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the server did not start:\n%s", log.String())
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(base + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(body), "DEMO")

	cancel()
	require.NoError(t, <-done)
}
