package organizations

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Offboarding a host user. User IDs are the host's, so deleting a user in the host app
// cannot cascade into the library's tables: call RemoveUserEverywhere in the same
// transaction as deleting the user row (see its documentation).

// OwnedPolicy says what RemoveUserEverywhere does with an organization the user owns.
type OwnedPolicy int

// The policies for an owned organization.
const (
	// OwnedRefuse refuses the whole call with ErrOwnershipRequired: the default, so that
	// no organization is deleted or handed over unless the caller said so.
	OwnedRefuse OwnedPolicy = iota
	// OwnedDelete deletes the organization, with its memberships and invitations.
	OwnedDelete
	// OwnedTransferToAdmin makes its longest-standing other active admin (earliest
	// membership) the owner; ErrNoSuccessor when it has none.
	OwnedTransferToAdmin
)

// OffboardOptions are the choices of RemoveUserEverywhere; nil refuses if the user owns
// any organization.
type OffboardOptions struct {
	// Owned gives the policy for each owned organization, by ID.
	Owned map[uuid.UUID]OwnedPolicy
	// OtherOwned is the policy for the owned organizations Owned does not name.
	OtherOwned OwnedPolicy
}

// OffboardResult is what RemoveUserEverywhere did.
type OffboardResult struct {
	// Removed are the user's memberships removed, outside the deleted organizations.
	Removed []OrganizationUser `json:"removed"`
	// Deleted are the organizations deleted (OwnedDelete).
	Deleted []Organization `json:"deleted"`
	// Transferred are the ownership changes made (OwnedTransferToAdmin).
	Transferred []OwnerChange `json:"transferred"`
	// RevokedInvitations is how many pending invitations the user had sent, in the
	// organizations they were leaving, that were revoked.
	RevokedInvitations int `json:"revoked_invitations"`
	// Revoked are those invitations, as revoked.
	Revoked []Invitation `json:"revoked"`
}

// sort puts each list of r in organization ID order (Revoked: then invitation ID), the
// order of its events.
func (r *OffboardResult) sort() {
	slices.SortFunc(r.Removed, func(a, b OrganizationUser) int { return compareUUID(a.OrganizationID, b.OrganizationID) })
	slices.SortFunc(r.Deleted, func(a, b Organization) int { return compareUUID(a.ID, b.ID) })
	slices.SortFunc(r.Transferred, func(a, b OwnerChange) int {
		return compareUUID(a.NewOwner.OrganizationID, b.NewOwner.OrganizationID)
	})
	slices.SortFunc(r.Revoked, func(a, b Invitation) int {
		if c := compareUUID(a.OrganizationID, b.OrganizationID); c != 0 {
			return c
		}
		return compareUUID(a.ID, b.ID)
	})
}

// events are the events of r, in the order the Service emits them and a store records
// them: OrganizationDeleted for each deleted organization, OwnerChanged for each
// transfer, InvitationRevoked for each revoked invitation, UserRemoved for each removed
// membership, each kind in organization ID order (r sorted). None carries an actor:
// RemoveUserEverywhere is unchecked.
func (r *OffboardResult) events() []Event {
	out := make([]Event, 0, len(r.Deleted)+len(r.Transferred)+len(r.Revoked)+len(r.Removed))
	for _, o := range r.Deleted {
		out = append(out, OrganizationDeleted{Organization: o})
	}
	for _, c := range r.Transferred {
		out = append(out, OwnerChanged{Old: c.OldOwner, New: c.NewOwner})
	}
	for _, inv := range r.Revoked {
		out = append(out, InvitationRevoked{Invitation: inv})
	}
	for _, m := range r.Removed {
		out = append(out, UserRemoved{OrganizationUser: m})
	}
	return out
}

// OffboardStore is the optional interface of a Store that offboards users.
// MemoryStore and PostgresStore implement it.
type OffboardStore interface {
	// OrganizationsOwnedBy returns up to p.Limit organizations p.UserID owns, in
	// ascending ID order after p.After.
	OrganizationsOwnedBy(ctx context.Context, p OrganizationsForUserParams) ([]Organization, error)
	// RemoveUserEverywhere, in one atomic step: deletes the organizations of p.Delete,
	// moves the ownership of those of p.Transfer to their longest-standing other active
	// admin (the earliest membership; ties by membership ID), closing their ownership
	// transfer proposals for good as ChangeOwner does, removes every other
	// membership of p.UserID (suspended ones too) and revokes the pending invitations
	// p.UserID sent in those organizations. Refused, changing nothing, with ErrOwnershipRequired when p.UserID
	// owns an organization in neither list, and ErrNoSuccessor when one of p.Transfer
	// has no other active admin. Organizations in the lists that the user does not own
	// are left alone (their membership, if any, is removed).
	RemoveUserEverywhere(ctx context.Context, p RemoveEverywhereParams) (OffboardResult, error)
}

// RemoveEverywhereParams are the inputs of OffboardStore.RemoveUserEverywhere.
type RemoveEverywhereParams struct {
	// UserID is the user to offboard.
	UserID UserID
	// Delete are the owned organizations to delete.
	Delete []uuid.UUID
	// Transfer are the owned organizations to hand to their longest-standing admin.
	Transfer []uuid.UUID
	// Now is when the changes are made.
	Now time.Time
}

// OrganizationsOwnedBy returns one page of the organizations user owns, in ID order:
// what to decide about before RemoveUserEverywhere.
//
// Errors: ErrInvalidUserID, ErrInvalidListOptions, ErrNotSupported (the store is not an
// OffboardStore), the store's error, or the context's error.
func (s *Service) OrganizationsOwnedBy(ctx context.Context, user UserID, opts ListOptions) (Page[Organization], error) {
	return listPage(ctx, checkUser(user), opts, organizationID, func(q pageQuery) ([]Organization, error) {
		st, err := optional[OffboardStore](s.store)
		if err != nil {
			return nil, err
		}
		return st.OrganizationsOwnedBy(ctx, OrganizationsForUserParams{UserID: user, After: q.after, Limit: q.limit + 1})
	})
}

// RemoveUserEverywhere offboards user in one atomic store operation: it removes every
// membership of the user (suspended ones too) and revokes the pending invitations they
// sent. While the user owns an organization the call is refused with
// ErrOwnershipRequired and changes nothing, unless opts gives a policy for it:
// OwnedDelete deletes it, OwnedTransferToAdmin hands it to its longest-standing other
// admin (ErrNoSuccessor if none). It emits, without an actor, OrganizationDeleted for
// each deleted organization, OwnerChanged for each transfer, InvitationRevoked for each
// revoked invitation and UserRemoved for each removed membership, in that order, each
// kind in organization ID order (the order of the result's lists). It is unchecked: the
// host calls it when it deletes a user.
//
// Call it in the same transaction as the deletion of the host's user row, so that both
// happen or neither:
//
//	tx, _ := pool.Begin(ctx)
//	defer tx.Rollback(ctx)
//	if _, err := svc.WithStore(pg.WithTx(tx)).RemoveUserEverywhere(ctx, id, opts); err != nil {
//		return err // ErrOwnershipRequired: ask the user what to do with their organizations
//	}
//	if _, err := tx.Exec(ctx, "DELETE FROM users WHERE id = $1", id); err != nil {
//		return err
//	}
//	return tx.Commit(ctx)
//
// Errors: ErrInvalidUserID, ErrOwnershipRequired, ErrNoSuccessor, ErrNotSupported (the
// store is not an OffboardStore), the store's error, or the context's error.
func (s *Service) RemoveUserEverywhere(ctx context.Context, user UserID, opts *OffboardOptions) (OffboardResult, error) {
	st, err := need[OffboardStore](ctx, s, checkUser(user))
	if err != nil {
		return OffboardResult{}, err
	}
	p := RemoveEverywhereParams{UserID: user, Now: s.now()}
	if opts != nil {
		for id, pol := range opts.Owned {
			switch pol {
			case OwnedDelete:
				p.Delete = append(p.Delete, id)
			case OwnedTransferToAdmin:
				p.Transfer = append(p.Transfer, id)
			}
		}
		if opts.OtherOwned != OwnedRefuse {
			// The store needs the IDs: read the owned organizations not named.
			var after uuid.UUID
			for {
				page, err := st.OrganizationsOwnedBy(ctx, OrganizationsForUserParams{UserID: user, After: after, Limit: MaxPageSize})
				if err != nil {
					return OffboardResult{}, err
				}
				for _, o := range page {
					if _, named := opts.Owned[o.ID]; !named {
						if opts.OtherOwned == OwnedDelete {
							p.Delete = append(p.Delete, o.ID)
						} else {
							p.Transfer = append(p.Transfer, o.ID)
						}
					}
				}
				if len(page) < MaxPageSize {
					break
				}
				after = page[len(page)-1].ID
			}
		}
	}
	res, err := st.RemoveUserEverywhere(ctx, p)
	if err != nil {
		return OffboardResult{}, err
	}
	res.sort()
	for _, e := range res.events() {
		emit(s, ctx, e)
	}
	return res, nil
}
