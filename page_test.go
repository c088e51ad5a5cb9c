package organizations_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

var someID = uuid.MustParse("0190c5a4-7b1e-7cc0-8000-000000000001")

// badListOptions are refused with ErrInvalidListOptions by every list.
var badListOptions = map[string]organizations.ListOptions{
	"negative limit":       {Limit: -1},
	"limit most negative":  {Limit: math.MinInt},
	"cursor not base64":    {After: "not a cursor!"},
	"cursor too short":     {After: base64.RawURLEncoding.EncodeToString(make([]byte, 15))},
	"cursor too long":      {After: base64.RawURLEncoding.EncodeToString(make([]byte, 17))},
	"cursor of nil UUID":   {After: base64.RawURLEncoding.EncodeToString(uuid.Nil[:])},
	"cursor std encoding":  {After: base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\xff", 16)))},
	"cursor with padding":  {After: base64.URLEncoding.EncodeToString(someID[:])},
	"cursor invalid UTF-8": {After: "\xff\xfe"},
	"cursor as UUID text":  {After: uuid.New().String()},
}

// orgWithMembers returns a Service and an organization with n members, the owner first.
func orgWithMembers(t testing.TB, n int) (*organizations.Service, organizations.Organization, []organizations.UserID) {
	t.Helper()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, err := svc.CreateOrganization(ctx, "u00", "The Band", nil)
	require.NoError(t, err)
	users := []organizations.UserID{"u00"}
	for i := 1; i < n; i++ {
		u := organizations.UserID(fmt.Sprintf("u%02d", i))
		_, err := svc.AddUser(ctx, org.ID, u, organizations.RoleMember)
		require.NoError(t, err)
		users = append(users, u)
	}
	return svc, org, users
}

// walkMembers reads every page of the organization's members with the given limit.
func walkMembers(t *testing.T, svc *organizations.Service, org uuid.UUID, limit int) (users []organizations.UserID, pages int) {
	t.Helper()
	opts := organizations.ListOptions{Limit: limit}
	if limit == 0 {
		limit = organizations.DefaultPageSize
	}
	for {
		page, err := svc.Members(context.Background(), org, opts)
		require.NoError(t, err)
		pages++
		require.LessOrEqual(t, len(page.Items), limit)
		for _, m := range page.Items {
			users = append(users, m.UserID)
		}
		if page.Next == "" {
			return users, pages
		}
		last := page.Items[len(page.Items)-1].ID
		require.Equal(t, base64.RawURLEncoding.EncodeToString(last[:]), page.Next, "the cursor is the last item's ID")
		opts.After = page.Next
		require.Less(t, pages, 1000, "pagination does not end")
	}
}

func TestMembersPagesCoverTheListOnce(t *testing.T) {
	t.Parallel()
	svc, org, users := orgWithMembers(t, 7)
	for _, tc := range []struct{ limit, pages int }{
		{1, 7}, {2, 4}, {3, 3}, {6, 2}, {7, 1}, {8, 1}, {0, 1}, {organizations.MaxPageSize, 1},
	} {
		got, pages := walkMembers(t, svc, org.ID, tc.limit)
		require.Equal(t, users, got, "limit %d", tc.limit)
		require.Equal(t, tc.pages, pages, "limit %d", tc.limit)
	}
}

func TestZeroLimitMeansDefaultPageSize(t *testing.T) {
	t.Parallel()
	svc, org, users := orgWithMembers(t, organizations.DefaultPageSize+1)
	page, err := svc.Members(context.Background(), org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Items, organizations.DefaultPageSize)
	require.NotEmpty(t, page.Next)
	rest, err := svc.Members(context.Background(), org.ID, organizations.ListOptions{After: page.Next})
	require.NoError(t, err)
	require.Len(t, rest.Items, 1)
	require.Equal(t, users[organizations.DefaultPageSize], rest.Items[0].UserID)
	require.Empty(t, rest.Next)
}

// A Limit above MaxPageSize is clamped to MaxPageSize: a full page of MaxPageSize items
// whose Next cursor continues the list, however large the Limit (math.MaxInt included,
// which must not overflow the Service's limit+1 read-ahead).
func TestLimitAboveMaximumIsClamped(t *testing.T) {
	t.Parallel()
	svc, org, users := orgWithMembers(t, organizations.MaxPageSize+2)
	for _, limit := range []int{organizations.MaxPageSize + 1, 10 * organizations.MaxPageSize, math.MaxInt} {
		page, err := svc.Members(context.Background(), org.ID, organizations.ListOptions{Limit: limit})
		require.NoError(t, err, "limit %d", limit)
		require.Len(t, page.Items, organizations.MaxPageSize, "limit %d", limit)
		require.Equal(t, users[organizations.MaxPageSize-1], page.Items[organizations.MaxPageSize-1].UserID)
		require.NotEmpty(t, page.Next, "limit %d", limit)
		rest, err := svc.Members(context.Background(), org.ID, organizations.ListOptions{Limit: limit, After: page.Next})
		require.NoError(t, err)
		require.Equal(t, users[organizations.MaxPageSize:], userIDs(rest.Items), "limit %d", limit)
		require.Empty(t, rest.Next)
	}
}

// Keyset pagination: members removed or added while a client pages never make it repeat
// or skip a member that stayed, even when the cursor's own member is gone.
func TestMembersPaginationIsStableUnderChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, org, users := orgWithMembers(t, 6)
	first, err := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 3})
	require.NoError(t, err)
	require.Equal(t, users[:3], userIDs(first.Items))

	require.NoError(t, svc.RemoveUser(ctx, org.ID, users[2])) // the cursor's member
	require.NoError(t, svc.RemoveUser(ctx, org.ID, users[1])) // an earlier member
	_, err = svc.AddUser(ctx, org.ID, "late", organizations.RoleMember)
	require.NoError(t, err)

	second, err := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 3, After: first.Next})
	require.NoError(t, err)
	require.Equal(t, users[3:6], userIDs(second.Items))
	third, err := svc.Members(ctx, org.ID, organizations.ListOptions{Limit: 3, After: second.Next})
	require.NoError(t, err)
	require.Equal(t, []organizations.UserID{"late"}, userIDs(third.Items))
	require.Empty(t, third.Next)
}

func TestEmptyListsHaveNonNilItems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, org, _ := orgWithMembers(t, 1)
	page, err := svc.OrganizationsForUser(ctx, "nobody", organizations.ListOptions{})
	require.NoError(t, err)
	require.NotNil(t, page.Items)
	require.Empty(t, page.Items)
	require.Empty(t, page.Next)

	// A cursor past the end gives an empty last page, not an error.
	first, err := svc.Members(ctx, org.ID, organizations.ListOptions{})
	require.NoError(t, err)
	last := first.Items[len(first.Items)-1].ID
	page2, err := svc.Members(ctx, org.ID, organizations.ListOptions{After: base64.RawURLEncoding.EncodeToString(last[:])})
	require.NoError(t, err)
	require.NotNil(t, page2.Items)
	require.Empty(t, page2.Items)
	require.Empty(t, page2.Next)
}

func TestOrganizationsForUserPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	var want []string
	for i := range 5 {
		org, err := svc.CreateOrganization(ctx, "dave", fmt.Sprintf("Band %d", i), &organizations.CreateOptions{Inactive: i%2 == 1})
		require.NoError(t, err)
		want = append(want, org.Slug)
		// Somebody else's organization, where dave is a member, between dave's own.
		other, err := svc.CreateOrganization(ctx, "kurt", fmt.Sprintf("Other %d", i), nil)
		require.NoError(t, err)
		if i == 2 {
			_, err = svc.AddUser(ctx, other.ID, "dave", organizations.RoleMember)
			require.NoError(t, err)
			want = append(want, other.Slug)
		}
	}
	var got []string
	var active []bool
	opts := organizations.ListOptions{Limit: 2}
	for {
		page, err := svc.OrganizationsForUser(ctx, "dave", opts)
		require.NoError(t, err)
		for _, o := range page.Items {
			got = append(got, o.Slug)
			active = append(active, o.IsActive)
		}
		if page.Next == "" {
			break
		}
		opts.After = page.Next
	}
	require.Equal(t, want, got)
	require.Equal(t, []bool{true, false, true, true, false, true}, active)
}

// FuzzListOptions: no cursor or limit makes a list panic, and whatever is not refused
// with ErrInvalidListOptions gives a well-formed page.
func FuzzListOptions(f *testing.F) {
	id := uuid.New()
	f.Add(0, "")
	f.Add(3, base64.RawURLEncoding.EncodeToString(id[:]))
	for _, o := range badListOptions {
		f.Add(o.Limit, o.After)
	}
	svc, org, _ := orgWithMembers(f, 5)
	f.Fuzz(func(t *testing.T, limit int, after string) {
		page, err := svc.Members(context.Background(), org.ID, organizations.ListOptions{Limit: limit, After: after})
		if err != nil {
			require.ErrorIs(t, err, organizations.ErrInvalidListOptions)
			return
		}
		require.NotNil(t, page.Items)
		require.LessOrEqual(t, len(page.Items), 5)
		if limit > 0 {
			require.LessOrEqual(t, len(page.Items), limit)
		}
	})
}

func userIDs(ms []organizations.OrganizationUser) []organizations.UserID {
	out := make([]organizations.UserID, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}
