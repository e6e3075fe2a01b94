-- Hearth schema, version 15: listener.set (9) and listener.remove (10) are
-- membership entries (ledger_rules.md, "Listeners"), loaded with the others
-- when the ledger opens. The users table of version 4 now holds only this
-- device's listeners from before household listeners, until an admin device
-- moves them into the ledger (node/http/users.h).
DROP INDEX ledger_kept_membership;
CREATE INDEX ledger_kept_membership ON ledger_kept (arrival) WHERE type IN (1, 2, 3, 6, 7, 8, 9, 10);
