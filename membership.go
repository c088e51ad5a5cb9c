package organizations

import (
	"context"
	"errors"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// UserID is the host app's key for a user: an integer, a UUID or any other string, in its
// text form. The library never interprets it. Empty is invalid (see UserID.Valid).
type UserID string

// Valid reports whether id can name a user: non-empty, at most MaxUserIDLength bytes of
// valid UTF-8, with no control characters.
func (id UserID) Valid() bool {
	if id == "" || len(id) > MaxUserIDLength || !utf8.ValidString(string(id)) {
		return false
	}
	for _, r := range string(id) {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// checkUser is ErrInvalidUserID unless id is Valid.
func checkUser(id UserID) error {
	if !id.Valid() {
		return ErrInvalidUserID
	}
	return nil
}

// Role is a member's role in an organization. The type is open so that custom roles can
// be added later; today only RoleMember and RoleAdmin are accepted, and anything else is
// ErrInvalidRole.
type Role string

// The roles.
const (
	// RoleMember can see the organization and its members.
	RoleMember Role = "member"
	// RoleAdmin can also edit the organization, manage its members and invite people. The
	// owner is always an admin.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a role the library knows.
func (r Role) Valid() bool { return r == RoleMember || r == RoleAdmin }

// checkRole is ErrInvalidRole unless r is Valid.
func checkRole(r Role) error {
	if !r.Valid() {
		return ErrInvalidRole
	}
	return nil
}

// OrganizationUser is a membership: one user in one organization, with a role. A user is a
// member of an organization at most once.
type OrganizationUser struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	UserID         UserID    `json:"user_id"`
	Role           Role      `json:"role"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// IsAdmin reports whether the member has the admin role (every owner does).
func (m OrganizationUser) IsAdmin() bool { return m.Role == RoleAdmin }

// Access is an organization together with one user's access to it, read in one atomic
// step, as ResolveOrganization and Store.Access return it: what a request handler needs to
// authorize. The authorization work (issue 9) adds the user's permissions to it.
//
// In JSON, "membership" is left out unless IsMember.
type Access struct {
	Organization Organization `json:"organization"`
	// Membership is the user's membership; zero unless IsMember.
	Membership OrganizationUser `json:"membership,omitzero"`
	// IsMember reports whether the user is a member.
	IsMember bool `json:"is_member"`
	// IsOwner reports whether the user owns the organization (an owner is always an admin
	// member).
	IsOwner bool `json:"is_owner"`
}

// AddUser makes user a member of the organization with role and emits UserAdded.
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, ErrAlreadyMember,
// the store's error, or the context's error.
func (s *Service) AddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	m, err := s.newMembership(ctx, org, user, role)
	if err != nil {
		return OrganizationUser{}, err
	}
	if err := s.store.AddUser(ctx, m); err != nil {
		return OrganizationUser{}, err
	}
	emit(s, ctx, UserAdded{OrganizationUser: m})
	return m, nil
}

// GetOrAddUser returns user's membership of the organization, adding it with role (and
// emitting UserAdded) if there was none; created reports which. An existing membership is
// returned unchanged, whatever role asks for, and nothing is emitted.
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, the store's error,
// or the context's error.
func (s *Service) GetOrAddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, bool, error) {
	m, err := s.newMembership(ctx, org, user, role)
	if err != nil {
		return OrganizationUser{}, false, err
	}
	got, created, err := s.store.GetOrAddUser(ctx, m)
	if err != nil {
		return OrganizationUser{}, false, err
	}
	if created {
		emit(s, ctx, UserAdded{OrganizationUser: got})
	}
	return got, created, nil
}

// newMembership validates the input of AddUser and GetOrAddUser and builds the membership.
func (s *Service) newMembership(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, err
	}
	if err := firstError(checkOrg(org), checkUser(user), checkRole(role)); err != nil {
		return OrganizationUser{}, err
	}
	now := s.now()
	return OrganizationUser{
		ID: s.opts.NewID(), OrganizationID: org, UserID: user, Role: role,
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// RemoveUser removes user from the organization and emits UserRemoved. The owner cannot
// be removed: transfer ownership first.
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, ErrOwnershipRequired,
// the store's error, or the context's error.
func (s *Service) RemoveUser(ctx context.Context, org uuid.UUID, user UserID) error {
	if err := s.checkOrgUser(ctx, org, user); err != nil {
		return err
	}
	m, err := s.store.RemoveUser(ctx, org, user)
	if err != nil {
		return err
	}
	emit(s, ctx, UserRemoved{OrganizationUser: m})
	return nil
}

// SetRole sets the member's role and emits RoleChanged if it changed. The owner cannot be
// made a plain member.
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, ErrNotMember,
// ErrOwnershipRequired (demoting the owner), the store's error, or the context's error.
func (s *Service) SetRole(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := s.checkOrgUser(ctx, org, user); err != nil {
		return OrganizationUser{}, err
	}
	if err := checkRole(role); err != nil {
		return OrganizationUser{}, err
	}
	before, after, err := s.store.SetRole(ctx, SetRoleParams{OrganizationID: org, UserID: user, Role: role, Now: s.now()})
	if err != nil {
		return OrganizationUser{}, err
	}
	if before.Role != after.Role {
		emit(s, ctx, RoleChanged{Old: before, New: after})
	}
	return after, nil
}

// OrganizationUser returns user's membership of the organization.
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, the store's error, or
// the context's error.
func (s *Service) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := s.checkOrgUser(ctx, org, user); err != nil {
		return OrganizationUser{}, err
	}
	return s.store.OrganizationUser(ctx, org, user)
}

// Members returns one page of the organization's memberships, in the order they were made
// (the owner's first membership leads).
//
// Errors: ErrOrganizationNotFound, ErrInvalidListOptions, the store's error, or the
// context's error.
func (s *Service) Members(ctx context.Context, org uuid.UUID, opts ListOptions) (Page[OrganizationUser], error) {
	if err := ctx.Err(); err != nil {
		return Page[OrganizationUser]{}, err
	}
	if err := checkOrg(org); err != nil {
		return Page[OrganizationUser]{}, err
	}
	q, err := parseListOptions(opts)
	if err != nil {
		return Page[OrganizationUser]{}, err
	}
	ms, err := s.store.Members(ctx, MembersParams{OrganizationID: org, After: q.after, Limit: q.limit + 1})
	if err != nil {
		return Page[OrganizationUser]{}, err
	}
	return makePage(ms, q, func(m OrganizationUser) uuid.UUID { return m.ID }), nil
}

// ResolveOrganization returns the organization ref names — its ID in text form, or else
// its slug — with user's Access to it (membership and ownership), all read in one store
// operation (one round trip on PostgreSQL): what a request handler needs to authorize a
// request.
// An empty or invalid user (an anonymous request) is nobody's member. A UUID-shaped ref
// is always an ID: slugs are never UUID-shaped (see ValidSlug).
//
// Errors: ErrOrganizationNotFound (an unknown or malformed ref), the store's error, or the
// context's error.
func (s *Service) ResolveOrganization(ctx context.Context, ref string, user UserID) (Access, error) {
	if err := ctx.Err(); err != nil {
		return Access{}, err
	}
	p := AccessParams{UserID: user}
	if !user.Valid() {
		p.UserID = "" // an anonymous request
	}
	id, err := uuid.Parse(ref)
	switch {
	case err != nil && ValidSlug(ref) == nil:
		p.Slug = ref
	case err != nil:
		return Access{}, ErrOrganizationNotFound // neither an ID nor a slug
	case id == uuid.Nil:
		return Access{}, ErrOrganizationNotFound // no organization has the nil ID
	default:
		p.OrganizationID = id
	}
	return s.store.Access(ctx, p)
}

// IsMember reports whether user is a member of the organization. An unknown organization
// or user, or an invalid UserID, gives false and no error.
//
// Errors: the store's error, or the context's error.
func (s *Service) IsMember(ctx context.Context, org uuid.UUID, user UserID) (bool, error) {
	_, ok, err := s.membership(ctx, org, user)
	return ok, err
}

// IsAdmin reports whether user is an admin of the organization (the owner always is). An
// unknown organization or user, or an invalid UserID, gives false and no error.
//
// Errors: the store's error, or the context's error.
func (s *Service) IsAdmin(ctx context.Context, org uuid.UUID, user UserID) (bool, error) {
	m, ok, err := s.membership(ctx, org, user)
	return ok && m.IsAdmin(), err
}

// membership is OrganizationUser for the predicates: "not found" is (false, nil).
func (s *Service) membership(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, bool, error) {
	if err := ctx.Err(); err != nil {
		return OrganizationUser{}, false, err
	}
	if org == uuid.Nil || !user.Valid() {
		return OrganizationUser{}, false, nil
	}
	m, err := s.store.OrganizationUser(ctx, org, user)
	switch {
	case err == nil:
		return m, true, nil
	case errors.Is(err, ErrNotMember), errors.Is(err, ErrOrganizationNotFound):
		return OrganizationUser{}, false, nil
	default:
		return OrganizationUser{}, false, err
	}
}

// checkOrgUser validates the context, organization ID and user ID shared by most calls.
func (s *Service) checkOrgUser(ctx context.Context, org uuid.UUID, user UserID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return firstError(checkOrg(org), checkUser(user))
}

// firstError returns the first non-nil error: the precedence of validation errors.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
