package organizations

import (
	"context"
	"strconv"
)

// ConsistencyToken names a position in the event feed: a read that asks for
// AtLeast(token) reflects every change whose event record is at or before it. Service.Token
// returns one covering every write that had returned before the call; a host carries it
// to another process (a response header, a short-lived cookie) whose reads ask for it.
//
// Its text form (String, ParseConsistencyToken) is the feed cursor of that position
// (EventCursor): "<pos>", or "" for the zero token, which every read satisfies. It is
// not a secret and carries no rights: a forged token can only make a read slower (it
// waits, then asks the store), never staler.
type ConsistencyToken struct {
	pos int64
}

// String returns the token's text form: "<pos>", or "" for the zero token.
func (t ConsistencyToken) String() string {
	if t.pos == 0 {
		return ""
	}
	return strconv.FormatInt(t.pos, 10)
}

// IsZero reports whether t is the zero token, which asks for nothing.
func (t ConsistencyToken) IsZero() bool { return t.pos == 0 }

// Covers reports whether t is at least as far along the feed as u: a read at least as
// fresh as t is also at least as fresh as u.
func (t ConsistencyToken) Covers(u ConsistencyToken) bool { return t.pos >= u.pos }

// MarshalText implements encoding.TextMarshaler with String's form.
func (t ConsistencyToken) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseConsistencyToken. Error:
// ErrInvalidCursor.
func (t *ConsistencyToken) UnmarshalText(b []byte) error {
	v, err := ParseConsistencyToken(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// ParseConsistencyToken parses a token's text form: "" (the zero token) or "<pos>" with
// pos from 1. Error: ErrInvalidCursor (anything else, old-form feed cursors included).
func ParseConsistencyToken(s string) (ConsistencyToken, error) {
	c, err := ParseEventCursor(s)
	if err != nil || c.legacy() {
		return ConsistencyToken{}, ErrInvalidCursor
	}
	return ConsistencyToken{pos: c.Pos}, nil
}

// TokenAt returns the token of a feed position: the Cursor of an EventRecord (a host that
// follows the feed itself may hand those out). Error: ErrInvalidCursor.
func TokenAt(cursor string) (ConsistencyToken, error) { return ParseConsistencyToken(cursor) }

// Consistency is how fresh a read must be, carried by the context (WithConsistency).
// A CachedStore and a PostgresStore with a Replica (PostgresOptions.Replica) look at
// it; every other store is always fully consistent. The zero value is MinimizeLatency.
type Consistency struct {
	mode  consistencyMode
	token ConsistencyToken
}

type consistencyMode uint8

const (
	modeMinimizeLatency consistencyMode = iota
	modeAtLeast
	modeFull
)

// MinimizeLatency answers from the cache when it can: the default. A read may miss
// changes made through other stores (another process, a host transaction) for as long
// as the cache's follower lags, and never longer than CacheOptions.TTL; changes made
// through the same CachedStore are seen at once (read-your-own-writes).
//
// On a PostgresStore with a Replica, the read goes to the replica once it has replayed
// the store's own writes (read-your-own-writes in one process), and may miss changes
// made elsewhere for as long as the standby's replay lags.
func MinimizeLatency() Consistency { return Consistency{} }

// AtLeast asks for a read that reflects every change up to t (a token from
// Service.Token, possibly of another process). A CachedStore answers from memory once its
// follower has applied the feed up to t; until then it waits at most
// CacheOptions.TokenWait for it, then reads the store. A PostgresStore with a Replica
// sends the read to the replica if it has replayed the feed up to t, else to the
// primary. The zero token asks for nothing more than MinimizeLatency.
func AtLeast(t ConsistencyToken) Consistency { return Consistency{mode: modeAtLeast, token: t} }

// FullConsistency reads from the store, bypassing every cache and read replica (a
// PostgresStore reads its primary): what a read that decides something irreversible
// (outside this library's own writes, which always decide in the store) should ask for.
func FullConsistency() Consistency { return Consistency{mode: modeFull} }

// String names the mode: "minimize_latency", "at_least:<token>" or "full".
func (c Consistency) String() string {
	switch c.mode {
	case modeAtLeast:
		return "at_least:" + c.token.String()
	case modeFull:
		return "full"
	}
	return "minimize_latency"
}

type consistencyKey struct{}

// WithConsistency returns a copy of ctx whose reads through a Service ask for c. It is
// the one way to choose: every read method takes it from its context, so that a request
// handler sets it once (say, AtLeast the token of the request's cookie) for every check
// the request makes.
func WithConsistency(ctx context.Context, c Consistency) context.Context {
	return context.WithValue(ctx, consistencyKey{}, c)
}

// ConsistencyFrom returns the Consistency that ctx asks for: MinimizeLatency unless
// WithConsistency set another.
func ConsistencyFrom(ctx context.Context) Consistency {
	c, _ := ctx.Value(consistencyKey{}).(Consistency)
	return c
}

// feedHeader is implemented by stores that read the feed's last position in one cheap
// step (PostgresStore, CachedStore over one); others are searched through
// EventStore.Events (feedHead).
type feedHeader interface {
	feedHead(ctx context.Context) (int64, error)
}

// Token returns a consistency token covering every change that had been stored when the
// call began: every write through any Service on the same store (in any process sharing
// its database) that returned before it, and so every write this goroutine made. Pass it
// to AtLeast where the next read must see those writes, typically in another process:
// in the same process, a CachedStore sees the writes made through it at once.
//
// On PostgreSQL it is one indexed read (the feed's last position); on other stores a
// few feed reads. Call it on a Service whose store is not joined to a host transaction,
// after the commit: uncommitted changes have no feed position yet.
//
// Errors: ErrNotSupported (the store is not an EventStore), the store's error, or the
// context's error.
func (s *Service) Token(ctx context.Context) (ConsistencyToken, error) {
	if err := ready(ctx); err != nil {
		return ConsistencyToken{}, err
	}
	pos, err := feedHead(ctx, s.store, 0)
	if err != nil {
		return ConsistencyToken{}, err
	}
	return ConsistencyToken{pos: pos}, nil
}

// feedHead returns the position of the last record of store's feed (0 for an empty
// one). hint is a position known to be at or before it (0: none). A store without
// feedHeader is searched: "is there a record after p" is monotone in p, so an
// exponential then a binary search from hint asks the feed O(log distance) pages of
// one record.
func feedHead(ctx context.Context, store Store, hint int64) (int64, error) {
	if h, ok := store.(feedHeader); ok {
		return h.feedHead(ctx)
	}
	es, ok := store.(EventStore)
	if !ok {
		return 0, ErrNotSupported
	}
	// after returns the position of the first record after p, or 0 if none.
	after := func(p int64) (int64, error) {
		recs, err := es.Events(ctx, EventsParams{After: EventCursor{Pos: p}, Limit: 1})
		if err != nil || len(recs) == 0 {
			return 0, err
		}
		c, err := ParseEventCursor(recs[0].Cursor)
		return c.Pos, err
	}
	lo, err := after(hint) // a record at lo exists; is there one after it?
	if err != nil || lo == 0 {
		return hint, err
	}
	step := int64(1)
	hi := lo
	for { // find hi with no record after it
		next, err := after(hi)
		if err != nil {
			return 0, err
		}
		if next == 0 {
			break
		}
		lo = next
		if hi > 1<<61 {
			hi = 1<<63 - 1
		} else {
			hi = next + step
		}
		step *= 2
	}
	// lo: the largest record position seen; a record after lo exists only below hi+1.
	for lo < hi {
		mid := lo + (hi-lo)/2
		next, err := after(mid)
		if err != nil {
			return 0, err
		}
		if next == 0 {
			hi = mid
		} else {
			lo = next
		}
	}
	return lo, nil
}
