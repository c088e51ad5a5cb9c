package organizations

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CursorStore keeps each relay consumer's feed cursor, so that a restarted Relay resumes
// where it stopped. PostgresStore keeps them in its schema (organizations_event_cursors)
// and MemoryStore in memory; a host may keep them anywhere, such as in the same
// transaction as its handler's own writes.
type CursorStore interface {
	// LoadCursor returns the consumer's saved cursor, or "" (the start of the feed) if
	// it has none. Error: ErrInvalidConsumer.
	LoadCursor(ctx context.Context, consumer string) (string, error)
	// SaveCursor saves the consumer's cursor: a record's Cursor. Errors:
	// ErrInvalidConsumer, ErrInvalidCursor (also for "" and an old-form cursor, see
	// EventCursor).
	SaveCursor(ctx context.Context, consumer, cursor string) error
}

// checkConsumer is ErrInvalidConsumer unless name is 1 to 200 bytes of valid UTF-8
// without control characters: every CursorStore checks it before it stores or looks up
// anything, so that all of them accept the same names (PostgreSQL's text refuses a NUL
// byte and invalid UTF-8).
func checkConsumer(name string) error {
	if !plainText(name, 200) {
		return ErrInvalidConsumer
	}
	return nil
}

// Handler handles one event record for a Relay. It must be idempotent on EventRecord.ID:
// a record is delivered at least once, and again if the process stops between the
// handler's success and the saving of the cursor.
type Handler interface {
	// HandleEvent handles r; an error (or a panic) makes the Relay retry r, with
	// backoff, before any later record.
	HandleEvent(ctx context.Context, r EventRecord) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, r EventRecord) error

// HandleEvent calls f(ctx, r).
func (f HandlerFunc) HandleEvent(ctx context.Context, r EventRecord) error { return f(ctx, r) }

// RelayOptions configure a Relay; nil or zero fields mean defaults.
type RelayOptions struct {
	// PollInterval is how long the relay waits before reading the feed again when it
	// found nothing new. Default 250ms.
	PollInterval time.Duration
	// BatchSize is how many records one feed read fetches. Default 100.
	BatchSize int
	// MinBackoff and MaxBackoff bound the wait before retrying a failed handler call,
	// feed read, cursor load or cursor save; it doubles from MinBackoff up to MaxBackoff
	// (each call that fails starts again from MinBackoff). Defaults 100ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// OnError, if set, is told of every failure, before the call is retried (all of them
	// go through one retry path, with the backoff): a handler's error (or panic, as an
	// error), a failed cursor load, feed read or cursor save, the first try's failure
	// included; and a failure met as the relay stops (such as its last cursor save),
	// which is not retried. It is not told of an error Run returns (a permanent one), nor
	// of the context's own error when the relay stops. r is the record concerned (zero
	// for a cursor load or save and a feed read). It runs on the relay's goroutine.
	OnError func(r EventRecord, err error)
}

// Relay delivers the event feed of a Service to a Handler, at least once and in feed
// order, resuming from the cursor its CursorStore keeps for its consumer name: the
// after-commit, crash-safe counterpart of Options.Events. It saves the cursor of the last
// record the handler accepted after each batch, before retrying a failing record and when
// it stops (a crash between two saves delivers that batch's accepted records again); a
// handler's error or panic is retried with backoff, on the same record, until it
// succeeds: no record is skipped or delivered out of order.
// It polls the feed (no LISTEN/NOTIFY, so writers pay nothing and it works behind
// PgBouncer in transaction mode).
type Relay struct {
	svc      *Service
	cursors  CursorStore
	consumer string
	h        Handler
	o        RelayOptions
}

// NewRelay returns a relay of svc's feed to h, keeping consumer's cursor in cursors.
// Run starts it.
func NewRelay(svc *Service, cursors CursorStore, consumer string, h Handler, opts *RelayOptions) *Relay {
	r := &Relay{svc: svc, cursors: cursors, consumer: consumer, h: h}
	if opts != nil {
		r.o = *opts
	}
	if r.o.PollInterval <= 0 {
		r.o.PollInterval = 250 * time.Millisecond
	}
	if r.o.BatchSize <= 0 {
		r.o.BatchSize = DefaultEventFeedLimit
	}
	if r.o.MinBackoff <= 0 {
		r.o.MinBackoff = 100 * time.Millisecond
	}
	if r.o.MaxBackoff < r.o.MinBackoff {
		r.o.MaxBackoff = max(30*time.Second, r.o.MinBackoff)
	}
	return r
}

// Run delivers records until ctx is done, then returns nil: a handler call in progress
// sees ctx done; the cursor is left at the last record the handler accepted (a record
// whose handler returned an error is delivered again by the next Run). It returns an error
// only for what waiting cannot mend: ErrNotSupported (the Service's store is not an
// EventStore), ErrInvalidConsumer, ErrInvalidCursor (the saved cursor is malformed).
// Failed cursor loads, feed reads and cursor saves (a lost connection) are retried with
// backoff, and told to RelayOptions.OnError, as handler failures are.
func (r *Relay) Run(ctx context.Context) error {
	if _, ok := r.svc.store.(EventStore); !ok {
		return ErrNotSupported
	}
	if err := checkConsumer(r.consumer); err != nil {
		return err
	}
	var cursor string
	err := r.retry(ctx, EventRecord{}, func() error {
		var err error
		cursor, err = r.cursors.LoadCursor(ctx, r.consumer)
		if err == nil {
			_, err = ParseEventCursor(cursor)
		}
		return err
	})
	if err != nil {
		return stopErr(ctx, err)
	}
	// accepted is the cursor of the last record the handler accepted, saved the last
	// one the CursorStore holds: the cursor is saved once a batch, and before retrying a
	// failing record or stopping, not after every record (a round trip each).
	accepted, saved := cursor, cursor
	flush := func() error {
		if accepted == saved {
			return nil
		}
		c := accepted
		// Saved even if ctx ended while a handler ran (bounded by saveTimeout), so that a
		// clean stop does not deliver its accepted records again.
		err := r.retry(ctx, EventRecord{}, func() error {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
			defer cancel()
			return r.cursors.SaveCursor(sctx, r.consumer, c)
		})
		if err != nil {
			return err
		}
		saved = c
		return nil
	}
	for {
		var recs []EventRecord
		err := r.retry(ctx, EventRecord{}, func() error {
			var err error
			recs, _, err = r.svc.EventFeed(ctx, accepted, r.o.BatchSize)
			return err
		})
		if err != nil {
			return stopErr(ctx, err)
		}
		for _, rec := range recs {
			handle := func() error { return r.handle(ctx, rec) }
			err := handle()
			if err != nil {
				// A record may fail for long: keep what came before it, then retry it.
				if ferr := flush(); ferr != nil {
					return stopErr(ctx, ferr)
				}
				err = r.retryFailed(ctx, rec, err, handle)
			}
			if err != nil {
				if ferr := flush(); ferr != nil && ctx.Err() == nil {
					return ferr
				}
				return stopErr(ctx, err)
			}
			accepted = rec.Cursor
		}
		if err := flush(); err != nil {
			return stopErr(ctx, err)
		}
		if len(recs) < r.o.BatchSize {
			if !sleep(ctx, r.o.PollInterval) {
				return nil
			}
		}
	}
}

// saveTimeout bounds one SaveCursor call of a Relay.
const saveTimeout = 5 * time.Second

// stopErr is Run's result for err: nil when ctx ended the run.
func stopErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// handle calls the handler, turning a panic into an error.
func (r *Relay) handle(ctx context.Context, rec EventRecord) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("organizations: relay handler panicked on %s %s: %v", rec.Type, rec.ID, p)
		}
	}()
	return r.h.HandleEvent(ctx, rec)
}

// retry calls f until it succeeds, and returns nil; see retryFailed.
func (r *Relay) retry(ctx context.Context, rec EventRecord, f func() error) error {
	return r.retryFailed(ctx, rec, f(), f)
}

// retryFailed is the relay's one retry path, for every call it makes (cursor load and
// save, feed read, handler), given err, the result of the call's first try: while err is
// a failure, it tells OnError of it (with rec, the record concerned), waits the backoff
// and calls f again. It returns nil once f succeeds; or err without retrying when the
// error is permanent (a malformed cursor, consumer or unsupported store: Run returns it,
// so OnError is not told) or when ctx is done (OnError is told, unless err is ctx's own
// error: the relay stopping, not a failure).
func (r *Relay) retryFailed(ctx context.Context, rec EventRecord, err error, f func() error) error {
	wait := r.o.MinBackoff
	for {
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrInvalidCursor) || errors.Is(err, ErrInvalidConsumer) || errors.Is(err, ErrNotSupported) {
			return err
		}
		stopping := ctx.Err() != nil
		if r.o.OnError != nil && !(stopping && errors.Is(err, ctx.Err())) {
			r.o.OnError(rec, err)
		}
		if stopping || !sleep(ctx, wait) {
			return err
		}
		wait = min(2*wait, r.o.MaxBackoff)
		err = f()
	}
}

// sleep waits d, or until ctx is done (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
