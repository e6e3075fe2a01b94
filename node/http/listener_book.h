// Writes the household's listeners into the ledger: listener.set and
// listener.remove entries (protocol/listener_details.h), which only an admin
// device may write and every member device follows (users.h reads them).
//
// Borrows the Home for its lifetime; one thread. Every call that writes
// authors at most one entry per listener, each in its own transaction.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "node/store/home.h"
#include "protocol/listener_details.h"

namespace hearth::http {

enum class ListenerBookErrc {
  kNoContentSecret,  // a storage device: it cannot read or write listeners
  kNotAdmin,         // this device is not an admin of the household
  kBadName,          // not 1..64 of letters, digits, '.', '_', '-', '@'
  kBadPassword,      // empty, or over 256 bytes
  kExists,           // a listener has that name already
  kNotFound,         // no listener has that name
  kHashFailed,       // Argon2id could not get its memory
  kLedger,           // the entry could not be written
  kStore,            // the database failed
};

struct ListenerBookError {
  ListenerBookErrc code;
  std::string message;  // for people
};

class ListenerBook {
 public:
  explicit ListenerBook(store::Home& home) : home_(&home) {}

  // The household listeners, opened, by name. Records that do not open
  // (which would be a bug or a forged entry) are left out.
  std::expected<std::vector<ListenerDetails>, ListenerBookError> List() const;
  std::expected<std::optional<ListenerDetails>, ListenerBookError> Find(const std::string& name) const;

  // A new listener, with a fresh app password and API key.
  std::expected<ListenerDetails, ListenerBookError> Add(const std::string& name, const std::string& password,
                                                        bool admin, int64_t now_us);
  // A new login password; the app password and API key are replaced too.
  std::expected<ListenerDetails, ListenerBookError> SetPassword(const std::string& name,
                                                                const std::string& password, int64_t now_us);
  std::expected<void, ListenerBookError> Remove(const std::string& name, int64_t now_us);
  // New app passwords and API keys for every listener: after a device that
  // could read them was revoked. Returns how many listeners changed.
  std::expected<size_t, ListenerBookError> RotateSecrets(int64_t now_us);

  // This device's own listeners from before household listeners (the users
  // table) become household listeners, keeping their password as both login
  // and app password (Subsonic apps set up with it keep working) and their
  // API key; the rows are then deleted. A name the household has already
  // keeps the household's listener, and this device's row is dropped.
  struct Migrated {
    std::vector<std::string> moved;
    std::vector<std::string> dropped;  // hidden by a household listener of the same name
  };
  std::expected<Migrated, ListenerBookError> MigrateDeviceListeners(int64_t now_us);

 private:
  std::expected<void, ListenerBookError> CanWrite() const;
  std::expected<void, ListenerBookError> Write(const ListenerDetails& d, int64_t now_us);
  store::Home* home_;
};

// A fresh random app password (24 base32 characters) and API key (43 base64url).
std::string NewAppPassword();
std::string NewApiKey();

}  // namespace hearth::http
