package organizations

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A CachedStore claims every optional interface; a limit the Service hands down in a
// params field is enforced only by the store it wraps. Over a store that cannot enforce
// it, the Service refuses with ErrNotSupported instead of letting it pass unenforced.
func TestServiceLimitsNeedTheWrappedStoreToEnforceThem(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cached, err := NewCachedStore(ctx, noLimitStore{MemoryStore: NewMemoryStore()}, nil)
	require.NoError(t, err)
	t.Cleanup(cached.Close)
	_, isLimitStore := any(cached).(OwnershipLimitStore)
	require.True(t, isLimitStore, "the wrapper claims the interface")

	svc := New(cached, &Options{MaxOwnedOrganizations: 1})
	_, err = svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.ErrorIs(t, err, ErrNotSupported)
	_, _, err = svc.OwnedOrganizations(ctx, "ann")
	require.ErrorIs(t, err, ErrNotSupported)

	full, err := NewCachedStore(ctx, NewMemoryStore(), nil)
	require.NoError(t, err)
	t.Cleanup(full.Close)
	svc = New(full, &Options{MaxOwnedOrganizations: 1})
	_, err = svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.CreateOrganization(ctx, "ann", "Acme Two", nil)
	require.ErrorIs(t, err, ErrOrganizationLimit, "a store that enforces it, through the wrapper")
}

// noLimitStore is a MemoryStore without OwnershipLimitStore: the ambiguous selector
// (two embedded fields at one depth) keeps CountOwnedOrganizations out of its method set.
type noLimitStore struct {
	*MemoryStore
	//lint:ignore U1000 never used: it is there to make CountOwnedOrganizations ambiguous
	hideCount
}

//lint:ignore U1000 see noLimitStore
type hideCount struct{}

//lint:ignore U1000 see noLimitStore
func (hideCount) CountOwnedOrganizations(context.Context) {}
