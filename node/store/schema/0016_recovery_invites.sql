-- Hearth schema, version 16: an invite may be for a device that joins with
-- the household's recovery key (hearth invite --for-recovery): any member
-- that holds the content secret may issue one, and the new device adds
-- itself (a recovery.use that joins) instead of the inviter adding it.
ALTER TABLE invites ADD COLUMN recovery INTEGER NOT NULL DEFAULT 0;
