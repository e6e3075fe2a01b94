-- Hearth schema, version 6: the folders this device imports music from.
-- Every import (`hearth import PATH`) adds PATH's folder -- PATH itself when
-- it is a folder, else the folder it is in -- absolute, with symlinks
-- resolved. The JSON API may start an import only inside one of them
-- (node/store/import_roots.h), so a listener cannot make the node read any
-- file it happens to be able to read.
CREATE TABLE import_roots (
  path      TEXT PRIMARY KEY,
  added_us  INTEGER NOT NULL
);
