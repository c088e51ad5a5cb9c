package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// UserID is the host app's key for a user: an integer, a UUID or any other string, in its
// text form. The library never interprets it. Empty is invalid (see UserID.Valid).
type UserID string

// Valid reports whether id can name a user: non-empty, at most MaxUserIDLength bytes of
// valid UTF-8, with no control characters.
func (id UserID) Valid() bool {
	return plainText(string(id), MaxUserIDLength)
}

// checkUser is ErrInvalidUserID unless id is Valid.
func checkUser(id UserID) error {
	if !id.Valid() {
		return ErrInvalidUserID
	}
	return nil
}

// Role is a member's role in an organization: one role per membership. Which roles exist,
// and what each allows, is the Service's Policy (Options.Policy; DefaultPolicy declares
// RoleMember and RoleAdmin) together with the organization's custom roles
// (Service.CreateRole). A call that stores any other role fails with ErrInvalidRole.
type Role string

// The roles every Policy declares.
const (
	// RoleMember is the default role of an invitation. Under DefaultPolicy it holds no
	// library permission: a member can see the organization and its members.
	RoleMember Role = "member"
	// RoleAdmin is the role of the owner's membership, always. Under DefaultPolicy it
	// holds every library permission: it can edit the organization, manage its members
	// and roles and invite people.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a well-formed role name: 1 to MaxRoleLength bytes of
// lower-case ASCII letters, digits, "_" and "-", starting with a letter, and not "owner"
// (the owner is not a role). Whether a Service accepts it depends on its Policy and the
// organization's custom roles.
func (r Role) Valid() bool { return r != "owner" && rolePattern.MatchString(string(r)) }

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
	// SuspendedAt is when the member was suspended (see Service.SuspendUser); zero for an
	// active member, and then left out of JSON.
	SuspendedAt time.Time `json:"suspended_at,omitzero"`
}

// IsAdmin reports whether the member has the admin role (every owner does).
func (m OrganizationUser) IsAdmin() bool { return m.Role == RoleAdmin }

// Status is the membership's status: MemberStatusSuspended when SuspendedAt is set, else
// MemberStatusActive.
func (m OrganizationUser) Status() MemberStatus {
	if m.SuspendedAt.IsZero() {
		return MemberStatusActive
	}
	return MemberStatusSuspended
}

// Access is an organization together with one user's access to it, read in one atomic
// step, as Service.Access and ResolveOrganization return it: what a request handler needs
// to authorize. Can answers permission checks from it without another store call.
//
// In JSON, "membership" is left out unless IsMember.
type Access struct {
	Organization Organization `json:"organization"`
	// Membership is the user's membership; zero unless IsMember.
	Membership OrganizationUser `json:"membership,omitzero"`
	// IsMember reports whether the user is a member.
	IsMember bool `json:"is_member"`
	// IsOwner reports whether the user owns the organization (an owner is always an admin
	// member, and holds every permission).
	IsOwner bool `json:"is_owner"`
	// CustomRole is the definition of the member's role when it is a custom role of the
	// organization; nil otherwise.
	CustomRole *CustomRole `json:"custom_role,omitempty"`

	policy *Policy // the Service's, once it compiled perms; nil from a bare Store
	perms  permSet // the member's effective permissions under policy
}

// Can reports whether the user may do what p allows: always for the owner; for another
// member, whether their role (declared or custom) grants p under the Service's Policy;
// never for a non-member. It allocates nothing. An Access that did not come from a
// Service (a bare Store.Access) can nothing except for the owner.
func (a *Access) Can(p Permission) bool {
	if a.IsOwner {
		return true
	}
	if !a.IsMember || a.policy == nil {
		return false
	}
	i, ok := a.policy.index[p]
	return ok && a.perms.has(i)
}

// Permissions returns the user's effective permissions, sorted: every permission the
// Policy knows for the owner, none for a non-member.
func (a *Access) Permissions() []Permission {
	switch {
	case a.policy == nil || !a.IsMember:
		return []Permission{}
	case a.IsOwner:
		return a.policy.Permissions()
	}
	return a.policy.list(a.perms)
}

// compile fills the permission set of a from its role under p.
func (a *Access) compile(p *Policy) {
	a.policy = p
	if a.IsMember {
		a.perms, _ = p.roleSet(a.Membership.Role, a.CustomRole)
	}
}

// AddUser makes user a member of the organization with role (declared by the Policy or
// a custom role of the organization) and emits UserAdded. It is unchecked: for trusted
// system code; a request made by a user goes through As(user).AddUser.
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, ErrAlreadyMember,
// the store's error, or the context's error.
func (s *Service) AddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	return s.addUser(ctx, "", org, user, role)
}

func (s *Service) addUser(ctx context.Context, actor UserID, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	m, err := s.newMembership(ctx, org, user, role)
	if err != nil {
		return OrganizationUser{}, err
	}
	if err := s.store.AddUser(ctx, AddUserParams{Auth: s.auth(actor), Membership: m}); err != nil {
		return OrganizationUser{}, err
	}
	emit(s, ctx, UserAdded{OrganizationUser: m, Actor: actor})
	return m, nil
}

// GetOrAddUser returns user's membership of the organization, adding it with role (and
// emitting UserAdded) if there was none; created reports which. An existing membership is
// returned unchanged, whatever role asks for, and nothing is emitted. It is unchecked:
// for trusted system code (see As).
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, the store's error,
// or the context's error.
func (s *Service) GetOrAddUser(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, bool, error) {
	return s.getOrAddUser(ctx, "", org, user, role)
}

func (s *Service) getOrAddUser(ctx context.Context, actor UserID, org uuid.UUID, user UserID, role Role) (OrganizationUser, bool, error) {
	m, err := s.newMembership(ctx, org, user, role)
	if err != nil {
		return OrganizationUser{}, false, err
	}
	got, created, err := s.store.GetOrAddUser(ctx, AddUserParams{Auth: s.auth(actor), Membership: m})
	if err != nil {
		return OrganizationUser{}, false, err
	}
	if created {
		emit(s, ctx, UserAdded{OrganizationUser: got, Actor: actor})
	}
	return got, created, nil
}

// newMembership validates the input of AddUser and GetOrAddUser and builds the membership.
func (s *Service) newMembership(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := ready(ctx, checkOrg(org), checkUser(user), checkRole(role)); err != nil {
		return OrganizationUser{}, err
	}
	now := s.now()
	return OrganizationUser{
		ID: s.opts.NewID(), OrganizationID: org, UserID: user, Role: role,
		CreatedAt: now, UpdatedAt: now,
	}, nil
}

// RemoveUser removes user from the organization and emits UserRemoved. The owner cannot
// be removed: transfer ownership first. It is unchecked: for trusted system code (see
// As).
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, ErrOwnershipRequired,
// the store's error, or the context's error.
func (s *Service) RemoveUser(ctx context.Context, org uuid.UUID, user UserID) error {
	return s.removeUser(ctx, "", org, user)
}

func (s *Service) removeUser(ctx context.Context, actor UserID, org uuid.UUID, user UserID) error {
	if err := ready(ctx, checkOrg(org), checkUser(user)); err != nil {
		return err
	}
	m, err := s.store.RemoveUser(ctx, RemoveUserParams{Auth: s.auth(actor), OrganizationID: org, UserID: user})
	if err != nil {
		return err
	}
	emit(s, ctx, UserRemoved{OrganizationUser: m, Actor: actor})
	return nil
}

// SetRole sets the member's role (declared by the Policy or a custom role of the
// organization) and emits RoleChanged if it changed. The owner's role cannot be changed
// (it stays RoleAdmin). It is unchecked: for trusted system code (see As).
//
// Errors: ErrInvalidUserID, ErrInvalidRole, ErrOrganizationNotFound, ErrNotMember,
// ErrOwnershipRequired (demoting the owner), the store's error, or the context's error.
func (s *Service) SetRole(ctx context.Context, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	return s.setRole(ctx, "", org, user, role)
}

func (s *Service) setRole(ctx context.Context, actor UserID, org uuid.UUID, user UserID, role Role) (OrganizationUser, error) {
	if err := ready(ctx, checkOrg(org), checkUser(user), checkRole(role)); err != nil {
		return OrganizationUser{}, err
	}
	before, after, err := s.store.SetRole(ctx, SetRoleParams{Auth: s.auth(actor), OrganizationID: org, UserID: user, Role: role, Now: s.now()})
	if err != nil {
		return OrganizationUser{}, err
	}
	if before.Role != after.Role {
		emit(s, ctx, RoleChanged{Old: before, New: after, Actor: actor})
	}
	return after, nil
}

// OrganizationUser returns user's membership of the organization.
//
// Errors: ErrInvalidUserID, ErrOrganizationNotFound, ErrNotMember, the store's error, or
// the context's error.
func (s *Service) OrganizationUser(ctx context.Context, org uuid.UUID, user UserID) (OrganizationUser, error) {
	if err := ready(ctx, checkOrg(org), checkUser(user)); err != nil {
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
	return listPage(ctx, checkOrg(org), opts, membershipID, func(q pageQuery) ([]OrganizationUser, error) {
		return s.store.Members(ctx, MembersParams{OrganizationID: org, After: q.after, Limit: q.limit + 1})
	})
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
	if err := ready(ctx); err != nil {
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
	return s.access(ctx, p)
}

// access reads p through the store and compiles the permissions.
func (s *Service) access(ctx context.Context, p AccessParams) (Access, error) {
	a, err := s.store.Access(ctx, p)
	if err != nil {
		return Access{}, err
	}
	a.compile(s.policy)
	return a, nil
}

// Access returns the organization with user's access to it (membership, ownership and
// effective permissions: see Access.Can), read in one store operation (one round trip
// on PostgreSQL, custom roles included). An empty or invalid user is nobody's member.
//
// Errors: ErrOrganizationNotFound, or the context's error.
func (s *Service) Access(ctx context.Context, org uuid.UUID, user UserID) (Access, error) {
	if err := ready(ctx, checkOrg(org)); err != nil {
		return Access{}, err
	}
	p := AccessParams{OrganizationID: org, UserID: user}
	if !user.Valid() {
		p.UserID = ""
	}
	return s.access(ctx, p)
}

// sharedAccessStore is a store that can lend the Access it keeps to a caller that only
// reads it and lets it go (CachedStore): HasPermission takes it to spare the copy.
type sharedAccessStore interface {
	accessShared(ctx context.Context, p AccessParams) (Access, error)
}

// HasPermission reports whether user may do what p allows in the organization (see
// Access.Can): a one-off check. An unknown organization or user gives false and no
// error. A check made before a write is advice for a UI, not a guarantee: writes made on
// a user's behalf go through As, which decides in the write's own atomic step.
//
// Errors: the store's failures, or the context's error.
func (s *Service) HasPermission(ctx context.Context, org uuid.UUID, user UserID, p Permission) (bool, error) {
	var a Access
	var err error
	if c, ok := s.store.(sharedAccessStore); ok && user.Valid() && org != uuid.Nil {
		// The Access is only read here: the cache's own copy spares two allocations.
		if a, err = c.accessShared(ctx, AccessParams{OrganizationID: org, UserID: user}); err == nil {
			a.compile(s.policy)
		}
	} else {
		a, err = s.Access(ctx, org, user)
	}
	if errors.Is(err, ErrOrganizationNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Can(p), nil
}

// IsMember reports whether user is a member of the organization. An unknown organization
// or user, or an invalid UserID, gives false and no error.
//
// Errors: the store's error, or the context's error.
func (s *Service) IsMember(ctx context.Context, org uuid.UUID, user UserID) (bool, error) {
	_, ok, err := s.memberRole(ctx, org, user)
	return ok, err
}

// IsAdmin reports whether user is an admin of the organization (the owner always is). An
// unknown organization or user, or an invalid UserID, gives false and no error.
//
// Errors: the store's error, or the context's error.
func (s *Service) IsAdmin(ctx context.Context, org uuid.UUID, user UserID) (bool, error) {
	role, ok, err := s.memberRole(ctx, org, user)
	return ok && role == RoleAdmin, err
}

// memberRoleReader is implemented by a store that can read the role of an active
// membership more cheaply than OrganizationUser when a missing organization need not be
// told from a non-member, which the predicates do not (PostgresStore: one index-only
// probe instead of two probes and a heap read).
type memberRoleReader interface {
	// activeRole returns the role of user's active membership of org; ok false: there
	// is none (a non-member, a suspended member, no organization).
	activeRole(ctx context.Context, org uuid.UUID, user UserID) (role Role, ok bool, err error)
}

// memberRole is the role of user's active membership, for the predicates: "not found"
// (no organization, a non-member, a suspended member) is ("", false, nil).
func (s *Service) memberRole(ctx context.Context, org uuid.UUID, user UserID) (Role, bool, error) {
	if err := ready(ctx); err != nil {
		return "", false, err
	}
	if org == uuid.Nil || !user.Valid() {
		return "", false, nil
	}
	if r, ok := s.store.(memberRoleReader); ok {
		return r.activeRole(ctx, org, user)
	}
	m, err := s.store.OrganizationUser(ctx, org, user)
	switch {
	case err == nil && m.Status() == MemberStatusSuspended:
		return "", false, nil // a suspended member is no member
	case err == nil:
		return m.Role, true, nil
	case errors.Is(err, ErrNotMember), errors.Is(err, ErrOrganizationNotFound):
		return "", false, nil
	default:
		return "", false, err
	}
}
