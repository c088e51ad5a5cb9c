package organizations

// Event is a change the Service has made. Options.Events receives one value per change,
// exactly once, after it is stored; a failed or no-op call emits nothing. Switch on the
// concrete type:
//
//	switch e := e.(type) {
//	case organizations.UserAdded:
//		log.Printf("%s joined %s", e.OrganizationUser.UserID, e.OrganizationUser.OrganizationID)
//	}
//
// Each event marshals to JSON with snake_case names (a webhook or an outbox row can carry
// it as it is); its type is not in the JSON: put EventName beside it.
// Every event carries Actor: the user who made the change through an actor-checked call
// (Service.As), or who invited, accepted, declined or revoked; empty for an unchecked
// call by system code.
type Event interface {
	// EventName is a stable name for logs and metrics, such as "user_added".
	EventName() string
}

// OrganizationCreated is emitted by CreateOrganization and Register. Owner is the user
// the organization was created for, its first owner (the event's Subject in the event
// log); Actor stays empty, as both calls are unchecked.
type OrganizationCreated struct {
	Organization Organization `json:"organization"`
	Owner        UserID       `json:"owner"`
	Actor        UserID       `json:"actor,omitempty"`
}

// OrganizationUpdated is emitted when UpdateOrganization changed something, and for each
// organization that Activate activated. Organization is the new state.
type OrganizationUpdated struct {
	Organization Organization `json:"organization"`
	Actor        UserID       `json:"actor,omitempty"`
}

// OrganizationDeleted is emitted by DeleteOrganization. Organization is the deleted state.
type OrganizationDeleted struct {
	Organization Organization `json:"organization"`
	Actor        UserID       `json:"actor,omitempty"`
}

// UserAdded is emitted when a membership is made: AddUser, GetOrAddUser when it adds, and
// AcceptInvitation when it adds. CreateOrganization emits OrganizationCreated only; the
// owner's first membership is part of it.
type UserAdded struct {
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// UserRemoved is emitted by RemoveUser. OrganizationUser is the removed membership.
type UserRemoved struct {
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// RoleChanged is emitted when a member's role changes: SetRole, and ChangeOwner when the
// new owner was not yet an admin (before OwnerChanged).
type RoleChanged struct {
	Old   OrganizationUser `json:"old"`
	New   OrganizationUser `json:"new"`
	Actor UserID           `json:"actor,omitempty"`
}

// OwnerChanged is emitted when ownership moves. Old and New are the old and new owner's
// memberships after the change.
type OwnerChanged struct {
	Old   OrganizationUser `json:"old"`
	New   OrganizationUser `json:"new"`
	Actor UserID           `json:"actor,omitempty"`
}

// InvitationCreated is emitted by Invite, after the Inviter sent the invitation.
type InvitationCreated struct {
	Invitation Invitation `json:"invitation"`
	Actor      UserID     `json:"actor,omitempty"`
}

// InvitationAccepted is emitted when an invitation moves from pending to accepted.
type InvitationAccepted struct {
	Invitation       Invitation       `json:"invitation"`
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// InvitationDeclined is emitted by DeclineInvitation.
type InvitationDeclined struct {
	Invitation Invitation `json:"invitation"`
	Actor      UserID     `json:"actor,omitempty"`
}

// InvitationRevoked is emitted by RevokeInvitation.
type InvitationRevoked struct {
	Invitation Invitation `json:"invitation"`
	Actor      UserID     `json:"actor,omitempty"`
}

// CustomRoleCreated is emitted by CreateRole.
type CustomRoleCreated struct {
	Role  CustomRole `json:"role"`
	Actor UserID     `json:"actor,omitempty"`
}

// CustomRoleUpdated is emitted by UpdateRole when the role changed. Old and New are the
// role before and after.
type CustomRoleUpdated struct {
	Old   CustomRole `json:"old"`
	New   CustomRole `json:"new"`
	Actor UserID     `json:"actor,omitempty"`
}

// CustomRoleDeleted is emitted by DeleteRole. Role is the deleted role.
type CustomRoleDeleted struct {
	Role  CustomRole `json:"role"`
	Actor UserID     `json:"actor,omitempty"`
}

// EventName returns "custom_role_created".
func (CustomRoleCreated) EventName() string { return "custom_role_created" }

// EventName returns "custom_role_updated".
func (CustomRoleUpdated) EventName() string { return "custom_role_updated" }

// EventName returns "custom_role_deleted".
func (CustomRoleDeleted) EventName() string { return "custom_role_deleted" }

// EventName returns "organization_created".
func (OrganizationCreated) EventName() string { return "organization_created" }

// EventName returns "organization_updated".
func (OrganizationUpdated) EventName() string { return "organization_updated" }

// EventName returns "organization_deleted".
func (OrganizationDeleted) EventName() string { return "organization_deleted" }

// EventName returns "user_added".
func (UserAdded) EventName() string { return "user_added" }

// EventName returns "user_removed".
func (UserRemoved) EventName() string { return "user_removed" }

// EventName returns "role_changed".
func (RoleChanged) EventName() string { return "role_changed" }

// EventName returns "owner_changed".
func (OwnerChanged) EventName() string { return "owner_changed" }

// EventName returns "invitation_created".
func (InvitationCreated) EventName() string { return "invitation_created" }

// EventName returns "invitation_accepted".
func (InvitationAccepted) EventName() string { return "invitation_accepted" }

// EventName returns "invitation_declined".
func (InvitationDeclined) EventName() string { return "invitation_declined" }

// EventName returns "invitation_revoked".
func (InvitationRevoked) EventName() string { return "invitation_revoked" }
