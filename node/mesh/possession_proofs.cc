#include "node/mesh/possession_proofs.h"

#include <sodium.h>

#include "crypto/sodium.h"

namespace hearth::mesh {

void PossessionProofs::DefaultRandom(void* out, size_t size) { crypto::RandomBytes(out, size); }

PossessionProofs::Status PossessionProofs::StatusOf(const BlobId& blob, const DeviceId& device, Time now) const {
  auto it = asked_.find({blob, device});
  if (it == asked_.end()) return Status::kNone;
  const auto age = now - it->second.asked;
  switch (it->second.status) {
    case Status::kPending: return age > kAnswerWithin ? Status::kNone : Status::kPending;
    case Status::kConfirmed:
    case Status::kNotKept: return age > kProofCountsFor ? Status::kNone : it->second.status;
    case Status::kFailed: return age > kDistrust ? Status::kNone : Status::kFailed;
    case Status::kNone: break;
  }
  return Status::kNone;
}

ProveRequest PossessionProofs::Ask(const BlobId& blob, const DeviceId& device, uint32_t chunks, Time now) {
  ProveRequest r;
  r.blob = blob;
  uint32_t pick = 0;
  random_(&pick, sizeof pick);
  r.chunk = chunks == 0 ? 0 : pick % chunks;
  random_(r.nonce.data(), r.nonce.size());
  asked_[{blob, device}] = Asked{r, now, Status::kPending};
  return r;
}

std::optional<PossessionProofs::Status> PossessionProofs::OnAnswer(
    const DeviceId& device, const ProofReply& reply,
    const std::function<std::optional<Bytes>(const BlobId&, uint32_t)>& our_chunk, Time now) {
  auto it = asked_.find({reply.blob, device});
  if (it == asked_.end() || it->second.status != Status::kPending || it->second.request.nonce != reply.nonce ||
      it->second.request.chunk != reply.chunk)
    return std::nullopt;
  Asked& a = it->second;
  if (reply.possession == Possession::kLacks) {
    a.status = Status::kFailed;
    a.asked = now;
    return a.status;
  }
  const auto ours = our_chunk(reply.blob, reply.chunk);
  if (!ours) {
    asked_.erase(it);  // nothing to compare with: we no longer hold it
    return Status::kNone;
  }
  const crypto::Digest expected = ProofDigest(a.request, *ours);
  if (sodium_memcmp(expected.data(), reply.digest.data(), expected.size()) != 0) {
    a.status = Status::kFailed;
    a.asked = now;  // distrust counts from the failure
    return a.status;
  }
  // A confirmation counts from when it was asked (the prover's promise
  // started later than that), so `asked` stays.
  a.status = reply.possession == Possession::kHoldsAndKeeps ? Status::kConfirmed : Status::kNotKept;
  return a.status;
}

bool PossessionProofs::Expire(Time now) {
  bool any = false;
  for (auto it = asked_.begin(); it != asked_.end();) {
    if (StatusOf(it->first.first, it->first.second, now) == Status::kNone) {
      it = asked_.erase(it);
      any = true;
    } else {
      ++it;
    }
  }
  std::erase_if(promised_until_, [&](const auto& p) { return p.second <= now; });
  return any;
}

size_t PossessionProofs::in_flight() const {
  size_t n = 0;
  for (const auto& [key, a] : asked_) n += a.status == Status::kPending;
  return n;
}

void PossessionProofs::ForgetDevice(const DeviceId& device) {
  std::erase_if(asked_, [&](const auto& p) { return p.first.second == device; });
}

void PossessionProofs::ForgetBlob(const BlobId& blob) {
  std::erase_if(asked_, [&](const auto& p) { return p.first.first == blob; });
}

void PossessionProofs::Promise(const BlobId& blob, Time now) {
  auto& until = promised_until_[blob];
  until = std::max(until, now + kKeepPromise);
}

bool PossessionProofs::Promised(const BlobId& blob, Time now) const {
  auto it = promised_until_.find(blob);
  return it != promised_until_.end() && it->second > now;
}

}  // namespace hearth::mesh
