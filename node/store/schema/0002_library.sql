-- Hearth schema, version 2: the local music catalog and the import record.

-- The household's live claims as this device can read them: decrypted from
-- the ledger and indexed for browsing and search. Derived data, rebuilt by
-- library::Catalog::Sync from the ledger; never authoritative. One row per
-- claim; several claims may share a track (copies matched to one blob), and
-- exactly one row per track has is_primary = 1.
CREATE TABLE catalog_claims (
  rowid             INTEGER PRIMARY KEY,
  claim_id          BLOB NOT NULL UNIQUE,  -- the track.claim entry id
  track_id          BLOB NOT NULL,         -- audio identity
  file_id           BLOB NOT NULL,         -- BLAKE2b-256 of the claimed file
  blob_id           BLOB NOT NULL,         -- the blob holding the track's audio
  plaintext_length  INTEGER NOT NULL,      -- bytes of the file inside that blob
  author            BLOB NOT NULL,         -- device that claimed it
  claimed_us        INTEGER NOT NULL,
  format            TEXT NOT NULL,         -- mp3, m4a, flac, ogg, opus, wav
  codec             TEXT NOT NULL,
  bitrate           INTEGER NOT NULL,
  sample_rate       INTEGER NOT NULL,
  channels          INTEGER NOT NULL,
  duration_ms       INTEGER NOT NULL,
  title             TEXT NOT NULL,
  artist            TEXT NOT NULL,         -- all artists, joined with "; "
  album_artist      TEXT NOT NULL,
  album             TEXT NOT NULL,
  album_key         TEXT NOT NULL,         -- groups one album across discs and artists
  track_no          INTEGER NOT NULL,      -- 0 when unknown (likewise below)
  track_total       INTEGER NOT NULL,
  disc_no           INTEGER NOT NULL,
  disc_total        INTEGER NOT NULL,
  year              INTEGER NOT NULL,
  genre             TEXT NOT NULL,         -- all genres, joined with "; "
  cover             BLOB,                  -- BLAKE2b-256 of the cover image, if any
  source_path       TEXT NOT NULL,         -- where the claimed file was imported from
  matched           INTEGER NOT NULL,      -- 1: a copy matched to an earlier claim's blob
  is_primary        INTEGER NOT NULL DEFAULT 0,
  tags_json         TEXT NOT NULL          -- every kept tag: [["key","value"],...]
);
CREATE INDEX catalog_by_track ON catalog_claims (track_id);
CREATE INDEX catalog_by_file ON catalog_claims (file_id);
CREATE INDEX catalog_by_blob ON catalog_claims (blob_id);
CREATE INDEX catalog_by_album ON catalog_claims (album_key, disc_no, track_no);

-- Full-text search over catalog_claims (rowid = catalog_claims.rowid), with
-- prefix indexes so that search-as-you-type stays fast.
CREATE VIRTUAL TABLE catalog_search USING fts5 (
  title, artist, album, genre,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3'
);

-- Every file this device tried to import, so a second import of an
-- unchanged folder does no reading or hashing: same size, mtime and inode
-- means unchanged.
CREATE TABLE imported_files (
  path         BLOB PRIMARY KEY,   -- bytes as the filesystem names it (may not be UTF-8)
  size         INTEGER NOT NULL,
  mtime_ns     INTEGER NOT NULL,
  inode        INTEGER NOT NULL,
  outcome      TEXT NOT NULL,      -- imported | matched | duplicate | failed
  detail       TEXT,               -- the reason, for failures
  file_id      BLOB,
  claim_id     BLOB,               -- the claim that covers this file
  imported_us  INTEGER NOT NULL
) WITHOUT ROWID;

-- The .torrent of every blob stored on this device (swarm/blob_torrent.h),
-- made while the blob was sealed, so seeding it needs no second pass.
CREATE TABLE blob_torrents (
  blob_id  BLOB PRIMARY KEY,
  torrent  BLOB NOT NULL
) WITHOUT ROWID;
