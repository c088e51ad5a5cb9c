package organizations_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// invitationsPending is the only unique index that involves time: an expired invitation
// still says pending until a newer one for its email replaces it, in the same statement
// that inserts (or renews) the newer one. This follows the rows through that.
func TestPostgresInvitationReplacesExpiredPending(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	t0 := organizations.Timestamp(time.Now())
	org, err := organizations.New(store, &organizations.Options{Now: func() time.Time { return t0 }}).
		CreateOrganization(ctx, "owner", "Acme", nil)
	require.NoError(t, err)
	statuses := func() map[uuid.UUID]string {
		rows, err := pool.Query(ctx, "SELECT id, status FROM "+pgx.Identifier{store.Schema()}.Sanitize()+".invitations")
		require.NoError(t, err)
		out := map[uuid.UUID]string{}
		var id uuid.UUID
		var status string
		_, err = pgx.ForEachRow(rows, []any{&id, &status}, func() error { out[id] = status; return nil })
		require.NoError(t, err)
		return out
	}
	invite := func(now time.Time) organizations.Invitation {
		inv := organizations.Invitation{ID: newID(t), OrganizationID: org.ID, Email: "cat@example.com",
			Role: organizations.RoleMember, InvitedBy: "owner", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		require.NoError(t, errOnly(store.CreateInvitation(ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: randomHash(t), Now: now})))
		return inv
	}

	a := invite(t0)
	require.ErrorIs(t, errOnly(store.CreateInvitation(ctx, organizations.CreateInvitationParams{
		Auth: organizations.Authorization{Actor: "owner"},
		Invitation: organizations.Invitation{ID: newID(t), OrganizationID: org.ID, Email: a.Email, Role: organizations.RoleMember,
			InvitedBy: "owner", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		TokenHash: randomHash(t), Now: t0.Add(time.Minute),
	})), organizations.ErrAlreadyInvited)

	t2 := t0.Add(2 * time.Hour) // a has expired
	b := invite(t2)
	require.Equal(t, map[uuid.UUID]string{a.ID: "expired", b.ID: "pending"}, statuses())
	got, err := store.Invitation(ctx, a.ID, t2)
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusExpired, got.Status)

	// While b is pending, a cannot come back.
	_, err = store.RenewInvitation(ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: a.ID, TokenHash: randomHash(t), ExpiresAt: t2.Add(time.Hour), Now: t2})
	require.ErrorIs(t, err, organizations.ErrAlreadyInvited)

	// Once b has expired too, renewing a replaces b in the same statement.
	t4 := t0.Add(4 * time.Hour)
	renewed, err := store.RenewInvitation(ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "owner"}, InvitationID: a.ID, TokenHash: randomHash(t), ExpiresAt: t4.Add(time.Hour), Now: t4})
	require.NoError(t, err)
	require.Equal(t, organizations.InvitationStatusPending, renewed.Status)
	require.Equal(t, map[uuid.UUID]string{a.ID: "pending", b.ID: "expired"}, statuses())
	pending, err := store.InvitationsForEmail(ctx, a.Email, t4)
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, a.ID, pending[0].ID)
}
