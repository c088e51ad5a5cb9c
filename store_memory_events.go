package organizations

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
)

// memEvents is a MemoryStore's event log: records appended in the critical section of
// the change they describe (holding the lock of the organization changed), under
// MemoryStore.evMu, so that the log holds exactly the changes made, each organization's
// in the order they were made (its critical sections' order: commit order), in one total
// order without gaps. A record's feed position (EventCursor.Pos) is its sequence number: its place in
// the log plus the number pruned before it. Data is marshalled when a record is read, not in the critical
// section.
type memEvents struct {
	recs   []memEvent // ascending seq
	next   int64      // the next sequence number, from 1
	last   time.Time  // the latest OccurredAt, which never goes back
	cursor map[string]string
}

// memEvent is one record: its event kept as the value the Service emits (48 bytes, and
// the event's own); organization, actor and subject are read from it.
type memEvent struct {
	id  uuid.UUID
	seq int64
	at  int64 // OccurredAt in Unix microseconds
	ev  Event
}

// record appends e's record. It is the memory store's one way to record an event: every
// write method calls it once per event of its change, holding the locks of the
// organizations the change is to (so that their records keep the order of their
// changes), after the change is made, in the order the Service emits them, with the
// values it returns (a new write method does the same). It takes evMu, the last lock in
// the store's order.
func (s *MemoryStore) record(e Event) {
	id := uuid.New()
	s.evMu.Lock()
	defer s.evMu.Unlock()
	s.recordID(id, e)
}

// recordID is record with the record's ID given (InvitationCreated's is the
// invitation's, so that an undone Invite can take its record back). The caller holds
// evMu.
func (s *MemoryStore) recordID(id uuid.UUID, e Event) {
	ev := &s.events
	ev.next++
	at := Timestamp(time.Now())
	if at.Before(ev.last) {
		at = ev.last
	}
	ev.last = at
	ev.recs = append(ev.recs, memEvent{id: id, seq: ev.next, at: micros(at), ev: e})
}

// unrecord removes the record with this ID, if any (the undo of an Invite).
func (s *MemoryStore) unrecord(id uuid.UUID) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	ev := &s.events
	for i := len(ev.recs) - 1; i >= 0; i-- {
		if ev.recs[i].id == id {
			ev.recs = slices.Delete(ev.recs, i, i+1)
			return
		}
	}
}

// view returns the record as an EventRecord.
func (m *memEvent) view() EventRecord {
	data, err := json.Marshal(m.ev)
	if err != nil { // the event types always marshal
		panic("organizations: marshalling event: " + err.Error())
	}
	org, actor, subject := eventMeta(m.ev)
	return EventRecord{
		ID: m.id, Type: m.ev.EventName(), OrganizationID: org, Actor: actor, Subject: subject,
		Data: data, OccurredAt: fromMicros(m.at), Cursor: EventCursor{Pos: m.seq}.String(),
	}
}

// Events implements EventStore. Every record is committed when appended, so the feed is
// simply the log in order. An old-form cursor "0.<seq>" (see EventCursor) resumes after
// record seq; one with another XID was made by PostgreSQL: ErrInvalidCursor.
func (s *MemoryStore) Events(ctx context.Context, p EventsParams) ([]EventRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !p.After.valid() || p.After.XID != 0 {
		return nil, ErrInvalidCursor
	}
	after := p.After.Pos
	if p.After.legacy() {
		after = p.After.Seq
	}
	// Copy the records under the lock (PruneEvents clears the log's array in place),
	// marshal them after.
	s.evMu.RLock()
	recs := s.events.recs
	i, _ := slices.BinarySearchFunc(recs, after+1, func(m memEvent, seq int64) int { return cmp.Compare(m.seq, seq) })
	page := slices.Clone(recs[i:min(len(recs), i+max(p.Limit, 0))])
	s.evMu.RUnlock()
	out := make([]EventRecord, len(page))
	for i := range page {
		out[i] = page[i].view()
	}
	return out, nil
}

// AuditEvents implements EventStore. It scans the log from the newest record: the
// feed's order reversed.
func (s *MemoryStore) AuditEvents(ctx context.Context, p AuditEventsParams) ([]EventRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := p.Query
	var found []memEvent // copied under the lock, marshalled after
	s.evMu.RLock()
	recs := s.events.recs
	for i := len(recs) - 1; i >= 0 && len(found) < p.Limit; i-- {
		m := &recs[i]
		org, actor, subject := eventMeta(m.ev)
		switch {
		case p.After.Pos != 0 && m.seq >= p.After.Pos:
		case q.OrganizationID != uuid.Nil && org != q.OrganizationID:
		case q.Actor != "" && actor != q.Actor:
		case q.Subject != "" && subject != q.Subject:
		case len(q.Types) > 0 && !slices.Contains(q.Types, m.ev.EventName()):
		case !q.Since.IsZero() && m.at < micros(q.Since):
		case !q.Until.IsZero() && m.at >= micros(q.Until):
		default:
			found = append(found, *m)
		}
	}
	s.evMu.RUnlock()
	out := make([]EventRecord, len(found))
	for i := range found {
		out[i] = found[i].view()
	}
	return out, nil
}

// PruneEvents implements EventStore.
func (s *MemoryStore) PruneEvents(ctx context.Context, p PruneEventsParams) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.evMu.Lock()
	defer s.evMu.Unlock()
	recs := s.events.recs
	before := micros(p.Before)
	n := 0
	for n < len(recs) && n < p.Limit && recs[n].at < before {
		n++
	}
	clear(recs[:n]) // let the events go
	recs = recs[n:]
	if len(recs) < cap(recs)/4 { // give the array back once mostly pruned
		recs = slices.Clone(recs)
	}
	s.events.recs = recs
	return n, nil
}

// LoadCursor implements CursorStore.
func (s *MemoryStore) LoadCursor(ctx context.Context, consumer string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := checkConsumer(consumer); err != nil {
		return "", err
	}
	s.cursorMu.Lock()
	defer s.cursorMu.Unlock()
	return s.events.cursor[consumer], nil
}

// SaveCursor implements CursorStore.
func (s *MemoryStore) SaveCursor(ctx context.Context, consumer, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkConsumer(consumer); err != nil {
		return err
	}
	if c, err := ParseEventCursor(cursor); err != nil || c.Pos == 0 {
		return ErrInvalidCursor
	}
	s.cursorMu.Lock()
	defer s.cursorMu.Unlock()
	if s.events.cursor == nil {
		s.events.cursor = make(map[string]string)
	}
	s.events.cursor[consumer] = cursor
	return nil
}

var (
	_ EventStore  = (*MemoryStore)(nil)
	_ CursorStore = (*MemoryStore)(nil)
)
