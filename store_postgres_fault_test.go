package organizations_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// blockedCreate is a CreateOrganization caught halfway: its statement has inserted the
// organization row and waits to insert the owner's membership, because a host
// transaction holds an uncommitted membership with the same ID.
type blockedCreate struct {
	store  *organizations.PostgresStore
	admin  *pgxpool.Pool // the host's and the test's own connections
	host   pgx.Tx
	org    organizations.Organization
	result chan error
	pid    int32 // the server process running the blocked statement
}

func newBlockedCreate(t *testing.T, ctx context.Context, configure func(*pgxpool.Config)) *blockedCreate {
	t.Helper()
	store, _ := newPostgresStoreWith(t, configure)
	schema := store.Schema()
	b := &blockedCreate{store: store, admin: pgtest.Pool(t, nil), result: make(chan error, 1)}
	qs := pgx.Identifier{schema}.Sanitize()

	memberID := newID(t)
	var err error
	b.host, err = b.admin.Begin(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.host.Rollback(context.Background()) })
	_, err = b.host.Exec(t.Context(), `WITH o AS (
			INSERT INTO `+qs+`.organizations (id, name, slug, created_at, updated_at, owner_id, owner_since)
			VALUES ($1, 'Host', 'host', now(), now(), 'host', now()) RETURNING id
		)
		INSERT INTO `+qs+`.memberships (id, organization_id, user_id, role, created_at, updated_at)
		SELECT $2, o.id, 'host', 'admin', now(), now() FROM o`, newID(t), memberID)
	require.NoError(t, err)

	now := organizations.Timestamp(time.Now())
	b.org = organizations.Organization{ID: newID(t), Name: "Acme", Slug: "acme", IsActive: true,
		Data: []byte(`{}`), Settings: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
	owner := organizations.OrganizationUser{ID: memberID, OrganizationID: b.org.ID, UserID: "owner",
		Role: organizations.RoleAdmin, CreatedAt: now, UpdatedAt: now}
	go func() {
		_, err := store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: b.org, Owner: owner, SuffixSlug: false})
		b.result <- err
	}()
	b.pid = b.waitForLockWait(t, schema)
	return b
}

// waitForLockWait returns the server process of the statement on schema that waits for a
// lock.
func (b *blockedCreate) waitForLockWait(t *testing.T, schema string) int32 {
	t.Helper()
	for range 3000 {
		var pid int32
		err := b.admin.QueryRow(t.Context(), `SELECT pid FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND state = 'active' AND strpos(query, $1) > 0`,
			pgx.Identifier{schema}.Sanitize()+".organizations").Scan(&pid)
		if err == nil {
			return pid
		}
		require.ErrorIs(t, err, pgx.ErrNoRows)
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the CreateOrganization statement never waited for the host's lock")
	return 0
}

// waitGone waits until the server process pid has finished its statement.
func (b *blockedCreate) waitGone(t *testing.T) {
	t.Helper()
	for range 3000 {
		var busy bool
		require.NoError(t, b.admin.QueryRow(t.Context(),
			`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active')`, b.pid).Scan(&busy))
		if !busy {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("server process %d is still busy", b.pid)
}

// requireWhole asserts that the organization is stored completely (with its owner) or
// not at all, and returns which.
func (b *blockedCreate) requireWhole(t *testing.T) (exists bool) {
	t.Helper()
	ctx := t.Context()
	_, err := b.store.Organization(ctx, b.org.ID)
	if err != nil {
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		var members int
		require.NoError(t, b.admin.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{b.store.Schema()}.Sanitize()+
			".memberships WHERE organization_id = $1", b.org.ID).Scan(&members))
		require.Zero(t, members, "a membership without its organization")
		return false
	}
	owner, err := b.store.Owner(ctx, b.org.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("owner"), owner.OrganizationUser.UserID)
	return true
}

// requireWorks asserts that the store (and its pool) serves the next call.
func (b *blockedCreate) requireWorks(t *testing.T) {
	t.Helper()
	svc := organizations.New(b.store, nil)
	org, err := svc.CreateOrganization(t.Context(), "next", "Next", nil)
	require.NoError(t, err)
	ok, err := svc.IsOwner(t.Context(), org.ID, "next")
	require.NoError(t, err)
	require.True(t, ok)
}

func TestPostgresStoreConnectionKilledMidStatement(t *testing.T) {
	t.Parallel()
	b := newBlockedCreate(t, t.Context(), nil)
	var killed bool
	require.NoError(t, b.admin.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", b.pid).Scan(&killed))
	require.True(t, killed)
	err := <-b.result
	require.Error(t, err)
	require.NotErrorIs(t, err, organizations.ErrOutcomeUnknown, "the server's FATAL error came before any commit")
	var pe *pgconn.PgError
	if require.ErrorAs(t, err, &pe); pe != nil {
		require.Equal(t, "57P01", pe.Code, "admin_shutdown") // terminated by administrator command
	}
	require.NoError(t, b.host.Rollback(t.Context()))
	require.False(t, b.requireWhole(t), "the organization half-made by the killed statement is gone")
	b.requireWorks(t)
}

// With pgx's default context handling, a cancelled context closes the connection on the
// client's side: the call returns at once with ErrOutcomeUnknown (which matches the
// context's error too), and the server's statement either never completes or completes
// whole.
func TestPostgresStoreContextCancelledMidStatement(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	b := newBlockedCreate(t, ctx, nil)
	cancel()
	err := <-b.result
	require.ErrorIs(t, err, organizations.ErrOutcomeUnknown)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, b.host.Rollback(t.Context()))
	b.waitGone(t)
	t.Logf("the server completed the cancelled statement: %v", b.requireWhole(t))
	b.requireWorks(t)
}

// With a pool that sends the server a cancel request (pgconn's
// CancelRequestContextWatcherHandler), a cancelled context stops the statement itself:
// nothing is stored.
func TestPostgresStoreContextCancelledWithCancelRequest(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	b := newBlockedCreate(t, ctx, func(c *pgxpool.Config) {
		c.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: time.Minute}
		}
	})
	cancel()
	err := <-b.result
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, organizations.ErrOutcomeUnknown, "the server answered: the statement failed")
	b.waitGone(t)
	require.NoError(t, b.host.Rollback(t.Context()))
	require.False(t, b.requireWhole(t))
	b.requireWorks(t)
}

// A context that is already done never reaches the server.
func TestPostgresStoreCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	schema, pool := pgtest.SchemaWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter })
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = store.Organization(ctx, uuid.Must(uuid.NewV7()))
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, organizations.ErrOutcomeUnknown)
	_, err = store.DeleteOrganization(ctx, organizations.DeleteOrganizationParams{OrganizationID: uuid.Must(uuid.NewV7())})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, organizations.ErrOutcomeUnknown)
	require.ErrorIs(t, store.Migrate(ctx), context.Canceled)
	require.Zero(t, counter.n.Load())
}
