package organizations_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// hostTxKind is a way a host runs the library in its own transaction: a pgx.Tx in each
// exec mode, or a database/sql Tx.
type hostTxKind struct {
	name string
	// open returns a store in a fresh schema, and begin a transaction on it: the
	// store joined to it (WithTx, WithSQLTx), and its commit.
	open func(t *testing.T) (store *organizations.PostgresStore, begin func() (*organizations.PostgresStore, func() error))
}

func hostTxKinds() []hostTxKind {
	var kinds []hostTxKind
	for _, m := range execModes {
		kinds = append(kinds, hostTxKind{"pgx/" + m.name, func(t *testing.T) (*organizations.PostgresStore, func() (*organizations.PostgresStore, func() error)) {
			store, pool := newPostgresStore(t, m.mode)
			return store, func() (*organizations.PostgresStore, func() error) {
				tx, err := pool.Begin(t.Context())
				require.NoError(t, err)
				t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
				return store.WithTx(tx), func() error { return tx.Commit(t.Context()) }
			}
		}})
	}
	kinds = append(kinds, hostTxKind{"database/sql", func(t *testing.T) (*organizations.PostgresStore, func() (*organizations.PostgresStore, func() error)) {
		db := openSQL(t, "")
		store := newSQLStore(t, db)
		return store, func() (*organizations.PostgresStore, func() error) {
			tx, err := db.BeginTx(t.Context(), nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = tx.Rollback() })
			return store.WithSQLTx(tx), tx.Commit
		}
	}})
	return kinds
}

// roleChanges returns the role_changed records of user among recs, in their order.
func roleChanges(t *testing.T, recs []organizations.EventRecord, user organizations.UserID) []organizations.RoleChanged {
	t.Helper()
	var out []organizations.RoleChanged
	for _, r := range recs {
		if r.Type != "role_changed" || r.Subject != user {
			continue
		}
		e, err := r.Event()
		require.NoError(t, err)
		out = append(out, e.(organizations.RoleChanged))
	}
	return out
}

// A host transaction A writes first (an unrelated AddUser), B then promotes m and
// commits, and A demotes m and commits last. The feed gives B's promotion before A's
// demotion, the order they took effect, so that a consumer replaying it ends where the
// database is: m a member. (Ordered by the writing transaction's ID, the feed gave A's
// demotion first: its transaction had an ID first.)
func TestPostgresFeedKeepsEachOrganizationsOrderAcrossHostTransactions(t *testing.T) {
	t.Parallel()
	for _, k := range hostTxKinds() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			store, begin := k.open(t)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			q, err := svc.CreateOrganization(ctx, "ann", "Q", nil)
			require.NoError(t, err)
			x, err := svc.CreateOrganization(ctx, "ann", "X", nil)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, x.ID, "m", organizations.RoleMember)
			require.NoError(t, err)

			inA, commitA := begin()
			a := svc.WithStore(inA)
			_, err = a.AddUser(ctx, q.ID, "z", organizations.RoleMember)
			require.NoError(t, err)
			_, err = svc.SetRole(ctx, x.ID, "m", organizations.RoleAdmin) // B: committed at once
			require.NoError(t, err)
			_, err = a.SetRole(ctx, x.ID, "m", organizations.RoleMember)
			require.NoError(t, err)
			require.NoError(t, commitA())

			recs := feedOf(t, svc, 6)
			require.Len(t, recs, 6)
			changes := roleChanges(t, recs, "m")
			require.Len(t, changes, 2)
			require.Equal(t, []organizations.Role{organizations.RoleMember, organizations.RoleAdmin}, []organizations.Role{changes[0].Old.Role, changes[0].New.Role},
				"B's promotion first: it took effect first")
			require.Equal(t, []organizations.Role{organizations.RoleAdmin, organizations.RoleMember}, []organizations.Role{changes[1].Old.Role, changes[1].New.Role})
			got, err := svc.OrganizationUser(ctx, x.ID, "m")
			require.NoError(t, err)
			require.Equal(t, changes[1].New.Role, got.Role, "replaying the feed reaches the member's role")
		})
	}
}

// The audit log is in the feed's order, newest first, not in the order the statements
// started: a host transaction A removes r first and commits last; B demotes d in between
// and commits first. The log shows A's removal as the newest, B's demotion before it,
// as the feed does. (Ordered by statement start time, it showed the demotion as newest.)
func TestPostgresAuditLogInFeedOrder(t *testing.T) {
	t.Parallel()
	for _, k := range hostTxKinds() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			store, begin := k.open(t)
			ctx := t.Context()
			svc := organizations.New(store, nil)
			x, err := svc.CreateOrganization(ctx, "ann", "X", nil)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, x.ID, "r", organizations.RoleMember)
			require.NoError(t, err)
			_, err = svc.AddUser(ctx, x.ID, "d", organizations.RoleAdmin)
			require.NoError(t, err)

			inA, commitA := begin()
			require.NoError(t, svc.WithStore(inA).RemoveUser(ctx, x.ID, "r")) // A starts first
			_, err = svc.SetRole(ctx, x.ID, "d", organizations.RoleMember)    // B commits first
			require.NoError(t, err)
			require.NoError(t, commitA())

			// Commit order, newest first: A's removal, B's demotion, then the setup's.
			newest := []string{"user_removed", "role_changed", "user_added", "user_added", "organization_created"}
			recs := feedOf(t, svc, 5)
			require.Len(t, recs, 5)
			for _, q := range []organizations.AuditQuery{{}, {OrganizationID: x.ID}, {Types: []string{"role_changed", "user_removed"}}} {
				var got []organizations.EventRecord
				opts := organizations.ListOptions{Limit: 1}
				for range 10 {
					p, err := svc.AuditLog(ctx, q, opts)
					require.NoError(t, err)
					got = append(got, p.Items...)
					if p.Next == "" {
						break
					}
					opts.After = p.Next
				}
				want := slices.Clone(newest)
				if len(q.Types) > 0 {
					want = want[:2]
				}
				require.Equal(t, want, recordTypes(got), "%+v: A's removal is the newest: it committed last", q)
				feedNewest := slices.Clone(recs)
				slices.Reverse(feedNewest)
				feedNewest = slices.DeleteFunc(feedNewest, func(r organizations.EventRecord) bool {
					return len(q.Types) > 0 && r.Type != "role_changed" && r.Type != "user_removed"
				})
				require.Equal(t, ids(feedNewest), ids(got), "%+v: the feed's order, newest first", q)
			}
		})
	}
}

func ids(recs []organizations.EventRecord) []uuid.UUID {
	out := make([]uuid.UUID, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}
