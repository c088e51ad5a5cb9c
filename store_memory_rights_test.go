package organizations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// rightsHookStore is a MemoryStore that runs hook (once) when a write reaches it: after
// the Service has validated a call and before the store's step decides it.
type rightsHookStore struct {
	*organizations.MemoryStore
	once sync.Once
	hook func()
	err  error
}

func (h *rightsHookStore) fire() { h.once.Do(h.hook) }

func (h *rightsHookStore) UpdateOrganization(ctx context.Context, p organizations.UpdateOrganizationParams) (organizations.Organization, bool, error) {
	h.fire()
	return h.MemoryStore.UpdateOrganization(ctx, p)
}

func (h *rightsHookStore) DeleteOrganization(ctx context.Context, p organizations.DeleteOrganizationParams) (organizations.Organization, error) {
	h.fire()
	return h.MemoryStore.DeleteOrganization(ctx, p)
}

func (h *rightsHookStore) AddUser(ctx context.Context, p organizations.AddUserParams) error {
	h.fire()
	return h.MemoryStore.AddUser(ctx, p)
}

func (h *rightsHookStore) GetOrAddUser(ctx context.Context, p organizations.AddUserParams) (organizations.OrganizationUser, bool, error) {
	h.fire()
	return h.MemoryStore.GetOrAddUser(ctx, p)
}

func (h *rightsHookStore) RemoveUser(ctx context.Context, p organizations.RemoveUserParams) (organizations.OrganizationUser, error) {
	h.fire()
	return h.MemoryStore.RemoveUser(ctx, p)
}

func (h *rightsHookStore) SetRole(ctx context.Context, p organizations.SetRoleParams) (organizations.OrganizationUser, organizations.OrganizationUser, error) {
	h.fire()
	return h.MemoryStore.SetRole(ctx, p)
}

func (h *rightsHookStore) ChangeOwner(ctx context.Context, p organizations.ChangeOwnerParams) (organizations.OwnerChange, error) {
	h.fire()
	return h.MemoryStore.ChangeOwner(ctx, p)
}

func (h *rightsHookStore) CreateRole(ctx context.Context, p organizations.CreateRoleParams) (organizations.CustomRole, error) {
	h.fire()
	return h.MemoryStore.CreateRole(ctx, p)
}

func (h *rightsHookStore) UpdateRole(ctx context.Context, p organizations.UpdateRoleParams) (organizations.CustomRole, organizations.CustomRole, error) {
	h.fire()
	return h.MemoryStore.UpdateRole(ctx, p)
}

func (h *rightsHookStore) DeleteRole(ctx context.Context, p organizations.DeleteRoleParams) (organizations.CustomRole, error) {
	h.fire()
	return h.MemoryStore.DeleteRole(ctx, p)
}

func (h *rightsHookStore) CreateInvitation(ctx context.Context, p organizations.CreateInvitationParams) (organizations.Organization, error) {
	h.fire()
	return h.MemoryStore.CreateInvitation(ctx, p)
}

func (h *rightsHookStore) RevokeInvitation(ctx context.Context, p organizations.RevokeInvitationParams) (organizations.Invitation, error) {
	h.fire()
	return h.MemoryStore.RevokeInvitation(ctx, p)
}

func (h *rightsHookStore) RenewInvitation(ctx context.Context, p organizations.RenewInvitationParams) (organizations.InvitationDetails, error) {
	h.fire()
	return h.MemoryStore.RenewInvitation(ctx, p)
}

func (h *rightsHookStore) SuspendUser(ctx context.Context, p organizations.MemberStatusParams) (organizations.OrganizationUser, organizations.OrganizationUser, error) {
	h.fire()
	return h.MemoryStore.SuspendUser(ctx, p)
}

func (h *rightsHookStore) ReactivateUser(ctx context.Context, p organizations.MemberStatusParams) (organizations.OrganizationUser, organizations.OrganizationUser, error) {
	h.fire()
	return h.MemoryStore.ReactivateUser(ctx, p)
}

func (h *rightsHookStore) ProposeOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, *organizations.OwnershipTransfer, error) {
	h.fire()
	return h.MemoryStore.ProposeOwnershipTransfer(ctx, p)
}

func (h *rightsHookStore) CancelOwnershipTransfer(ctx context.Context, p organizations.TransferParams) (organizations.OwnershipTransfer, error) {
	h.fire()
	return h.MemoryStore.CancelOwnershipTransfer(ctx, p)
}

// memoryRightsState is everything the organization of w has, as the Service reads it.
func memoryRightsState(ctx context.Context, svc *organizations.Service, w rightsWorld) string {
	var parts []any
	add := func(v any, err error) { parts = append(parts, v, fmt.Sprint(err)) }
	add(svc.Organization(ctx, w.org))
	add(svc.Members(ctx, w.org, organizations.ListOptions{Limit: 100}))
	add(svc.PendingInvitations(ctx, w.org, organizations.ListOptions{Limit: 100}))
	add(svc.Store().CustomRoles(ctx, w.org))
	add(svc.OwnershipTransfer(ctx, w.org))
	add(svc.AuditLog(ctx, organizations.AuditQuery{OrganizationID: w.org}, organizations.ListOptions{Limit: 100}))
	b, err := json.Marshal(parts)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// The memory store's form of the rights sweep (see rights_sweep_test.go): the right is
// taken away after the Service has validated the call and just before the store's step,
// which must see it, refuse, and change nothing.
func TestMemoryActorRightsChangedBeforeTheStep(t *testing.T) {
	t.Parallel()
	for _, c := range rightsCases() {
		t.Run(c.name(), func(t *testing.T) {
			ctx := t.Context()
			mem := organizations.NewMemoryStore()
			direct := organizations.New(mem, rightsOptions())
			w, err := setupRights(ctx, direct, c)
			require.NoError(t, err)
			hooked := &rightsHookStore{MemoryStore: mem}
			var want string
			hooked.hook = func() {
				hooked.err = c.change.apply(ctx, direct, w)
				want = memoryRightsState(ctx, direct, w)
			}
			err = c.op.call(ctx, organizations.New(hooked, rightsOptions()).As(rightsActor), w)
			require.NoError(t, hooked.err, "the change")
			require.NotEmpty(t, want, "the call reached the store")
			require.ErrorIs(t, err, c.want, "the actor lost the right before the store decided")
			require.Equal(t, want, memoryRightsState(ctx, direct, w), "a refused call changes nothing and records nothing")
		})
	}
}
