package organizations

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The wake-up on commit (migrations 0017 and 0019), off unless the host turns it on
// with SetFeedNotify: a transaction that adds records to a PostgresStore's feed then
// notifies feedChannel with the schema's name as payload when it commits (one
// notification per transaction, however many records). A CachedStore over a
// PostgresStore on a *pgxpool.Pool keeps one connection of its own listening there, and
// each notification of its schema wakes its follower, which then reads the feed at once
// instead of at its next poll. Notifications that come while the follower reads fold into
// one more read: the follower reads once per batch of commits, not once per commit.
//
// The poll goes on whatever happens (PollInterval): a lost connection, a notification
// lost with it, a trigger disabled by the host, a pooler that does not pass
// notifications on. Listening only shortens the wait; it never decides what is fresh.

// feedChannel is the channel of migration 0017's notifications.
const feedChannel = "organizations_feed"

// feedProbeWait is how long a new listening connection waits for the probe it sent
// through another connection before it concludes that notifications do not reach it.
const feedProbeWait = 5 * time.Second

// qFeedNotify sends a notification on a channel: the probe of a listening connection.
var qFeedNotify = pgStatement(`SELECT pg_notify(@channel::text, @payload::text)`)

// qFeedNotifyOn reads whether the schema's notification trigger (0019) is enabled; no
// row (a schema migrated before 0017) reads as off.
var qFeedNotifyOn = pgStatement(`
SELECT coalesce(bool_or(t.tgenabled <> 'D'), false)
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema::text AND c.relname = 'organization_events'
  AND t.tgname = 'organization_events_notify'`)

// FeedNotify reports whether the store's schema sends the wake-up on commit that a
// CachedStore listens for (see SetFeedNotify). Errors: the context's or the database's.
func (s *PostgresStore) FeedNotify(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var on bool
	if err := s.queryRow(ctx, qFeedNotifyOn, pgArgs{"schema": s.schema}).Scan(&on); err != nil {
		return false, pgReadError(ctx, err)
	}
	return on, nil
}

// SetFeedNotify turns the wake-up on commit on or off for the store's schema: every
// process's CachedStore over this schema listens for it, and a follower woken by a commit
// reads the feed at once instead of at its next poll (see docs/cache.md for the lag it
// buys). It is off after Migrate (migration 0019), because every writer pays for it
// whether or not anything listens: a trigger on the feed's table and the serialisation of
// notifying commits across the database, 3 to 9 % of a write on the benchmark machine
// (BenchmarkFeedNotifyWriteCost). Turn it on once, at deploy or start-up,
// before creating the caches that should listen: a cache that found it off polls until it
// is made anew (ErrFeedNotifyOff). It is a setting of the schema, kept by PostgreSQL, not
// of this store value: it holds for every process, and survives restarts.
//
// It changes nothing when the setting is already as asked; otherwise it runs ALTER TABLE
// organization_events ENABLE (or DISABLE) TRIGGER organization_events_notify, which needs
// the table's owner (the role that ran Migrate) and waits for, then briefly blocks, the
// writes in flight to the feed. Hosts that migrate with their own tool can run that
// statement instead. On a store of WithTx or WithSQLTx it is part of the host's
// transaction. Errors: the context's or the database's (such as insufficient_privilege).
func (s *PostgresStore) SetFeedNotify(ctx context.Context, on bool) error {
	cur, err := s.FeedNotify(ctx)
	if err != nil || cur == on {
		return err
	}
	// Constant SQL: the schema's identifier was validated and quoted at construction.
	sql := "ALTER TABLE " + s.ident + ".organization_events DISABLE TRIGGER organization_events_notify"
	if on {
		sql = "ALTER TABLE " + s.ident + ".organization_events ENABLE TRIGGER organization_events_notify"
	}
	_, err = s.db.Exec(ctx, sql)
	return pgError(ctx, err)
}

// feedListener is implemented by stores whose commits can wake a follower.
type feedListener interface {
	// canListen reports whether listenFeed can work at all (a PostgresStore on a
	// *pgxpool.Pool); when false, the follower only polls.
	canListen() bool
	// listenFeed listens for the commits of the store's feed until ctx is done or the
	// connection fails, and returns why. It calls up once notifications are known to
	// arrive (after which a commit not yet read may still be there: read once), and
	// wake for each notification of the store's feed. Error: ErrFeedNotifyOff (the
	// schema sends none), ErrNotifyUnavailable (notifications do not arrive), the
	// connection's error, or ctx's.
	listenFeed(ctx context.Context, up, wake func()) error
}

var _ feedListener = (*PostgresStore)(nil)

// canListen implements feedListener: a store on a pool can take a connection of its own.
// On a *pgx.Conn, a transaction or database/sql, the follower polls.
func (s *PostgresStore) canListen() bool {
	_, ok := s.db.(poolDB)
	return ok
}

// listenFeed implements feedListener on a connection taken out of the store's pool (so
// that it does not count against the pool's size), LISTENing on feedChannel, once it has
// seen that the schema sends notifications (FeedNotify). It proves
// that notifications arrive with a probe sent through the pool (another connection)
// before it calls up. The connection is closed when it returns.
func (s *PostgresStore) listenFeed(ctx context.Context, up, wake func()) error {
	return s.listenFeedProbing(ctx, func(ctx context.Context, payload string) error {
		_, err := s.exec(ctx, qFeedNotify, pgArgs{"channel": feedChannel, "payload": payload})
		return err
	}, feedProbeWait, up, wake)
}

// listenFeedProbing is listenFeed with the probe's sender and wait given.
func (s *PostgresStore) listenFeedProbing(ctx context.Context, probe func(ctx context.Context, payload string) error, probeWait time.Duration, up, wake func()) error {
	p, ok := s.db.(poolDB)
	if !ok {
		return ErrNotSupported
	}
	if on, err := s.FeedNotify(ctx); err != nil || !on {
		return cmp.Or(err, ErrFeedNotifyOff)
	}
	pc, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	// Constant SQL; LISTEN cannot be prepared, so it is not one of the registered
	// statements. The simple protocol works in every exec mode.
	if _, err := conn.Exec(ctx, "LISTEN "+feedChannel, pgx.QueryExecModeSimpleProtocol); err != nil {
		return err
	}
	token := "probe " + uuid.NewString()
	if err := probe(ctx, token); err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, probeWait)
	defer cancel()
	for {
		n, err := conn.WaitForNotification(pctx)
		if err != nil {
			if ctx.Err() == nil && pctx.Err() != nil {
				return fmt.Errorf("%w (no probe within %v)", ErrNotifyUnavailable, probeWait)
			}
			return err
		}
		if n.Payload == token {
			break
		}
		if n.Payload == s.schema {
			wake()
		}
	}
	up()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == s.schema {
			wake()
		}
	}
}

// listen keeps a connection listening for the commits of the wrapped store's feed
// while ctx lasts, waking the follower on each. A connection that fails is replaced
// after a pause (1 s, doubling up to 30 s while it keeps failing); the follower polls
// meanwhile. ErrNotifyUnavailable and ErrFeedNotifyOff end it.
func (c *CachedStore) listen(ctx context.Context, l feedListener) {
	defer close(c.listenDone)
	var backoff time.Duration
	for {
		err := l.listenFeed(ctx, func() {
			c.listening.Store(true)
			c.kick() // a commit between the follower's last read and LISTEN
		}, func() {
			c.notifications.Add(1)
			c.kick()
		})
		wasUp := c.listening.Swap(false)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, ErrNotifyUnavailable) || errors.Is(err, ErrFeedNotifyOff) {
			c.opts.OnError(err)
			return
		}
		c.opts.OnError(fmt.Errorf("organizations: cache: listening for commits (polling meanwhile): %w", err))
		if wasUp {
			backoff = 0
		}
		backoff = min(max(2*backoff, time.Second), 30*time.Second)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
