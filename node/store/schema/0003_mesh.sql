-- Hearth schema, version 3: what the mesh remembers between runs.

-- Invites this device issued (hearth invite), keyed by the invite id
-- H("hearth/invite-id/v1" || secret) (protocol/pairing.h). The secret is kept
-- to check the joiner's proof; the database is private to this user (0600).
CREATE TABLE invites (
  invite_id   BLOB PRIMARY KEY,
  secret      BLOB NOT NULL,        -- 16 bytes
  role        INTEGER NOT NULL,     -- protocol Role: 1 full, 2 phone, 3 storage
  created_us  INTEGER NOT NULL,
  expires_us  INTEGER NOT NULL,
  used_by     BLOB,                 -- the device that joined with it
  used_us     INTEGER
) WITHOUT ROWID;

-- Other household devices as this node last saw them (written by serve).
CREATE TABLE peers (
  device        BLOB PRIMARY KEY,
  host          TEXT NOT NULL,      -- numeric address it was reached at / from
  control_port  INTEGER NOT NULL,   -- 0: unknown
  torrent_port  INTEGER NOT NULL,   -- 0: none
  last_seen_us  INTEGER NOT NULL,
  online        INTEGER NOT NULL    -- 1 while a session is up
) WITHOUT ROWID;

-- The blobs each other device said it holds (its last HAVE set).
CREATE TABLE peer_blobs (
  device   BLOB NOT NULL,
  blob_id  BLOB NOT NULL,
  PRIMARY KEY (device, blob_id)
) WITHOUT ROWID;
CREATE INDEX peer_blobs_by_blob ON peer_blobs (blob_id);

-- Blobs this device keeps no matter the policy (hearth pin).
CREATE TABLE pins (
  blob_id    BLOB PRIMARY KEY,
  pinned_us  INTEGER NOT NULL
) WITHOUT ROWID;

-- Blobs this device wants and does not hold yet (fetch, pin, policy); a
-- restarted node resumes them.
CREATE TABLE wanted (
  blob_id       BLOB PRIMARY KEY,
  reason        TEXT NOT NULL,      -- fetch | pin | policy
  requested_us  INTEGER NOT NULL
) WITHOUT ROWID;
