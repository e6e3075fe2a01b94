// Possession proofs: when a surplus copy may be dropped on another device's
// word, and when that device must keep its own.
#include "node/mesh/possession_proofs.h"

#include <gtest/gtest.h>

namespace hearth::mesh {
namespace {

using Status = PossessionProofs::Status;
using Clock = std::chrono::steady_clock;

class PossessionProofsTest : public ::testing::Test {
 protected:
  PossessionProofsTest() {
    blob_.bytes.fill(1);
    device_.bytes.fill(2);
    chunk_ = Bytes(65536, 0x42);
  }
  std::optional<Bytes> Ours(const BlobId&, uint32_t) { return chunk_; }
  ProofReply Answer(const ProveRequest& r, Possession p, const Bytes& chunk) {
    return ProofReply{r.blob, r.chunk, r.nonce, p, p == Possession::kLacks ? crypto::Digest{} : ProofDigest(r, chunk)};
  }
  std::optional<Status> Deliver(const ProofReply& reply, Clock::time_point at) {
    return proofs_.OnAnswer(device_, reply, [this](const BlobId& b, uint32_t i) { return Ours(b, i); }, at);
  }

  PossessionProofs proofs_;
  BlobId blob_;
  DeviceId device_;
  Bytes chunk_;
  Clock::time_point t0_ = Clock::now();
};

TEST_F(PossessionProofsTest, ARightAnswerThatKeepsConfirmsForAMinuteFromTheAsking) {
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_), Status::kNone);
  const ProveRequest r = proofs_.Ask(blob_, device_, 20, t0_);
  EXPECT_LT(r.chunk, 20u);
  EXPECT_EQ(proofs_.in_flight(), 1u);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_), Status::kPending);
  EXPECT_EQ(Deliver(Answer(r, Possession::kHoldsAndKeeps, chunk_), t0_ + std::chrono::seconds(5)), Status::kConfirmed);
  EXPECT_EQ(proofs_.in_flight(), 0u);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_ + kProofCountsFor), Status::kConfirmed);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_ + kProofCountsFor + std::chrono::seconds(1)), Status::kNone)
      << "counted from the asking, so it always ends before the prover's promise";
  EXPECT_LT(kProofCountsFor, kKeepPromise);
}

TEST_F(PossessionProofsTest, HoldingWithoutKeepingIsNotEnoughToDropOn) {
  const ProveRequest r = proofs_.Ask(blob_, device_, 1, t0_);
  EXPECT_EQ(Deliver(Answer(r, Possession::kHolds, chunk_), t0_), Status::kNotKept);
}

TEST_F(PossessionProofsTest, WrongBytesOrNothingMeansDistrustForTenMinutes) {
  const ProveRequest r = proofs_.Ask(blob_, device_, 4, t0_);
  Bytes damaged = chunk_;
  damaged[100] ^= 1;
  EXPECT_EQ(Deliver(Answer(r, Possession::kHoldsAndKeeps, damaged), t0_), Status::kFailed);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_ + std::chrono::minutes(9)), Status::kFailed);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_ + std::chrono::minutes(11)), Status::kNone);

  const ProveRequest again = proofs_.Ask(blob_, device_, 4, t0_);
  EXPECT_EQ(Deliver(Answer(again, Possession::kLacks, chunk_), t0_), Status::kFailed);
}

TEST_F(PossessionProofsTest, StrayReplayedOrUnaskedAnswersAreIgnored) {
  const ProveRequest r = proofs_.Ask(blob_, device_, 4, t0_);
  ProofReply other_nonce = Answer(r, Possession::kHoldsAndKeeps, chunk_);
  other_nonce.nonce[0] ^= 1;
  EXPECT_EQ(Deliver(other_nonce, t0_), std::nullopt);
  ProofReply other_chunk = Answer(r, Possession::kHoldsAndKeeps, chunk_);
  other_chunk.chunk += 1;
  EXPECT_EQ(Deliver(other_chunk, t0_), std::nullopt);
  const ProofReply good = Answer(r, Possession::kHoldsAndKeeps, chunk_);
  EXPECT_EQ(Deliver(good, t0_), Status::kConfirmed);
  EXPECT_EQ(Deliver(good, t0_), std::nullopt) << "a replayed answer changes nothing";
  DeviceId stranger;
  stranger.bytes.fill(9);
  EXPECT_EQ(proofs_.OnAnswer(stranger, good, [this](const BlobId& b, uint32_t i) { return Ours(b, i); }, t0_),
            std::nullopt);
}

TEST_F(PossessionProofsTest, UnansweredProofsAreAskedAgainAndForgettingWorks) {
  proofs_.Ask(blob_, device_, 4, t0_);
  EXPECT_FALSE(proofs_.Expire(t0_ + std::chrono::seconds(10)));
  EXPECT_TRUE(proofs_.Expire(t0_ + std::chrono::seconds(21)));
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_ + std::chrono::seconds(21)), Status::kNone);
  proofs_.Ask(blob_, device_, 4, t0_);
  proofs_.ForgetDevice(device_);
  EXPECT_EQ(proofs_.StatusOf(blob_, device_, t0_), Status::kNone);
  proofs_.Ask(blob_, device_, 4, t0_);
  proofs_.ForgetBlob(blob_);
  EXPECT_EQ(proofs_.in_flight(), 0u);
}

TEST_F(PossessionProofsTest, APromiseToKeepLastsItsTimeAndIsExtendedNotShortened) {
  EXPECT_FALSE(proofs_.Promised(blob_, t0_));
  proofs_.Promise(blob_, t0_);
  EXPECT_TRUE(proofs_.Promised(blob_, t0_ + kKeepPromise - std::chrono::seconds(1)));
  EXPECT_FALSE(proofs_.Promised(blob_, t0_ + kKeepPromise));
  proofs_.Promise(blob_, t0_ + std::chrono::seconds(100));
  proofs_.Promise(blob_, t0_);  // an older promise does not shorten it
  EXPECT_TRUE(proofs_.Promised(blob_, t0_ + kKeepPromise + std::chrono::seconds(50)));
}

}  // namespace
}  // namespace hearth::mesh
