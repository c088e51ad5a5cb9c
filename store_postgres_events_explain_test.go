package organizations

import (
	"context"

	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/go-organizations/organizations/internal/pgtest"
)

// sqlLoadEvents inserts $1 event records of $2 organizations, $3 actors and $4 subjects,
// one a second up to now, in one transaction (so one xid), numbered from the schema's
// sequence as they are inserted (as the trigger numbers them at commit, which leaves
// numbered rows alone). Their IDs, which no index or plan involves, are computed in
// order (gen_random_uuid() took a tenth of the load's time).
const sqlLoadEvents = `
INSERT INTO /* TEMPLATE: schema */organization_events (pos, id, organization_id, type, actor, subject, data, occurred_at)
SELECT nextval('/* TEMPLATE: schema */organization_events_pos_seq'),
	('018f0000-0003-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, md5('org-' || (g % $2::int))::uuid,
	(ARRAY['user_added', 'user_removed', 'role_changed', 'organization_updated'])[1 + g % 4],
	CASE WHEN g % 5 = 0 THEN NULL ELSE 'actor-' || (g % $3::int) END,
	CASE WHEN g % 4 = 3 THEN NULL ELSE 'user-' || (g % $4::int) END,
	'{}'::json, now() - ($1::int - g) * interval '1 second'
FROM generate_series(0, $1::int - 1) AS g`

// TestPostgresEventPlansUseIndexesAtAMillionEvents loads 1,000,000 event records and
// requires that the feed, every audit-log filter (first and next pages) and a prune step
// read organization_events through the index made for them, in custom and generic plans
// alike.
func TestPostgresEventPlansUseIndexesAtAMillionEvents(t *testing.T) {
	t.Parallel()
	pgtest.Heavy(t) // loads a million rows
	const events, orgs, actors, subjects = 1_000_000, 1_000, 10_000, 100_000
	schema, db := pgtest.Schema(t)
	s, err := NewPostgresStore(db, &PostgresOptions{Schema: schema})
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, s.Migrate(ctx))
	start := time.Now()
	require.NoError(t, pgtest.BulkLoad(ctx, db, schema, []string{"organization_events"}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, renderSQL(sqlLoadEvents, s.ident), events, orgs, actors, subjects)
		return err
	}))
	_, err = db.Exec(ctx, "VACUUM ANALYZE "+s.ident+".organization_events")
	require.NoError(t, err)
	t.Logf("loaded %d event records in %v", events, time.Since(start).Round(time.Millisecond))

	// A cursor in the middle of the feed, and an audit key in the middle of the log.
	var xid string
	var seq, pos int64
	var at time.Time
	require.NoError(t, db.QueryRow(ctx, "SELECT xid::text, seq, pos, occurred_at FROM "+s.ident+".organization_events ORDER BY pos OFFSET $1 LIMIT 1", events/2).
		Scan(&xid, &seq, &pos, &at))
	org := uuid.Must(uuid.Parse(md5UUID(t, db, "org-7")))
	// args are the audit statement's arguments: its filters, and the first page unless
	// after_at is among them.
	args := func(kv ...any) pgx.StrictNamedArgs {
		a := pgx.StrictNamedArgs{"after_pos": int64(1<<63 - 1), "limit": 51}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i].(string)] = kv[i+1]
		}
		return a
	}
	cases := []struct {
		name  string
		q     pgQuery
		args  pgx.StrictNamedArgs
		index []string // any one of them
	}{
		{"EventFeed, from the start", qEvents, pgx.StrictNamedArgs{"pos": int64(0), "limit": 100}, []string{"organization_events_pos_key"}},
		{"EventFeed, resumed", qEvents, pgx.StrictNamedArgs{"pos": pos, "limit": 100}, []string{"organization_events_pos_key"}},
		{"EventFeed, resumed from an old-form cursor", qEventsAfterXID, pgx.StrictNamedArgs{"xid": xid, "seq": seq, "limit": 100},
			[]string{"organization_events_pos_key"}},
		{"Token (the feed's last position)", qFeedHead, pgx.StrictNamedArgs{}, []string{"organization_events_pos_key"}},
		{"AuditLog by organization", qAudit[auditOrg], args("org", org), []string{"organization_events_org_idx"}},
		{"AuditLog by organization, next page", qAudit[auditOrg], args("org", org, "after_pos", pos), []string{"organization_events_org_idx"}},
		{"AuditLog by organization and types", qAudit[auditOrg|auditTypes], args("org", org, "types", []string{"role_changed"}), []string{"organization_events_org_idx"}},
		{"AuditLog by subject", qAudit[auditSubject], args("subject", "user-77"), []string{"organization_events_subject_idx"}},
		{"AuditLog by subject, next page", qAudit[auditSubject], args("subject", "user-77", "after_pos", pos), []string{"organization_events_subject_idx"}},
		{"AuditLog by actor", qAudit[auditActor], args("actor", "actor-77"), []string{"organization_events_actor_idx"}},
		{"AuditLog by actor and time", qAudit[auditActor|auditSince|auditUntil], args("actor", "actor-77", "since", at.Add(-time.Hour), "until", at), []string{"organization_events_actor_idx"}},
		{"AuditLog, all", qAudit[0], args(), []string{"organization_events_pos_key"}},
		{"AuditLog, all, next page", qAudit[0], args("after_pos", pos), []string{"organization_events_pos_key"}},
		{"AuditLog, a time range", qAudit[auditSince|auditUntil], args("since", at.Add(-time.Hour), "until", at), []string{"organization_events_time_idx", "organization_events_pos_key"}},
		{"AuditLog by organization and actor", qAudit[auditOrg|auditActor], args("org", org, "actor", "actor-7"), []string{"organization_events_org_idx", "organization_events_actor_idx"}},
		{"AuditLog by type", qAudit[auditTypes], args("types", []string{"user_removed"}), []string{"organization_events_pos_key"}},
		{"PruneEvents", qPruneEvents, pgx.StrictNamedArgs{"before": at.Add(-100 * time.Hour), "limit": PruneBatch}, []string{"organization_events_time_idx"}},
	}
	for _, c := range cases {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			plan := explain(t, db, c.name, mode, s.sql[c.q], c.args)
			used := map[string]bool{}
			plan.walk(func(n planNode) {
				used[n.IndexName] = true
				// Tid Scan: the prune's DELETE finds the rows its index scan chose by ctid.
				// Bitmap Heap Scan: the few rows of two selective filters, read through
				// one's index and sorted.
				if n.RelationName == "organization_events" && n.NodeType != "ModifyTable" {
					require.Contains(t, []string{"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan"}, n.NodeType,
						"%s, %s: %s reads organization_events", c.name, mode, n.NodeType)
				}
			})
			require.True(t, usesAny(used, c.index), "%s, %s: none of %v in the plan", c.name, mode, c.index)
		}
	}
}

// md5UUID is md5(s)::uuid, as sqlLoadEvents makes organization IDs.
func md5UUID(t *testing.T, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, s string) string {
	t.Helper()
	var id string
	require.NoError(t, db.QueryRow(t.Context(), "SELECT md5($1)::uuid::text", s).Scan(&id))
	return id
}
