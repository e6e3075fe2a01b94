-- Hearth schema, version 4: the HTTP side -- listeners and what they do.

-- Household listeners on this device (hearth user add). Subsonic's token
-- auth needs the password itself, so it is kept sealed (crypto/sealed_box.h)
-- under a key derived from this device's key, with the name as associated
-- data; never in clear.
CREATE TABLE users (
  name             TEXT PRIMARY KEY,
  password_sealed  BLOB NOT NULL,
  api_key          TEXT NOT NULL UNIQUE,  -- 43 random base64url chars: apiKey auth, web sessions
  admin            INTEGER NOT NULL,
  created_us       INTEGER NOT NULL
) WITHOUT ROWID;

-- Listener events (protocol/listener_events.h): every star, play and
-- playlist change, made here or received from another member device, in the
-- order they arrived. The tables below are what they add up to.
CREATE TABLE listener_events (
  arrival  INTEGER PRIMARY KEY,
  origin   BLOB NOT NULL,     -- the device that made it
  seq      INTEGER NOT NULL,  -- 1, 2, ... per origin
  event    BLOB NOT NULL,     -- its encoding
  UNIQUE (origin, seq)
);

-- Stars, last writer wins by the stamp (at_us, origin, seq); an unstar
-- leaves the row with starred = 0 so an older star cannot revive it. kind is
-- 'song', 'album' or 'artist'; item is the id the APIs show.
CREATE TABLE stars (
  user         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  item         TEXT NOT NULL,
  starred      INTEGER NOT NULL,
  at_us        INTEGER NOT NULL,
  stamp_origin BLOB NOT NULL,
  stamp_seq    INTEGER NOT NULL,
  PRIMARY KEY (user, kind, item)
) WITHOUT ROWID;

-- Plays (scrobbles): one row per play event.
CREATE TABLE plays (
  user       TEXT NOT NULL,
  track_id   BLOB NOT NULL,
  played_us  INTEGER NOT NULL
);
CREATE INDEX plays_by_user ON plays (user, track_id);

-- Playlists, last writer wins by stamp; a deleted one stays as a tombstone.
CREATE TABLE playlists (
  id           TEXT PRIMARY KEY,   -- "pl-" + 16 hex digits, made by the creating device
  owner        TEXT NOT NULL,
  name         TEXT NOT NULL,
  comment      TEXT NOT NULL,
  public       INTEGER NOT NULL,
  created_us   INTEGER NOT NULL,
  changed_us   INTEGER NOT NULL,
  deleted      INTEGER NOT NULL,
  stamp_origin BLOB NOT NULL,
  stamp_seq    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE playlist_tracks (
  playlist  TEXT NOT NULL,
  position  INTEGER NOT NULL,
  track_id  BLOB NOT NULL,
  PRIMARY KEY (playlist, position)
) WITHOUT ROWID;

-- When a player last read each blob held here: a phone's cache is trimmed to
-- its storage budget least recently played first (blobs never played count
-- as oldest).
CREATE TABLE blob_access (
  blob_id  BLOB PRIMARY KEY,
  last_us  INTEGER NOT NULL
) WITHOUT ROWID;
