package organizations_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-organizations/organizations"
	"github.com/stretchr/testify/require"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 250)
	for _, tc := range []struct{ name, want string }{
		{"Soundgarden", "soundgarden"},
		{"Föö Fighters!!", "foo-fighters"},
		{"Mötley Crüe", "motley-crue"},
		{"Ça va?", "ca-va"},
		{"Rock & Roll", "rock-and-roll"},
		{"AC/DC", "ac-dc"},
		{"snake_case name", "snake-case-name"},
		{"a__b", "a-b"},
		{"a -- b", "a-b"},
		{"--x--", "x"},
		{"  spaced  ", "spaced"},
		{"東京", "dong-jing"},
		{"Band 2", "band-2"},
		{"\xff\xfeabc", "abc"},
		{long, long[:organizations.MaxSlugLength]},
		// Nothing to keep, or a slug shaped like a UUID: the fallback, never "".
		{"", "organization"},
		{"!!!", "organization"},
		{"😀", "organization"},
		{"0190c5a4-7b1e-7cc0-8000-000000000001", "organization"},
	} {
		got := organizations.Slugify(tc.name)
		require.Equal(t, tc.want, got, "Slugify(%q)", tc.name)
		require.NoError(t, organizations.ValidSlug(got), "Slugify(%q)", tc.name)
	}
}

func TestSlugifyCutsAtAHyphen(t *testing.T) {
	t.Parallel()
	// A cut that lands right after a word must not leave a trailing hyphen.
	name := strings.Repeat("x", organizations.MaxSlugLength-1) + " yy"
	got := organizations.Slugify(name)
	require.Equal(t, strings.Repeat("x", organizations.MaxSlugLength-1), got)
}

func FuzzSlugify(f *testing.F) {
	for _, s := range []string{"Föö Fighters!!", "", "!!!", "a_b-c", "\xff", strings.Repeat("ab ", 100), "0190c5a4-7b1e-7cc0-8000-000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := organizations.Slugify(name)
		require.NoError(t, organizations.ValidSlug(s), "Slugify(%q) = %q", name, s)
		require.NoError(t, organizations.ValidSlug(organizations.SlugCandidate(s, 1234)))
	})
}

func TestSlugCandidate(t *testing.T) {
	t.Parallel()
	x200 := strings.Repeat("x", organizations.MaxSlugLength)
	hyphenAtCut := strings.Repeat("x", 197) + "-yy" // cut to 198 bytes ends in "-"
	for _, tc := range []struct {
		base string
		n    int
		want string
	}{
		{"foo", -1, "foo"},
		{"foo", 0, "foo"},
		{"foo", 1, "foo"},
		{"foo", 2, "foo-2"},
		{"foo", 10, "foo-10"},
		{"foo-2", 2, "foo-2-2"},
		{x200, 2, x200[:198] + "-2"},
		{x200, 100, x200[:196] + "-100"},
		{hyphenAtCut, 2, strings.Repeat("x", 197) + "-2"},
	} {
		got := organizations.SlugCandidate(tc.base, tc.n)
		require.Equal(t, tc.want, got, "SlugCandidate(%q, %d)", tc.base, tc.n)
		require.LessOrEqual(t, len(got), organizations.MaxSlugLength)
		require.NoError(t, organizations.ValidSlug(got))
	}
}

func TestValidSlug(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"a", "0", "soundgarden", "foo-fighters", "foo-2", "2019", "a-b-c-d",
		strings.Repeat("s", organizations.MaxSlugLength),
		"0190c5a4-7b1e-7cc0-8000-00000000000", // one character short of a UUID
	} {
		require.NoError(t, organizations.ValidSlug(s), "%q", s)
	}
	bad := []string{"", "-", "--"}
	for _, s := range badSlugs {
		bad = append(bad, s)
	}
	for _, s := range bad {
		require.ErrorIs(t, organizations.ValidSlug(s), organizations.ErrInvalidSlug, "%q", s)
	}
}

// CreateOrganization makes slugs from names and resolves collisions; an explicit slug is
// used as given and never replaced.
func TestCreateOrganizationSlugs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	create := func(name string, opts *organizations.CreateOptions) (string, error) {
		org, err := svc.CreateOrganization(ctx, "chris", name, opts)
		return org.Slug, err
	}
	long := strings.Repeat("x", organizations.MaxNameLength)
	ss := strings.Repeat("ß", organizations.MaxNameLength) // transliterates to twice as long
	for _, tc := range []struct {
		name, slug, want string
		err              error
	}{
		{name: "Foo Fighters", want: "foo-fighters"},
		{name: "Föö Fighters!!", want: "foo-fighters-2"},
		{name: "FOO FIGHTERS", want: "foo-fighters-3"},
		{name: "!!!", want: "organization"},
		{name: "😀", want: "organization-2"},
		{name: long, want: long[:200]},
		{name: long, want: long[:198] + "-2"},
		{name: ss, want: strings.Repeat("ss", 100)},
		{name: ss, want: strings.Repeat("ss", 99) + "-2"},
		{name: "Anything", slug: "foo-fighters-4", want: "foo-fighters-4"},
		{name: "Foo Fighters", want: "foo-fighters-5"},
		{name: "Foo Fighters", slug: "foo-fighters", err: organizations.ErrSlugTaken},
		{name: "Foo Fighters", slug: "Foo-Fighters", err: organizations.ErrInvalidSlug},
	} {
		var opts *organizations.CreateOptions
		if tc.slug != "" {
			opts = &organizations.CreateOptions{Slug: tc.slug}
		}
		got, err := create(tc.name, opts)
		if tc.err != nil {
			require.True(t, errors.Is(err, tc.err), "create %q slug %q: %v", tc.name, tc.slug, err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got, "create %q", tc.name)
		byslug, err := svc.OrganizationBySlug(ctx, got)
		require.NoError(t, err)
		require.Equal(t, got, byslug.Slug)
	}
}

func TestUpdateOrganizationSlug(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := organizations.New(nil, nil)
	org, err := svc.CreateOrganization(ctx, "chris", "Soundgarden", nil)
	require.NoError(t, err)

	name := "Chris Cornell Band"
	renamed, err := svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Name: &name})
	require.NoError(t, err)
	require.Equal(t, "soundgarden", renamed.Slug, "renaming keeps the slug")

	slug := "cornell"
	moved, err := svc.UpdateOrganization(ctx, org.ID, organizations.OrganizationUpdate{Slug: &slug})
	require.NoError(t, err)
	require.Equal(t, "cornell", moved.Slug)
	_, err = svc.OrganizationBySlug(ctx, "soundgarden")
	require.ErrorIs(t, err, organizations.ErrOrganizationNotFound, "the old slug is free")

	// The freed slug can be taken by a new organization, without a suffix.
	again, err := svc.CreateOrganization(ctx, "kim", "Soundgarden", nil)
	require.NoError(t, err)
	require.Equal(t, "soundgarden", again.Slug)
}
