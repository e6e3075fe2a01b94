-- Hearth schema, version 9: the catalog as players browse it -- albums,
-- artists and genres -- kept beside catalog_claims by library::Catalog::Sync
-- (catalog_views.h) for the tracks it touches, so that a page of albums or a
-- search is an indexed read, never a pass over the whole library. Derived
-- data: Sync rebuilds all of it when catalog_albums is empty and the
-- catalog is not (a home from schema 8).

-- The songs of the catalog in the order players list them (primary claims).
CREATE INDEX catalog_song_order ON catalog_claims (
  lower(CASE WHEN album_artist <> '' THEN album_artist ELSE artist END),
  lower(album), album_key, disc_no, track_no, lower(title)) WHERE is_primary = 1;
CREATE INDEX catalog_by_cover ON catalog_claims (cover) WHERE cover IS NOT NULL;

-- One row per album (catalog_claims.album_key of a primary claim). The
-- name, artist and genre are those of its first song in list order; year
-- the greatest, created the earliest claim, cover the first song's that has
-- one. sort_* are the lowercased names lists order by.
CREATE TABLE catalog_albums (
  rowid        INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,     -- "al-" + 24 hex digits of BLAKE2b-256(album_key)
  album_key    TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  sort_name    TEXT NOT NULL,
  artist       TEXT NOT NULL,
  sort_artist  TEXT NOT NULL,
  artist_id    TEXT NOT NULL,            -- "ar-" + 24 hex digits of BLAKE2b-256(lowercased artist)
  genre        TEXT NOT NULL,
  year         INTEGER NOT NULL,
  cover        BLOB,
  duration_ms  INTEGER NOT NULL,
  created_us   INTEGER NOT NULL,
  song_count   INTEGER NOT NULL
);
CREATE INDEX catalog_albums_by_name ON catalog_albums (sort_name, id);
CREATE INDEX catalog_albums_by_artist ON catalog_albums (sort_artist, sort_name, id);
CREATE INDEX catalog_albums_by_created ON catalog_albums (created_us DESC, sort_name, id);
CREATE INDEX catalog_albums_by_year ON catalog_albums (year, sort_name, id);
CREATE INDEX catalog_albums_of_artist ON catalog_albums (artist_id, year, name);

-- One row per album artist: its name (that of its first album by name), how
-- many albums and songs, and the cover of its first album (by year) that has one.
CREATE TABLE catalog_artists (
  rowid        INTEGER PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  sort_name    TEXT NOT NULL,
  album_count  INTEGER NOT NULL,
  song_count   INTEGER NOT NULL,
  cover        BLOB
);
CREATE INDEX catalog_artists_by_name ON catalog_artists (sort_name, id);

-- Each genre of each album, with how many of the album's songs carry it
-- (a song's genres are its "; "-joined list).
CREATE TABLE catalog_album_genres (
  genre     TEXT NOT NULL,
  album_id  TEXT NOT NULL,
  songs     INTEGER NOT NULL,
  PRIMARY KEY (genre, album_id)
) WITHOUT ROWID;
CREATE INDEX catalog_genres_of_album ON catalog_album_genres (album_id);

-- Search over album and artist names (rowid = catalog_albums.rowid and
-- catalog_artists.rowid), prefix-indexed like catalog_search.
CREATE VIRTUAL TABLE catalog_album_search USING fts5 (
  name, artist,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3'
);
CREATE VIRTUAL TABLE catalog_artist_search USING fts5 (
  name,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3'
);
