package organizationstest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// memberListStore is the optional organizations.MemberListStore.
var memberListStore = optionalOf[organizations.MemberListStore]()

func memberListTests() []test {
	return []test{
		{"Filters", testListMembersFilters},
		{"Errors", testListMembersErrors},
	}
}

// listMembers follows every page of ListMembers with filter f and pages of limit.
func (h *harness) listMembers(org uuid.UUID, f organizations.MemberFilter, limit int) []organizations.Member {
	h.t.Helper()
	return allPages(h.t, "ListMembers", limit, func(opts organizations.ListOptions) (organizations.Page[organizations.Member], error) {
		return h.svc.ListMembers(h.ctx, org, f, opts)
	})
}

func memberUsers(ms []organizations.Member) []organizations.UserID {
	out := []organizations.UserID{}
	for _, m := range ms {
		out = append(out, m.UserID)
	}
	return out
}

func testListMembersFilters(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	for _, u := range []organizations.UserID{"a1", "m1", "a2", "m2", "m3"} {
		role := organizations.RoleMember
		if u[0] == 'a' {
			role = organizations.RoleAdmin
		}
		h.addUser(org.ID, u, role)
	}
	suspensions := false
	if _, ok := h.store.(organizations.SuspensionStore); ok {
		suspensions = true
		for _, u := range []organizations.UserID{"a2", "m3"} {
			_, err := h.svc.SuspendUser(h.ctx, org.ID, u)
			require.NoError(t, err)
		}
	}
	all := h.listMembers(org.ID, organizations.MemberFilter{}, 2)
	require.Equal(t, []organizations.UserID{"owner", "a1", "m1", "a2", "m2", "m3"}, memberUsers(all), "creation order, across pages")
	for i, m := range all {
		require.Equal(t, i == 0, m.IsOwner, m.UserID)
		requireSameMember(t, h.member(org.ID, m.UserID), m.OrganizationUser)
	}
	require.Equal(t, []organizations.UserID{"owner", "a1", "a2"},
		memberUsers(h.listMembers(org.ID, organizations.MemberFilter{Role: organizations.RoleAdmin}, 1)))
	require.Equal(t, []organizations.UserID{"m1", "m2", "m3"},
		memberUsers(h.listMembers(org.ID, organizations.MemberFilter{Role: organizations.RoleMember}, 0)))
	require.Empty(t, h.listMembers(org.ID, organizations.MemberFilter{Role: "nobody"}, 0))
	if suspensions {
		require.Equal(t, []organizations.UserID{"a2", "m3"},
			memberUsers(h.listMembers(org.ID, organizations.MemberFilter{Status: organizations.MemberStatusSuspended}, 1)))
		require.Equal(t, []organizations.UserID{"owner", "a1", "m1", "m2"},
			memberUsers(h.listMembers(org.ID, organizations.MemberFilter{Status: organizations.MemberStatusActive}, 3)))
		require.Equal(t, []organizations.UserID{"a2"},
			memberUsers(h.listMembers(org.ID, organizations.MemberFilter{Role: organizations.RoleAdmin, Status: organizations.MemberStatusSuspended}, 0)))
	}
	n, err := h.svc.MemberCount(h.ctx, org.ID)
	if _, ok := h.store.(organizations.SeatStore); ok {
		require.NoError(t, err)
		want := 6
		if suspensions {
			want = 4
		}
		require.Equal(t, want, n, "MemberCount counts the active members")
	}
}

func testListMembersErrors(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Team", nil)
	_, err := h.svc.ListMembers(h.ctx, uuid.New(), organizations.MemberFilter{}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	_, err = h.svc.ListMembers(h.ctx, org.ID, organizations.MemberFilter{Role: "Not A Role"}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrInvalidRole)
	_, err = h.svc.ListMembers(h.ctx, org.ID, organizations.MemberFilter{Status: "gone"}, organizations.ListOptions{})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
	_, err = h.svc.ListMembers(h.ctx, org.ID, organizations.MemberFilter{}, organizations.ListOptions{Limit: -1})
	require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
}
