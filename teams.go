package organizations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Teams: an organization's members grouped (engineering, support, a customer's project).
// A team belongs to one organization and its members are members of that organization:
// the store holds this in the same atomic step as every change (PostgreSQL in its schema:
// team memberships refer to the organization membership with a composite foreign key), so
// that removing a member from the organization removes them from its teams, and deleting
// the organization deletes its teams. See docs/teams.md.

// PermTeamsManage allows Actor.CreateTeam, Actor.UpdateTeam, Actor.DeleteTeam,
// Actor.AddTeamMember, Actor.SetTeamRole and Actor.RemoveTeamMember (a member may always
// leave a team, unless suspended). DefaultPolicy gives it to RoleAdmin. It is an
// organization permission: a team role cannot hold it (see RoleScope).
const PermTeamsManage Permission = "teams:manage"

// Team is a group of an organization's members. It marshals to JSON as
//
//	{"id":"…","organization_id":"…","name":"Docs","slug":"docs","data":{},
//	 "created_at":"…","updated_at":"…"}
type Team struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	// Name is the display name: 1 to MaxNameLength runes, trimmed.
	Name string `json:"name"`
	// Slug is unique within the organization (two organizations may each have a team
	// "docs"), URL-safe, generated from the name unless given.
	Slug string `json:"slug"`
	// Data is the host's free JSON object; "{}" when unset.
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// TeamMember is a user's membership of a team. The user is a member of the team's
// organization for as long as the team membership exists.
type TeamMember struct {
	// ID identifies the team membership; team member lists are in its order.
	ID             uuid.UUID `json:"id"`
	TeamID         uuid.UUID `json:"team_id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	UserID         UserID    `json:"user_id"`
	// Role is the member's team role, one the Policy declares with ScopeTeam; empty
	// (and left out of JSON) for none: the member then holds their organization
	// permissions only, in the team as elsewhere.
	Role      Role      `json:"role,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TeamAccess is a team together with one user's access to it, read in one atomic step
// (Service.TeamAccess): the organization access (membership, ownership, organization
// permissions), the team, and the user's team membership. Can answers permission checks
// within the team without another store call.
//
// A suspended member is no member (Access.IsMember is false), so their team membership
// is not reported and grants nothing.
type TeamAccess struct {
	// Access is the user's access to the team's organization: Access.Can answers for
	// the organization at large, where a team role grants nothing.
	Access Access `json:"access"`
	// Team is the team.
	Team Team `json:"team"`
	// TeamMember is the user's team membership; zero unless IsTeamMember.
	TeamMember TeamMember `json:"team_member,omitzero"`
	// IsTeamMember reports whether the user is an active member of the organization and
	// a member of the team.
	IsTeamMember bool `json:"is_team_member"`

	perms permSet // the organization permissions and the team role's, under Access.policy
}

// Can reports whether the user may do what p allows within the team: always for the
// owner; for another active member, whether their organization role (declared or custom)
// or their team role grants p under the Service's Policy; never for a non-member or a
// suspended member. It allocates nothing. A TeamAccess that did not come from a Service
// (a bare TeamStore.TeamAccess) can nothing except for the owner.
func (a *TeamAccess) Can(p Permission) bool {
	if a.Access.IsOwner {
		return true
	}
	if !a.Access.IsMember || a.Access.policy == nil {
		return false
	}
	i, ok := a.Access.policy.index[p]
	return ok && a.perms.has(i)
}

// Permissions returns the user's effective permissions within the team, sorted: every
// permission the Policy knows for the owner, none for a non-member.
func (a *TeamAccess) Permissions() []Permission {
	switch pol := a.Access.policy; {
	case pol == nil || !a.Access.IsMember:
		return []Permission{}
	case a.Access.IsOwner:
		return pol.Permissions()
	default:
		return pol.list(a.perms)
	}
}

// compile fills the permission sets of a under p.
func (a *TeamAccess) compile(p *Policy) {
	a.Access.compile(p)
	a.perms = a.Access.perms
	if a.Access.IsMember && a.IsTeamMember {
		a.perms.union(p.teamRoleSet(a.TeamMember.Role))
	}
}

// TeamOptions are the optional parts of CreateTeam; nil means defaults.
type TeamOptions struct {
	// Slug, if set, is used as given (ErrInvalidSlug if malformed, ErrTeamSlugTaken if
	// another team of the organization has it); otherwise one is generated from the name
	// and suffixed -2, -3, ... until free within the organization.
	Slug string
	// Data is the initial custom data (a JSON object).
	Data json.RawMessage
}

// TeamUpdate lists the fields UpdateTeam changes; a nil field is left unchanged.
// Renaming never changes the slug: set Slug to change it.
type TeamUpdate struct {
	Name *string
	Slug *string
	Data *json.RawMessage
}

// TeamStore is the optional interface of a Store that keeps teams. Every method is one
// atomic step. A team member is always a member of the team's organization: AddTeamMember
// refuses anyone else (ErrNotMember), removing a membership of the organization (RemoveUser,
// RemoveUserEverywhere) removes the user's team memberships in the same step, and
// DeleteOrganization deletes the organization's teams with their members. Those removals
// record no team events of their own: UserRemoved (or OrganizationDeleted) covers them.
//
// A suspended member keeps their team memberships, which grant nothing while the
// membership is suspended (a suspended member holds no permission at all); they cannot
// be added to a team (ErrNotMember) until reactivated, which restores them as they were.
// Team lists include them. The suspension is the membership's state, not a copy in the
// team memberships, so no step can leave the two out of step.
//
// The writes are actor-checked on PermTeamsManage (Authorization, as for the Store's
// methods), except that a member who is not suspended may always remove themselves from
// a team. Team roles (TeamMember.Role, declared by Auth.Policy with ScopeTeam) are
// guarded like organization roles, within the team: an actor other than the owner may
// give a team role (AddTeamMember, SetTeamRole), and take one away (SetTeamRole,
// RemoveTeamMember of another member, DeleteTeam of a team where it is held), only when
// its permissions are within the actor's permissions in that team (their organization
// role's and their own team role's there), or the call fails with ErrEscalation. Each
// write records its event (TeamCreated, TeamUpdated, TeamDeleted, TeamMemberAdded,
// TeamRoleChanged, TeamMemberRemoved) in the same step on an EventStore.
//
// Limits: CreateTeam and AddTeamMember count the organization's teams and the team's
// members in their atomic step, after taking the lock that every write of a team (or of
// a team's membership) takes, so that parallel calls one short of the limit add exactly
// one (PostgreSQL: the organization row, or the team row, locked FOR NO KEY UPDATE when
// a limit is given).
//
// The Service returns ErrNotSupported for its team methods on a store without it.
// MemoryStore, PostgresStore and CachedStore (over a TeamStore) implement it.
//
// TeamStore changed once before v1.0, when no other store had it: team roles
// (AddTeamMemberParams.Member.Role, SetTeamRole, TeamAccess), limits
// (CreateTeamParams.MaxTeams, AddTeamMemberParams.MaxTeamMembers) and list counts came
// with new methods and new list signatures, so that a store written against its first
// form no longer satisfies it, rather than ignoring the new fields.
type TeamStore interface {
	// CreateTeam stores p.Team with the slug p.Team.Slug, or, with p.SuffixSlug, the
	// first of it, it-2, it-3, ... (SlugCandidate) that no team of the organization
	// has, and returns it as stored. Errors, in this order: ErrOrganizationNotFound,
	// ErrPermissionDenied, ErrTeamLimit (p.MaxTeams), ErrTeamSlugTaken.
	CreateTeam(ctx context.Context, p CreateTeamParams) (Team, error)
	// UpdateTeam applies p.Update (validated and normalised) and returns the team
	// before and after; when it changes nothing, after equals before and nothing is
	// written or recorded. UpdatedAt becomes p.Now on a change. Errors:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrTeamNotFound, ErrTeamSlugTaken.
	UpdateTeam(ctx context.Context, p UpdateTeamParams) (before, after Team, err error)
	// DeleteTeam deletes the team with its memberships and returns it. Errors, in this
	// order: ErrOrganizationNotFound, ErrPermissionDenied, ErrTeamNotFound,
	// ErrEscalation (a team role held in the team exceeds the actor's permissions there).
	DeleteTeam(ctx context.Context, p TeamParams) (Team, error)
	// Team returns the organization's team. Errors: ErrOrganizationNotFound,
	// ErrTeamNotFound.
	Team(ctx context.Context, org, team uuid.UUID) (Team, error)
	// AddTeamMember stores p.Member, with its team role (empty for none): its user must
	// be an active member of its organization. Errors, in this order:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrTeamNotFound, ErrEscalation (the
	// role's permissions exceed the actor's in the team), ErrNotMember,
	// ErrAlreadyTeamMember, ErrTeamMemberLimit (p.MaxTeamMembers).
	AddTeamMember(ctx context.Context, p AddTeamMemberParams) (TeamMember, error)
	// SetTeamRole sets the team role of the user's team membership to p.Role (empty: no
	// team role) and returns it before and after; when the role is the same, nothing is
	// written or recorded and after equals before. Errors, in this order:
	// ErrOrganizationNotFound, ErrPermissionDenied, ErrTeamNotFound, ErrNotTeamMember,
	// ErrEscalation (the current or the new role's permissions exceed the actor's in the
	// team).
	SetTeamRole(ctx context.Context, p SetTeamRoleParams) (before, after TeamMember, err error)
	// RemoveTeamMember deletes the user's membership of the team and returns it.
	// Errors, in this order: ErrOrganizationNotFound, ErrPermissionDenied,
	// ErrTeamNotFound, ErrNotTeamMember, ErrEscalation (another member's team role
	// exceeds the actor's permissions in the team).
	RemoveTeamMember(ctx context.Context, p RemoveTeamMemberParams) (TeamMember, error)
	// TeamAccess returns the organization, the team and p.UserID's access to both (an
	// active membership, ownership, the custom role definition as Store.Access gives
	// them, and the team membership of an active member), read in one atomic step. An
	// empty UserID is nobody's member. Errors: ErrOrganizationNotFound, ErrTeamNotFound.
	TeamAccess(ctx context.Context, p TeamAccessParams) (TeamAccess, error)
	// ListTeams returns up to p.Limit of the organization's teams (with p.UserID, only
	// those the user is a member of) in ascending team ID order after p.After, and how
	// many teams the whole list has (every page), read in one atomic step. Error:
	// ErrOrganizationNotFound.
	ListTeams(ctx context.Context, p ListTeamsParams) (teams []Team, total int, err error)
	// ListTeamMembers returns up to p.Limit of the team's memberships in ascending ID
	// order after p.After, and how many members the team has, read in one atomic step.
	// Errors: ErrOrganizationNotFound, ErrTeamNotFound.
	ListTeamMembers(ctx context.Context, p ListTeamMembersParams) (members []TeamMember, total int, err error)
}

// CreateTeamParams are the inputs of TeamStore.CreateTeam.
type CreateTeamParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// MaxTeams, if positive, is how many teams the organization may have: the store
	// refuses the team with ErrTeamLimit when the organization has that many, counted in
	// the same atomic step as the write (Options.MaxTeams).
	MaxTeams int
	// Team is the team to store, validated: ID, OrganizationID, Name, Slug (the
	// explicit slug, or the base of a generated one), Data, CreatedAt and UpdatedAt.
	Team Team
	// SuffixSlug says the slug was generated: on collision the store tries base-2,
	// base-3, ... instead of refusing with ErrTeamSlugTaken.
	SuffixSlug bool
}

// UpdateTeamParams are the inputs of TeamStore.UpdateTeam.
type UpdateTeamParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
	// Update is the change, validated and normalised (a trimmed name, a valid slug, a
	// JSON object).
	Update TeamUpdate
	// Now is the update time.
	Now time.Time
}

// TeamParams name a team, for TeamStore.DeleteTeam.
type TeamParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
}

// AddTeamMemberParams are the inputs of TeamStore.AddTeamMember.
type AddTeamMemberParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// Member is the team membership to store: ID, TeamID, OrganizationID, UserID, Role
	// (a team role Auth.Policy declares, or empty) and CreatedAt.
	Member TeamMember
	// MaxTeamMembers, if positive, is how many members the team may have: the store
	// refuses the addition with ErrTeamMemberLimit when the team has that many, counted
	// in the same atomic step as the write (Options.MaxTeamMembers).
	MaxTeamMembers int
}

// SetTeamRoleParams are the inputs of TeamStore.SetTeamRole.
type SetTeamRoleParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
	// UserID is the team member whose role changes.
	UserID UserID
	// Role is the new team role, one Auth.Policy declares with ScopeTeam, or empty for
	// none.
	Role Role
}

// TeamAccessParams are the inputs of TeamStore.TeamAccess.
type TeamAccessParams struct {
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
	// UserID is the user whose access is read; empty for an anonymous one.
	UserID UserID
}

// RemoveTeamMemberParams are the inputs of TeamStore.RemoveTeamMember.
type RemoveTeamMemberParams struct {
	// Auth is who acts, under which policy.
	Auth Authorization
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
	// UserID is the member to remove from the team.
	UserID UserID
}

// ListTeamsParams are the inputs of TeamStore.ListTeams.
type ListTeamsParams struct {
	// OrganizationID is the organization whose teams are listed.
	OrganizationID uuid.UUID
	// UserID, if set, keeps only the teams this user is a member of.
	UserID UserID
	// After is the team ID the page starts after; uuid.Nil starts at the beginning.
	After uuid.UUID
	// Limit is the most teams returned.
	Limit int
}

// ListTeamMembersParams are the inputs of TeamStore.ListTeamMembers.
type ListTeamMembersParams struct {
	// OrganizationID and TeamID name the team.
	OrganizationID, TeamID uuid.UUID
	// After is the team membership ID the page starts after; uuid.Nil starts at the
	// beginning.
	After uuid.UUID
	// Limit is the most team memberships returned.
	Limit int
}

// teamStore is the Service's store as a TeamStore: with a limit (positive), one that is a
// TeamStore all the way down (enforcing), so that no wrapper hands the limit to a store
// that would ignore it; ErrNotSupported otherwise.
func (s *Service) teamStore(limit int) (TeamStore, error) {
	if limit > 0 {
		return enforcing[TeamStore](s.store)
	}
	return optional[TeamStore](s.store)
}

// teamLimit is an Options team limit as the store takes it: 0 for none (a negative
// one), at most MaxMemberLimit (what PostgreSQL's integer holds).
func teamLimit(n int) int { return min(max(n, 0), MaxMemberLimit) }

// teamFallbackSlug is the slug of a team whose name slugifies to nothing.
const teamFallbackSlug = "team"

// teamSlug is the generated slug of a team named name (already normalised).
func teamSlug(name string) string {
	s := Slugify(name)
	if s == fallbackSlug && Slugify(name+" x") == "x" {
		return teamFallbackSlug // nothing of the name was kept
	}
	return s
}

// checkOrgTeam is ErrOrganizationNotFound for a nil organization, ErrTeamNotFound for a
// nil team.
func checkOrgTeam(org, team uuid.UUID) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if team == uuid.Nil {
		return ErrTeamNotFound
	}
	return nil
}

// CreateTeam creates a team named name in the organization and emits TeamCreated. The
// team starts with no members. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrInvalidName, ErrInvalidSlug, ErrTeamLimit (the
// organization has Options.MaxTeams teams), ErrTeamSlugTaken (explicit slug only),
// ErrInvalidJSON, ErrNotSupported (the store is not a TeamStore), the store's error, or
// the context's error.
func (s *Service) CreateTeam(ctx context.Context, org uuid.UUID, name string, opts *TeamOptions) (Team, error) {
	return s.createTeam(ctx, "", org, name, opts)
}

func (s *Service) createTeam(ctx context.Context, actor UserID, org uuid.UUID, name string, opts *TeamOptions) (Team, error) {
	if err := ready(ctx, checkOrg(org)); err != nil {
		return Team{}, err
	}
	if opts == nil {
		opts = &TeamOptions{}
	}
	name, slug, suffix, err := nameAndSlug(name, opts.Slug, teamSlug)
	if err != nil {
		return Team{}, err
	}
	data, err := normalizeJSON(opts.Data)
	if err != nil {
		return Team{}, err
	}
	ts, err := s.teamStore(s.opts.MaxTeams)
	if err != nil {
		return Team{}, err
	}
	now := s.now()
	t, err := ts.CreateTeam(ctx, CreateTeamParams{
		Auth: s.auth(actor), MaxTeams: teamLimit(s.opts.MaxTeams),
		Team: Team{
			ID: s.opts.NewID(), OrganizationID: org, Name: name, Slug: slug, Data: data,
			CreatedAt: now, UpdatedAt: now,
		},
		SuffixSlug: suffix,
	})
	if err != nil {
		return Team{}, err
	}
	emit(s, ctx, TeamCreated{Team: t, Actor: actor})
	return t, nil
}

// UpdateTeam changes the fields of u that are set and emits TeamUpdated if anything
// changed. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrInvalidName, ErrInvalidSlug,
// ErrTeamSlugTaken, ErrInvalidJSON, ErrNotSupported (the store is not a TeamStore), the
// store's error, or the context's error.
func (s *Service) UpdateTeam(ctx context.Context, org, team uuid.UUID, u TeamUpdate) (Team, error) {
	return s.updateTeam(ctx, "", org, team, u)
}

func (s *Service) updateTeam(ctx context.Context, actor UserID, org, team uuid.UUID, u TeamUpdate) (Team, error) {
	if err := ready(ctx, checkOrgTeam(org, team)); err != nil {
		return Team{}, err
	}
	var n TeamUpdate
	var err error
	if n.Name, n.Slug, err = cleanNameSlug(u.Name, u.Slug); err != nil {
		return Team{}, err
	}
	if n.Data, err = normalizeOptionalJSON(u.Data); err != nil {
		return Team{}, err
	}
	ts, err := optional[TeamStore](s.store)
	if err != nil {
		return Team{}, err
	}
	before, after, err := ts.UpdateTeam(ctx, UpdateTeamParams{Auth: s.auth(actor), OrganizationID: org, TeamID: team, Update: n, Now: s.now()})
	if err != nil {
		return Team{}, err
	}
	if !teamEqual(before, after) {
		emit(s, ctx, TeamUpdated{Old: before, New: after, Actor: actor})
	}
	return after, nil
}

// teamEqual reports whether a and b are the same team in the same state.
func teamEqual(a, b Team) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Slug == b.Slug && bytes.Equal(a.Data, b.Data) &&
		a.UpdatedAt.Equal(b.UpdatedAt)
}

// DeleteTeam deletes the team with its memberships and emits TeamDeleted (the team
// memberships go with it, without events of their own). It is unchecked: for trusted
// system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrNotSupported (the store is not a
// TeamStore), the store's error, or the context's error.
func (s *Service) DeleteTeam(ctx context.Context, org, team uuid.UUID) error {
	return s.deleteTeam(ctx, "", org, team)
}

func (s *Service) deleteTeam(ctx context.Context, actor UserID, org, team uuid.UUID) error {
	ts, err := need[TeamStore](ctx, s, checkOrgTeam(org, team))
	if err != nil {
		return err
	}
	t, err := ts.DeleteTeam(ctx, TeamParams{Auth: s.auth(actor), OrganizationID: org, TeamID: team})
	if err != nil {
		return err
	}
	emit(s, ctx, TeamDeleted{Team: t, Actor: actor})
	return nil
}

// Team returns the organization's team.
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrNotSupported (the store is not a
// TeamStore), the store's error, or the context's error.
func (s *Service) Team(ctx context.Context, org, team uuid.UUID) (Team, error) {
	ts, err := need[TeamStore](ctx, s, checkOrgTeam(org, team))
	if err != nil {
		return Team{}, err
	}
	return ts.Team(ctx, org, team)
}

// Teams returns one page of the organization's teams, in the order they were made, with
// how many teams it has (Total), read in one store call.
//
// Errors: ErrOrganizationNotFound, ErrInvalidListOptions, ErrNotSupported (the store is
// not a TeamStore), the store's error, or the context's error.
func (s *Service) Teams(ctx context.Context, org uuid.UUID, opts ListOptions) (CountedPage[Team], error) {
	return s.listTeams(ctx, org, "", checkOrg(org), opts)
}

// TeamsForUser returns one page of the teams of the organization that user is a member
// of, in the order the teams were made, with how many there are (Total), read in one
// store call: empty for a user who is not a member of the organization. A suspended
// member's teams are listed (see TeamStore).
//
// Errors: ErrOrganizationNotFound, ErrInvalidUserID, ErrInvalidListOptions,
// ErrNotSupported (the store is not a TeamStore), the store's error, or the context's
// error.
func (s *Service) TeamsForUser(ctx context.Context, org uuid.UUID, user UserID, opts ListOptions) (CountedPage[Team], error) {
	return s.listTeams(ctx, org, user, firstError(checkOrg(org), checkUser(user)), opts)
}

func (s *Service) listTeams(ctx context.Context, org uuid.UUID, user UserID, check error, opts ListOptions) (CountedPage[Team], error) {
	return countedPage(ctx, check, opts, func(t Team) uuid.UUID { return t.ID }, func(q pageQuery) ([]Team, int, error) {
		ts, err := optional[TeamStore](s.store)
		if err != nil {
			return nil, 0, err
		}
		return ts.ListTeams(ctx, ListTeamsParams{OrganizationID: org, UserID: user, After: q.after, Limit: q.limit + 1})
	})
}

// TeamMembers returns one page of the team's members, in the order they were added,
// with how many members the team has (Total), read in one store call.
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrInvalidListOptions,
// ErrNotSupported (the store is not a TeamStore), the store's error, or the context's
// error.
func (s *Service) TeamMembers(ctx context.Context, org, team uuid.UUID, opts ListOptions) (CountedPage[TeamMember], error) {
	return countedPage(ctx, checkOrgTeam(org, team), opts, func(m TeamMember) uuid.UUID { return m.ID }, func(q pageQuery) ([]TeamMember, int, error) {
		ts, err := optional[TeamStore](s.store)
		if err != nil {
			return nil, 0, err
		}
		return ts.ListTeamMembers(ctx, ListTeamMembersParams{OrganizationID: org, TeamID: team, After: q.after, Limit: q.limit + 1})
	})
}

// AddTeamMember adds user, an active member of the organization, to the team with the
// team role role (declared by the Policy with ScopeTeam; empty for none) and emits
// TeamMemberAdded. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrInvalidUserID, ErrInvalidRole
// (role is not a team role of the Policy), ErrNotMember (the user is not a member of the
// organization, or is suspended), ErrAlreadyTeamMember, ErrTeamMemberLimit (the team has
// Options.MaxTeamMembers members), ErrNotSupported (the store is not a TeamStore), the
// store's error, or the context's error.
func (s *Service) AddTeamMember(ctx context.Context, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	return s.addTeamMember(ctx, "", org, team, user, role)
}

func (s *Service) addTeamMember(ctx context.Context, actor UserID, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	if err := ready(ctx, checkOrgTeam(org, team), checkUser(user), s.checkTeamRole(role)); err != nil {
		return TeamMember{}, err
	}
	ts, err := s.teamStore(s.opts.MaxTeamMembers)
	if err != nil {
		return TeamMember{}, err
	}
	m, err := ts.AddTeamMember(ctx, AddTeamMemberParams{
		Auth: s.auth(actor), MaxTeamMembers: teamLimit(s.opts.MaxTeamMembers),
		Member: TeamMember{
			ID: s.opts.NewID(), TeamID: team, OrganizationID: org, UserID: user, Role: role, CreatedAt: s.now(),
		},
	})
	if err != nil {
		return TeamMember{}, err
	}
	emit(s, ctx, TeamMemberAdded{TeamMember: m, Actor: actor})
	return m, nil
}

// checkTeamRole is ErrInvalidRole unless role is empty or a team role of the Service's
// Policy.
func (s *Service) checkTeamRole(role Role) error {
	if role != "" && !s.policy.DeclaresTeamRole(role) {
		return ErrInvalidRole
	}
	return nil
}

// SetTeamRole sets the team role of user's membership of the team to role (declared by
// the Policy with ScopeTeam; empty removes it) and emits TeamRoleChanged if it changed.
// It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrInvalidUserID, ErrInvalidRole,
// ErrNotTeamMember, ErrNotSupported (the store is not a TeamStore), the store's error,
// or the context's error.
func (s *Service) SetTeamRole(ctx context.Context, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	return s.setTeamRole(ctx, "", org, team, user, role)
}

func (s *Service) setTeamRole(ctx context.Context, actor UserID, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	ts, err := need[TeamStore](ctx, s, checkOrgTeam(org, team), checkUser(user), s.checkTeamRole(role))
	if err != nil {
		return TeamMember{}, err
	}
	before, after, err := ts.SetTeamRole(ctx, SetTeamRoleParams{
		Auth: s.auth(actor), OrganizationID: org, TeamID: team, UserID: user, Role: role,
	})
	if err != nil {
		return TeamMember{}, err
	}
	if before.Role != after.Role {
		emit(s, ctx, TeamRoleChanged{Old: before, New: after, Actor: actor})
	}
	return after, nil
}

// TeamAccess returns the team with user's access to it and to its organization
// (membership, ownership, team membership and the effective permissions within the team:
// see TeamAccess.Can), read in one store operation (one round trip on PostgreSQL). An
// empty or invalid user is nobody's member; a suspended member is no member.
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrNotSupported (the store is not a
// TeamStore), the store's error, or the context's error.
func (s *Service) TeamAccess(ctx context.Context, org, team uuid.UUID, user UserID) (TeamAccess, error) {
	ts, err := need[TeamStore](ctx, s, checkOrgTeam(org, team))
	if err != nil {
		return TeamAccess{}, err
	}
	if !user.Valid() {
		user = ""
	}
	a, err := ts.TeamAccess(ctx, TeamAccessParams{OrganizationID: org, TeamID: team, UserID: user})
	if err != nil {
		return TeamAccess{}, err
	}
	a.compile(s.policy)
	return a, nil
}

// HasTeamPermission reports whether user may do what p allows within the organization's
// team (see TeamAccess.Can): a one-off check. An unknown organization, team or user
// gives false and no error. As for HasPermission, a check made before a write is advice
// for a UI: writes made on a user's behalf go through As.
//
// Errors: ErrNotSupported (the store is not a TeamStore), the store's failures, or the
// context's error.
func (s *Service) HasTeamPermission(ctx context.Context, org, team uuid.UUID, user UserID, p Permission) (bool, error) {
	a, err := s.TeamAccess(ctx, org, team, user)
	if errors.Is(err, ErrOrganizationNotFound) || errors.Is(err, ErrTeamNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Can(p), nil
}

// RemoveTeamMember removes user from the team (not from the organization) and emits
// TeamMemberRemoved. It is unchecked: for trusted system code (see As).
//
// Errors: ErrOrganizationNotFound, ErrTeamNotFound, ErrInvalidUserID, ErrNotTeamMember,
// ErrNotSupported (the store is not a TeamStore), the store's error, or the context's
// error.
func (s *Service) RemoveTeamMember(ctx context.Context, org, team uuid.UUID, user UserID) error {
	return s.removeTeamMember(ctx, "", org, team, user)
}

func (s *Service) removeTeamMember(ctx context.Context, actor UserID, org, team uuid.UUID, user UserID) error {
	ts, err := need[TeamStore](ctx, s, checkOrgTeam(org, team), checkUser(user))
	if err != nil {
		return err
	}
	m, err := ts.RemoveTeamMember(ctx, RemoveTeamMemberParams{Auth: s.auth(actor), OrganizationID: org, TeamID: team, UserID: user})
	if err != nil {
		return err
	}
	emit(s, ctx, TeamMemberRemoved{TeamMember: m, Actor: actor})
	return nil
}

// CreateTeam is Service.CreateTeam, if the actor holds PermTeamsManage. Errors: as
// Service.CreateTeam, and ErrPermissionDenied.
func (a *Actor) CreateTeam(ctx context.Context, org uuid.UUID, name string, opts *TeamOptions) (Team, error) {
	if err := a.check(ctx); err != nil {
		return Team{}, err
	}
	return a.s.createTeam(ctx, a.actor, org, name, opts)
}

// UpdateTeam is Service.UpdateTeam, if the actor holds PermTeamsManage. Errors: as
// Service.UpdateTeam, and ErrPermissionDenied.
func (a *Actor) UpdateTeam(ctx context.Context, org, team uuid.UUID, u TeamUpdate) (Team, error) {
	if err := a.check(ctx); err != nil {
		return Team{}, err
	}
	return a.s.updateTeam(ctx, a.actor, org, team, u)
}

// DeleteTeam is Service.DeleteTeam, if the actor holds PermTeamsManage and the
// permissions of every team role held in the team are within the actor's there. Errors:
// as Service.DeleteTeam, ErrPermissionDenied and ErrEscalation.
func (a *Actor) DeleteTeam(ctx context.Context, org, team uuid.UUID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.deleteTeam(ctx, a.actor, org, team)
}

// AddTeamMember is Service.AddTeamMember, if the actor holds PermTeamsManage and role's
// permissions are within the actor's permissions in the team (their organization role's
// and their own team role's there). Errors: as Service.AddTeamMember,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) AddTeamMember(ctx context.Context, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	if err := a.check(ctx); err != nil {
		return TeamMember{}, err
	}
	return a.s.addTeamMember(ctx, a.actor, org, team, user, role)
}

// SetTeamRole is Service.SetTeamRole, if the actor holds PermTeamsManage and both the
// member's current team role's permissions and role's are within the actor's
// permissions in the team (so no one raises their own). Errors: as Service.SetTeamRole,
// ErrPermissionDenied and ErrEscalation.
func (a *Actor) SetTeamRole(ctx context.Context, org, team uuid.UUID, user UserID, role Role) (TeamMember, error) {
	if err := a.check(ctx); err != nil {
		return TeamMember{}, err
	}
	return a.s.setTeamRole(ctx, a.actor, org, team, user, role)
}

// RemoveTeamMember is Service.RemoveTeamMember, if the actor removes themselves (an
// active member of the organization), or holds PermTeamsManage and the member's team
// role's permissions are within the actor's in the team. Errors: as
// Service.RemoveTeamMember, ErrPermissionDenied and ErrEscalation.
func (a *Actor) RemoveTeamMember(ctx context.Context, org, team uuid.UUID, user UserID) error {
	if err := a.check(ctx); err != nil {
		return err
	}
	return a.s.removeTeamMember(ctx, a.actor, org, team, user)
}
