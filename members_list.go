package organizations

import (
	"context"

	"github.com/google/uuid"
)

// Member is a membership as a member list shows it: with whether it is the owner's.
// In JSON the membership's fields come first, then "is_owner".
type Member struct {
	OrganizationUser
	// IsOwner reports whether this member owns the organization.
	IsOwner bool `json:"is_owner"`
}

// MemberFilter narrows ListMembers; its zero value lists everyone.
type MemberFilter struct {
	// Role, if set, keeps the members with this role.
	Role Role
	// Status, if set, keeps the members with this status.
	Status MemberStatus
}

// MemberListStore is the optional interface of a Store that lists members with filters.
// MemoryStore and PostgresStore implement it.
type MemberListStore interface {
	// ListMembers returns up to p.Limit memberships of the organization that match
	// p.Filter, in ascending membership ID order after p.After, each with whether it is
	// the owner's, read in one atomic step. Error: ErrOrganizationNotFound.
	ListMembers(ctx context.Context, p ListMembersParams) ([]Member, error)
}

// ListMembersParams are the inputs of MemberListStore.ListMembers.
type ListMembersParams struct {
	// OrganizationID is the organization whose memberships are listed.
	OrganizationID uuid.UUID
	// Filter keeps the matching memberships (validated).
	Filter MemberFilter
	// After is the membership ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most memberships returned.
	Limit int
}

// ListMembers returns one page of the organization's members that match f, in the order
// they were made, each saying whether it is the owner: what a member list page needs.
// Suspended members are included unless f.Status says otherwise. The page's Next
// cursor continues the same filter.
//
// Errors: ErrOrganizationNotFound, ErrInvalidRole (a malformed f.Role),
// ErrInvalidListOptions (also for an unknown f.Status), ErrNotSupported (the store is
// not a MemberListStore), the store's error, or the context's error.
func (s *Service) ListMembers(ctx context.Context, org uuid.UUID, f MemberFilter, opts ListOptions) (Page[Member], error) {
	return listPage(ctx, checkMemberFilter(org, f), opts, func(m Member) uuid.UUID { return m.ID }, func(q pageQuery) ([]Member, error) {
		ls, ok := s.store.(MemberListStore)
		if !ok {
			return nil, ErrNotSupported
		}
		return ls.ListMembers(ctx, ListMembersParams{OrganizationID: org, Filter: f, After: q.after, Limit: q.limit + 1})
	})
}

// checkMemberFilter checks ListMembers' organization and filter: ErrOrganizationNotFound
// for a nil organization, ErrInvalidRole for a malformed role, ErrInvalidListOptions for
// an unknown status.
func checkMemberFilter(org uuid.UUID, f MemberFilter) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if f.Role != "" && !f.Role.Valid() {
		return ErrInvalidRole
	}
	switch f.Status {
	case "", MemberStatusActive, MemberStatusSuspended:
		return nil
	}
	return ErrInvalidListOptions
}
