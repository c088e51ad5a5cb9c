package docs_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// docs/postgres.md: connecting, and connecting through PgBouncer.

// OpenStore connects to databaseURL, migrates the library's tables and returns the
// Service with its store and pool.
func OpenStore(ctx context.Context, databaseURL string) (*organizations.Service, *organizations.PostgresStore, *pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs"}) // nil: "public"
	if err != nil {
		pool.Close()
		return nil, nil, nil, err
	}
	if err := store.Migrate(ctx); err != nil { // idempotent; safe when several instances start at once (advisory lock)
		pool.Close()
		return nil, nil, nil, err
	}
	svc := organizations.New(store, nil)
	return svc, store, pool, nil
}

// PoolBehindPgBouncer opens a pool through PgBouncer in pool_mode=transaction: no named
// prepared statements, so that no statement relies on what a server connection keeps
// between transactions.
func PoolBehindPgBouncer(ctx context.Context, bouncerURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(bouncerURL) // or add default_query_exec_mode=exec to the URL
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec // or QueryExecModeSimpleProtocol, QueryExecModeCacheDescribe
	return pgxpool.NewWithConfig(ctx, cfg)
}

func TestPostgresGuideOpenStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	svc, store, pool, err := OpenStore(ctx, newDatabase(t))
	require.NoError(t, err)
	defer pool.Close()
	require.Equal(t, "orgs", store.Schema())
	require.NoError(t, store.CheckSchema(ctx))
	_, err = svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
}

// The PgBouncer pool of docs/postgres.md: Migrate through it, and a host transaction
// committed through it.
func TestPostgresGuidePoolBehindPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	direct := newDatabase(t)
	bouncer, err := url.Parse(pgtest.BouncerURL(t))
	require.NoError(t, err)
	d, err := url.Parse(direct)
	require.NoError(t, err)
	bouncer.Path = d.Path // PgBouncer's test configuration serves every database
	pool, err := PoolBehindPgBouncer(ctx, bouncer.String())
	require.NoError(t, err)
	defer pool.Close()
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: "orgs"})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(ctx))
	svc := organizations.New(store, nil)
	var org organizations.Organization
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		org, err = svc.WithStore(store.WithTx(tx)).CreateOrganization(ctx, "chris", "Soundgarden", nil)
		return err
	})
	require.NoError(t, err)
	ok, err := svc.IsOwner(ctx, org.ID, "chris")
	require.NoError(t, err)
	require.True(t, ok)
}
