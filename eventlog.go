package organizations

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// EventRecord is a stored event: the row a store writes in the same atomic step as the
// change it describes (the outbox row of the feed, and the audit-log entry). A store that
// implements EventStore writes one EventRecord per Event that Options.Events receives, in
// the same order, with the same content; a rolled-back change leaves none.
//
// In JSON (a webhook body, an API response): {"id", "type", "organization_id", "actor",
// "subject", "data", "occurred_at"}, "actor" and "subject" left out when empty. Data is
// the event's own JSON; tokens never appear in it (Invitation has no token).
type EventRecord struct {
	// ID identifies the record: the idempotency key for consumers that may see it twice.
	ID uuid.UUID `json:"id"`
	// Type is the event's EventName, such as "user_added".
	Type string `json:"type"`
	// OrganizationID is the organization the event is about. Records outlive their
	// organization (the audit log keeps OrganizationDeleted and what came before).
	OrganizationID uuid.UUID `json:"organization_id"`
	// Actor is the event's Actor: the user who made the change through an actor-checked
	// call, the inviter, the accepting user; empty for an unchecked call by system code
	// (and for a declined invitation, whose decliner has no user ID).
	Actor UserID `json:"actor,omitempty"`
	// Subject is the user the change concerns, if any: the member added, removed,
	// promoted, suspended or reactivated, the new owner, the user who accepted an
	// invitation, the nominee of an ownership transfer.
	Subject UserID `json:"subject,omitempty"`
	// Data is the event as the in-process Event marshals to JSON (the same fields and
	// values; PostgreSQL may space it differently). Event decodes it.
	Data json.RawMessage `json:"data"`
	// OccurredAt is when the store wrote the change, by the store's clock (PostgreSQL's
	// statement_timestamp(), when the writing statement started; the memory store's
	// time.Now), in UTC at microsecond precision; not Options.Now. Across transactions it
	// may run backwards: the feed and the audit log are in commit order (Cursor), not in
	// OccurredAt order.
	OccurredAt time.Time `json:"occurred_at"`
	// Cursor is the record's position in the feed ("<pos>", see EventCursor): pass it to
	// EventFeed to read what comes after it. It is not in the JSON.
	Cursor string `json:"-"`
}

// eventKind is what the library knows of one event type, from its one registration in
// eventKinds: its name (the type's EventName), how to decode a record's Data into it,
// and where its organization, actor and subject (the user it concerns, if any) are.
type eventKind struct {
	name   string
	decode func(data []byte) (Event, error)
	meta   func(Event) (org uuid.UUID, actor, subject UserID)
}

// kind registers the event type E: meta says where its organization, actor and subject
// are. Everything else follows from E.
func kind[E Event](meta func(E) (org uuid.UUID, actor, subject UserID)) eventKind {
	var zero E
	return eventKind{
		name: zero.EventName(),
		decode: func(data []byte) (Event, error) {
			var e E
			err := json.Unmarshal(data, &e)
			return e, err
		},
		meta: func(e Event) (uuid.UUID, UserID, UserID) { return meta(e.(E)) },
	}
}

// eventKinds registers every event type this build defines, in the order EventTypes
// gives. A new event type is one line here (and its recording in each store).
var eventKinds = []eventKind{
	kind(func(e OrganizationCreated) (uuid.UUID, UserID, UserID) { return e.Organization.ID, e.Actor, e.Owner }),
	kind(func(e OrganizationUpdated) (uuid.UUID, UserID, UserID) { return e.Organization.ID, e.Actor, "" }),
	kind(func(e OrganizationDeleted) (uuid.UUID, UserID, UserID) { return e.Organization.ID, e.Actor, "" }),
	kind(func(e UserAdded) (uuid.UUID, UserID, UserID) {
		return e.OrganizationUser.OrganizationID, e.Actor, e.OrganizationUser.UserID
	}),
	kind(func(e UserRemoved) (uuid.UUID, UserID, UserID) {
		return e.OrganizationUser.OrganizationID, e.Actor, e.OrganizationUser.UserID
	}),
	kind(func(e RoleChanged) (uuid.UUID, UserID, UserID) { return e.New.OrganizationID, e.Actor, e.New.UserID }),
	kind(func(e OwnerChanged) (uuid.UUID, UserID, UserID) { return e.New.OrganizationID, e.Actor, e.New.UserID }),
	kind(func(e InvitationCreated) (uuid.UUID, UserID, UserID) { return e.Invitation.OrganizationID, e.Actor, "" }),
	kind(func(e InvitationAccepted) (uuid.UUID, UserID, UserID) {
		return e.Invitation.OrganizationID, e.Actor, e.OrganizationUser.UserID
	}),
	kind(func(e InvitationDeclined) (uuid.UUID, UserID, UserID) {
		return e.Invitation.OrganizationID, e.Actor, ""
	}),
	kind(func(e InvitationRevoked) (uuid.UUID, UserID, UserID) { return e.Invitation.OrganizationID, e.Actor, "" }),
	kind(func(e CustomRoleCreated) (uuid.UUID, UserID, UserID) { return e.Role.OrganizationID, e.Actor, "" }),
	kind(func(e CustomRoleUpdated) (uuid.UUID, UserID, UserID) { return e.New.OrganizationID, e.Actor, "" }),
	kind(func(e CustomRoleDeleted) (uuid.UUID, UserID, UserID) { return e.Role.OrganizationID, e.Actor, "" }),
	kind(func(e MemberSuspended) (uuid.UUID, UserID, UserID) {
		return e.OrganizationUser.OrganizationID, e.Actor, e.OrganizationUser.UserID
	}),
	kind(func(e MemberReactivated) (uuid.UUID, UserID, UserID) {
		return e.OrganizationUser.OrganizationID, e.Actor, e.OrganizationUser.UserID
	}),
	kind(func(e OwnershipTransferProposed) (uuid.UUID, UserID, UserID) {
		return e.Transfer.OrganizationID, e.Actor, e.Transfer.Nominee
	}),
	kind(func(e OwnershipTransferAccepted) (uuid.UUID, UserID, UserID) {
		return e.Transfer.OrganizationID, e.Actor, e.Transfer.Nominee
	}),
	kind(func(e OwnershipTransferDeclined) (uuid.UUID, UserID, UserID) {
		return e.Transfer.OrganizationID, e.Actor, e.Transfer.Nominee
	}),
	kind(func(e OwnershipTransferCancelled) (uuid.UUID, UserID, UserID) {
		return e.Transfer.OrganizationID, e.Actor, e.Transfer.Nominee
	}),
	kind(func(e TeamCreated) (uuid.UUID, UserID, UserID) { return e.Team.OrganizationID, e.Actor, "" }),
	kind(func(e TeamUpdated) (uuid.UUID, UserID, UserID) { return e.New.OrganizationID, e.Actor, "" }),
	kind(func(e TeamDeleted) (uuid.UUID, UserID, UserID) { return e.Team.OrganizationID, e.Actor, "" }),
	kind(func(e TeamMemberAdded) (uuid.UUID, UserID, UserID) {
		return e.TeamMember.OrganizationID, e.Actor, e.TeamMember.UserID
	}),
	kind(func(e TeamMemberRemoved) (uuid.UUID, UserID, UserID) {
		return e.TeamMember.OrganizationID, e.Actor, e.TeamMember.UserID
	}),
	kind(func(e TeamRoleChanged) (uuid.UUID, UserID, UserID) {
		return e.New.OrganizationID, e.Actor, e.New.UserID
	}),
	kind(func(e JoinRequested) (uuid.UUID, UserID, UserID) {
		return e.Request.OrganizationID, e.Actor, e.Request.UserID
	}),
	kind(func(e JoinRequestApproved) (uuid.UUID, UserID, UserID) {
		return e.Request.OrganizationID, e.Actor, e.Request.UserID
	}),
	kind(func(e JoinRequestDenied) (uuid.UUID, UserID, UserID) {
		return e.Request.OrganizationID, e.Actor, e.Request.UserID
	}),
	kind(func(e JoinRequestWithdrawn) (uuid.UUID, UserID, UserID) {
		return e.Request.OrganizationID, e.Actor, e.Request.UserID
	}),
	kind(func(e DomainAdded) (uuid.UUID, UserID, UserID) { return e.Domain.OrganizationID, e.Actor, "" }),
	kind(func(e DomainRemoved) (uuid.UUID, UserID, UserID) { return e.Domain.OrganizationID, e.Actor, "" }),
	kind(func(e DomainVerified) (uuid.UUID, UserID, UserID) { return e.Domain.OrganizationID, e.Actor, "" }),
	kind(func(e DomainUnverified) (uuid.UUID, UserID, UserID) { return e.Domain.OrganizationID, e.Actor, "" }),
	kind(func(e DomainUpdated) (uuid.UUID, UserID, UserID) { return e.New.OrganizationID, e.Actor, "" }),
}

// eventTypes is eventKinds by name.
var eventTypes = func() map[string]eventKind {
	m := make(map[string]eventKind, len(eventKinds))
	for _, k := range eventKinds {
		m[k.name] = k
	}
	return m
}()

// EventTypes returns the Type of every event this build defines (the EventName of each
// Event type), organization, membership, invitation, custom role, lifecycle, team, join
// request and domain events in that order: what AuditQuery.Types accepts, and what a UI's
// filter can offer. The slice is the caller's.
func EventTypes() []string {
	out := make([]string, len(eventKinds))
	for i, k := range eventKinds {
		out[i] = k.name
	}
	return out
}

// Event decodes Data into the typed Event it records (a value, such as UserAdded, equal
// to the one Options.Events received). Errors: ErrUnknownEventType, or the JSON decoder's.
func (r EventRecord) Event() (Event, error) {
	k, ok := eventTypes[r.Type]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEventType, r.Type)
	}
	e, err := k.decode(r.Data)
	if err != nil {
		return nil, fmt.Errorf("organizations: decoding %s event %s: %w", r.Type, r.ID, err)
	}
	return e, nil
}

// eventMeta is the organization, actor and subject (the user it concerns, if any) of an
// event of a registered type; zero for another.
func eventMeta(e Event) (org uuid.UUID, actor, subject UserID) {
	if k, ok := eventTypes[e.EventName()]; ok {
		return k.meta(e)
	}
	return uuid.Nil, "", ""
}

// EventCursor is a position in the event feed. The zero value is the start of the feed.
// Its text form (String, ParseEventCursor) is what EventFeed and CursorStore exchange:
// "<pos>", the position of the last record read.
//
// Releases before the feed was in commit order made cursors of the form "<xid>.<seq>"
// (XID and Seq). They are still accepted where a feed is read, and resume after the same
// record: on PostgreSQL after the last record at or before (xid, seq) in that old order
// (migration 0007 numbered the records there in that order, so the place is kept); on a
// MemoryStore, whose old cursors were "0.<seq>", after record seq. CursorStore.SaveCursor
// takes only the current form (the Cursor of a record); the migration converted the
// cursors PostgresStore had saved.
type EventCursor struct {
	// Pos is the record's position in the feed, from 1: on PostgreSQL given when the
	// record's transaction commits, in commit order; on a MemoryStore, the record's
	// sequence number. Zero in an old-form cursor.
	Pos int64
	// XID and Seq are an old-form cursor ("<xid>.<seq>"): the PostgreSQL transaction ID
	// (xid8) that wrote the record, 0 on a MemoryStore, and the record's sequence
	// number, from 1. Both zero in a current cursor.
	XID uint64
	Seq int64
}

// String returns the cursor's text form: "<pos>", or "<xid>.<seq>" for an old-form
// cursor, or "" for the zero cursor.
func (c EventCursor) String() string {
	switch {
	case c == (EventCursor{}):
		return ""
	case c.XID != 0 || c.Seq != 0:
		return strconv.FormatUint(c.XID, 10) + "." + strconv.FormatInt(c.Seq, 10)
	}
	return strconv.FormatInt(c.Pos, 10)
}

// legacy reports whether c is an old-form cursor.
func (c EventCursor) legacy() bool { return c.XID != 0 || c.Seq != 0 }

// valid reports whether c is a cursor ParseEventCursor could return: a current one, an
// old-form one, or the zero cursor.
func (c EventCursor) valid() bool {
	if c.legacy() {
		return c.Pos == 0 && c.Seq > 0 && c.XID <= 1<<62
	}
	return c.Pos >= 0
}

// ParseEventCursor parses a cursor's text form: "" (the zero cursor, the start of the
// feed), "<pos>" with pos from 1, or an old-form "<xid>.<seq>" (see EventCursor). Error:
// ErrInvalidCursor.
func ParseEventCursor(s string) (EventCursor, error) {
	if s == "" {
		return EventCursor{}, nil
	}
	x, q, old := strings.Cut(s, ".")
	if !old {
		pos, err := strconv.ParseUint(s, 10, 63)
		if err != nil || pos == 0 {
			return EventCursor{}, ErrInvalidCursor
		}
		return EventCursor{Pos: int64(pos)}, nil
	}
	xid, err1 := strconv.ParseUint(x, 10, 64)
	seq, err2 := strconv.ParseInt(q, 10, 64)
	if err1 != nil || err2 != nil || seq <= 0 || xid > 1<<62 {
		return EventCursor{}, ErrInvalidCursor
	}
	return EventCursor{XID: xid, Seq: seq}, nil
}

// EventStore is the optional interface of a Store that records events: every write
// method of a store that implements it writes one EventRecord per event of the change
// (see EventRecord) in the same atomic step as the change, and these methods read and
// prune them. Service.EventFeed, Service.AuditLog and Service.PruneEvents need it (they
// return ErrNotSupported on a store without it). MemoryStore and PostgresStore implement
// it.
type EventStore interface {
	// Events returns up to p.Limit records after p.After in feed order: the order the
	// changes were committed in (the records of one change in the order the Service
	// emits them), and so each organization's records in the order its changes took
	// effect. The feed is gap-free: a record appears only once every record that will
	// ever sort before it is committed, so a reader that resumes from the last cursor it
	// read sees every committed record exactly once. An old-form cursor (EventCursor)
	// resumes after the record it names. Error: ErrInvalidCursor (a cursor no store
	// could make).
	Events(ctx context.Context, p EventsParams) ([]EventRecord, error)
	// AuditEvents returns up to p.Limit records matching p.Query, newest first in feed
	// order (the feed's order reversed), strictly before the key p.After (the zero key
	// starts with the newest).
	AuditEvents(ctx context.Context, p AuditEventsParams) ([]EventRecord, error)
	// PruneEvents deletes up to p.Limit records that occurred before p.Before, oldest
	// first, in one short step that does not block writers, and reports how many it
	// deleted.
	PruneEvents(ctx context.Context, p PruneEventsParams) (int, error)
}

// EventsParams are the inputs of EventStore.Events.
type EventsParams struct {
	// After is the cursor the page starts after; the zero cursor starts at the beginning.
	After EventCursor
	// Limit is the most records returned.
	Limit int
}

// AuditKey is a position in the audit log's newest-first order.
type AuditKey struct {
	// Pos is the feed position (EventCursor.Pos) of the last record of the previous
	// page; 0 starts with the newest.
	Pos int64
}

// AuditEventsParams are the inputs of EventStore.AuditEvents.
type AuditEventsParams struct {
	// Query filters the records.
	Query AuditQuery
	// After is the key the page starts after; the zero key starts with the newest.
	After AuditKey
	// Limit is the most records returned.
	Limit int
}

// PruneEventsParams are the inputs of EventStore.PruneEvents.
type PruneEventsParams struct {
	// Before: records that occurred before it are deleted.
	Before time.Time
	// Limit is the most records deleted in this step.
	Limit int
}

// AuditQuery filters Service.AuditLog. Every non-zero field must match; the zero value
// matches every record.
type AuditQuery struct {
	// OrganizationID selects one organization's records.
	OrganizationID uuid.UUID
	// Actor selects the records of changes this user made.
	Actor UserID
	// Subject selects the records concerning this user.
	Subject UserID
	// Types selects these event types (EventName values, see EventTypes); empty means
	// all.
	Types []string
	// Since and Until bound OccurredAt: Since <= OccurredAt < Until; zero means
	// unbounded. Each is in the years 1 to 9999 (UTC), when not zero.
	Since, Until time.Time
}

// DefaultEventFeedLimit is EventFeed's page size when its limit is 0; MaxEventFeedLimit
// is the largest it accepts.
const (
	DefaultEventFeedLimit = 100
	MaxEventFeedLimit     = 1000
)

// EventFeed returns up to limit event records after the cursor after ("" is the
// beginning), in feed order, and the cursor to resume from (after itself when there is
// nothing new). A reader that keeps calling EventFeed with the cursor it got sees every
// committed change's records exactly once, in the same order every time.
//
// Feed order is commit order: the records of a transaction (a call, or a host's
// transaction holding several) come when it commits, after those of every transaction
// that committed before it, in the order they were written; so each organization's
// records come in the order its changes took effect, and a consumer replaying them
// reaches the organization's state. A record shows as soon as its transaction commits;
// nothing else holds it back. On PostgreSQL, a transaction that recorded events is
// given its position at COMMIT under a lock of the store's schema, held until the
// commit is visible: such commits, in one schema, happen one at a time (see the
// README's "Events"). A page is one round trip.
//
// limit 0 means DefaultEventFeedLimit; above MaxEventFeedLimit is clamped.
//
// Errors: ErrNotSupported (the store is not an EventStore), ErrInvalidCursor (a
// malformed cursor), ErrInvalidListOptions (a negative limit), the store's error, or the
// context's error.
func (s *Service) EventFeed(ctx context.Context, after string, limit int) ([]EventRecord, string, error) {
	es, err := need[EventStore](ctx, s)
	if err != nil {
		return nil, "", err
	}
	c, err := ParseEventCursor(after)
	if err != nil {
		return nil, "", err
	}
	switch {
	case limit < 0:
		return nil, "", ErrInvalidListOptions
	case limit == 0:
		limit = DefaultEventFeedLimit
	}
	recs, err := es.Events(ctx, EventsParams{After: c, Limit: min(limit, MaxEventFeedLimit)})
	if err != nil {
		return nil, "", err
	}
	if len(recs) > 0 {
		after = recs[len(recs)-1].Cursor
	}
	return recs, after, nil
}

// AuditLog returns one page of the event records matching q, newest first in feed order
// (the order the changes were committed in, reversed: so each organization's changes
// in the reverse of the order they took effect, whatever their OccurredAt, which is when
// the writing statement started), keyset paged like every list (ListOptions.After is
// the previous page's Next). Each filter is served by an index on PostgreSQL.
//
// The query is checked before the store is asked, the same way for every store: a
// non-empty Actor or Subject must be a valid UserID (ErrInvalidUserID), every entry of
// Types one of EventTypes (ErrUnknownEventType), and Since and Until in the years 1 to
// 9999 (ErrInvalidTime).
//
// Errors: ErrNotSupported (the store is not an EventStore), ErrInvalidUserID,
// ErrUnknownEventType, ErrInvalidTime, ErrInvalidListOptions (a negative limit or
// malformed cursor, a Next of a release before the feed was in commit order among them,
// or Since after Until), the store's error, or the context's error.
func (s *Service) AuditLog(ctx context.Context, q AuditQuery, opts ListOptions) (Page[EventRecord], error) {
	es, err := need[EventStore](ctx, s)
	if err != nil {
		return Page[EventRecord]{}, err
	}
	limit := opts.Limit
	switch {
	case limit < 0:
		return Page[EventRecord]{}, ErrInvalidListOptions
	case limit == 0:
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	var key AuditKey
	if opts.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(opts.After)
		if err != nil || len(b) != 8 {
			return Page[EventRecord]{}, ErrInvalidListOptions
		}
		key.Pos = int64(binary.BigEndian.Uint64(b))
		if key.Pos <= 0 {
			return Page[EventRecord]{}, ErrInvalidListOptions
		}
	}
	if err := checkAuditQuery(q); err != nil {
		return Page[EventRecord]{}, err
	}
	q.Types = append([]string(nil), q.Types...)
	recs, err := es.AuditEvents(ctx, AuditEventsParams{Query: q, After: key, Limit: limit + 1})
	if err != nil {
		return Page[EventRecord]{}, err
	}
	p := Page[EventRecord]{Items: recs}
	if len(recs) > limit {
		p.Items = recs[:limit]
		last := p.Items[limit-1]
		c, _ := ParseEventCursor(last.Cursor)
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(c.Pos))
		p.Next = base64.RawURLEncoding.EncodeToString(b[:])
	}
	if p.Items == nil {
		p.Items = []EventRecord{}
	}
	return p, nil
}

// PruneBatch is how many records one PruneEvents step deletes.
const PruneBatch = 1000

// PruneEvents deletes the event records that occurred before before (retention), in
// steps of at most PruneBatch records, each its own short transaction, so that writers
// are never blocked for long; it returns how many it deleted. It stops at the first
// error, returning the count so far (what was deleted stays deleted). A relay that has
// not yet delivered a pruned record never will: prune only what every consumer has
// read.
//
// Errors: ErrNotSupported (the store is not an EventStore), ErrInvalidTime (before is
// outside the years 1 to 9999), the store's error, or the context's error.
func (s *Service) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	es, err := optional[EventStore](s.store)
	if err != nil {
		return 0, err
	}
	if err := checkTime(before); err != nil {
		return 0, err
	}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := es.PruneEvents(ctx, PruneEventsParams{Before: before, Limit: PruneBatch})
		total += n
		if err != nil || n < PruneBatch {
			return total, err
		}
	}
}
