package organizations

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// BenchmarkPostgresGuarantees prices the guarantees of an addition one by one, on the
// loaded, ANALYZEd tables of BenchmarkPostgres: every call alternates with the raw
// statement that writes the same rows (the membership and its numbered user_added
// record, in one statement, no checks), so each x-raw is measured pair by pair in one
// run. The variants:
//
//   - RawMembershipOnly: the raw membership INSERT without its record (the record's cost
//     is 1 - this x-raw);
//
//   - AddUser: the Service, unchecked (validation, IDs, the write function's locks,
//     checks and record);
//
//   - AddUserAsOwner, AddUserAsAdmin: actor-checked, by the owner and by an admin (the
//     actor's membership and custom roles locked, their permissions and the escalation
//     rule decided);
//
//   - AddUserLimited: into organizations with a member limit (the organization row locked
//     exclusively, the active members counted);
//
//   - GetOrAddUserMember: of a member, which is a read (against the raw SELECT of the
//     membership instead).
//
//     go test -run='^$' -bench=PostgresGuarantees -benchtime=2000x .
func BenchmarkPostgresGuarantees(b *testing.B) {
	s, pool := newLoadedStore(b, benchPostgresShape)
	bb := newBenchPostgres(b, s, benchPostgresShape)
	svc := New(s, nil)
	ctx := context.Background()
	q := func(sql string) string { return renderSQL(sql, s.ident) }
	rawAdd := q(`WITH m AS (
		INSERT INTO /* TEMPLATE: schema */memberships (id, organization_id, user_id, role, created_at, updated_at)
		VALUES ($1, $2, $3, 'member', $4, $4) RETURNING organization_id, user_id)
	INSERT INTO /* TEMPLATE: schema */organization_events (id, organization_id, type, actor, subject, data, pos)
	SELECT gen_random_uuid(), m.organization_id, 'user_added', NULL, m.user_id, json_build_object('user_id', m.user_id),
		(SELECT nextval('/* TEMPLATE: schema */organization_events_pos_seq') FROM (SELECT pg_advisory_xact_lock('pg_class'::regclass::oid::bigint::int,
			'/* TEMPLATE: schema */organization_events'::regclass::oid::bigint::bit(32)::int)) AS l)
	FROM m`)
	rawMemberOnly := q(`INSERT INTO /* TEMPLATE: schema */memberships (id, organization_id, user_id, role, created_at, updated_at)
		VALUES ($1, $2, $3, 'member', $4, $4)`)
	rawMember := q(`SELECT m.id, m.organization_id, m.user_id, m.role, m.created_at, m.updated_at, m.suspended_at
		FROM /* TEMPLATE: schema */memberships m WHERE m.organization_id = $1 AND m.user_id = $2`)

	// 64 organizations of 10 members with an admin, unlimited and limited.
	var free, limited []uuid.UUID
	limit := 1_000_000
	for i := range 128 {
		opts := &CreateOptions{}
		if i%2 == 1 {
			opts.MaxMembers = &limit
		}
		org, err := svc.CreateOrganization(ctx, "bench-owner", fmt.Sprintf("Guarantees %d", i), opts)
		require.NoError(b, err)
		_, err = svc.AddUser(ctx, org.ID, "bench-admin", RoleAdmin)
		require.NoError(b, err)
		for j := range 8 {
			_, err = svc.AddUser(ctx, org.ID, UserID(fmt.Sprintf("bench-m%d", j)), RoleMember)
			require.NoError(b, err)
		}
		if i%2 == 1 {
			limited = append(limited, org.ID)
		} else {
			free = append(free, org.ID)
		}
	}
	_, err := pool.Exec(ctx, "ANALYZE "+s.ident+".memberships")
	require.NoError(b, err)

	raw := func(i int, prefix string) error {
		_, err := pool.Exec(ctx, rawAdd, newV7(), bb.pair(i).org, fmt.Sprintf("raw-%s-%d", prefix, i), Timestamp(time.Now()))
		return err
	}
	var m memberRow
	variants := []struct {
		name string
		lib  func(i int, prefix string) error
		base func(i int, prefix string) error
	}{
		{"RawMembershipOnly", func(i int, prefix string) error {
			_, err := pool.Exec(ctx, rawMemberOnly, newV7(), bb.pair(i).org, fmt.Sprintf("only-%s-%d", prefix, i), Timestamp(time.Now()))
			return err
		}, raw},
		{"AddUser", func(i int, prefix string) error {
			_, err := svc.AddUser(ctx, free[i%len(free)], UserID(fmt.Sprintf("lib-%s-%d", prefix, i)), RoleMember)
			return err
		}, raw},
		{"AddUserAsOwner", func(i int, prefix string) error {
			_, err := svc.As("bench-owner").AddUser(ctx, free[i%len(free)], UserID(fmt.Sprintf("own-%s-%d", prefix, i)), RoleMember)
			return err
		}, raw},
		{"AddUserAsAdmin", func(i int, prefix string) error {
			_, err := svc.As("bench-admin").AddUser(ctx, free[i%len(free)], UserID(fmt.Sprintf("adm-%s-%d", prefix, i)), RoleMember)
			return err
		}, raw},
		{"AddUserLimited", func(i int, prefix string) error {
			_, err := svc.AddUser(ctx, limited[i%len(limited)], UserID(fmt.Sprintf("lim-%s-%d", prefix, i)), RoleMember)
			return err
		}, raw},
		{"GetOrAddUserMember", func(i int, _ string) error {
			_, created, err := svc.GetOrAddUser(ctx, free[i%len(free)], UserID(fmt.Sprintf("bench-m%d", i%8)), RoleMember)
			if err == nil && created {
				err = fmt.Errorf("GetOrAddUser added a member")
			}
			return err
		}, func(i int, _ string) error {
			return pool.QueryRow(ctx, rawMember, free[i%len(free)], fmt.Sprintf("bench-m%d", i%8)).Scan(m.dest()...)
		}},
	}
	for _, v := range variants { // warm the connection, the plans and the caches
		for i := range 50 {
			require.NoError(b, v.lib(i, "warm-"+v.name))
			require.NoError(b, v.base(i, "warm-"+v.name))
		}
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			prefix := bb.prefix()
			var lib, base time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if err := v.lib(i, prefix); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := v.base(i, prefix); err != nil {
					b.Fatal(err)
				}
				lib, base = lib+t1.Sub(t0), base+time.Since(t1)
				i++
			}
			b.ReportMetric(float64(lib)/float64(i), "ns/op")
			b.ReportMetric(float64(base)/float64(i), "raw-ns/op")
			b.ReportMetric(float64(lib)/float64(base), "x-raw")
		})
	}
}
