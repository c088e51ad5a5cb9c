package organizations_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// tokenHashes returns the token hash (hex) of every invitation in the store's schema, by
// ID.
func tokenHashes(t *testing.T, pool *pgxpool.Pool, store *organizations.PostgresStore) map[uuid.UUID]string {
	t.Helper()
	rows, err := pool.Query(t.Context(), "SELECT id, encode(token_hash, 'hex') FROM "+pgx.Identifier{store.Schema(), "invitations"}.Sanitize())
	require.NoError(t, err)
	out := map[uuid.UUID]string{}
	var id uuid.UUID
	var hash string
	_, err = pgx.ForEachRow(rows, []any{&id, &hash}, func() error {
		out[id] = hash
		return nil
	})
	require.NoError(t, err)
	return out
}

// hashOf is the stored form (hex of the SHA-256 of the raw bytes) of a token.
func hashOf(t *testing.T, token string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// tokenLog is an Inviter that keeps every token it is given, by invitation, in order.
// It ignores the context, like an Inviter that queues the message.
type tokenLog struct {
	mu sync.Mutex
	by map[uuid.UUID][]string
}

func (l *tokenLog) SendInvitation(_ context.Context, m organizations.InvitationMessage) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[uuid.UUID][]string{}
	}
	l.by[m.Invitation.ID] = append(l.by[m.Invitation.ID], m.Token)
	return nil
}

func (l *tokenLog) tokens(id uuid.UUID) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.by[id]
}

// A ResendInvitation whose context deadline lands anywhere around its store step reports
// what the database holds: success means the invitation was renewed with the token the
// Inviter was given, ErrOutcomeUnknown allows either, and any other error means the
// invitation still has its first token. (Before the renewal returned what the message
// needs, a deadline between it and the second read reported the context's error for a
// renewal that had committed.) Every call invites first, without a deadline, then
// resends under one.
func TestPostgresResendInvitationOutcomeUnderDeadlines(t *testing.T) {
	pgtest.Heavy(t)
	const workers = 8
	min, budget := outcomeScale()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			store, pool := newPostgresStore(t, m.mode)
			log := &tokenLog{}
			svc := organizations.New(store, &organizations.Options{Inviter: log})
			org, err := svc.CreateOrganization(t.Context(), "owner", "Resend", nil)
			require.NoError(t, err)
			_, err = svc.AddUser(t.Context(), org.ID, "admin", organizations.RoleAdmin)
			require.NoError(t, err)
			resend := func(ctx context.Context, _ int) (uuid.UUID, error) {
				inv, err := svc.Invite(context.Background(), "owner", org.ID, "invitee-"+uuid.NewString()+"@example.com", nil)
				if err != nil {
					return uuid.Nil, err
				}
				_, err = svc.ResendInvitation(ctx, "admin", inv.ID)
				return inv.ID, err
			}
			timeout := func() time.Duration { return logUniform(20*time.Microsecond, time.Second) }
			var seen outcomeCounter
			calls := outcomeRun(min, workers, budget, timeout, seen.wrap(resend), func() bool {
				return seen.ok.Load() > 0 && seen.unknown.Load() > 0 && seen.failed.Load() > 0
			})
			stored := tokenHashes(t, pool, store)
			counts := map[outcome]int{}
			for _, c := range calls {
				sent := log.tokens(c.key)
				require.NotEmpty(t, sent, "the Invite's message")
				renewed := stored[c.key] != hashOf(t, sent[0])
				o := outcomeOf(c.err)
				counts[o]++
				switch {
				case o == outcomeOK:
					require.True(t, renewed, "reported success, but invitation %s was not renewed", c.key)
					require.Len(t, sent, 2, "the reminder was sent")
					require.Equal(t, stored[c.key], hashOf(t, sent[1]), "the token sent is the one stored")
				case errors.Is(c.err, organizations.ErrInvitationNotSent):
					require.True(t, renewed, "reported %v, but invitation %s was not renewed", c.err, c.key)
				case o == outcomeFailed:
					require.False(t, renewed, "reported %v, but invitation %s was renewed", c.err, c.key)
				}
				if o != outcomeOK {
					require.ErrorIs(t, c.err, context.DeadlineExceeded, "only deadlines end these calls")
				}
			}
			t.Logf("%d calls: %d succeeded, %d unknown, %d failed",
				len(calls), counts[outcomeOK], counts[outcomeUnknown], counts[outcomeFailed])
		})
	}
}

// cancelAfterRenewPostgres cancels the caller's context right after a renewal returns.
type cancelAfterRenewPostgres struct {
	*organizations.PostgresStore
	cancel context.CancelFunc
}

func (s cancelAfterRenewPostgres) RenewInvitation(ctx context.Context, p organizations.RenewInvitationParams) (organizations.InvitationDetails, error) {
	d, err := s.PostgresStore.RenewInvitation(ctx, p)
	s.cancel()
	return d, err
}

// The deterministic case: a context that ends right after the renewal committed does not
// fail the call, whose change is made; the message names the invitation and its
// organization as the renewal returned them.
func TestPostgresResendInvitationContextEndsAfterRenewal(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			store, pool := newPostgresStore(t, m.mode)
			log := &tokenLog{}
			svc := organizations.New(store, &organizations.Options{Inviter: log})
			org, err := svc.CreateOrganization(t.Context(), "owner", "Resend", nil)
			require.NoError(t, err)
			inv, err := svc.Invite(t.Context(), "owner", org.ID, "kim@example.com", nil)
			require.NoError(t, err)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var msg organizations.InvitationMessage
			cancelling := organizations.New(cancelAfterRenewPostgres{store, cancel}, &organizations.Options{
				Inviter: organizations.InviterFunc(func(ctx context.Context, m organizations.InvitationMessage) error {
					msg = m
					return log.SendInvitation(ctx, m)
				}),
			})
			got, err := cancelling.ResendInvitation(ctx, "owner", inv.ID)
			require.NoError(t, err, "the renewal committed")
			sent := log.tokens(inv.ID)
			require.Len(t, sent, 2)
			require.Equal(t, hashOf(t, sent[1]), tokenHashes(t, pool, store)[inv.ID], "stored, and sent")
			require.Equal(t, org, msg.Organization)
			require.Equal(t, got, msg.Invitation)
			details, err := svc.InvitationByToken(t.Context(), sent[1])
			require.NoError(t, err)
			require.Equal(t, got, details.Invitation)
		})
	}
}
