package organizations_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// A host's transaction: its own row, and an organization made through the library with a
// member, commit together or roll back together.
func TestPostgresStoreWithTx(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	schema := pgx.Identifier{store.Schema()}.Sanitize()
	_, err := pool.Exec(ctx, "CREATE TABLE "+schema+".host_accounts (name text PRIMARY KEY)")
	require.NoError(t, err)

	for _, commit := range []bool{false, true} {
		name := map[bool]string{false: "Rolled Back", true: "Committed"}[commit]
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "INSERT INTO "+schema+".host_accounts (name) VALUES ($1)", name)
		require.NoError(t, err)
		inTx := organizations.New(store.WithTx(tx), nil)
		org, err := inTx.CreateOrganization(ctx, "owner", name, nil)
		require.NoError(t, err)
		_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
		require.NoError(t, err)
		// A refused call inside the transaction does not abort it: the statements
		// classify refusals instead of raising errors.
		_, err = inTx.AddUser(ctx, org.ID, "ann", organizations.RoleMember)
		require.ErrorIs(t, err, organizations.ErrAlreadyMember)
		require.ErrorIs(t, inTx.RemoveUser(ctx, org.ID, "owner"), organizations.ErrOwnershipRequired)

		// Not visible outside before the host commits.
		outside := organizations.New(store, nil)
		_, err = outside.Organization(ctx, org.ID)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)

		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
		_, err = outside.Organization(ctx, org.ID)
		if commit {
			require.NoError(t, err)
			isMember, err := outside.IsMember(ctx, org.ID, "ann")
			require.NoError(t, err)
			require.True(t, isMember)
		} else {
			require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
		}
	}
	var rows []string
	r, err := pool.Query(ctx, "SELECT name FROM "+schema+".host_accounts ORDER BY name")
	require.NoError(t, err)
	rows, err = pgx.CollectRows(r, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"Committed"}, rows)
	for _, table := range []string{"organizations", "memberships"} {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+schema+"."+table).Scan(&n))
		require.Equal(t, map[string]int{"organizations": 1, "memberships": 2}[table], n, table)
	}
}

// Migrate inside a host's transaction runs in savepoints, leaves the session's
// search_path as it was, and is rolled back with the transaction.
func TestPostgresMigrateInTx(t *testing.T) {
	t.Parallel()
	_, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement) // a pool on the test server
	ctx := t.Context()
	schema := "t_migrate_in_tx_" + randomSuffix(t)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var before string
	require.NoError(t, tx.QueryRow(ctx, "SHOW search_path").Scan(&before))

	store, err := organizations.NewPostgresStore(tx, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.Migrate(ctx), "again, in the same transaction")
	var after string
	require.NoError(t, tx.QueryRow(ctx, "SHOW search_path").Scan(&after))
	require.Equal(t, before, after)
	_, err = organizations.New(store, nil).CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)

	require.NoError(t, tx.Rollback(ctx))
	var exists bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists))
	require.False(t, exists, "the rolled back transaction left the schema behind")
}

// A value the Service would have refused, passed to the store directly, meets the
// schema's constraint; the error is the sentinel and still the PostgreSQL error.
func TestPostgresStoreMapsConstraintErrors(t *testing.T) {
	t.Parallel()
	store, _ := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	org, err := organizations.New(store, nil).CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	m := organizations.OrganizationUser{ID: newID(t), OrganizationID: org.ID, UserID: "ann", Role: "owner",
		CreatedAt: org.CreatedAt, UpdatedAt: org.CreatedAt}
	err = store.AddUser(ctx, organizations.AddUserParams{Membership: m})
	require.ErrorIs(t, err, organizations.ErrInvalidRole, "a role neither declared nor custom, classified by the statement")

	m.Role, m.UserID = organizations.RoleMember, ""
	err = store.AddUser(ctx, organizations.AddUserParams{Membership: m})
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "memberships_user_id_check", pe.ConstraintName)

	bad := org
	bad.ID, bad.Slug, bad.Data = newID(t), "other", []byte(`[1, 2]`)
	owner := m
	owner.ID, owner.OrganizationID, owner.UserID, owner.Role = newID(t), bad.ID, "owner", organizations.RoleAdmin
	_, err = store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: bad, Owner: owner, SuffixSlug: false})
	require.ErrorIs(t, err, organizations.ErrInvalidJSON)
	_, err = store.Organization(ctx, bad.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}
