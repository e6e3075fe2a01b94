#include "node/store/home.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "crypto/key_file.h"

namespace hearth::store {
namespace {

std::string KeyPath(const std::string& dir) { return dir + "/device.key"; }
std::string ContentPath(const std::string& dir) { return dir + "/content.key"; }
std::string DbPath(const std::string& dir) { return dir + "/hearth.db"; }

bool Exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

std::expected<Bytes, StoreError> ReadMeta(Database& db, const std::string& key) {
  auto st = db.Prepare("SELECT value FROM meta WHERE key = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, key);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::unexpected(StoreError{StoreErrc::kNotFound, "no " + key + " recorded"});
  return st->Blob(0);
}

std::expected<void, StoreError> WriteMeta(Database& db, const std::string& key, ByteSpan v) {
  auto st = db.Prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, key).Bind(2, v);
  return st->Run();
}

StoreError Wrap(StoreErrc code, std::string message) { return StoreError{code, std::move(message)}; }

}  // namespace

std::string DefaultHomeDir() {
  if (const char* h = std::getenv("HEARTH_HOME"); h && *h) return h;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/hearth";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.local/share/hearth";
  return ".hearth";
}

std::expected<Home, StoreError> Home::Init(const std::string& dir, const InitOptions& options) {
  if (Exists(DbPath(dir))) {
    auto existing = Open(dir);
    if (existing) {
      return std::unexpected(Wrap(
          StoreErrc::kExists, dir + " already holds household \"" +
                                  existing->ledger().ledger().state().household_name + "\" (" +
                                  existing->household().ShortHex() + "); nothing was changed"));
    }
    return std::unexpected(Wrap(StoreErrc::kExists, dir + " already holds a hearth database (" +
                                                        existing.error().message +
                                                        "); nothing was changed"));
  }
  for (const std::string& p : {KeyPath(dir), ContentPath(dir)}) {
    if (Exists(p)) {
      return std::unexpected(Wrap(StoreErrc::kExists,
                                  p + " exists but " + dir +
                                      " holds no household (an interrupted init?); move it "
                                      "away and run init again; nothing was changed"));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(Wrap(StoreErrc::kIo, "cannot create " + dir + ": " + ec.message()));
  ::chmod(dir.c_str(), 0700);

  crypto::DeviceKey key = crypto::DeviceKey::Generate();
  crypto::ContentSecret content = crypto::ContentSecret::Generate();
  if (auto w = crypto::WriteKeyFile(KeyPath(dir), crypto::KeyKind::kDeviceSeed, key.ExportSeed()); !w)
    return std::unexpected(Wrap(StoreErrc::kIo, w.error()));
  if (auto w = crypto::WriteKeyFile(ContentPath(dir), crypto::KeyKind::kContentSecret,
                                    content.secret());
      !w)
    return std::unexpected(Wrap(StoreErrc::kIo, w.error()));

  Genesis genesis;
  crypto::RandomBytes(genesis.nonce.data(), genesis.nonce.size());
  genesis.household_name = options.household_name;
  genesis.founder_name = options.device_name;
  genesis.recovery_key = options.recovery_key;
  const DeviceId me{key.public_key()};
  const HouseholdId household = DeriveHouseholdId(me, genesis);

  auto db = Database::Open(DbPath(dir), /*create=*/true);
  if (!db) return std::unexpected(db.error());
  auto meta = db->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = WriteMeta(*db, "household_id", household.bytes); !r) return r;
    return WriteMeta(*db, "device_id", me.bytes);
  });
  if (!meta) return std::unexpected(meta.error());
  auto ledger = LedgerStore::Load(*db, household);
  if (!ledger) return std::unexpected(ledger.error());
  auto entry = ledger->Author(key, genesis, options.clock());
  if (!entry) return std::unexpected(Wrap(StoreErrc::kRejected, entry.error().Message()));
  return Open(dir);
}

std::expected<Home, StoreError> Home::Open(const std::string& dir) { return OpenImpl(dir, true); }
std::expected<Home, StoreError> Home::OpenJoining(const std::string& dir) { return OpenImpl(dir, false); }

std::expected<Home, StoreError> Home::CreateJoining(const std::string& dir, const HouseholdId& household) {
  if (Exists(DbPath(dir)) || Exists(KeyPath(dir)) || Exists(ContentPath(dir)))
    return std::unexpected(Wrap(StoreErrc::kExists, dir + " already holds a hearth home; nothing was changed"));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(Wrap(StoreErrc::kIo, "cannot create " + dir + ": " + ec.message()));
  ::chmod(dir.c_str(), 0700);
  crypto::DeviceKey key = crypto::DeviceKey::Generate();
  if (auto w = crypto::WriteKeyFile(KeyPath(dir), crypto::KeyKind::kDeviceSeed, key.ExportSeed()); !w)
    return std::unexpected(Wrap(StoreErrc::kIo, w.error()));
  auto db = Database::Open(DbPath(dir), /*create=*/true);
  if (!db) return std::unexpected(db.error());
  const DeviceId me{key.public_key()};
  auto meta = db->Transaction([&]() -> std::expected<void, StoreError> {
    if (auto r = WriteMeta(*db, "household_id", household.bytes); !r) return r;
    return WriteMeta(*db, "device_id", me.bytes);
  });
  if (!meta) return std::unexpected(meta.error());
  return OpenJoining(dir);
}

std::expected<void, StoreError> Home::SaveContentSecret(const crypto::ContentSecret& secret) {
  if (content_) return std::unexpected(Wrap(StoreErrc::kExists, "this home already holds a content secret"));
  if (auto w = crypto::WriteKeyFile(ContentPath(dir_), crypto::KeyKind::kContentSecret, secret.secret()); !w)
    return std::unexpected(Wrap(StoreErrc::kIo, w.error()));
  content_ = crypto::ContentSecret::FromBytes(secret.secret().span());
  return {};
}

std::expected<Home, StoreError> Home::OpenImpl(const std::string& dir, bool require_genesis) {
  if (!Exists(DbPath(dir))) {
    return std::unexpected(
        Wrap(StoreErrc::kNotFound, "no household in " + dir + "; run `hearth init` first"));
  }
  Home home;
  home.dir_ = dir;
  auto seed = crypto::ReadKeyFile(KeyPath(dir), crypto::KeyKind::kDeviceSeed);
  if (!seed) return std::unexpected(Wrap(StoreErrc::kInvalid, seed.error()));
  home.key_ = std::make_unique<crypto::DeviceKey>(crypto::DeviceKey::FromSeed(*seed));
  if (Exists(ContentPath(dir))) {
    auto secret = crypto::ReadKeyFile(ContentPath(dir), crypto::KeyKind::kContentSecret);
    if (!secret) return std::unexpected(Wrap(StoreErrc::kInvalid, secret.error()));
    home.content_ = crypto::ContentSecret::FromBytes(secret->span());
  }
  auto db = Database::Open(DbPath(dir), /*create=*/false);
  if (!db) return std::unexpected(db.error());
  home.db_ = std::make_unique<Database>(std::move(*db));
  auto household = ReadMeta(*home.db_, "household_id");
  auto device = ReadMeta(*home.db_, "device_id");
  if (!household || !device || household->size() != 32 || device->size() != 32) {
    return std::unexpected(Wrap(StoreErrc::kInvalid, dir + "/hearth.db has no household record "
                                                           "(an interrupted init?)"));
  }
  if (!std::equal(device->begin(), device->end(), home.key_->public_key().begin())) {
    return std::unexpected(Wrap(StoreErrc::kInvalid,
                                dir + "/device.key does not belong to this home's database"));
  }
  home.household_ = HouseholdId::From(std::span<const uint8_t, 32>(household->data(), 32));
  auto ledger = LedgerStore::Load(*home.db_, home.household_);
  if (!ledger) return std::unexpected(ledger.error());
  home.ledger_ = std::make_unique<LedgerStore>(std::move(*ledger));
  if (require_genesis && !home.ledger_->ledger().state().genesis) {
    return std::unexpected(
        Wrap(StoreErrc::kInvalid, dir + "/hearth.db has no genesis entry (an interrupted init?)"));
  }
  auto blobs = BlobStore::Open(dir);
  if (!blobs) return std::unexpected(blobs.error());
  home.blobs_ = std::make_unique<BlobStore>(std::move(*blobs));
  auto covers = BlobStore::Open(dir, "covers");
  if (!covers) return std::unexpected(covers.error());
  home.covers_ = std::make_unique<BlobStore>(std::move(*covers));
  return home;
}

}  // namespace hearth::store
