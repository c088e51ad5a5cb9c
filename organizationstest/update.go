package organizationstest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
)

func lookupTests() []test {
	return []test{
		{"NotFound", testLookupNotFound},
	}
}

func updateTests() []test {
	return []test{
		{"EachField", testUpdateEachField},
		{"SlugChangeFreesOldSlug", testUpdateSlugFreesOld},
		{"SlugTaken", testUpdateSlugTaken},
		{"NoOp", testUpdateNoOp},
		{"StoreChangedFlag", testUpdateStoreChanged},
		{"InvalidInput", testUpdateInvalid},
	}
}

func ptr[T any](v T) *T { return &v }

func testLookupNotFound(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", nil)
	for _, id := range []uuid.UUID{uuid.Nil, h.id(), uuid.New()} {
		_, err := h.svc.Organization(h.ctx, id)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "%s", id)
	}
	_, err := h.store.Organization(h.ctx, h.id())
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	for _, slug := range []string{"acme-2", "acm", "", "Acme", "ACME", "acme ", org.ID.String()} {
		_, err := h.svc.OrganizationBySlug(h.ctx, slug)
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "%q", slug)
	}
	_, err = h.store.OrganizationBySlug(h.ctx, "acme-2")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	got, err := h.store.OrganizationBySlug(h.ctx, "acme")
	require.NoError(t, err)
	requireSameOrg(t, org, got)
}

// update applies u through the Service at a later clock reading and checks the result,
// the stored state and the single OrganizationUpdated event.
func update(t *testing.T, h *harness, id uuid.UUID, u organizations.OrganizationUpdate) organizations.Organization {
	t.Helper()
	before := h.org(id)
	h.clock.Advance(time.Minute)
	now := h.now()
	got, err := h.svc.UpdateOrganization(h.ctx, id, u)
	require.NoError(t, err)
	require.True(t, now.Equal(got.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, now)
	require.True(t, before.CreatedAt.Equal(got.CreatedAt), "CreatedAt must not change")
	requireSameOrg(t, got, h.org(id))
	h.requireEvents(organizations.OrganizationUpdated{Organization: got})
	return got
}

func testUpdateEachField(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Soundgarden", &organizations.CreateOptions{
		Data: json.RawMessage(`{"a":1}`), Settings: json.RawMessage(`{"s":1}`),
	})

	got := update(t, h, org.ID, organizations.OrganizationUpdate{Name: ptr("  Temple of the Dog ")})
	want := org
	want.Name, want.UpdatedAt = "Temple of the Dog", got.UpdatedAt
	requireSameOrg(t, want, got, "renaming keeps the slug")

	got = update(t, h, org.ID, organizations.OrganizationUpdate{Slug: ptr("temple")})
	want.Slug, want.UpdatedAt = "temple", got.UpdatedAt
	requireSameOrg(t, want, got)

	got = update(t, h, org.ID, organizations.OrganizationUpdate{IsActive: ptr(false)})
	want.IsActive, want.UpdatedAt = false, got.UpdatedAt
	requireSameOrg(t, want, got)

	got = update(t, h, org.ID, organizations.OrganizationUpdate{Data: ptr(json.RawMessage(`{"a":2,"b":[true]}`))})
	want.Data, want.UpdatedAt = json.RawMessage(`{"a":2,"b":[true]}`), got.UpdatedAt
	requireSameOrg(t, want, got)

	got = update(t, h, org.ID, organizations.OrganizationUpdate{Settings: ptr(json.RawMessage(`{}`))})
	want.Settings, want.UpdatedAt = json.RawMessage(`{}`), got.UpdatedAt
	requireSameOrg(t, want, got)

	got = update(t, h, org.ID, organizations.OrganizationUpdate{
		Name: ptr("Audioslave"), Slug: ptr("audioslave"), IsActive: ptr(true),
		Data: ptr(json.RawMessage(`{"x":"y"}`)), Settings: ptr(json.RawMessage(`{"t":0}`)),
	})
	want = organizations.Organization{
		ID: org.ID, Name: "Audioslave", Slug: "audioslave", IsActive: true,
		Data: json.RawMessage(`{"x":"y"}`), Settings: json.RawMessage(`{"t":0}`),
		CreatedAt: org.CreatedAt, UpdatedAt: got.UpdatedAt,
	}
	requireSameOrg(t, want, got, "all fields at once")

	// Membership and ownership are not touched by an update.
	requireSameOwner(t, organizations.OrganizationOwner{
		OrganizationID: org.ID, OrganizationUser: h.member(org.ID, "chris"), Since: org.CreatedAt,
	}, h.owner(org.ID))
}

func testUpdateSlugFreesOld(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", nil)
	update(t, h, org.ID, organizations.OrganizationUpdate{Slug: ptr("acme-corp")})
	_, err := h.svc.OrganizationBySlug(h.ctx, "acme")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "the old slug no longer finds it")
	got, err := h.svc.OrganizationBySlug(h.ctx, "acme-corp")
	require.NoError(t, err)
	require.Equal(t, org.ID, got.ID)

	explicit := h.createOrg("tom", "Other", &organizations.CreateOptions{Slug: "acme"})
	require.Equal(t, "acme", explicit.Slug, "the old slug is free for an explicit slug")
	require.Equal(t, "acme-2", h.createOrg("tom", "Acme", nil).Slug)

	// Renaming never moves the slug, not even back to one generated from the new name.
	renamed := update(t, h, org.ID, organizations.OrganizationUpdate{Name: ptr("Brand New")})
	require.Equal(t, "acme-corp", renamed.Slug)
}

func testUpdateSlugTaken(t *testing.T, h *harness) {
	a := h.createOrg("chris", "Alpha", nil)
	b := h.createOrg("tom", "Beta", nil)
	h.clock.Advance(time.Minute)
	_, err := h.svc.UpdateOrganization(h.ctx, b.ID, organizations.OrganizationUpdate{
		Name: ptr("Renamed"), Slug: ptr("alpha"), IsActive: ptr(false),
	})
	require.ErrorIs(t, err, organizations.ErrSlugTaken)
	requireSameOrg(t, b, h.org(b.ID), "a refused update changes no field")
	requireSameOrg(t, a, h.org(a.ID))
	h.requireNoEvents()

	_, _, err = h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: b.ID, Update: organizations.OrganizationUpdate{Slug: ptr("alpha")}, Now: h.now()})
	require.ErrorIs(t, err, organizations.ErrSlugTaken)
	requireSameOrg(t, b, h.org(b.ID))
}

func testUpdateNoOp(t *testing.T, h *harness) {
	data, settings := json.RawMessage(`{"a":1}`), json.RawMessage(`{"s":[1,2]}`)
	org := h.createOrg("chris", "Acme", &organizations.CreateOptions{Data: data, Settings: settings})
	h.clock.Advance(time.Minute)
	for i, u := range []organizations.OrganizationUpdate{
		{},
		{Name: ptr("Acme")},
		{Name: ptr("  Acme ")},
		{Slug: ptr("acme")},
		{IsActive: ptr(true)},
		{Data: ptr(json.RawMessage(`{"a":1}`)), Settings: ptr(json.RawMessage(`{"s":[1,2]}`))},
		{Name: ptr("Acme"), Slug: ptr("acme"), IsActive: ptr(true), Data: &data, Settings: &settings},
	} {
		got, err := h.svc.UpdateOrganization(h.ctx, org.ID, u)
		require.NoError(t, err, "update %d", i)
		requireSameOrg(t, org, got, "update %d changes nothing, UpdatedAt included", i)
		requireSameOrg(t, org, h.org(org.ID), "update %d", i)
	}
	h.requireNoEvents()
}

func testUpdateStoreChanged(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", &organizations.CreateOptions{Data: json.RawMessage(`{"a":1}`)})
	h.clock.Advance(time.Minute)
	now := h.now()

	got, changed, err := h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{}, Now: now})
	require.NoError(t, err)
	require.False(t, changed, "an empty update changes nothing")
	requireSameOrg(t, org, got)

	got, changed, err = h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{
		Name: ptr("Acme"), Slug: ptr("acme"), IsActive: ptr(true), Data: ptr(json.RawMessage(`{"a":1}`)),
	}, Now: now})
	require.NoError(t, err)
	require.False(t, changed, "setting every field to its value changes nothing")
	requireSameOrg(t, org, got, "UpdatedAt is not written when nothing changed")
	requireSameOrg(t, org, h.org(org.ID))

	got, changed, err = h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: org.ID, Update: organizations.OrganizationUpdate{IsActive: ptr(false)}, Now: now})
	require.NoError(t, err)
	require.True(t, changed)
	want := org
	want.IsActive, want.UpdatedAt = false, now
	requireSameOrg(t, want, got)
	requireSameOrg(t, want, h.org(org.ID))

	_, _, err = h.store.UpdateOrganization(h.ctx, organizations.UpdateOrganizationParams{OrganizationID: h.id(), Update: organizations.OrganizationUpdate{Name: ptr("X")}, Now: now})
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	h.requireNoEvents()
}

func testUpdateInvalid(t *testing.T, h *harness) {
	org := h.createOrg("chris", "Acme", nil)
	other := h.createOrg("chris", "Other", nil)
	h.clock.Advance(time.Minute)
	for _, c := range []struct {
		u   organizations.OrganizationUpdate
		err error
	}{
		{organizations.OrganizationUpdate{Name: ptr("")}, organizations.ErrInvalidName},
		{organizations.OrganizationUpdate{Name: ptr("  ")}, organizations.ErrInvalidName},
		{organizations.OrganizationUpdate{Name: ptr("bad\xff")}, organizations.ErrInvalidName},
		{organizations.OrganizationUpdate{Name: ptr(strings.Repeat("x", 201))}, organizations.ErrInvalidName},
		{organizations.OrganizationUpdate{Slug: ptr("")}, organizations.ErrInvalidSlug},
		{organizations.OrganizationUpdate{Slug: ptr("Not A Slug")}, organizations.ErrInvalidSlug},
		{organizations.OrganizationUpdate{Data: ptr(json.RawMessage(`[]`))}, organizations.ErrInvalidJSON},
		{organizations.OrganizationUpdate{Settings: ptr(json.RawMessage(`{`))}, organizations.ErrInvalidJSON},
		// A valid field does not get stored when another is invalid.
		{organizations.OrganizationUpdate{Name: ptr("Fine"), Slug: ptr("-bad")}, organizations.ErrInvalidSlug},
	} {
		_, err := h.svc.UpdateOrganization(h.ctx, org.ID, c.u)
		require.ErrorIs(t, err, c.err)
	}
	for _, id := range []uuid.UUID{uuid.Nil, h.id()} {
		_, err := h.svc.UpdateOrganization(h.ctx, id, organizations.OrganizationUpdate{Name: ptr("Fine")})
		require.ErrorIs(t, err, organizations.ErrOrganizationNotFound)
	}
	requireSameOrg(t, org, h.org(org.ID))
	requireSameOrg(t, other, h.org(other.ID))
	h.requireNoEvents()
}
