package organizations

import (
	"bytes"
	"context"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Tokens are stored only as SHA-256 hashes: walk everything a MemoryStore holds after an
// invitation, a resend and a sign-up, and find neither a token's text nor its raw bytes,
// but the hashes. (The PostgreSQL twin of this test reads the tables.)
func TestMemoryStoreKeepsNoRawToken(t *testing.T) {
	t.Parallel()
	store := NewMemoryStore()
	var tokens []string
	svc := New(store, &Options{
		Inviter: InviterFunc(func(_ context.Context, m InvitationMessage) error {
			tokens = append(tokens, m.Token)
			return nil
		}),
		Registrar: registrarFunc(func(context.Context, string) (UserID, error) { return "kim", nil }),
		Activator: ActivatorFunc(func(_ context.Context, m ActivationMessage) error {
			tokens = append(tokens, m.Token)
			return nil
		}),
	})
	ctx := t.Context()
	org, err := svc.CreateOrganization(ctx, "chris", "Acme", nil)
	require.NoError(t, err)
	inv, err := svc.Invite(ctx, "chris", org.ID, "bob@example.com", nil)
	require.NoError(t, err)
	_, err = svc.ResendInvitation(ctx, "chris", inv.ID)
	require.NoError(t, err)
	_, err = svc.Register(ctx, "kim@example.com", "Kim's")
	require.NoError(t, err)
	require.Len(t, tokens, 3)

	var blobs [][]byte
	var texts []string
	collect(reflect.ValueOf(store).Elem(), &blobs, &texts, map[uintptr]bool{})
	require.NotEmpty(t, blobs)
	for _, token := range tokens {
		raw, err := tokenEncoding.DecodeString(token)
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		hashSeen := false
		for _, b := range blobs {
			require.False(t, bytes.Contains(b, raw), "raw token bytes stored")
			require.False(t, bytes.Contains(b, []byte(token)), "token text stored")
			hashSeen = hashSeen || bytes.Equal(b, sum[:])
		}
		for _, s := range texts {
			require.False(t, strings.Contains(s, token), "token text stored")
		}
		if token != tokens[0] { // the first invitation token was replaced by the resend
			require.True(t, hashSeen, "the token's hash is what is stored")
		}
	}
}

type registrarFunc func(context.Context, string) (UserID, error)

func (f registrarFunc) RegisterUser(ctx context.Context, email string) (UserID, error) {
	return f(ctx, email)
}
func (registrarFunc) ActivateUser(context.Context, UserID) error { return nil }

// collect gathers every byte string (slices and arrays of bytes) and string reachable from
// v, including unexported fields and map keys, visiting each pointer once (the store's
// indexes point at each other).
func collect(v reflect.Value, blobs *[][]byte, texts *[]string, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.String:
		*texts = append(*texts, v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			*blobs = append(*blobs, b)
			return
		}
		for i := 0; i < v.Len(); i++ {
			collect(v.Index(i), blobs, texts, seen)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			collect(it.Key(), blobs, texts, seen)
			collect(it.Value(), blobs, texts, seen)
		}
	case reflect.Pointer:
		if !v.IsNil() && !seen[v.Pointer()] {
			seen[v.Pointer()] = true
			collect(v.Elem(), blobs, texts, seen)
		}
	case reflect.Interface:
		if !v.IsNil() {
			collect(v.Elem(), blobs, texts, seen)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			collect(v.Field(i), blobs, texts, seen)
		}
	}
}
