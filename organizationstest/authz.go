package organizationstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// The Authorization group: actor-checked operations (Service.As), custom roles, the
// escalation rule, invitations that outlive their inviter's rights, and the races that
// the check in the store's atomic step must win.

func authzTests() []test {
	return []test{
		{"PermissionMatrix", testPermissionMatrix},
		{"Escalation", testEscalation},
		{"OwnerIsStructural", testOwnerIsStructural},
		{"InviterLosesRights", testInviterLosesRights},
		{"ResendMakesTheInvitationAcceptableAgain", testResendTakesOverAsInviter},
		{"CustomRoles", testCustomRoles},
		{"CustomRoleInUse", testCustomRoleInUse},
		{"RaceTwoTransfersByOneOwner", testRaceTwoTransfers},
		{"RaceActingWhileDemoted", testRaceActingWhileDemoted},
		{"RaceResendWhileDemoted", testRaceResendWhileDemoted},
		{"RaceDeleteRoleAgainstSetRole", testRaceDeleteRoleAgainstSetRole},
	}
}

// tokens is an Inviter that keeps the last token sent to each email.
type tokens struct {
	mu sync.Mutex
	by map[string]string
}

func (k *tokens) SendInvitation(_ context.Context, m organizations.InvitationMessage) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.by == nil {
		k.by = map[string]string{}
	}
	k.by[m.Invitation.Email] = m.Token
	return nil
}

func (k *tokens) get(email string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.by[email]
}

// authzService is a Service on the harness's store, clock and event recorder, with an
// Inviter that keeps tokens.
func (h *harness) authzService() (*organizations.Service, *tokens) {
	k := &tokens{}
	return organizations.New(h.store, &organizations.Options{Now: h.clock.Now, Events: h.events.record, Inviter: k}), k
}

// state is what an organization looks like through the public API: what a refused call
// must leave exactly as it was.
type state struct {
	org     organizations.Organization
	owner   organizations.UserID
	members []organizations.OrganizationUser
	invites []organizations.Invitation
	roles   []organizations.RoleInfo
}

func (h *harness) state(svc *organizations.Service, org uuid.UUID) state {
	h.t.Helper()
	var s state
	s.org = canonOrg(h.org(org))
	s.owner = h.owner(org).OrganizationUser.UserID
	for _, m := range h.members(org, 100) {
		s.members = append(s.members, canonMember(m))
	}
	p, err := svc.PendingInvitations(h.ctx, org, organizations.ListOptions{Limit: 100})
	require.NoError(h.t, err)
	s.invites = p.Items
	s.roles, err = svc.Roles(h.ctx, org)
	require.NoError(h.t, err)
	return s
}

// eventActor is the Actor of e.
func eventActor(e organizations.Event) organizations.UserID {
	switch e := e.(type) {
	case organizations.OrganizationUpdated:
		return e.Actor
	case organizations.OrganizationDeleted:
		return e.Actor
	case organizations.UserAdded:
		return e.Actor
	case organizations.UserRemoved:
		return e.Actor
	case organizations.RoleChanged:
		return e.Actor
	case organizations.OwnerChanged:
		return e.Actor
	case organizations.InvitationCreated:
		return e.Actor
	case organizations.InvitationRevoked:
		return e.Actor
	case organizations.InvitationAccepted:
		return e.Actor
	case organizations.CustomRoleCreated:
		return e.Actor
	case organizations.CustomRoleUpdated:
		return e.Actor
	case organizations.CustomRoleDeleted:
		return e.Actor
	}
	return "?"
}

// matrixOrg is one organization for one cell of the permission matrix: owner "own",
// former owner "fo" (it created the organization and handed it to own, so it is an
// admin), admin "adm", member "mem", "cw" with a custom role holding only perm, "cn"
// with a custom role holding no permission, "gone" (an admin removed), the targets
// "t1" (a member) and "spare" (a member), a pending invitation by own, and an unused
// custom role "tmp".
type matrixOrg struct {
	id  uuid.UUID
	inv organizations.Invitation
}

func (h *harness) matrixOrg(svc *organizations.Service, perm organizations.Permission, n int, also ...organizations.Permission) matrixOrg {
	h.t.Helper()
	ctx, t := h.ctx, h.t
	org := h.createOrg("fo", fmt.Sprintf("Matrix %d", n), nil)
	h.addUser(org.ID, "own", organizations.RoleMember)
	require.NoError(t, svc.ChangeOwner(ctx, org.ID, "own"))
	for _, u := range []organizations.UserID{"adm", "gone"} {
		h.addUser(org.ID, u, organizations.RoleAdmin)
	}
	for _, u := range []organizations.UserID{"mem", "t1", "spare"} {
		h.addUser(org.ID, u, organizations.RoleMember)
	}
	perms := []organizations.Permission{}
	if perm != "" {
		perms = append(perms, perm)
		perms = append(perms, also...)
	}
	_, err := svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "with", Includes: []organizations.Role{organizations.RoleMember}, Permissions: perms})
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "without", Includes: []organizations.Role{organizations.RoleMember}})
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "tmp"})
	require.NoError(t, err)
	h.addUser(org.ID, "cw", "with")
	h.addUser(org.ID, "cn", "without")
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "gone"))
	inv, err := svc.Invite(ctx, "own", org.ID, "pending@example.com", nil)
	require.NoError(t, err)
	h.events.take()
	return matrixOrg{id: org.ID, inv: inv}
}

// Every actor-checked method, called by every kind of actor: allowed ones change what
// they should and emit events carrying the actor; refused ones return
// ErrPermissionDenied, change nothing and emit nothing. Each method is a subtest on a
// store of its own; its refused actors take turns on one organization (each refusal is
// asserted to leave it exactly as set up), and each allowed actor gets one of its own.
func testPermissionMatrix(t *testing.T, h *harness) {
	ctx := h.ctx // the parent's: it ends after the parallel subtests below
	type op struct {
		name string
		perm organizations.Permission // "" for owner-only
		run  func(a *organizations.Actor, o matrixOrg) error
	}
	// also are the other permissions an op needs, which "cw" holds too: the resender of
	// an invitation becomes its inviter, so must be allowed to invite.
	also := map[string][]organizations.Permission{"ResendInvitation": {organizations.PermInvitationsCreate}}
	name := "Renamed"
	ops := []op{
		{"UpdateOrganization", organizations.PermOrganizationUpdate, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.UpdateOrganization(ctx, o.id, organizations.OrganizationUpdate{Name: &name}))
		}},
		{"DeleteOrganization", "", func(a *organizations.Actor, o matrixOrg) error { return a.DeleteOrganization(ctx, o.id) }},
		{"AddUser", organizations.PermMembersAdd, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.AddUser(ctx, o.id, "newbie", organizations.RoleMember))
		}},
		{"GetOrAddUser", organizations.PermMembersAdd, func(a *organizations.Actor, o matrixOrg) error {
			_, _, err := a.GetOrAddUser(ctx, o.id, "newbie", organizations.RoleMember)
			return err
		}},
		{"RemoveUser", organizations.PermMembersRemove, func(a *organizations.Actor, o matrixOrg) error { return a.RemoveUser(ctx, o.id, "t1") }},
		{"SetRole", organizations.PermMembersRoles, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.SetRole(ctx, o.id, "t1", "without"))
		}},
		{"ChangeOwner", "", func(a *organizations.Actor, o matrixOrg) error { return a.ChangeOwner(ctx, o.id, "spare") }},
		{"Invite", organizations.PermInvitationsCreate, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.Invite(ctx, o.id, "new@example.com", nil))
		}},
		{"RevokeInvitation", organizations.PermInvitationsRevoke, func(a *organizations.Actor, o matrixOrg) error {
			return a.RevokeInvitation(ctx, o.inv.ID)
		}},
		{"ResendInvitation", organizations.PermInvitationsRevoke, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.ResendInvitation(ctx, o.inv.ID))
		}},
		{"CreateRole", organizations.PermRolesManage, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.CreateRole(ctx, o.id, organizations.RoleDefinition{Name: "fresh", Includes: []organizations.Role{organizations.RoleMember}}))
		}},
		{"UpdateRole", organizations.PermRolesManage, func(a *organizations.Actor, o matrixOrg) error {
			return errOnly(a.UpdateRole(ctx, o.id, organizations.RoleDefinition{Name: "tmp", Includes: []organizations.Role{organizations.RoleMember}}))
		}},
		{"DeleteRole", organizations.PermRolesManage, func(a *organizations.Actor, o matrixOrg) error { return a.DeleteRole(ctx, o.id, "tmp") }},
	}
	actors := []struct {
		user     organizations.UserID
		allowed  func(op) bool
		describe string
	}{
		{"own", func(op) bool { return true }, "the owner"},
		{"adm", func(o op) bool { return o.perm != "" }, "an admin"},
		{"fo", func(o op) bool { return o.perm != "" }, "the former owner, an admin"},
		{"mem", func(op) bool { return false }, "a member"},
		{"cw", func(o op) bool { return o.perm != "" }, "a custom role with the permission"},
		{"cn", func(op) bool { return false }, "a custom role without it"},
		{"out", func(op) bool { return false }, "an outsider"},
		{"gone", func(op) bool { return false }, "a removed admin"},
	}
	for n, o := range ops {
		// Each operation on a store of its own, in parallel with the others.
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			h := h.fresh(t)
			svc, _ := h.authzService()
			var refused, allowed []int
			for i, a := range actors {
				if a.allowed(o) {
					allowed = append(allowed, i)
				} else {
					refused = append(refused, i)
				}
			}
			// The refusals one after another on one organization: each must change
			// nothing (asserted), so each next actor meets the organization as it was set
			// up, as on an organization of its own.
			shared := h.matrixOrg(svc, o.perm, 100*n, also[o.name]...)
			before := h.state(svc, shared.id)
			for _, i := range refused {
				a := actors[i]
				h.clock.Advance(time.Second) // so that an allowed change would show in the times too
				err := o.run(svc.As(a.user), shared)
				require.ErrorIs(t, err, organizations.ErrPermissionDenied, "%s by %s", o.name, a.describe)
				h.requireNoEvents()
				require.Equal(t, before, h.state(svc, shared.id), "%s by %s was refused and must change nothing", o.name, a.describe)
			}
			// Each allowed call on an organization of its own, the first on the one the
			// refusals left as it was.
			for k, i := range allowed {
				a := actors[i]
				mo := shared
				if k > 0 {
					mo = h.matrixOrg(svc, o.perm, 100*n+k, also[o.name]...)
				}
				h.clock.Advance(time.Second) // so that an allowed change shows in the times too
				before := h.state(svc, mo.id)
				err := o.run(svc.As(a.user), mo)
				require.NoError(t, err, "%s by %s", o.name, a.describe)
				events := h.events.take()
				if o.name != "ResendInvitation" { // it emits nothing
					require.NotEmpty(t, events, "%s by %s", o.name, a.describe)
				}
				for _, e := range events {
					require.Equal(t, a.user, eventActor(e), "%s by %s: the event %s carries the actor", o.name, a.describe, e.EventName())
				}
				if o.name != "DeleteOrganization" {
					require.NotEqual(t, before, h.state(svc, mo.id), "%s by %s changed something", o.name, a.describe)
				} else {
					h.requireOrgGone(mo.id)
				}
			}
		})
	}
}

// escalationOrg has owner "own", admin "adm", members "m1" and "m2", and "lead" holding
// the custom role "lead" (members:add, members:roles, members:remove,
// invitations:create, roles:manage, including member) but not organization:update or
// invitations:revoke; "lead2" holds it too. "big" is a custom role with
// organization:update.
func (h *harness) escalationOrg(svc *organizations.Service, name string) uuid.UUID {
	h.t.Helper()
	org := h.createOrg("own", name, nil)
	h.addUser(org.ID, "adm", organizations.RoleAdmin)
	h.addUser(org.ID, "m1", organizations.RoleMember)
	h.addUser(org.ID, "m2", organizations.RoleMember)
	_, err := svc.CreateRole(h.ctx, org.ID, organizations.RoleDefinition{Name: "lead", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd, organizations.PermMembersRoles, organizations.PermMembersRemove,
			organizations.PermInvitationsCreate, organizations.PermRolesManage}})
	require.NoError(h.t, err)
	_, err = svc.CreateRole(h.ctx, org.ID, organizations.RoleDefinition{Name: "big", Permissions: []organizations.Permission{organizations.PermOrganizationUpdate}})
	require.NoError(h.t, err)
	h.addUser(org.ID, "lead", "lead")
	h.addUser(org.ID, "lead2", "lead")
	h.events.take()
	return org.ID
}

// A non-owner gives, touches and raises nothing beyond their own permissions; the owner
// can do all of it. Each refusal is ErrEscalation, which is ErrPermissionDenied, and
// changes nothing.
func testEscalation(t *testing.T, h *harness) {
	svc, _ := h.authzService()
	ctx := h.ctx
	org := h.escalationOrg(svc, "Escalation")
	lead := svc.As("lead")
	refused := []struct {
		name string
		run  func() error
	}{
		{"give a role above own (SetRole to admin)", func() error { return errOnly(lead.SetRole(ctx, org, "m1", organizations.RoleAdmin)) }},
		{"give a custom role above own", func() error { return errOnly(lead.SetRole(ctx, org, "m1", "big")) }},
		{"change a higher member", func() error { return errOnly(lead.SetRole(ctx, org, "adm", organizations.RoleMember)) }},
		{"raise own role", func() error { return errOnly(lead.SetRole(ctx, org, "lead", organizations.RoleAdmin)) }},
		{"add with a higher role", func() error { return errOnly(lead.AddUser(ctx, org, "x", organizations.RoleAdmin)) }},
		{"get-or-add with a higher role", func() error {
			_, _, err := lead.GetOrAddUser(ctx, org, "x", organizations.RoleAdmin)
			return err
		}},
		{"remove a higher member", func() error { return lead.RemoveUser(ctx, org, "adm") }},
		{"invite with a higher role", func() error {
			return errOnly(lead.Invite(ctx, org, "x@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin}))
		}},
		{"create a custom role with more permissions", func() error {
			return errOnly(lead.CreateRole(ctx, org, organizations.RoleDefinition{Name: "sneaky", Permissions: []organizations.Permission{organizations.PermOrganizationUpdate}}))
		}},
		{"create a custom role including admin", func() error {
			return errOnly(lead.CreateRole(ctx, org, organizations.RoleDefinition{Name: "sneaky", Includes: []organizations.Role{organizations.RoleAdmin}}))
		}},
		{"widen own custom role", func() error {
			return errOnly(lead.UpdateRole(ctx, org, organizations.RoleDefinition{Name: "lead", Includes: []organizations.Role{organizations.RoleAdmin}}))
		}},
		{"narrow a custom role above own", func() error {
			return errOnly(lead.UpdateRole(ctx, org, organizations.RoleDefinition{Name: "big"}))
		}},
		{"delete a custom role above own", func() error { return lead.DeleteRole(ctx, org, "big") }},
	}
	for _, r := range refused {
		before := h.state(svc, org)
		err := r.run()
		require.ErrorIs(t, err, organizations.ErrEscalation, r.name)
		require.ErrorIs(t, err, organizations.ErrPermissionDenied, r.name)
		h.requireNoEvents()
		require.Equal(t, before, h.state(svc, org), "%s changed something", r.name)
	}

	// Within the actor's own permissions, all of it is allowed.
	_, err := lead.SetRole(ctx, org, "m1", "lead")
	require.NoError(t, err, "an equal role")
	_, err = lead.SetRole(ctx, org, "lead2", organizations.RoleMember)
	require.NoError(t, err, "an equal member, lowered")
	_, err = lead.AddUser(ctx, org, "y", organizations.RoleMember)
	require.NoError(t, err)
	_, err = lead.Invite(ctx, org, "y@example.com", &organizations.InviteOptions{Role: "lead"})
	require.NoError(t, err)
	_, err = lead.CreateRole(ctx, org, organizations.RoleDefinition{Name: "helper", Permissions: []organizations.Permission{organizations.PermMembersAdd}})
	require.NoError(t, err)
	require.NoError(t, lead.RemoveUser(ctx, org, "m2"))
	_, err = lead.SetRole(ctx, org, "lead", organizations.RoleMember)
	require.NoError(t, err, "lowering one's own role")
	h.events.take()

	// The owner is above every rule of escalation.
	own := svc.As("own")
	_, err = own.SetRole(ctx, org, "adm", "big")
	require.NoError(t, err)
	_, err = own.CreateRole(ctx, org, organizations.RoleDefinition{Name: "all", Includes: []organizations.Role{organizations.RoleAdmin}})
	require.NoError(t, err)
	_, err = own.Invite(ctx, org, "z@example.com", &organizations.InviteOptions{Role: organizations.RoleAdmin})
	require.NoError(t, err)
}

// The owner is structural: no role operation makes, removes or demotes one, whoever
// asks; a member may leave, the owner may not.
func testOwnerIsStructural(t *testing.T, h *harness) {
	svc, _ := h.authzService()
	ctx := h.ctx
	org := h.escalationOrg(svc, "Structural")
	_, err := svc.As("own").SetRole(ctx, org, "own", organizations.RoleMember)
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	_, err = svc.As("own").SetRole(ctx, org, "own", organizations.RoleAdmin)
	require.NoError(t, err, "the owner's own role, unchanged")
	_, err = svc.As("adm").SetRole(ctx, org, "own", "lead")
	require.ErrorIs(t, err, organizations.ErrOwnershipRequired)
	require.ErrorIs(t, svc.As("adm").RemoveUser(ctx, org, "own"), organizations.ErrOwnershipRequired)
	require.ErrorIs(t, svc.As("own").RemoveUser(ctx, org, "own"), organizations.ErrOwnershipRequired, "the owner cannot leave")
	require.ErrorIs(t, svc.As("adm").ChangeOwner(ctx, org, "adm"), organizations.ErrPermissionDenied, "an admin cannot take ownership")
	_, err = svc.As("adm").AddUser(ctx, org, "owner", organizations.RoleMember)
	require.NoError(t, err, `"owner" is a user ID like any other`)
	_, err = svc.As("own").SetRole(ctx, org, "m1", "owner")
	require.ErrorIs(t, err, organizations.ErrInvalidRole, `"owner" is never a role`)
	h.events.take()

	m1 := h.member(org, "m1")
	require.NoError(t, svc.As("m1").RemoveUser(ctx, org, "m1"), "a member may always leave")
	h.requireEvents(organizations.UserRemoved{OrganizationUser: m1, Actor: "m1"})
	require.Equal(t, "own", string(h.owner(org).OrganizationUser.UserID))
	a, err := svc.Access(ctx, org, "own")
	require.NoError(t, err)
	for _, p := range append(organizations.LibraryPermissions(), "billing:read") {
		require.True(t, a.Can(p), "the owner holds %s", p)
	}
}

// An invitation never grants more than its inviter may grant when it is accepted: after
// the inviter's removal or demotion it is refused with ErrInviterNotAllowed (an
// ErrInvitationClosed) and stays pending; once the inviter may grant it again, it can be
// accepted.
func testInviterLosesRights(t *testing.T, h *harness) {
	svc, k := h.authzService()
	ctx := h.ctx
	org := h.escalationOrg(svc, "Inviter")
	accept := func(email string, user organizations.UserID) error {
		return errOnly(svc.AcceptInvitation(ctx, k.get(email), user, email))
	}
	requirePending := func(email string) {
		t.Helper()
		invs, err := svc.InvitationsForEmail(ctx, email)
		require.NoError(t, err)
		require.Len(t, invs, 1)
		require.Equal(t, organizations.InvitationStatusPending, invs[0].Status)
	}

	// Removed inviter.
	_, err := svc.As("adm").Invite(ctx, org, "a@example.com", nil)
	require.NoError(t, err)
	require.NoError(t, svc.RemoveUser(ctx, org, "adm"))
	h.events.take()
	err = accept("a@example.com", "ann")
	require.ErrorIs(t, err, organizations.ErrInviterNotAllowed)
	require.ErrorIs(t, err, organizations.ErrInvitationClosed)
	h.requireNoEvents()
	requirePending("a@example.com")
	_, err = svc.OrganizationUser(ctx, org, "ann")
	require.ErrorIs(t, err, organizations.ErrNotMember)

	// Demoted inviter: refused while demoted, accepted once promoted again.
	_, err = svc.As("lead").Invite(ctx, org, "b@example.com", &organizations.InviteOptions{Role: "lead"})
	require.NoError(t, err)
	_, err = svc.SetRole(ctx, org, "lead", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	require.ErrorIs(t, accept("b@example.com", "bea"), organizations.ErrInviterNotAllowed)
	requirePending("b@example.com")
	_, err = svc.SetRole(ctx, org, "lead", "lead")
	require.NoError(t, err)
	h.events.take()
	require.NoError(t, accept("b@example.com", "bea"))
	require.Equal(t, organizations.Role("lead"), h.member(org, "bea").Role)
	h.events.take()

	// The inviter's role loses the right to invite: refused.
	_, err = svc.As("lead2").Invite(ctx, org, "c@example.com", nil)
	require.NoError(t, err)
	_, err = svc.UpdateRole(ctx, org, organizations.RoleDefinition{Name: "lead", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd}})
	require.NoError(t, err)
	h.events.take()
	require.ErrorIs(t, accept("c@example.com", "cid"), organizations.ErrInviterNotAllowed)
	requirePending("c@example.com")

	// The owner's invitations hold whatever the owner's role.
	_, err = svc.As("own").Invite(ctx, org, "d@example.com", &organizations.InviteOptions{Role: "big"})
	require.NoError(t, err)
	require.NoError(t, accept("d@example.com", "dan"))
}

// ErrInviterNotAllowed's documented recovery: an invitation whose inviter was demoted
// is refused, and a ResendInvitation by a user who may grant its role makes it
// acceptable again with the new link, that user taking over as its inviter (InvitedBy).
// The takeover is decided in the store's atomic step: a resender who may revoke
// invitations but not grant this one (no PermInvitationsCreate: ErrPermissionDenied; a
// role beyond their own: ErrEscalation), or the demoted inviter, is refused, and nothing
// changes.
func testResendTakesOverAsInviter(t *testing.T, h *harness) {
	svc, k := h.authzService()
	ctx := h.ctx
	org := h.escalationOrg(svc, "Resend")
	// "rev" may revoke (and so resend) but not invite; "rl" may do both, within "lead".
	_, err := svc.CreateRole(ctx, org, organizations.RoleDefinition{Name: "rev", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermInvitationsRevoke}})
	require.NoError(t, err)
	_, err = svc.CreateRole(ctx, org, organizations.RoleDefinition{Name: "rl", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermInvitationsRevoke, organizations.PermInvitationsCreate}})
	require.NoError(t, err)
	h.addUser(org, "rev", "rev")
	h.addUser(org, "rl", "rl")

	inv, err := svc.As("lead").Invite(ctx, org, "b@example.com", &organizations.InviteOptions{Role: "lead"})
	require.NoError(t, err)
	oldToken := k.get("b@example.com")
	_, err = svc.SetRole(ctx, org, "lead", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	_, err = svc.AcceptInvitation(ctx, oldToken, "bea", "b@example.com")
	require.ErrorIs(t, err, organizations.ErrInviterNotAllowed, "the demoted inviter may no longer grant the role")

	// Refused resends change nothing: the old link stays, the invitation as it was.
	for _, c := range []struct {
		by   organizations.UserID
		want error
	}{
		{"lead", organizations.ErrPermissionDenied}, // the demoted inviter
		{"rev", organizations.ErrPermissionDenied},  // may revoke, may not invite
		{"rl", organizations.ErrEscalation},         // may invite, not with "lead"
		{"m1", organizations.ErrPermissionDenied},
	} {
		before := h.state(svc, org)
		_, err := svc.As(c.by).ResendInvitation(ctx, inv.ID)
		require.ErrorIs(t, err, c.want, "resend by %s", c.by)
		require.Equal(t, before, h.state(svc, org), "a refused resend by %s changes nothing", c.by)
		require.Equal(t, oldToken, k.get("b@example.com"), "nothing sent")
		got, err := svc.InvitationByToken(ctx, oldToken)
		require.NoError(t, err, "the old link still names the invitation")
		require.Equal(t, organizations.UserID("lead"), got.InvitedBy)
	}
	h.requireNoEvents()

	// An admin resends: the admin is the inviter now, and the new link is accepted.
	got, err := svc.As("adm").ResendInvitation(ctx, inv.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("adm"), got.InvitedBy, "the resending admin takes over as inviter")
	require.Equal(t, organizations.UserID("adm"), h.invitation(inv.ID).InvitedBy, "stored")
	newToken := k.get("b@example.com")
	require.NotEqual(t, oldToken, newToken)
	_, err = svc.InvitationByToken(ctx, oldToken)
	require.ErrorIs(t, err, organizations.ErrInvitationNotFound, "the old link is dead")
	h.requireNoEvents()
	m, err := svc.AcceptInvitation(ctx, newToken, "bea", "b@example.com")
	require.NoError(t, err, "acceptable again once an admin resent it")
	require.Equal(t, organizations.Role("lead"), m.Role)
	accepted, ok := h.events.take()[0].(organizations.InvitationAccepted)
	require.True(t, ok)
	require.Equal(t, organizations.UserID("adm"), accepted.Invitation.InvitedBy)

	// A resender takes over also when the inviter still may grant it; the inviter's
	// later demotion then no longer matters, the resender's does.
	inv2, err := svc.As("rl").Invite(ctx, org, "c@example.com", nil)
	require.NoError(t, err)
	got, err = svc.As("own").ResendInvitation(ctx, inv2.ID)
	require.NoError(t, err)
	require.Equal(t, organizations.UserID("own"), got.InvitedBy)
	_, err = svc.SetRole(ctx, org, "rl", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	_, err = svc.AcceptInvitation(ctx, k.get("c@example.com"), "cid", "c@example.com")
	require.NoError(t, err, "the owner's invitation holds")
}

// Custom roles: created, listed, held, updated (members get the new permissions at
// once), refused when malformed, shadowing or unknown, deleted.
func testCustomRoles(t *testing.T, h *harness) {
	svc, _ := h.authzService()
	ctx := h.ctx
	org := h.createOrg("own", "Custom", nil)
	def := organizations.RoleDefinition{Name: "billing", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd, organizations.PermInvitationsCreate, organizations.PermMembersAdd}}
	c, err := svc.As("own").CreateRole(ctx, org.ID, def)
	require.NoError(t, err)
	require.Equal(t, organizations.Role("billing"), c.Name)
	require.Equal(t, []organizations.Permission{organizations.PermInvitationsCreate, organizations.PermMembersAdd}, c.Permissions, "sorted, distinct")
	require.Equal(t, []organizations.Role{organizations.RoleMember}, c.Includes)
	requireStamp(t, c.CreatedAt, c.UpdatedAt)
	h.requireEvents(organizations.CustomRoleCreated{Role: c, Actor: "own"})

	for _, bad := range []struct {
		name string
		def  organizations.RoleDefinition
		want error
	}{
		{"shadowing a declared role", organizations.RoleDefinition{Name: organizations.RoleAdmin}, organizations.ErrInvalidRole},
		{"the name owner", organizations.RoleDefinition{Name: "owner"}, organizations.ErrInvalidRole},
		{"a malformed name", organizations.RoleDefinition{Name: "Bad Name"}, organizations.ErrInvalidRole},
		{"an unknown permission", organizations.RoleDefinition{Name: "x", Permissions: []organizations.Permission{"billing:read"}}, organizations.ErrInvalidRole},
		{"an unknown included role", organizations.RoleDefinition{Name: "x", Includes: []organizations.Role{"ghost"}}, organizations.ErrInvalidRole},
		{"including a custom role", organizations.RoleDefinition{Name: "x", Includes: []organizations.Role{"billing"}}, organizations.ErrInvalidRole},
		{"a name taken", organizations.RoleDefinition{Name: "billing"}, organizations.ErrRoleExists},
	} {
		_, err := svc.As("own").CreateRole(ctx, org.ID, bad.def)
		require.ErrorIs(t, err, bad.want, bad.name)
	}
	_, err = svc.CreateRole(ctx, uuid.Must(uuid.NewV7()), organizations.RoleDefinition{Name: "x"})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()

	roles, err := svc.Roles(ctx, org.ID)
	require.NoError(t, err)
	require.Len(t, roles, 3)
	require.Equal(t, organizations.RoleMember, roles[0].Name)
	require.False(t, roles[0].Custom)
	require.Equal(t, organizations.RoleAdmin, roles[1].Name)
	require.ElementsMatch(t, organizations.LibraryPermissions(), roles[1].Permissions)
	require.Equal(t, organizations.RoleInfo{Name: "billing", Custom: true, Includes: c.Includes, Permissions: c.Permissions,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}, roles[2])

	h.addUser(org.ID, "bill", "billing")
	a, err := svc.Access(ctx, org.ID, "bill")
	require.NoError(t, err)
	require.NotNil(t, a.CustomRole)
	require.Equal(t, c.Permissions, a.CustomRole.Permissions)
	require.True(t, a.Can(organizations.PermMembersAdd))
	require.False(t, a.Can(organizations.PermMembersRemove))
	require.Equal(t, c.Permissions, a.Permissions())
	ok, err := svc.HasPermission(ctx, org.ID, "bill", organizations.PermInvitationsCreate)
	require.NoError(t, err)
	require.True(t, ok)

	h.clock.Advance(1e9)
	upd, err := svc.As("own").UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing",
		Permissions: []organizations.Permission{organizations.PermMembersRemove}})
	require.NoError(t, err)
	require.Equal(t, c.CreatedAt, upd.CreatedAt)
	require.Equal(t, h.now(), upd.UpdatedAt)
	require.Equal(t, []organizations.Role{}, upd.Includes)
	h.requireEvents(organizations.CustomRoleUpdated{Old: c, New: upd, Actor: "own"})
	a, err = svc.Access(ctx, org.ID, "bill")
	require.NoError(t, err)
	require.True(t, a.Can(organizations.PermMembersRemove), "the new permissions apply at once")
	require.False(t, a.Can(organizations.PermMembersAdd))
	same, err := svc.UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "billing", Permissions: upd.Permissions})
	require.NoError(t, err)
	require.Equal(t, upd, same)
	h.requireNoEvents()
	_, err = svc.UpdateRole(ctx, org.ID, organizations.RoleDefinition{Name: "ghost"})
	require.ErrorIs(t, err, organizations.ErrRoleNotFound)
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, "ghost"), organizations.ErrRoleNotFound)
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, organizations.RoleAdmin), organizations.ErrRoleNotFound, "declared roles are not the organization's to delete")

	_, err = svc.SetRole(ctx, org.ID, "bill", organizations.RoleMember)
	require.NoError(t, err)
	h.events.take()
	require.NoError(t, svc.As("own").DeleteRole(ctx, org.ID, "billing"))
	h.requireEvents(organizations.CustomRoleDeleted{Role: upd, Actor: "own"})
	roles, err = svc.Roles(ctx, org.ID)
	require.NoError(t, err)
	require.Len(t, roles, 2)
	_, err = svc.AddUser(ctx, org.ID, "late", "billing")
	require.ErrorIs(t, err, organizations.ErrInvalidRole, "a deleted role is no role")

	// A role of one organization is unknown in another.
	other := h.createOrg("own", "Other", nil)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "local"})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, other.ID, "x", "local")
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	// Deleting an organization deletes its custom roles too.
	require.NoError(t, svc.DeleteOrganization(ctx, org.ID))
	_, err = svc.Roles(ctx, org.ID)
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
}

// A custom role that a member or an open invitation holds cannot be deleted.
func testCustomRoleInUse(t *testing.T, h *harness) {
	svc, k := h.authzService()
	ctx := h.ctx
	org := h.createOrg("own", "InUse", nil)
	_, err := svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "ops"})
	require.NoError(t, err)
	h.addUser(org.ID, "op", "ops")
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, "ops"), organizations.ErrRoleInUse, "a member holds it")
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "op"))

	inv, err := svc.Invite(ctx, "own", org.ID, "ops@example.com", &organizations.InviteOptions{Role: "ops"})
	require.NoError(t, err)
	h.events.take()
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, "ops"), organizations.ErrRoleInUse, "a pending invitation holds it")
	h.requireNoEvents()
	h.clock.Advance(organizations.DefaultInvitationTTL + 1)
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, "ops"), organizations.ErrRoleInUse, "an expired invitation can be renewed, so it still holds it")
	_, err = svc.ResendInvitation(ctx, "own", inv.ID)
	require.NoError(t, err)
	_, err = svc.AcceptInvitation(ctx, k.get("ops@example.com"), "opal", "ops@example.com")
	require.NoError(t, err)
	require.Equal(t, organizations.Role("ops"), h.member(org.ID, "opal").Role)
	require.ErrorIs(t, svc.DeleteRole(ctx, org.ID, "ops"), organizations.ErrRoleInUse, "the invitee now holds it")
	require.NoError(t, svc.RemoveUser(ctx, org.ID, "opal"))
	require.NoError(t, svc.DeleteRole(ctx, org.ID, "ops"), "an accepted invitation holds nothing")

	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "ops"})
	require.NoError(t, err)
	inv, err = svc.Invite(ctx, "own", org.ID, "ops2@example.com", &organizations.InviteOptions{Role: "ops"})
	require.NoError(t, err)
	require.NoError(t, svc.RevokeInvitation(ctx, "own", inv.ID))
	require.NoError(t, svc.DeleteRole(ctx, org.ID, "ops"), "a revoked invitation holds nothing")
}

// Two concurrent transfers by one owner: exactly one succeeds, the other is refused
// (its actor is no longer the owner).
func testRaceTwoTransfers(t *testing.T, h *harness) {
	h.events.noVerify()
	svc, _ := h.authzService()
	ctx := h.ctx
	for round := range 12 {
		org := h.createOrg("own", fmt.Sprintf("Transfer %d", round), nil)
		h.addUser(org.ID, "a", organizations.RoleMember)
		h.addUser(org.ID, "b", organizations.RoleMember)
		to := []organizations.UserID{"a", "b"}
		errs := parallel(len(to), func(i int) error { return svc.As("own").ChangeOwner(ctx, org.ID, to[i]) })
		denied, ok := countErrors(errs, organizations.ErrPermissionDenied)
		require.Equal(t, 1, ok, "round %d: exactly one transfer succeeds: %v", round, errs)
		require.Equal(t, 1, denied, "round %d: the other is refused: %v", round, errs)
		winner := organizations.UserID("a")
		if errs[0] != nil {
			winner = "b"
		}
		require.Equal(t, winner, h.owner(org.ID).OrganizationUser.UserID)
		h.requireInvariants([]uuid.UUID{org.ID}, []organizations.UserID{"own", "a", "b"})
	}
	h.events.take()
}

// An admin removing a member while the owner demotes the admin: the removal either
// happened before the demotion or is refused. Right after the demotion returns, the
// owner reads whether the member is still there: if so, any later removal by the
// demoted admin must have been refused.
func testRaceActingWhileDemoted(t *testing.T, h *harness) {
	h.events.noVerify()
	svc, _ := h.authzService()
	ctx := h.ctx
	org := h.createOrg("own", "Demotion", nil)
	removedBefore, refused := 0, 0
	for round := range 24 {
		h.addUser(org.ID, "adm", organizations.RoleAdmin)
		target := organizations.UserID(fmt.Sprintf("t%d", round))
		h.addUser(org.ID, target, organizations.RoleMember)
		var removeErr, demoteErr, readErr error
		var presentAfterDemotion bool
		together(func() {
			removeErr = svc.As("adm").RemoveUser(ctx, org.ID, target)
		}, func() {
			_, demoteErr = svc.As("own").SetRole(ctx, org.ID, "adm", organizations.RoleMember)
			presentAfterDemotion, readErr = svc.IsMember(ctx, org.ID, target)
		})
		require.NoError(t, demoteErr)
		require.NoError(t, readErr)
		switch {
		case removeErr == nil:
			require.False(t, presentAfterDemotion, "round %d: the removal succeeded after the demotion committed", round)
			removedBefore++
		case errors.Is(removeErr, organizations.ErrPermissionDenied):
			ok, err := svc.IsMember(ctx, org.ID, target)
			require.NoError(t, err)
			require.True(t, ok, "round %d: a refused removal removed nothing", round)
			refused++
		default:
			t.Fatalf("round %d: unexpected error %v", round, removeErr)
		}
		require.ErrorIs(t, svc.As("adm").RemoveUser(ctx, org.ID, "own"), organizations.ErrPermissionDenied)
		require.NoError(t, svc.RemoveUser(ctx, org.ID, "adm"))
	}
	t.Logf("removed before the demotion %d times, refused %d times", removedBefore, refused)
	h.events.take()
}

// An admin's ResendInvitation racing the admin's demotion: the takeover as inviter is
// decided on the actor's membership as the store's atomic step sees it, so a resend
// either took over before the demotion committed (the demoting side then already reads
// the admin as inviter) or is refused and changes nothing.
func testRaceResendWhileDemoted(t *testing.T, h *harness) {
	h.events.noVerify()
	svc, k := h.authzService()
	ctx := h.ctx
	org := h.createOrg("own", "ResendDemotion", nil)
	tookOver, refused := 0, 0
	for round := range 24 {
		h.addUser(org.ID, "adm", organizations.RoleAdmin)
		email := fmt.Sprintf("r%d@example.com", round)
		inv, err := svc.Invite(ctx, "own", org.ID, email, nil)
		require.NoError(t, err)
		oldToken := k.get(email)
		var resendErr, demoteErr, readErr error
		var afterDemotion organizations.Invitation
		together(func() {
			_, resendErr = svc.As("adm").ResendInvitation(ctx, inv.ID)
		}, func() {
			_, demoteErr = svc.As("own").SetRole(ctx, org.ID, "adm", organizations.RoleMember)
			afterDemotion, readErr = h.store.Invitation(ctx, inv.ID, h.now())
		})
		require.NoError(t, demoteErr)
		require.NoError(t, readErr)
		now := h.invitation(inv.ID)
		switch {
		case resendErr == nil:
			require.Equal(t, organizations.UserID("adm"), afterDemotion.InvitedBy, "round %d: the resend took over after the demotion committed", round)
			require.Equal(t, organizations.UserID("adm"), now.InvitedBy)
			_, err := svc.AcceptInvitation(ctx, k.get(email), "x", email)
			require.ErrorIs(t, err, organizations.ErrInviterNotAllowed, "round %d: the demoted resender's invitation waits", round)
			tookOver++
		case errors.Is(resendErr, organizations.ErrPermissionDenied):
			require.Equal(t, organizations.UserID("own"), now.InvitedBy, "round %d: a refused resend changed nothing", round)
			require.Equal(t, oldToken, k.get(email), "round %d: nothing sent", round)
			refused++
		default:
			t.Fatalf("round %d: unexpected error %v", round, resendErr)
		}
		require.NoError(t, svc.RemoveUser(ctx, org.ID, "adm"))
	}
	t.Logf("took over before the demotion %d times, refused %d times", tookOver, refused)
	h.events.take()
}

// DeleteRole racing SetRole to that role: exactly one succeeds, and no member is ever
// left holding a deleted role.
func testRaceDeleteRoleAgainstSetRole(t *testing.T, h *harness) {
	h.events.noVerify()
	svc, _ := h.authzService()
	ctx := h.ctx
	org := h.createOrg("own", "RoleRace", nil)
	h.addUser(org.ID, "m", organizations.RoleMember)
	for round := range 24 {
		name := organizations.Role(fmt.Sprintf("r%d", round))
		_, err := svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: name})
		require.NoError(t, err)
		var setErr, delErr error
		together(func() {
			_, setErr = svc.As("own").SetRole(ctx, org.ID, "m", name)
		}, func() {
			delErr = svc.As("own").DeleteRole(ctx, org.ID, name)
		})
		role := h.member(org.ID, "m").Role
		roles, err := svc.Roles(ctx, org.ID)
		require.NoError(t, err)
		exists := slices.ContainsFunc(roles, func(r organizations.RoleInfo) bool { return r.Name == name })
		if delErr == nil {
			require.ErrorIs(t, setErr, organizations.ErrInvalidRole, "round %d", round)
			require.False(t, exists)
			require.NotEqual(t, name, role, "round %d: a member holds the deleted role", round)
		} else {
			require.ErrorIs(t, delErr, organizations.ErrRoleInUse, "round %d", round)
			require.NoError(t, setErr, "round %d", round)
			require.True(t, exists)
			require.Equal(t, name, role)
		}
		_, err = svc.SetRole(ctx, org.ID, "m", organizations.RoleMember)
		require.NoError(t, err)
	}
	h.events.take()
}
