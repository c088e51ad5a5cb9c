package organizations

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
)

var _ JoinRequestStore = (*MemoryStore)(nil)

// Join requests in memory: an organization's requests are part of it, guarded by its
// lock (memOrg.joins), so a decision reads the request, the actor, the members and the
// seats in one critical section, as every other write to the organization. The index
// from a request's ID to its organization (joinOrg) has its own lock, joinMu, taken
// after the organization's (between invMu and actMu in the lock order); a request's
// organization never changes, so a reader looks it up, lets go, and takes the
// organization's lock. The index keeps the IDs of a deleted organization's requests,
// which then read as not found.

// memJoins are an organization's join requests. The caller holds the organization's
// lock.
type memJoins struct {
	byID map[uuid.UUID]*JoinRequest
	ids  []uuid.UUID          // sorted ascending; all statuses
	open map[UserID]uuid.UUID // each user's pending request (possibly expired)
}

// acceptsJoinRequests reports whether the organization's settings hold
// JoinRequestsSetting: true.
func (h *orgHead) acceptsJoinRequests() bool {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(h.settings), &m) != nil {
		return false
	}
	return string(m[JoinRequestsSetting]) == "true"
}

// joinRequestOrg returns the organization of the request id, locked (shared if read),
// or nil.
func (s *MemoryStore) joinRequestOrg(id uuid.UUID, read bool) (*memOrg, *JoinRequest) {
	s.joinMu.RLock()
	org, ok := s.joinOrg[id]
	s.joinMu.RUnlock()
	if !ok {
		return nil, nil
	}
	o := s.lockOrg(org, read)
	if o == nil {
		return nil, nil
	}
	if o.joins == nil || o.joins.byID[id] == nil {
		o.unlock(read)
		return nil, nil
	}
	return o, o.joins.byID[id]
}

// CreateJoinRequest implements JoinRequestStore.
func (s *MemoryStore) CreateJoinRequest(ctx context.Context, p CreateJoinRequestParams) (JoinRequest, error) {
	o, err := s.openOrg(ctx, p.Request.OrganizationID, false)
	if err != nil {
		return JoinRequest{}, err
	}
	defer o.mu.Unlock()
	return s.addJoinRequest(o, p, o.head.Load().acceptsJoinRequests())
}

// addJoinRequest is CreateJoinRequest in o, whose lock the caller holds; open says
// whether o accepts the request (its setting, or a domain: CreateDomainJoinRequest).
func (s *MemoryStore) addJoinRequest(o *memOrg, p CreateJoinRequestParams, open bool) (JoinRequest, error) {
	r := p.Request
	switch {
	case !open:
		return JoinRequest{}, ErrJoinRequestsClosed
	case o.member(r.UserID) != nil:
		return JoinRequest{}, ErrAlreadyMember
	}
	if o.joins == nil {
		o.joins = &memJoins{byID: make(map[uuid.UUID]*JoinRequest), open: make(map[UserID]uuid.UUID)}
	}
	if id, ok := o.joins.open[r.UserID]; ok {
		old := o.joins.byID[id]
		if old.StatusAt(p.Now) == JoinRequestStatusPending {
			return JoinRequest{}, ErrJoinRequestExists
		}
		old.Status, old.ClosedAt = JoinRequestStatusExpired, p.Now // closed for good
		delete(o.joins.open, r.UserID)
	}
	stored := r
	o.joins.byID[r.ID] = &stored
	o.joins.ids = insertSorted(o.joins.ids, r.ID)
	o.joins.open[r.UserID] = r.ID
	s.joinMu.Lock()
	if s.joinOrg == nil {
		s.joinOrg = make(map[uuid.UUID]uuid.UUID)
	}
	s.joinOrg[r.ID] = o.id
	s.joinMu.Unlock()
	s.record(JoinRequested{Request: r, Actor: r.UserID})
	return r, nil
}

// JoinRequest implements JoinRequestStore.
func (s *MemoryStore) JoinRequest(ctx context.Context, id uuid.UUID, now time.Time) (JoinRequest, error) {
	if err := ctx.Err(); err != nil {
		return JoinRequest{}, err
	}
	o, r := s.joinRequestOrg(id, true)
	if o == nil {
		return JoinRequest{}, ErrJoinRequestNotFound
	}
	defer o.mu.RUnlock()
	out := *r
	out.Status = r.StatusAt(now)
	return out, nil
}

// PendingJoinRequests implements JoinRequestStore.
func (s *MemoryStore) PendingJoinRequests(ctx context.Context, p PendingJoinRequestsParams) ([]JoinRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := s.lockOrg(p.OrganizationID, true)
	if o == nil {
		return []JoinRequest{}, nil
	}
	defer o.mu.RUnlock()
	out := []JoinRequest{}
	if o.joins == nil {
		return out, nil
	}
	start := 0
	if p.After != uuid.Nil {
		i, found := slices.BinarySearchFunc(o.joins.ids, p.After, compareUUID)
		if found {
			i++
		}
		start = i
	}
	for _, id := range o.joins.ids[start:] {
		if len(out) >= p.Limit {
			break
		}
		if r := o.joins.byID[id]; r.StatusAt(p.Now) == JoinRequestStatusPending {
			out = append(out, *r)
		}
	}
	return out, nil
}

// DecideJoinRequest implements JoinRequestStore.
func (s *MemoryStore) DecideJoinRequest(ctx context.Context, p DecideJoinRequestParams) (JoinRequest, OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return JoinRequest{}, OrganizationUser{}, err
	}
	o, r := s.joinRequestOrg(p.ID, false)
	if o == nil {
		return JoinRequest{}, OrganizationUser{}, ErrJoinRequestNotFound
	}
	defer o.mu.Unlock()
	st, ok := o.allowed(p.Auth, PermMembersAdd)
	if !ok {
		return JoinRequest{}, OrganizationUser{}, ErrPermissionDenied
	}
	if err := joinRequestOpen(r, p.Now); err != nil {
		return JoinRequest{}, OrganizationUser{}, err
	}
	var m OrganizationUser
	if p.Approve {
		if !st.covers(o.roleSet(p.Auth.Policy.orDefault(), RoleMember)) {
			return JoinRequest{}, OrganizationUser{}, ErrEscalation
		}
		if o.member(r.UserID) != nil {
			return JoinRequest{}, OrganizationUser{}, ErrAlreadyMember
		}
		if !o.seatFree(0) {
			return JoinRequest{}, OrganizationUser{}, ErrMemberLimit
		}
		m = p.Membership
		m.OrganizationID, m.UserID, m.Role = o.id, r.UserID, RoleMember
		s.addMemberLocking(o, m)
		r.Status = JoinRequestStatusApproved
	} else {
		r.Status = JoinRequestStatusDenied
	}
	r.DecidedBy, r.ClosedAt = p.Auth.Actor, p.Now
	delete(o.joins.open, r.UserID)
	if p.Approve {
		s.record(JoinRequestApproved{Request: *r, OrganizationUser: m, Actor: p.Auth.Actor})
	} else {
		s.record(JoinRequestDenied{Request: *r, Actor: p.Auth.Actor})
	}
	return *r, m, nil
}

// WithdrawJoinRequest implements JoinRequestStore.
func (s *MemoryStore) WithdrawJoinRequest(ctx context.Context, p WithdrawJoinRequestParams) (JoinRequest, error) {
	if err := ctx.Err(); err != nil {
		return JoinRequest{}, err
	}
	o, r := s.joinRequestOrg(p.ID, false)
	if o == nil {
		return JoinRequest{}, ErrJoinRequestNotFound
	}
	defer o.mu.Unlock()
	if r.UserID != p.UserID {
		return JoinRequest{}, ErrPermissionDenied
	}
	if err := joinRequestOpen(r, p.Now); err != nil {
		return JoinRequest{}, err
	}
	r.Status, r.ClosedAt = JoinRequestStatusWithdrawn, p.Now
	delete(o.joins.open, r.UserID)
	s.record(JoinRequestWithdrawn{Request: *r, Actor: p.UserID})
	return *r, nil
}

// joinRequestOpen is the error of a request that is not pending as of now: closed or
// expired.
func joinRequestOpen(r *JoinRequest, now time.Time) error {
	switch r.StatusAt(now) {
	case JoinRequestStatusPending:
		return nil
	case JoinRequestStatusExpired:
		return ErrJoinRequestExpired
	}
	return ErrJoinRequestClosed
}
