-- Hearth schema, version 11: the track search index keeps prefix indexes
-- of 1 to 8 letters (it kept 1 to 3). A prefix term longer than the
-- longest prefix index makes SQLite merge the whole posting list of every
-- word it expands to: "artis"* cost 30 ms over a million tracks, against
-- under 1 ms from a prefix index. Costs about a third more index on disk.
-- The rows are copied over (rowids are catalog_claims rowids, kept).
CREATE VIRTUAL TABLE catalog_search_v11 USING fts5 (
  title, artist, album, genre,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3 4 5 6 7 8'
);
INSERT INTO catalog_search_v11 (rowid, title, artist, album, genre)
  SELECT rowid, title, artist, album, genre FROM catalog_search;
DROP TABLE catalog_search;
ALTER TABLE catalog_search_v11 RENAME TO catalog_search;
