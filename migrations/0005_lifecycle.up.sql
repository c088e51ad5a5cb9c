-- +goose Up
-- Membership lifecycle: member limits (seats).
--
-- organizations.max_members is the organization's member limit (NULL: none). Pending,
-- unexpired invitations hold a seat at invite time; adding a member needs one. The checks
-- are made by the statements that add members or invitations, in one statement each,
-- under the organization row's lock (FOR NO KEY UPDATE), and every statement that adds
-- to a limited organization (and every update of the organization row) increases
-- seat_seq. A statement whose snapshot predates the latest seat_seq (a concurrent
-- addition committed after the statement's snapshot, which its counts cannot see) does
-- nothing and runs again with a new snapshot: so the counts a statement acts on are
-- always the latest, and concurrent additions never pass the limit.

ALTER TABLE organizations ADD COLUMN max_members integer;
ALTER TABLE organizations ADD COLUMN seat_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD CONSTRAINT organizations_max_members_check
    CHECK (max_members IS NULL OR max_members > 0);

-- Suspension. A membership is 'active' or 'suspended' (since suspended_at). A suspended
-- member keeps its row, role and history, but every statement of the store reads it as a
-- non-member (the actor checks, Access, OrganizationsForUser, the inviter at accept) and
-- it holds no seat.
--
-- The owner is never suspended, held here as the owner's role is: the organization row
-- carries owner_status, which can only be 'active', and organizations_owner_fkey now
-- refers to (organization_id, user_id, role, status). Suspending the owner's membership
-- removes the key the organization refers to, whatever SQL does it.
ALTER TABLE memberships ADD COLUMN status text NOT NULL DEFAULT 'active';
ALTER TABLE memberships ADD COLUMN suspended_at timestamptz;
ALTER TABLE memberships ADD CONSTRAINT memberships_status_check
    CHECK (status IN ('active', 'suspended') AND (status = 'suspended') = (suspended_at IS NOT NULL));
ALTER TABLE memberships ADD CONSTRAINT memberships_organization_user_role_status_key
    UNIQUE (organization_id, user_id, role, status);
ALTER TABLE organizations ADD COLUMN owner_status text NOT NULL DEFAULT 'active';
ALTER TABLE organizations ADD CONSTRAINT organizations_owner_status_check CHECK (owner_status = 'active');
ALTER TABLE organizations DROP CONSTRAINT organizations_owner_fkey;
ALTER TABLE organizations ADD CONSTRAINT organizations_owner_fkey
    FOREIGN KEY (id, owner_id, owner_role, owner_status) REFERENCES memberships (organization_id, user_id, role, status);
-- The previous target of organizations_owner_fkey, implied by the key above.
ALTER TABLE memberships DROP CONSTRAINT memberships_organization_user_role_key;

-- Two-phase ownership transfer: at most one open proposal per organization
-- (ownership_transfers_pkey). A proposal whose nominee's membership is deleted goes with
-- it (ON DELETE CASCADE, and so with its organization); one whose nominee is suspended is
-- deleted by the suspending statement. Accepting checks, in its one statement, that the
-- proposal is unexpired, its proposer still owns the organization and its nominee is an
-- active member, then moves owner_id: never zero owners, never two.
CREATE TABLE ownership_transfers (
    organization_id uuid        NOT NULL,
    nominee         text        NOT NULL,
    proposed_by     text        NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    CONSTRAINT ownership_transfers_pkey PRIMARY KEY (organization_id),
    CONSTRAINT ownership_transfers_check CHECK (nominee <> proposed_by AND expires_at > created_at),
    CONSTRAINT ownership_transfers_nominee_fkey FOREIGN KEY (organization_id, nominee)
        REFERENCES memberships (organization_id, user_id) ON DELETE CASCADE
);

-- OrganizationsOwnedBy pages, and RemoveUserEverywhere's lock of a user's organizations.
CREATE INDEX organizations_owner_idx ON organizations (owner_id, id);

-- ListMembers pages filtered by role: WHERE organization_id = $1 AND role = $2 AND id > $3
-- ORDER BY id; and by status suspended (few rows: a partial index).
CREATE INDEX memberships_organization_role_idx ON memberships (organization_id, role, id);
CREATE INDEX memberships_suspended_idx ON memberships (organization_id, id) WHERE status = 'suspended';
