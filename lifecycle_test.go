package organizations_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// On a store without the lifecycle's optional interfaces, every lifecycle call returns
// ErrNotSupported and changes nothing; a member limit is refused rather than stored
// unenforced.
func TestLifecycleNeedsOptionalInterfaces(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := coreOnlyStore{organizations.NewMemoryStore()}
	svc := organizations.New(store, nil)
	org, err := svc.CreateOrganization(ctx, "ann", "Acme", nil)
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "bob", organizations.RoleMember)
	require.NoError(t, err)

	_, err = svc.CreateOrganization(ctx, "ann", "Limited", &organizations.CreateOptions{MaxMembers: ptr(5)})
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = organizations.New(store, &organizations.Options{DefaultMaxMembers: 5}).CreateOrganization(ctx, "ann", "Limited", nil)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: ptr(5)})
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.Seats(ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.SuspendUser(ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.As("ann").ReactivateUser(ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.ProposeOwnershipTransfer(ctx, org.ID, "bob")
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	require.ErrorIs(t, svc.As("bob").AcceptOwnershipTransfer(ctx, org.ID), organizations.ErrNotSupported)
	_, err = svc.OrganizationsOwnedBy(ctx, "ann", organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.RemoveUserEverywhere(ctx, "bob", nil)
	require.ErrorIs(t, err, organizations.ErrNotSupported)
	_, err = svc.ListMembers(ctx, org.ID, organizations.MemberFilter{}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrNotSupported)

	ok, err := svc.IsMember(ctx, org.ID, "bob")
	require.NoError(t, err)
	require.True(t, ok, "nothing changed")
	require.Len(t, mustOrgs(t, svc, "ann"), 1, "no limited organization was created")
}

func mustOrgs(t *testing.T, svc *organizations.Service, user organizations.UserID) []uuid.UUID {
	t.Helper()
	p, err := svc.OrganizationsForUser(t.Context(), user, organizations.ListOptions{})
	require.NoError(t, err)
	out := []uuid.UUID{}
	for _, o := range p.Items {
		out = append(out, o.ID)
	}
	return out
}

// The lifecycle's events marshal with snake_case names, like every event.
func TestLifecycleEventsJSON(t *testing.T) {
	t.Parallel()
	tr := organizations.OwnershipTransfer{Nominee: "bob", ProposedBy: "ann"}
	for _, c := range []struct {
		e    organizations.Event
		name string
		keys []string
	}{
		{organizations.MemberSuspended{Actor: "ann"}, "member_suspended", []string{"organization_user", "actor"}},
		{organizations.MemberReactivated{}, "member_reactivated", []string{"organization_user"}},
		{organizations.OwnershipTransferProposed{Transfer: tr, Replaced: &tr, Actor: "ann"}, "ownership_transfer_proposed", []string{"transfer", "replaced", "actor"}},
		{organizations.OwnershipTransferAccepted{Transfer: tr}, "ownership_transfer_accepted", []string{"transfer"}},
		{organizations.OwnershipTransferDeclined{Transfer: tr}, "ownership_transfer_declined", []string{"transfer"}},
		{organizations.OwnershipTransferCancelled{Transfer: tr}, "ownership_transfer_cancelled", []string{"transfer"}},
	} {
		require.Equal(t, c.name, c.e.EventName())
		b, err := json.Marshal(c.e)
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(b, &m))
		got := []string{}
		for k := range m {
			got = append(got, k)
		}
		require.ElementsMatch(t, c.keys, got, string(b))
	}
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	require.Contains(t, string(b), `"proposed_by":"ann"`)
}
