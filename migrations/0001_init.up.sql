-- +goose Up
-- The schema of PostgresStore. Table names are unqualified: PostgresStore.Migrate runs this
-- file with search_path set to its schema, and a host running its own migration tool
-- (goose, golang-migrate, atlas) chooses the schema the same way.
--
-- Invariants held here rather than in Go code:
--   * every organization has exactly one owner, an admin member of it: owner_id is a column
--     of the organization row with a foreign key (id, owner_id, owner_role) to the owner's
--     membership (organization_id, user_id, role), and owner_role can only be 'admin'. So
--     deleting the owner's membership, demoting the owner, or pointing owner_id at a
--     non-member all violate organizations_owner_fkey, whatever SQL does it;
--   * a user is a member of an organization at most once: memberships_organization_user_key;
--   * slugs are unique: organizations_slug_key;
--   * at most one pending invitation per organization and email: invitations_pending_key;
--   * deleting an organization deletes its memberships and invitations (ON DELETE CASCADE).
--
-- The two foreign keys between organizations and memberships form a cycle. Both are
-- checked at the end of each statement (not deferred), so an organization and its owner's
-- membership are created together by one statement, and a violation is reported by the
-- statement that caused it rather than at COMMIT.

CREATE TABLE organizations (
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    slug        text        NOT NULL,
    is_active   boolean     NOT NULL DEFAULT true,
    -- json, not jsonb: the host's documents are returned byte for byte as given.
    data        json        NOT NULL DEFAULT '{}',
    settings    json        NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    owner_id    text        NOT NULL,
    owner_role  text        NOT NULL DEFAULT 'admin',
    owner_since timestamptz NOT NULL,
    CONSTRAINT organizations_pkey PRIMARY KEY (id),
    CONSTRAINT organizations_slug_key UNIQUE (slug),
    CONSTRAINT organizations_name_check CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT organizations_slug_check CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND octet_length(slug) <= 200),
    CONSTRAINT organizations_data_check CHECK (json_typeof(data) = 'object'),
    CONSTRAINT organizations_settings_check CHECK (json_typeof(settings) = 'object'),
    CONSTRAINT organizations_owner_role_check CHECK (owner_role = 'admin')
);

CREATE TABLE memberships (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    user_id         text        NOT NULL,
    role            text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (id),
    CONSTRAINT memberships_organization_user_key UNIQUE (organization_id, user_id),
    -- The target of organizations_owner_fkey: it includes role so that demoting the owner
    -- removes the key the organization refers to.
    CONSTRAINT memberships_organization_user_role_key UNIQUE (organization_id, user_id, role),
    CONSTRAINT memberships_user_id_check CHECK (user_id <> '' AND octet_length(user_id) <= 255),
    CONSTRAINT memberships_role_check CHECK (role IN ('member', 'admin')),
    CONSTRAINT memberships_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

-- NO ACTION (checked at the end of the statement), so that deleting an organization,
-- which cascades to its memberships, is not blocked by its own owner reference.
ALTER TABLE organizations ADD CONSTRAINT organizations_owner_fkey
    FOREIGN KEY (id, owner_id, owner_role) REFERENCES memberships (organization_id, user_id, role);

-- Members pages: WHERE organization_id = $1 AND id > $2 ORDER BY id.
CREATE INDEX memberships_organization_id_idx ON memberships (organization_id, id);
-- OrganizationsForUser pages: WHERE user_id = $1 AND organization_id > $2 ORDER BY organization_id.
CREATE INDEX memberships_user_organization_idx ON memberships (user_id, organization_id);

CREATE TABLE invitations (
    id              uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    email           text        NOT NULL,
    role            text        NOT NULL,
    invited_by      text        NOT NULL,
    bearer          boolean     NOT NULL,
    -- 'expired' is stored only when a newer invitation for the same email replaces an
    -- expired pending one; otherwise expiry is computed from expires_at when read.
    status          text        NOT NULL,
    token_hash      bytea       NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    responded_at    timestamptz,
    accepted_by     text,
    CONSTRAINT invitations_pkey PRIMARY KEY (id),
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT invitations_token_hash_check CHECK (octet_length(token_hash) = 32),
    CONSTRAINT invitations_role_check CHECK (role IN ('member', 'admin')),
    CONSTRAINT invitations_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
    CONSTRAINT invitations_responded_check CHECK ((responded_at IS NOT NULL) = (status IN ('accepted', 'declined', 'revoked'))),
    CONSTRAINT invitations_accepted_check CHECK ((accepted_by IS NOT NULL) = (status = 'accepted')),
    CONSTRAINT invitations_organization_fkey FOREIGN KEY (organization_id)
        REFERENCES organizations (id) ON DELETE CASCADE
);

-- At most one pending invitation per organization and email; concurrent invitations of one
-- email wait on each other here, and only one succeeds.
CREATE UNIQUE INDEX invitations_pending_key ON invitations (organization_id, email) WHERE status = 'pending';
-- PendingInvitations pages and the cascade from organizations.
CREATE INDEX invitations_organization_id_idx ON invitations (organization_id, id);
-- InvitationsForEmail.
CREATE INDEX invitations_email_id_idx ON invitations (email, id);

CREATE TABLE activations (
    id         uuid        NOT NULL,
    user_id    text        NOT NULL,
    email      text        NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT activations_pkey PRIMARY KEY (id),
    CONSTRAINT activations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT activations_token_hash_check CHECK (octet_length(token_hash) = 32)
);
