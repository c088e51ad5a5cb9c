package organizations

// Events of domains (see DomainStore). What Enrollments makes has the events of what it
// is: InvitationCreated for an automatic invitation (no actor), and RequestToJoinByDomain
// emits JoinRequested. A verification that lapses by time has no event: it is a matter
// of time, as an invitation's expiry is.

// DomainAdded is emitted by AddDomain. Domain is the domain as stored, unverified.
type DomainAdded struct {
	Domain Domain `json:"domain"`
	Actor  UserID `json:"actor,omitempty"`
}

// DomainRemoved is emitted by RemoveDomain. Domain is the removed domain as it was.
type DomainRemoved struct {
	Domain Domain `json:"domain"`
	Actor  UserID `json:"actor,omitempty"`
}

// DomainVerified is emitted by VerifyDomain and VerifyDomainByAffiliation. Domain is the
// domain after the change: verified, with when and how.
type DomainVerified struct {
	Domain Domain `json:"domain"`
	Actor  UserID `json:"actor,omitempty"`
}

// DomainUnverified is emitted when a verified domain becomes unverified: by
// UnverifyDomain, or, with no actor, when another organization's verification of the
// name released this organization's lapsed one (before that organization's
// DomainVerified). Domain is the domain after the change.
type DomainUnverified struct {
	Domain Domain `json:"domain"`
	Actor  UserID `json:"actor,omitempty"`
}

// DomainUpdated is emitted when SetDomainEnrollment changed the mode: Old and New are
// the domain before and after.
type DomainUpdated struct {
	Old   Domain `json:"old"`
	New   Domain `json:"new"`
	Actor UserID `json:"actor,omitempty"`
}

// EventName implements Event.
func (DomainAdded) EventName() string { return "domain_added" }

// EventName implements Event.
func (DomainRemoved) EventName() string { return "domain_removed" }

// EventName implements Event.
func (DomainVerified) EventName() string { return "domain_verified" }

// EventName implements Event.
func (DomainUnverified) EventName() string { return "domain_unverified" }

// EventName implements Event.
func (DomainUpdated) EventName() string { return "domain_updated" }
