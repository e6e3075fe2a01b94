-- Hearth schema, version 14: recovery.set (7) and recovery.use (8) are
-- membership entries (ledger_rules.md, "Recovery"), loaded with the others
-- when the ledger opens.
DROP INDEX ledger_kept_membership;
CREATE INDEX ledger_kept_membership ON ledger_kept (arrival) WHERE type IN (1, 2, 3, 6, 7, 8);
