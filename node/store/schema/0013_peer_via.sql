-- Hearth schema, version 13: the member that relays a device's session
-- (`hearth devices` shows it as `via`; path "relayed"), NULL when the
-- session is not relayed; paths may now also be "mapped" (through a port the
-- device's router forwards) and "punched" (a hole punched through NATs).
ALTER TABLE peers ADD COLUMN via BLOB;
