package organizations

import (
	"context"
	"slices"

	"github.com/google/uuid"
)

var _ TeamStore = (*MemoryStore)(nil)

// memTeams are an organization's teams, guarded by the organization's lock (readers
// hold it shared). A team membership is kept twice: in its team's ID-ordered list and
// in its user's team list, both changed together.
type memTeams struct {
	byID   map[uuid.UUID]*memTeam
	bySlug map[string]*memTeam
	order  []*memTeam            // sorted by team ID
	byUser map[UserID][]*memTeam // each sorted by team ID
}

// memTeam is a team and its memberships.
type memTeam struct {
	t       Team
	members []*TeamMember // sorted by ID
	byUser  map[UserID]*TeamMember
}

// teamOrder orders teams by ID.
func teamOrder(a *memTeam, id uuid.UUID) int { return compareUUID(a.t.ID, id) }

// copyTeam returns t with its own copy of Data.
func copyTeam(t Team) Team {
	t.Data = append([]byte(nil), t.Data...)
	return t
}

// team returns o's team id, or nil. The caller holds o's lock.
func (o *memOrg) team(id uuid.UUID) *memTeam {
	if o.teams == nil {
		return nil
	}
	return o.teams.byID[id]
}

// dropTeamMemberships removes user from every team of o, with the membership of o that
// is being removed. The caller holds o's lock.
func (o *memOrg) dropTeamMemberships(user UserID) {
	if o.teams == nil {
		return
	}
	for _, mt := range o.teams.byUser[user] {
		mt.drop(user)
	}
	delete(o.teams.byUser, user)
}

// drop removes user's membership of mt (not from the user index) and returns it.
func (mt *memTeam) drop(user UserID) *TeamMember {
	m := mt.byUser[user]
	if m == nil {
		return nil
	}
	delete(mt.byUser, user)
	if i, ok := slices.BinarySearchFunc(mt.members, m.ID, func(e *TeamMember, id uuid.UUID) int { return compareUUID(e.ID, id) }); ok {
		mt.members = slices.Delete(mt.members, i, i+1)
	}
	return m
}

// teamStanding is the standing st (the actor's in o, from allowed) within team mt: with
// the permissions of the actor's team role there added. The caller holds o's lock.
func teamStanding(auth Authorization, st standing, mt *memTeam) standing {
	if auth.Actor == "" || st.owner || !st.member {
		return st
	}
	if m := mt.byUser[auth.Actor]; m != nil {
		st.perms.union(auth.Policy.orDefault().teamRoleSet(m.Role))
	}
	return st
}

// heldTeamRoles is the union of the permissions of the team roles held in mt under pol.
func (mt *memTeam) heldTeamRoles(pol *Policy) permSet {
	var set permSet
	for _, m := range mt.members {
		if m.Role != "" {
			set.union(pol.teamRoleSet(m.Role))
		}
	}
	return set
}

// lockTeam is lockAllowed for a change to one team of the organization: it also returns
// the team, or, with the lock released, ErrTeamNotFound.
func (s *MemoryStore) lockTeam(ctx context.Context, org, team uuid.UUID, auth Authorization, perm Permission) (*memOrg, standing, *memTeam, error) {
	o, st, err := s.lockAllowed(ctx, org, auth, perm)
	if err != nil {
		return nil, standing{}, nil, err
	}
	mt := o.team(team)
	if mt == nil {
		o.mu.Unlock()
		return nil, standing{}, nil, ErrTeamNotFound
	}
	return o, st, mt, nil
}

// readTeam is openOrg(ctx, org, true) for a read of one team of the organization: it
// also returns the team, or, with the lock released, ErrTeamNotFound.
func (s *MemoryStore) readTeam(ctx context.Context, org, team uuid.UUID) (*memOrg, *memTeam, error) {
	o, err := s.openOrg(ctx, org, true)
	if err != nil {
		return nil, nil, err
	}
	mt := o.team(team)
	if mt == nil {
		o.mu.RUnlock()
		return nil, nil, ErrTeamNotFound
	}
	return o, mt, nil
}

// CreateTeam implements TeamStore.
func (s *MemoryStore) CreateTeam(ctx context.Context, p CreateTeamParams) (Team, error) {
	o, err := s.openOrg(ctx, p.Team.OrganizationID, false)
	if err != nil {
		return Team{}, err
	}
	defer o.mu.Unlock()
	if _, ok := o.allowed(p.Auth, PermTeamsManage); !ok {
		return Team{}, ErrPermissionDenied
	}
	if o.teams == nil {
		o.teams = &memTeams{
			byID: map[uuid.UUID]*memTeam{}, bySlug: map[string]*memTeam{}, byUser: map[UserID][]*memTeam{},
		}
	}
	ts := o.teams
	if p.MaxTeams > 0 && len(ts.order) >= p.MaxTeams {
		return Team{}, ErrTeamLimit
	}
	t := copyTeam(p.Team)
	for n := 2; ts.bySlug[t.Slug] != nil; n++ {
		if !p.SuffixSlug {
			return Team{}, ErrTeamSlugTaken
		}
		t.Slug = SlugCandidate(p.Team.Slug, n)
	}
	mt := &memTeam{t: t, byUser: map[UserID]*TeamMember{}}
	ts.byID[t.ID] = mt
	ts.bySlug[t.Slug] = mt
	i, _ := slices.BinarySearchFunc(ts.order, t.ID, teamOrder)
	ts.order = slices.Insert(ts.order, i, mt)
	s.record(TeamCreated{Team: copyTeam(t), Actor: p.Auth.Actor})
	return copyTeam(t), nil
}

// UpdateTeam implements TeamStore.
func (s *MemoryStore) UpdateTeam(ctx context.Context, p UpdateTeamParams) (Team, Team, error) {
	o, _, mt, err := s.lockTeam(ctx, p.OrganizationID, p.TeamID, p.Auth, PermTeamsManage)
	if err != nil {
		return Team{}, Team{}, err
	}
	defer o.mu.Unlock()
	before := mt.t
	after := before
	u := p.Update
	if u.Name != nil {
		after.Name = *u.Name
	}
	if u.Slug != nil {
		after.Slug = *u.Slug
	}
	if u.Data != nil {
		after.Data = append([]byte(nil), *u.Data...)
	}
	if after.Name == before.Name && after.Slug == before.Slug && string(after.Data) == string(before.Data) {
		return copyTeam(before), copyTeam(before), nil
	}
	if after.Slug != before.Slug {
		if o.teams.bySlug[after.Slug] != nil {
			return Team{}, Team{}, ErrTeamSlugTaken
		}
		delete(o.teams.bySlug, before.Slug)
		o.teams.bySlug[after.Slug] = mt
	}
	after.UpdatedAt = p.Now
	mt.t = after
	s.record(TeamUpdated{Old: copyTeam(before), New: copyTeam(after), Actor: p.Auth.Actor})
	return copyTeam(before), copyTeam(after), nil
}

// DeleteTeam implements TeamStore.
func (s *MemoryStore) DeleteTeam(ctx context.Context, p TeamParams) (Team, error) {
	o, st, mt, err := s.lockTeam(ctx, p.OrganizationID, p.TeamID, p.Auth, PermTeamsManage)
	if err != nil {
		return Team{}, err
	}
	defer o.mu.Unlock()
	if !teamStanding(p.Auth, st, mt).covers(mt.heldTeamRoles(p.Auth.Policy.orDefault())) {
		return Team{}, ErrEscalation
	}
	ts := o.teams
	for _, m := range mt.members {
		ts.byUser[m.UserID] = slices.DeleteFunc(ts.byUser[m.UserID], func(e *memTeam) bool { return e == mt })
		if len(ts.byUser[m.UserID]) == 0 {
			delete(ts.byUser, m.UserID)
		}
	}
	delete(ts.byID, mt.t.ID)
	delete(ts.bySlug, mt.t.Slug)
	if i, ok := slices.BinarySearchFunc(ts.order, mt.t.ID, teamOrder); ok {
		ts.order = slices.Delete(ts.order, i, i+1)
	}
	s.dropTeamFromInvitations(o, mt.t.ID)
	s.record(TeamDeleted{Team: copyTeam(mt.t), Actor: p.Auth.Actor})
	return copyTeam(mt.t), nil
}

// Team implements TeamStore.
func (s *MemoryStore) Team(ctx context.Context, org, team uuid.UUID) (Team, error) {
	o, mt, err := s.readTeam(ctx, org, team)
	if err != nil {
		return Team{}, err
	}
	defer o.mu.RUnlock()
	return copyTeam(mt.t), nil
}

// AddTeamMember implements TeamStore.
func (s *MemoryStore) AddTeamMember(ctx context.Context, p AddTeamMemberParams) (TeamMember, error) {
	tm := p.Member
	o, st, mt, err := s.lockTeam(ctx, tm.OrganizationID, tm.TeamID, p.Auth, PermTeamsManage)
	if err != nil {
		return TeamMember{}, err
	}
	defer o.mu.Unlock()
	if !teamStanding(p.Auth, st, mt).covers(p.Auth.Policy.orDefault().teamRoleSet(tm.Role)) {
		return TeamMember{}, ErrEscalation
	}
	if m := o.member(tm.UserID); m == nil || m.suspended.Load() {
		return TeamMember{}, ErrNotMember
	}
	if mt.byUser[tm.UserID] != nil {
		return TeamMember{}, ErrAlreadyTeamMember
	}
	if p.MaxTeamMembers > 0 && len(mt.members) >= p.MaxTeamMembers {
		return TeamMember{}, ErrTeamMemberLimit
	}
	o.insertTeamMember(mt, tm)
	s.record(TeamMemberAdded{TeamMember: tm, Actor: p.Auth.Actor})
	return tm, nil
}

// RemoveTeamMember implements TeamStore.
func (s *MemoryStore) RemoveTeamMember(ctx context.Context, p RemoveTeamMemberParams) (TeamMember, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, false)
	if err != nil {
		return TeamMember{}, err
	}
	defer o.mu.Unlock()
	// The actor leaving the team: an active member of the organization.
	self := false
	if p.Auth.Actor == p.UserID {
		m := o.member(p.UserID)
		self = m != nil && !m.suspended.Load()
	}
	st, ok := o.allowed(p.Auth, PermTeamsManage)
	if !ok && !self {
		return TeamMember{}, ErrPermissionDenied
	}
	mt := o.team(p.TeamID)
	if mt == nil {
		return TeamMember{}, ErrTeamNotFound
	}
	cur := mt.byUser[p.UserID]
	if cur == nil {
		return TeamMember{}, ErrNotTeamMember
	}
	if !self && !teamStanding(p.Auth, st, mt).covers(p.Auth.Policy.orDefault().teamRoleSet(cur.Role)) {
		return TeamMember{}, ErrEscalation
	}
	m := mt.drop(p.UserID)
	ts := o.teams
	ts.byUser[p.UserID] = slices.DeleteFunc(ts.byUser[p.UserID], func(e *memTeam) bool { return e == mt })
	if len(ts.byUser[p.UserID]) == 0 {
		delete(ts.byUser, p.UserID)
	}
	s.record(TeamMemberRemoved{TeamMember: *m, Actor: p.Auth.Actor})
	return *m, nil
}

// SetTeamRole implements TeamStore.
func (s *MemoryStore) SetTeamRole(ctx context.Context, p SetTeamRoleParams) (TeamMember, TeamMember, error) {
	o, st, mt, err := s.lockTeam(ctx, p.OrganizationID, p.TeamID, p.Auth, PermTeamsManage)
	if err != nil {
		return TeamMember{}, TeamMember{}, err
	}
	defer o.mu.Unlock()
	m := mt.byUser[p.UserID]
	if m == nil {
		return TeamMember{}, TeamMember{}, ErrNotTeamMember
	}
	before := *m
	if before.Role == p.Role {
		return before, before, nil
	}
	pol := p.Auth.Policy.orDefault()
	tst := teamStanding(p.Auth, st, mt)
	if !tst.covers(pol.teamRoleSet(before.Role)) || !tst.covers(pol.teamRoleSet(p.Role)) {
		return TeamMember{}, TeamMember{}, ErrEscalation
	}
	m.Role = p.Role
	s.record(TeamRoleChanged{Old: before, New: *m, Actor: p.Auth.Actor})
	return before, *m, nil
}

// TeamAccess implements TeamStore.
func (s *MemoryStore) TeamAccess(ctx context.Context, p TeamAccessParams) (TeamAccess, error) {
	o, mt, err := s.readTeam(ctx, p.OrganizationID, p.TeamID)
	if err != nil {
		return TeamAccess{}, err
	}
	defer o.mu.RUnlock()
	a, err := o.finishAccess(o.access(p.UserID))
	if err != nil {
		return TeamAccess{}, err
	}
	ta := TeamAccess{Access: a, Team: copyTeam(mt.t)}
	if m := mt.byUser[p.UserID]; m != nil && a.IsMember {
		ta.TeamMember, ta.IsTeamMember = *m, true
	}
	return ta, nil
}

// ListTeams implements TeamStore.
func (s *MemoryStore) ListTeams(ctx context.Context, p ListTeamsParams) ([]Team, int, error) {
	o, err := s.openOrg(ctx, p.OrganizationID, true)
	if err != nil {
		return nil, 0, err
	}
	defer o.mu.RUnlock()
	out := []Team{}
	if o.teams == nil {
		return out, 0, nil
	}
	list := o.teams.order
	if p.UserID != "" {
		list = o.teams.byUser[p.UserID]
	}
	for _, mt := range pageAfter(list, p.After, p.Limit, func(mt *memTeam) uuid.UUID { return mt.t.ID }) {
		out = append(out, copyTeam(mt.t))
	}
	return out, len(list), nil
}

// ListTeamMembers implements TeamStore.
func (s *MemoryStore) ListTeamMembers(ctx context.Context, p ListTeamMembersParams) ([]TeamMember, int, error) {
	o, mt, err := s.readTeam(ctx, p.OrganizationID, p.TeamID)
	if err != nil {
		return nil, 0, err
	}
	defer o.mu.RUnlock()
	out := []TeamMember{}
	for _, m := range pageAfter(mt.members, p.After, p.Limit, func(m *TeamMember) uuid.UUID { return m.ID }) {
		out = append(out, *m)
	}
	return out, len(mt.members), nil
}

var _ TeamInvitationStore = (*MemoryStore)(nil)

// InvitesIntoTeams implements TeamInvitationStore.
func (s *MemoryStore) InvitesIntoTeams() {}

// checkTeamInvites checks that the actor of auth, whose standing in o is st, may invite
// into teams: PermTeamsManage (ErrPermissionDenied), then every one a team of o
// (ErrTeamNotFound), then every team role within the actor's permissions in its team
// (ErrEscalation), in the order of PostgreSQL's organizations_create_team_invitation.
// The caller holds o's lock.
func (o *memOrg) checkTeamInvites(auth Authorization, st standing, teams []TeamInvite) error {
	if len(teams) == 0 {
		return nil
	}
	pol := auth.Policy.orDefault()
	if !st.can(pol, PermTeamsManage) {
		return ErrPermissionDenied
	}
	for _, ti := range teams {
		if o.team(ti.TeamID) == nil {
			return ErrTeamNotFound
		}
	}
	for _, ti := range teams {
		if !teamStanding(auth, st, o.team(ti.TeamID)).covers(pol.teamRoleSet(ti.Role)) {
			return ErrEscalation
		}
	}
	return nil
}

// joinInvitedTeams adds the accepting user, whose membership of o is m, to the teams of
// the invitation they accepted, and records TeamMemberAdded for each: not a team that
// is gone, full (p.MaxTeamMembers) or that the user is in already, and none for a
// suspended member. It returns the team memberships made, in team ID order. The caller
// holds o's lock.
func (s *MemoryStore) joinInvitedTeams(o *memOrg, teams []TeamInvite, m OrganizationUser, p AcceptInvitationParams) []TeamMember {
	if len(teams) == 0 || p.NewID == nil || !m.SuspendedAt.IsZero() {
		return nil
	}
	var out []TeamMember
	for _, ti := range teams {
		mt := o.team(ti.TeamID)
		if mt == nil || mt.byUser[m.UserID] != nil || (p.MaxTeamMembers > 0 && len(mt.members) >= p.MaxTeamMembers) {
			continue
		}
		tm := TeamMember{
			ID: p.NewID(), TeamID: ti.TeamID, OrganizationID: m.OrganizationID, UserID: m.UserID, Role: ti.Role,
			CreatedAt: p.Now,
		}
		o.insertTeamMember(mt, tm)
		s.record(TeamMemberAdded{TeamMember: tm, Actor: p.Auth.Actor})
		out = append(out, tm)
	}
	return out
}

// insertTeamMember stores tm in team mt of o. The caller holds o's lock.
func (o *memOrg) insertTeamMember(mt *memTeam, tm TeamMember) {
	m := &tm
	mt.byUser[tm.UserID] = m
	i, _ := slices.BinarySearchFunc(mt.members, tm.ID, func(e *TeamMember, id uuid.UUID) int { return compareUUID(e.ID, id) })
	mt.members = slices.Insert(mt.members, i, m)
	ut := o.teams.byUser[tm.UserID]
	j, _ := slices.BinarySearchFunc(ut, mt.t.ID, teamOrder)
	o.teams.byUser[tm.UserID] = slices.Insert(ut, j, mt)
}

// dropTeamFromInvitations removes team from the teams of o's invitations, with the team's
// deletion. The caller holds o's lock; it takes invMu, which invitation reads hold.
func (s *MemoryStore) dropTeamFromInvitations(o *memOrg, team uuid.UUID) {
	if o.invites == nil {
		return
	}
	s.invMu.Lock()
	defer s.invMu.Unlock()
	for _, mi := range *o.invites {
		if i := slices.IndexFunc(mi.inv.Teams, func(t TeamInvite) bool { return t.TeamID == team }); i >= 0 {
			// A new slice: views handed out earlier share the old one.
			teams := slices.Delete(slices.Clone(mi.inv.Teams), i, i+1)
			if len(teams) == 0 {
				teams = nil
			}
			mi.inv.Teams = teams
		}
	}
}
