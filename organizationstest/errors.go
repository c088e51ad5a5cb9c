package organizationstest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func errorTests() []test {
	return []test{
		{"UnknownOrganizationWins", testUnknownOrgWins},
		{"ValidationBeforeStore", testValidationFirst},
		{"BadInputGetsASentinel", testBadInputGetsASentinel},
		{"CancelledContextService", testCancelledService},
		{"CancelledContextStore", testCancelledStore},
	}
}

// testUnknownOrgWins: for an organization that does not exist, every call says so, even
// when the user is not a member (which is also true) or other checks would fail too.
func testUnknownOrgWins(t *testing.T, h *harness) {
	h.createOrg("chris", "Acme", nil)
	ghost := h.id()
	now := h.now()
	m := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: ghost, UserID: "chris", Role: organizations.RoleAdmin, CreatedAt: now, UpdatedAt: now,
	}
	inv := h.newInvitation(ghost, "nobody", "ann@example.com", organizations.RoleMember, false, time.Hour)
	_, svcSetRole := h.svc.SetRole(h.ctx, ghost, "nobody", organizations.RoleMember)
	_, svcMember := h.svc.OrganizationUser(h.ctx, ghost, "nobody")
	_, svcAdd := h.svc.AddUser(h.ctx, ghost, "chris", organizations.RoleMember)
	_, svcMembers := h.svc.Members(h.ctx, ghost, organizations.ListOptions{})
	_, storeRemove := h.store.RemoveUser(h.ctx, organizations.RemoveUserParams{OrganizationID: ghost, UserID: "nobody"})
	_, _, storeSetRole := h.store.SetRole(h.ctx, organizations.SetRoleParams{OrganizationID: ghost, UserID: "nobody", Role: organizations.RoleMember, Now: now})
	_, storeMember := h.store.OrganizationUser(h.ctx, ghost, "nobody")
	_, storeChange := h.store.ChangeOwner(h.ctx, organizations.ChangeOwnerParams{OrganizationID: ghost, NewOwner: "nobody", Now: now})
	_, _, storeGetOrAdd := h.store.GetOrAddUser(h.ctx, organizations.AddUserParams{Membership: m})
	_, _, storeUpdate := h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: ghost, Update: organizations.OrganizationUpdate{Slug: ptr("acme")}, Now: now})
	_, storeDelete := h.store.DeleteOrganization(h.ctx, organizations.DeleteOrganizationParams{OrganizationID: ghost})
	_, storePending := h.store.PendingInvitations(h.ctx, organizations.PendingInvitationsParams{OrganizationID: ghost, After: uuid.Nil, Limit: 10, Now: now})
	for name, err := range map[string]error{
		"Service.RemoveUser":         h.svc.RemoveUser(h.ctx, ghost, "nobody"),
		"Service.SetRole":            svcSetRole,
		"Service.OrganizationUser":   svcMember,
		"Service.ChangeOwner":        h.svc.ChangeOwner(h.ctx, ghost, "nobody"),
		"Service.AddUser":            svcAdd,
		"Service.Members":            svcMembers,
		"Store.AddUser":              h.store.AddUser(h.ctx, organizations.AddUserParams{Membership: m}),
		"Store.GetOrAddUser":         storeGetOrAdd,
		"Store.RemoveUser":           storeRemove,
		"Store.SetRole":              storeSetRole,
		"Store.OrganizationUser":     storeMember,
		"Store.ChangeOwner":          storeChange,
		"Store.UpdateOrganization":   storeUpdate,
		"Store.DeleteOrganization":   storeDelete,
		"Store.PendingInvitations":   storePending,
		"Store.CreateInvitation":     errOnly(h.store.CreateInvitation(h.ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: now})),
		"Service.DeleteOrganization": h.svc.DeleteOrganization(h.ctx, ghost),
	} {
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, name)
	}
	h.requireOrgGone(ghost)
	require.Len(t, h.orgsFor("chris", 0), 1)
	h.requireNoEvents()
}

// testValidationFirst: bad input is refused before the store is asked, so it gets its
// own sentinel even when the organization does not exist either.
func testValidationFirst(t *testing.T, h *harness) {
	ghost := h.id()
	_, err := h.svc.AddUser(h.ctx, ghost, "", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrInvalidUserID)
	_, err = h.svc.AddUser(h.ctx, ghost, "tom", "owner")
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	_, err = h.svc.SetRole(h.ctx, ghost, "tom", "owner")
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	_, err = h.svc.UpdateOrganization(h.ctx, ghost, organizations.OrganizationUpdate{Name: ptr("")})
	require.ErrorIs(t, err, organizations.ErrInvalidName)
	_, err = h.svc.UpdateOrganization(h.ctx, ghost, organizations.OrganizationUpdate{Data: ptr(json.RawMessage(`x`))})
	require.ErrorIs(t, err, organizations.ErrInvalidJSON)
	_, err = h.svc.Members(h.ctx, ghost, organizations.ListOptions{Limit: -1})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	h.requireNoOrgsFor("tom")
}

// snapshot is everything the cancelled-context tests may not change.
type snapshot struct {
	org        organizations.Organization
	owner      organizations.OrganizationOwner
	members    []organizations.OrganizationUser
	invitation organizations.Invitation
	activation organizations.Activation
}

// cancelFixture makes an organization with a member, a pending invitation and an
// activation, and returns the hashes of their tokens.
func cancelFixture(t *testing.T, h *harness) (org organizations.Organization, invHash, actHash []byte, take func() snapshot) {
	t.Helper()
	org = h.createOrg("chris", "Acme", &organizations.CreateOptions{Inactive: true})
	h.addUser(org.ID, "tom", organizations.RoleMember)
	inv := h.newInvitation(org.ID, "chris", "ann@example.com", organizations.RoleMember, true, time.Hour)
	invHash = h.invite(inv)
	var act organizations.Activation
	if h.activations != nil {
		act, actHash = h.newActivation("chris", time.Hour)
	}
	take = func() snapshot {
		t.Helper()
		gotInv, err := h.store.Invitation(h.ctx, inv.ID, h.now())
		require.NoError(t, err)
		var gotAct organizations.Activation
		if h.activations != nil {
			gotAct, err = h.activations.ActivationByTokenHash(h.ctx, actHash, h.now())
			require.NoError(t, err)
			require.Equal(t, act.ID, gotAct.ID)
		}
		return snapshot{h.org(org.ID), h.owner(org.ID), h.members(org.ID, 0), gotInv, gotAct}
	}
	return org, invHash, actHash, take
}

func requireSameSnapshot(t *testing.T, want, got snapshot) {
	t.Helper()
	requireSameOrg(t, want.org, got.org)
	requireSameOwner(t, want.owner, got.owner)
	requireSameMembers(t, want.members, got.members)
	requireSameInvitation(t, want.invitation, got.invitation)
	requireSameActivation(t, want.activation, got.activation)
}

func cancelled(ctx context.Context) context.Context {
	c, cancel := context.WithCancel(ctx)
	cancel()
	return c
}

func testCancelledService(t *testing.T, h *harness) {
	org, _, _, take := cancelFixture(t, h)
	before := take()
	ctx, svc := cancelled(h.ctx), h.svc
	h.clock.Advance(time.Minute)

	_, e1 := svc.CreateOrganization(ctx, "chris", "Other", nil)
	_, e2 := svc.Organization(ctx, org.ID)
	_, e3 := svc.OrganizationBySlug(ctx, org.Slug)
	_, e4 := svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: ptr("Renamed")})
	_, e5 := svc.OrganizationsForUser(ctx, "chris", organizations.ListOptions{})
	_, e6 := svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	_, _, e7 := svc.GetOrAddUser(ctx, org.ID, "kim", organizations.RoleMember)
	_, e8 := svc.SetRole(ctx, org.ID, "tom", organizations.RoleAdmin)
	_, e9 := svc.OrganizationUser(ctx, org.ID, "tom")
	_, e10 := svc.Owner(ctx, org.ID)
	_, e11 := svc.Members(ctx, org.ID, organizations.ListOptions{})
	_, e12 := svc.IsMember(ctx, org.ID, "tom")
	_, e13 := svc.IsAdmin(ctx, org.ID, "chris")
	_, e14 := svc.IsOwner(ctx, org.ID, "chris")
	for _, c := range []struct {
		name string
		err  error
	}{
		{"CreateOrganization", e1}, {"Organization", e2}, {"OrganizationBySlug", e3},
		{"UpdateOrganization", e4}, {"OrganizationsForUser", e5}, {"AddUser", e6},
		{"GetOrAddUser", e7}, {"SetRole", e8}, {"OrganizationUser", e9}, {"Owner", e10},
		{"Members", e11}, {"IsMember", e12}, {"IsAdmin", e13}, {"IsOwner", e14},
		{"RemoveUser", svc.RemoveUser(ctx, org.ID, "tom")},
		{"ChangeOwner", svc.ChangeOwner(ctx, org.ID, "tom")},
		{"DeleteOrganization", svc.DeleteOrganization(ctx, org.ID)},
	} {
		require.ErrorIs(t, c.err, context.Canceled, "Service.%s", c.name)
	}
	requireSameSnapshot(t, before, take())
	h.requireNoOrgsFor("kim")
	require.Len(t, h.orgsFor("chris", 0), 1)
	h.requireNoEvents()
}

func testCancelledStore(t *testing.T, h *harness) {
	org, invHash, actHash, take := cancelFixture(t, h)
	before := take()
	ctx, st := cancelled(h.ctx), h.store
	h.clock.Advance(time.Minute)
	now := h.now()
	newOrg := organizations.Organization{
		ID: h.id(), Name: "Other", Slug: "other", IsActive: true,
		Data: json.RawMessage(`{}`), Settings: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now,
	}
	kim := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: org.ID, UserID: "kim", Role: organizations.RoleMember, CreatedAt: now, UpdatedAt: now,
	}
	owner := kim
	owner.OrganizationID, owner.Role = newOrg.ID, organizations.RoleAdmin
	inv := h.newInvitation(org.ID, "chris", "bob@example.com", organizations.RoleMember, false, time.Hour)
	act := organizations.Activation{ID: h.id(), UserID: "kim", Email: "kim@example.com", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	invID := before.invitation.ID

	// Each store call's error, with the call's name, so that a failure says which call it was.
	type call struct {
		name string
		err  error
	}
	var calls []call
	collect := func(name string, err error) { calls = append(calls, call{name, err}) }
	_, err := st.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: newOrg, Owner: owner, SuffixSlug: true})
	collect("CreateOrganization", err)
	_, err = st.Organization(ctx, org.ID)
	collect("Organization", err)
	_, err = st.OrganizationBySlug(ctx, org.Slug)
	collect("OrganizationBySlug", err)
	_, _, err = st.UpdateOrganization(ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{Name: ptr("Renamed")}, Now: now})
	collect("UpdateOrganization", err)
	_, err = st.OrganizationsForUser(ctx, organizations.OrganizationsForUserParams{UserID: "chris", After: uuid.Nil, Limit: 10})
	collect("OrganizationsForUser", err)
	collect("AddUser", st.AddUser(ctx, organizations.AddUserParams{Membership: kim}))
	_, _, err = st.GetOrAddUser(ctx, organizations.AddUserParams{Membership: kim})
	collect("GetOrAddUser", err)
	_, err = st.RemoveUser(ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "tom"})
	collect("RemoveUser", err)
	_, _, err = st.SetRole(ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "tom", Role: organizations.RoleAdmin, Now: now})
	collect("SetRole", err)
	_, err = st.OrganizationUser(ctx, org.ID, "tom")
	collect("OrganizationUser", err)
	_, err = st.Members(ctx, organizations.MembersParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 10})
	collect("Members", err)
	_, err = st.Access(ctx, organizations.AccessParams{OrganizationID: org.ID, UserID: "tom"})
	collect("Access", err)
	_, err = st.Owner(ctx, org.ID)
	collect("Owner", err)
	_, err = st.ChangeOwner(ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: "tom", Now: now})
	collect("ChangeOwner", err)
	collect("CreateInvitation", errOnly(st.CreateInvitation(ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: h.tokenHash(), Now: now})))
	_, err = st.InvitationByTokenHash(ctx, invHash, now)
	collect("InvitationByTokenHash", err)
	_, err = st.Invitation(ctx, invID, now)
	collect("Invitation", err)
	_, err = st.AcceptInvitation(ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "kim"}, TokenHash: invHash, Email: "ann@example.com", Membership: kim, Now: now})
	collect("AcceptInvitation", err)
	_, err = st.DeclineInvitation(ctx, organizations.DeclineInvitationParams{TokenHash: invHash, Email: "ann@example.com", Now: now})
	collect("DeclineInvitation", err)
	_, err = st.RevokeInvitation(ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "chris"}, InvitationID: invID, Now: now})
	collect("RevokeInvitation", err)
	_, err = st.RenewInvitation(ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "chris"}, InvitationID: invID, TokenHash: h.tokenHash(), ExpiresAt: now.Add(time.Hour), Now: now})
	collect("RenewInvitation", err)
	collect("DeleteInvitation", st.DeleteInvitation(ctx, invID))
	_, err = st.PendingInvitations(ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 10, Now: now})
	collect("PendingInvitations", err)
	_, err = st.InvitationsForEmail(ctx, "ann@example.com", now)
	collect("InvitationsForEmail", err)
	newActHash := h.tokenHash()
	if as := h.activations; as != nil {
		collect("CreateActivation", as.CreateActivation(ctx, act, newActHash))
		_, err = as.ActivationByTokenHash(ctx, actHash, now)
		collect("ActivationByTokenHash", err)
		_, _, err = as.CompleteActivation(ctx, actHash, now)
		collect("CompleteActivation", err)
		collect("DeleteActivation", as.DeleteActivation(ctx, before.activation.ID))
	}
	_, err = st.DeleteOrganization(ctx, organizations.DeleteOrganizationParams{OrganizationID: org.ID})
	collect("DeleteOrganization", err)

	require.NotEmpty(t, calls)
	for i, c := range calls {
		require.ErrorIs(t, c.err, context.Canceled, "Store.%s (store call %d)", c.name, i+1)
	}
	requireSameSnapshot(t, before, take())
	h.requireOrgGone(newOrg.ID)
	h.requireNoOrgsFor("kim")
	_, err = h.store.Invitation(h.ctx, inv.ID, now)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound)
	_, err = h.store.OrganizationBySlug(h.ctx, "other")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	if h.activations != nil {
		_, err = h.activations.ActivationByTokenHash(h.ctx, newActHash, now)
		require.ErrorIs(t, err, organizations.ErrActivationNotFound)
	}
}
