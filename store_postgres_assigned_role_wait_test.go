package organizations_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// The other side of the escalation rule under a lock wait: the role a call gives (or the
// role of the member it acts on) is judged as it is when the call has its locks. A host
// transaction widens the custom role "helper" beyond the actor's rights (roles:manage,
// which the actor's "recruiter" role lacks) and changes the organization row; the
// actor's call, which gives helper or acts on a helper, starts and waits for the row;
// the host commits; the call is refused with ErrEscalation and changes nothing. Read
// from the statement's snapshot, taken before the wait, helper was still within the
// actor's rights, and the call went through.

const (
	assignedActor  = organizations.UserID("actor")
	assignedHelper = organizations.UserID("tina") // holds helper
	assignedMember = organizations.UserID("bob")  // holds member
	roleRecruiter  = organizations.Role("recruiter")
	roleHelper     = organizations.Role("helper")
)

// assignedOps are the actor-checked operations that give a role or act on a member's
// role, made by the actor in the organization org.
var assignedOps = []struct {
	name string
	call func(ctx context.Context, a *organizations.Actor, w assignedWorld) error
}{
	{"AddUser", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := a.AddUser(ctx, w.org, "newbie", roleHelper)
		return err
	}},
	{"GetOrAddUser", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, _, err := a.GetOrAddUser(ctx, w.org, "newbie", roleHelper)
		return err
	}},
	{"Invite", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := a.Invite(ctx, w.org, "newbie@example.com", &organizations.InviteOptions{Role: roleHelper})
		return err
	}},
	{"SetRoleToHelper", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := a.SetRole(ctx, w.org, assignedMember, roleHelper)
		return err
	}},
	{"SetRoleOfHelper", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := a.SetRole(ctx, w.org, assignedHelper, organizations.RoleMember)
		return err
	}},
	{"RemoveUser", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		return a.RemoveUser(ctx, w.org, assignedHelper)
	}},
	{"SuspendUser", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := a.SuspendUser(ctx, w.org, assignedHelper)
		return err
	}},
	// The invitation the actor made with helper, accepted: the acceptance judges the
	// inviter's right to grant helper as helper is then.
	{"AcceptInvitation", func(ctx context.Context, a *organizations.Actor, w assignedWorld) error {
		_, err := w.svc.AcceptInvitation(ctx, w.token, "late", "late@example.com")
		return err
	}},
}

// assignedWorld is the organization of one case, its Service, and the token of the
// invitation the actor made with helper.
type assignedWorld struct {
	svc   *organizations.Service
	org   uuid.UUID
	token string
}

// setupAssigned makes the organization of one case: the recruiter role (every library
// permission but roles:manage), helper (member's permissions), the actor as a recruiter,
// tina as a helper, bob as a member.
func setupAssigned(ctx context.Context, svc *organizations.Service, name string) (uuid.UUID, error) {
	org, err := svc.CreateOrganization(ctx, "owner", "Assigned "+name, nil)
	if err != nil {
		return uuid.Nil, err
	}
	var perms []organizations.Permission
	for _, p := range organizations.LibraryPermissions() {
		if p != organizations.PermRolesManage {
			perms = append(perms, p)
		}
	}
	if _, err := svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: roleRecruiter,
		Includes: []organizations.Role{organizations.RoleMember}, Permissions: perms}); err != nil {
		return uuid.Nil, err
	}
	if _, err := svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: roleHelper,
		Includes: []organizations.Role{organizations.RoleMember}}); err != nil {
		return uuid.Nil, err
	}
	for u, r := range map[organizations.UserID]organizations.Role{
		assignedActor: roleRecruiter, assignedHelper: roleHelper, assignedMember: organizations.RoleMember,
	} {
		if _, err := svc.AddUser(ctx, org.ID, u, r); err != nil {
			return uuid.Nil, err
		}
	}
	if _, err := svc.As(assignedActor).Invite(ctx, org.ID, "late@example.com", &organizations.InviteOptions{Role: roleHelper}); err != nil {
		return uuid.Nil, err
	}
	return org.ID, nil
}

// runAssignedCase runs one operation against the widening of helper in a host
// transaction that commits while the call waits for the organization row.
func runAssignedCase(t *testing.T, db rightsDB, name string, call func(context.Context, *organizations.Actor, assignedWorld) error) {
	ctx := t.Context()
	w := assignedWorld{}
	w.svc = organizations.New(db.store, &organizations.Options{Inviter: organizations.InviterFunc(func(_ context.Context, m organizations.InvitationMessage) error {
		w.token = m.Token
		return nil
	})})
	svc := w.svc
	org, err := setupAssigned(ctx, svc, name)
	require.NoError(t, err)
	w.org = org
	require.NotEmpty(t, w.token)

	host, err := db.begin(ctx)
	require.NoError(t, err)
	defer func() { _ = host.rollback(context.WithoutCancel(ctx)) }()
	hostSvc := svc.WithStore(host.store)
	_, err = hostSvc.UpdateRole(ctx, org, organizations.RoleDefinition{Name: roleHelper,
		Includes: []organizations.Role{organizations.RoleMember}, Permissions: []organizations.Permission{organizations.PermRolesManage}})
	require.NoError(t, err)
	require.NoError(t, touchOrganization(ctx, hostSvc, rightsWorld{org: org}))
	fingerprint := rightsFingerprint(db.store.Schema())
	var want string
	require.NoError(t, host.queryRow(ctx, fingerprint, org.String()).Scan(&want))
	var hostPID int
	require.NoError(t, host.queryRow(ctx, "SELECT pg_backend_pid()").Scan(&hostPID))

	done := make(chan error, 1)
	go func() { done <- call(ctx, svc.As(assignedActor), w) }()
	waitBlockedBy(t, db.queryRow, hostPID, done)
	require.NoError(t, host.commit(ctx))

	wantErr := organizations.ErrEscalation
	if name == "AcceptInvitation" {
		wantErr = organizations.ErrInviterNotAllowed // the inviter no longer covers helper
	}
	require.ErrorIs(t, <-done, wantErr, "helper grew beyond the actor's rights before the call decided")
	var got string
	require.NoError(t, db.queryRow(ctx, fingerprint, org.String()).Scan(&got))
	require.Equal(t, want, got, "a refused call changes nothing and records nothing")
}

func TestPostgresAssignedRoleChangedDuringLockWait(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, db rightsDB) {
		for _, op := range assignedOps {
			t.Run(op.name, func(t *testing.T) { runAssignedCase(t, db, op.name, op.call) })
		}
	}
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			store, pool := newPostgresStore(t, m.mode)
			run(t, pgxRightsDB(store, pool))
		})
	}
	t.Run("DatabaseSQL", func(t *testing.T) {
		t.Parallel()
		db := openSQL(t, "")
		run(t, sqlRightsDB(newSQLStore(t, db), db))
	})
}

// A custom role a call decided on stays as it was until the call ends: the call holds
// the role's row (FOR SHARE) from its decision to its commit, so a change of the role
// waits for it, and no one sees the role narrowed before a change that the role allowed.
// The actor (a recruiter) adds newbie while a host transaction holds an uncommitted
// addition of newbie: the call has decided and waits on the key. A narrowing of
// recruiter (members:add taken away) must then wait for the call's backend; the host
// rolls back, the call adds newbie, and only then does the narrowing commit, after the
// user_added record in the feed. Without the role's lock the narrowing committed while
// the call, decided on the wider role, was still to commit.
func TestPostgresRoleChangeWaitsForTheCallThatDecidedOnIt(t *testing.T) {
	t.Parallel()
	for _, op := range []struct {
		name string
		call func(ctx context.Context, a *organizations.Actor, org uuid.UUID) error
	}{
		{"AddUser", func(ctx context.Context, a *organizations.Actor, org uuid.UUID) error {
			_, err := a.AddUser(ctx, org, "newbie", organizations.RoleMember)
			return err
		}},
		{"GetOrAddUser", func(ctx context.Context, a *organizations.Actor, org uuid.UUID) error {
			_, added, err := a.GetOrAddUser(ctx, org, "newbie", organizations.RoleMember)
			if err == nil && !added {
				err = errors.New("GetOrAddUser found newbie a member: the host's addition was rolled back")
			}
			return err
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			store, pool := newPostgresStore(t, pgx.QueryExecModeCacheStatement)
			db := pgxRightsDB(store, pool)
			svc := organizations.New(store, &organizations.Options{Inviter: organizations.InviterFunc(
				func(context.Context, organizations.InvitationMessage) error { return nil })})
			org, err := setupAssigned(ctx, svc, op.name)
			require.NoError(t, err)

			host, err := db.begin(ctx)
			require.NoError(t, err)
			defer func() { _ = host.rollback(context.WithoutCancel(ctx)) }()
			_, err = svc.WithStore(host.store).AddUser(ctx, org, "newbie", organizations.RoleMember)
			require.NoError(t, err)
			var hostPID int
			require.NoError(t, host.queryRow(ctx, "SELECT pg_backend_pid()").Scan(&hostPID))

			called := make(chan error, 1)
			go func() { called <- op.call(ctx, svc.As(assignedActor), org) }()
			waitBlockedBy(t, db.queryRow, hostPID, called)

			narrowed := make(chan error, 1)
			go func() {
				_, err := svc.UpdateRole(ctx, org, organizations.RoleDefinition{Name: roleRecruiter,
					Includes: []organizations.Role{organizations.RoleMember}})
				narrowed <- err
			}()
			// The narrowing waits on a backend that itself waits on the host: the call's.
			for waiting := false; !waiting; {
				select {
				case err := <-narrowed:
					t.Fatalf("recruiter was narrowed (%v) while a call that had decided on it was still to commit", err)
				default:
				}
				require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity a, pg_stat_activity c
					WHERE $1::int = ANY (pg_blocking_pids(c.pid)) AND c.pid = ANY (pg_blocking_pids(a.pid)))`, hostPID).Scan(&waiting))
				if !waiting {
					time.Sleep(2 * time.Millisecond)
				}
			}
			require.NoError(t, host.rollback(ctx))
			require.NoError(t, <-called, "the call decided before the narrowing and adds newbie")
			require.NoError(t, <-narrowed)

			var types []string
			require.NoError(t, pool.QueryRow(ctx, `SELECT array_agg(type ORDER BY pos) FROM `+
				pgx.Identifier{store.Schema(), "organization_events"}.Sanitize()+
				` WHERE organization_id = $1 AND type IN ('user_added', 'custom_role_updated') AND pos > (
					SELECT max(pos) FROM `+pgx.Identifier{store.Schema(), "organization_events"}.Sanitize()+
				` WHERE organization_id = $1 AND type = 'invitation_created')`, org).Scan(&types))
			require.Equal(t, []string{"user_added", "custom_role_updated"}, types,
				"the feed has the addition before the narrowing that waited for it")
		})
	}
}
