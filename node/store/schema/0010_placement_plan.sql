-- Hearth schema, version 10: replica placement's plan, kept by
-- store::SqlPlan (placement_plan.h) so that it costs no memory however big
-- the library. Derived data: rewritten whole whenever placement's inputs
-- change (meta 'placement_key' names the inputs of the rows kept here), so
-- a restart with the same inputs does not place again.

-- The devices the plan places on, by the index the rows use (ordered by
-- key, as protocol/placement.h's ReplicaPlacer numbers them), and the bytes
-- each is assigned.
CREATE TABLE placement_devices (
  idx             INTEGER PRIMARY KEY,
  device          BLOB NOT NULL,
  assigned_bytes  INTEGER NOT NULL
);

-- One row per blob a live claim names: its sealed size, the devices assigned
-- it best first (one byte each: placement_devices.idx), and whether this
-- device is among them.
CREATE TABLE placement_plan (
  blob     BLOB PRIMARY KEY,
  size     INTEGER NOT NULL,
  devices  BLOB NOT NULL,
  mine     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX placement_plan_mine ON placement_plan (blob) WHERE mine = 1;
