// Errors of node/store, as values.
#pragma once

#include <string>

namespace hearth::store {

enum class StoreErrc {
  kIo,           // the filesystem refused (permissions, missing directory, full disk)
  kDatabase,     // SQLite failed (busy beyond the timeout, corrupt file)
  kExists,       // refusing to overwrite something that is there
  kNotFound,     // no such home, blob or record
  kNewerSchema,  // the database was written by a newer hearth
  kInvalid,      // data on disk fails its checks (damaged key, tampered entry)
  kRejected,     // the ledger refused an entry
  kChanged,      // an original kept in place is no longer the file that was imported
};

struct StoreError {
  StoreErrc code;
  std::string message;
};

}  // namespace hearth::store
