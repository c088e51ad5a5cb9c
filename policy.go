package organizations

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Permission names an action a member may take, such as "members:add" or an app's own
// "billing:read": 1 to MaxPermissionLength bytes of lower-case ASCII letters, digits and
// "_", "-", ".", ":", starting with a letter. The library declares constants for its own
// operations; an app declares its own in the RoleDefinitions of its Policy.
type Permission string

// The library's permissions: what the actor-checked operations (see Service.As) require.
const (
	// PermOrganizationUpdate allows Actor.UpdateOrganization.
	PermOrganizationUpdate Permission = "organization:update"
	// PermMembersAdd allows Actor.AddUser and Actor.GetOrAddUser.
	PermMembersAdd Permission = "members:add"
	// PermMembersRemove allows Actor.RemoveUser of another member (a member may always
	// remove themselves, except the owner).
	PermMembersRemove Permission = "members:remove"
	// PermMembersRoles allows Actor.SetRole: changing the roles of others.
	PermMembersRoles Permission = "members:roles"
	// PermInvitationsCreate allows Actor.Invite (and, with PermInvitationsRevoke,
	// Actor.ResendInvitation, whose actor becomes the inviter); an invitation also stays
	// acceptable only while its inviter holds it.
	PermInvitationsCreate Permission = "invitations:create"
	// PermInvitationsRevoke allows Actor.RevokeInvitation, and Actor.ResendInvitation for
	// an actor who may also invite with the invitation's role.
	PermInvitationsRevoke Permission = "invitations:revoke"
	// PermRolesManage allows Actor.CreateRole, Actor.UpdateRole and Actor.DeleteRole.
	PermRolesManage Permission = "roles:manage"
	// PermAuditRead allows reading the organization's audit log (Service.AuditLog): the
	// permission a host's audit page checks (orghttp's RequirePermission(PermAuditRead)).
	// RoleAdmin holds it under DefaultPolicy; a custom role may be given it alone.
	PermAuditRead Permission = "audit:read"
)

// LibraryPermissions returns the library's permissions, in a new slice: what RoleAdmin
// holds under DefaultPolicy.
func LibraryPermissions() []Permission {
	return []Permission{
		PermOrganizationUpdate, PermMembersAdd, PermMembersRemove, PermMembersRoles,
		PermInvitationsCreate, PermInvitationsRevoke, PermRolesManage, PermMembersSuspend,
		PermAuditRead, PermTeamsManage, PermDomainsManage,
	}
}

// Limits of a Policy.
const (
	// MaxPermissions is how many distinct permissions (the library's included) a Policy
	// holds: the size of the bitset an Access keeps.
	MaxPermissions = 256
	// MaxPermissionLength is the most bytes of a Permission.
	MaxPermissionLength = 100
	// MaxRoleLength is the most bytes of a Role name.
	MaxRoleLength = 63
)

var (
	permissionPattern = regexp.MustCompile(`^[a-z][a-z0-9_.:-]*$`)
	rolePattern       = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// Valid reports whether p is a well-formed permission name (see Permission).
func (p Permission) Valid() bool {
	return len(p) <= MaxPermissionLength && permissionPattern.MatchString(string(p))
}

// RoleDefinition declares a role of a Policy in code, or describes a custom role (see
// Service.CreateRole): its name, the permissions it grants directly, the roles whose
// permissions it inherits (transitively for declared roles; a custom role includes
// declared roles only), and its scope: an organization role (the zero Scope) or a team
// role (ScopeTeam, see RoleScope).
type RoleDefinition struct {
	Name        Role         `json:"name"`
	Permissions []Permission `json:"permissions"`
	Includes    []Role       `json:"includes"`
	// Scope is where the role applies: ScopeOrganization (the zero value) for a
	// membership's role, ScopeTeam for a team member's role. Custom roles are
	// organization roles.
	Scope RoleScope `json:"scope,omitempty"`
}

// RoleScope says where a declared role applies.
//
// An organization role (ScopeOrganization) is a membership's role: its permissions hold
// across the organization (Access.Can).
//
// A team role (ScopeTeam) is a team member's role (TeamMember.Role): its permissions hold
// within that team only, on top of the member's organization permissions
// (TeamAccess.Can), and never in the organization at large. Team roles are a namespace of
// their own (a team role may share its name with an organization role), include other
// team roles only, and grant the app's own permissions only: NewPolicy refuses a team
// role naming one of the library's permissions (LibraryPermissions), every one of which
// is an organization permission. So a team role never grants an organization permission.
type RoleScope string

// The role scopes.
const (
	// ScopeOrganization is the scope of an organization role: the zero value.
	ScopeOrganization RoleScope = ""
	// ScopeTeam is the scope of a team role.
	ScopeTeam RoleScope = "team"
)

// Policy is an app's access model: its declared roles, each with the permissions it
// grants, compiled. Build one with NewPolicy, or use DefaultPolicy. A Policy is
// immutable and safe for concurrent use.
//
// Every policy declares RoleMember ("member", the role of an invitation that names
// none) and RoleAdmin ("admin": the role an owner's membership always has, which the
// PostgreSQL schema's owner foreign key requires, and what Service.IsAdmin checks). The
// owner is not a role: the owner holds every permission, whatever their role says.
type Policy struct {
	index map[Permission]int // the known permissions: the library's and every declared one
	perms []Permission       // by index
	roles map[Role]*policyRole
	order []Role // declaration order
	// The team roles (ScopeTeam), a namespace of their own.
	teamRoles map[Role]*policyRole
	teamOrder []Role // declaration order
}

// policyRole is a declared role, compiled.
type policyRole struct {
	def  RoleDefinition // as declared, copied
	set  permSet        // its permissions with those of the roles it includes, transitively
	list []Permission   // set as a sorted list
}

// permSet is a set of permissions of one Policy: bit i stands for Policy.perms[i].
type permSet [MaxPermissions / 64]uint64

func (s *permSet) add(i int)     { s[i>>6] |= 1 << (i & 63) }
func (s permSet) has(i int) bool { return s[i>>6]&(1<<(i&63)) != 0 }
func (s *permSet) union(o permSet) {
	for i := range s {
		s[i] |= o[i]
	}
}
func (s permSet) subsetOf(o permSet) bool {
	for i := range s {
		if s[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

// NewPolicy validates roles and compiles them into a Policy. It refuses, with an error
// wrapping ErrInvalidPolicy that names the problem: a malformed role name (see Role.Valid)
// or the name "owner", a name declared twice in one scope, a malformed permission (see
// Permission.Valid), an included role that is not declared in the same scope, a cycle
// of Includes, a missing RoleMember or RoleAdmin (organization roles), an unknown Scope,
// a team role granting one of the library's permissions (see RoleScope), and more than
// MaxPermissions distinct permissions (the library's and the team roles' counted).
func NewPolicy(roles ...RoleDefinition) (*Policy, error) {
	p := &Policy{index: map[Permission]int{}, roles: map[Role]*policyRole{}}
	invalid := func(format string, args ...any) (*Policy, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidPolicy, fmt.Sprintf(format, args...))
	}
	addPerm := func(perm Permission) bool {
		if _, ok := p.index[perm]; ok {
			return true
		}
		if len(p.perms) == MaxPermissions {
			return false
		}
		p.index[perm] = len(p.perms)
		p.perms = append(p.perms, perm)
		return true
	}
	for _, perm := range LibraryPermissions() {
		addPerm(perm)
	}
	p.teamRoles = map[Role]*policyRole{}
	library := map[Permission]bool{}
	for _, perm := range LibraryPermissions() {
		library[perm] = true
	}
	for _, def := range roles {
		team := def.Scope == ScopeTeam
		scoped, order := p.roles, &p.order
		if team {
			scoped, order = p.teamRoles, &p.teamOrder
		}
		switch {
		case def.Scope != ScopeOrganization && !team:
			return invalid("role %q: unknown scope %q", def.Name, def.Scope)
		case def.Name == "owner":
			return invalid(`the role name "owner" is reserved: the owner is structural, not a role`)
		case !def.Name.Valid():
			return invalid("malformed role name %q", def.Name)
		case scoped[def.Name] != nil:
			return invalid("role %q declared twice", def.Name)
		}
		for _, perm := range def.Permissions {
			if !perm.Valid() {
				return invalid("role %q: malformed permission %q", def.Name, perm)
			}
			if team && library[perm] {
				return invalid("team role %q: %q is an organization permission; a team role grants the app's own permissions only", def.Name, perm)
			}
			if !addPerm(perm) {
				return invalid("more than %d distinct permissions", MaxPermissions)
			}
		}
		d := RoleDefinition{Name: def.Name, Permissions: slices.Clone(def.Permissions), Includes: slices.Clone(def.Includes), Scope: def.Scope}
		scoped[def.Name] = &policyRole{def: d}
		*order = append(*order, def.Name)
	}
	for _, r := range []Role{RoleMember, RoleAdmin} {
		if p.roles[r] == nil {
			return invalid("role %q must be declared", r)
		}
	}
	for _, scope := range []struct {
		roles map[Role]*policyRole
		order []Role
		what  string
	}{{p.roles, p.order, "an organization role"}, {p.teamRoles, p.teamOrder, "a team role"}} {
		for _, name := range scope.order {
			for _, inc := range scope.roles[name].def.Includes {
				if scope.roles[inc] == nil {
					return invalid("role %q includes %q, which is not declared as %s", name, inc, scope.what)
				}
			}
		}
	}
	// Compile each role's closure, refusing cycles (depth-first, with the path on a stack).
	const (
		unvisited = iota
		visiting
		done
	)
	compile := func(roles map[Role]*policyRole, order []Role) error {
		state := map[Role]int{}
		var visit func(r Role, path []Role) error
		visit = func(r Role, path []Role) error {
			switch state[r] {
			case done:
				return nil
			case visiting:
				return fmt.Errorf("%w: Includes cycle %v", ErrInvalidPolicy, append(path, r))
			}
			state[r] = visiting
			pr := roles[r]
			for _, perm := range pr.def.Permissions {
				pr.set.add(p.index[perm])
			}
			for _, inc := range pr.def.Includes {
				if err := visit(inc, append(path, r)); err != nil {
					return err
				}
				pr.set.union(roles[inc].set)
			}
			state[r] = done
			return nil
		}
		for _, name := range order {
			if err := visit(name, nil); err != nil {
				return err
			}
		}
		for _, name := range order {
			pr := roles[name]
			pr.list = p.list(pr.set)
		}
		return nil
	}
	if err := compile(p.roles, p.order); err != nil {
		return nil, err
	}
	if err := compile(p.teamRoles, p.teamOrder); err != nil {
		return nil, err
	}
	return p, nil
}

// MustPolicy is NewPolicy for definitions fixed in code: it panics on an error.
func MustPolicy(roles ...RoleDefinition) *Policy {
	p, err := NewPolicy(roles...)
	if err != nil {
		panic(err)
	}
	return p
}

var defaultPolicy = sync.OnceValue(func() *Policy {
	return MustPolicy(
		RoleDefinition{Name: RoleMember},
		RoleDefinition{Name: RoleAdmin, Includes: []Role{RoleMember}, Permissions: LibraryPermissions()},
	)
})

// DefaultPolicy returns the policy of a Service whose Options.Policy is nil: RoleMember,
// with no library permission, and RoleAdmin, which includes it and holds every library
// permission. It is the model of the library before policies: admins (and the owner)
// manage the organization, members do not.
func DefaultPolicy() *Policy { return defaultPolicy() }

// orDefault is p, or DefaultPolicy when p is nil.
func (p *Policy) orDefault() *Policy {
	if p == nil {
		return DefaultPolicy()
	}
	return p
}

// Roles returns the declared organization roles, in declaration order, as declared (the
// team roles are TeamRoles).
func (p *Policy) Roles() []RoleDefinition { return defs(p.roles, p.order) }

// TeamRoles returns the declared team roles (ScopeTeam), in declaration order, as
// declared.
func (p *Policy) TeamRoles() []RoleDefinition { return defs(p.teamRoles, p.teamOrder) }

// defs returns copies of the definitions of the roles of order.
func defs(roles map[Role]*policyRole, order []Role) []RoleDefinition {
	out := make([]RoleDefinition, len(order))
	for i, name := range order {
		d := roles[name].def
		out[i] = RoleDefinition{Name: d.Name, Permissions: slices.Clone(d.Permissions), Includes: slices.Clone(d.Includes), Scope: d.Scope}
	}
	return out
}

// Declares reports whether the policy declares r as an organization role.
func (p *Policy) Declares(r Role) bool { return p.roles[r] != nil }

// DeclaresTeamRole reports whether the policy declares r as a team role (ScopeTeam).
func (p *Policy) DeclaresTeamRole(r Role) bool { return p.teamRoles[r] != nil }

// Knows reports whether perm is a permission of the policy: the library's or one that a
// declared role (of either scope) grants. Custom roles may hold known permissions only.
func (p *Policy) Knows(perm Permission) bool {
	_, ok := p.index[perm]
	return ok
}

// Permissions returns every known permission (see Knows), sorted.
func (p *Policy) Permissions() []Permission {
	out := slices.Clone(p.perms)
	slices.Sort(out)
	return out
}

// RolePermissions returns the effective permissions of the declared organization role r
// (its own and those of the roles it includes, transitively), sorted; nil if r is not
// declared.
func (p *Policy) RolePermissions(r Role) []Permission {
	if pr := p.roles[r]; pr != nil {
		return slices.Clone(pr.list)
	}
	return nil
}

// TeamRolePermissions returns the effective permissions of the declared team role r
// (its own and those of the team roles it includes, transitively), sorted; nil if r is
// not a declared team role. Within a team, a member holds these on top of their
// organization permissions (TeamAccess.Can).
func (p *Policy) TeamRolePermissions(r Role) []Permission {
	if pr := p.teamRoles[r]; pr != nil {
		return slices.Clone(pr.list)
	}
	return nil
}

// teamRoleSet returns the effective permissions of the team role r: empty for no role
// ("") and for a role the policy does not declare as a team role (a team role dropped
// from the policy grants nothing).
func (p *Policy) teamRoleSet(r Role) permSet {
	if pr := p.teamRoles[r]; pr != nil {
		return pr.set
	}
	return permSet{}
}

// list returns the permissions of set, sorted.
func (p *Policy) list(set permSet) []Permission {
	out := []Permission{}
	for i, perm := range p.perms {
		if set.has(i) {
			out = append(out, perm)
		}
	}
	slices.Sort(out)
	return out
}

// roleSet returns the effective permissions of role r: declared by the policy, or else
// the custom role c (nil: r is not custom). ok is false for a role that is neither.
func (p *Policy) roleSet(r Role, c *CustomRole) (set permSet, ok bool) {
	if pr := p.roles[r]; pr != nil {
		return pr.set, true
	}
	if c == nil || c.Name != r {
		return permSet{}, false
	}
	return p.customSet(c.Includes, c.Permissions), true
}

// customSet is the permission set of a custom role with these includes and permissions;
// unknown ones contribute nothing (validateCustom refuses them on the way in).
func (p *Policy) customSet(includes []Role, perms []Permission) permSet {
	var set permSet
	for _, inc := range includes {
		if pr := p.roles[inc]; pr != nil {
			set.union(pr.set)
		}
	}
	for _, perm := range perms {
		if i, ok := p.index[perm]; ok {
			set.add(i)
		}
	}
	return set
}

// validateCustom checks a custom role's definition against the policy: a well-formed
// name that no declared organization role has and the organization scope
// (ErrInvalidRole), declared included roles and known
// permissions (ErrInvalidPolicy naming the culprit, wrapped in ErrInvalidRole).
func (p *Policy) validateCustom(def RoleDefinition) error {
	if !def.Name.Valid() || p.Declares(def.Name) {
		return ErrInvalidRole
	}
	if def.Scope != ScopeOrganization {
		return fmt.Errorf("%w: a custom role is an organization role; team roles are declared in the Policy", ErrInvalidRole)
	}
	for _, inc := range def.Includes {
		if !p.Declares(inc) {
			return fmt.Errorf("%w: a custom role can include declared roles only, not %q", ErrInvalidRole, inc)
		}
	}
	for _, perm := range def.Permissions {
		if !p.Knows(perm) {
			return fmt.Errorf("%w: permission %q is not known to the policy", ErrInvalidRole, perm)
		}
	}
	return nil
}

// standing is an actor's standing in an organization, as a store evaluates it inside its
// atomic step: member, owner, and the permissions of their role.
type standing struct {
	member, owner bool
	perms         permSet
}

// can reports whether the actor may do what perm allows.
func (st standing) can(p *Policy, perm Permission) bool {
	if st.owner {
		return true
	}
	i, ok := p.index[perm]
	return st.member && ok && st.perms.has(i)
}

// covers reports whether the actor may give, or touch, something holding set: the owner
// always; anyone else only within their own permissions (the escalation rule).
func (st standing) covers(set permSet) bool { return st.owner || (st.member && set.subsetOf(st.perms)) }

// CustomRole is a role an organization defines at run time (Service.CreateRole): it
// includes declared roles only and holds permissions the policy knows. Its name is
// unique in the organization and never a declared role's.
type CustomRole struct {
	OrganizationID uuid.UUID    `json:"organization_id"`
	Name           Role         `json:"name"`
	Includes       []Role       `json:"includes"`
	Permissions    []Permission `json:"permissions"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// clone returns c with its own slices.
func (c CustomRole) clone() CustomRole {
	c.Includes, c.Permissions = slices.Clone(c.Includes), slices.Clone(c.Permissions)
	return c
}

// RoleInfo describes a role of an organization for a UI (Service.Roles).
type RoleInfo struct {
	Name Role `json:"name"`
	// Custom is true for a custom role of the organization, false for a declared one.
	Custom bool `json:"custom"`
	// Includes are the roles it includes directly.
	Includes []Role `json:"includes"`
	// Permissions are its effective permissions (inherited ones included), sorted.
	Permissions []Permission `json:"permissions"`
	// CreatedAt and UpdatedAt are a custom role's; zero for a declared one.
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// sortedUnique returns s sorted without duplicates, in a new slice (never nil).
func sortedUnique[T ~string](s []T) []T {
	out := append([]T{}, s...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return slices.Compact(out)
}
