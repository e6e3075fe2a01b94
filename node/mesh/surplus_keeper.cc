#include "node/mesh/surplus_keeper.h"

#include "crypto/blob_cipher.h"
#include "node/store/mesh_tables.h"
#include "node/store/live_claims.h"

namespace hearth::mesh {
namespace {

constexpr int64_t kCacheKeepUs = 24LL * 3600 * 1'000'000;  // played or fetched within this: kept
constexpr size_t kMaxProofsInFlight = 32;
constexpr auto kSurplusEvery = std::chrono::seconds(30);  // besides when its inputs change

}  // namespace

SurplusKeeper::SurplusKeeper(MeshContext& ctx, PeerSessions& peers, HaveIndex& have, Fetcher& fetcher,
                             ChunkReads& reads, ReplicaPlacement& placement)
    : ctx_(ctx), peers_(peers), have_(have), fetcher_(fetcher), reads_(reads), placement_(placement) {}

void SurplusKeeper::Pass(const Placement& placement) {
  if (peers_.members().empty() || placement.copies == 0) return;
  const auto now = ctx_.SteadyNow();
  const bool proofs_expired = proofs_.Expire(now);
  const std::set<BlobId>& held = have_.local();

  // Whether this device lacks room for what it is assigned: then some
  // surplus goes sooner (replica_rules.h, PlanSurplus).
  store::SqlPlan& rows = placement_.rows();
  // What the assignments here lack in all changes only with the plan and
  // what is held (a read of every row assigned here): counted once for each.
  const std::string need_key = placement.key + "/" + std::to_string(have_.local_version());
  if (need_key != need_key_) {
    need_ = Shortfall(rows, ctx_.me(), held, 0);
    need_key_ = need_key;
  }
  const uint64_t room_left = placement_.RoomLeft();
  const uint64_t shortfall = need_ > room_left ? need_ - room_left : 0;

  // Which held blobs are surplus changes only with the placement and what is
  // held; HAVE sets and proofs (which change all the time while blobs move)
  // only decide whether those can go yet.
  const std::string placement_key =
      std::to_string(held.size()) + "/" + placement.key + (shortfall > 0 ? "/short" : "");
  std::string pass_key = placement_key + "/" + std::to_string(have_.version());
  for (const auto& [d, raw] : peers_.members()) pass_key += d.Hex().substr(0, 8);
  const bool periodic = now - last_surplus_ >= kSurplusEvery;
  if (!proofs_expired && !periodic && pass_key == pass_key_) return;
  pass_key_ = pass_key;
  if (periodic || placement_key != placement_key_) {
    placement_key_ = placement_key;
    last_surplus_ = now;
    bool unreadable = false;
    auto imported = [&](const BlobId& blob) {
      auto r = store::IsBlobClaimedBy(ctx_.home.db(), blob, ctx_.me());
      unreadable |= !r;
      return r.value_or(true);  // unknown: taken as ours, so kept
    };
    surplus_ = SurplusBlobs(imported, rows, ctx_.me(), held,
                            [this](const DeviceId& d) { return placement_.AvailabilityOf(d); }, shortfall > 0);
    if (auto e = rows.TakeError()) {
      ctx_.Log("policy: cannot read the placement: " + e->message + " (no surplus dropped this pass)");
      surplus_ = {};
      placement_key_.clear();
      return;
    }
    if (unreadable) ctx_.Log("policy: cannot read which claims are this device's (kept them all)");
    // An original kept in place is the user's file and costs the home
    // nothing: it is never surplus.
    const size_t kept = std::erase_if(surplus_.blobs, [this](const auto& kv) { return ctx_.home.blobs().IsInPlace(kv.first); });
    std::erase_if(surplus_.only_when_short, [this](const BlobId& b) { return ctx_.home.blobs().IsInPlace(b); });
    if (kept != kept_in_place_) {
      kept_in_place_ = kept;
      if (kept > 0)
        ctx_.Log("policy: keeps " + std::to_string(kept) +
                 " original(s) kept in place that the placement would let go (they are the user's files)");
    }
  }
  if (surplus_.blobs.empty()) return;

  std::set<BlobId> pinned;
  if (auto pins = store::ListPins(ctx_.home.db())) pinned.insert(pins->begin(), pins->end());
  std::map<BlobId, int64_t> access;
  if (auto times = store::BlobAccessTimes(ctx_.home.db())) access = std::move(*times);
  const SurplusPass pass = PlanSurplus(SurplusInputs{
      .surplus = surplus_,
      .shortfall = shortfall,
      .rows = rows,
      .keep =
          [&](const BlobId& blob) {
            if (!held.contains(blob) || pinned.contains(blob) || fetcher_.IsFetching(blob) ||
                reads_.IsBeingRead(blob) || proofs_.Promised(blob, now))
              return true;
            auto a = access.find(blob);
            return a != access.end() && ctx_.Now() - a->second < kCacheKeepUs;
          },
      .online = [this](const DeviceId& d) { return peers_.IsOnline(d); },
      .lists = [this](const DeviceId& d, const BlobId& b) { return have_.Lists(d, b); },
      .proofs = proofs_,
      .now = now,
  });
  for (const auto& [blob, d] : pass.ask) {
    if (proofs_.in_flight() >= kMaxProofsInFlight) break;
    peers_.SessionOf(d)->Send(MessageType::kProve,
                              EncodeProve(proofs_.Ask(blob, d, SealedChunks(rows.SizeOf(blob).value_or(0)), now)));
  }
  const std::vector<BlobId>& droppable = pass.drop;
  if (shortfall > 0 && !droppable.empty())
    ctx_.Log("policy: this device lacks " + std::to_string(shortfall) +
             " bytes for the blobs it is assigned; surplus makes way on one proved holder's word");

  size_t dropped = 0;
  for (const BlobId& blob : droppable) {
    const std::vector<DeviceId> holders = surplus_.blobs.at(blob);
    const uint64_t size = ctx_.home.blobs().SizeOf(blob).value_or(0);
    if (auto r = have_.Drop(blob); !r) {
      ctx_.Log("cannot drop surplus blob " + blob.ShortHex() + ": " + r.error());
      continue;
    }
    surplus_.blobs.erase(blob);
    surplus_.only_when_short.erase(blob);
    proofs_.ForgetBlob(blob);
    ++dropped;
    std::string names;
    for (const DeviceId& d : holders) names += (names.empty() ? "" : ", ") + ctx_.Name(d);
    ctx_.Log("policy: dropped surplus blob " + blob.ShortHex() + " (" + std::to_string(size) +
             " bytes); its assigned holder(s) " + names + (shortfall > 0 ? " (one at least)" : "") +
             " proved they hold it");
  }
  if (dropped > 0) have_.SendSetToAll();  // the others stop counting this device
}

void SurplusKeeper::OnProve(const DeviceId& from, const ProveRequest& prove) {
  Connection* c = peers_.SessionOf(from);
  if (!c) return;
  ProofReply reply{prove.blob, prove.chunk, prove.nonce, Possession::kLacks, {}};
  if (have_.HoldsLocally(prove.blob)) {
    auto chunk = ctx_.home.blobs().Read(prove.blob, uint64_t{prove.chunk} * crypto::kSealedChunkSize,
                                        crypto::kSealedChunkSize);
    if (chunk && !chunk->empty()) {
      reply.digest = ProofDigest(prove, *chunk);
      // Kept: assigned here. The promise holds whatever this device comes
      // to believe about placement before it runs out.
      const bool keep = placement_.rows().IsAssigned(prove.blob, ctx_.me());
      reply.possession = keep ? Possession::kHoldsAndKeeps : Possession::kHolds;
      if (keep) proofs_.Promise(prove.blob, ctx_.SteadyNow());
    }
  }
  c->Send(MessageType::kProof, EncodeProof(reply));
}

void SurplusKeeper::OnProof(const DeviceId& from, const ProofReply& proof) {
  auto ours = [this](const BlobId& blob, uint32_t chunk) -> std::optional<Bytes> {
    auto bytes =
        ctx_.home.blobs().Read(blob, uint64_t{chunk} * crypto::kSealedChunkSize, crypto::kSealedChunkSize);
    if (!bytes || bytes->empty()) return std::nullopt;
    return std::move(*bytes);
  };
  auto status = proofs_.OnAnswer(from, proof, ours, ctx_.SteadyNow());
  if (!status) return;  // not awaited: stray, late or replayed
  if (*status == PossessionProofs::Status::kFailed) {
    ctx_.Log(ctx_.Name(from) + " says it holds blob " + proof.blob.ShortHex() + " but " +
             (proof.possession == Possession::kLacks ? "could not read chunk " : "sent a wrong proof of chunk ") +
             std::to_string(proof.chunk) + "; not dropping this device's copy on its word");
  }
  pass_key_.clear();  // look again at the next policy tick
}

}  // namespace hearth::mesh
