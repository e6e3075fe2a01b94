-- Hearth schema, version 6: the folders this device imports music from.
-- Every import (`hearth import PATH`) adds PATH -- a folder, or the one
-- file -- absolute, with symlinks resolved; `hearth folders` lists them. The JSON API may start an import only inside one of them
-- (node/store/import_roots.h), so a listener cannot make the node read any
-- file it happens to be able to read.
CREATE TABLE import_roots (
  path      TEXT PRIMARY KEY,
  added_us  INTEGER NOT NULL
);
