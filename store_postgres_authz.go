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

// Authorization in SQL. The Policy travels as data in every statement that needs it:
// @pol_roles and @pol_perms are parallel arrays of the (role, permission) pairs of the
// declared roles' closures (pgPolicy), @pol_declared the declared role
// names. A role's effective permissions in an organization are its declared pairs, or a
// custom role's own permissions and the pairs of the declared roles it includes
// (sqlLockedRolePerms, over a custom role's row as locked). The acting user is @actor ('' for an unchecked call).
//
// An actor-checked statement locks the organization row (FOR SHARE, or stronger where
// it changes the row), then the actor's membership (FOR SHARE, or FOR UPDATE where the
// statement also changes it), then the custom roles the decision reads (FOR SHARE, in
// name order: the actor's, the one the call gives, the one the member it acts on holds;
// sqlActorPerms): a locking read under READ COMMITTED waits for a concurrent change of
// those rows and reads their latest committed version, so a demotion, removal,
// suspension, transfer or narrowing of the actor's custom role, or a widening of the
// role given, that commits first is what the check sees. Every input of the decision is such a locked row: a plain read in
// the statement sees its snapshot, taken before any lock wait, so a change committed
// while the statement waited (for the organization row, say) would go unseen
// (TestPostgresActorRightsChangedDuringLockWait, TestPostgresAssignedRoleChangedDuringLockWait).
// The write functions of migration 0008 (AddUser, GetOrAddUser, CreateOrganization, SetRole, RemoveUser) hold
// this by construction: they lock first and then read, each read with a new snapshot.
// FOR KEY SHARE would not do for the
// custom role: it does not conflict with an UPDATE that leaves the key alone, and then
// reads the snapshot's version. The organization comes first, then memberships, then
// organization_roles: the order of every statement of the store and of
// DeleteOrganization's cascade, so none of them deadlock. A host transaction that takes
// them in another order (UpdateRole, then UpdateOrganization) can still deadlock with an
// actor-checked call that starts between its two statements: PostgreSQL then aborts
// one of the two (SQLSTATE 40P01), which changes nothing.

// sqlDefinedPerms is a query of the permissions of a role definition given as the
// arrays @includes (declared roles) and @permissions.
const sqlDefinedPerms = `SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = ANY(@includes::text[])
	UNION SELECT x.p FROM unnest(@permissions::text[]) AS x(p)`

// sqlLockedRolePerms is a query of the permissions of the role given by the SQL
// expression role, whose custom role definition, if it is one, is the row of the CTE
// locked (columns includes and permissions): the policy's pairs of the role, and the
// custom role's own permissions and the pairs of the declared roles it includes.
func sqlLockedRolePerms(role, locked string) string {
	return `SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r = ` + role + `
	UNION SELECT x.p FROM ` + locked + ` c CROSS JOIN LATERAL unnest(c.permissions) AS x(p)
	UNION SELECT d.p FROM ` + locked + ` c CROSS JOIN LATERAL unnest(c.includes) AS i(r)
		JOIN unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) ON d.r = i.r`
}

// sqlActorPerms is the CTEs rl, actr and actp for the organization org. rl locks FOR
// SHARE, in name order, the custom role of the actor (whose role is in the CTE act) and
// the custom roles named by the SQL expressions more (the role a call gives, the role
// of the member it acts on): a locking read returns each row's latest committed
// version, so every role definition the decision reads is the one it holds a lock on,
// never the statement's snapshot (TestPostgresAssignedRoleChangedDuringLockWait). One
// scan in name order, so that two statements never take two role rows crosswise. actr
// is the actor's custom role from rl (no row for a declared role); actp the actor's
// permissions. rlPerms reads the others' permissions from rl.
func sqlActorPerms(org string, more ...string) string {
	names := append([]string{"(SELECT role FROM act)"}, more...)
	return `rl AS (
	SELECT c.name, c.includes, c.permissions FROM /* TEMPLATE: schema */organization_roles c
	WHERE c.organization_id = ` + org + ` AND c.name IN (` + strings.Join(names, ", ") + `)
	ORDER BY c.name
	FOR SHARE
), actr AS (
	SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = (SELECT role FROM act)
), actp AS (` + sqlLockedRolePerms("(SELECT role FROM act)", "actr") + `)`
}

// rlPerms is a query of the permissions of the role given by the SQL expression role,
// which sqlActorPerms locked in rl (one of its more): the policy's pairs of a declared
// role, or the custom role's definition as locked.
func rlPerms(role string) string {
	return sqlLockedRolePerms(role, "(SELECT c.includes, c.permissions FROM rl AS c WHERE c.name = "+role+")")
}

// sqlKnownLocked is true when @role is declared or a custom role that sqlActorPerms
// locked in rl (passed "@role::text" among its more).
const sqlKnownLocked = `(@role::text = ANY(@pol_declared::text[]) OR EXISTS (SELECT 1 FROM rl WHERE rl.name = @role::text))`

// sqlActMember is the CTE act: the actor's role, from the membership locked FOR SHARE
// (no row for a non-member, a suspended member or an unchecked call), in the
// organization org.
func sqlActMember(org string) string {
	return `act AS (
	SELECT a.role FROM /* TEMPLATE: schema */memberships a
	WHERE a.organization_id = ` + org + ` AND a.user_id = @actor::text AND @actor::text <> '' AND a.status = 'active'
	FOR SHARE OF a
)`
}

// sqlActor is the CTEs act (sqlActMember), rl, actr and actp (sqlActorPerms, with more),
// for the organization org. A statement using it has a CTE org with the column owner_id.
func sqlActor(org string, more ...string) string {
	return sqlActMember(org) + `, ` + sqlActorPerms(org, more...)
}

// sqlOwnerActs is true when the call is unchecked or the actor owns the organization.
const sqlOwnerActs = `(@actor::text = '' OR COALESCE((SELECT owner_id FROM org) = @actor::text, false))`

// sqlAllowed is true when the call may do what the permission expression perm allows.
func sqlAllowed(perm string) string {
	return `(` + sqlOwnerActs + ` OR (EXISTS (SELECT 1 FROM act) AND ` + perm + ` IN (SELECT p FROM actp)))`
}

// sqlCovers is true when the permission query perms is within the actor's (the
// escalation rule): always for an unchecked call or the owner.
func sqlCovers(perms string) string {
	return `(` + sqlOwnerActs + ` OR (EXISTS (SELECT 1 FROM act) AND NOT EXISTS (` + perms + ` EXCEPT SELECT p FROM actp)))`
}

// sqlCustomRole is the value of a custom_role column for the role expression role: the
// role if the policy does not declare it, else NULL.
func sqlCustomRole(role string) string {
	return `CASE WHEN ` + role + ` = ANY(@pol_declared::text[]) THEN NULL ELSE ` + role + ` END`
}

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

// authArgs adds to args the actor and the policy's data that statement q names.
func authArgs(q pgQuery, args pgArgs, actor UserID, p *Policy) pgArgs {
	pp := pgPolicyOf(p)
	for _, a := range []struct {
		name string
		v    any
	}{{"actor", string(actor)}, {"pol_roles", pp.roles}, {"pol_perms", pp.perms}, {"pol_declared", pp.declared}} {
		if usesArg(q, a.name) {
			args[a.name] = a.v
		}
	}
	return args
}

// Custom roles. Their arrays come back as comma-joined text (role and permission names
// hold no comma), which pgx and database/sql scan alike.

const roleCols = `r.organization_id, r.name, array_to_string(r.includes, ',') AS includes_text, array_to_string(r.permissions, ',') AS permissions_text, r.created_at, r.updated_at`

// roleOutCols are roleCols read back from a CTE (as r) that returned them.
const roleOutCols = `r.organization_id, r.name, r.includes_text, r.permissions_text, r.created_at, r.updated_at`

// curRoleCols are roleCols of the CTE cur (as c), which selects roleCols.
const curRoleCols = `c.organization_id, c.name, c.includes_text, c.permissions_text, c.created_at, c.updated_at`

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

// roleArgs are the arguments of statement q, which writes the custom role c.
func roleArgs(q pgQuery, c CustomRole, auth Authorization) pgArgs {
	return authArgs(q, pgArgs{
		"organization_id": c.OrganizationID, "name": string(c.Name),
		"includes": names(c.Includes), "permissions": names(c.Permissions),
		"created_at": c.CreatedAt, "updated_at": c.UpdatedAt,
	}, auth.Actor, auth.Policy)
}

// qCreateRole inserts the custom role if the actor may manage roles and holds every
// permission it gives. Columns: organization exists, allowed, covered, the role.
var qCreateRole = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ` + sqlActor("@organization_id::uuid") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermRolesManage)+"'") + ` AS allowed, ` + sqlCovers(sqlDefinedPerms) + ` AS covered
), ins AS (
	INSERT INTO /* TEMPLATE: schema */organization_roles AS r (organization_id, name, includes, permissions, created_at, updated_at)
	SELECT org.id, @name::text, @includes::text[], @permissions::text[], @created_at::timestamptz, @updated_at::timestamptz
	FROM org, chk WHERE chk.allowed AND chk.covered
	ON CONFLICT DO NOTHING
	RETURNING ` + roleCols + `
), ` + sqlRecord(sqlEvent(1, CustomRoleCreated{}.EventName(), "r.organization_id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'role', "+sqlRoleJSON("r")), "ins AS r")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered, ` + roleOutCols + `
FROM chk LEFT JOIN ins AS r ON true`)

// CreateRole implements Store.
func (s *PostgresStore) CreateRole(ctx context.Context, p CreateRoleParams) (CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return CustomRole{}, err
	}
	var found, allowed, covered bool
	var r roleRow
	err := s.queryRow(ctx, qCreateRole, roleArgs(qCreateRole, p.Role, p.Auth)).Scan(dest([]any{&found, &allowed, &covered}, r.dest())...)
	switch {
	case err != nil:
		return CustomRole{}, pgError(ctx, err)
	case !found:
		return CustomRole{}, ErrOrganizationNotFound
	case !allowed:
		return CustomRole{}, ErrPermissionDenied
	case !covered:
		return CustomRole{}, ErrEscalation
	case !r.ok():
		return CustomRole{}, ErrRoleExists
	}
	return r.value(), nil
}

// sqlActorCurRole is the actor CTEs of UpdateRole and DeleteRole, whose CTE org has
// locked the organization: act (sqlActMember), then rl, which locks with lock (FOR NO
// KEY UPDATE or FOR UPDATE) both the custom role @name and the actor's own custom role,
// if any, in name order, then actr and actp (as sqlActorPerms, from rl) and cur: the
// custom role @name as locked (its latest version), with roleCols and its arrays (inc,
// perms). One lock, taken in one scan in name order, rather than the actor's role FOR
// SHARE and @name FOR UPDATE: two members of one custom role updating it at once would
// each hold the share lock and wait for the other's to go, and two actors each updating
// the other's role would take the two rows in opposite orders. For the owner (or an
// unchecked call) rl neither reads act nor locks the owner's membership, which the
// decision does not need: a SetRole by the owner locks the role it assigns before the
// memberships, and would deadlock with a DeleteRole of that role holding the owner's
// membership (RaceDeleteRoleAgainstSetRole in the conformance suite).
func sqlActorCurRole(lock string) string {
	return sqlActMember("@organization_id::uuid") + `, rl AS (
	SELECT ` + roleCols + `, r.includes, r.permissions FROM /* TEMPLATE: schema */organization_roles r
	WHERE r.organization_id = @organization_id::uuid
		AND r.name IN (@name::text, CASE WHEN ` + sqlOwnerActs + ` THEN NULL ELSE (SELECT role FROM act) END)
	ORDER BY r.name
	` + lock + `
), actr AS (
	SELECT r.includes, r.permissions FROM rl AS r WHERE r.name = (SELECT role FROM act)
), actp AS (` + sqlLockedRolePerms("(SELECT role FROM act)", "actr") + `
), cur AS (
	SELECT ` + roleOutCols + `, r.includes AS inc, r.permissions AS perms FROM rl AS r WHERE r.name = @name::text
)`
}

// sqlCurRolePerms is a query of the permissions of the custom role in cur.
const sqlCurRolePerms = `SELECT d.p FROM unnest(@pol_roles::text[], @pol_perms::text[]) AS d(r, p) WHERE d.r IN (SELECT unnest(inc) FROM cur)
	UNION SELECT unnest(perms) FROM cur`

// qUpdateRole locks the custom role and replaces its definition if the actor may manage
// roles and holds every permission of both its current and its new definition.
var qUpdateRole = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ` + sqlActorCurRole("FOR NO KEY UPDATE") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermRolesManage)+"'") + ` AS allowed,
		` + sqlCovers(sqlDefinedPerms) + ` AND ` + sqlCovers(sqlCurRolePerms) + ` AS covered
), upd AS (
	UPDATE /* TEMPLATE: schema */organization_roles AS r SET includes = @includes::text[], permissions = @permissions::text[],
		updated_at = @updated_at::timestamptz
	FROM chk
	WHERE r.organization_id = @organization_id::uuid AND r.name = @name::text AND chk.allowed AND chk.covered
		AND ((SELECT inc FROM cur) <> @includes::text[] OR (SELECT perms FROM cur) <> @permissions::text[])
	RETURNING ` + roleCols + `
), ` + sqlRecord(sqlEvent(1, CustomRoleUpdated{}.EventName(), "r.organization_id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'old', "+sqlRoleJSON("c"), "'new', "+sqlRoleJSON("r")), "upd AS r, cur AS c")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered,
	` + curRoleCols + `, ` + roleOutCols + `
FROM chk LEFT JOIN (SELECT x.* FROM cur AS x) AS c ON true LEFT JOIN upd AS r ON true`)

// UpdateRole implements Store.
func (s *PostgresStore) UpdateRole(ctx context.Context, p UpdateRoleParams) (CustomRole, CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return CustomRole{}, CustomRole{}, err
	}
	var found, allowed, covered bool
	var before, after roleRow
	args := roleArgs(qUpdateRole, p.Role, p.Auth)
	delete(args, "created_at")
	err := s.queryRow(ctx, qUpdateRole, args).
		Scan(dest([]any{&found, &allowed, &covered}, before.dest(), after.dest())...)
	switch {
	case err != nil:
		return CustomRole{}, CustomRole{}, pgError(ctx, err)
	case !found:
		return CustomRole{}, CustomRole{}, ErrOrganizationNotFound
	case !allowed:
		return CustomRole{}, CustomRole{}, ErrPermissionDenied
	case !before.ok():
		return CustomRole{}, CustomRole{}, ErrRoleNotFound
	case !covered:
		return CustomRole{}, CustomRole{}, ErrEscalation
	case !after.ok():
		return before.value(), before.value(), nil // unchanged
	}
	return before.value(), after.value(), nil
}

// qDeleteRole locks the custom role and deletes it if the actor may manage roles, holds
// its permissions, and no member or open invitation holds it. The in-use test reads the
// statement's snapshot; an assignment that commits after it is caught by the foreign
// keys memberships_custom_role_fkey and invitations_custom_role_fkey, checked at the end
// of the statement against the latest rows.
var qDeleteRole = pgStatement(`
WITH org AS (
	SELECT o.id, o.owner_id FROM /* TEMPLATE: schema */organizations o WHERE o.id = @organization_id::uuid FOR SHARE
), ` + sqlActorCurRole("FOR UPDATE") + `, chk AS (
	SELECT ` + sqlAllowed("'"+string(PermRolesManage)+"'") + ` AS allowed,
		` + sqlCovers(sqlCurRolePerms) + ` AS covered,
		EXISTS (SELECT 1 FROM /* TEMPLATE: schema */memberships m WHERE m.organization_id = @organization_id::uuid AND m.custom_role = @name::text)
		OR EXISTS (SELECT 1 FROM /* TEMPLATE: schema */invitations i WHERE i.organization_id = @organization_id::uuid AND i.custom_role = @name::text) AS used
), del AS (
	DELETE FROM /* TEMPLATE: schema */organization_roles AS r USING chk
	WHERE r.organization_id = @organization_id::uuid AND r.name = @name::text AND chk.allowed AND chk.covered AND NOT chk.used
	RETURNING r.name
), ` + sqlRecord(sqlEvent(1, CustomRoleDeleted{}.EventName(), "c.organization_id", "@actor::text", "NULL",
	sqlEventData("@actor::text", "'role', "+sqlRoleJSON("c")), "del, cur AS c")) + `
SELECT EXISTS (SELECT 1 FROM org), chk.allowed, chk.covered, chk.used, EXISTS (SELECT 1 FROM del),
	` + curRoleCols + `
FROM chk LEFT JOIN (SELECT x.* FROM cur AS x) AS c ON true`)

// DeleteRole implements Store.
func (s *PostgresStore) DeleteRole(ctx context.Context, p DeleteRoleParams) (CustomRole, error) {
	if err := ctx.Err(); err != nil {
		return CustomRole{}, err
	}
	var found, allowed, covered, used, deleted bool
	var r roleRow
	err := s.queryRow(ctx, qDeleteRole, authArgs(qDeleteRole, pgArgs{
		"organization_id": p.OrganizationID, "name": string(p.Name),
	}, p.Auth.Actor, p.Auth.Policy)).Scan(dest([]any{&found, &allowed, &covered, &used, &deleted}, r.dest())...)
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == pgForeignKeyViolation &&
		(pe.ConstraintName == "memberships_custom_role_fkey" || pe.ConstraintName == "invitations_custom_role_fkey"):
		// Assigned by a transaction that committed after this statement's snapshot.
		return CustomRole{}, errors.Join(ErrRoleInUse, err)
	case err != nil:
		return CustomRole{}, pgError(ctx, err)
	case !found:
		return CustomRole{}, ErrOrganizationNotFound
	case !allowed:
		return CustomRole{}, ErrPermissionDenied
	case !r.ok():
		return CustomRole{}, ErrRoleNotFound
	case !covered:
		return CustomRole{}, ErrEscalation
	case used || !deleted:
		return CustomRole{}, ErrRoleInUse
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r roleRow
	return orgItems(ctx, s, qCustomRoles, pgArgs{"organization_id": org}, r.dest(), r.ok, r.value)
}
