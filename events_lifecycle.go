package organizations

// Events of the membership lifecycle (suspension, two-phase ownership transfer). Like every event, each carries Actor
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

// Events of the two-phase transfer.

// OwnershipTransferProposed is emitted by ProposeOwnershipTransfer. Replaced is the
// proposal it replaced, if any.
type OwnershipTransferProposed struct {
	Transfer OwnershipTransfer  `json:"transfer"`
	Replaced *OwnershipTransfer `json:"replaced,omitempty"`
	Actor    UserID             `json:"actor,omitempty"`
}

// OwnershipTransferAccepted is emitted by AcceptOwnershipTransfer, before OwnerChanged
// (and RoleChanged before both when the nominee was promoted to admin).
type OwnershipTransferAccepted struct {
	Transfer OwnershipTransfer `json:"transfer"`
	Actor    UserID            `json:"actor,omitempty"`
}

// OwnershipTransferDeclined is emitted by DeclineOwnershipTransfer.
type OwnershipTransferDeclined struct {
	Transfer OwnershipTransfer `json:"transfer"`
	Actor    UserID            `json:"actor,omitempty"`
}

// OwnershipTransferCancelled is emitted by CancelOwnershipTransfer.
type OwnershipTransferCancelled struct {
	Transfer OwnershipTransfer `json:"transfer"`
	Actor    UserID            `json:"actor,omitempty"`
}

// EventName implements Event.
func (OwnershipTransferProposed) EventName() string { return "ownership_transfer_proposed" }

// EventName implements Event.
func (OwnershipTransferAccepted) EventName() string { return "ownership_transfer_accepted" }

// EventName implements Event.
func (OwnershipTransferDeclined) EventName() string { return "ownership_transfer_declined" }

// EventName implements Event.
func (OwnershipTransferCancelled) EventName() string { return "ownership_transfer_cancelled" }
