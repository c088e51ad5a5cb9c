package pgtest

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// BulkLoad runs load in one transaction on db, with the tables of schema stripped of
// what costs the most to keep up row by row, and given it back once the rows are in, as
// pg_restore does: their primary keys and unique constraints, the foreign keys they hold
// or that reference them, and their indexes that back no constraint. Building an index
// once over a loaded table costs a fraction of keeping it up to date row by row (a
// million rows: several times less), and a foreign key added back checks every row in
// one query. Their other constraints (CHECK, NOT NULL) and triggers stay throughout. It
// commits, and returns nil, only if load succeeds and every loaded row keeps every
// constraint; otherwise it returns load's error or the first constraint a row breaks.
func BulkLoad(ctx context.Context, db *pgxpool.Pool, schema string, tables []string, load func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		return withoutKeys(ctx, tx, schema, tables, func() error {
			return withoutIndexes(ctx, tx, schema, tables, func() error { return load(tx) })
		})
	})
}

// withoutIndexes runs load in tx with the indexes of the tables of schema that back no
// constraint dropped, and then creates them again from their own definitions.
func withoutIndexes(ctx context.Context, tx pgx.Tx, schema string, tables []string, load func() error) error {
	rows, err := tx.Query(ctx, `
		SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = $1 AND i.tablename = ANY ($2::text[])
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c
				WHERE c.conrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.tablename))::regclass
					AND c.conname = i.indexname)`, schema, tables)
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

// withoutKeys runs load in tx with the primary keys and unique constraints of the tables
// of schema dropped, and the foreign keys that the tables hold or that reference them,
// and then adds them back from their own definitions, keys before the foreign keys that
// need them. Adding one back fails if a loaded row breaks it.
func withoutKeys(ctx context.Context, tx pgx.Tx, schema string, tables []string, load func() error) error {
	rels := make([]string, len(tables))
	for i, table := range tables {
		rels[i] = pgx.Identifier{schema, table}.Sanitize()
	}
	// Foreign keys first, so that the keys they need can go.
	rows, err := tx.Query(ctx, `
		SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
		FROM pg_catalog.pg_constraint c
		WHERE (c.contype IN ('p', 'u') AND c.conrelid = ANY ($1::regclass[]))
			OR (c.contype = 'f' AND (c.conrelid = ANY ($1::regclass[]) OR c.confrelid = ANY ($1::regclass[])))
		ORDER BY c.contype <> 'f', c.conrelid, c.conname`, rels)
	if err != nil {
		return err
	}
	type constraint struct{ Table, Name, Def string }
	constraints, err := pgx.CollectRows(rows, pgx.RowToStructByPos[constraint])
	if err != nil {
		return err
	}
	for _, c := range constraints {
		// The names come from the catalog, quoted by the server (regclass, quote_ident).
		if _, err := tx.Exec(ctx, "ALTER TABLE "+c.Table+" DROP CONSTRAINT "+c.Name); err != nil {
			return err
		}
	}
	if err := load(); err != nil {
		return err
	}
	for i := len(constraints) - 1; i >= 0; i-- {
		c := constraints[i]
		if _, err := tx.Exec(ctx, "ALTER TABLE "+c.Table+" ADD CONSTRAINT "+c.Name+" "+c.Def); err != nil {
			return fmt.Errorf("pgtest: add constraint %s back: %w", c.Name, err)
		}
	}
	return nil
}
