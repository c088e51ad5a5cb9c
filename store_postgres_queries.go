package organizations

import "strings"

// pgQuery is the handle of one of PostgresStore's statements: an index into
// PostgresStore.sql, the statements rendered for the store's schema.
type pgQuery int

// pgStatements are the statements of PostgresStore as written, in the order pgStatement
// registered them (package initialisation); each is rendered once per store by
// NewPostgresStore.
var pgStatements []string

// pgStatement registers the statement sql and returns its handle. Every statement is
// declared once, as
//
//	var qFoo = pgStatement(`SELECT ... FROM /* TEMPLATE: schema */organizations ...`)
//
// so that adding one touches one place. Statements name their parameters (@name, passed
// as pgx.StrictNamedArgs, so that a missing or unused argument is an error) and qualify
// the store's tables with schemaPlaceholder.
func pgStatement(sql string) pgQuery {
	pgStatements = append(pgStatements, sql)
	return pgQuery(len(pgStatements) - 1)
}

// schemaPlaceholder stands before every table name of the store's statements. It is a
// comment, so a statement as written is valid SQL on unqualified tables (for psql, EXPLAIN
// and SQL tools); renderSQL replaces it with the store's quoted schema and a dot, once, at
// construction, in constant SQL text: no input is ever spliced into SQL.
const schemaPlaceholder = "/* TEMPLATE: schema */"

// renderSQL returns sql with its tables qualified by the quoted schema ident.
func renderSQL(sql, ident string) string {
	return strings.ReplaceAll(sql, schemaPlaceholder, ident+".")
}
