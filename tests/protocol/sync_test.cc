#include "protocol/sync_messages.h"

#include <gtest/gtest.h>

#include <unordered_map>

#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::IdOf;
using testing::KeyFor;
using testing::Replica;

// Everything `from` would send `to`, through the wire encodings.
size_t Sync(const Replica& from, Replica& to) {
  std::unordered_map<EntryId, const SignedEntry*, Id32Hash> by_id;
  for (const auto& e : from.log) by_id.emplace(e.id, &e);
  Hello hello{1, 7601, 7602, to.ledger.Heads()};
  auto heard = DecodeHello(EncodeHello(hello));
  EXPECT_TRUE(heard);
  std::vector<Bytes> wire;
  for (const EntryId& id : from.ledger.MissingFor(heard->heads)) wire.push_back(by_id.at(id)->bytes);
  size_t delivered = 0;
  for (const Bytes& batch : EncodeEntryBatches(wire)) {
    EXPECT_LE(batch.size(), kMaxEntriesBatchBytes);
    auto entries = DecodeEntryBatch(batch);
    EXPECT_TRUE(entries);
    for (const Bytes& b : *entries) {
      auto e = DecodeAndVerify(b);
      EXPECT_TRUE(e);
      auto r = to.Deliver(*e);
      EXPECT_TRUE(r || r.error().kept) << r.error().error.Message();
      ++delivered;
    }
  }
  return delivered;
}

class SyncTest : public ::testing::Test {
 protected:
  SyncTest() : a(KeyFor(1)), b(KeyFor(2)), ra(testing::HouseholdOf(a)), rb(testing::HouseholdOf(a)) {
    ra.Write(a, testing::MakeGenesisBody());
    ra.Write(a, testing::MakeAdd(b));
  }
  crypto::DeviceKey a, b;
  Replica ra, rb;
};

TEST_F(SyncTest, AFreshDeviceGetsEverythingInAnOrderItCanAccept) {
  for (uint8_t i = 0; i < 20; ++i) ra.Write(a, testing::MakeClaim(i));
  EXPECT_EQ(Sync(ra, rb), ra.ledger.size());
  EXPECT_EQ(rb.ledger.state(), ra.ledger.state());
  EXPECT_EQ(Sync(ra, rb), 0u);  // nothing more to send
}

TEST_F(SyncTest, DivergedDevicesExchangeExactlyWhatTheOtherLacks) {
  rb.SyncFrom(ra);
  for (uint8_t i = 0; i < 5; ++i) ra.Write(a, testing::MakeClaim(i));
  for (uint8_t i = 10; i < 13; ++i) rb.Write(b, testing::MakeClaim(i));
  EXPECT_EQ(Sync(ra, rb), 5u);
  EXPECT_EQ(Sync(rb, ra), 3u);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
  EXPECT_EQ(ra.ledger.size(), rb.ledger.size());
}

TEST_F(SyncTest, AHeadWeDoNotHoldSendsThatAuthorFromTheStart) {
  rb.SyncFrom(ra);
  std::vector<AuthorHead> heads = rb.ledger.Heads();
  for (auto& h : heads) h.id.bytes[0] ^= 1;  // a fork we have never seen
  auto missing = ra.ledger.MissingFor(heads);
  EXPECT_EQ(missing.size(), ra.ledger.size());
}

TEST_F(SyncTest, EquivocationEvidenceTravelsToo) {
  rb.SyncFrom(ra);
  Entry fork = rb.ledger.NextEntry(IdOf(b), testing::MakeClaim(1), 0);
  SignedEntry one = SignEntry(fork, b);
  fork.body = testing::MakeClaim(2);
  SignedEntry two = SignEntry(fork, b);
  ASSERT_TRUE(rb.Deliver(one));
  ASSERT_TRUE(ra.Deliver(two));
  ASSERT_FALSE(ra.Deliver(one));  // ra now holds both
  Replica fresh(ra.ledger.household());
  EXPECT_EQ(Sync(ra, fresh), ra.ledger.size());
  EXPECT_TRUE(fresh.ledger.state().members.at(IdOf(b)).equivocated);
}

TEST(SyncMessages, HelloRoundTripsAndRejectsDamage) {
  Hello h{1, 7601, 0, {AuthorHead{IdOf(KeyFor(1)), 3, {}}}};
  h.heads[0].id.bytes.fill(9);
  Bytes bytes = EncodeHello(h);
  EXPECT_EQ(DecodeHello(bytes).value(), h);
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(DecodeHello(ByteSpan(bytes.data(), n))) << n;
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeHello(longer));
  Hello zero = h;
  zero.heads[0].seq = 0;
  EXPECT_FALSE(DecodeHello(EncodeHello(zero)));
}

TEST(SyncMessages, EntryBatchesRespectTheirSizeAndRoundTrip) {
  std::vector<Bytes> entries;
  for (int i = 0; i < 40; ++i) entries.push_back(Bytes(60000, static_cast<uint8_t>(i)));
  auto batches = EncodeEntryBatches(entries);
  EXPECT_GT(batches.size(), 2u);
  std::vector<Bytes> back;
  for (const auto& b : batches) {
    EXPECT_LE(b.size(), kMaxEntriesBatchBytes);
    auto got = DecodeEntryBatch(b);
    ASSERT_TRUE(got);
    back.insert(back.end(), got->begin(), got->end());
  }
  EXPECT_EQ(back, entries);
  EXPECT_FALSE(DecodeEntryBatch(ByteSpan(batches[0].data(), batches[0].size() - 1)));
  EXPECT_TRUE(EncodeEntryBatches({}).empty());
}

TEST(SyncMessages, ErrorsRoundTrip) {
  auto e = DecodeError(EncodeError(403, "not a member"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->first, 403);
  EXPECT_EQ(e->second, "not a member");
  EXPECT_FALSE(DecodeError(Bytes{1}));
}

}  // namespace
}  // namespace hearth
