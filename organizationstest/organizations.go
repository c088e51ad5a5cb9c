package organizationstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func createTests() []test {
	return []test{
		{"MakesOwnerMembership", testCreateMakesOwner},
		{"SlugFromName", testCreateSlugFromName},
		{"SlugCollisions", testCreateSlugCollisions},
		{"SlugSequenceNeverReuses", testCreateSlugSequenceNeverReuses},
		{"SlugSkipsTakenCandidates", testCreateSlugSkipsTakenCandidates},
		{"SlugParallelWithExplicit", testCreateSlugParallelWithExplicit},
		{"ExplicitSlug", testCreateExplicitSlug},
		{"InvalidSlug", testCreateInvalidSlug},
		{"LongNames", testCreateLongNames},
		{"Inactive", testCreateInactive},
		{"DataAndSettings", testCreateDataAndSettings},
		{"InvalidJSON", testCreateInvalidJSON},
		{"InvalidName", testCreateInvalidName},
		{"InvalidOwner", testCreateInvalidOwner},
		{"StoreSuffixSlug", testStoreSuffixSlug},
	}
}

func testCreateMakesOwner(t *testing.T, h *harness) {
	now := h.now()
	org, err := h.svc.CreateOrganization(h.ctx, "chris", "  Soundgarden  ", nil)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, org.ID)
	require.Equal(t, "Soundgarden", org.Name, "name is trimmed")
	require.Equal(t, "soundgarden", org.Slug)
	require.True(t, org.IsActive)
	requireStamp(t, org.CreatedAt, org.UpdatedAt)
	require.True(t, now.Equal(org.CreatedAt), "CreatedAt %v, clock %v", org.CreatedAt, now)
	require.True(t, now.Equal(org.UpdatedAt))
	h.requireEvents(organizations.OrganizationCreated{Organization: org, Owner: "chris"})

	requireSameOrg(t, org, h.org(org.ID))
	bySlug, err := h.svc.OrganizationBySlug(h.ctx, "soundgarden")
	require.NoError(t, err)
	requireSameOrg(t, org, bySlug)

	owner := h.owner(org.ID)
	m := owner.OrganizationUser
	require.Equal(t, org.ID, owner.OrganizationID)
	require.NotEqual(t, uuid.Nil, m.ID)
	require.NotEqual(t, org.ID, m.ID, "membership and organization need their own IDs")
	require.Equal(t, org.ID, m.OrganizationID)
	require.Equal(t, organizations.UserID("chris"), m.UserID)
	require.Equal(t, organizations.RoleAdmin, m.Role)
	require.True(t, now.Equal(m.CreatedAt))
	require.True(t, now.Equal(m.UpdatedAt))
	require.True(t, now.Equal(owner.Since))
	requireStamp(t, owner.Since, m.CreatedAt, m.UpdatedAt)

	requireSameMember(t, m, h.member(org.ID, "chris"))
	requireSameMembers(t, []organizations.OrganizationUser{m}, h.members(org.ID, 0))
	requireSameOrgs(t, []organizations.Organization{org}, h.orgsFor("chris", 0))
	for _, pred := range []func() (bool, error){
		func() (bool, error) { return h.svc.IsMember(h.ctx, org.ID, "chris") },
		func() (bool, error) { return h.svc.IsAdmin(h.ctx, org.ID, "chris") },
		func() (bool, error) { return h.svc.IsOwner(h.ctx, org.ID, "chris") },
	} {
		ok, err := pred()
		require.NoError(t, err)
		require.True(t, ok)
	}
	h.requireNoEvents()
}

func testCreateSlugFromName(t *testing.T, h *harness) {
	for _, c := range []struct{ name, slug string }{
		{"Föö Fighters!!", "foo-fighters"},
		{"Mötley Crüe", "motley-crue"},
		{"AC/DC", "ac-dc"},
		{"snake_case name", "snake-case-name"},
		{"!!!", "organization"},
		{"😀", "organization-2"},
	} {
		org, err := h.svc.CreateOrganization(h.ctx, "chris", c.name, nil)
		require.NoError(t, err, c.name)
		require.Equal(t, c.slug, org.Slug, c.name)
		require.Equal(t, c.name, org.Name)
		require.NoError(t, organizations.ValidSlug(org.Slug))
		got, err := h.svc.OrganizationBySlug(h.ctx, c.slug)
		require.NoError(t, err)
		require.Equal(t, org.ID, got.ID)
	}
	require.Len(t, h.events.take(), 6)
}

func testCreateSlugCollisions(t *testing.T, h *harness) {
	create := func(name string, opts *organizations.CreateOptions) organizations.Organization {
		t.Helper()
		return h.createOrg("chris", name, opts)
	}
	require.Equal(t, "acme", create("Acme", nil).Slug)
	require.Equal(t, "acme-2", create("Acme", nil).Slug)
	require.Equal(t, "acme-3", create("ACME!", nil).Slug, "another name with the same slug collides too")
	require.Equal(t, "acme-5", create("Explicit", &organizations.CreateOptions{Slug: "acme-5"}).Slug)
	require.Equal(t, "acme-4", create("Acme", nil).Slug)
	require.Equal(t, "acme-6", create("Acme", nil).Slug, "the first free suffix, skipping taken ones")
	var slugs []string
	for _, o := range h.orgsFor("chris", 0) {
		slugs = append(slugs, o.Slug)
	}
	require.ElementsMatch(t, []string{"acme", "acme-2", "acme-3", "acme-4", "acme-5", "acme-6"}, slugs)
}

// A generated slug's suffix comes from a per-base counter that only increases: a suffix
// freed by a delete or a rename is not handed out again (an explicit slug may still claim
// it), while the base itself is used whenever it is free.
func testCreateSlugSequenceNeverReuses(t *testing.T, h *harness) {
	h.events.noVerify()
	create := func() organizations.Organization { return h.createOrg("chris", "Acme", nil) }
	base, second, third := create(), create(), create()
	require.Equal(t, []string{"acme", "acme-2", "acme-3"}, []string{base.Slug, second.Slug, third.Slug})

	require.NoError(t, h.svc.DeleteOrganization(h.ctx, second.ID))
	require.Equal(t, "acme-4", create().Slug, "the deleted acme-2 is not reused")
	renamed := "renamed"
	_, err := h.svc.UpdateOrganization(h.ctx, third.ID, organizations.OrganizationUpdate{Slug: &renamed})
	require.NoError(t, err)
	require.Equal(t, "acme-5", create().Slug, "acme-3, freed by a rename, is not reused")

	require.NoError(t, h.svc.DeleteOrganization(h.ctx, base.ID))
	require.Equal(t, "acme", create().Slug, "the base itself is taken whenever it is free")
	require.Equal(t, "acme-6", create().Slug, "and the sequence goes on where it was")

	explicit := h.createOrg("tom", "Explicit", &organizations.CreateOptions{Slug: "acme-2"})
	require.Equal(t, "acme-2", explicit.Slug, "an explicit slug can claim a freed suffix")
}

// A candidate that is taken, by an explicit slug or by another name's slug, is skipped
// and the counter moves on past it.
func testCreateSlugSkipsTakenCandidates(t *testing.T, h *harness) {
	h.events.noVerify()
	create := func(name string) string { return h.createOrg("chris", name, nil).Slug }
	require.Equal(t, "globex-2", h.createOrg("tom", "Explicit", &organizations.CreateOptions{Slug: "globex-2"}).Slug)
	require.Equal(t, "globex-4", create("Globex 4"), "a name whose slug looks suffixed has its own base")
	require.Equal(t, "globex", create("Globex"))
	require.Equal(t, "globex-3", create("Globex"), "globex-2 is taken: skipped")
	require.Equal(t, "globex-5", create("Globex"), "globex-4 is taken: skipped")
	require.Equal(t, "globex-6", h.createOrg("tom", "Explicit", &organizations.CreateOptions{Slug: "globex-6"}).Slug)
	require.Equal(t, "globex-7", create("Globex"))
	require.Equal(t, "globex-4-2", create("Globex 4"), "globex-4's own sequence")
}

// Generated slugs of one name race explicit slugs that look like its suffixes: every
// generated create succeeds, an explicit one succeeds or finds its slug taken, and all
// slugs are distinct.
func testCreateSlugParallelWithExplicit(t *testing.T, h *harness) {
	h.events.noVerify()
	h.createOrg("chris", "Initech", nil) // the base is taken: every generated slug is suffixed
	orgs, errs := parallelValues(2*parallelism, func(i int) (organizations.Organization, error) {
		var opts *organizations.CreateOptions
		if i%2 == 1 {
			opts = &organizations.CreateOptions{Slug: fmt.Sprintf("initech-%d", i/2+2)}
		}
		return h.svc.CreateOrganization(h.ctx, userN(i), "Initech", opts)
	})
	seen := map[string]bool{"initech": true}
	for i, err := range errs {
		if i%2 == 1 && errors.Is(err, organizations.ErrSlugTaken) {
			h.requireNoOrgsFor(userN(i))
			continue
		}
		require.NoError(t, err, "create %d", i)
		require.False(t, seen[orgs[i].Slug], "slug %s given twice", orgs[i].Slug)
		seen[orgs[i].Slug] = true
		require.Equal(t, orgs[i].ID, h.org(orgs[i].ID).ID)
		require.Equal(t, orgs[i].Slug, h.org(orgs[i].ID).Slug)
	}
	require.GreaterOrEqual(t, len(seen), parallelism+1, "every generated create got a slug")
}

func testCreateExplicitSlug(t *testing.T, h *harness) {
	org, err := h.svc.CreateOrganization(h.ctx, "chris", "Soundgarden", &organizations.CreateOptions{Slug: "the-band"})
	require.NoError(t, err)
	require.Equal(t, "the-band", org.Slug, "an explicit slug is used as given")
	h.requireEvents(organizations.OrganizationCreated{Organization: org, Owner: "chris"})

	_, err = h.svc.CreateOrganization(h.ctx, "tom", "The Band", &organizations.CreateOptions{Slug: "the-band"})
	require.ErrorIs(t, err, organizations.ErrSlugTaken, "a taken explicit slug is never silently replaced")
	h.requireNoOrgsFor("tom")
	h.requireNoEvents()
	_, err = h.svc.OrganizationBySlug(h.ctx, "the-band-2")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)

	gen := h.createOrg("tom", "Soundgarden", nil)
	require.Equal(t, "soundgarden", gen.Slug, "the explicit slug did not take the generated one")
	suffixLike := h.createOrg("kim", "Anything", &organizations.CreateOptions{Slug: "soundgarden-2"})
	require.Equal(t, "soundgarden-2", suffixLike.Slug)
	require.Equal(t, "soundgarden-3", h.createOrg("kim", "Soundgarden", nil).Slug)
}

func testCreateInvalidSlug(t *testing.T, h *harness) {
	for _, slug := range []string{
		"Bad Slug", "UPPER", "-lead", "trail-", "dou--ble", "under_score", "ünï", "a.b",
		strings.Repeat("a", organizations.MaxSlugLength+1),
		"0190b6a4-5b7e-7c3d-8e9f-0a1b2c3d4e5f",
	} {
		_, err := h.svc.CreateOrganization(h.ctx, "chris", "Soundgarden", &organizations.CreateOptions{Slug: slug})
		require.ErrorIs(t, err, organizations.ErrInvalidSlug, "%q", slug)
	}
	h.requireNoOrgsFor("chris")
	h.requireNoEvents()
	max := strings.Repeat("a", organizations.MaxSlugLength)
	require.Equal(t, max, h.createOrg("chris", "Long", &organizations.CreateOptions{Slug: max}).Slug)
}

func testCreateLongNames(t *testing.T, h *harness) {
	// 200 runes that transliterate to 400 bytes: the longest valid name gives a slug that
	// must be cut to MaxSlugLength, and so must its collision suffixes.
	name := strings.Repeat("æ", organizations.MaxNameLength)
	first := h.createOrg("chris", name, nil)
	require.Equal(t, name, first.Name)
	require.Len(t, first.Slug, organizations.MaxSlugLength)
	require.Equal(t, organizations.Slugify(name), first.Slug)
	second := h.createOrg("chris", name, nil)
	third := h.createOrg("chris", name, nil)
	for n, org := range map[string]organizations.Organization{"-2": second, "-3": third} {
		require.Len(t, org.Slug, organizations.MaxSlugLength)
		require.True(t, strings.HasSuffix(org.Slug, n), org.Slug)
		require.True(t, strings.HasPrefix(first.Slug, strings.TrimSuffix(org.Slug, n)), org.Slug)
		require.NoError(t, organizations.ValidSlug(org.Slug))
	}
	require.NotEqual(t, second.Slug, third.Slug)
}

func testCreateInactive(t *testing.T, h *harness) {
	org, err := h.svc.CreateOrganization(h.ctx, "chris", "Dormant", &organizations.CreateOptions{Inactive: true})
	require.NoError(t, err)
	require.False(t, org.IsActive)
	require.False(t, h.org(org.ID).IsActive)
	active := h.createOrg("chris", "Awake", nil)
	listed := h.orgsFor("chris", 0)
	requireSameOrgs(t, []organizations.Organization{org, active}, listed, "inactive organizations are listed, flagged")
	require.False(t, listed[0].IsActive)
	require.True(t, listed[1].IsActive)
}

func testCreateDataAndSettings(t *testing.T, h *harness) {
	plain := h.createOrg("chris", "Plain", nil)
	require.JSONEq(t, `{}`, string(plain.Data))
	require.JSONEq(t, `{}`, string(plain.Settings))
	require.JSONEq(t, `{}`, string(h.org(plain.ID).Data))
	require.JSONEq(t, `{}`, string(h.org(plain.ID).Settings))

	data := json.RawMessage(`{"plan":"pro","seats":5,"tags":["a","b"],"nested":{"x":null}}`)
	settings := json.RawMessage(`{"theme":{"dark":true},"locale":"de-CH"}`)
	org := h.createOrg("chris", "Rich", &organizations.CreateOptions{Data: data, Settings: settings})
	require.JSONEq(t, string(data), string(org.Data))
	require.JSONEq(t, string(settings), string(org.Settings))

	// Neither the caller's input nor any returned slice may alias what the store keeps.
	copy(data, `{"plan":"xxx"`)
	got := h.org(org.ID)
	require.JSONEq(t, `{"plan":"pro","seats":5,"tags":["a","b"],"nested":{"x":null}}`, string(got.Data))
	requireReturnedJSONIsCopy(t, h, org.ID, func() organizations.Organization { return h.org(org.ID) })
	requireReturnedJSONIsCopy(t, h, org.ID, func() organizations.Organization {
		o, err := h.svc.OrganizationBySlug(h.ctx, org.Slug)
		require.NoError(t, err)
		return o
	})
	requireReturnedJSONIsCopy(t, h, org.ID, func() organizations.Organization { return h.orgsFor("chris", 0)[1] })

	// The same holds at the store level, whatever the Service does.
	raw := json.RawMessage(`{"k":"v"}`)
	direct := organizations.Organization{
		ID: h.id(), Name: "Direct", Slug: "direct", IsActive: true,
		Data: raw, Settings: json.RawMessage(`{}`), CreatedAt: h.now(), UpdatedAt: h.now(),
	}
	owner := organizations.OrganizationUser{
		ID: h.id(), OrganizationID: direct.ID, UserID: "chris", Role: organizations.RoleAdmin,
		CreatedAt: h.now(), UpdatedAt: h.now(),
	}
	stored, err := h.store.CreateOrganization(h.ctx, organizations.CreateOrganizationParams{Organization: direct, Owner: owner, SuffixSlug: false})
	require.NoError(t, err)
	copy(raw, `{"k":"X"}`)
	copy(stored.Data, `{"k":"Y"}`)
	fresh, err := h.store.Organization(h.ctx, direct.ID)
	require.NoError(t, err)
	require.JSONEq(t, `{"k":"v"}`, string(fresh.Data))
}

// requireReturnedJSONIsCopy scribbles over the JSON documents read returns and checks that
// the stored organization did not change.
func requireReturnedJSONIsCopy(t *testing.T, h *harness, id uuid.UUID, read func() organizations.Organization) {
	t.Helper()
	before := h.org(id)
	got := read()
	for i := range got.Data {
		got.Data[i] = ' '
	}
	for i := range got.Settings {
		got.Settings[i] = ' '
	}
	requireSameOrg(t, before, h.org(id), "a returned JSON slice aliases the store")
}

func testCreateInvalidJSON(t *testing.T, h *harness) {
	// Besides malformed and non-object documents, invalid UTF-8 is refused: not every store
	// can keep it (PostgreSQL cannot), and all stores must accept the same documents.
	for _, bad := range []string{`not json`, `{`, `[1,2]`, `null`, `"text"`, `42`, `{"a":1}{"b":2}`,
		"{\"a\":\"\xff\"}", "{\"\xc3\":1}"} {
		_, err := h.svc.CreateOrganization(h.ctx, "chris", "Acme", &organizations.CreateOptions{Data: json.RawMessage(bad)})
		require.ErrorIs(t, err, organizations.ErrInvalidJSON, "data %q", bad)
		_, err = h.svc.CreateOrganization(h.ctx, "chris", "Acme", &organizations.CreateOptions{Settings: json.RawMessage(bad)})
		require.ErrorIs(t, err, organizations.ErrInvalidJSON, "settings %q", bad)
	}
	h.requireNoOrgsFor("chris")
	_, err := h.svc.OrganizationBySlug(h.ctx, "acme")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
}

func testCreateInvalidName(t *testing.T, h *harness) {
	for _, name := range []string{
		"", "   ", "\t\n",
		strings.Repeat("é", organizations.MaxNameLength+1),
		strings.Repeat("n", 250),
		"\xff\xfe", "Acme\xc3",
		"Acme\x00", "Acme\tInc", "Line\nBreak", "Bell\a", "Del\x7f", "C1\u0085x",
	} {
		_, err := h.svc.CreateOrganization(h.ctx, "chris", name, nil)
		require.ErrorIs(t, err, organizations.ErrInvalidName, "%q", name)
	}
	h.requireNoOrgsFor("chris")
	h.requireNoEvents()

	max := strings.Repeat("é", organizations.MaxNameLength)
	org, err := h.svc.CreateOrganization(h.ctx, "chris", "  "+max+"  ", nil)
	require.NoError(t, err, "200 runes (400 bytes) is a valid name; surrounding space is trimmed first")
	require.Equal(t, max, org.Name)
	require.Equal(t, max, h.org(org.ID).Name)
}

func testCreateInvalidOwner(t *testing.T, h *harness) {
	for _, owner := range []organizations.UserID{
		"", "\xff", organizations.UserID(strings.Repeat("u", organizations.MaxUserIDLength+1)), "a\x00b",
	} {
		_, err := h.svc.CreateOrganization(h.ctx, owner, "Acme", nil)
		require.ErrorIs(t, err, organizations.ErrInvalidUserID, "%q", owner)
	}
	_, err := h.svc.OrganizationBySlug(h.ctx, "acme")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
	long := organizations.UserID(strings.Repeat("u", organizations.MaxUserIDLength))
	org := h.createOrg(long, "Acme", nil)
	require.Equal(t, long, h.owner(org.ID).OrganizationUser.UserID)
}

func testStoreSuffixSlug(t *testing.T, h *harness) {
	newOrg := func(slug string, owner organizations.UserID) (organizations.Organization, organizations.OrganizationUser) {
		now := h.now()
		org := organizations.Organization{
			ID: h.id(), Name: "Acme", Slug: slug, IsActive: true,
			Data: json.RawMessage(`{}`), Settings: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now,
		}
		m := organizations.OrganizationUser{
			ID: h.id(), OrganizationID: org.ID, UserID: owner, Role: organizations.RoleAdmin,
			CreatedAt: now, UpdatedAt: now,
		}
		return org, m
	}
	a, am := newOrg("acme", "chris")
	stored, err := h.store.CreateOrganization(h.ctx, organizations.CreateOrganizationParams{Organization: a, Owner: am, SuffixSlug: false})
	require.NoError(t, err)
	requireSameOrg(t, a, stored, "the store returns the organization as given")

	b, bm := newOrg("acme", "tom")
	_, err = h.store.CreateOrganization(h.ctx, organizations.CreateOrganizationParams{Organization: b, Owner: bm, SuffixSlug: false})
	require.ErrorIs(t, err, organizations.ErrSlugTaken)
	h.requireOrgGone(b.ID)
	h.requireNoOrgsFor("tom")

	stored, err = h.store.CreateOrganization(h.ctx, organizations.CreateOrganizationParams{Organization: b, Owner: bm, SuffixSlug: true})
	require.NoError(t, err)
	want := b
	want.Slug = "acme-2"
	requireSameOrg(t, want, stored, "SuffixSlug picks the first free candidate")
	requireSameOrg(t, want, h.org(b.ID))
	requireSameMember(t, bm, h.member(b.ID, "tom"))

	c, cm := newOrg("fresh", "kim")
	stored, err = h.store.CreateOrganization(h.ctx, organizations.CreateOrganizationParams{Organization: c, Owner: cm, SuffixSlug: true})
	require.NoError(t, err)
	require.Equal(t, "fresh", stored.Slug, "a free slug is kept as is")
	h.requireNoEvents()
}
