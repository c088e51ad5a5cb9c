package organizations

import (
	"context"
	"time"
)

// cacheEffect is what a record's change may have touched, for the cache.
type cacheEffect uint8

const (
	effectOrganization cacheEffect = iota // the organization's row, owner or custom roles: every entry of it
	effectMember                          // the subject's membership: their entries
	effectNone                            // nothing a check reads (invitations, transfer proposals)
)

// cacheEffects gives each event type its effect; a type missing from it (one this
// build does not know) invalidates its whole organization.
var cacheEffects = map[string]cacheEffect{
	UserAdded{}.EventName():                  effectMember,
	UserRemoved{}.EventName():                effectMember,
	RoleChanged{}.EventName():                effectMember,
	MemberSuspended{}.EventName():            effectMember,
	MemberReactivated{}.EventName():          effectMember,
	InvitationAccepted{}.EventName():         effectMember,
	InvitationCreated{}.EventName():          effectNone,
	InvitationDeclined{}.EventName():         effectNone,
	InvitationRevoked{}.EventName():          effectNone,
	OwnershipTransferProposed{}.EventName():  effectNone,
	OwnershipTransferDeclined{}.EventName():  effectNone,
	OwnershipTransferCancelled{}.EventName(): effectNone,
	// OrganizationCreated, OrganizationUpdated, OrganizationDeleted, OwnerChanged, the
	// custom-role events and OwnershipTransferAccepted: effectOrganization.
}

// apply invalidates what the record's change may have touched. It needs only the
// record's type, organization and subject: nothing is decoded.
func (c *CachedStore) apply(r EventRecord) {
	switch eff, ok := cacheEffects[r.Type]; {
	case !ok || eff == effectOrganization:
		c.invalidateOrg(r.OrganizationID)
	case eff == effectMember:
		c.invalidateMember(r.OrganizationID, r.Subject)
	}
}

// follow is the follower: it reads the feed from after and applies each record in feed
// order, advancing applied once a page is applied, and sleeps PollInterval (or until a
// commit's notification or a token read wakes it) when it has read to the end. after is
// the feed's head as NewCachedStore read it, so it sleeps first: a cache's reads of the
// feed happen on its poll, a notification or a token read, never at a moment of the
// goroutine scheduler's choosing, and at least MinReadInterval apart (but for the pages
// of a backlog). It returns when ctx is done.
func (c *CachedStore) follow(ctx context.Context, after int64) {
	defer close(c.done)
	var backoff time.Duration
	var lastRead time.Time // of a read that may not be followed at once (MinReadInterval)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for first := true; ; first = false {
		wait := c.opts.PollInterval
		if !first {
			if gap := c.opts.MinReadInterval - time.Since(lastRead); gap > 0 {
				t.Reset(gap) // wake-ups meanwhile fold into this read
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			lastRead = time.Now()
			n, err := c.round(ctx, &after)
			if ctx.Err() != nil {
				return
			}
			switch {
			case err != nil:
				c.opts.OnError(err)
				backoff = min(max(2*backoff, c.opts.PollInterval), time.Second)
				wait = backoff
			case n == c.opts.BatchSize:
				backoff = 0
				lastRead = time.Time{}
				continue // more to read, at once
			default:
				backoff = 0
			}
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// round reads and applies one page of the feed after *after, under c.pause.
func (c *CachedStore) round(ctx context.Context, after *int64) (int, error) {
	c.pause.Lock()
	defer c.pause.Unlock()
	c.feedReads.Add(1)
	recs, err := c.events.Events(c.followCtx(ctx, *after), EventsParams{After: EventCursor{Pos: *after}, Limit: c.opts.BatchSize})
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 {
		return 0, nil
	}
	last, err := ParseEventCursor(recs[len(recs)-1].Cursor)
	if err == nil && last.Pos > *after {
		c.applying.Store(last.Pos) // before any invalidation: see fillCtx
	}
	for _, r := range recs {
		c.apply(r)
	}
	if err != nil || last.Pos <= *after {
		// Not a cursor of the current form: applying again from here would loop.
		c.invalidateAll()
		return len(recs), err
	}
	*after = last.Pos
	c.applied.Store(last.Pos)
	next := make(chan struct{})
	close(*c.advanced.Swap(&next))
	return len(recs), nil
}
