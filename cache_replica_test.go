package organizations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// TestReplicaCachedStoreKeepsTokenReadsFresh: a CachedStore over a store with a replica,
// the standby's replay paused. Another process removes bob; the cache's follower, asked
// for the removal's token, reads the feed on the primary (the standby lacks it) and
// applies it. An untokened read then refills bob's entry: from the primary, since the
// fill must see what the follower has applied, not from the paused standby, which still
// shows bob. So the token read that follows, answered from memory, is not stale.
func TestReplicaCachedStoreKeepsTokenReadsFresh(t *testing.T) {
	e := newReplicaEnv(t)
	other := organizations.New(e.plain(t), nil)
	ctx := t.Context()
	org, err := other.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = other.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)
	e.replayed(t)
	cache := newCachedStore(t, e.routed(t, e.standby), nil)
	svc := organizations.New(cache, nil)
	ok, err := svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok)

	e.pauseReplay(t)
	require.NoError(t, other.RemoveUser(ctx, org.ID, "bob"))
	tok, err := other.Token(ctx)
	require.NoError(t, err)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, cache.Wait(wctx, tok), "the follower reads the token's records on the primary")

	refilled, err := svc.IsMember(ctx, org.ID, "bob") // refills the entry
	require.NoError(t, err)
	hits := cache.Stats().Hits
	ok, err = svc.IsMember(atLeast(ctx, tok), org.ID, "bob")
	require.NoError(t, err)
	require.False(t, ok, "a token read is never stale")
	require.Equal(t, hits+1, cache.Stats().Hits, "answered from memory")
	require.False(t, refilled, "the refill saw what the follower had applied")
}
