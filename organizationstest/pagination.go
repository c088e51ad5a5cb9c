package organizationstest

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func paginationTests() []test {
	return []test{
		{"OrganizationsForUserPages", testOrgsForUserPages},
		{"OrganizationsForUserKeyset", testOrgsForUserKeyset},
		{"OrganizationsForUserErrors", testOrgsForUserErrors},
		{"MembersPages", testMembersPages},
		{"MembersKeyset", testMembersKeyset},
		{"MembersErrors", testMembersErrors},
	}
}

// pages reads a whole list with pages of limit, checking each page's shape: at most limit
// items, a Next cursor on every page but the last, and ceil(n/limit) pages for n items.
func pages[T any](t *testing.T, limit int, read func(organizations.ListOptions) (organizations.Page[T], error)) []T {
	t.Helper()
	var all []T
	opts := organizations.ListOptions{Limit: limit}
	for n := 1; ; n++ {
		p, err := read(opts)
		require.NoError(t, err)
		require.NotNil(t, p.Items, "an empty page has an empty, non-nil Items")
		require.LessOrEqual(t, len(p.Items), limit)
		all = append(all, p.Items...)
		if p.Next == "" {
			want := max(1, (len(all)+limit-1)/limit)
			require.Equal(t, want, n, "%d items in pages of %d", len(all), limit)
			return all
		}
		require.Len(t, p.Items, limit, "only the last page may be short")
		require.Less(t, n, 1000, "Next never ends")
		opts.After = p.Next
	}
}

func testOrgsForUserPages(t *testing.T, h *harness) {
	var want []organizations.Organization
	want = append(want, h.createOrg("u", "Own One", nil))
	other := h.createOrg("x", "Theirs", &organizations.CreateOptions{Inactive: true})
	h.addUser(other.ID, "u", organizations.RoleMember)
	want = append(want, other)
	want = append(want, h.createOrg("u", "Own Two", &organizations.CreateOptions{Inactive: true}))
	h.createOrg("x", "Not Mine", nil)
	third := h.createOrg("y", "Admin Of", nil)
	h.addUser(third.ID, "u", organizations.RoleAdmin)
	want = append(want, third)
	want = append(want, h.createOrg("u", "Own Three", nil))
	require.True(t, slices.IsSortedFunc(ids(want, orgID), compareID), "IDs are time-ordered")

	read := func(o organizations.ListOptions) (organizations.Page[organizations.Organization], error) {
		return h.svc.OrganizationsForUser(h.ctx, "u", o)
	}
	requireSameOrgs(t, want, pages(t, organizations.DefaultPageSize, read), "ascending ID order, active and inactive")
	for limit := 1; limit <= len(want)+1; limit++ {
		requireSameOrgs(t, want, pages(t, limit, read), "pages of %d", limit)
	}
	requireSameOrgs(t, want, pages(t, organizations.MaxPageSize, read))
	for _, limit := range []int{organizations.MaxPageSize + 1, math.MaxInt} {
		p, err := read(organizations.ListOptions{Limit: limit})
		require.NoError(t, err, "a Limit above MaxPageSize is clamped, not refused")
		requireSameOrgs(t, want, p.Items, "Limit %d", limit)
		require.Empty(t, p.Next)
	}
	first, err := read(organizations.ListOptions{})
	require.NoError(t, err)
	requireSameOrgs(t, want, first.Items, "Limit 0 means the default page size")
	require.Empty(t, first.Next)

	// The store's own contract: up to limit, after the given ID.
	got, err := h.store.OrganizationsForUser(h.ctx, organizations.OrganizationsForUserParams{UserID: "u", After: want[1].ID, Limit: 2})
	require.NoError(t, err)
	requireSameOrgs(t, want[2:4], got)
	got, err = h.store.OrganizationsForUser(h.ctx, organizations.OrganizationsForUserParams{UserID: "u", After: uuid.Nil, Limit: 100})
	require.NoError(t, err)
	requireSameOrgs(t, want, got)
	got, err = h.store.OrganizationsForUser(h.ctx, organizations.OrganizationsForUserParams{UserID: "nobody", After: uuid.Nil, Limit: 100})
	require.NoError(t, err)
	require.Empty(t, got)
}

func testOrgsForUserKeyset(t *testing.T, h *harness) {
	var orgs []organizations.Organization
	for i := range 7 {
		orgs = append(orgs, h.createOrg("u", fmt.Sprintf("Org %d", i), nil))
	}
	p, err := h.svc.OrganizationsForUser(h.ctx, "u", organizations.ListOptions{Limit: 3})
	require.NoError(t, err)
	requireSameOrgs(t, orgs[:3], p.Items)

	// Between pages: the cursor's own organization and a later one go, a new one comes.
	require.NoError(t, h.svc.DeleteOrganization(h.ctx, orgs[2].ID))
	require.NoError(t, h.svc.DeleteOrganization(h.ctx, orgs[4].ID))
	added := h.createOrg("u", "Late", nil)
	h.events.take()

	rest := []organizations.Organization{}
	opts := organizations.ListOptions{Limit: 3, After: p.Next}
	for opts.After != "" {
		p, err := h.svc.OrganizationsForUser(h.ctx, "u", opts)
		require.NoError(t, err)
		rest = append(rest, p.Items...)
		opts.After = p.Next
	}
	requireSameOrgs(t, []organizations.Organization{orgs[3], orgs[5], orgs[6], added}, rest,
		"no survivor repeated or skipped")
}

func testOrgsForUserErrors(t *testing.T, h *harness) {
	h.createOrg("u", "Acme", nil)
	nilCursor := base64.RawURLEncoding.EncodeToString(make([]byte, 16))
	for _, o := range []organizations.ListOptions{
		{Limit: -1},
		{Limit: math.MinInt},
		{After: "!!"},
		{After: "not a cursor"},
		{After: base64.RawURLEncoding.EncodeToString(make([]byte, 15))},
		{After: base64.RawURLEncoding.EncodeToString(make([]byte, 17))},
		{After: nilCursor},
	} {
		_, err := h.svc.OrganizationsForUser(h.ctx, "u", o)
		require.ErrorIs(t, err, organizations.ErrInvalidListOptions, "%+v", o)
	}
	for _, user := range invalidUsers {
		_, err := h.svc.OrganizationsForUser(h.ctx, user, organizations.ListOptions{})
		require.ErrorIs(t, err, organizations.ErrInvalidUserID, "%q", user)
	}
	p, err := h.svc.OrganizationsForUser(h.ctx, "nobody", organizations.ListOptions{})
	require.NoError(t, err)
	require.NotNil(t, p.Items)
	require.Empty(t, p.Items)
	require.Empty(t, p.Next)
}

func testMembersPages(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Band", nil)
	want := []organizations.OrganizationUser{h.owner(org.ID).OrganizationUser}
	for i := range 6 {
		role := organizations.RoleMember
		if i%2 == 0 {
			role = organizations.RoleAdmin
		}
		// Names in reverse order, so that only creation order explains the result.
		want = append(want, h.addUser(org.ID, organizations.UserID(fmt.Sprintf("user-%d", 9-i)), role))
	}
	h.createOrg("other", "Elsewhere", nil)
	read := func(o organizations.ListOptions) (organizations.Page[organizations.OrganizationUser], error) {
		return h.svc.Members(h.ctx, org.ID, o)
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		requireSameMembers(t, want, pages(t, limit, read), "pages of %d: creation order, owner first", limit)
	}
	requireSameMembers(t, want, pages(t, organizations.DefaultPageSize, read))

	got, err := h.store.Members(h.ctx, organizations.MembersParams{OrganizationID: org.ID, After: want[2].ID, Limit: 3})
	require.NoError(t, err)
	requireSameMembers(t, want[3:6], got)
	got, err = h.store.Members(h.ctx, organizations.MembersParams{OrganizationID: org.ID, After: want[len(want)-1].ID, Limit: 3})
	require.NoError(t, err)
	require.Empty(t, got)
}

func testMembersKeyset(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Band", nil)
	all := []organizations.OrganizationUser{h.owner(org.ID).OrganizationUser}
	for i := range 8 {
		all = append(all, h.addUser(org.ID, organizations.UserID(fmt.Sprintf("m%d", i)), organizations.RoleMember))
	}
	p, err := h.svc.Members(h.ctx, org.ID, organizations.ListOptions{Limit: 3})
	require.NoError(t, err)
	requireSameMembers(t, all[:3], p.Items)

	// Mid-iteration: remove the cursor's member, one already seen and one not yet seen,
	// and add one.
	for _, m := range []organizations.OrganizationUser{all[2], all[1], all[5]} {
		require.NoError(t, h.svc.RemoveUser(h.ctx, org.ID, m.UserID))
	}
	late := h.addUser(org.ID, "late", organizations.RoleMember)
	h.events.take()

	var rest []organizations.OrganizationUser
	opts := organizations.ListOptions{Limit: 3, After: p.Next}
	for opts.After != "" {
		p, err := h.svc.Members(h.ctx, org.ID, opts)
		require.NoError(t, err)
		rest = append(rest, p.Items...)
		opts.After = p.Next
	}
	want := []organizations.OrganizationUser{all[3], all[4], all[6], all[7], all[8], late}
	requireSameMembers(t, want, rest, "no survivor repeated or skipped")
}

func testMembersErrors(t *testing.T, h *harness) {
	org := h.createOrg("owner", "Band", nil)
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err := h.svc.Members(h.ctx, id, organizations.ListOptions{})
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	_, err := h.store.Members(h.ctx, organizations.MembersParams{OrganizationID: h.id(), After: uuid.Nil, Limit: 10})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	for _, o := range []organizations.ListOptions{
		{Limit: -5}, {Limit: math.MinInt}, {After: "%%%"}, {After: "AAAA"},
	} {
		_, err := h.svc.Members(h.ctx, org.ID, o)
		require.ErrorIs(t, err, organizations.ErrInvalidListOptions, "%+v", o)
	}
}
