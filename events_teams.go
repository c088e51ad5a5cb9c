package organizations

// Events of teams (see TeamStore). Removing a member from the organization, or deleting
// the organization, also removes team memberships: those have no events of their own
// (UserRemoved, OrganizationDeleted cover them). A consumer that keeps teams drops the
// user from the organization's teams on UserRemoved.

// TeamCreated is emitted by CreateTeam. Team is the team as stored.
type TeamCreated struct {
	Team  Team   `json:"team"`
	Actor UserID `json:"actor,omitempty"`
}

// TeamUpdated is emitted when UpdateTeam changed something: Old and New are the team
// before and after.
type TeamUpdated struct {
	Old   Team   `json:"old"`
	New   Team   `json:"new"`
	Actor UserID `json:"actor,omitempty"`
}

// TeamDeleted is emitted by DeleteTeam. Team is the deleted state; its memberships went
// with it.
type TeamDeleted struct {
	Team  Team   `json:"team"`
	Actor UserID `json:"actor,omitempty"`
}

// TeamMemberAdded is emitted by AddTeamMember.
type TeamMemberAdded struct {
	TeamMember TeamMember `json:"team_member"`
	Actor      UserID     `json:"actor,omitempty"`
}

// TeamRoleChanged is emitted when SetTeamRole changed a team member's role: Old and New
// are the team membership before and after (Role empty for none).
type TeamRoleChanged struct {
	Old   TeamMember `json:"old"`
	New   TeamMember `json:"new"`
	Actor UserID     `json:"actor,omitempty"`
}

// TeamMemberRemoved is emitted by RemoveTeamMember. TeamMember is the removed team
// membership.
type TeamMemberRemoved struct {
	TeamMember TeamMember `json:"team_member"`
	Actor      UserID     `json:"actor,omitempty"`
}

// EventName implements Event.
func (TeamCreated) EventName() string { return "team_created" }

// EventName implements Event.
func (TeamUpdated) EventName() string { return "team_updated" }

// EventName implements Event.
func (TeamDeleted) EventName() string { return "team_deleted" }

// EventName implements Event.
func (TeamMemberAdded) EventName() string { return "team_member_added" }

// EventName implements Event.
func (TeamMemberRemoved) EventName() string { return "team_member_removed" }

// EventName implements Event.
func (TeamRoleChanged) EventName() string { return "team_role_changed" }
