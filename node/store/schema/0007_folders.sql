-- Hearth schema, version 7: how each import folder is kept, and watched.
--   in_place      1: its files are the household's copies, kept where they
--                 are (`hearth import`, the default); 0: sealed copies were
--                 made in the home (`hearth import --copy`). Only folders
--                 kept in place are watched.
--   device        st_dev of the folder when it was imported: a folder now on
--                 another device (its disk unmounted, the mount point left
--                 behind) is unavailable, not emptied.
--   state         'watching', 'unavailable' or 'not watched', as the node
--                 serving this home last saw it; state_detail says why.
--   checked_us    when the node last looked at the whole folder.
ALTER TABLE import_roots ADD COLUMN in_place INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_roots ADD COLUMN device INTEGER;
ALTER TABLE import_roots ADD COLUMN state TEXT;
ALTER TABLE import_roots ADD COLUMN state_detail TEXT;
ALTER TABLE import_roots ADD COLUMN checked_us INTEGER;

-- Originals kept in place that are gone from where they were (deleted,
-- truncated, replaced), whose bytes this device no longer has: the claim
-- stands (a deletion never releases one), and `hearth status` lists the
-- track when no other device holds its blob either. A row goes when the
-- file comes back, at its old path or another, or the claim is released
-- (`hearth forget --missing`).
CREATE TABLE missing_originals (
  file_id   BLOB PRIMARY KEY,
  path      BLOB NOT NULL,     -- where it was, bytes as the filesystem named it
  claim_id  BLOB NOT NULL,
  blob_id   BLOB NOT NULL,
  reason    TEXT NOT NULL,
  since_us  INTEGER NOT NULL
) WITHOUT ROWID;
