package organizations_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/organizationstest"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// spyStore counts the writes that reach the store, to prove that the Service rejects bad
// input before asking the store anything.
type spyStore struct {
	organizations.Store
	writes atomic.Int64
}

func (s *spyStore) CreateOrganization(ctx context.Context, p organizations.CreateOrganizationParams) (organizations.Organization, error) {
	s.writes.Add(1)
	return s.Store.CreateOrganization(ctx, p)
}

func (s *spyStore) UpdateOrganization(ctx context.Context, p organizations.UpdateOrganizationParams) (organizations.Organization, bool, error) {
	s.writes.Add(1)
	return s.Store.UpdateOrganization(ctx, p)
}

func (s *spyStore) DeleteOrganization(ctx context.Context, p organizations.DeleteOrganizationParams) (organizations.Organization, error) {
	s.writes.Add(1)
	return s.Store.DeleteOrganization(ctx, p)
}

func (s *spyStore) AddUser(ctx context.Context, p organizations.AddUserParams) error {
	s.writes.Add(1)
	return s.Store.AddUser(ctx, p)
}

func (s *spyStore) GetOrAddUser(ctx context.Context, p organizations.AddUserParams) (organizations.OrganizationUser, bool, error) {
	s.writes.Add(1)
	return s.Store.GetOrAddUser(ctx, p)
}

func (s *spyStore) RemoveUser(ctx context.Context, p organizations.RemoveUserParams) (organizations.OrganizationUser, error) {
	s.writes.Add(1)
	return s.Store.RemoveUser(ctx, p)
}

func (s *spyStore) CreateRole(ctx context.Context, p organizations.CreateRoleParams) (organizations.CustomRole, error) {
	s.writes.Add(1)
	return s.Store.CreateRole(ctx, p)
}

func (s *spyStore) UpdateRole(ctx context.Context, p organizations.UpdateRoleParams) (organizations.CustomRole, organizations.CustomRole, error) {
	s.writes.Add(1)
	return s.Store.UpdateRole(ctx, p)
}

func (s *spyStore) DeleteRole(ctx context.Context, p organizations.DeleteRoleParams) (organizations.CustomRole, error) {
	s.writes.Add(1)
	return s.Store.DeleteRole(ctx, p)
}

func (s *spyStore) SetRole(ctx context.Context, p organizations.SetRoleParams) (organizations.OrganizationUser, organizations.OrganizationUser, error) {
	s.writes.Add(1)
	return s.Store.SetRole(ctx, p)
}

func (s *spyStore) ChangeOwner(ctx context.Context, p organizations.ChangeOwnerParams) (organizations.OwnerChange, error) {
	s.writes.Add(1)
	return s.Store.ChangeOwner(ctx, p)
}

// fixture is a Service on a spied memory store holding two organizations:
// Soundgarden (owner chris, kim a member, matt an admin) and Audioslave (owner tom).
type fixture struct {
	t     *testing.T
	ctx   context.Context
	svc   *organizations.Service
	store *spyStore
	rec   *organizationstest.Recorder
	org   organizations.Organization
	other organizations.Organization
}

// knownUsers are the users a snapshot looks at: the fixture's, and one in no organization.
var knownUsers = []organizations.UserID{"chris", "kim", "matt", "tom", "nobody"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: &spyStore{Store: organizations.NewMemoryStore()}, rec: &organizationstest.Recorder{}}
	f.svc = organizations.New(f.store, &organizations.Options{Events: f.rec.Record})
	var err error
	f.org, err = f.svc.CreateOrganization(f.ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	_, err = f.svc.AddUser(f.ctx, f.org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	_, err = f.svc.AddUser(f.ctx, f.org.ID, "matt", organizations.RoleAdmin)
	require.NoError(t, err)
	f.other, err = f.svc.CreateOrganization(f.ctx, "tom", "Audioslave", nil)
	require.NoError(t, err)
	f.rec.Take()
	f.store.writes.Store(0)
	return f
}

// snapshot is everything the Service can tell about the fixture's organizations and users.
type snapshot struct {
	Orgs    []organizations.Organization
	Owners  []organizations.OrganizationOwner
	Members [][]organizations.OrganizationUser
	ByUser  map[organizations.UserID][]organizations.Organization
}

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	s := snapshot{ByUser: map[organizations.UserID][]organizations.Organization{}}
	for _, org := range []organizations.Organization{f.org, f.other} {
		got, err := f.svc.Organization(f.ctx, org.ID)
		require.NoError(f.t, err)
		bySlug, err := f.svc.OrganizationBySlug(f.ctx, got.Slug)
		require.NoError(f.t, err)
		require.Equal(f.t, got, bySlug)
		owner, err := f.svc.Owner(f.ctx, org.ID)
		require.NoError(f.t, err)
		members, err := f.svc.Members(f.ctx, org.ID, organizations.ListOptions{Limit: organizations.MaxPageSize})
		require.NoError(f.t, err)
		s.Orgs = append(s.Orgs, got)
		s.Owners = append(s.Owners, owner)
		s.Members = append(s.Members, members.Items)
	}
	for _, u := range knownUsers {
		page, err := f.svc.OrganizationsForUser(f.ctx, u, organizations.ListOptions{Limit: organizations.MaxPageSize})
		require.NoError(f.t, err)
		s.ByUser[u] = page.Items
	}
	return s
}

// requireUnchanged runs call and checks that it failed with want, changed nothing and
// emitted nothing. If rejectedEarly, the store must not even have been asked to write.
func (f *fixture) requireUnchanged(want error, rejectedEarly bool, call func() error) {
	f.t.Helper()
	before := f.snapshot()
	writes := f.store.writes.Load()
	err := call()
	require.ErrorIs(f.t, err, want)
	require.Equal(f.t, before, f.snapshot(), "state changed")
	require.Empty(f.t, f.rec.Take(), "events emitted")
	if rejectedEarly {
		require.Equal(f.t, writes, f.store.writes.Load(), "bad input reached the store")
	}
}

func TestNewNilNilUsesMemoryStoreAndDefaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	require.IsType(t, &organizations.MemoryStore{}, svc.Store())

	before := time.Now()
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	after := time.Now()
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), org.ID.Version(), "default IDs are UUIDv7")
	require.Equal(t, time.UTC, org.CreatedAt.Location())
	require.Zero(t, org.CreatedAt.Nanosecond()%1000, "times are truncated to the microsecond")
	require.False(t, org.CreatedAt.Before(organizations.Timestamp(before)))
	require.False(t, org.CreatedAt.After(after))
	require.Equal(t, org.CreatedAt, org.UpdatedAt)

	m, err := svc.OrganizationUser(ctx, org.ID, "chris")
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), m.ID.Version())
	require.NotEqual(t, org.ID, m.ID)

	// UUIDv7 IDs sort by creation: later organizations list after earlier ones.
	next, err := svc.CreateOrganization(ctx, "chris", "Audioslave", nil)
	require.NoError(t, err)
	require.Less(t, org.ID.String(), next.ID.String())

	// No Events handler: changes still happen.
	_, err = svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	ok, err := svc.IsMember(ctx, org.ID, "kim")
	require.NoError(t, err)
	require.True(t, ok)
}

func TestNewZeroOptionsAreDefaults(t *testing.T) {
	t.Parallel()
	svc := organizations.New(nil, &organizations.Options{})
	org, err := svc.CreateOrganization(context.Background(), "chris", "Soundgarden", nil)
	require.NoError(t, err)
	require.Equal(t, uuid.Version(7), org.ID.Version())
	require.Equal(t, time.UTC, org.CreatedAt.Location())
}

func TestNewKeepsTheGivenStore(t *testing.T) {
	t.Parallel()
	store := organizations.NewMemoryStore()
	svc := organizations.New(store, nil)
	require.Same(t, store, svc.Store())
	org, err := svc.CreateOrganization(context.Background(), "chris", "Soundgarden", nil)
	require.NoError(t, err)
	got, err := store.Organization(context.Background(), org.ID)
	require.NoError(t, err)
	require.Equal(t, org, got)
}

func TestOptionsNowAndNewIDAreUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zone := time.FixedZone("UTC+2", 2*60*60)
	clock := time.Date(2026, 3, 1, 12, 30, 45, 123456789, zone)
	var ids []uuid.UUID
	svc := organizations.New(nil, &organizations.Options{
		Now: func() time.Time { return clock },
		NewID: func() uuid.UUID {
			id := uuid.UUID{15: byte(len(ids) + 1)}
			ids = append(ids, id)
			return id
		},
	})
	want := time.Date(2026, 3, 1, 10, 30, 45, 123456000, time.UTC)

	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	require.Len(t, ids, 2, "one ID for the organization, one for the owner's membership")
	require.Equal(t, ids[0], org.ID)
	require.Equal(t, want, org.CreatedAt)
	require.Equal(t, want, org.UpdatedAt)
	owner, err := svc.Owner(ctx, org.ID)
	require.NoError(t, err)
	require.Equal(t, ids[1], owner.OrganizationUser.ID)
	require.Equal(t, want, owner.OrganizationUser.CreatedAt)
	require.Equal(t, want, owner.Since)

	clock = clock.Add(time.Hour)
	m, err := svc.AddUser(ctx, org.ID, "kim", organizations.RoleMember)
	require.NoError(t, err)
	require.Equal(t, ids[2], m.ID)
	require.Equal(t, want.Add(time.Hour), m.CreatedAt)

	clock = clock.Add(time.Hour)
	m, err = svc.SetRole(ctx, org.ID, "kim", organizations.RoleAdmin)
	require.NoError(t, err)
	require.Equal(t, want.Add(time.Hour), m.CreatedAt)
	require.Equal(t, want.Add(2*time.Hour), m.UpdatedAt)
}

func TestOptionsAreCopiedByNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &organizationstest.Recorder{}
	opts := &organizations.Options{}
	svc := organizations.New(nil, opts)
	opts.Events = rec.Record // too late: New took a copy
	_, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)
	require.Empty(t, rec.Take())
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	zone := time.FixedZone("UTC-5", -5*60*60)
	for _, tc := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"UTC, whole microseconds", time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)},
		{"nanoseconds truncated, not rounded", time.Date(2026, 1, 2, 3, 4, 5, 6999, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)},
		{"below a microsecond", time.Date(2026, 1, 2, 3, 4, 5, 999, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"other zone converted to UTC", time.Date(2026, 1, 2, 22, 0, 0, 1500, zone), time.Date(2026, 1, 3, 3, 0, 0, 1000, time.UTC)},
		{"local zone", time.Date(2026, 6, 1, 0, 0, 0, 0, time.Local), time.Date(2026, 6, 1, 0, 0, 0, 0, time.Local).UTC()},
		{"zero time", time.Time{}, time.Time{}.UTC()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := organizations.Timestamp(tc.in)
			require.Equal(t, tc.want, got)
			require.Equal(t, time.UTC, got.Location())
			require.True(t, got.Equal(organizations.Timestamp(got)), "idempotent")
		})
	}
	// The monotonic reading is dropped, so that stored times compare with ==.
	now := time.Now()
	require.Equal(t, organizations.Timestamp(now), organizations.Timestamp(now.Round(0)))
}
