// The derived state must not depend on the order entries arrive in. Replicas
// of four devices write and gossip at random (with revocations, releases,
// policies and an equivocation), then converge; and the final set of entries,
// delivered to fresh ledgers in many random causal orders, always yields the
// same state and the same effective entries.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "protocol/ledger.h"
#include "tests/support/ledger_fold.h"
#include "tests/support/random_ledger.h"
#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::RandomCausalOrder;
using testing::Replica;
using testing::Simulate;
using testing::Simulation;

class LedgerOrder : public ::testing::TestWithParam<uint32_t> {};

TEST_P(LedgerOrder, GossipingReplicasConvergeToOneState) {
  Simulation sim = Simulate(GetParam());
  const Ledger& ref = sim.replicas[0].ledger;
  ASSERT_TRUE(sim.revoked);
  ASSERT_TRUE(sim.equivocated);
  EXPECT_GT(ref.claims().size(), 0u);
  EXPECT_EQ(std::count_if(ref.state().members.begin(), ref.state().members.end(),
                          [](const auto& m) { return m.second.equivocated; }), 1);
  EXPECT_EQ(std::count_if(ref.state().members.begin(), ref.state().members.end(),
                          [](const auto& m) { return m.second.revoked; }), 1);
  for (const auto& r : sim.replicas) {
    EXPECT_EQ(r.ledger.size(), ref.size());
    EXPECT_EQ(r.ledger.state(), ref.state());
    EXPECT_EQ(r.ledger.claims(), ref.claims());
    for (const auto& e : sim.replicas[0].log) EXPECT_EQ(r.ledger.IsEffective(e.id), ref.IsEffective(e.id));
  }
}

TEST_P(LedgerOrder, AnyCausalDeliveryOrderGivesTheSameState) {
  Simulation sim = Simulate(GetParam());
  const Replica& ref = sim.replicas[0];
  std::mt19937 rng(GetParam() * 7919u);
  for (int trial = 0; trial < 8; ++trial) {
    Ledger fresh(ref.ledger.household());
    for (const SignedEntry* e : RandomCausalOrder(ref.log, rng)) (void)fresh.Accept(*e);
    EXPECT_EQ(fresh.size(), ref.ledger.size()) << "trial " << trial;
    EXPECT_EQ(fresh.state(), ref.ledger.state()) << "trial " << trial;
    EXPECT_EQ(fresh.claims(), ref.ledger.claims()) << "trial " << trial;
    for (const auto& e : ref.log) ASSERT_EQ(fresh.IsEffective(e.id), ref.ledger.IsEffective(e.id));
  }
}

// The ledger, which keeps only membership and per-author windows in memory,
// decides like the fold that holds and re-decides every entry (the oracle in
// tests/support/ledger_fold.h), whatever the delivery order.
TEST_P(LedgerOrder, EqualsTheWholeLedgerFold) {
  Simulation sim = Simulate(GetParam());
  const Replica& ref = sim.replicas[0];
  std::mt19937 rng(GetParam() * 104729u);
  for (int trial = 0; trial < 4; ++trial) {
    Ledger ledger(ref.ledger.household());
    testing::LedgerFold fold(ref.ledger.household());
    for (const SignedEntry* e : RandomCausalOrder(ref.log, rng)) {
      auto a = ledger.Accept(*e);
      auto b = fold.Accept(*e);
      ASSERT_EQ(a.has_value(), b.has_value()) << "trial " << trial;
      if (!a) {
        EXPECT_EQ(a.error().kept, b.error().kept);
        EXPECT_EQ(a.error().error.code, b.error().error.code);
      }
    }
    const testing::FoldState& want = fold.state();
    EXPECT_EQ(ledger.state(), static_cast<const LedgerState&>(want)) << "trial " << trial;
    EXPECT_EQ(ledger.claims(), want.claims) << "trial " << trial;
    EXPECT_EQ(ledger.effective_count(), fold.effective_count());
    for (const auto& e : ref.log) ASSERT_EQ(ledger.IsEffective(e.id), fold.IsEffective(e.id));
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, LedgerOrder, ::testing::Values(1u, 2u, 3u, 4u, 5u, 6u));

}  // namespace
}  // namespace hearth
