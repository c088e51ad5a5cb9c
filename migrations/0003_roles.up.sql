-- +goose Up
-- Roles and permissions. Which roles exist is the application's Policy (declared in code)
-- plus each organization's custom roles (organization_roles); the schema no longer lists
-- the roles, it checks their form. The owner is still structural: owner_role stays
-- 'admin' and organizations_owner_fkey still points at the owner's admin membership.
--
-- Invariants held here:
--   * role names are well formed, and never 'owner': memberships_role_name_check,
--     invitations_role_name_check, organization_roles_name_check;
--   * custom role names are unique per organization: organization_roles_pkey;
--   * a custom role held by a member, or by an invitation still open (pending, or
--     expired and renewable), cannot be deleted: memberships.custom_role and
--     invitations.custom_role are set to the role when it is custom (NULL for a declared
--     role) and refer to organization_roles with NO ACTION foreign keys. A DELETE of a
--     role checks them at the end of its statement against the latest committed rows, and
--     an assignment locks the role row (FOR KEY SHARE) until it commits, so a deletion and
--     a concurrent assignment can never both succeed, whatever the isolation level;
--   * an invitation leaves custom_role when it is accepted, declined or revoked:
--     invitations_custom_role_check.

ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_name_check
    CHECK (role ~ '^[a-z][a-z0-9_-]{0,62}$' AND role <> 'owner');
ALTER TABLE invitations DROP CONSTRAINT invitations_role_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_role_name_check
    CHECK (role ~ '^[a-z][a-z0-9_-]{0,62}$' AND role <> 'owner');

CREATE TABLE organization_roles (
    organization_id uuid        NOT NULL,
    name            text        NOT NULL,
    -- Declared roles only (the application's Policy; checked by the library).
    includes        text[]      NOT NULL DEFAULT '{}',
    -- Permissions the Policy knows (checked by the library), sorted and distinct.
    permissions     text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT organization_roles_pkey PRIMARY KEY (organization_id, name),
    CONSTRAINT organization_roles_name_check CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$' AND name <> 'owner'),
    CONSTRAINT organization_roles_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

ALTER TABLE memberships ADD COLUMN custom_role text;
ALTER TABLE memberships ADD CONSTRAINT memberships_custom_role_check
    CHECK (custom_role IS NULL OR custom_role = role);
ALTER TABLE memberships ADD CONSTRAINT memberships_custom_role_fkey
    FOREIGN KEY (organization_id, custom_role) REFERENCES organization_roles (organization_id, name);
-- The foreign key's check when a role is deleted.
CREATE INDEX memberships_custom_role_idx ON memberships (organization_id, custom_role) WHERE custom_role IS NOT NULL;

ALTER TABLE invitations ADD COLUMN custom_role text;
ALTER TABLE invitations ADD CONSTRAINT invitations_custom_role_check
    CHECK (custom_role IS NULL OR (custom_role = role AND status IN ('pending', 'expired')));
ALTER TABLE invitations ADD CONSTRAINT invitations_custom_role_fkey
    FOREIGN KEY (organization_id, custom_role) REFERENCES organization_roles (organization_id, name);
CREATE INDEX invitations_custom_role_idx ON invitations (organization_id, custom_role) WHERE custom_role IS NOT NULL;
