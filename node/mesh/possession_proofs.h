// Possession proofs, both ways, for dropping surplus replicas safely
// (protocol/mesh_format.md, "Replica placement").
//
// Asking: before a device drops a copy the placement does not assign to it,
// every assigned holder must answer a PROVE for a random chunk with the right
// digest *and* say it keeps the blob. An answer counts for kProofCountsFor
// from when it was asked; a wrong or empty one makes that device untrusted
// for the blob for kDistrust.
// Promising: a device that answers "keeps" does not drop the blob for
// kKeepPromise, whatever it comes to believe about placement meanwhile -- so
// two devices can never each drop their copy on the other's word.
//
// Plain state, no I/O: the caller sends the requests, reads its own chunks
// and passes the time in. One thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>

#include "crypto/bytes.h"
#include "protocol/ids.h"
#include "protocol/placement_messages.h"

namespace hearth::mesh {

class PossessionProofs {
 public:
  using Time = std::chrono::steady_clock::time_point;
  // Fills `size` bytes at `out` with unpredictable bytes: libsodium's by
  // default; the simulator passes a seeded generator so a run replays.
  using RandomFn = std::function<void(void* out, size_t size)>;
  explicit PossessionProofs(RandomFn random = DefaultRandom) : random_(std::move(random)) {}
  static void DefaultRandom(void* out, size_t size);

  static constexpr auto kAnswerWithin = std::chrono::seconds(20);  // then asked again
  static constexpr auto kDistrust = std::chrono::minutes(10);     // after a failed proof

  enum class Status {
    kNone,       // never asked, or forgotten: ask
    kPending,    // asked, no answer yet
    kConfirmed,  // holds it, keeps it, answered within kProofCountsFor
    kNotKept,    // holds it but may drop it: not a holder to drop on
    kFailed,     // a wrong or empty answer: not believed for kDistrust
  };
  Status StatusOf(const BlobId& blob, const DeviceId& device, Time now) const;

  // A new request to send `device` for one chunk (of `chunks`) of `blob`;
  // records it as pending. Nonce and chunk come from the RandomFn.
  ProveRequest Ask(const BlobId& blob, const DeviceId& device, uint32_t chunks, Time now);

  // An answer from `device`. `our_chunk` reads our own sealed chunk (nullopt:
  // we no longer hold it). Returns the new status, or nullopt when nothing
  // was awaited from `device` with that nonce (a stray or replayed answer).
  std::optional<Status> OnAnswer(const DeviceId& device, const ProofReply& reply,
                                 const std::function<std::optional<Bytes>(const BlobId&, uint32_t)>& our_chunk,
                                 Time now);

  // Proofs that aged out are forgotten. Returns whether any did.
  bool Expire(Time now);
  size_t in_flight() const;
  // A device's session ended, or a blob was dropped or announced anew.
  void ForgetDevice(const DeviceId& device);
  void ForgetBlob(const BlobId& blob);
  void ForgetPair(const BlobId& blob, const DeviceId& device) { asked_.erase({blob, device}); }

  // The prover's side: this device said it keeps `blob` at `now`.
  void Promise(const BlobId& blob, Time now);
  bool Promised(const BlobId& blob, Time now) const;

 private:
  struct Asked {
    ProveRequest request;
    Time asked{};
    Status status = Status::kPending;
  };
  RandomFn random_;
  std::map<std::pair<BlobId, DeviceId>, Asked> asked_;
  std::map<BlobId, Time> promised_until_;
};

}  // namespace hearth::mesh
