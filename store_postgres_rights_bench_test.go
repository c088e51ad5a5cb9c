package organizations_test

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// BenchmarkPostgresActorChecked measures actor-checked writes by a non-owner actor, with
// a declared role (admin) and with a custom role, whose definition the write function
// locks: AddUser, SetRole (back and forth between two roles) and UpdateOrganization
// (the name, alternating). Calls are sequential, and all run in one transaction, rolled
// back at the end, so that ns/op is the latency of one call without a commit's WAL
// flush, which on a small shared machine varies by more than the calls differ.
//
//	go test -run='^$' -bench=PostgresActorChecked -count=5 .
func BenchmarkPostgresActorChecked(b *testing.B) {
	pgStore, pool := newPostgresStore(b, pgx.QueryExecModeCacheStatement)
	ctx := b.Context()
	tx, err := pool.Begin(ctx)
	require.NoError(b, err)
	defer func() { _ = tx.Rollback(ctx) }()
	svc := organizations.New(pgStore.WithTx(tx), nil)
	org, err := svc.CreateOrganization(ctx, "owner", "Bench Actor", nil)
	require.NoError(b, err)
	_, err = svc.CreateRole(ctx, org.ID, organizations.RoleDefinition{Name: "boss",
		Includes: []organizations.Role{organizations.RoleMember}, Permissions: organizations.LibraryPermissions()})
	require.NoError(b, err)
	for _, a := range []struct {
		user organizations.UserID
		role organizations.Role
	}{{"adm", organizations.RoleAdmin}, {"cus", "boss"}} {
		_, err = svc.AddUser(ctx, org.ID, a.user, a.role)
		require.NoError(b, err)
		target := organizations.UserID("target-" + string(a.user))
		_, err = svc.AddUser(ctx, org.ID, target, organizations.RoleMember)
		require.NoError(b, err)
		name := map[organizations.Role]string{organizations.RoleAdmin: "Declared", "boss": "Custom"}[a.role]
		actor := svc.As(a.user)
		added := 0
		b.Run(name+"/AddUser", func(b *testing.B) {
			for range b.N {
				added++
				if _, err := actor.AddUser(ctx, org.ID, organizations.UserID(fmt.Sprintf("%s-%d", a.user, added)), organizations.RoleMember); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/SetRole", func(b *testing.B) {
			roles := []organizations.Role{organizations.RoleAdmin, organizations.RoleMember}
			for i := range b.N {
				if _, err := actor.SetRole(ctx, org.ID, target, roles[i%2]); err != nil {
					b.Fatal(err)
				}
			}
			_, err := svc.SetRole(ctx, org.ID, target, organizations.RoleMember)
			require.NoError(b, err)
		})
		b.Run(name+"/UpdateOrganization", func(b *testing.B) {
			for i := range b.N {
				n := fmt.Sprintf("Bench %s %d", a.user, i%2)
				if _, err := actor.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
