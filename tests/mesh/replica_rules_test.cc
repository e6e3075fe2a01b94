// Replica rules: the pure decisions MeshNode and the simulator share.
#include "node/mesh/replica_rules.h"

#include <gtest/gtest.h>

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
    TrackClaim c = testing::MakeClaim(9, 1 << 20);
    Claim claim{EntryId{}, pc_, 0, std::make_shared<const Body>(c)};
    state_.claims.emplace(EntryId{}, claim);
    placement_.sizes[blob_] = crypto::SealedLength(1 << 20);
  }
  std::map<BlobId, std::vector<DeviceId>> Surplus(std::vector<DeviceId> assigned, bool short_of_room) {
    placement_.plan.assigned[blob_] = std::move(assigned);
    auto availability = [this](const DeviceId& d) -> uint16_t { return d == laptop_ ? 300 : (d == nas_ ? 990 : 980); };
    return SurplusBlobs(state_, placement_, pc_, {blob_}, availability, short_of_room);
  }

  DeviceId pc_, laptop_, nas_;
  BlobId blob_;
  LedgerState state_;
  Placement placement_;
};

TEST_F(SurplusTest, AnImportIsKeptWhenALessAvailableDeviceIsAssignedIt) {
  EXPECT_TRUE(Surplus({laptop_}, false).empty());
}

TEST_F(SurplusTest, AnImportMakesWayWhenItsOwnerLacksRoomForWhatItIsAssigned) {
  auto surplus = Surplus({laptop_}, true);
  ASSERT_EQ(surplus.size(), 1u);
  EXPECT_EQ(surplus.begin()->second, std::vector<DeviceId>{laptop_});
}

TEST_F(SurplusTest, AssignedHereIsNeverSurplusAndUnassignedIsKept) {
  EXPECT_TRUE(Surplus({pc_, laptop_}, true).empty());
  EXPECT_TRUE(Surplus({}, true).empty());  // no device has room: keep ours
}

TEST_F(SurplusTest, ADropNeedsEveryAssignedHolderOnlineListingAndProved) {
  PossessionProofs proofs([](void* out, size_t size) { std::memset(out, 7, size); });
  const auto now = PossessionProofs::Time(std::chrono::hours(1));
  auto online = [](const DeviceId&) { return true; };
  auto lists = [](const DeviceId&, const BlobId&) { return true; };
  SurplusCheck check = CheckSurplus(blob_, {nas_}, online, lists, proofs, now, false);
  EXPECT_FALSE(check.drop);
  EXPECT_EQ(check.ask, std::vector<DeviceId>{nas_});
  // Asked, not answered: nothing to ask again, nothing to drop.
  const ProveRequest request = proofs.Ask(blob_, nas_, 16, now);
  check = CheckSurplus(blob_, {nas_}, online, lists, proofs, now, false);
  EXPECT_FALSE(check.drop);
  EXPECT_TRUE(check.ask.empty());
  // A right answer that keeps: drop.
  const Bytes chunk(64, 1);
  ProofReply reply{blob_, request.chunk, request.nonce, Possession::kHoldsAndKeeps, ProofDigest(request, chunk)};
  ASSERT_EQ(proofs.OnAnswer(nas_, reply, [&](const BlobId&, uint32_t) { return chunk; }, now),
            PossessionProofs::Status::kConfirmed);
  EXPECT_TRUE(CheckSurplus(blob_, {nas_}, online, lists, proofs, now, false).drop);
  // ... but not while it is away or does not list the blob.
  EXPECT_FALSE(CheckSurplus(blob_, {nas_}, [](const DeviceId&) { return false; }, lists, proofs, now, false).drop);
  EXPECT_FALSE(
      CheckSurplus(blob_, {nas_}, online, [](const DeviceId&, const BlobId&) { return false; }, proofs, now, false).drop);
  EXPECT_FALSE(CheckSurplus(blob_, {}, online, lists, proofs, now, false).drop);
  EXPECT_FALSE(CheckSurplus(blob_, {}, online, lists, proofs, now, true).drop);
  // Short of room, one proved holder is enough even while another is away;
  // none is never enough.
  auto only_nas = [this](const DeviceId& d) { return d == nas_; };
  EXPECT_FALSE(CheckSurplus(blob_, {nas_, laptop_}, only_nas, lists, proofs, now, false).drop);
  EXPECT_TRUE(CheckSurplus(blob_, {nas_, laptop_}, only_nas, lists, proofs, now, true).drop);
  EXPECT_FALSE(CheckSurplus(blob_, {laptop_}, only_nas, lists, proofs, now, true).drop);
}

}  // namespace
}  // namespace hearth::mesh
