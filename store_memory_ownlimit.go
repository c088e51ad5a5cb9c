package organizations

import "context"

var _ OwnershipLimitStore = (*MemoryStore)(nil)

// The per-user organization limit in memory: every change that makes a user an owner
// under a limit (CreateOrganization, ChangeOwner, AcceptOwnershipTransfer with MaxOwned
// set) counts the user's organizations and makes the change holding the user's shard of
// the user index, after its organization's lock as the lock order has it. So two such
// changes for one user take turns, and each counts what the other did. A change that
// takes ownership away (a deletion, a transfer to another user) may run beside them: it
// only lowers the count, so the worst it does is make a call refused that, a moment
// later, would have passed.

// CountOwnedOrganizations implements OwnershipLimitStore.
func (s *MemoryStore) CountOwnedOrganizations(ctx context.Context, user UserID) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	sh := &s.users[shardOf(user)]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	return s.ownedLocked(user), nil
}

// ownedLocked counts the organizations user owns. The caller holds user's shard: the
// user's organization list cannot change, and an organization's owner is read through
// its atomic (the owner is always a member, so every organization the user owns is in
// the list).
func (s *MemoryStore) ownedLocked(user UserID) int {
	u := s.users[shardOf(user)].m[user]
	if u == nil {
		return 0
	}
	n := 0
	for _, o := range u.orgs {
		if o.head.Load() != nil && o.owner.Load() == u {
			n++
		}
	}
	return n
}

// lockOwnedBelow write-locks user's shard and reports whether user owns fewer than max
// organizations; if not, it has unlocked it again. max 0 (no limit) locks nothing and
// reports true: the caller unlocks with unlockOwned(user, max) only after a true result.
// The caller holds the lock of the organization that would change owner, if any.
func (s *MemoryStore) lockOwnedBelow(user UserID, max int) bool {
	if max <= 0 {
		return true
	}
	sh := &s.users[shardOf(user)]
	sh.mu.Lock()
	if s.ownedLocked(user) >= max {
		sh.mu.Unlock()
		return false
	}
	return true
}

// unlockOwned releases what lockOwnedBelow(user, max) took.
func (s *MemoryStore) unlockOwned(user UserID, max int) {
	if max > 0 {
		s.users[shardOf(user)].mu.Unlock()
	}
}
