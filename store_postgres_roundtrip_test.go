package organizations_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// queryCounter is a pgx tracer that counts the statements sent to the server.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestPostgresStoreOneStatementPerCall calls every Store method (and the refusals the
// statements classify themselves) and counts the statements each sends: one.
func TestPostgresStoreOneStatementPerCall(t *testing.T) {
	t.Parallel()
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			counter := &queryCounter{}
			store, _ := newPostgresStoreWith(t, func(c *pgxpool.Config) {
				c.ConnConfig.DefaultQueryExecMode = m.mode
				c.ConnConfig.Tracer = counter
			})
			testOneStatementPerCall(t, store, counter)
		})
	}
}

func testOneStatementPerCall(t *testing.T, store *organizations.PostgresStore, counter *queryCounter) {
	ctx := t.Context()
	called := map[string]bool{}
	// call runs f, a call of Store method name, and asserts it sent exactly one statement.
	call := func(name string, f func() error, wantErr error) {
		t.Helper()
		before := counter.n.Load()
		err := f()
		if wantErr == nil {
			require.NoError(t, err, name)
		} else {
			require.ErrorIs(t, err, wantErr, name)
		}
		require.Equal(t, int64(1), counter.n.Load()-before, "statements sent by %s", name)
		called[name] = true
	}
	now := organizations.Timestamp(time.Now())
	id := func() uuid.UUID { return uuid.Must(uuid.NewV7()) }
	hash := func() []byte { return randomHash(t) }
	member := func(org uuid.UUID, user organizations.UserID, role organizations.Role) organizations.OrganizationUser {
		return organizations.OrganizationUser{ID: id(), OrganizationID: org, UserID: user, Role: role, CreatedAt: now, UpdatedAt: now}
	}
	newOrg := func(slug string) organizations.Organization {
		return organizations.Organization{ID: id(), Name: "Acme", Slug: slug, IsActive: true,
			Data: []byte(`{}`), Settings: []byte(`{}`), CreatedAt: now, UpdatedAt: now}
	}

	org := newOrg("acme")
	call("CreateOrganization", func() error {
		_, err := store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: org, Owner: member(org.ID, "owner", organizations.RoleAdmin), SuffixSlug: true})
		return err
	}, nil)
	// A generated slug that is taken: the first free candidate comes in the same statement.
	org2 := newOrg("acme")
	call("CreateOrganization", func() error {
		got, err := store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: org2, Owner: member(org2.ID, "owner", organizations.RoleAdmin), SuffixSlug: true})
		require.Equal(t, "acme-2", got.Slug)
		return err
	}, nil)
	call("CreateOrganization", func() error {
		o := newOrg("acme")
		_, err := store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: o, Owner: member(o.ID, "owner", organizations.RoleAdmin), SuffixSlug: false})
		return err
	}, organizations.ErrSlugTaken)
	call("Organization", func() error { _, err := store.Organization(ctx, org.ID); return err }, nil)
	call("Organization", func() error { _, err := store.Organization(ctx, id()); return err }, organizations.ErrOrganizationNotFound)
	call("OrganizationBySlug", func() error { _, err := store.OrganizationBySlug(ctx, "acme"); return err }, nil)
	name := "Acme Inc"
	call("UpdateOrganization", func() error {
		_, changed, err := store.UpdateOrganization(ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{Name: &name}, Now: now})
		require.True(t, changed)
		return err
	}, nil)
	taken := "acme-2"
	call("UpdateOrganization", func() error {
		_, _, err := store.UpdateOrganization(ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{Slug: &taken}, Now: now})
		return err
	}, organizations.ErrSlugTaken)
	call("OrganizationsForUser", func() error {
		orgs, err := store.OrganizationsForUser(ctx, organizations.OrganizationsForUserParams{UserID: "owner", After: uuid.Nil, Limit: 10})
		require.Len(t, orgs, 2)
		return err
	}, nil)

	call("AddUser", func() error {
		return store.AddUser(ctx, organizations.AddUserParams{Membership: member(org.ID, "ann", organizations.RoleMember)})
	}, nil)
	call("AddUser", func() error {
		return store.AddUser(ctx, organizations.AddUserParams{Membership: member(org.ID, "ann", organizations.RoleMember)})
	}, organizations.ErrAlreadyMember)
	call("GetOrAddUser", func() error {
		_, created, err := store.GetOrAddUser(ctx, organizations.AddUserParams{Membership: member(org.ID, "bob", organizations.RoleMember)})
		require.True(t, created)
		return err
	}, nil)
	call("GetOrAddUser", func() error {
		_, created, err := store.GetOrAddUser(ctx, organizations.AddUserParams{Membership: member(org.ID, "bob", organizations.RoleAdmin)})
		require.False(t, created)
		return err
	}, nil)
	call("SetRole", func() error {
		_, _, err := store.SetRole(ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "ann", Role: organizations.RoleAdmin, Now: now})
		return err
	}, nil)
	call("SetRole", func() error {
		_, _, err := store.SetRole(ctx, organizations.SetRoleParams{OrganizationID: org.ID, UserID: "owner", Role: organizations.RoleMember, Now: now})
		return err
	}, organizations.ErrOwnershipRequired)
	call("OrganizationUser", func() error { _, err := store.OrganizationUser(ctx, org.ID, "ann"); return err }, nil)
	call("OrganizationUser", func() error { _, err := store.OrganizationUser(ctx, org.ID, "zed"); return err }, organizations.ErrNotMember)
	call("Access", func() error {
		_, err := store.Access(ctx, organizations.AccessParams{OrganizationID: org.ID, UserID: "ann"})
		return err
	}, nil)
	call("Access", func() error {
		_, err := store.Access(ctx, organizations.AccessParams{Slug: org.Slug, UserID: "zed"})
		return err
	}, nil)
	call("Access", func() error {
		_, err := store.Access(ctx, organizations.AccessParams{Slug: "nope", UserID: "ann"})
		return err
	}, organizations.ErrOrganizationNotFound)
	call("Members", func() error {
		ms, err := store.Members(ctx, organizations.MembersParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 10})
		require.Len(t, ms, 3)
		return err
	}, nil)
	call("Members", func() error {
		_, err := store.Members(ctx, organizations.MembersParams{OrganizationID: id(), After: uuid.Nil, Limit: 10})
		return err
	}, organizations.ErrOrganizationNotFound)
	call("RemoveUser", func() error {
		_, err := store.RemoveUser(ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "bob"})
		return err
	}, nil)
	call("RemoveUser", func() error {
		_, err := store.RemoveUser(ctx, organizations.RemoveUserParams{OrganizationID: org.ID, UserID: "owner"})
		return err
	}, organizations.ErrOwnershipRequired)
	call("Owner", func() error { _, err := store.Owner(ctx, org.ID); return err }, nil)
	call("ChangeOwner", func() error {
		c, err := store.ChangeOwner(ctx, organizations.ChangeOwnerParams{OrganizationID: org.ID, NewOwner: "ann", Now: now})
		require.True(t, c.Changed)
		return err
	}, nil)

	inv := organizations.Invitation{ID: id(), OrganizationID: org.ID, Email: "cat@example.com",
		Role: organizations.RoleMember, InvitedBy: "ann", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	invHash := hash()
	call("CreateInvitation", func() error {
		return errOnly(store.CreateInvitation(ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: inv.InvitedBy}, Invitation: inv, TokenHash: invHash, Now: now}))
	}, nil)
	call("CreateInvitation", func() error {
		again := inv
		again.ID = id()
		return errOnly(store.CreateInvitation(ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: again.InvitedBy}, Invitation: again, TokenHash: hash(), Now: now}))
	}, organizations.ErrAlreadyInvited)
	call("InvitationByTokenHash", func() error { _, err := store.InvitationByTokenHash(ctx, invHash, now); return err }, nil)
	call("Invitation", func() error { _, err := store.Invitation(ctx, inv.ID, now); return err }, nil)
	call("PendingInvitations", func() error {
		invs, err := store.PendingInvitations(ctx, organizations.PendingInvitationsParams{OrganizationID: org.ID, After: uuid.Nil, Limit: 10, Now: now})
		require.Len(t, invs, 1)
		return err
	}, nil)
	call("InvitationsForEmail", func() error {
		invs, err := store.InvitationsForEmail(ctx, inv.Email, now)
		require.Len(t, invs, 1)
		return err
	}, nil)
	invHash = hash()
	call("RenewInvitation", func() error {
		_, err := store.RenewInvitation(ctx, organizations.RenewInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, InvitationID: inv.ID, TokenHash: invHash, ExpiresAt: now.Add(2 * time.Hour), Now: now})
		return err
	}, nil)
	call("AcceptInvitation", func() error {
		res, err := store.AcceptInvitation(ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "cat"}, TokenHash: invHash, Email: inv.Email, Membership: member(org.ID, "cat", organizations.RoleMember), Now: now})
		require.True(t, res.MembershipCreated)
		return err
	}, nil)
	call("AcceptInvitation", func() error {
		res, err := store.AcceptInvitation(ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "cat"}, TokenHash: invHash, Email: inv.Email, Membership: member(org.ID, "cat", organizations.RoleMember), Now: now})
		require.False(t, res.Accepted)
		return err
	}, nil)
	call("AcceptInvitation", func() error {
		_, err := store.AcceptInvitation(ctx, organizations.AcceptInvitationParams{Auth: organizations.Authorization{Actor: "dan"}, TokenHash: invHash, Email: inv.Email, Membership: member(org.ID, "dan", organizations.RoleMember), Now: now})
		return err
	}, organizations.ErrInvitationClosed)
	for _, respond := range []struct {
		name string
		f    func(organizations.Invitation, []byte) error
	}{
		{"DeclineInvitation", func(inv organizations.Invitation, h []byte) error {
			_, err := store.DeclineInvitation(ctx, organizations.DeclineInvitationParams{TokenHash: h, Email: inv.Email, Now: now})
			return err
		}},
		{"RevokeInvitation", func(inv organizations.Invitation, _ []byte) error {
			_, err := store.RevokeInvitation(ctx, organizations.RevokeInvitationParams{Auth: organizations.Authorization{Actor: "ann"}, InvitationID: inv.ID, Now: now})
			return err
		}},
		{"DeleteInvitation", func(inv organizations.Invitation, _ []byte) error {
			return store.DeleteInvitation(ctx, inv.ID)
		}},
	} {
		other := inv
		other.ID, other.Email = id(), respond.name+"@example.com"
		h := hash()
		require.NoError(t, errOnly(store.CreateInvitation(ctx, organizations.CreateInvitationParams{Auth: organizations.Authorization{Actor: other.InvitedBy}, Invitation: other, TokenHash: h, Now: now})))
		call(respond.name, func() error { return respond.f(other, h) }, nil)
	}

	act := organizations.Activation{ID: id(), UserID: "eve", Email: "eve@example.com", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	actHash := hash()
	call("CreateActivation", func() error { return store.CreateActivation(ctx, act, actHash) }, nil)
	call("ActivationByTokenHash", func() error { _, err := store.ActivationByTokenHash(ctx, actHash, now); return err }, nil)
	inactive := newOrg("eve")
	inactive.IsActive = false
	_, err := store.CreateOrganization(ctx, organizations.CreateOrganizationParams{Organization: inactive, Owner: member(inactive.ID, "eve", organizations.RoleAdmin), SuffixSlug: false})
	require.NoError(t, err)
	call("CompleteActivation", func() error {
		_, orgs, err := store.CompleteActivation(ctx, actHash, now)
		require.Len(t, orgs, 1)
		return err
	}, nil)
	call("CompleteActivation", func() error { _, _, err := store.CompleteActivation(ctx, actHash, now); return err }, organizations.ErrActivationUsed)
	call("DeleteActivation", func() error { return store.DeleteActivation(ctx, act.ID) }, nil)
	// Custom roles, and actor-checked writes, allowed and refused: one statement each, the
	// check included.
	pol := organizations.DefaultPolicy()
	as := func(actor organizations.UserID) organizations.Authorization {
		return organizations.Authorization{Actor: actor, Policy: pol}
	}
	billing := organizations.CustomRole{OrganizationID: org.ID, Name: "billing", Includes: []organizations.Role{organizations.RoleMember},
		Permissions: []organizations.Permission{organizations.PermMembersAdd}, CreatedAt: now, UpdatedAt: now}
	call("CreateRole", func() error {
		return errOnly(store.CreateRole(ctx, organizations.CreateRoleParams{Auth: as("ann"), Role: billing}))
	}, nil)
	call("CreateRole", func() error {
		return errOnly(store.CreateRole(ctx, organizations.CreateRoleParams{Auth: as("cat"), Role: billing}))
	},
		organizations.ErrPermissionDenied)
	call("CustomRoles", func() error {
		rs, err := store.CustomRoles(ctx, org.ID)
		require.Len(t, rs, 1)
		return err
	}, nil)
	billing.Permissions = append(billing.Permissions, organizations.PermMembersRemove)
	call("UpdateRole", func() error {
		_, after, err := store.UpdateRole(ctx, organizations.UpdateRoleParams{Auth: as("owner"), Role: billing})
		require.Len(t, after.Permissions, 2)
		return err
	}, nil)
	call("AddUser", func() error {
		return store.AddUser(ctx, organizations.AddUserParams{Auth: as("owner"), Membership: member(org.ID, "bill", "billing")})
	}, nil)
	call("AddUser", func() error {
		return store.AddUser(ctx, organizations.AddUserParams{Auth: as("cat"), Membership: member(org.ID, "dora", organizations.RoleMember)})
	}, organizations.ErrPermissionDenied)
	call("AddUser", func() error {
		return store.AddUser(ctx, organizations.AddUserParams{Auth: as("bill"), Membership: member(org.ID, "dora", organizations.RoleAdmin)})
	}, organizations.ErrEscalation)
	call("Access", func() error {
		a, err := store.Access(ctx, organizations.AccessParams{OrganizationID: org.ID, UserID: "bill"})
		require.NotNil(t, a.CustomRole, "the custom role's definition comes in the same statement")
		return err
	}, nil)
	call("SetRole", func() error {
		_, _, err := store.SetRole(ctx, organizations.SetRoleParams{Auth: as("bill"), OrganizationID: org.ID, UserID: "cat", Role: organizations.RoleAdmin, Now: now})
		return err
	}, organizations.ErrPermissionDenied)
	call("SetRole", func() error {
		_, _, err := store.SetRole(ctx, organizations.SetRoleParams{Auth: as("owner"), OrganizationID: org.ID, UserID: "cat", Role: "billing", Now: now})
		return err
	}, nil)
	call("DeleteRole", func() error {
		return errOnly(store.DeleteRole(ctx, organizations.DeleteRoleParams{Auth: as("ann"), OrganizationID: org.ID, Name: "billing"}))
	}, organizations.ErrRoleInUse)
	call("RemoveUser", func() error {
		return errOnly(store.RemoveUser(ctx, organizations.RemoveUserParams{Auth: as("bill"), OrganizationID: org.ID, UserID: "owner"}))
	}, organizations.ErrEscalation)
	call("RemoveUser", func() error {
		return errOnly(store.RemoveUser(ctx, organizations.RemoveUserParams{Auth: as("bill"), OrganizationID: org.ID, UserID: "cat"}))
	}, nil)
	call("RemoveUser", func() error {
		return errOnly(store.RemoveUser(ctx, organizations.RemoveUserParams{Auth: as("bill"), OrganizationID: org.ID, UserID: "bill"}))
	}, nil)
	call("DeleteRole", func() error {
		return errOnly(store.DeleteRole(ctx, organizations.DeleteRoleParams{Auth: as("ann"), OrganizationID: org.ID, Name: "billing"}))
	}, nil)
	call("UpdateOrganization", func() error {
		_, _, err := store.UpdateOrganization(ctx, organizations.UpdateOrganizationParams{Auth: as("zed"), OrganizationID: org.ID, Update: organizations.OrganizationUpdate{Name: &name}, Now: now})
		return err
	}, organizations.ErrPermissionDenied)
	call("ChangeOwner", func() error {
		return errOnly(store.ChangeOwner(ctx, organizations.ChangeOwnerParams{Auth: as("owner"), OrganizationID: org.ID, NewOwner: "owner", Now: now}))
	}, organizations.ErrPermissionDenied)
	call("DeleteOrganization", func() error {
		return errOnly(store.DeleteOrganization(ctx, organizations.DeleteOrganizationParams{Auth: as("owner"), OrganizationID: org.ID}))
	}, organizations.ErrPermissionDenied)
	call("DeleteOrganization", func() error {
		_, err := store.DeleteOrganization(ctx, organizations.DeleteOrganizationParams{Auth: as("ann"), OrganizationID: org.ID})
		return err
	}, nil)

	// The lifecycle interfaces: seats (MemberCount), suspension, the member list, the
	// two-phase transfer, offboarding.
	call("Seats", func() error {
		st, err := store.Seats(ctx, org2.ID, now)
		require.Equal(t, organizations.Seats{Members: 1}, st)
		return err
	}, nil)
	require.NoError(t, store.AddUser(ctx, organizations.AddUserParams{Membership: member(org2.ID, "kim", organizations.RoleMember)}))
	require.NoError(t, store.AddUser(ctx, organizations.AddUserParams{Membership: member(org2.ID, "lee", organizations.RoleAdmin)}))
	status := func(user organizations.UserID) organizations.MemberStatusParams {
		return organizations.MemberStatusParams{Auth: as("owner"), OrganizationID: org2.ID, UserID: user, Now: now}
	}
	call("SuspendUser", func() error { _, _, err := store.SuspendUser(ctx, status("kim")); return err }, nil)
	call("SuspendUser", func() error { _, _, err := store.SuspendUser(ctx, status("owner")); return err }, organizations.ErrOwnershipRequired)
	call("ListMembers", func() error {
		ms, err := store.ListMembers(ctx, organizations.ListMembersParams{OrganizationID: org2.ID, Filter: organizations.MemberFilter{Status: organizations.MemberStatusSuspended}, Limit: 10})
		require.Len(t, ms, 1)
		return err
	}, nil)
	call("ReactivateUser", func() error { _, _, err := store.ReactivateUser(ctx, status("kim")); return err }, nil)
	propose := func() error {
		_, _, err := store.ProposeOwnershipTransfer(ctx, organizations.TransferParams{Auth: as("owner"), OrganizationID: org2.ID, Nominee: "kim", Now: now, ExpiresAt: now.Add(time.Hour)})
		return err
	}
	transfer := func(actor organizations.UserID) organizations.TransferParams {
		return organizations.TransferParams{Auth: as(actor), OrganizationID: org2.ID, Now: now}
	}
	call("ProposeOwnershipTransfer", propose, nil)
	call("OwnershipTransfer", func() error { _, err := store.OwnershipTransfer(ctx, org2.ID, now); return err }, nil)
	call("DeclineOwnershipTransfer", func() error { _, err := store.DeclineOwnershipTransfer(ctx, transfer("kim")); return err }, nil)
	call("ProposeOwnershipTransfer", propose, nil)
	call("CancelOwnershipTransfer", func() error { _, err := store.CancelOwnershipTransfer(ctx, transfer("owner")); return err }, nil)
	call("ProposeOwnershipTransfer", propose, nil)
	call("AcceptOwnershipTransfer", func() error { _, _, err := store.AcceptOwnershipTransfer(ctx, transfer("kim")); return err }, nil)
	call("OrganizationsOwnedBy", func() error {
		orgs, err := store.OrganizationsOwnedBy(ctx, organizations.OrganizationsForUserParams{UserID: "kim", Limit: 10})
		require.Len(t, orgs, 1)
		return err
	}, nil)
	call("RemoveUserEverywhere", func() error {
		_, err := store.RemoveUserEverywhere(ctx, organizations.RemoveEverywhereParams{UserID: "kim", Now: now})
		return err
	}, organizations.ErrOwnershipRequired)
	call("RemoveUserEverywhere", func() error {
		res, err := store.RemoveUserEverywhere(ctx, organizations.RemoveEverywhereParams{UserID: "kim", Transfer: []uuid.UUID{org2.ID}, Now: now})
		require.Len(t, res.Transferred, 1)
		return err
	}, nil)

	// The event log: a feed page of 100, an audit page, a prune step, the cursors.
	for i := range 120 {
		require.NoError(t, store.AddUser(ctx, organizations.AddUserParams{Membership: member(org2.ID, organizations.UserID(fmt.Sprint("feed-", i)), organizations.RoleMember)}))
	}
	for range 30000 { // a backstop: committed records show at once
		if recs, err := store.Events(ctx, organizations.EventsParams{Limit: 100}); err == nil && len(recs) == 100 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	call("Events", func() error {
		recs, err := store.Events(ctx, organizations.EventsParams{Limit: 100})
		require.Len(t, recs, 100, "a page of 100 in one statement")
		return err
	}, nil)
	call("AuditEvents", func() error {
		recs, err := store.AuditEvents(ctx, organizations.AuditEventsParams{Query: organizations.AuditQuery{OrganizationID: org2.ID, Types: []string{"user_added"}}, Limit: 100})
		require.Len(t, recs, 100)
		return err
	}, nil)
	call("PruneEvents", func() error {
		n, err := store.PruneEvents(ctx, organizations.PruneEventsParams{Before: time.Now().Add(-time.Hour), Limit: 10})
		require.Zero(t, n)
		return err
	}, nil)
	call("SaveCursor", func() error { return store.SaveCursor(ctx, "c", "1") }, nil)
	call("LoadCursor", func() error { _, err := store.LoadCursor(ctx, "c"); return err }, nil)

	var missed []string
	for _, iface := range []reflect.Type{reflect.TypeFor[organizations.Store](), reflect.TypeFor[organizations.EventStore](), reflect.TypeFor[organizations.CursorStore](),
		reflect.TypeFor[organizations.SeatStore](), reflect.TypeFor[organizations.SuspensionStore](), reflect.TypeFor[organizations.MemberListStore](),
		reflect.TypeFor[organizations.TransferStore](), reflect.TypeFor[organizations.OffboardStore]()} {
		for i := range iface.NumMethod() {
			if name := iface.Method(i).Name; !called[name] {
				missed = append(missed, name)
			}
		}
	}
	sort.Strings(missed)
	require.Empty(t, missed, "Store methods this test does not count")
}

// Invite is one statement too: the store returns the organization the message needs along
// with storing the invitation.
func TestPostgresInviteOneStatement(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	store, _ := newPostgresStoreWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter })
	var sent organizations.InvitationMessage
	svc := organizations.New(store, &organizations.Options{
		Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
			sent = m
			return nil
		}),
	})
	org, err := svc.CreateOrganization(t.Context(), "chris", "Acme", nil)
	require.NoError(t, err)
	before := counter.n.Load()
	_, err = svc.Invite(t.Context(), "chris", org.ID, "kim@example.com", nil)
	require.NoError(t, err)
	require.Equal(t, int64(1), counter.n.Load()-before, "statements sent by Invite")
	require.Equal(t, org.ID, sent.Organization.ID)
	require.Equal(t, "Acme", sent.Organization.Name)
}

// An addition to an organization with a member limit takes two statements the first
// time (the unlimited form finds the limit, the limited one counts under the exclusive
// lock), and one from then on: the store remembers the organization. The limit still
// holds, and a limit removed since changes nothing but the lock taken.
func TestPostgresAddUserRemembersALimitedOrganization(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	store, _ := newPostgresStoreWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter })
	ctx := t.Context()
	svc := organizations.New(store, nil)
	limit := 3
	org, err := svc.CreateOrganization(ctx, "ann", "Limited", &organizations.CreateOptions{MaxMembers: &limit})
	require.NoError(t, err)
	sent := func(f func() error) (int64, error) {
		before := counter.n.Load()
		err := f()
		return counter.n.Load() - before, err
	}
	add := func(u organizations.UserID) func() error {
		return func() error { _, err := svc.AddUser(ctx, org.ID, u, organizations.RoleMember); return err }
	}
	n, err := sent(add("bob"))
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "the first addition finds the limit")
	n, err = sent(add("cat"))
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the next one starts in the limited form")
	n, err = sent(add("dan"))
	require.ErrorIs(t, err, organizations.ErrMemberLimit)
	require.Equal(t, int64(1), n)

	none := 0
	_, err = svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{MaxMembers: &none})
	require.NoError(t, err)
	_, err = svc.AddUser(ctx, org.ID, "dan", organizations.RoleMember)
	require.NoError(t, err, "the limit is gone: the remembered form adds")
}
