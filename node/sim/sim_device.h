// SimDevice: one simulated full or storage device of a household. It keeps
// what a node keeps -- its ledger, the blobs it holds, its time online, what
// the others reported -- and decides what a node decides with the node's own
// code: the ledger (protocol/ledger.h), placement and the surplus rules
// (node/mesh/replica_rules.h), possession proofs (node/mesh/possession_proofs.h),
// room and the free-space floor (node/mesh/local_room.h), and the STATE,
// PROVE and PROOF encodings. Sessions, the network and blob transfers are
// the simulator's (SimNetwork); blob bytes are stand-ins (stand_in_bytes.h).
//
// A crash loses what a node keeps in memory (sessions, HAVE sets, proofs,
// fetches under way, promises) and keeps what its store keeps.
// One thread; driven by the simulator's event queue.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/signing.h"
#include "node/mesh/local_room.h"
#include "node/mesh/possession_proofs.h"
#include "node/mesh/replica_rules.h"
#include "node/sim/event_queue.h"
#include "node/sim/sim_random.h"
#include "protocol/ledger.h"

namespace hearth::sim {

enum class MessageKind { kHello, kEntries, kHave, kState, kProve, kProof };

// What travels over a simulated session. HELLO, ENTRIES and HAVE carry
// values; STATE, PROVE and PROOF the real encodings (so a lying device can
// send bytes no honest one would).
struct Message {
  MessageKind kind = MessageKind::kHello;
  std::vector<AuthorHead> heads;
  std::vector<SignedEntry> entries;
  std::set<BlobId> have;
  Bytes payload;
};

// What a device asks of the simulated world. Devices are named by index.
class SimNetwork {
 public:
  virtual ~SimNetwork() = default;
  virtual int64_t now() const = 0;
  // Runs `fn` after `delay_us` of simulated time.
  virtual void After(int64_t delay_us, std::function<void()> fn) = 0;
  // Queues `m` on the session from -> to; lost when there is none or it ends
  // before delivery.
  virtual void Send(int from, int to, Message m) = 0;
  // Starts a transfer of `blob` from `source` to `to` over their session;
  // ends in SimDevice::OnBlob or OnFetchFailed on `to`. False: no session.
  virtual bool StartFetch(int to, int source, const BlobId& blob) = 0;
  virtual void Trace(int device, const std::string& line) = 0;
  // `device` deletes its copy of `blob` on the word of the devices its plan
  // assigns it, all of them or (`short_of_room`) one at least; the checks
  // look before it goes.
  virtual void WillDrop(int device, const BlobId& blob, bool short_of_room) = 0;
  // `device` sends something to `to` (a message, blob bytes): checks that
  // `to` is not a device the sender knows to be revoked.
  virtual void WillSendTo(int device, int to) = 0;
  // Ends the session between the two (both hear OnSessionDown).
  virtual void Close(int a, int b) = 0;
};

struct SimDeviceConfig {
  std::string name;
  uint64_t disk_total = 0;
  uint64_t other_used = 0;  // bytes on the disk that are not the household's blobs
  mesh::FreeSpaceFloor floor;
  int64_t clock_offset_us = 0;               // its wall clock minus true time at the start
  int64_t drift_ppm = 0;                     // and how fast it runs off (parts per million)
  std::map<int64_t, int64_t> prior_uptime;   // day -> online seconds before the run
  std::optional<int64_t> first_online_us;
  // Lies: lists every claimed blob in HAVE, answers PROVE for blobs it
  // lacks, serves garbage, and now and then reports an impossible
  // availability.
  bool liar = false;
};

class SimDevice {
 public:
  static constexpr int64_t kTickUs = 5'000'000;
  static constexpr int64_t kAwayUs = 600'000'000;  // serve --away-after's default
  static constexpr size_t kMaxFetches = 8;
  static constexpr size_t kMaxProofsInFlight = 32;
  // Its wall clock at the run's start: 2026-11-30 00:00 UTC.
  static constexpr int64_t kStartWallUs = 1'796'083'200'000'000;

  SimDevice(int index, crypto::DeviceKey key, const HouseholdId& household, SimDeviceConfig config, SimNetwork& net,
            SimRandom random);

  // Store: entries known before the run (genesis, adds), as pairing gives them.
  void Install(const std::vector<SignedEntry>& log);
  // Writes an entry of its own (an import, a policy, a revocation) and sends
  // it to every session.
  void Write(Body body);
  // An import: the blob is claimed and held here (if the disk takes it).
  bool Import(const BlobId& blob, uint64_t plaintext_length);

  void Boot();   // comes online (after a crash, an absence or at start)
  void Crash();  // goes down, losing what is only in memory
  void Tick();   // the node's work loop (every kTickUs while up)

  // Sessions, as the network reports them.
  bool Admits(int peer, const DeviceId& id) const;  // would accept a session
  void OnSessionUp(int peer, const DeviceId& id);
  void OnSessionDown(int peer);
  void OnMessage(int peer, const Message& m);
  // Transfers: the source's side, then the receiving side.
  enum class Serve { kGood, kGarbage, kRefused };
  Serve ServeBlob(const DeviceId& to, const BlobId& blob) const;
  void OnBlob(const BlobId& blob, bool verified);
  void OnFetchFailed(const BlobId& blob);

  // What the checks look at.
  int index() const { return index_; }
  const DeviceId& id() const { return id_; }
  const std::string& name() const { return config_.name; }
  bool up() const { return up_; }
  bool liar() const { return config_.liar; }
  const Ledger& ledger() const { return ledger_; }
  const std::vector<SignedEntry>& log() const { return log_; }
  bool Holds(const BlobId& blob) const { return held_.contains(blob); }
  const std::set<BlobId>& held() const { return held_; }
  uint64_t HeldBytes() const;
  uint64_t FreeBytes() const;
  const SimDeviceConfig& config() const { return config_; }
  SimDeviceConfig& mutable_config() { return config_; }
  const mesh::Placement& placement() const { return placement_; }
  const MemoryPlan& plan() const { return plan_; }
  std::optional<DeviceState> own_state() const { return state_sent_; }
  size_t fetching() const { return fetches_.size(); }
  uint64_t bytes_fetched() const { return bytes_fetched_; }
  uint64_t rejected_blobs() const { return rejected_; }
  // How often it dropped each blob (a blob going back and forth is churn).
  const std::map<BlobId, int>& drops_of() const { return drops_of_; }

 private:
  int64_t WallNow() const;  // this device's clock
  mesh::PossessionProofs::Time Steady() const;
  bool IsUnrevokedMember(const DeviceId& d) const;
  void Trace(const std::string& line) const { net_.Trace(index_, line); }
  void SendTo(int peer, Message m);
  void Broadcast(const Message& m);
  Message HaveMessage() const;
  Message StateMessage();
  void AcceptEntries(int from, const std::vector<SignedEntry>& entries);
  bool Keep(const SignedEntry& e);  // into the ledger and the log; false when dropped
  void CloseRevoked();
  void RecordUptime();
  DeviceState LocalState() const;
  void StateTick(bool force);
  const mesh::Placement& CurrentPlacement();
  void DriveFetches();
  void DropSurplus();
  void OnProve(int peer, ByteSpan payload);
  void OnProof(int peer, ByteSpan payload);
  uint64_t SizeOf(const BlobId& blob) const;
  uint64_t PendingBytes() const;

  int index_;
  crypto::DeviceKey key_;
  DeviceId id_;
  SimDeviceConfig config_;
  SimNetwork& net_;
  SimRandom random_;

  // Its store: survives a crash.
  Ledger ledger_;
  std::vector<SignedEntry> log_;
  std::map<EntryId, size_t> log_index_;
  std::set<BlobId> held_;
  std::map<int64_t, int64_t> uptime_;  // day -> online seconds
  std::map<DeviceId, DeviceState> reports_;
  std::map<DeviceId, int64_t> last_seen_;
  std::optional<uint16_t> reported_availability_;  // in its last STATE (hysteresis)

  // Memory: lost in a crash.
  bool up_ = false;
  std::map<int, DeviceId> sessions_;  // by peer index
  std::set<int> state_heard_;         // sessions that sent a STATE
  int64_t booted_at_ = 0;
  int64_t last_session_at_ = 0;
  std::map<DeviceId, int> index_of_;
  std::map<DeviceId, std::set<BlobId>> peer_have_;
  mesh::PossessionProofs proofs_;
  mesh::Placement placement_;
  MemoryPlan plan_;  // its rows
  std::optional<DeviceState> state_sent_;
  std::map<BlobId, int> fetches_;  // blob -> source index
  std::map<BlobId, int64_t> retry_after_;
  std::map<std::pair<BlobId, DeviceId>, int64_t> bad_source_until_;
  std::vector<BlobId> wanted_;  // assigned here, not held (as of wanted_key_)
  std::string wanted_key_;
  mesh::Surplus surplus_;  // as of surplus_key_
  std::string surplus_key_;
  int64_t surplus_at_ = 0;
  int64_t last_uptime_ = 0;
  int64_t last_state_ = INT64_MIN / 2;
  uint64_t epoch_ = 0;  // bumped by each crash: ticks of an earlier life stop

  uint64_t bytes_fetched_ = 0;
  uint64_t rejected_ = 0;
  std::map<BlobId, int> drops_of_;
};

}  // namespace hearth::sim
