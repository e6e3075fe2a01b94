// The ledger rules of the brief, one behaviour per test.
#include <gtest/gtest.h>

#include "protocol/ledger.h"
#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::IdOf;
using testing::KeyFor;
using testing::MakeAdd;
using testing::MakeClaim;
using testing::Replica;

class LedgerRules : public ::testing::Test {
 protected:
  LedgerRules() : A(KeyFor(1)), B(KeyFor(2)), C(KeyFor(3)), X(KeyFor(9)),
                  h(testing::HouseholdOf(A)), ra(h), rb(h) {
    ra.Write(A, testing::MakeGenesisBody());
    EXPECT_TRUE(ra.last);
  }
  // The founder adds B (optionally admin) and C; rb catches up.
  void AddMembers(bool b_admin = false) {
    ra.Write(A, MakeAdd(B, Role::kFull, b_admin, "laptop"));
    ASSERT_TRUE(ra.last);
    ra.Write(A, MakeAdd(C, Role::kPhone, false, "phone"));
    ASSERT_TRUE(ra.last);
    rb.SyncFrom(ra);
  }
  static LedgerErrc Code(const std::expected<void, Rejection>& r) { return r.error().error.code; }

  crypto::DeviceKey A, B, C, X;
  HouseholdId h;
  Replica ra, rb;
};

TEST_F(LedgerRules, GenesisFoundsTheHouseholdWithAnAdminFounder) {
  const LedgerState& s = ra.ledger.state();
  EXPECT_EQ(s.household_name, "Home");
  ASSERT_EQ(s.members.size(), 1u);
  const Member& m = s.members.at(IdOf(A));
  EXPECT_TRUE(m.admin);
  EXPECT_TRUE(m.founder);
  EXPECT_EQ(s.policy.copies, 1);
}

TEST_F(LedgerRules, AdminAddsDevicesWithTheirRoles) {
  AddMembers();
  const LedgerState& s = rb.ledger.state();
  ASSERT_EQ(s.members.size(), 3u);
  EXPECT_EQ(s.members.at(IdOf(C)).role, Role::kPhone);
  EXPECT_FALSE(s.members.at(IdOf(B)).admin);
  EXPECT_EQ(rb.ledger.state(), ra.ledger.state());
}

TEST_F(LedgerRules, EntryByAnUnknownDeviceIsDropped) {
  auto e = SignEntry(ra.ledger.NextEntry(IdOf(X), MakeClaim(1), 0), X);
  auto r = ra.Deliver(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kUnknownAuthor);
  EXPECT_FALSE(r.error().kept);
  EXPECT_FALSE(ra.ledger.Contains(e.id));
}

TEST_F(LedgerRules, AdminOnlyEntriesFromANonAdminHaveNoEffect) {
  AddMembers(/*b_admin=*/false);
  rb.Write(B, MakeAdd(X, Role::kFull, true, "intruder"));
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kNotAdmin);
  EXPECT_TRUE(rb.last.error().kept);
  EXPECT_FALSE(rb.ledger.state().members.contains(IdOf(X)));
  rb.Write(B, PolicySet{5, 0, {}});
  EXPECT_EQ(Code(rb.last), LedgerErrc::kNotAdmin);
  EXPECT_EQ(rb.ledger.state().policy.copies, 1);
  // And X, whose add had no effect, cannot write either.
  auto e = SignEntry(rb.ledger.NextEntry(IdOf(X), MakeClaim(1), 0), X);
  auto r = rb.Deliver(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kUnknownAuthor);
}

TEST_F(LedgerRules, AnAdminNonFounderCanAddDevices) {
  AddMembers(/*b_admin=*/true);
  rb.Write(B, MakeAdd(X, Role::kStorage, false, "box"));
  EXPECT_TRUE(rb.last);
  EXPECT_TRUE(rb.ledger.state().members.contains(IdOf(X)));
}

TEST_F(LedgerRules, RevokedDeviceIsRefusedAfterItsRevocation) {
  AddMembers();
  rb.Write(B, MakeClaim(1));
  ASSERT_TRUE(rb.last);
  ra.SyncFrom(rb);
  ra.Write(A, DeviceRevoke{IdOf(B), "stolen"});
  ASSERT_TRUE(ra.last);
  rb.SyncFrom(ra);
  EXPECT_TRUE(rb.ledger.state().members.at(IdOf(B)).revoked);
  // B saw its own revocation and writes anyway.
  rb.Write(B, MakeClaim(2));
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kRevokedAuthor);
  EXPECT_TRUE(rb.last.error().kept);
  ra.SyncFrom(rb);
  EXPECT_EQ(Code(ra.last), LedgerErrc::kRevokedAuthor);
  // The claim made before the revocation stands; the one after does not.
  EXPECT_EQ(ra.ledger.claims().size(), 1u);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerRules, ConcurrentEntriesOfARevokedDeviceAreCutOffWhateverTheOrder) {
  AddMembers();
  // B claims a track; concurrently (without seeing it) A revokes B.
  SignedEntry claim = rb.Write(B, MakeClaim(1));
  ASSERT_TRUE(rb.last);
  EXPECT_EQ(rb.ledger.claims().size(), 1u);
  SignedEntry revoke = ra.Write(A, DeviceRevoke{IdOf(B), "lost"});
  ASSERT_TRUE(ra.last);
  // Revocation first, then the claim: refused on arrival.
  auto r = ra.Deliver(claim);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kRevokedAuthor);
  // Claim first, then the revocation: the claim loses its effect.
  ASSERT_TRUE(rb.Deliver(revoke));
  EXPECT_FALSE(rb.ledger.IsEffective(claim.id));
  EXPECT_TRUE(rb.ledger.claims().empty());
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerRules, ReplayedEntryIsRefusedAndNotStoredTwice) {
  AddMembers();
  SignedEntry e = ra.Write(A, MakeClaim(1));
  size_t before = ra.ledger.size();
  auto r = ra.Deliver(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kReplayed);
  EXPECT_FALSE(r.error().kept);
  EXPECT_EQ(ra.ledger.size(), before);
  EXPECT_EQ(ra.ledger.claims().size(), 1u);
}

TEST_F(LedgerRules, AGapInAnAuthorsChainIsRefusedUntilFilled) {
  AddMembers();
  SignedEntry e1 = rb.Write(B, MakeClaim(1));
  SignedEntry e2 = rb.Write(B, MakeClaim(2));
  auto r = ra.Deliver(e2);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kChainGap);
  EXPECT_TRUE(ra.Deliver(e1));
  EXPECT_TRUE(ra.Deliver(e2));
}

TEST_F(LedgerRules, PrevThatDoesNotNameThePreviousEntryIsRefused) {
  AddMembers();
  Entry e = rb.ledger.NextEntry(IdOf(B), MakeClaim(1), 0);
  rb.Write(B, MakeClaim(7));
  e.seq = rb.ledger.HeadOf(IdOf(B)).seq + 1;  // right seq, stale prev (zero)
  e.prev.bytes.fill(0x5a);
  auto r = rb.Deliver(SignEntry(e, B));
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kChainBroken);
}

TEST_F(LedgerRules, MissingParentIsRefused) {
  AddMembers();
  Entry e = ra.ledger.NextEntry(IdOf(A), MakeClaim(1), 0);
  EntryId ghost;
  ghost.bytes.fill(0xee);
  e.parents.push_back(ghost);
  auto r = ra.Deliver(SignEntry(e, A));
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kMissingParent);
}

TEST_F(LedgerRules, EquivocationIsKeptAsEvidenceAndFlagsTheDevice) {
  AddMembers();
  SignedEntry early = rb.Write(B, MakeClaim(1));
  ra.SyncFrom(rb);
  // B signs two different entries with the same sequence number.
  Entry fork = rb.ledger.NextEntry(IdOf(B), MakeClaim(2), 10);
  SignedEntry one = SignEntry(fork, B);
  fork.body = MakeClaim(3);
  SignedEntry two = SignEntry(fork, B);
  ASSERT_TRUE(rb.Deliver(one));
  ASSERT_TRUE(ra.Deliver(two));
  rb.SyncFrom(ra);
  ra.SyncFrom(rb);
  ASSERT_FALSE(ra.last);
  EXPECT_EQ(Code(ra.last), LedgerErrc::kEquivocation);
  EXPECT_TRUE(ra.last.error().kept);
  EXPECT_TRUE(ra.ledger.Contains(one.id));
  EXPECT_TRUE(ra.ledger.Contains(two.id));
  for (Replica* r : {&ra, &rb}) {
    const LedgerState& s = r->ledger.state();
    EXPECT_TRUE(s.members.at(IdOf(B)).equivocated);
    // Both forks lose their effect; what B wrote before stands.
    EXPECT_EQ(r->ledger.claims().size(), 1u);
    EXPECT_TRUE(r->ledger.claims().contains(early.id));
  }
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerRules, EntryForAnotherHouseholdIsRefused) {
  Entry e = ra.ledger.NextEntry(IdOf(A), MakeClaim(1), 0);
  e.household.bytes[0] ^= 1;
  auto r = ra.Deliver(SignEntry(e, A));
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kWrongHousehold);
}

TEST_F(LedgerRules, ForgedSignatureIsRefused) {
  AddMembers();
  SignedEntry e = SignEntry(rb.ledger.NextEntry(IdOf(B), MakeClaim(1), 0), C);  // C signs as B
  auto r = rb.Deliver(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kBadSignature);
}

TEST_F(LedgerRules, GenesisMustDeriveTheHouseholdAndComeFirst) {
  Replica other(h);
  Genesis g = testing::MakeGenesisBody("Other name");  // derives another id
  Entry e;
  e.household = h;
  e.author = IdOf(A);
  e.body = g;
  auto r = other.Deliver(SignEntry(e, A));
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kBadGenesis);
  // Nothing but a genesis may start a ledger.
  auto claim = other.Deliver(SignEntry(other.ledger.NextEntry(IdOf(A), MakeClaim(1), 0), A));
  EXPECT_EQ(Code(claim), LedgerErrc::kUnknownAuthor);
  // A second genesis by another device cannot match the household id.
  Entry g2;
  g2.household = h;
  g2.author = IdOf(B);
  g2.body = testing::MakeGenesisBody();
  EXPECT_EQ(Code(ra.Deliver(SignEntry(g2, B))), LedgerErrc::kBadGenesis);
}

TEST_F(LedgerRules, ReleaseRemovesAClaimAndMustNameOne) {
  AddMembers();
  SignedEntry claim = rb.Write(B, MakeClaim(1));
  rb.Write(C, TrackRelease{claim.id});
  ASSERT_TRUE(rb.last);
  EXPECT_TRUE(rb.ledger.claims().empty());
  EntryId ghost;
  ghost.bytes.fill(1);
  rb.Write(C, TrackRelease{ghost});
  EXPECT_EQ(Code(rb.last), LedgerErrc::kBadReference);
}

TEST_F(LedgerRules, ConcurrentPoliciesConvergeOnOneWinner) {
  AddMembers(/*b_admin=*/true);
  ra.Write(A, PolicySet{2, 0, {}}, 100);
  rb.Write(B, PolicySet{3, 4, {}}, 200);
  ra.SyncFrom(rb);
  rb.SyncFrom(ra);
  EXPECT_EQ(ra.ledger.state().policy.copies, 3);  // the later of two concurrent ones
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
  ra.Write(A, PolicySet{2, 0, {}}, 50);  // causally later wins despite its clock
  EXPECT_EQ(ra.ledger.state().policy.copies, 2);
}

TEST_F(LedgerRules, MutualRevocationByTwoAdminsConvergesToOneWinner) {
  AddMembers(/*b_admin=*/true);
  ra.Write(A, DeviceRevoke{IdOf(B), "a says"});
  rb.Write(B, DeviceRevoke{IdOf(A), "b says"});
  ra.SyncFrom(rb);
  rb.SyncFrom(ra);
  const LedgerState& s = ra.ledger.state();
  EXPECT_EQ(s, rb.ledger.state());
  EXPECT_NE(s.members.at(IdOf(A)).revoked, s.members.at(IdOf(B)).revoked);
}

// Admins: a grant or a revoke of admin rights is a device.add of the device
// with the flag set or cleared.
TEST_F(LedgerRules, AnAdminGrantedLaterActsAsOneAndNoLongerOnceItIsTakenAway) {
  AddMembers(/*b_admin=*/false);
  ra.Write(A, MakeAdd(B, Role::kFull, true, "laptop"));
  ASSERT_TRUE(ra.last);
  rb.SyncFrom(ra);
  EXPECT_TRUE(rb.ledger.state().members.at(IdOf(B)).admin);
  rb.Write(B, PolicySet{2, 0, {}});
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  EXPECT_EQ(rb.ledger.state().policy.copies, 2);
  ra.SyncFrom(rb);
  ra.Write(A, MakeAdd(B, Role::kFull, false, "laptop"));
  ASSERT_TRUE(ra.last);
  rb.SyncFrom(ra);
  EXPECT_FALSE(rb.ledger.state().members.at(IdOf(B)).admin);
  EXPECT_FALSE(rb.ledger.state().members.at(IdOf(B)).revoked) << "still a member";
  rb.Write(B, PolicySet{3, 0, {}});
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kNotAdmin);
  EXPECT_EQ(rb.ledger.state().policy.copies, 2);
  rb.Write(B, MakeClaim(1));
  EXPECT_TRUE(rb.last) << "a member still claims tracks";
}

TEST_F(LedgerRules, TheFoundersAdminRightsCanBeTakenAwayByAnotherAdmin) {
  AddMembers(/*b_admin=*/true);
  rb.Write(B, MakeAdd(A, Role::kFull, false, "pc"));
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  ra.SyncFrom(rb);
  EXPECT_FALSE(ra.ledger.state().members.at(IdOf(A)).admin);
  EXPECT_TRUE(ra.ledger.state().members.at(IdOf(A)).founder);
  ra.Write(A, MakeAdd(X, Role::kFull, false, "new"));
  ASSERT_FALSE(ra.last);
  EXPECT_EQ(Code(ra.last), LedgerErrc::kNotAdmin);
}

TEST_F(LedgerRules, EntriesOfAnAdminConcurrentWithItsDemotionAreCutOffWhateverTheOrder) {
  AddMembers(/*b_admin=*/true);
  // B sets the policy; concurrently A takes B's admin rights away.
  SignedEntry policy = rb.Write(B, PolicySet{4, 0, {}});
  ASSERT_TRUE(rb.last);
  SignedEntry demotion = ra.Write(A, MakeAdd(B, Role::kFull, false, "laptop"));
  ASSERT_TRUE(ra.last);
  auto r = ra.Deliver(policy);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kNotAdmin);
  EXPECT_TRUE(r.error().kept);
  ASSERT_TRUE(rb.Deliver(demotion));
  EXPECT_FALSE(rb.ledger.IsEffective(policy.id));
  EXPECT_EQ(rb.ledger.state().policy.copies, 1);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerRules, MutualDemotionByTwoAdminsLeavesExactlyOne) {
  AddMembers(/*b_admin=*/true);
  ra.Write(A, MakeAdd(B, Role::kFull, false, "laptop"));
  rb.Write(B, MakeAdd(A, Role::kFull, false, "pc"));
  ra.SyncFrom(rb);
  rb.SyncFrom(ra);
  const LedgerState& s = ra.ledger.state();
  EXPECT_EQ(s, rb.ledger.state());
  EXPECT_NE(s.members.at(IdOf(A)).admin, s.members.at(IdOf(B)).admin);
}

TEST_F(LedgerRules, AConcurrentGrantAndDemotionConvergeAndTheDeviceActsAsTheOutcomeSays) {
  AddMembers(/*b_admin=*/true);
  ra.Write(A, MakeAdd(C, Role::kPhone, true, "phone"));
  ASSERT_TRUE(ra.last);
  rb.SyncFrom(ra);
  // C is an admin; A takes it away while B, not seeing that, grants it again.
  ra.Write(A, MakeAdd(C, Role::kPhone, false, "phone"));
  rb.Write(B, MakeAdd(C, Role::kPhone, true, "phone"));
  ra.SyncFrom(rb);
  rb.SyncFrom(ra);
  const LedgerState& s = ra.ledger.state();
  ASSERT_EQ(s, rb.ledger.state());
  // Whichever the canonical order put last decided; C's next entry agrees.
  Replica rc(h);
  rc.SyncFrom(ra);
  rc.Write(C, PolicySet{6, 0, {}});
  EXPECT_EQ(static_cast<bool>(rc.last), s.members.at(IdOf(C)).admin);
  rb.SyncFrom(rc);
  ra.SyncFrom(rc);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

}  // namespace
}  // namespace hearth
