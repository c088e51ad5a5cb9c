package organizations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlLoadSlugs inserts one organization per slug of $1, with its owner's membership.
const sqlLoadSlugs = `
WITH o AS (
	INSERT INTO %[1]s.organizations (id, name, slug, created_at, updated_at, owner_id, owner_since)
	SELECT gen_random_uuid(), 'Loaded', s, now(), now(), 'loader', now() FROM unnest($1::text[]) AS s
	RETURNING id
)
INSERT INTO %[1]s.memberships (id, organization_id, user_id, role, created_at, updated_at)
SELECT gen_random_uuid(), o.id, 'loader', 'admin', now(), now() FROM o`

// loadSlugs stores an organization for each of slugs, bypassing the library (as a
// database from before the slug counters holds them).
func loadSlugs(tb testing.TB, pool *pgxpool.Pool, schema string, slugs []string) {
	tb.Helper()
	_, err := pool.Exec(context.Background(), fmt.Sprintf(sqlLoadSlugs, pgx.Identifier{schema}.Sanitize()), slugs)
	require.NoError(tb, err)
}

// suffixed returns base, base-2, ..., base-n.
func suffixed(base string, n int) []string {
	out := []string{base}
	for i := 2; i <= n; i++ {
		out = append(out, organizations.SlugCandidate(base, i))
	}
	return out
}

// A database at migration 0001, full of suffixed slugs, upgraded: migration 0002 seeds
// each base's counter with its highest suffix in use, so that the next generated slug
// takes one statement.
func TestPostgresSlugCountersSeededOnUpgrade(t *testing.T) {
	counter := &queryCounter{}
	schema, pool := pgtest.SchemaWith(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = counter })
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	require.NoError(t, store.Migrate(t.Context()))
	qs := pgx.Identifier{schema}.Sanitize()
	// Back to 0001: without the counters, as a store of the previous version left it.
	_, err = pool.Exec(t.Context(), "DROP TABLE "+qs+".organization_slug_counters; DELETE FROM "+qs+".organizations_migrations WHERE version = 2")
	require.NoError(t, err)
	long := strings.Repeat("b", organizations.MaxSlugLength)
	slugs := append(suffixed("acme", 1000), "acme-2-3", "widget-7", "acme-99999999999",
		organizations.SlugCandidate(long, 5), "x-1", "y-0")
	loadSlugs(t, pool, schema, slugs)

	require.NoError(t, store.Migrate(t.Context()))
	seeded := map[string]int{}
	rows, err := pool.Query(t.Context(), "SELECT base, last FROM "+qs+".organization_slug_counters")
	require.NoError(t, err)
	var base string
	var last int
	_, err = pgx.ForEachRow(rows, []any{&base, &last}, func() error { seeded[base] = last; return nil })
	require.NoError(t, err)
	require.Equal(t, map[string]int{
		"acme": 1000, "acme-2": 3, "widget": 7, long[:organizations.MaxSlugLength-2]: 5,
	}, seeded, "the highest suffix of each base; none for suffixes of 10 digits and more, 0 or 1")

	svc := organizations.New(store, nil)
	create := func(name string) string {
		t.Helper()
		before := counter.n.Load()
		org, err := svc.CreateOrganization(t.Context(), "owner", name, nil)
		require.NoError(t, err)
		require.Equal(t, int64(1), counter.n.Load()-before, "statements for %q", name)
		return org.Slug
	}
	require.Equal(t, "acme-1001", create("Acme"))
	require.Equal(t, "acme-1002", create("Acme"))
	require.Equal(t, "widget", create("Widget"))
	require.Equal(t, "widget-8", create("Widget"))
	require.Equal(t, "acme-2-4", create("Acme 2"))
}

// BenchmarkPostgresSlugDuplicates creates organizations of a name whose slug base already
// has 0, 1,000 or 20,000 duplicates (loaded, with their counter as an upgrade seeds it):
// the time per create does not depend on their number.
//
//	go test -run='^$' -bench=PostgresSlugDuplicates -count=3 .
func BenchmarkPostgresSlugDuplicates(b *testing.B) {
	schema, pool := pgtest.Schema(b)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(b, err)
	require.NoError(b, store.Migrate(context.Background()))
	qs := pgx.Identifier{schema}.Sanitize()
	for _, n := range []int{0, 1_000, 20_000} {
		if n > 0 {
			base := fmt.Sprintf("dup%d", n)
			loadSlugs(b, pool, schema, suffixed(base, n))
			_, err := pool.Exec(context.Background(), "INSERT INTO "+qs+".organization_slug_counters (base, last) VALUES ($1, $2)", base, n)
			require.NoError(b, err)
		}
	}
	_, err = pool.Exec(context.Background(), "ANALYZE "+qs+".organizations; ANALYZE "+qs+".memberships; ANALYZE "+qs+".organization_slug_counters")
	require.NoError(b, err)
	svc := organizations.New(store, nil)
	for i := range 100 { // warm the connection and the statement cache up
		_, err := svc.CreateOrganization(context.Background(), "owner", fmt.Sprintf("Warm %d", i%10), nil)
		require.NoError(b, err)
	}
	for _, n := range []int{0, 1_000, 20_000} {
		b.Run(fmt.Sprintf("duplicates=%d", n), func(b *testing.B) {
			name := fmt.Sprintf("Dup %d", n)
			for b.Loop() {
				if _, err := svc.CreateOrganization(context.Background(), "owner", name, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
