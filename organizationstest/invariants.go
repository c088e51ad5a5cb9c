package organizationstest

import (
	"bytes"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

// requireInvariants checks, through the public API only, the invariants that must hold
// after any mix of concurrent calls, for the organizations orgIDs (deleted ones allowed:
// then nothing of them may be readable) and the users users:
//
//   - every organization has exactly one owner, who is an admin member of it;
//   - a user is a member of an organization at most once, and the membership read
//     directly matches the one listed;
//   - slugs are unique, and each finds its organization;
//   - each user's organization list has no duplicates, is in ascending ID order, and
//     lists exactly the live organizations the user is a member of.
func (h *harness) requireInvariants(orgIDs []uuid.UUID, users []organizations.UserID) {
	h.t.Helper()
	t, ctx := h.t, h.ctx
	slugs := map[string]uuid.UUID{}
	memberOf := map[organizations.UserID][]uuid.UUID{}
	for _, id := range orgIDs {
		org, err := h.svc.Organization(ctx, id)
		if errors.Is(err, organizations.ErrOrganizationNotFound) {
			h.requireOrgGone(id)
			continue
		}
		require.NoError(t, err)

		prev, dup := slugs[org.Slug]
		require.False(t, dup, "slug %q used by %s and %s", org.Slug, prev, id)
		slugs[org.Slug] = id
		bySlug, err := h.svc.OrganizationBySlug(ctx, org.Slug)
		require.NoError(t, err)
		require.Equal(t, id, bySlug.ID, "slug %q finds another organization", org.Slug)

		owner := h.owner(id)
		require.Equal(t, id, owner.OrganizationID)
		require.Equal(t, id, owner.OrganizationUser.OrganizationID)
		require.Equal(t, organizations.RoleAdmin, owner.OrganizationUser.Role, "owner of %s is not an admin", id)
		requireSameMember(t, owner.OrganizationUser, h.member(id, owner.OrganizationUser.UserID), "owner's membership")

		members := h.members(id, 7)
		seenUsers := map[organizations.UserID]bool{}
		seenIDs := map[uuid.UUID]bool{}
		owners := 0
		for _, m := range members {
			require.Equal(t, id, m.OrganizationID)
			require.True(t, m.Role.Valid(), "role %q", m.Role)
			require.False(t, seenUsers[m.UserID], "user %q is a member of %s twice", m.UserID, id)
			require.False(t, seenIDs[m.ID], "membership %s listed twice", m.ID)
			seenUsers[m.UserID], seenIDs[m.ID] = true, true
			requireSameMember(t, m, h.member(id, m.UserID), "membership read directly")
			if m.UserID == owner.OrganizationUser.UserID {
				owners++
			}
			if m.Status() == organizations.MemberStatusActive { // OrganizationsForUser leaves out the others
				memberOf[m.UserID] = append(memberOf[m.UserID], id)
			}
		}
		require.Equal(t, 1, owners, "owner of %s listed %d times among its members", id, owners)
		require.True(t, slices.IsSortedFunc(ids(members, memberID), compareID), "members of %s out of order", id)
	}
	for _, u := range users {
		listed := ids(h.orgsFor(u, 5), orgID)
		require.True(t, slices.IsSortedFunc(listed, compareID), "organizations of %q out of order", u)
		require.Len(t, slices.CompactFunc(slices.Clone(listed), func(a, b uuid.UUID) bool { return a == b }), len(listed),
			"organizations of %q listed twice", u)
		// Only the organizations under check are known here; the user may have others.
		var listedChecked []uuid.UUID
		for _, id := range listed {
			if slices.Contains(orgIDs, id) {
				listedChecked = append(listedChecked, id)
			}
		}
		memberships := slices.Clone(memberOf[u])
		slices.SortFunc(memberships, compareID)
		require.Equal(t, memberships, listedChecked, "organizations listed for %q differ from their memberships", u)
	}
}

func compareID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
