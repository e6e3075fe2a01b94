// Replica rules: the pure decisions MeshNode and the simulator share.
#include "node/mesh/replica_rules.h"

#include <gtest/gtest.h>

#include <cstring>

#include "crypto/blob_cipher.h"
#include "tests/support/test_household.h"

namespace hearth::mesh {
namespace {

using testing::IdOf;
using testing::KeyFor;

TEST(ReportedAvailabilityTest, HoveringAtAStepBoundaryKeepsTheLastReport) {
  EXPECT_EQ(ReportedAvailability(std::nullopt, 699), 699);
  EXPECT_EQ(ReportedAvailability(699, 700), 699);  // another step, but only 1 away
  EXPECT_EQ(ReportedAvailability(700, 699), 700);
  EXPECT_EQ(ReportedAvailability(699, 723), 699);
  EXPECT_EQ(ReportedAvailability(699, 724), 724);  // 25 away: a real change
  EXPECT_EQ(ReportedAvailability(724, 690), 690);
  EXPECT_EQ(ReportedAvailability(710, 740), 740);  // within a step: fresh values
}

class SurplusTest : public ::testing::Test {
 protected:
  SurplusTest() {
    pc_ = IdOf(KeyFor(1));
    laptop_ = IdOf(KeyFor(2));
    nas_ = IdOf(KeyFor(3));
    blob_.bytes.fill(9);
    imported_.insert(blob_);  // the PC imported it
    plan_.sizes[blob_] = crypto::SealedLength(1 << 20);
  }
  mesh::Surplus SurplusOf(std::vector<DeviceId> assigned, bool short_of_room) {
    plan_.plan.assigned[blob_] = std::move(assigned);
    auto availability = [this](const DeviceId& d) -> uint16_t { return d == laptop_ ? 300 : (d == nas_ ? 990 : 980); };
    return SurplusBlobs([this](const BlobId& b) { return imported_.contains(b); }, plan_, pc_, {blob_}, availability,
                        short_of_room);
  }

  DeviceId pc_, laptop_, nas_;
  BlobId blob_;
  std::set<BlobId> imported_;
  MemoryPlan plan_;
};

TEST_F(SurplusTest, AnImportIsKeptWhenALessAvailableDeviceIsAssignedIt) {
  EXPECT_TRUE(SurplusOf({laptop_}, false).blobs.empty());
}

TEST_F(SurplusTest, AnImportMakesWayWhenItsOwnerLacksRoomForWhatItIsAssigned) {
  auto surplus = SurplusOf({laptop_}, true);
  ASSERT_EQ(surplus.blobs.size(), 1u);
  EXPECT_EQ(surplus.blobs.begin()->second, std::vector<DeviceId>{laptop_});
  EXPECT_EQ(surplus.only_when_short, std::set<BlobId>{blob_});  // comes out of the shortfall's budget
}

TEST_F(SurplusTest, AssignedHereIsNeverSurplusAndUnassignedIsKept) {
  EXPECT_TRUE(SurplusOf({pc_, laptop_}, true).blobs.empty());
  EXPECT_TRUE(SurplusOf({}, true).blobs.empty());  // no device has room: keep ours
}

class SurplusPassTest : public SurplusTest {
 protected:
  SurplusPassTest() : proofs_([](void* out, size_t size) { std::memset(out, 7, size); }) {
    for (uint8_t n = 20; n < 24; ++n) {
      BlobId b;
      b.bytes.fill(n);
      blobs_.push_back(b);
      sized_.sizes[b] = 10;
    }
  }
  // `nas_` proved it holds and keeps `blob`.
  void Confirm(const BlobId& blob) {
    const ProveRequest r = proofs_.Ask(blob, nas_, 1, now_);
    const Bytes chunk(64, 1);
    ProofReply reply{blob, r.chunk, r.nonce, Possession::kHoldsAndKeeps, ProofDigest(r, chunk)};
    ASSERT_EQ(proofs_.OnAnswer(nas_, reply, [&](const BlobId&, uint32_t) { return chunk; }, now_),
              PossessionProofs::Status::kConfirmed);
  }
  SurplusPass Pass(const std::map<BlobId, std::vector<DeviceId>>& blobs, uint64_t shortfall,
                   const std::set<BlobId>& only_when_short = {}, bool laptop_online = false) {
    const mesh::Surplus surplus{blobs, only_when_short};
    return PlanSurplus(SurplusInputs{
        .surplus = surplus,
        .shortfall = shortfall,
        .rows = sized_,
        .keep = [](const BlobId&) { return false; },
        .online = [&](const DeviceId& d) { return d == nas_ || (laptop_online && d == laptop_); },
        .lists = [](const DeviceId&, const BlobId&) { return true; },
        .proofs = proofs_,
        .now = now_,
    });
  }

  PossessionProofs proofs_;
  std::vector<BlobId> blobs_;
  MemoryPlan sized_;  // only its sizes
  PossessionProofs::Time now_ = PossessionProofs::Time(std::chrono::hours(1));
};

TEST_F(SurplusPassTest, ABlobGoesOnlyOnceEveryAssignedHolderProvedIt) {
  const std::map<BlobId, std::vector<DeviceId>> surplus{{blobs_[0], {nas_}}};
  SurplusPass pass = Pass(surplus, 0);
  EXPECT_TRUE(pass.drop.empty());
  ASSERT_EQ(pass.ask.size(), 1u);
  EXPECT_EQ(pass.ask[0].second, nas_);
  Confirm(blobs_[0]);
  pass = Pass(surplus, 0);
  EXPECT_EQ(pass.drop, std::vector<BlobId>{blobs_[0]});
  EXPECT_TRUE(pass.ask.empty());
}

TEST_F(SurplusPassTest, WhileAnotherAssignedHolderIsAwayNothingGoesAndNothingIsAsked) {
  Confirm(blobs_[0]);
  const SurplusPass pass = Pass({{blobs_[0], {nas_, laptop_}}}, 0);
  EXPECT_TRUE(pass.drop.empty());
  EXPECT_TRUE(pass.ask.empty());
}

TEST_F(SurplusPassTest, ShortOfRoomOneProvedHolderIsEnoughUntilTheShortfallIsCovered) {
  std::map<BlobId, std::vector<DeviceId>> surplus;
  for (const BlobId& b : blobs_) {
    surplus[b] = {nas_, laptop_};  // the laptop is away
    Confirm(b);
  }
  // 15 bytes short, blobs of 10: two go, the other two keep their copies here.
  EXPECT_EQ(Pass(surplus, 15).drop.size(), 2u);
  EXPECT_TRUE(Pass(surplus, 0).drop.empty());
  // Nobody proved it: none goes, however short.
  const std::map<BlobId, std::vector<DeviceId>> unproved{{blobs_[0], {laptop_}}};
  EXPECT_TRUE(Pass(unproved, 1000).drop.empty());
}

TEST_F(SurplusPassTest, ImportsSurplusOnlyBecauseOfTheShortfallComeOutOfItsBudget) {
  std::map<BlobId, std::vector<DeviceId>> surplus;
  for (const BlobId& b : blobs_) {
    surplus[b] = {nas_};
    Confirm(b);
  }
  const std::set<BlobId> imports{blobs_[0], blobs_[1], blobs_[2]};
  // blobs_[3] goes on every holder's word and covers 10 of the 15; one
  // import more covers the rest.
  const SurplusPass pass = Pass(surplus, 15, imports);
  ASSERT_EQ(pass.drop.size(), 2u);
  EXPECT_EQ(pass.drop[0], blobs_[3]);
  EXPECT_TRUE(imports.contains(pass.drop[1]));
  // Not short: imports stay.
  EXPECT_EQ(Pass(surplus, 0, imports).drop, std::vector<BlobId>{blobs_[3]});
}

TEST(ShortfallTest, CountsAssignedBlobsNotHeldBeyondTheRoomLeft) {
  MemoryPlan p;
  const DeviceId me = IdOf(KeyFor(1)), other = IdOf(KeyFor(2));
  BlobId a, b, c;
  a.bytes.fill(1);
  b.bytes.fill(2);
  c.bytes.fill(3);
  p.plan.assigned = {{a, {me}}, {b, {me, other}}, {c, {other}}};
  p.sizes = {{a, 100}, {b, 50}, {c, 1000}};
  EXPECT_EQ(Shortfall(p, me, {}, 120), 30u);
  EXPECT_EQ(Shortfall(p, me, {a}, 20), 30u);
  EXPECT_EQ(Shortfall(p, me, {a, b}, 0), 0u);
  EXPECT_EQ(Shortfall(p, me, {}, 1000), 0u);
}

}  // namespace
}  // namespace hearth::mesh
