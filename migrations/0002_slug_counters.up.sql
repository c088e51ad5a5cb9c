-- +goose Up
-- Generated slugs in constant time. A generated slug is its base (the slugified name) if
-- that is free; otherwise base-N, where N comes from this per-base counter: it only ever
-- increases, skipping candidates that are taken (an explicit slug such as "acme-7", or the
-- base-less slug of a name like "Acme 7"), and a suffix freed by a delete or rename is not
-- handed out again. CreateOrganization's statement takes the next N with an upsert of the
-- base's row, so concurrent creations of one name queue on that row for an instant and
-- all get distinct slugs, whatever the number of slugs that share the base.
CREATE TABLE organization_slug_counters (
    base text    NOT NULL,
    -- The highest suffix handed out or known to be taken.
    last integer NOT NULL,
    CONSTRAINT organization_slug_counters_pkey PRIMARY KEY (base),
    CONSTRAINT organization_slug_counters_last_check CHECK (last >= 2)
);

-- Seed from the slugs that exist (a database upgraded from 0001): each base's sequence
-- continues after its highest numeric suffix in use, so the first creation after the
-- upgrade does not walk through them one by one. Suffixes of more than 9 digits are left
-- out (they cannot collide with a counter in the integer range).
INSERT INTO organization_slug_counters (base, last)
SELECT m[1], max(m[2]::integer)
FROM organizations o CROSS JOIN LATERAL regexp_match(o.slug, '^(.+)-([0-9]{1,9})$') AS m
WHERE m[2]::integer >= 2
GROUP BY m[1];
