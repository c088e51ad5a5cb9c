package organizations

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// The writes of a CachedStore go to the wrapped store, which decides them (actor checks
// included) in its own atomic step: nothing here reads the cache. Once one returns,
// whatever it may have touched is invalidated, successful or not (an error may be
// ErrOutcomeUnknown): a read that follows it in this process reads the store. A write
// whose organizations are not known before it runs invalidates everything.

// CreateOrganization implements Store.
func (c *CachedStore) CreateOrganization(ctx context.Context, p CreateOrganizationParams) (Organization, error) {
	defer c.invalidateOrg(p.Organization.ID)
	return c.innerStore.CreateOrganization(ctx, p)
}

// UpdateOrganization implements Store.
func (c *CachedStore) UpdateOrganization(ctx context.Context, p UpdateOrganizationParams) (Organization, bool, error) {
	defer c.invalidateOrg(p.OrganizationID)
	return c.innerStore.UpdateOrganization(ctx, p)
}

// DeleteOrganization implements Store.
func (c *CachedStore) DeleteOrganization(ctx context.Context, p DeleteOrganizationParams) (Organization, error) {
	defer c.invalidateOrg(p.OrganizationID)
	return c.innerStore.DeleteOrganization(ctx, p)
}

// AddUser implements Store.
func (c *CachedStore) AddUser(ctx context.Context, p AddUserParams) error {
	defer c.invalidateMember(p.Membership.OrganizationID, p.Membership.UserID)
	return c.innerStore.AddUser(ctx, p)
}

// GetOrAddUser implements Store.
func (c *CachedStore) GetOrAddUser(ctx context.Context, p AddUserParams) (OrganizationUser, bool, error) {
	defer c.invalidateMember(p.Membership.OrganizationID, p.Membership.UserID)
	return c.innerStore.GetOrAddUser(ctx, p)
}

// RemoveUser implements Store.
func (c *CachedStore) RemoveUser(ctx context.Context, p RemoveUserParams) (OrganizationUser, error) {
	defer c.invalidateMember(p.OrganizationID, p.UserID)
	return c.innerStore.RemoveUser(ctx, p)
}

// SetRole implements Store.
func (c *CachedStore) SetRole(ctx context.Context, p SetRoleParams) (OrganizationUser, OrganizationUser, error) {
	defer c.invalidateMember(p.OrganizationID, p.UserID)
	return c.innerStore.SetRole(ctx, p)
}

// ChangeOwner implements Store.
func (c *CachedStore) ChangeOwner(ctx context.Context, p ChangeOwnerParams) (OwnerChange, error) {
	defer c.invalidateOrg(p.OrganizationID)
	return c.innerStore.ChangeOwner(ctx, p)
}

// CreateRole implements Store.
func (c *CachedStore) CreateRole(ctx context.Context, p CreateRoleParams) (CustomRole, error) {
	defer c.invalidateOrg(p.Role.OrganizationID)
	return c.innerStore.CreateRole(ctx, p)
}

// UpdateRole implements Store.
func (c *CachedStore) UpdateRole(ctx context.Context, p UpdateRoleParams) (CustomRole, CustomRole, error) {
	defer c.invalidateOrg(p.Role.OrganizationID)
	return c.innerStore.UpdateRole(ctx, p)
}

// DeleteRole implements Store.
func (c *CachedStore) DeleteRole(ctx context.Context, p DeleteRoleParams) (CustomRole, error) {
	defer c.invalidateOrg(p.OrganizationID)
	return c.innerStore.DeleteRole(ctx, p)
}

// AcceptInvitation implements Store. Its organization is known only from its result;
// an error invalidates everything.
func (c *CachedStore) AcceptInvitation(ctx context.Context, p AcceptInvitationParams) (AcceptResult, error) {
	r, err := c.innerStore.AcceptInvitation(ctx, p)
	if err != nil {
		c.invalidateAll()
	} else {
		c.invalidateMember(r.Membership.OrganizationID, r.Membership.UserID)
	}
	return r, err
}

// The methods of the optional interfaces pass through to the wrapped store by
// passThrough, passThrough2 and passThroughErr: ErrNotSupported, with zero results, if
// the wrapped store does not implement the interface (S). A method that invalidates
// does so in its call, once the wrapped store's method has returned.

// passThrough returns call's results with the wrapped store as an S, or ErrNotSupported.
func passThrough[S, R any](c *CachedStore, call func(S) (R, error)) (R, error) {
	s, ok := c.innerStore.(S)
	if !ok {
		var zero R
		return zero, ErrNotSupported
	}
	return call(s)
}

// passThrough2 is passThrough for the methods with two results besides the error.
func passThrough2[S, R1, R2 any](c *CachedStore, call func(S) (R1, R2, error)) (R1, R2, error) {
	s, ok := c.innerStore.(S)
	if !ok {
		var zero1 R1
		var zero2 R2
		return zero1, zero2, ErrNotSupported
	}
	return call(s)
}

// passThroughErr is passThrough for the methods whose only result is the error.
func passThroughErr[S any](c *CachedStore, call func(S) error) error {
	s, ok := c.innerStore.(S)
	if !ok {
		return ErrNotSupported
	}
	return call(s)
}

// CreateActivation implements ActivationStore (ErrNotSupported if the wrapped store
// lacks it).
func (c *CachedStore) CreateActivation(ctx context.Context, a Activation, tokenHash []byte) error {
	return passThroughErr(c, func(s ActivationStore) error { return s.CreateActivation(ctx, a, tokenHash) })
}

// ActivationByTokenHash implements ActivationStore (ErrNotSupported if the wrapped
// store lacks it).
func (c *CachedStore) ActivationByTokenHash(ctx context.Context, tokenHash []byte, now time.Time) (Activation, error) {
	return passThrough(c, func(s ActivationStore) (Activation, error) {
		return s.ActivationByTokenHash(ctx, tokenHash, now)
	})
}

// CompleteActivation implements ActivationStore (ErrNotSupported if the wrapped store
// lacks it). It activates organizations known only from its result; an error
// invalidates everything.
func (c *CachedStore) CompleteActivation(ctx context.Context, tokenHash []byte, now time.Time) (Activation, []Organization, error) {
	return passThrough2(c, func(s ActivationStore) (Activation, []Organization, error) {
		a, orgs, err := s.CompleteActivation(ctx, tokenHash, now)
		if err != nil {
			c.invalidateAll()
		}
		for _, o := range orgs {
			c.invalidateOrg(o.ID)
		}
		return a, orgs, err
	})
}

// DeleteActivation implements ActivationStore (ErrNotSupported if the wrapped store
// lacks it).
func (c *CachedStore) DeleteActivation(ctx context.Context, id uuid.UUID) error {
	return passThroughErr(c, func(s ActivationStore) error { return s.DeleteActivation(ctx, id) })
}

// SuspendUser implements SuspensionStore (ErrNotSupported if the wrapped store lacks
// it).
func (c *CachedStore) SuspendUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return passThrough2(c, func(s SuspensionStore) (OrganizationUser, OrganizationUser, error) {
		defer c.invalidateMember(p.OrganizationID, p.UserID)
		return s.SuspendUser(ctx, p)
	})
}

// ReactivateUser implements SuspensionStore (ErrNotSupported if the wrapped store lacks
// it).
func (c *CachedStore) ReactivateUser(ctx context.Context, p MemberStatusParams) (OrganizationUser, OrganizationUser, error) {
	return passThrough2(c, func(s SuspensionStore) (OrganizationUser, OrganizationUser, error) {
		defer c.invalidateMember(p.OrganizationID, p.UserID)
		return s.ReactivateUser(ctx, p)
	})
}

// ListMembers implements MemberListStore (ErrNotSupported if the wrapped store lacks
// it); it is not cached.
func (c *CachedStore) ListMembers(ctx context.Context, p ListMembersParams) ([]Member, error) {
	return passThrough(c, func(s MemberListStore) ([]Member, error) { return s.ListMembers(ctx, p) })
}

// Seats implements SeatStore (ErrNotSupported if the wrapped store lacks it); it is not
// cached.
func (c *CachedStore) Seats(ctx context.Context, org uuid.UUID, now time.Time) (Seats, error) {
	return passThrough(c, func(s SeatStore) (Seats, error) { return s.Seats(ctx, org, now) })
}

// CountOwnedOrganizations implements OwnershipLimitStore (ErrNotSupported if the
// wrapped store lacks it); it is not cached.
func (c *CachedStore) CountOwnedOrganizations(ctx context.Context, user UserID) (int, error) {
	return passThrough(c, func(s OwnershipLimitStore) (int, error) { return s.CountOwnedOrganizations(ctx, user) })
}

// ProposeOwnershipTransfer implements TransferStore (ErrNotSupported if the wrapped
// store lacks it).
func (c *CachedStore) ProposeOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, *OwnershipTransfer, error) {
	return passThrough2(c, func(s TransferStore) (OwnershipTransfer, *OwnershipTransfer, error) {
		return s.ProposeOwnershipTransfer(ctx, p)
	})
}

// OwnershipTransfer implements TransferStore (ErrNotSupported if the wrapped store
// lacks it); it is not cached.
func (c *CachedStore) OwnershipTransfer(ctx context.Context, org uuid.UUID, now time.Time) (OwnershipTransfer, error) {
	return passThrough(c, func(s TransferStore) (OwnershipTransfer, error) { return s.OwnershipTransfer(ctx, org, now) })
}

// AcceptOwnershipTransfer implements TransferStore (ErrNotSupported if the wrapped store
// lacks it).
func (c *CachedStore) AcceptOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, OwnerChange, error) {
	return passThrough2(c, func(s TransferStore) (OwnershipTransfer, OwnerChange, error) {
		defer c.invalidateOrg(p.OrganizationID)
		return s.AcceptOwnershipTransfer(ctx, p)
	})
}

// DeclineOwnershipTransfer implements TransferStore (ErrNotSupported if the wrapped
// store lacks it).
func (c *CachedStore) DeclineOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return passThrough(c, func(s TransferStore) (OwnershipTransfer, error) { return s.DeclineOwnershipTransfer(ctx, p) })
}

// CancelOwnershipTransfer implements TransferStore (ErrNotSupported if the wrapped store
// lacks it).
func (c *CachedStore) CancelOwnershipTransfer(ctx context.Context, p TransferParams) (OwnershipTransfer, error) {
	return passThrough(c, func(s TransferStore) (OwnershipTransfer, error) { return s.CancelOwnershipTransfer(ctx, p) })
}

// OrganizationsOwnedBy implements OffboardStore (ErrNotSupported if the wrapped store
// lacks it); it is not cached.
func (c *CachedStore) OrganizationsOwnedBy(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error) {
	return passThrough(c, func(s OffboardStore) ([]Organization, error) { return s.OrganizationsOwnedBy(ctx, p) })
}

// RemoveUserEverywhere implements OffboardStore (ErrNotSupported if the wrapped store
// lacks it). It touches organizations known only from its result: it invalidates
// everything.
func (c *CachedStore) RemoveUserEverywhere(ctx context.Context, p RemoveEverywhereParams) (OffboardResult, error) {
	return passThrough(c, func(s OffboardStore) (OffboardResult, error) {
		defer c.invalidateAll()
		return s.RemoveUserEverywhere(ctx, p)
	})
}

// Events implements EventStore.
func (c *CachedStore) Events(ctx context.Context, p EventsParams) ([]EventRecord, error) {
	return c.events.Events(ctx, p)
}

// AuditEvents implements EventStore.
func (c *CachedStore) AuditEvents(ctx context.Context, p AuditEventsParams) ([]EventRecord, error) {
	return c.events.AuditEvents(ctx, p)
}

// PruneEvents implements EventStore.
func (c *CachedStore) PruneEvents(ctx context.Context, p PruneEventsParams) (int, error) {
	return c.events.PruneEvents(ctx, p)
}

// LoadCursor implements CursorStore (ErrNotSupported if the wrapped store lacks it).
func (c *CachedStore) LoadCursor(ctx context.Context, consumer string) (string, error) {
	return passThrough(c, func(s CursorStore) (string, error) { return s.LoadCursor(ctx, consumer) })
}

// SaveCursor implements CursorStore (ErrNotSupported if the wrapped store lacks it).
func (c *CachedStore) SaveCursor(ctx context.Context, consumer, cursor string) error {
	return passThroughErr(c, func(s CursorStore) error { return s.SaveCursor(ctx, consumer, cursor) })
}

var (
	_ Store               = (*CachedStore)(nil)
	_ ActivationStore     = (*CachedStore)(nil)
	_ SuspensionStore     = (*CachedStore)(nil)
	_ MemberListStore     = (*CachedStore)(nil)
	_ SeatStore           = (*CachedStore)(nil)
	_ OwnershipLimitStore = (*CachedStore)(nil)
	_ TransferStore       = (*CachedStore)(nil)
	_ OffboardStore       = (*CachedStore)(nil)
	_ EventStore          = (*CachedStore)(nil)
	_ CursorStore         = (*CachedStore)(nil)
)

// The TeamStore methods pass through to the wrapped store (ErrNotSupported if it lacks
// TeamStore); nothing of teams is cached, and a team change changes nothing the cache
// keeps (memberships and access are the organization's).

// CreateTeam implements TeamStore.
func (c *CachedStore) CreateTeam(ctx context.Context, p CreateTeamParams) (Team, error) {
	return passThrough(c, func(s TeamStore) (Team, error) { return s.CreateTeam(ctx, p) })
}

// UpdateTeam implements TeamStore.
func (c *CachedStore) UpdateTeam(ctx context.Context, p UpdateTeamParams) (Team, Team, error) {
	return passThrough2(c, func(s TeamStore) (Team, Team, error) { return s.UpdateTeam(ctx, p) })
}

// DeleteTeam implements TeamStore.
func (c *CachedStore) DeleteTeam(ctx context.Context, p TeamParams) (Team, error) {
	return passThrough(c, func(s TeamStore) (Team, error) { return s.DeleteTeam(ctx, p) })
}

// Team implements TeamStore.
func (c *CachedStore) Team(ctx context.Context, org, team uuid.UUID) (Team, error) {
	return passThrough(c, func(s TeamStore) (Team, error) { return s.Team(ctx, org, team) })
}

// AddTeamMember implements TeamStore.
func (c *CachedStore) AddTeamMember(ctx context.Context, p AddTeamMemberParams) (TeamMember, error) {
	return passThrough(c, func(s TeamStore) (TeamMember, error) { return s.AddTeamMember(ctx, p) })
}

// RemoveTeamMember implements TeamStore.
func (c *CachedStore) RemoveTeamMember(ctx context.Context, p RemoveTeamMemberParams) (TeamMember, error) {
	return passThrough(c, func(s TeamStore) (TeamMember, error) { return s.RemoveTeamMember(ctx, p) })
}

// ListTeams implements TeamStore.
func (c *CachedStore) ListTeams(ctx context.Context, p ListTeamsParams) ([]Team, int, error) {
	return passThrough2(c, func(s TeamStore) ([]Team, int, error) { return s.ListTeams(ctx, p) })
}

// ListTeamMembers implements TeamStore.
func (c *CachedStore) ListTeamMembers(ctx context.Context, p ListTeamMembersParams) ([]TeamMember, int, error) {
	return passThrough2(c, func(s TeamStore) ([]TeamMember, int, error) { return s.ListTeamMembers(ctx, p) })
}

// SetTeamRole implements TeamStore.
func (c *CachedStore) SetTeamRole(ctx context.Context, p SetTeamRoleParams) (TeamMember, TeamMember, error) {
	return passThrough2(c, func(s TeamStore) (TeamMember, TeamMember, error) { return s.SetTeamRole(ctx, p) })
}

// TeamAccess implements TeamStore: read from the wrapped store, like every team read
// (a team's access is not cached).
func (c *CachedStore) TeamAccess(ctx context.Context, p TeamAccessParams) (TeamAccess, error) {
	return passThrough(c, func(s TeamStore) (TeamAccess, error) { return s.TeamAccess(ctx, p) })
}

var _ TeamStore = (*CachedStore)(nil)
