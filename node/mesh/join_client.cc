#include "node/mesh/join_client.h"

#include <algorithm>
#include <future>
#include <optional>
#include <thread>

#include "node/library/catalog.h"
#include "node/library/track_record.h"
#include "node/mesh/connection.h"
#include "node/mesh/endpoint.h"
#include "node/store/ledger_store.h"
#include "node/store/mesh_tables.h"
#include "protocol/ledger_entry.h"
#include "protocol/mesh_messages.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

// One attempt at one address; the io_context runs until it settles.
class Attempt {
 public:
  Attempt(asio::io_context& io, store::Home& home, const InviteCode& code, const std::string& device_name,
          const std::function<void(const std::string&)>& log, const crypto::DeviceKey* recovery_key)
      : io_(io), home_(home), code_(code), device_name_(device_name), recovery_key_(recovery_key), log_(log) {}

  void Run(const tcp::endpoint& ep) {
    address_ = FormatEndpoint(ep.address().to_string(), ep.port());
    auto socket = std::make_shared<tcp::socket>(io_);
    socket->async_connect(ep, [this, socket](boost::system::error_code ec) {
      if (ec) return Fail("cannot reach the inviting device at " + address_ + ": " + ec.message(), true);
      const DeviceId inviter = code_.inviter;
      conn_ = Connection::Create(io_, TcpTransport::Wrap(std::move(*socket)), home_.device_key(), code_.household,
                                 [inviter](const DeviceId& d) { return d == inviter; }, true);
      conn_->Start(Connection::Callbacks{
          .on_ready = [this] { OnReady(); },
          .on_frame = [this](Frame f) { OnFrame(std::move(f)); },
          .on_closed = [this](const std::string& why) {
            if (!result_) Fail("the inviting device at " + address_ + " ended the session: " + why, !admitted_);
          },
      });
    });
  }

  // While a big ledger arrives this side only receives: a PING now and then
  // tells the inviting device the session is alive (it ends silent ones).
  void KeepAlive() {
    if (admitted_ && conn_ && !result_) conn_->Send(MessageType::kPing, Bytes(8, 0));
  }

  // Set once settled: success, or an error with whether another address may help.
  std::optional<std::expected<JoinOutcome, std::string>> result_;
  bool retryable_ = false;
  // When the inviting device was last heard from: a big ledger takes as long
  // as it takes, but silence ends the attempt.
  std::chrono::steady_clock::time_point heard_ = std::chrono::steady_clock::now();

 private:
  void OnReady() {
    JoinRequest j;
    j.invite_id = InviteIdOf(code_.secret);
    j.proof = JoinProof(code_.secret, code_.household, code_.inviter, home_.device_id());
    j.device_name = device_name_;
    if (recovery_key_) {
      j.recovery = JoinRecovery{recovery_key_->public_key(),
                                recovery_key_->Sign(RecoveryJoinProofBytes(code_.household, home_.device_id(),
                                                                           j.invite_id))};
    }
    conn_->Send(MessageType::kJoin, EncodeJoin(j));
  }

  void OnFrame(Frame f) {
    heard_ = std::chrono::steady_clock::now();
    switch (static_cast<MessageType>(f.type)) {
      case MessageType::kError: {
        auto e = DecodeError(f.payload);
        return Fail(e ? e->second : "the inviting device refused (malformed error)", false);
      }
      case MessageType::kWelcome: {
        auto w = DecodeWelcome(f.payload);
        if (!w) return Fail("bad welcome from the inviting device: " + w.error(), false);
        admitted_ = true;
        outcome_.role = w->role;
        if (w->content_secret) {
          auto saved = home_.SaveContentSecret(crypto::ContentSecret::FromBytes(*w->content_secret));
          sodium_memzero(w->content_secret->data(), 32);
          if (!saved) return Fail("cannot store the content secret: " + saved.error().message, false);
        }
        Hello h;  // nothing yet: every entry is missing
        conn_->Send(MessageType::kHello, EncodeHello(h));
        return;
      }
      case MessageType::kHello: {
        auto h = DecodeHello(f.payload);
        if (!h) return Fail("bad hello from the inviting device: " + h.error(), false);
        inviter_control_port_ = h->control_port;
        conn_->Send(MessageType::kSynced, {});
        return;
      }
      case MessageType::kEntries: {
        auto batch = DecodeEntryBatch(f.payload);
        if (!batch) return Fail("bad entries from the inviting device: " + batch.error(), false);
        auto next = std::make_unique<Checking>();
        for (const Bytes& bytes : *batch)
          if (auto e = DecodeEntry(bytes); e) next->entries.push_back(std::move(*e));
        // This batch is checked (and its claims opened) on other threads
        // while the one before is stored.
        next->records.resize(next->entries.size());
        next->verified = std::async(std::launch::async, [b = next.get(), secret = home_.content_secret(),
                                                         household = code_.household] {
          return CheckBatch(*b, secret, household);
        });
        if (!StoreChecked()) return;
        checking_ = std::move(next);
        return;
      }
      case MessageType::kSynced:
        if (!StoreChecked() || !Commit()) return;
        if (recovery_key_) return AddSelf();
        return Finish();
      case MessageType::kPing:
        conn_->Send(MessageType::kPong, f.payload);
        return;
      case MessageType::kPong:
        // The inviter answers in order: it has taken this device's entry.
        if (awaiting_pong_ && f.payload == kAddedNonce) return Finish();
        return;
      default:
        return;  // have-sets, tokens, pings: for `hearth serve`, not for joining
    }
  }

  // Joining with the recovery key: this device's first entry adds it as an
  // admin (a recovery.use that joins); the inviter gets it, then a PING,
  // whose PONG says it was taken.
  void AddSelf() {
    const crypto::DeviceKey& key = *recovery_key_;
    const DeviceId me = home_.device_id();
    const HouseholdId household = code_.household;
    const Role role = outcome_.role;
    const std::string name = device_name_;
    auto e = home_.ledger().Author(
        home_.device_key(),
        [&](uint64_t seq) -> Body {
          return RecoveryUse{key.public_key(), key.Sign(RecoveryProofBytes(household, me, seq)),
                             RecoveryJoin{role, name}};
        },
        SystemNowMicros());
    if (!e) return Fail("the recovery key did not add this device: " + e.error().Message(), false);
    outcome_.recovered = true;
    for (Bytes& batch : EncodeEntryBatches({e->bytes})) conn_->Send(MessageType::kEntries, std::move(batch));
    awaiting_pong_ = true;
    conn_->Send(MessageType::kPing, kAddedNonce);
  }

  // Stores the batch whose signatures are being checked, once they are.
  // False (and the attempt failed) when the write fails.
  bool StoreChecked() {
    if (!checking_) return true;
    std::unique_ptr<Checking> batch = std::move(checking_);
    // Many batches to a transaction: every commit writes each B-tree page
    // the batches touched, and the search index merges its segments.
    if (!open_) {
      if (auto begun = home_.db().Exec("BEGIN IMMEDIATE"); !begun) {
        Fail("cannot store the ledger: " + begun.error().message, false);
        return false;
      }
      open_ = true;
    }
    auto tx = home_.ledger().AppendVerifiedBatch(batch->entries, batch->verified.get());
    if (!tx) {
      Fail("cannot store the ledger: " + tx.error().message, false);
      return false;
    }
    for (size_t i = 0; i < tx->size(); ++i) {
      const auto& why = (*tx)[i];
      if (!why || why->kept) ++outcome_.entries;
      if (!why && batch->records[i]) listing_.push_back(std::move(*batch->records[i]));
    }
    uncommitted_ += batch->entries.size();
    if (uncommitted_ >= kCommitEvery && !Commit()) return false;
    // A big ledger takes a while: say how far it got now and then.
    if (const auto now = std::chrono::steady_clock::now(); log_ && now - said_progress_ >= kProgressEvery) {
      said_progress_ = now;
      log_("received " + std::to_string(outcome_.entries) + " ledger entries so far");
    }
    return true;
  }

  // Lists the tracks of the claims accepted so far -- while the rest of the
  // ledger arrives, not after it -- and commits. False (and the attempt
  // failed) when the write fails.
  bool Commit() {
    auto added = library::Catalog(home_.db()).AddAccepted(listing_);
    listing_.clear();
    if (!added) {
      Fail("cannot list the tracks: " + added.error().message, false);
      return false;
    }
    if (!open_) return true;
    open_ = false;
    uncommitted_ = 0;
    if (auto done = home_.db().Exec("COMMIT"); !done) {
      (void)home_.db().Exec("ROLLBACK");
      Fail("cannot store the ledger: " + done.error().message, false);
      return false;
    }
    return true;
  }

  void Finish() {
    const LedgerState& state = home_.ledger().ledger().state();
    auto me = state.members.find(home_.device_id());
    if (!state.genesis || me == state.members.end())
      return Fail("the inviting device sent a ledger that does not list this device", false);
    if (me->second.role != outcome_.role)
      return Fail("the ledger lists this device with another role than the welcome said", false);
    outcome_.household_name = state.household_name;
    auto inviter = state.members.find(code_.inviter);
    outcome_.inviter_name = inviter == state.members.end() ? "" : inviter->second.name;
    outcome_.inviter_address = address_;
    store::PeerRecord peer;
    peer.device = code_.inviter;
    peer.host = conn_->remote_host();
    peer.control_port = inviter_control_port_ ? inviter_control_port_ : conn_->remote_port();
    (void)store::SavePeer(home_.db(), peer);
    if (log_ && outcome_.entries >= kBigLedger)
      log_("received all " + std::to_string(outcome_.entries) + " ledger entries; listing the tracks");
    library::Catalog catalog(home_.db());
    (void)catalog.Sync(state, home_.content_secret());
    result_ = outcome_;
    conn_->Close("joined");
    io_.stop();
  }

  void Fail(const std::string& why, bool retryable) {
    if (open_) {  // the staged home is thrown away; nothing half-written stays open
      open_ = false;
      (void)home_.db().Exec("ROLLBACK");
    }
    if (result_) return;
    result_ = std::unexpected(why);
    retryable_ = retryable;
    if (conn_) conn_->Close(why);
    io_.stop();
  }

  // A received batch and its check, running on other threads; the future
  // is destroyed -- waited for -- first. `records` is written by the check
  // and read once the future is ready.
  struct Checking {
    std::vector<SignedEntry> entries;
    std::vector<std::optional<library::TrackRecord>> records;  // per entry: a claim whose details opened
    std::future<std::vector<char>> verified;
  };

  // Verifies every signature, and opens the details of each verified track
  // claim (with the content secret, when this device has it), on every
  // core. Pure CPU over `b.entries`; fills `b.records`.
  static std::vector<char> CheckBatch(Checking& b, const crypto::ContentSecret* secret,
                                      const HouseholdId& household) {
    std::vector<char> verified(b.entries.size(), 0);
    const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
    auto work = [&](size_t first) {
      for (size_t i = first; i < b.entries.size(); i += threads) {
        const SignedEntry& e = b.entries[i];
        verified[i] = VerifyEntrySignature(e);
        const auto* claim = std::get_if<TrackClaim>(&e.entry.body);
        if (!verified[i] || !secret || !claim) continue;
        auto details = OpenClaimDetails(*secret, household, e.entry.author, claim->blob, claim->sealed_details);
        if (!details) continue;  // listed as unreadable by the final Sync
        const store::LiveClaim live{e.id, e.entry.author, e.entry.time_us, claim->blob, claim->plaintext_length};
        b.records[i] = library::MakeRecord(live, *details);
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    return verified;
  }

  asio::io_context& io_;
  store::Home& home_;
  const InviteCode& code_;
  std::string device_name_;
  const crypto::DeviceKey* recovery_key_;
  bool awaiting_pong_ = false;
  inline static const Bytes kAddedNonce = Bytes(8, 0xA5);
  std::string address_;
  std::shared_ptr<Connection> conn_;
  bool admitted_ = false;
  uint16_t inviter_control_port_ = 0;
  JoinOutcome outcome_;
  std::unique_ptr<Checking> checking_;
  std::vector<library::TrackRecord> listing_;  // accepted, not yet listed
  bool open_ = false;        // a transaction is open (BEGIN in StoreChecked)
  size_t uncommitted_ = 0;   // entries stored in it
  static constexpr size_t kCommitEvery = 20'000;
  const std::function<void(const std::string&)>& log_;
  static constexpr auto kProgressEvery = std::chrono::seconds(3);
  static constexpr size_t kBigLedger = 10'000;  // worth a word before listing
  std::chrono::steady_clock::time_point said_progress_ = std::chrono::steady_clock::now();
};

}  // namespace

std::expected<JoinOutcome, std::string> JoinHousehold(store::Home& home, const InviteCode& code,
                                                      const std::string& device_name,
                                                      const std::vector<std::string>& extra,
                                                      std::chrono::seconds timeout,
                                                      std::function<void(const std::string&)> log,
                                                      const crypto::DeviceKey* recovery_key) {
  std::vector<std::string> addresses = extra;
  for (const InviteAddress& a : code.addresses) addresses.push_back(a.ToString());
  if (addresses.empty()) return std::unexpected("the invite code names no address; pass --peer HOST:PORT");
  std::string last_error;
  for (const std::string& text : addresses) {
    auto ep = ParseEndpoint(text, false);
    if (!ep) return std::unexpected("--peer " + text + ": " + ep.error());
    if (log) log("contacting the inviting device at " + text);
    asio::io_context io;
    Attempt attempt(io, home, code, device_name, log, recovery_key);
    attempt.Run(*ep);
    auto pinged = std::chrono::steady_clock::now();
    while (!attempt.result_ && std::chrono::steady_clock::now() - attempt.heard_ < timeout && !io.stopped()) {
      io.run_for(std::chrono::milliseconds(200));
      if (std::chrono::steady_clock::now() - pinged > std::chrono::seconds(10)) {
        pinged = std::chrono::steady_clock::now();
        attempt.KeepAlive();
      }
    }
    if (!attempt.result_)
      return std::unexpected("no answer from " + text + " for " + std::to_string(timeout.count()) + " s");
    if (*attempt.result_) return **attempt.result_;
    last_error = attempt.result_->error();
    if (!attempt.retryable_) break;
  }
  return std::unexpected(last_error);
}

}  // namespace hearth::mesh
