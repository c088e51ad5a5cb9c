package organizations

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Read replicas (PostgresOptions.Replica).
//
// The reads that a page shows and a check makes (Access, OrganizationUser, Owner,
// Organization, OrganizationBySlug, CustomRoles, and the lists: Members, ListMembers,
// OrganizationsForUser, OrganizationsOwnedBy, ListTeams, ListTeamMembers, Events,
// AuditEvents) go through readRow and readRows, which send them to the replica when the
// context allows it (route) and to the primary otherwise, or when the replica fails.
// Everything else (writes, whose actor checks are part of them; lookups that come right
// before a write, by token hash or ID; the feed's head, which makes tokens) goes to the
// primary through queryRow, query and exec, as without a replica.
//
// A read may go to the replica only if the replica holds every change it must see:
//
//   - those up to its context's AtLeast token, a feed position. The feed's positions are
//     given in commit order under a lock held until the commit is visible (migration
//     0007), and a streaming standby replays commits in the primary's WAL order, so a
//     standby whose feed shows position p shows every change up to p.
//   - those of this store's own writes that had returned (read-your-own-writes in one
//     process), named by a WAL position (LSN): the primary's WAL insert position read
//     after the last of them (the floor), which a standby shows once it has replayed
//     the WAL up to it. Not a feed position: some writes (PruneEvents, SaveCursor,
//     activations) record no event.
//
// The replica's progress (its feed head and replay LSN, read in one statement there)
// is read when a read needs more than the last values seen, and kept: a standby's
// replay only goes forward, so what it showed before a read began is a lower bound for
// what that read sees.

// DefaultReplicaRetry is how long a PostgresStore sends every read to the primary after
// its replica failed to answer for a reason of its own (it could not be reached, shut
// down, refused connections), before it tries the replica again.
const DefaultReplicaRetry = time.Second

// replicaRouter is the replica of a PostgresStore and what the store knows of it. It is
// shared by the store's copies (Service.WithStore); WithTx and WithSQLTx drop it.
type replicaRouter struct {
	db DBTX

	head     atomic.Int64 // a lower bound of the replica's feed head (0: unknown)
	replayed atomic.Int64 // a lower bound of the LSN the replica has replayed (0: unknown)
	down     atomic.Int64 // until when (time.Now().UnixNano()) reads go to the primary
	epoch    uint64       // bumped, under mu, when the replica fails: older reads of its progress are dropped
	mu       sync.Mutex   // guards epoch and the updates of head and replayed

	writes   atomic.Uint64 // bumped after each statement that may write has returned
	floorGen atomic.Uint64 // the value of writes that floor covers
	floor    atomic.Int64  // the primary's WAL insert LSN read after the floorGen-th write returned

	heads, floors flightGroup // at most one head read of each kind at a time

	replica, primary, fallbacks, headReads, floorReads atomic.Uint64
}

// newReplicaRouter returns the router of db, or nil for no replica.
func newReplicaRouter(db DBTX) *replicaRouter {
	if db == nil {
		return nil
	}
	if pool, ok := db.(*pgxpool.Pool); ok {
		db = poolDB{pool}
	}
	return &replicaRouter{db: db}
}

// ReplicaStats counts where a PostgresStore's routable reads went (see
// PostgresOptions.Replica) since the store was made; its copies (Service.WithStore)
// count with it. All zero without a replica.
type ReplicaStats struct {
	// Replica counts the reads the replica answered.
	Replica uint64
	// Primary counts the reads sent to the primary without asking the replica: those
	// asking for FullConsistency, those needing a change the replica had not replayed
	// (a token's, or this store's own last write), and those made while the replica
	// was marked down.
	Primary uint64
	// Fallbacks counts the reads the replica failed, which the primary then answered.
	Fallbacks uint64
	// HeadReads counts the reads of the replica's progress (its feed head and replay
	// position): one when a read needs more than the replica last showed (concurrent
	// reads share one).
	HeadReads uint64
	// FloorReads counts the reads of the primary's WAL position made after this
	// store's writes (at most one per write, shared by the reads that follow it).
	FloorReads uint64
	// Head is the replica's feed head as last seen: every change up to it is there.
	Head ConsistencyToken
}

// ReplicaStats returns the counters of the store's read routing; see ReplicaStats.
func (s *PostgresStore) ReplicaStats() ReplicaStats {
	r := s.replica
	if r == nil {
		return ReplicaStats{}
	}
	return ReplicaStats{
		Replica: r.replica.Load(), Primary: r.primary.Load(), Fallbacks: r.fallbacks.Load(),
		HeadReads: r.headReads.Load(), FloorReads: r.floorReads.Load(),
		Head: ConsistencyToken{pos: r.head.Load()},
	}
}

// routesReads reports whether the store sends some reads to a replica (for CachedStore).
func (s *PostgresStore) routesReads() bool { return s.replica != nil }

// readRow is queryRow for a read the replica may answer (see route).
func (s *PostgresStore) readRow(ctx context.Context, q pgQuery, args pgArgs) pgx.Row {
	if s.replica == nil {
		return s.queryRow(ctx, q, args)
	}
	a, err := bindArgs(q, args)
	if err != nil {
		return errRow{err}
	}
	return &routedRow{s: s, ctx: ctx, sql: s.pos[q], args: a}
}

// routedRow routes its statement when scanned: to the replica, then to the primary if
// the replica failed.
type routedRow struct {
	s    *PostgresStore
	ctx  context.Context
	sql  string
	args []any
}

func (r *routedRow) Scan(dest ...any) error {
	rr := r.s.replica
	if db, ok := rr.route(r.ctx, r.s); ok {
		err := db.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
		if rr.answered(r.ctx, err) {
			return err
		}
	}
	return r.s.db.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
}

// readRows runs statement q, a read the replica may answer (see route), and calls fn
// with its rows; fn must consume or close them, and start from scratch if called again:
// when the replica fails, before or while fn reads its rows, fn is called again with the
// primary's.
func (s *PostgresStore) readRows(ctx context.Context, q pgQuery, args pgArgs, fn func(pgx.Rows) error) error {
	if s.replica == nil {
		rows, err := s.query(ctx, q, args)
		if err != nil {
			return err
		}
		return fn(rows)
	}
	a, err := bindArgs(q, args)
	if err != nil {
		return err
	}
	r := s.replica
	if db, ok := r.route(ctx, s); ok {
		err := runRows(ctx, db, s.pos[q], a, fn)
		if r.answered(ctx, err) {
			return err
		}
	}
	return runRows(ctx, s.db, s.pos[q], a, fn)
}

// runRows runs sql on db and hands its rows to fn.
func runRows(ctx context.Context, db DBTX, sql string, args []any, fn func(pgx.Rows) error) error {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		if rows != nil {
			rows.Close()
		}
		return err
	}
	return fn(rows)
}

// route returns the replica and true if a read with ctx may go there; otherwise it
// counts a read sent to the primary and returns false. The read needs the replica to
// hold every change up to its context's token and this store's own writes; the
// replica's progress is read there only when what it last showed is not enough.
func (r *replicaRouter) route(ctx context.Context, s *PostgresStore) (DBTX, bool) {
	c := ConsistencyFrom(ctx)
	if c.mode == modeFull || time.Now().UnixNano() < r.down.Load() {
		r.primary.Add(1)
		return nil, false
	}
	pos := c.token.pos
	lsn, err := r.ownWrites(ctx, s)
	if err != nil {
		r.primary.Add(1)
		return nil, false
	}
	if (pos > r.head.Load() || lsn > r.replayed.Load()) && !r.reaches(ctx, s, pos, lsn) {
		r.primary.Add(1)
		return nil, false
	}
	return r.db, true
}

// qPrimaryLSN reads the primary's WAL insert position, as a number: every transaction
// that has committed before it was read has its commit record before it.
var qPrimaryLSN = pgStatement(`SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint`)

// qReplicaProgress reads a standby's feed head (as qFeedHead) and the WAL position it
// has replayed, as a number: every commit up to it is visible to the next statement.
var qReplicaProgress = pgStatement(`
SELECT COALESCE((SELECT e.pos FROM /* TEMPLATE: schema */organization_events e
	WHERE e.pos IS NOT NULL ORDER BY e.pos DESC LIMIT 1), 0),
	COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)`)

// ownWrites returns a WAL position at or after the commit of every write of this store
// that had returned when it was called: 0 if there were none, else the primary's WAL
// insert position read after the last of them, once per write (the reads that follow
// one share it).
func (r *replicaRouter) ownWrites(ctx context.Context, s *PostgresStore) (int64, error) {
	g := r.writes.Load()
	if r.floorGen.Load() >= g {
		return r.floor.Load(), nil
	}
	// Every write counted in g returned before this: a position read from now on covers it.
	_, err := r.floors.do(ctx, g, func() (int64, error) {
		r.floorReads.Add(1)
		var lsn int64
		if err := s.queryRow(ctx, qPrimaryLSN, pgArgs{}).Scan(&lsn); err != nil {
			return 0, err
		}
		storeMax(&r.floor, lsn) // floor first: a reader that sees floorGen sees it
		storeMaxU(&r.floorGen, g)
		return lsn, nil
	})
	if err != nil {
		return 0, err
	}
	return r.floor.Load(), nil
}

// reaches reports whether the replica holds every change up to feed position pos and
// WAL position lsn, reading its progress there (shared with concurrent reads) if what
// it last showed is not enough.
func (r *replicaRouter) reaches(ctx context.Context, s *PostgresStore, pos, lsn int64) bool {
	_, err := r.heads.do(ctx, 0, func() (int64, error) {
		r.headReads.Add(1)
		r.mu.Lock()
		epoch := r.epoch
		r.mu.Unlock()
		var head, replayed int64
		if err := r.db.QueryRow(ctx, s.pos[qReplicaProgress]).Scan(&head, &replayed); err != nil {
			r.failed(ctx, err)
			return 0, err
		}
		r.mu.Lock()
		if r.epoch == epoch {
			storeMax(&r.head, head)
			storeMax(&r.replayed, replayed)
		}
		r.mu.Unlock()
		return head, nil
	})
	return err == nil && r.head.Load() >= pos && r.replayed.Load() >= lsn
}

// answered reports whether err, the replica's answer to a read with ctx, stands, and
// counts the read: as the replica's, or as a fallback when the primary must answer
// instead (failed).
func (r *replicaRouter) answered(ctx context.Context, err error) bool {
	if r.failed(ctx, err) {
		r.fallbacks.Add(1)
		return false
	}
	r.replica.Add(1)
	return true
}

// failed reports whether err, the replica's answer to a statement with ctx, is a
// failure the primary should make up for. Not failures: none, no row (an answer), and
// an error of ctx's own end (the primary would fail too). A failure of the replica
// itself (it cannot be reached, the connection broke, the server shuts down or refuses
// connections; any error that is not the server's answer to the statement) also marks
// it down for DefaultReplicaRetry and forgets its progress (a standby restarted from
// its last restartpoint may show less than before); a statement error (a recovery conflict,
// 40001; a table the standby has not replayed yet) fails that statement only.
func (r *replicaRouter) failed(ctx context.Context, err error) bool {
	if err == nil || errors.Is(err, pgx.ErrNoRows) || ctx.Err() != nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && !replicaDown(pe.Code) {
		return true
	}
	r.mu.Lock()
	r.epoch++
	r.head.Store(0)
	r.replayed.Store(0)
	r.down.Store(time.Now().Add(DefaultReplicaRetry).UnixNano())
	r.mu.Unlock()
	return true
}

// replicaDown reports whether SQLSTATE code says the server, not the statement, failed:
// connection exceptions (08), operator intervention (57: shutdown, cannot connect now;
// but not 57014, a cancelled statement), insufficient resources (53: too many
// connections).
func replicaDown(code string) bool {
	if code == pgQueryCanceled || len(code) < 2 {
		return false
	}
	switch code[:2] {
	case "08", "57", "53":
		return true
	}
	return false
}

// wrote counts a write that has returned.
func (r *replicaRouter) wrote() { r.writes.Add(1) }

// writeRow is the row of a statement that may write: it counts the write once scanned.
type writeRow struct {
	pgx.Row
	r *replicaRouter
}

func (w writeRow) Scan(dest ...any) error {
	defer w.r.wrote()
	return w.Row.Scan(dest...)
}

// writeRows are the rows of a statement that may write: they count the write once
// read to the end or closed.
type writeRows struct {
	pgx.Rows
	r    *replicaRouter
	done bool
}

func (w *writeRows) Next() bool {
	if w.Rows.Next() {
		return true
	}
	w.count()
	return false
}

func (w *writeRows) Close() {
	w.Rows.Close()
	w.count()
}

func (w *writeRows) count() {
	if !w.done {
		w.done = true
		w.r.wrote()
	}
}

// pgWrites reports, by pgQuery, whether a statement may write: it names INSERT,
// UPDATE (FOR UPDATE included), DELETE, MERGE or TRUNCATE, or calls a function of the
// store's schema (the write functions). Erring towards "may write" costs a read of the
// primary's WAL position; the other way would lose read-your-own-writes.
var pgWrites = sync.OnceValue(func() []bool {
	out := make([]bool, len(pgStatements))
	for i, sql := range pgStatements {
		out[i] = pgWriteSyntax.MatchString(sql)
	}
	return out
})

var pgWriteSyntax = regexp.MustCompile(`(?i)\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b|/\* TEMPLATE: schema \*/[a-z_0-9]+\s*\(`)

// mayWrite reports whether statement q may write (pgWrites).
func mayWrite(q pgQuery) bool { return pgWrites()[q] }

// storeMax raises v to x if x is larger.
func storeMax(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// storeMaxU raises v to x if x is larger.
func storeMaxU(v *atomic.Uint64, x uint64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// flightGroup runs one head read at a time: a caller joins the one in flight if it
// began at or after gen (its own), else starts its own.
type flightGroup struct {
	mu  sync.Mutex
	cur *flight
}

type flight struct {
	gen  uint64
	done chan struct{}
	val  int64
	err  error
}

// do returns fn's result, or that of a call in flight for a gen at least gen.
func (g *flightGroup) do(ctx context.Context, gen uint64, fn func() (int64, error)) (int64, error) {
	g.mu.Lock()
	if f := g.cur; f != nil && f.gen >= gen {
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.val, f.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	f := &flight{gen: gen, done: make(chan struct{})}
	g.cur = f
	g.mu.Unlock()
	f.val, f.err = fn()
	close(f.done)
	g.mu.Lock()
	if g.cur == f {
		g.cur = nil
	}
	g.mu.Unlock()
	return f.val, f.err
}
