-- Hearth schema, version 1. Migrations are forward-only: never edit a
-- released file; add the next number instead.

-- Facts about this home, one row each: 'household_id' (32 bytes),
-- 'genesis_id' (32 bytes), 'device_id' (32 bytes, this device's public key).
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;

-- The ownership ledger, append-only: every entry this node keeps, in the
-- order it arrived (always a causal order). `bytes` is the canonical signed
-- encoding (protocol/ledger_entry_format.md); the other columns are copies of
-- its fields for lookups. `rejection` is NULL for an entry that was effective
-- when it arrived, else the rule that refused it (entries kept as evidence,
-- e.g. 'equivocation', 'revoked-author').
CREATE TABLE ledger_entries (
  arrival   INTEGER PRIMARY KEY,
  id        BLOB NOT NULL UNIQUE,
  author    BLOB NOT NULL,
  seq       INTEGER NOT NULL,
  type      INTEGER NOT NULL,
  rejection TEXT,
  bytes     BLOB NOT NULL
);
CREATE INDEX ledger_entries_by_author ON ledger_entries (author, seq);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
