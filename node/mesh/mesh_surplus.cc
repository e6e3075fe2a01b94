// MeshNode: dropping surplus replicas on full and storage devices.
//
// The plan (mesh_placement.cc) assigns each blob to up to `copies` devices;
// whatever else a full or storage device holds is surplus (replicas made
// while an assigned device was away, copies it imported). A surplus blob is
// dropped only once every assigned device is online, lists the blob in its
// HAVE set and answers a possession proof (PROVE/PROOF: a digest of a chunk
// chosen at random under a fresh nonce) saying it keeps the blob. A device
// that keeps a blob promises not to drop it for kKeepPromise, and a proof
// counts for kProofCountsFor from when it was asked, so the prover still
// holds the blob whenever a copy is dropped on its word -- even when two
// devices disagree for a while about placement. A device whose proof fails
// is not believed about that blob for a while.
//
// Never dropped here: pinned blobs, blobs played or fetched on purpose in
// the last day (a full device's cache), blobs being read or fetched, blobs
// this device promised to keep, blobs no ledger claim names, blobs no
// device is assigned, and the copies this device imported unless every
// assigned holder is more available than this one (a laptop fetching a
// track does not make the PC that imported it let go).
#include <algorithm>

#include "crypto/blob_cipher.h"
#include "node/mesh/mesh_node.h"
#include "node/mesh/replica_rules.h"
#include "node/store/mesh_tables.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {
namespace {

constexpr int64_t kCacheKeepUs = 24LL * 3600 * 1'000'000;  // played or fetched within this: kept
constexpr size_t kMaxProofsInFlight = 32;
constexpr auto kSurplusEvery = std::chrono::seconds(30);  // besides when its inputs change

}  // namespace

void MeshNode::DropSurplus(const Placement& placement) {
  if (members_.empty() || placement.copies == 0) return;
  const auto now = SteadyNow();
  const bool proofs_expired = proofs_.Expire(now);

  // Whether this device lacks room for what it is assigned: then some
  // surplus goes sooner (replica_rules.h, PlanSurplus).
  const uint64_t shortfall = Shortfall(placement, home_.device_id(), local_blobs_, RoomLeft());

  // Which held blobs are surplus changes only with the placement and what is
  // held; HAVE sets and proofs (which change all the time while blobs move)
  // only decide whether those can go yet.
  const std::string placement_key =
      std::to_string(local_blobs_.size()) + "/" + placement.key + (shortfall > 0 ? "/short" : "");
  std::string pass_key = placement_key + "/" + std::to_string(have_version_);
  for (const auto& [d, raw] : members_) pass_key += d.Hex().substr(0, 8);
  const bool periodic = now - last_surplus_ >= kSurplusEvery;
  if (!proofs_expired && !periodic && pass_key == surplus_pass_key_) return;
  surplus_pass_key_ = pass_key;
  if (periodic || placement_key != surplus_placement_key_) {
    surplus_placement_key_ = placement_key;
    last_surplus_ = now;
    surplus_ = SurplusBlobs(home_.ledger().ledger().state(), placement, home_.device_id(), local_blobs_,
                            [this](const DeviceId& d) { return AvailabilityOf(d); }, shortfall > 0);
  }
  if (surplus_.blobs.empty()) return;

  std::set<BlobId> pinned;
  if (auto pins = store::ListPins(home_.db())) pinned.insert(pins->begin(), pins->end());
  std::map<BlobId, int64_t> access;
  if (auto times = store::BlobAccessTimes(home_.db())) access = std::move(*times);
  const SurplusPass pass = PlanSurplus(SurplusInputs{
      .surplus = surplus_,
      .shortfall = shortfall,
      .sizes = placement.sizes,
      .keep =
          [&](const BlobId& blob) {
            if (!local_blobs_.contains(blob) || pinned.contains(blob) || fetches_.contains(blob) ||
                IsBeingRead(blob) || proofs_.Promised(blob, now))
              return true;
            auto a = access.find(blob);
            return a != access.end() && Now() - a->second < kCacheKeepUs;
          },
      .online = [this](const DeviceId& d) { return members_.contains(d); },
      .lists =
          [this](const DeviceId& d, const BlobId& b) {
            auto have = peer_blobs_.find(d);
            return have != peer_blobs_.end() && have->second.contains(b);
          },
      .proofs = proofs_,
      .now = now,
  });
  for (const auto& [blob, d] : pass.ask) {
    if (proofs_.in_flight() >= kMaxProofsInFlight) break;
    members_.at(d)->Send(MessageType::kProve,
                         EncodeProve(proofs_.Ask(blob, d, SealedChunks(placement.sizes.at(blob)), now)));
  }
  const std::vector<BlobId>& droppable = pass.drop;
  if (shortfall > 0 && !droppable.empty())
    Log("policy: this device lacks " + std::to_string(shortfall) +
        " bytes for the blobs it is assigned; surplus makes way on one proved holder's word");

  size_t dropped = 0;
  for (const BlobId& blob : droppable) {
    const std::vector<DeviceId> holders = surplus_.blobs.at(blob);
    const uint64_t size = home_.blobs().SizeOf(blob).value_or(0);
    if (auto r = DropLocalBlob(blob); !r) {
      Log("cannot drop surplus blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    surplus_.blobs.erase(blob);
    surplus_.only_when_short.erase(blob);
    proofs_.ForgetBlob(blob);
    ++dropped;
    std::string names;
    for (const DeviceId& d : holders) names += (names.empty() ? "" : ", ") + Name(d);
    Log("policy: dropped surplus blob " + blob.ShortHex() + " (" + std::to_string(size) +
        " bytes); its assigned holder(s) " + names + (shortfall > 0 ? " (one at least)" : "") +
        " proved they hold it");
  }
  if (dropped > 0)
    for (auto& [device, raw] : members_) SendHaveSet(*raw);  // the others stop counting this device
}

}  // namespace hearth::mesh
