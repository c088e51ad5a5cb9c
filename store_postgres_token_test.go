package organizations_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// Tokens are stored only as SHA-256 hashes: after an invitation, a resend and a sign-up,
// every row of the schema, as text, holds neither a token's text nor its raw bytes, but
// holds the hashes.
func TestPostgresStoreKeepsNoRawToken(t *testing.T) {
	t.Parallel()
	store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
	ctx := t.Context()
	var tokens []string
	svc := organizations.New(store, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			tokens = append(tokens, m.Token)
			return nil
		}),
		Registrar: fixedRegistrar("kim"),
		Activator: organizations.ActivatorFunc(func(_ context.Context, m organizations.ActivationMessage) error {
			tokens = append(tokens, m.Token)
			return nil
		}),
	})
	org, err := svc.CreateOrganization(ctx, "chris", "Acme", nil)
	require.NoError(t, err)
	inv, err := svc.Invite(ctx, "chris", org.ID, "bob@example.com", nil)
	require.NoError(t, err)
	_, err = svc.ResendInvitation(ctx, "chris", inv.ID)
	require.NoError(t, err)
	_, err = svc.Register(ctx, "kim@example.com", "Kim's")
	require.NoError(t, err)
	require.Len(t, tokens, 3)

	schema := pgx.Identifier{store.Schema()}.Sanitize()
	var dump strings.Builder
	for _, table := range []string{"organizations", "memberships", "invitations", "activations"} {
		rows, err := pool.Query(ctx, "SELECT t::text FROM "+schema+"."+table+" t")
		require.NoError(t, err)
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.NotEmpty(t, texts, table)
		dump.WriteString(strings.Join(texts, "\n"))
	}
	all := dump.String()
	for i, token := range tokens {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		require.NotContains(t, all, token, "token text stored")
		require.NotContains(t, all, hex.EncodeToString(raw), "raw token bytes stored")
		if i > 0 { // the first invitation token was replaced by the resend
			require.Contains(t, all, hex.EncodeToString(sum[:]), "the token's hash is what is stored")
		}
	}
}

// fixedRegistrar registers every email as the same user.
type fixedRegistrar organizations.UserID

func (r fixedRegistrar) RegisterUser(context.Context, string) (organizations.UserID, error) {
	return organizations.UserID(r), nil
}

func (fixedRegistrar) ActivateUser(context.Context, organizations.UserID) error { return nil }
