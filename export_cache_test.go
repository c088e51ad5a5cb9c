package organizations

import (
	"context"
	"time"
)

// PauseFollower stops c's follower between two rounds (a round under way finishes
// first) until resume is called: a test's way to keep the cache saying what it says.
func (c *CachedStore) PauseFollower() (resume func()) {
	c.pause.Lock()
	return c.pause.Unlock
}

// ListenFeedUnprobed listens for s's commits as a CachedStore does, with a probe that
// is never sent, probeWait the time it waits for it: what a connection that
// notifications do not reach meets.
func ListenFeedUnprobed(ctx context.Context, s *PostgresStore, probeWait time.Duration) error {
	return s.listenFeedProbing(ctx, func(context.Context, string) error { return nil }, probeWait, func() {}, func() {})
}
