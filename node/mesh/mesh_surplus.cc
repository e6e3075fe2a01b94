// MeshNode: dropping surplus replicas on full and storage devices.
//
// The policy assigns each blob to its `copies` highest-scoring eligible
// devices; whatever else a full or storage device holds is surplus (the
// copies it imported, replicas made while an assigned device was away). A
// surplus blob is dropped only once every assigned device is online, lists
// the blob in its HAVE set and proves it: asked for a chunk chosen at random
// (an ordinary READ), it must send bytes equal to ours. A device that claims
// a blob it cannot produce is not believed for a while, and nothing is
// dropped on its word.
//
// Why the last copy cannot go: the assigned devices all outrank this one in
// rendezvous score for the blob, so a device only ever drops a blob on the
// proof of higher-ranked holders; the highest-ranked device that holds it
// has none above it and keeps it, whatever each device thinks is online.
//
// Never dropped here: pinned blobs, blobs played or fetched on purpose in the
// last day (a full device's cache), blobs being read or fetched, and blobs no
// ledger claim names.
#include <algorithm>

#include "crypto/sodium.h"
#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "node/swarm/blob_torrent.h"

namespace hearth::mesh {
namespace {

constexpr int64_t kCacheKeepUs = 24LL * 3600 * 1'000'000;  // played or fetched within this: kept
constexpr auto kProofTimeout = std::chrono::seconds(20);      // an unanswered proof is asked again
constexpr auto kProofFresh = std::chrono::seconds(60);        // a confirmation counts this long
constexpr auto kDistrust = std::chrono::minutes(10);          // after a failed proof
constexpr size_t kMaxProofsInFlight = 32;
constexpr auto kSurplusEvery = std::chrono::seconds(30);  // besides when its inputs change

uint32_t RandomBelow(uint32_t n) {
  uint32_t r = 0;
  crypto::RandomBytes(&r, sizeof r);
  return n == 0 ? 0 : r % n;
}

}  // namespace

bool MeshNode::ExpireProofs(std::chrono::steady_clock::time_point now, size_t& in_flight) {
  // Unanswered proofs are forgotten (asked again), stale confirmations too,
  // failures once their distrust has passed.
  in_flight = 0;
  bool expired_any = false;
  for (auto it = proofs_.begin(); it != proofs_.end();) {
    const auto age = now - it->second.asked;
    const bool expired = (it->second.state == Proof::State::kPending && age > kProofTimeout) ||
                         (it->second.state == Proof::State::kConfirmed && age > kProofFresh) ||
                         (it->second.state == Proof::State::kFailed && age > kDistrust);
    if (expired) {
      it = proofs_.erase(it);
      expired_any = true;
      continue;
    }
    if (it->second.state == Proof::State::kPending) ++in_flight;
    ++it;
  }
  return expired_any;
}

void MeshNode::DropSurplus(const Placement& placement) {
  if (members_.empty() || placement.copies == 0) return;
  const auto now = std::chrono::steady_clock::now();
  size_t in_flight = 0;
  const bool proofs_expired = ExpireProofs(now, in_flight);

  // Which held blobs are surplus changes only with the placement, the ledger
  // and what is held; HAVE sets and proofs (which change all the time while
  // blobs move) only decide whether those can go yet.
  std::string placement_key = std::to_string(local_blobs_.size()) + "/" +
                              std::to_string(home_.ledger().ledger().size()) + "/" + std::to_string(placement.copies);
  for (const DeviceId& d : placement.eligible) placement_key += d.Hex().substr(0, 8);
  std::string pass_key = placement_key + "/" + std::to_string(have_version_);
  for (const auto& [d, raw] : members_) pass_key += d.Hex().substr(0, 8);
  const bool periodic = now - last_surplus_ >= kSurplusEvery;
  if (!proofs_expired && !periodic && pass_key == surplus_pass_key_) return;
  surplus_pass_key_ = pass_key;
  if (periodic || placement_key != surplus_placement_key_) {
    surplus_placement_key_ = placement_key;
    last_surplus_ = now;
    surplus_.clear();
    std::set<BlobId> claimed;
    for (const auto& [entry, claim] : home_.ledger().ledger().state().claims) claimed.insert(claim.claim().blob);
    for (const BlobId& blob : local_blobs_) {
      if (!claimed.contains(blob)) continue;
      auto assigned = placement.Assigned(blob);
      if (std::find(assigned.begin(), assigned.end(), home_.device_id()) == assigned.end())
        surplus_.emplace(blob, std::move(assigned));
    }
  }
  if (surplus_.empty()) return;

  std::set<BlobId> pinned;
  if (auto pins = store::ListPins(home_.db())) pinned.insert(pins->begin(), pins->end());
  std::map<BlobId, int64_t> access;
  if (auto times = store::BlobAccessTimes(home_.db())) access = std::move(*times);
  std::vector<BlobId> droppable;
  for (const auto& [blob, assigned] : surplus_) {
    if (!local_blobs_.contains(blob) || pinned.contains(blob) || fetches_.contains(blob) || IsBeingRead(blob)) continue;
    if (auto a = access.find(blob); a != access.end() && Now() - a->second < kCacheKeepUs) continue;
    bool all_confirmed = true;
    for (const DeviceId& d : assigned) {
      auto have = peer_blobs_.find(d);
      if (!members_.contains(d) || have == peer_blobs_.end() || !have->second.contains(blob)) {
        all_confirmed = false;  // away, or does not say it holds it: wait
        break;
      }
      auto p = proofs_.find({blob, d});
      if (p != proofs_.end()) {
        if (p->second.state != Proof::State::kConfirmed) all_confirmed = false;
        continue;
      }
      all_confirmed = false;
      if (in_flight >= kMaxProofsInFlight) continue;
      const uint64_t size = home_.blobs().SizeOf(blob).value_or(0);
      const auto chunks = static_cast<uint32_t>((size + swarm::kPieceSize - 1) / swarm::kPieceSize);
      if (chunks == 0) continue;
      Proof proof;
      proof.index = RandomBelow(chunks);
      proof.asked = now;
      proofs_[{blob, d}] = proof;
      ++in_flight;
      members_.at(d)->Send(MessageType::kRead, EncodeRead(ReadRequest{blob, proof.index, 1}));
    }
    if (all_confirmed) droppable.push_back(blob);
  }

  size_t dropped = 0;
  for (const BlobId& blob : droppable) {
    const std::vector<DeviceId> holders = surplus_.at(blob);
    const uint64_t size = home_.blobs().SizeOf(blob).value_or(0);
    if (auto r = DropLocalBlob(blob); !r) {
      Log("cannot drop surplus blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    surplus_.erase(blob);
    for (const DeviceId& d : holders) proofs_.erase({blob, d});
    ++dropped;
    std::string names;
    for (const DeviceId& d : holders) names += (names.empty() ? "" : ", ") + Name(d);
    Log("policy: dropped surplus blob " + blob.ShortHex() + " (" + std::to_string(size) +
        " bytes); its assigned holder(s) " + names + " proved they hold it");
  }
  if (dropped > 0)
    for (auto& [device, raw] : members_) SendHaveSet(*raw);  // the others stop counting this device
}

bool MeshNode::OnProofData(const DeviceId& peer, const ChunkData& data) {
  auto it = proofs_.find({data.blob, peer});
  if (it == proofs_.end() || it->second.state != Proof::State::kPending || it->second.index != data.index)
    return false;
  auto ours = home_.blobs().Read(data.blob, uint64_t{data.index} * swarm::kPieceSize, swarm::kPieceSize);
  if (!ours) {
    proofs_.erase(it);  // ours went away meanwhile; nothing to compare
    return true;
  }
  if (data.sealed && *data.sealed == *ours) {
    it->second.state = Proof::State::kConfirmed;
    surplus_pass_key_.clear();  // look again at the next policy tick
    return true;
  }
  it->second.state = Proof::State::kFailed;
  it->second.asked = std::chrono::steady_clock::now();
  Log(Name(peer) + " says it holds blob " + data.blob.ShortHex() + " but " +
      (data.sealed ? "sent different bytes for chunk " : "could not send chunk ") + std::to_string(data.index) +
      "; not dropping this device's copy on its word");
  return true;
}

}  // namespace hearth::mesh
