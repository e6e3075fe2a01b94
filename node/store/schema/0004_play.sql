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

-- Stars: kind is 'song', 'album' or 'artist'; item is the id the API shows.
CREATE TABLE stars (
  user        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  item        TEXT NOT NULL,
  starred_us  INTEGER NOT NULL,
  PRIMARY KEY (user, kind, item)
) WITHOUT ROWID;

-- Plays (scrobbles) and the per-user play count they add up to.
CREATE TABLE plays (
  user       TEXT NOT NULL,
  track_id   BLOB NOT NULL,
  played_us  INTEGER NOT NULL
);
CREATE INDEX plays_by_user ON plays (user, track_id);

CREATE TABLE playlists (
  id          INTEGER PRIMARY KEY,
  owner       TEXT NOT NULL,
  name        TEXT NOT NULL,
  comment     TEXT NOT NULL DEFAULT '',
  public      INTEGER NOT NULL DEFAULT 0,
  created_us  INTEGER NOT NULL,
  changed_us  INTEGER NOT NULL
);

CREATE TABLE playlist_tracks (
  playlist  INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  track_id  BLOB NOT NULL,
  PRIMARY KEY (playlist, position)
) WITHOUT ROWID;
