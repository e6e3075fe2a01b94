// Home: the directory a node owns, and everything opened from it.
//
//   DIR/device.key    this device's Ed25519 seed (key_file.h format, 0600)
//   DIR/content.key   the household content secret (absent on storage devices)
//   DIR/hearth.db     SQLite, WAL mode: meta and the ledger (schema/*.sql)
//   DIR/blobs/        encrypted blobs and their .torrent files (blob_store.h)
//   DIR/covers/       encrypted cover art, by BLAKE2b of the image
//   DIR/tmp/          temp files of writes in progress
//
// A Home is move-only and owns its database connection; use it from one
// thread. Several processes may open the same home at once.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "crypto/content_secret.h"
#include "crypto/signing.h"
#include "node/store/blob_store.h"
#include "node/store/clock.h"
#include "node/store/database.h"
#include "node/store/ledger_store.h"

namespace hearth::store {

// The home directory when none is given: $HEARTH_HOME, else
// $XDG_DATA_HOME/hearth, else $HOME/.local/share/hearth.
std::string DefaultHomeDir();

struct InitOptions {
  std::string household_name;
  std::string device_name;
  Clock clock = SystemNowMicros;
  // The public half of the household's recovery key, written into the
  // genesis (the caller shows the secret half once and keeps nothing).
  std::optional<RecoveryKey> recovery_key;
};

class Home {
 public:
  // Creates a household in `dir`: keys, database, genesis entry. Refuses
  // (kExists), changing nothing, if `dir` already holds a household or keys.
  static std::expected<Home, StoreError> Init(const std::string& dir, const InitOptions& options);
  // Opens an existing home (kNotFound if there is none).
  static std::expected<Home, StoreError> Open(const std::string& dir);

  // For `hearth join`: creates `dir` with a fresh device key and a database
  // that names `household` but holds no ledger yet. The ledger (genesis
  // first) arrives from the inviter; until then only OpenJoining opens it.
  static std::expected<Home, StoreError> CreateJoining(const std::string& dir, const HouseholdId& household);
  static std::expected<Home, StoreError> OpenJoining(const std::string& dir);
  // Writes the content secret received while joining (refuses to replace one).
  std::expected<void, StoreError> SaveContentSecret(const crypto::ContentSecret& secret);

  const std::string& dir() const { return dir_; }
  const crypto::DeviceKey& device_key() const { return *key_; }
  DeviceId device_id() const { return DeviceId{key_->public_key()}; }
  // Absent on storage devices, which never hold the content secret.
  const crypto::ContentSecret* content_secret() const { return content_ ? &*content_ : nullptr; }
  const HouseholdId& household() const { return household_; }
  Database& db() { return *db_; }
  LedgerStore& ledger() { return *ledger_; }
  BlobStore& blobs() { return *blobs_; }
  // Cover art, encrypted like blobs, under DIR/covers.
  BlobStore& covers() { return *covers_; }

 private:
  Home() = default;
  static std::expected<Home, StoreError> OpenImpl(const std::string& dir, bool require_genesis);
  std::string dir_;
  std::unique_ptr<crypto::DeviceKey> key_;
  std::optional<crypto::ContentSecret> content_;
  HouseholdId household_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<LedgerStore> ledger_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<BlobStore> covers_;
};

}  // namespace hearth::store
