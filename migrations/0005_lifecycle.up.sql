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
