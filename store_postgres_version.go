package organizations

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// gooseTable is the table in which goose records the migrations it applied (version_id,
// is_applied, and id giving the order of its rows).
const gooseTable = "goose_db_version"

// CheckSchema reports whether the store's schema is at the version this build expects:
// nil when every embedded migration (Migrations) is applied, ErrSchemaOutdated when
// some are not (the message names what was found and what is expected), and
// ErrSchemaTooNew when the schema also has versions newer than this build knows. A host
// that runs migrations with its own tool calls it at start-up to refuse to serve rather
// than fail at the first query with "relation does not exist".
//
// It reads the record that Migrate keeps (organizations_migrations in the schema) or,
// where there is none, goose's record of the same files (see Migrate). It only reads,
// and a missing table is not an error, so it is safe in a host's transaction. Other
// errors: the database's, the context's.
func (s *PostgresStore) CheckSchema(ctx context.Context) error {
	migs, err := migrations()
	if err != nil {
		return err
	}
	applied, byGoose, err := s.appliedVersions(ctx, s.db)
	if err != nil {
		return err
	}
	want := migs[len(migs)-1].version
	var missing []int
	for _, m := range migs {
		if !slices.Contains(applied, m.version) {
			missing = append(missing, m.version)
		}
	}
	found := "no migrations applied"
	if len(applied) > 0 {
		found = "migrations " + versionList(applied) + " applied"
		if byGoose {
			found += " (recorded by goose)"
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: schema %q has %s; this build expects migrations 1 to %d, missing %s: run Migrate, or apply Migrations() with your tool",
			ErrSchemaOutdated, s.schema, found, want, versionList(missing))
	}
	if newest := slices.Max(applied); newest > want {
		return fmt.Errorf("%w: schema %q has %s; this build knows migrations 1 to %d", ErrSchemaTooNew, s.schema, found, want)
	}
	return nil
}

// versionList writes versions as "[1 2 3]".
func versionList(versions []int) string {
	parts := make([]string, len(versions))
	for i, v := range versions {
		parts[i] = strconv.Itoa(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// appliedVersions returns the migration versions applied to the store's schema, in
// order: those recorded in organizations_migrations when it has any; otherwise those
// recorded by goose (byGoose), when the schema holds the store's tables and a
// goose_db_version table is found, in the schema or else on the search_path. Requiring
// the tables keeps a host's own goose record, of its own migrations, from being taken
// for ours: goose's record counts only for a schema that something other than Migrate
// filled. A goose version is applied when its latest row says so (goose versions
// before v3 recorded a down migration as a row with is_applied false; later ones delete
// the row). Missing tables are not errors: nothing here raises one in a transaction.
func (s *PostgresStore) appliedVersions(ctx context.Context, db DBTX) (versions []int, byGoose bool, err error) {
	var own, tables bool
	var gooseSchema pgtype.Text
	err = db.QueryRow(ctx, `SELECT to_regclass($1::text) IS NOT NULL, to_regclass($2::text) IS NOT NULL,
		(SELECT n.nspname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		 WHERE c.oid = COALESCE(to_regclass($3::text), to_regclass($4::text)) AND c.relnamespace <> pg_catalog.pg_my_temp_schema())`,
		s.ident+"."+migrationTable, s.ident+".organizations", s.ident+"."+gooseTable, gooseTable,
	).Scan(&own, &tables, &gooseSchema)
	if err != nil {
		return nil, false, pgError(ctx, err)
	}
	if own {
		versions, err = s.versions(ctx, db, "SELECT version::bigint FROM "+s.ident+"."+migrationTable+" ORDER BY version")
		if err != nil || len(versions) > 0 {
			return versions, false, err
		}
	}
	if !tables || !gooseSchema.Valid {
		return nil, false, nil
	}
	goose := pgx.Identifier{gooseSchema.String, gooseTable}.Sanitize()
	versions, err = s.versions(ctx, db, `SELECT version_id::bigint FROM (
		SELECT DISTINCT ON (version_id) version_id, is_applied FROM `+goose+` ORDER BY version_id, id DESC) v
		WHERE is_applied AND version_id > 0 ORDER BY version_id`)
	return versions, len(versions) > 0, err
}

// versions runs a query of one bigint column.
func (s *PostgresStore) versions(ctx context.Context, db DBTX, query string) ([]int, error) {
	rows, err := db.Query(ctx, query)
	if err != nil {
		return nil, pgError(ctx, err)
	}
	var out []int
	var v int64
	_, err = pgx.ForEachRow(rows, []any{&v}, func() error {
		out = append(out, int(v))
		return nil
	})
	if err != nil {
		return nil, pgError(ctx, err)
	}
	return out, nil
}

// adoptGoose records in organizations_migrations the versions goose applied, so that
// from now on Migrate's own record is complete: Migrate becomes the schema's one runner.
func (s *PostgresStore) adoptGoose(ctx context.Context, tx migrationTx, versions []int, migs []migration) error {
	for _, v := range versions {
		name := "applied by goose"
		if i := slices.IndexFunc(migs, func(m migration) bool { return m.version == v }); i >= 0 {
			name = migs[i].name
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+s.ident+"."+migrationTable+" (version, name) VALUES ($1::integer, $2::text)", v, name); err != nil {
			return pgError(ctx, err)
		}
	}
	return nil
}
