-- Hearth schema, version 5: what replica placement needs to know of each
-- device besides the ledger -- how available it is and how much room it has
-- (protocol/placement.h).

-- This device's time online (`hearth serve` running), per UTC day:
-- day = floor(time_us / 86,400,000,000). The node adds to today's row as it
-- runs and deletes rows older than 8 days. meta 'first_online_us' is when it
-- first ran. Availability = online seconds in the last 7 days / the shorter
-- of 7 days and the time since it first ran (at least one day). meta
-- 'own_report' is what this device last told the others of itself (28 bytes,
-- see SaveOwnReport in placement_tables.cc), for `hearth status`.
CREATE TABLE uptime (
  day       INTEGER PRIMARY KEY,
  online_s  INTEGER NOT NULL
);

-- What each other device last reported of itself (STATE,
-- protocol/mesh_format.md): availability in thousandths (0..1000), the bytes
-- of the household's blobs it holds, the most it may hold (NULL: it knows no
-- limit), whether its disk reached its free-space floor, and when it said so.
ALTER TABLE peers ADD COLUMN availability INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peers ADD COLUMN held_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peers ADD COLUMN room_bytes INTEGER;
ALTER TABLE peers ADD COLUMN disk_full INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peers ADD COLUMN reported_us INTEGER NOT NULL DEFAULT 0;
