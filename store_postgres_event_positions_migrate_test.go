package organizations_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations"
	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlUndo0007 undoes migration 0007 exactly: the events tables as 0004 made them.
const sqlUndo0007 = `
DROP TRIGGER organization_events_number ON {s}.organization_events;
DROP FUNCTION {s}.organization_events_number();
DROP INDEX {s}.organization_events_pos_key, {s}.organization_events_time_idx, {s}.organization_events_org_idx,
	{s}.organization_events_actor_idx, {s}.organization_events_subject_idx;
ALTER TABLE {s}.organization_events DROP COLUMN pos;
CREATE INDEX organization_events_time_idx ON {s}.organization_events (occurred_at, seq);
CREATE INDEX organization_events_org_idx ON {s}.organization_events (organization_id, occurred_at, seq);
CREATE INDEX organization_events_actor_idx ON {s}.organization_events (actor, occurred_at, seq) WHERE actor IS NOT NULL;
CREATE INDEX organization_events_subject_idx ON {s}.organization_events (subject, occurred_at, seq) WHERE subject IS NOT NULL;
ALTER TABLE {s}.organization_event_cursors DROP COLUMN pos, ADD COLUMN xid xid8 NOT NULL, ADD COLUMN seq bigint NOT NULL;
DELETE FROM {s}.organizations_migrations WHERE version = 7;`

// A database at migration 0005 with records and saved cursors, upgraded by Migrate: the
// records keep their old feed order, (xid, seq) (a transaction that got its ID first and
// wrote last still comes first), a saved cursor keeps its place (one before every record
// becomes the start), an old-form cursor string resumes after the record it names, and
// the records written after the upgrade come after them all.
func TestPostgresEventPositionsMigrationKeepsPlaces(t *testing.T) {
	t.Parallel()
	schema, pool := pgtest.Schema(t)
	store, err := organizations.NewPostgresStore(pool, &organizations.PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, store.Migrate(ctx))
	s := pgx.Identifier{schema}.Sanitize()
	_, err = pool.Exec(ctx, strings.ReplaceAll(sqlUndo0007, "{s}", s))
	require.NoError(t, err)
	require.ErrorIs(t, store.CheckSchema(ctx), organizations.ErrSchemaOutdated)

	// As 0004's statements wrote them: A gets its ID, B writes and commits, A writes.
	insert := `INSERT INTO ` + s + `.organization_events (id, organization_id, type, subject, data)
		VALUES (gen_random_uuid(), gen_random_uuid(), 'user_added', $1, '{}') RETURNING xid::text, seq`
	txA, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = txA.Exec(ctx, "SELECT pg_current_xact_id()")
	require.NoError(t, err)
	var xidB, xidA string
	var seqB, seqA int64
	require.NoError(t, pool.QueryRow(ctx, insert, "b").Scan(&xidB, &seqB))
	require.NoError(t, txA.QueryRow(ctx, insert, "a").Scan(&xidA, &seqA))
	require.NoError(t, txA.Commit(ctx))
	require.Less(t, seqB, seqA)
	_, err = pool.Exec(ctx, insert, "c")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO `+s+`.organization_event_cursors (consumer, xid, seq, updated_at)
		VALUES ('after-a', $1::text::xid8, $2, now()), ('before-all', '1', 1, now())`, xidA, seqA)
	require.NoError(t, err)

	require.NoError(t, store.Migrate(ctx))
	require.NoError(t, store.CheckSchema(ctx))
	svc := organizations.New(store, nil)
	subjects := func(recs []organizations.EventRecord) []organizations.UserID {
		out := make([]organizations.UserID, len(recs))
		for i, r := range recs {
			out[i] = r.Subject
		}
		return out
	}
	all := feedOf(t, svc, 3)
	require.Equal(t, []organizations.UserID{"a", "b", "c"}, subjects(all), "the old (xid, seq) order")
	saved, err := store.LoadCursor(ctx, "after-a")
	require.NoError(t, err)
	require.Equal(t, all[0].Cursor, saved, "the saved cursor converted: after a")
	saved, err = store.LoadCursor(ctx, "before-all")
	require.NoError(t, err)
	require.Empty(t, saved, "a saved cursor before every record: the start")

	_, err = svc.CreateOrganization(ctx, "d", "After The Upgrade", nil)
	require.NoError(t, err)
	old := xidA + "." + strconv.FormatInt(seqA, 10)
	recs, next, err := svc.EventFeed(ctx, old, 10)
	require.NoError(t, err)
	require.Equal(t, []organizations.UserID{"b", "c", "d"}, subjects(recs), "an old-form cursor resumes after its record")
	require.Equal(t, recs[2].Cursor, next)
	recs, _, err = svc.EventFeed(ctx, "1.1", 10)
	require.NoError(t, err)
	require.Len(t, recs, 4, "an old-form cursor before every record: the start")
	require.NoError(t, store.SaveCursor(ctx, "after-a", next))
	require.ErrorIs(t, store.SaveCursor(ctx, "after-a", old), organizations.ErrInvalidCursor, "SaveCursor takes a record's cursor only")
}
