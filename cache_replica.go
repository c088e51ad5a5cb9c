package organizations

import "context"

// A CachedStore over a store that sends reads to a replica (a PostgresStore with
// PostgresOptions.Replica) fills its entries from reads that may be served there. An
// entry is served as long as no change applied since its fill began says otherwise, so
// its fill must see every change applied before then: fillCtx asks the store for the
// position the follower had reached (applying, stored before the records of a round
// invalidate anything). The store itself makes the fill see this process's own writes
// (see PostgresOptions.Replica). And a read waiting for a token the follower has not
// reached (wanted) makes the follower read the feed where that token is: on the
// primary while the replica lags, instead of waiting for the replica's replay.

// readsReplica is implemented by stores that may answer reads from a replica.
type readsReplica interface{ routesReads() bool }

// routesReads reports whether the wrapped store may answer reads from a replica.
func (c *CachedStore) routesReads() bool { return c.replicated }

// fillCtx returns the context of a fill whose stamp has been taken: over a store with a
// replica, one asking for at least the position the follower has reached (and the
// caller's token, if more).
func (c *CachedStore) fillCtx(ctx context.Context) context.Context {
	if !c.replicated {
		return ctx
	}
	cons := ConsistencyFrom(ctx)
	if cons.mode == modeFull {
		return ctx
	}
	pos := max(c.applying.Load(), cons.token.pos)
	if pos == 0 {
		return ctx
	}
	return WithConsistency(ctx, AtLeast(ConsistencyToken{pos: pos}))
}

// want records that a read waits for the follower to reach pos.
func (c *CachedStore) want(pos int64) {
	if c.replicated {
		storeMax(&c.wanted, pos)
	}
}

// followCtx returns the context of the follower's next feed read after after: over a
// store with a replica, one asking for the position a waiting read wants, if any is
// beyond after (the store then reads the primary if the replica has not replayed it).
func (c *CachedStore) followCtx(ctx context.Context, after int64) context.Context {
	if !c.replicated || ConsistencyFrom(ctx).mode != modeMinimizeLatency {
		return ctx
	}
	if w := c.wanted.Load(); w > after {
		return WithConsistency(ctx, AtLeast(ConsistencyToken{pos: w}))
	}
	return ctx
}
