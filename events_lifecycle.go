package organizations

// Events of the membership lifecycle (suspension). Like every event, each carries Actor
// (empty for an unchecked call) and marshals to JSON with snake_case names.

// MemberSuspended is emitted when SuspendUser suspends an active member.
// OrganizationUser is the membership after the change (SuspendedAt set).
type MemberSuspended struct {
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// MemberReactivated is emitted when ReactivateUser makes a suspended member active
// again. OrganizationUser is the membership after the change.
type MemberReactivated struct {
	OrganizationUser OrganizationUser `json:"organization_user"`
	Actor            UserID           `json:"actor,omitempty"`
}

// EventName implements Event.
func (MemberSuspended) EventName() string { return "member_suspended" }

// EventName implements Event.
func (MemberReactivated) EventName() string { return "member_reactivated" }
