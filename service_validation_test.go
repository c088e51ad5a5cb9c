package organizations_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-organizations/organizations"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Bad inputs, by kind. Each must be refused with its sentinel by every call taking it.
var (
	badUserIDs = map[string]organizations.UserID{
		"empty":         "",
		"invalid UTF-8": "chr\xffis",
		"over-long":     organizations.UserID(strings.Repeat("u", organizations.MaxUserIDLength+1)),
		"NUL":           "chr\x00is",
		"newline":       "chris\n",
		"DEL":           "chr\x7fis",
		"C1 control":    "chr\u0085is",
	}
	badNames = map[string]string{
		"empty":              "",
		"blank":              " \t\n ",
		"over-long":          strings.Repeat("é", organizations.MaxNameLength+1),
		"invalid UTF-8":      "Sound\xffgarden",
		"NUL":                "Sound\x00garden",
		"inner tab":          "Sound\tgarden",
		"inner newline":      "Sound\ngarden",
		"DEL":                "Sound\x7fgarden",
		"C1 control":         "Sound\u0085garden",
		"truncated sequence": "Soundgarden\xe2\x82",
	}
	badSlugs = map[string]string{
		"space":         "bad slug",
		"upper case":    "Soundgarden",
		"leading dash":  "-soundgarden",
		"trailing dash": "soundgarden-",
		"double dash":   "sound--garden",
		"underscore":    "sound_garden",
		"non-ASCII":     "söundgarden",
		"slash":         "sound/garden",
		"UUID-shaped":   "0190c5a4-7b1e-7cc0-8000-000000000001",
		"over-long":     strings.Repeat("s", organizations.MaxSlugLength+1),
		"invalid UTF-8": "sound\xffgarden",
	}
	badJSON = map[string]json.RawMessage{
		"truncated":      json.RawMessage(`{"a":`),
		"array":          json.RawMessage(`[]`),
		"null":           json.RawMessage(`null`),
		"number":         json.RawMessage(`1`),
		"string":         json.RawMessage(`"x"`),
		"two values":     json.RawMessage(`{} {}`),
		"trailing comma": json.RawMessage(`{"a":1,}`),
		"invalid UTF-8":  json.RawMessage("{\"a\":\"\xff\"}"),
		"over-long":      json.RawMessage(`{"a":"` + strings.Repeat("x", organizations.MaxJSONLength) + `"}`),
	}
	badRoles = map[string]organizations.Role{
		"empty":         "",
		"owner":         "owner",
		"capitalised":   "Admin",
		"padded":        " admin",
		"NUL":           "member\x00",
		"invalid UTF-8": "\xff",
	}
)

// validationCase is one refused call. rejectedEarly means the Service must refuse it
// without asking the store to write.
type validationCase struct {
	name          string
	want          error
	rejectedEarly bool
	call          func(f *fixture) error
}

func runValidationCases(t *testing.T, cases []validationCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.requireUnchanged(c.want, c.rejectedEarly, func() error { return c.call(f) })
		})
	}
}

func TestCreateOrganizationRejectsBadInput(t *testing.T) {
	t.Parallel()
	var cases []validationCase
	create := func(owner organizations.UserID, name string, opts *organizations.CreateOptions) func(f *fixture) error {
		return func(f *fixture) error {
			org, err := f.svc.CreateOrganization(f.ctx, owner, name, opts)
			require.Zero(f.t, org, "a refused call returns the zero Organization")
			return err
		}
	}
	for kind, u := range badUserIDs {
		cases = append(cases, validationCase{"owner " + kind, organizations.ErrInvalidUserID, true, create(u, "Pearl Jam", nil)})
	}
	for kind, n := range badNames {
		cases = append(cases, validationCase{"name " + kind, organizations.ErrInvalidName, true, create("kim", n, nil)})
	}
	for kind, s := range badSlugs {
		cases = append(cases, validationCase{"slug " + kind, organizations.ErrInvalidSlug, true, create("kim", "Pearl Jam", &organizations.CreateOptions{Slug: s})})
	}
	for kind, j := range badJSON {
		cases = append(cases,
			validationCase{"data " + kind, organizations.ErrInvalidJSON, true, create("kim", "Pearl Jam", &organizations.CreateOptions{Data: j})},
			validationCase{"settings " + kind, organizations.ErrInvalidJSON, true, create("kim", "Pearl Jam", &organizations.CreateOptions{Settings: j})})
	}
	cases = append(cases,
		validationCase{"explicit slug taken", organizations.ErrSlugTaken, false, create("kim", "Pearl Jam", &organizations.CreateOptions{Slug: "soundgarden"})},
		// Validation order: owner, name, slug, data, settings.
		validationCase{"owner before name", organizations.ErrInvalidUserID, true, create("", "", nil)},
		validationCase{"name before slug", organizations.ErrInvalidName, true, create("kim", "", &organizations.CreateOptions{Slug: "-"})},
		validationCase{"slug before JSON", organizations.ErrInvalidSlug, true, create("kim", "Pearl Jam", &organizations.CreateOptions{Slug: "-", Data: json.RawMessage("[")})},
	)
	runValidationCases(t, cases)
}

func TestCreateOrganizationAcceptsEdgeInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	for _, tc := range []struct {
		name, owner, in, wantName, wantSlug string
	}{
		{"trimmed", "chris", "  \tSoundgarden\n ", "Soundgarden", "soundgarden"},
		{"longest name, multi-byte", "chris", strings.Repeat("é", organizations.MaxNameLength), strings.Repeat("é", organizations.MaxNameLength), strings.Repeat("e", organizations.MaxNameLength)},
		{"zero-width space is not a control character", "chris", "Sound\u200bgarden", "Sound\u200bgarden", "sound-garden"},
		{"longest user ID", strings.Repeat("u", organizations.MaxUserIDLength), "Pearl Jam", "Pearl Jam", "pearl-jam"},
		{"non-ASCII user ID", "zoë", "Hole", "Hole", "hole"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org, err := svc.CreateOrganization(ctx, organizations.UserID(tc.owner), tc.in, nil)
			require.NoError(t, err)
			require.Equal(t, tc.wantName, org.Name)
			require.Equal(t, tc.wantSlug, org.Slug)
			owns, err := svc.IsOwner(ctx, org.ID, organizations.UserID(tc.owner))
			require.NoError(t, err)
			require.True(t, owns)
		})
	}
}

func TestCreateOrganizationCopiesJSON(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	data := json.RawMessage(`{"plan":"pro"}`)
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", &organizations.CreateOptions{Data: data, Settings: json.RawMessage(` {"tz":"UTC"} `)})
	require.NoError(t, err)
	copy(data, `{"plan":"xxx"}`) // the caller reuses its buffer
	got, err := svc.Organization(ctx, org.ID)
	require.NoError(t, err)
	require.JSONEq(t, `{"plan":"pro"}`, string(got.Data))
	require.JSONEq(t, `{"tz":"UTC"}`, string(got.Settings))
	got.Data[2] = 'X' // and scribbles on what it was given
	again, err := svc.Organization(ctx, org.ID)
	require.NoError(t, err)
	require.JSONEq(t, `{"plan":"pro"}`, string(again.Data))
}

func TestUpdateOrganizationRejectsBadInput(t *testing.T) {
	t.Parallel()
	var cases []validationCase
	update := func(id func(f *fixture) uuid.UUID, u organizations.OrganizationUpdate) func(f *fixture) error {
		return func(f *fixture) error {
			_, err := f.svc.UpdateOrganization(f.ctx, id(f), u)
			return err
		}
	}
	own := func(f *fixture) uuid.UUID { return f.org.ID }
	name, slug := "Pearl Jam", "pearl-jam"
	cases = append(cases,
		validationCase{"nil ID", organizations.ErrOrganizationNotFound, true, update(func(*fixture) uuid.UUID { return uuid.Nil }, organizations.OrganizationUpdate{Name: &name})},
		validationCase{"unknown ID", organizations.ErrOrganizationNotFound, false, update(func(*fixture) uuid.UUID { return uuid.New() }, organizations.OrganizationUpdate{Name: &name})},
		validationCase{"slug taken", organizations.ErrSlugTaken, false, update(own, organizations.OrganizationUpdate{Slug: ptr("audioslave")})},
		validationCase{"name valid, slug taken: all or nothing", organizations.ErrSlugTaken, false, update(own, organizations.OrganizationUpdate{Name: &name, Slug: ptr("audioslave")})},
		validationCase{"name bad, slug valid: all or nothing", organizations.ErrInvalidName, true, update(own, organizations.OrganizationUpdate{Name: ptr(""), Slug: &slug})},
	)
	for kind, n := range badNames {
		cases = append(cases, validationCase{"name " + kind, organizations.ErrInvalidName, true, update(own, organizations.OrganizationUpdate{Name: ptr(n)})})
	}
	for kind, s := range badSlugs {
		cases = append(cases, validationCase{"slug " + kind, organizations.ErrInvalidSlug, true, update(own, organizations.OrganizationUpdate{Slug: ptr(s)})})
	}
	cases = append(cases, validationCase{"slug empty", organizations.ErrInvalidSlug, true, update(own, organizations.OrganizationUpdate{Slug: ptr("")})})
	for kind, j := range badJSON {
		cases = append(cases,
			validationCase{"data " + kind, organizations.ErrInvalidJSON, true, update(own, organizations.OrganizationUpdate{Data: ptr(j)})},
			validationCase{"settings " + kind, organizations.ErrInvalidJSON, true, update(own, organizations.OrganizationUpdate{Settings: ptr(j)})})
	}
	runValidationCases(t, cases)
}

func TestLookupsRejectBadInput(t *testing.T) {
	t.Parallel()
	var cases []validationCase
	byID := func(id uuid.UUID) func(f *fixture) error {
		return func(f *fixture) error {
			org, err := f.svc.Organization(f.ctx, id)
			require.Zero(f.t, org)
			return err
		}
	}
	bySlug := func(slug string) func(f *fixture) error {
		return func(f *fixture) error {
			_, err := f.svc.OrganizationBySlug(f.ctx, slug)
			return err
		}
	}
	cases = append(cases,
		validationCase{"Organization nil ID", organizations.ErrOrganizationNotFound, true, byID(uuid.Nil)},
		validationCase{"Organization unknown ID", organizations.ErrOrganizationNotFound, true, byID(uuid.New())},
		validationCase{"OrganizationBySlug empty", organizations.ErrOrganizationNotFound, true, bySlug("")},
		validationCase{"OrganizationBySlug unknown", organizations.ErrOrganizationNotFound, true, bySlug("pearl-jam")},
		validationCase{"Owner nil ID", organizations.ErrOrganizationNotFound, true, func(f *fixture) error {
			_, err := f.svc.Owner(f.ctx, uuid.Nil)
			return err
		}},
		validationCase{"Owner unknown ID", organizations.ErrOrganizationNotFound, true, func(f *fixture) error {
			_, err := f.svc.Owner(f.ctx, uuid.New())
			return err
		}},
		validationCase{"DeleteOrganization nil ID", organizations.ErrOrganizationNotFound, true, func(f *fixture) error {
			return f.svc.DeleteOrganization(f.ctx, uuid.Nil)
		}},
		validationCase{"DeleteOrganization unknown ID", organizations.ErrOrganizationNotFound, false, func(f *fixture) error {
			return f.svc.DeleteOrganization(f.ctx, uuid.New())
		}},
	)
	for kind, s := range badSlugs {
		cases = append(cases, validationCase{"OrganizationBySlug " + kind, organizations.ErrOrganizationNotFound, true, bySlug(s)})
	}
	cases = append(cases, validationCase{"OrganizationBySlug upper-case form of a real slug", organizations.ErrOrganizationNotFound, true, bySlug("SOUNDGARDEN")})
	runValidationCases(t, cases)
}

func TestMembershipCallsRejectBadInput(t *testing.T) {
	t.Parallel()
	own := func(f *fixture) uuid.UUID { return f.org.ID }
	nilID := func(*fixture) uuid.UUID { return uuid.Nil }
	unknown := func(*fixture) uuid.UUID { return uuid.New() }
	add := func(org func(*fixture) uuid.UUID, u organizations.UserID, r organizations.Role) func(f *fixture) error {
		return func(f *fixture) error {
			m, err := f.svc.AddUser(f.ctx, org(f), u, r)
			require.Zero(f.t, m)
			return err
		}
	}
	getOrAdd := func(org func(*fixture) uuid.UUID, u organizations.UserID, r organizations.Role) func(f *fixture) error {
		return func(f *fixture) error {
			m, created, err := f.svc.GetOrAddUser(f.ctx, org(f), u, r)
			require.Zero(f.t, m)
			require.False(f.t, created)
			return err
		}
	}
	remove := func(org func(*fixture) uuid.UUID, u organizations.UserID) func(f *fixture) error {
		return func(f *fixture) error { return f.svc.RemoveUser(f.ctx, org(f), u) }
	}
	setRole := func(org func(*fixture) uuid.UUID, u organizations.UserID, r organizations.Role) func(f *fixture) error {
		return func(f *fixture) error {
			_, err := f.svc.SetRole(f.ctx, org(f), u, r)
			return err
		}
	}
	changeOwner := func(org func(*fixture) uuid.UUID, u organizations.UserID) func(f *fixture) error {
		return func(f *fixture) error { return f.svc.ChangeOwner(f.ctx, org(f), u) }
	}
	orgUser := func(org func(*fixture) uuid.UUID, u organizations.UserID) func(f *fixture) error {
		return func(f *fixture) error {
			_, err := f.svc.OrganizationUser(f.ctx, org(f), u)
			return err
		}
	}
	cases := []validationCase{
		{"AddUser nil org", organizations.ErrOrganizationNotFound, true, add(nilID, "eddie", organizations.RoleMember)},
		{"AddUser unknown org", organizations.ErrOrganizationNotFound, false, add(unknown, "eddie", organizations.RoleMember)},
		{"AddUser existing member", organizations.ErrAlreadyMember, false, add(own, "kim", organizations.RoleAdmin)},
		{"AddUser owner", organizations.ErrAlreadyMember, false, add(own, "chris", organizations.RoleMember)},
		{"GetOrAddUser nil org", organizations.ErrOrganizationNotFound, true, getOrAdd(nilID, "eddie", organizations.RoleMember)},
		{"GetOrAddUser unknown org", organizations.ErrOrganizationNotFound, false, getOrAdd(unknown, "eddie", organizations.RoleMember)},
		{"RemoveUser nil org", organizations.ErrOrganizationNotFound, true, remove(nilID, "kim")},
		{"RemoveUser unknown org", organizations.ErrOrganizationNotFound, false, remove(unknown, "kim")},
		{"RemoveUser non-member", organizations.ErrNotMember, false, remove(own, "tom")},
		{"RemoveUser owner", organizations.ErrOwnershipRequired, false, remove(own, "chris")},
		{"SetRole nil org", organizations.ErrOrganizationNotFound, true, setRole(nilID, "kim", organizations.RoleAdmin)},
		{"SetRole unknown org", organizations.ErrOrganizationNotFound, false, setRole(unknown, "kim", organizations.RoleAdmin)},
		{"SetRole non-member", organizations.ErrNotMember, false, setRole(own, "tom", organizations.RoleAdmin)},
		{"SetRole demoting the owner", organizations.ErrOwnershipRequired, false, setRole(own, "chris", organizations.RoleMember)},
		{"ChangeOwner nil org", organizations.ErrOrganizationNotFound, true, changeOwner(nilID, "kim")},
		{"ChangeOwner unknown org", organizations.ErrOrganizationNotFound, false, changeOwner(unknown, "kim")},
		{"ChangeOwner to a non-member", organizations.ErrNotMember, false, changeOwner(own, "tom")},
		{"OrganizationUser nil org", organizations.ErrOrganizationNotFound, true, orgUser(nilID, "kim")},
		{"OrganizationUser unknown org", organizations.ErrOrganizationNotFound, true, orgUser(unknown, "kim")},
		{"OrganizationUser non-member", organizations.ErrNotMember, true, orgUser(own, "tom")},
		// Precedence: organization ID, then user ID, then role.
		{"AddUser nil org before bad user", organizations.ErrOrganizationNotFound, true, add(nilID, "", "X")},
		{"AddUser bad user before bad role", organizations.ErrInvalidUserID, true, add(own, "", "X")},
		{"AddUser bad role before unknown org", organizations.ErrInvalidRole, true, add(unknown, "eddie", "X")},
		{"SetRole bad user before bad role", organizations.ErrInvalidUserID, true, setRole(own, "", "X")},
		{"SetRole bad role before non-member", organizations.ErrInvalidRole, true, setRole(own, "tom", "X")},
		// A well-formed role that neither the policy declares nor the organization defines:
		// the store refuses it (custom roles live there), after the organization.
		{"AddUser undeclared role", organizations.ErrInvalidRole, false, add(own, "eddie", "superuser")},
		{"AddUser undeclared role, unknown org", organizations.ErrOrganizationNotFound, false, add(unknown, "eddie", "superuser")},
		{"GetOrAddUser undeclared role", organizations.ErrInvalidRole, false, getOrAdd(own, "eddie", "superuser")},
		{"SetRole undeclared role", organizations.ErrInvalidRole, false, setRole(own, "kim", "superuser")},
	}
	for kind, u := range badUserIDs {
		cases = append(cases,
			validationCase{"AddUser user " + kind, organizations.ErrInvalidUserID, true, add(own, u, organizations.RoleMember)},
			validationCase{"GetOrAddUser user " + kind, organizations.ErrInvalidUserID, true, getOrAdd(own, u, organizations.RoleMember)},
			validationCase{"RemoveUser user " + kind, organizations.ErrInvalidUserID, true, remove(own, u)},
			validationCase{"SetRole user " + kind, organizations.ErrInvalidUserID, true, setRole(own, u, organizations.RoleAdmin)},
			validationCase{"ChangeOwner user " + kind, organizations.ErrInvalidUserID, true, changeOwner(own, u)},
			validationCase{"OrganizationUser user " + kind, organizations.ErrInvalidUserID, true, orgUser(own, u)},
		)
	}
	for kind, r := range badRoles {
		cases = append(cases,
			validationCase{"AddUser role " + kind, organizations.ErrInvalidRole, true, add(own, "eddie", r)},
			validationCase{"GetOrAddUser role " + kind, organizations.ErrInvalidRole, true, getOrAdd(own, "eddie", r)},
			validationCase{"GetOrAddUser existing member, role " + kind, organizations.ErrInvalidRole, true, getOrAdd(own, "kim", r)},
			validationCase{"SetRole role " + kind, organizations.ErrInvalidRole, true, setRole(own, "kim", r)},
		)
	}
	runValidationCases(t, cases)
}

func TestListsRejectBadInput(t *testing.T) {
	t.Parallel()
	var cases []validationCase
	members := func(org func(*fixture) uuid.UUID, o organizations.ListOptions) func(f *fixture) error {
		return func(f *fixture) error {
			p, err := f.svc.Members(f.ctx, org(f), o)
			require.Zero(f.t, p)
			return err
		}
	}
	forUser := func(u organizations.UserID, o organizations.ListOptions) func(f *fixture) error {
		return func(f *fixture) error {
			p, err := f.svc.OrganizationsForUser(f.ctx, u, o)
			require.Zero(f.t, p)
			return err
		}
	}
	own := func(f *fixture) uuid.UUID { return f.org.ID }
	cases = append(cases,
		validationCase{"Members nil org", organizations.ErrOrganizationNotFound, true, members(func(*fixture) uuid.UUID { return uuid.Nil }, organizations.ListOptions{})},
		validationCase{"Members unknown org", organizations.ErrOrganizationNotFound, true, members(func(*fixture) uuid.UUID { return uuid.New() }, organizations.ListOptions{})},
	)
	for kind, o := range badListOptions {
		cases = append(cases,
			validationCase{"Members " + kind, organizations.ErrInvalidListOptions, true, members(own, o)},
			validationCase{"OrganizationsForUser " + kind, organizations.ErrInvalidListOptions, true, forUser("chris", o)})
	}
	for kind, u := range badUserIDs {
		cases = append(cases, validationCase{"OrganizationsForUser user " + kind, organizations.ErrInvalidUserID, true, forUser(u, organizations.ListOptions{})})
	}
	runValidationCases(t, cases)
}

// The predicates answer false, without error, for anything that is not a membership:
// a bad or unknown organization ID, or a bad or unknown user.
func TestPredicatesAreFalseForBadOrUnknownInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	type input struct {
		org  uuid.UUID
		user organizations.UserID
	}
	inputs := map[string]input{
		"nil org":        {uuid.Nil, "chris"},
		"unknown org":    {uuid.New(), "chris"},
		"non-member":     {f.org.ID, "tom"},
		"unknown user":   {f.org.ID, "nobody"},
		"other org's id": {f.other.ID, "chris"},
	}
	for kind, u := range badUserIDs {
		inputs["user "+kind] = input{f.org.ID, u}
	}
	before := f.snapshot()
	for name, in := range inputs {
		for pred, fn := range map[string]func(context.Context, uuid.UUID, organizations.UserID) (bool, error){
			"IsMember": f.svc.IsMember, "IsAdmin": f.svc.IsAdmin, "IsOwner": f.svc.IsOwner,
		} {
			ok, err := fn(f.ctx, in.org, in.user)
			require.NoError(t, err, "%s %s", pred, name)
			require.False(t, ok, "%s %s", pred, name)
		}
	}
	require.Equal(t, before, f.snapshot())
	require.Empty(t, f.rec.Take())
	require.Zero(t, f.store.writes.Load())
}

func TestPredicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		user                   organizations.UserID
		member, admin, isOwner bool
	}{
		{"chris", true, true, true},
		{"matt", true, true, false},
		{"kim", true, false, false},
		{"tom", false, false, false},
	} {
		member, err := f.svc.IsMember(f.ctx, f.org.ID, tc.user)
		require.NoError(t, err)
		admin, err := f.svc.IsAdmin(f.ctx, f.org.ID, tc.user)
		require.NoError(t, err)
		isOwner, err := f.svc.IsOwner(f.ctx, f.org.ID, tc.user)
		require.NoError(t, err)
		require.Equal(t, []bool{tc.member, tc.admin, tc.isOwner}, []bool{member, admin, isOwner}, string(tc.user))
	}
}

// Every call checks its context first: a done context returns the context's error and
// changes nothing, whatever else is wrong with the call.
func TestDoneContextIsReturnedAndChangesNothing(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	name, slug := "Pearl Jam", "pearl-jam"
	calls := map[string]func(ctx context.Context, f *fixture) error{
		"CreateOrganization": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.CreateOrganization(ctx, "kim", "Pearl Jam", nil)
			return err
		},
		"CreateOrganization with bad input too": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.CreateOrganization(ctx, "", "", nil)
			return err
		},
		"Organization": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.Organization(ctx, f.org.ID)
			return err
		},
		"OrganizationBySlug": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.OrganizationBySlug(ctx, f.org.Slug)
			return err
		},
		"UpdateOrganization": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.UpdateOrganization(ctx, f.org.ID, organizations.OrganizationUpdate{Name: &name, Slug: &slug})
			return err
		},
		"DeleteOrganization": func(ctx context.Context, f *fixture) error {
			return f.svc.DeleteOrganization(ctx, f.org.ID)
		},
		"OrganizationsForUser": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.OrganizationsForUser(ctx, "chris", organizations.ListOptions{})
			return err
		},
		"AddUser": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.AddUser(ctx, f.org.ID, "eddie", organizations.RoleMember)
			return err
		},
		"AddUser with bad input too": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.AddUser(ctx, uuid.Nil, "", "x")
			return err
		},
		"GetOrAddUser": func(ctx context.Context, f *fixture) error {
			_, _, err := f.svc.GetOrAddUser(ctx, f.org.ID, "eddie", organizations.RoleMember)
			return err
		},
		"RemoveUser": func(ctx context.Context, f *fixture) error {
			return f.svc.RemoveUser(ctx, f.org.ID, "kim")
		},
		"SetRole": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.SetRole(ctx, f.org.ID, "kim", organizations.RoleAdmin)
			return err
		},
		"ChangeOwner": func(ctx context.Context, f *fixture) error {
			return f.svc.ChangeOwner(ctx, f.org.ID, "kim")
		},
		"OrganizationUser": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.OrganizationUser(ctx, f.org.ID, "kim")
			return err
		},
		"Owner": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.Owner(ctx, f.org.ID)
			return err
		},
		"Members": func(ctx context.Context, f *fixture) error {
			_, err := f.svc.Members(ctx, f.org.ID, organizations.ListOptions{})
			return err
		},
		"IsMember": func(ctx context.Context, f *fixture) error {
			ok, err := f.svc.IsMember(ctx, f.org.ID, "kim")
			require.False(f.t, ok)
			return err
		},
		"IsAdmin": func(ctx context.Context, f *fixture) error {
			ok, err := f.svc.IsAdmin(ctx, f.org.ID, "chris")
			require.False(f.t, ok)
			return err
		},
		"IsOwner": func(ctx context.Context, f *fixture) error {
			ok, err := f.svc.IsOwner(ctx, f.org.ID, "chris")
			require.False(f.t, ok)
			return err
		},
	}
	for name, call := range calls {
		for _, done := range []struct {
			ctx  context.Context
			want error
		}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
			t.Run(name+"/"+done.want.Error(), func(t *testing.T) {
				f := newFixture(t)
				f.requireUnchanged(done.want, true, func() error { return call(done.ctx, f) })
			})
		}
	}
}

func ptr[T any](v T) *T { return &v }
