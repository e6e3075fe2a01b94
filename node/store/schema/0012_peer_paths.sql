-- Hearth schema, version 12: how each device is reached (`hearth devices`):
-- the round trip of the last PING answered on its session, and the path
-- ("lan": a private or loopback address; "direct": a public one). Both are
-- about the session that is up: rtt_us is cleared when it ends.
ALTER TABLE peers ADD COLUMN rtt_us INTEGER;
ALTER TABLE peers ADD COLUMN path TEXT NOT NULL DEFAULT '';
