package pgtest

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BulkLoad runs load in one transaction on db with the tables' triggers off, foreign keys'
// included (session_replication_role replica, which needs a superuser or the privilege
// to set it; without it they stay on), then checks every foreign key of the tables in
// schema in one pass each, as ALTER TABLE ... VALIDATE CONSTRAINT would: checking a
// million rows one by one as they go in takes longer than inserting them. It returns
// load's error, or the first foreign key that a row breaks.
func BulkLoad(ctx context.Context, db *pgxpool.Pool, schema string, load func(tx pgx.Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "SAVEPOINT replica"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT replica"); err != nil {
			return err
		}
	}
	if err := load(tx); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "RESET session_replication_role"); err != nil {
		return err
	}
	if err := checkForeignKeys(ctx, tx, schema); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// checkForeignKeys returns an error naming the first foreign key of a table in schema
// that a row breaks (MATCH SIMPLE: a row with a null in the key breaks none).
func checkForeignKeys(ctx context.Context, tx pgx.Tx, schema string) error {
	rows, err := tx.Query(ctx, `
		SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
			array_agg(quote_ident(a.attname) ORDER BY k.i), array_agg(quote_ident(f.attname) ORDER BY k.i)
		FROM pg_catalog.pg_constraint c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
		CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, fcol, i)
		JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
		JOIN pg_catalog.pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = k.fcol
		WHERE n.nspname = $1 AND c.contype = 'f'
		GROUP BY c.oid, c.conname, c.conrelid, c.confrelid
		ORDER BY c.conname`, schema)
	if err != nil {
		return err
	}
	type fk struct {
		name, table, ref string
		cols, refCols    []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var k fk
		err := r.Scan(&k.name, &k.table, &k.ref, &k.cols, &k.refCols)
		return k, err
	})
	if err != nil {
		return err
	}
	for _, k := range fks {
		var match, notNull []string
		for i := range k.cols {
			match = append(match, "r."+k.refCols[i]+" = t."+k.cols[i])
			notNull = append(notNull, "t."+k.cols[i]+" IS NOT NULL")
		}
		// The names come from the catalog, quoted by the server (regclass, quote_ident).
		sql := "SELECT EXISTS (SELECT 1 FROM " + k.table + " AS t WHERE " + strings.Join(notNull, " AND ") +
			" AND NOT EXISTS (SELECT 1 FROM " + k.ref + " AS r WHERE " + strings.Join(match, " AND ") + "))"
		var broken bool
		if err := tx.QueryRow(ctx, sql).Scan(&broken); err != nil {
			return fmt.Errorf("check foreign key %s: %w", k.name, err)
		}
		if broken {
			return fmt.Errorf("pgtest: a row of %s breaks its foreign key %s", k.table, k.name)
		}
	}
	return nil
}

// WithoutIndexes runs load in tx with the indexes of schema.table that back no constraint
// dropped, and then creates them again from their own definitions: building an index
// once over a loaded table is many times faster than keeping it up to date row by row.
// The table's constraints (and the indexes behind them) stay throughout.
func WithoutIndexes(ctx context.Context, tx pgx.Tx, schema, table string, load func() error) error {
	rows, err := tx.Query(ctx, `
		SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = $1 AND i.tablename = $2
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c
				WHERE c.conrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND c.conname = i.indexname)`, schema, table)
	if err != nil {
		return err
	}
	type index struct{ Name, Def string }
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{schema, ix.Name}.Sanitize()); err != nil {
			return err
		}
	}
	if err := load(); err != nil {
		return err
	}
	for _, ix := range indexes {
		if _, err := tx.Exec(ctx, ix.Def); err != nil {
			return fmt.Errorf("pgtest: recreate index %s: %w", ix.Name, err)
		}
	}
	return nil
}
