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

// Events of the two-phase transfer. A proposal that closes without a call of its own
// has no event of its own: its nominee suspended (MemberSuspended), removed or leaving
// (UserRemoved, or RemoveUserEverywhere's), its organization deleted
// (OrganizationDeleted), its proposer no longer the owner (OwnerChanged), or expired
// (no event at all: it is a matter of time; OwnershipTransfer says whether one is open).
// A consumer that tracks proposals closes one on those events of its nominee or
// organization.

// OwnershipTransferProposed is emitted by ProposeOwnershipTransfer. Replaced is the
// proposal it replaced, if one was stored: open, or closed only by expiry or by
// ownership moving (ChangeOwner) since; a proposal closed by an answer or by its
// nominee's removal or suspension is gone and replaces nothing.
type OwnershipTransferProposed struct {
	Transfer OwnershipTransfer  `json:"transfer"`
	Replaced *OwnershipTransfer `json:"replaced,omitempty"`
	Actor    UserID             `json:"actor,omitempty"`
}

// OwnershipTransferAccepted is emitted by AcceptOwnershipTransfer, first, then
// RoleChanged when the nominee was promoted to admin, then OwnerChanged.
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
