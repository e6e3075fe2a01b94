-- Hearth schema, version 8: the ledger's derived state, kept by
-- store::SqlLedgerIndex (sql_ledger_index.h) as each entry is accepted, in
-- the same transaction as its ledger_entries row. Derived data: LedgerStore
-- rebuilds all four tables from ledger_entries when they lag behind it (a
-- home from schema 7 does so on its first open).

-- Every device the ledger has met, by the index its clocks use (0, 1, 2...
-- in the order met), with the window of its claims and releases that have
-- effect as last applied (protocol/ledger_index.h: AuthorWindow; lo and hi
-- are 9223372036854775807 for "none").
CREATE TABLE ledger_authors (
  idx     INTEGER PRIMARY KEY,
  device  BLOB NOT NULL UNIQUE,
  lo      INTEGER NOT NULL,
  hi      INTEGER NOT NULL
);

-- What the rules know of each kept entry (ledger_entries row `arrival`):
-- author index, seq, type, whether it is on its author's chain (0 for
-- equivocation evidence), and its causal clock (protocol/ledger_index.h:
-- EncodeClock, one LEB128 varint per author index).
CREATE TABLE ledger_kept (
  arrival  INTEGER PRIMARY KEY,
  author   INTEGER NOT NULL,
  seq      INTEGER NOT NULL,
  type     INTEGER NOT NULL,
  chained  INTEGER NOT NULL,
  clock    BLOB NOT NULL
);
CREATE INDEX ledger_kept_by_chain ON ledger_kept (author, chained, seq);
CREATE INDEX ledger_kept_membership ON ledger_kept (arrival) WHERE type IN (1, 2, 3, 6);

-- Every kept track.claim. effective: inside its author's window and
-- chained; released: an effective track.release names it. Live claims are
-- effective = 1 AND released = 0.
CREATE TABLE ledger_claims (
  entry             BLOB PRIMARY KEY,
  arrival           INTEGER NOT NULL,
  author            INTEGER NOT NULL,
  seq               INTEGER NOT NULL,
  chained           INTEGER NOT NULL,
  time_us           INTEGER NOT NULL,
  blob              BLOB NOT NULL,
  plaintext_length  INTEGER NOT NULL,
  effective         INTEGER NOT NULL,
  released          INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_claims_by_author ON ledger_claims (author, seq);
CREATE INDEX ledger_claims_live_by_blob ON ledger_claims (blob) WHERE effective = 1 AND released = 0;

-- Every kept track.release, and the claim it names.
CREATE TABLE ledger_releases (
  entry      BLOB PRIMARY KEY,
  author     INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  chained    INTEGER NOT NULL,
  claim      BLOB NOT NULL,
  effective  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ledger_releases_by_claim ON ledger_releases (claim);
CREATE INDEX ledger_releases_by_author ON ledger_releases (author, seq);
