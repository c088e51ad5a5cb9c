package organizations

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// pgPolicyOf builds a Policy's statement arguments once, from its exported view, and
// drops them when the Policy is collected, so that policies made on the fly do not grow
// the cache.
func TestPgPolicyCacheFollowsThePolicy(t *testing.T) {
	count := func() (n int) {
		pgPolicies.Range(func(any, any) bool { n++; return true })
		return n
	}
	before := count()
	p := MustPolicy(RoleDefinition{Name: RoleMember, Permissions: []Permission{"docs:read"}},
		RoleDefinition{Name: RoleAdmin, Includes: []Role{RoleMember}, Permissions: LibraryPermissions()})
	pp := pgPolicyOf(p)
	require.Same(t, pp, pgPolicyOf(p), "built once")
	require.Equal(t, []string{"member", "admin"}, pp.declared)
	require.Contains(t, pp.perms, "docs:read")
	require.Len(t, pp.roles, len(pp.perms))
	require.Equal(t, before+1, count())
	runtime.KeepAlive(p)
	p = nil
	for range 100 { // cleanups run after a collection, on their own goroutine
		runtime.GC()
		if count() == before {
			break
		}
		runtime.Gosched()
	}
	require.Equal(t, before, count(), "the entry of a collected Policy is dropped")
}
