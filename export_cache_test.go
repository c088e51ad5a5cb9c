package organizations

// PauseFollower stops c's follower between two rounds (a round under way finishes
// first) until resume is called: a test's way to keep the cache saying what it says.
func (c *CachedStore) PauseFollower() (resume func()) {
	c.pause.Lock()
	return c.pause.Unlock
}
