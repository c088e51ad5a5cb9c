package organizations

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Authorization in SQL. The Policy travels as data in every call that needs it:
// @pol_roles and @pol_perms are parallel arrays of the (role, permission) pairs of the
// declared roles' closures (pgPolicy), @pol_declared the declared role names. A role's
// effective permissions in an organization are its declared pairs, or a custom role's
// own permissions and the pairs of the declared roles it includes
// (organization_role_perms, migration 0008). The acting user is @actor (empty for an
// unchecked call), and @perm the permission the call needs.
//
// Every actor-checked write is a write function (migrations 0008 to 0014), which holds
// "lock, then decide on what is locked" by construction: it locks the organization row
// (FOR SHARE, or stronger where it changes the row or counts seats), then the
// memberships it reads (the actor's FOR SHARE, or FOR UPDATE with the member it acts
// on, in user ID order), then the custom roles the decision reads (FOR SHARE, in name
// order: the actor's, the one the call gives, the one the member it acts on holds; FOR
// NO KEY UPDATE or FOR UPDATE for the role UpdateRole or DeleteRole changes), and only
// then reads them, each read a statement of its own with a new snapshot under READ
// COMMITTED: the latest committed versions of the rows it holds. A demotion, removal,
// suspension, transfer or narrowing of the actor's custom role, or a widening of the
// role given, that commits while the call waits for a lock is what the decision sees
// (TestPostgresActorRightsChangedDuringLockWait,
// TestPostgresAssignedRoleChangedDuringLockWait); a single statement's reads, by
// contrast, all see the snapshot taken before its lock waits. FOR KEY SHARE would not
// do for a custom role: it does not conflict with an UPDATE that leaves the key alone.
// A role a call decided on stays locked to its commit, so a change of the role waits
// for the call (TestPostgresRoleChangeWaitsForTheCallThatDecidedOnIt).
//
// The organization comes first, then invitations (for the calls on one), then
// memberships, then organization_roles: the order of every write of the store and of
// DeleteOrganization's cascade, so none of them deadlock. A host transaction that takes
// them in another order (UpdateRole, then UpdateOrganization) can still deadlock with an
// actor-checked call that starts between its two statements: PostgreSQL then aborts
// one of the two (SQLSTATE 40P01), which changes nothing.

// pgPolicy is a Policy as the statements take it, built from its exported view: the
// closure of every declared organization role as parallel (role, permission) arrays,
// and the declared role names (a role with no permission has no pair); the closure of
// every team role likewise (teamRoles, teamPerms).
type pgPolicy struct {
	roles, perms, declared []string
	teamRoles, teamPerms   []string
}

// pgPolicies caches the pgPolicy of each Policy (immutable once made) for as long as the
// Policy lives: an entry is dropped when its Policy is collected, so that a host making
// policies on the fly does not grow the cache.
var pgPolicies sync.Map // weak.Pointer[Policy] -> *pgPolicy

// pgPolicyOf returns p's pgPolicy (DefaultPolicy's for nil).
func pgPolicyOf(p *Policy) *pgPolicy {
	p = p.orDefault()
	key := weak.Make(p)
	if v, ok := pgPolicies.Load(key); ok {
		return v.(*pgPolicy)
	}
	pp := &pgPolicy{teamRoles: []string{}, teamPerms: []string{}}
	for _, def := range p.Roles() {
		pp.declared = append(pp.declared, string(def.Name))
		for _, perm := range p.RolePermissions(def.Name) {
			pp.roles = append(pp.roles, string(def.Name))
			pp.perms = append(pp.perms, string(perm))
		}
	}
	for _, def := range p.TeamRoles() {
		for _, perm := range p.TeamRolePermissions(def.Name) {
			pp.teamRoles = append(pp.teamRoles, string(def.Name))
			pp.teamPerms = append(pp.teamPerms, string(perm))
		}
	}
	if v, loaded := pgPolicies.LoadOrStore(key, pp); loaded {
		return v.(*pgPolicy)
	}
	runtime.AddCleanup(p, func(k weak.Pointer[Policy]) { pgPolicies.Delete(k) }, key)
	return pp
}

// Custom roles. Their arrays come back as comma-joined text (role and permission names
// hold no comma), which pgx and database/sql scan alike.

const roleCols = `r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at`

type roleRow struct {
	org                  pgtype.UUID
	name, includes, perm pgtype.Text
	createdAt, updatedAt pgtype.Timestamptz
}

func (r *roleRow) dest() []any {
	return []any{&r.org, &r.name, &r.includes, &r.perm, &r.createdAt, &r.updatedAt}
}

func (r *roleRow) ok() bool { return r.name.Valid }

func (r *roleRow) value() CustomRole {
	return CustomRole{
		OrganizationID: uuid.UUID(r.org.Bytes), Name: Role(r.name.String),
		Includes: splitNames[Role](r.includes.String), Permissions: splitNames[Permission](r.perm.String),
		CreatedAt: pgTime(r.createdAt), UpdatedAt: pgTime(r.updatedAt),
	}
}

func splitNames[T ~string](s string) []T {
	out := []T{}
	if s == "" {
		return out
	}
	for _, part := range strings.Split(s, ",") {
		out = append(out, T(part))
	}
	return out
}

func names[T ~string](s []T) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

// writeAuthParams are the actor-check parameters of the write functions of migration
// 0014, in their order: the acting user (empty for an unchecked call), the permission the
// call needs, the policy's (role, permission) pairs, and whether the call numbers its
// records itself (autocommit).
const writeAuthParams = `@actor::text, @perm::text, @pol_roles::text[], @pol_perms::text[], @number::boolean`

// writeAuthArgs adds to args the arguments of writeAuthParams for a call by auth that
// needs perm.
func (s *PostgresStore) writeAuthArgs(args pgArgs, auth Authorization, perm Permission) pgArgs {
	pp := pgPolicyOf(auth.Policy)
	args["actor"], args["perm"] = string(auth.Actor), string(perm)
	args["pol_roles"], args["pol_perms"], args["number"] = pp.roles, pp.perms, s.autocommit()
	return args
}

// qCreateRole is CreateRole: one call of organizations_create_role (migration 0014),
// which locks the organization, the actor's membership and custom role, then decides on
// them as locked (PermRolesManage, and every permission the role gives within the
// actor's) and inserts the role with its record. The role follows the outcome.
var qCreateRole = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_create_role(
	@organization_id::uuid, @name::text, @includes::text[], @permissions::text[], @created_at::timestamptz, @updated_at::timestamptz,
	` + writeAuthParams + `)`)

// CreateRole implements Store.
func (s *PostgresStore) CreateRole(ctx context.Context, p CreateRoleParams) (CustomRole, error) {
	c := p.Role
	var r roleRow
	if _, err := s.call(ctx, qCreateRole, s.writeAuthArgs(pgArgs{
		"organization_id": c.OrganizationID, "name": string(c.Name),
		"includes": names(c.Includes), "permissions": names(c.Permissions),
		"created_at": c.CreatedAt, "updated_at": c.UpdatedAt,
	}, p.Auth, PermRolesManage), r.dest()); err != nil {
		return CustomRole{}, err
	}
	return r.value(), nil
}

// qUpdateRole is UpdateRole: one call of organizations_update_role (migration 0014),
// which locks the organization, the actor's membership, and the role with the actor's
// own custom role FOR NO KEY UPDATE in name order, then decides on them as locked
// (PermRolesManage, both the role's current and its new permissions within the actor's)
// and replaces the definition if it differs. The role before and after follow.
var qUpdateRole = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_update_role(
	@organization_id::uuid, @name::text, @includes::text[], @permissions::text[], @updated_at::timestamptz,
	` + writeAuthParams + `)`)

// UpdateRole implements Store.
func (s *PostgresStore) UpdateRole(ctx context.Context, p UpdateRoleParams) (CustomRole, CustomRole, error) {
	c := p.Role
	var before, after roleRow
	if _, err := s.call(ctx, qUpdateRole, s.writeAuthArgs(pgArgs{
		"organization_id": c.OrganizationID, "name": string(c.Name),
		"includes": names(c.Includes), "permissions": names(c.Permissions), "updated_at": c.UpdatedAt,
	}, p.Auth, PermRolesManage), before.dest(), after.dest()); err != nil {
		return CustomRole{}, CustomRole{}, err
	}
	return before.value(), after.value(), nil
}

// qDeleteRole is DeleteRole: one call of organizations_delete_role (migration 0014),
// which locks the organization, the actor's membership, and the role with the actor's
// own custom role FOR UPDATE in name order, then decides on them as locked
// (PermRolesManage, the role's permissions within the actor's, no member or open
// invitation holding it: an assignment of the role locks it FOR KEY SHARE, so it waits
// for this call or committed before its lock) and deletes it. The role follows.
var qDeleteRole = pgStatement(`SELECT * FROM /* TEMPLATE: schema */organizations_delete_role(
	@organization_id::uuid, @name::text, ` + writeAuthParams + `)`)

// DeleteRole implements Store.
func (s *PostgresStore) DeleteRole(ctx context.Context, p DeleteRoleParams) (CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return CustomRole{}, err
	}
	var outcome string
	var r roleRow
	err := s.queryRow(ctx, qDeleteRole, s.writeAuthArgs(pgArgs{
		"organization_id": p.OrganizationID, "name": string(p.Name),
	}, p.Auth, PermRolesManage)).Scan(dest([]any{&outcome}, r.dest())...)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == pgForeignKeyViolation &&
		(pe.ConstraintName == "memberships_custom_role_fkey" || pe.ConstraintName == "invitations_custom_role_fkey"):
		// An assignment of the role the in-use check did not see. The role's lock keeps
		// the store's own assignments out; this stays for any other path to the row.
		return CustomRole{}, errors.Join(ErrRoleInUse, err)
	case err != nil:
		return CustomRole{}, pgError(ctx, err)
	}
	if err := pgOutcome(outcome); err != nil {
		return CustomRole{}, err
	}
	return r.value(), nil
}

// qCustomRoles returns the roles in name order, one row of NULLs for none, no row for no
// organization.
var qCustomRoles = pgStatement(`
SELECT ` + roleCols + `
FROM /* TEMPLATE: schema */organizations o
LEFT JOIN /* TEMPLATE: schema */organization_roles r ON r.organization_id = o.id
WHERE o.id = @organization_id::uuid
ORDER BY r.name`)

// CustomRoles implements Store.
func (s *PostgresStore) CustomRoles(ctx context.Context, org uuid.UUID) ([]CustomRole, error) {
	var r roleRow
	return orgItems(ctx, s, qCustomRoles, pgArgs{"organization_id": org}, r.dest(), r.ok, r.value)
}
