// Recovery (ledger_rules.md, "Recovery"): a member made an admin by the
// household's recovery key, even with no admin left; a key replaced by a
// rotation no longer works; a proof works for one entry of one device; and a
// recovery racing the device's revocation has no effect, whatever the order.
#include <gtest/gtest.h>

#include <cctype>

#include "protocol/ledger.h"
#include "protocol/recovery_key.h"
#include "tests/support/ledger_fold.h"
#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::IdOf;
using testing::KeyFor;
using testing::MakeAdd;
using testing::Replica;

Genesis WithRecoveryKey(const crypto::DeviceKey& recovery) {
  Genesis g = testing::MakeGenesisBody();
  g.recovery_key = recovery.public_key();
  return g;
}

class LedgerRecovery : public ::testing::Test {
 protected:
  LedgerRecovery()
      : A(KeyFor(1)), B(KeyFor(2)), C(KeyFor(3)), X(KeyFor(9)), R(KeyFor(20)), R2(KeyFor(21)),
        h(testing::HouseholdOf(A, WithRecoveryKey(R))), ra(h), rb(h) {
    ra.Write(A, WithRecoveryKey(R));
    EXPECT_TRUE(ra.last);
    ra.Write(A, MakeAdd(B, Role::kFull, false, "laptop"));
    ra.Write(A, MakeAdd(C, Role::kPhone, false, "phone"));
    rb.SyncFrom(ra);
  }
  // `device` writes a recovery.use with `key`'s proof made for `proof_for`
  // (itself, unless said) on replica `r`.
  SignedEntry Recover(Replica& r, const crypto::DeviceKey& device, const crypto::DeviceKey& key,
                      const crypto::DeviceKey* proof_for = nullptr) {
    Entry e = r.ledger.NextEntry(IdOf(device), RecoveryUse{}, 0);
    const DeviceId who = IdOf(proof_for ? *proof_for : device);
    e.body = RecoveryUse{key.public_key(), key.Sign(RecoveryProofBytes(h, who, e.seq))};
    SignedEntry signed_entry = SignEntry(e, device);
    r.last = r.Deliver(signed_entry);
    return signed_entry;
  }
  // New device `device`'s first entry on `r`: a recovery.use that joins,
  // with `key`'s proof made for `proof_for` (itself, unless said).
  std::expected<void, Rejection> Join(Replica& r, const crypto::DeviceKey& device, const crypto::DeviceKey& key,
                                       const crypto::DeviceKey* proof_for = nullptr) {
    Entry e = r.ledger.NextEntry(IdOf(device), RecoveryUse{}, 0);
    const DeviceId who = IdOf(proof_for ? *proof_for : device);
    e.body = RecoveryUse{key.public_key(), key.Sign(RecoveryProofBytes(h, who, e.seq)),
                         RecoveryJoin{Role::kFull, "new pc"}};
    r.last = r.Deliver(SignEntry(e, device));
    return r.last;
  }
  static LedgerErrc Code(const std::expected<void, Rejection>& r) { return r.error().error.code; }

  crypto::DeviceKey A, B, C, X, R, R2;
  HouseholdId h;
  Replica ra, rb;
};

TEST_F(LedgerRecovery, AMemberRecoversAdminRightsEvenWithNoAdminLeftAndActsAsOne) {
  EXPECT_EQ(ra.ledger.state().recovery_key, R.public_key());
  // The only admin is lost: B recovers, revokes it, and adds a new device.
  Recover(rb, B, R);
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  EXPECT_TRUE(rb.ledger.state().members.at(IdOf(B)).admin);
  rb.Write(B, DeviceRevoke{IdOf(A), "the PC's disk died"});
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  rb.Write(B, MakeAdd(X, Role::kFull, false, "new pc"));
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  EXPECT_TRUE(rb.ledger.state().members.at(IdOf(A)).revoked);
  EXPECT_TRUE(rb.ledger.state().members.contains(IdOf(X)));
  ra.SyncFrom(rb);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerRecovery, AnotherKeyOrAProofMadeForAnotherDeviceIsKeptWithoutEffect) {
  Recover(rb, B, X);
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kBadRecovery);
  EXPECT_TRUE(rb.last.error().kept);
  Recover(rb, B, R, /*proof_for=*/&C);
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kBadRecovery);
  EXPECT_FALSE(rb.ledger.state().members.at(IdOf(B)).admin);
  // A stranger cannot use it at all.
  Entry e = rb.ledger.NextEntry(IdOf(X), RecoveryUse{}, 0);
  e.body = RecoveryUse{R.public_key(), R.Sign(RecoveryProofBytes(h, IdOf(X), e.seq))};
  auto r = rb.Deliver(SignEntry(e, X));
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kUnknownAuthor);
}

TEST_F(LedgerRecovery, AKeyReplacedByARotationNoLongerWorksAndTheNewOneDoes) {
  rb.Write(B, RecoverySet{R2.public_key()});
  ASSERT_FALSE(rb.last);
  EXPECT_EQ(Code(rb.last), LedgerErrc::kNotAdmin) << "only admins rotate";
  ra.Write(A, RecoverySet{R2.public_key()});
  ASSERT_TRUE(ra.last);
  EXPECT_EQ(ra.ledger.state().recovery_key, R2.public_key());
  Replica rc(h);
  rc.SyncFrom(ra);
  Recover(rc, C, R);
  ASSERT_FALSE(rc.last);
  EXPECT_EQ(Code(rc.last), LedgerErrc::kBadRecovery);
  Recover(rc, C, R2);
  ASSERT_TRUE(rc.last) << rc.last.error().error.detail;
  EXPECT_TRUE(rc.ledger.state().members.at(IdOf(C)).admin);
}

TEST_F(LedgerRecovery, ARecoveryRacingTheDevicesRevocationHasNoEffectWhateverTheOrder) {
  SignedEntry use = Recover(rb, B, R);
  ASSERT_TRUE(rb.last);
  SignedEntry revoke = ra.Write(A, DeviceRevoke{IdOf(B), "stolen"});
  ASSERT_TRUE(ra.last);
  auto r = ra.Deliver(use);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kRevokedAuthor);
  ASSERT_TRUE(rb.Deliver(revoke));
  EXPECT_FALSE(rb.ledger.IsEffective(use.id));
  EXPECT_FALSE(rb.ledger.state().members.at(IdOf(B)).admin);
  EXPECT_TRUE(rb.ledger.state().members.at(IdOf(B)).revoked);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

// A new device joined through a member that is not an admin (with every
// admin gone) adds itself with the recovery key: its first entry is a
// recovery.use that joins.
TEST_F(LedgerRecovery, ANewDeviceJoinsWithTheRecoveryKeyAndActsAsAnAdmin) {
  Replica rx(h);
  rx.SyncFrom(ra);
  ASSERT_TRUE(Join(rx, X, R)) << rx.last.error().error.detail;
  const Member& x = rx.ledger.state().members.at(IdOf(X));
  EXPECT_TRUE(x.admin);
  EXPECT_EQ(x.name, "new pc");
  EXPECT_EQ(x.role, Role::kFull);
  // It acts as an admin: revokes the lost PC, pairs a device, claims a track.
  rx.Write(X, DeviceRevoke{IdOf(A), "the PC's disk died"});
  ASSERT_TRUE(rx.last) << rx.last.error().error.detail;
  const crypto::DeviceKey D = KeyFor(10);
  rx.Write(X, MakeAdd(D, Role::kPhone, false, "new phone"));
  ASSERT_TRUE(rx.last) << rx.last.error().error.detail;
  SignedEntry claim = rx.Write(X, testing::MakeClaim(77));
  ASSERT_TRUE(rx.last);
  EXPECT_TRUE(rx.ledger.IsEffective(claim.id));
  // Every replica, and the oracle, agree.
  rb.SyncFrom(rx);
  EXPECT_EQ(rb.ledger.state(), rx.ledger.state());
  testing::LedgerFold fold(h);
  for (const SignedEntry& e : rx.log) (void)fold.Accept(e);
  EXPECT_EQ(static_cast<const LedgerState&>(fold.state()), rx.ledger.state());
}

TEST_F(LedgerRecovery, AJoinWithAStrangersKeyIsNotStoredAndOneWithARotatedKeyHasNoEffect) {
  const crypto::DeviceKey Y = KeyFor(11);
  Replica ry(h);
  ry.SyncFrom(ra);
  // A key the household never had: dropped, the ledger stores nothing.
  auto r = Join(ry, Y, X);
  ASSERT_FALSE(r);
  EXPECT_EQ(Code(r), LedgerErrc::kUnknownAuthor);
  EXPECT_FALSE(r.error().kept);
  // The household's key, but the proof made for another device: dropped too.
  EXPECT_FALSE(Join(ry, Y, R, /*proof_for=*/&B));
  EXPECT_FALSE(ry.ledger.state().members.contains(IdOf(Y)));
  // A key replaced by a rotation in the entry's past: kept without effect,
  // and so are the device's later entries.
  ra.Write(A, RecoverySet{R2.public_key()});
  ry.SyncFrom(ra);
  auto stale = Join(ry, Y, R);
  ASSERT_FALSE(stale);
  EXPECT_EQ(Code(stale), LedgerErrc::kBadRecovery);
  EXPECT_TRUE(stale.error().kept);
  EXPECT_FALSE(ry.ledger.state().members.contains(IdOf(Y)));
  ry.Write(Y, testing::MakeClaim(5));
  EXPECT_FALSE(ry.last);
}

TEST(LedgerRecoveryless, AHouseholdFoundedWithoutAKeyCannotBeRecoveredUntilAnAdminSetsOne) {
  const crypto::DeviceKey A = KeyFor(1), B = KeyFor(2), R = KeyFor(20);
  const HouseholdId h = testing::HouseholdOf(A);
  Replica ra(h);
  ra.Write(A, testing::MakeGenesisBody());
  ra.Write(A, MakeAdd(B, Role::kFull, false, "laptop"));
  EXPECT_FALSE(ra.ledger.state().recovery_key);
  auto use = [&] {
    Entry e = ra.ledger.NextEntry(IdOf(B), RecoveryUse{}, 0);
    e.body = RecoveryUse{R.public_key(), R.Sign(RecoveryProofBytes(h, IdOf(B), e.seq))};
    return ra.Deliver(SignEntry(e, B));
  };
  auto r = use();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().error.code, LedgerErrc::kBadRecovery);
  ra.Write(A, RecoverySet{R.public_key()});
  ASSERT_TRUE(ra.last);
  EXPECT_TRUE(use());
  EXPECT_TRUE(ra.ledger.state().members.at(IdOf(B)).admin);
}

TEST(RecoveryKeyText, RoundTripsAndCatchesATypo) {
  const crypto::DeviceKey key = crypto::DeviceKey::Generate();
  const std::string text = EncodeRecoveryKey(key.ExportSeed());
  ASSERT_EQ(text.size(), 56u + 13u) << text;  // 14 groups of 4, 13 dashes
  auto back = DecodeRecoveryKey(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(crypto::DeviceKey::FromSeed(*back).public_key(), key.public_key());
  // Written down in capitals, with spaces instead of dashes: the same key.
  std::string loose = text;
  for (char& c : loose) c = c == '-' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(DecodeRecoveryKey(loose));
  EXPECT_EQ(crypto::DeviceKey::FromSeed(*DecodeRecoveryKey(loose)).public_key(), key.public_key());
  // One character wrong.
  std::string typo = text;
  typo[5] = typo[5] == 'a' ? 'b' : 'a';
  ASSERT_FALSE(DecodeRecoveryKey(typo));
  EXPECT_EQ(DecodeRecoveryKey(typo).error(), RecoveryKeyError::kChecksum);
  EXPECT_EQ(DecodeRecoveryKey(text.substr(0, 40)).error(), RecoveryKeyError::kWrongLength);
  std::string bad = text;
  bad[0] = '1';
  EXPECT_EQ(DecodeRecoveryKey(bad).error(), RecoveryKeyError::kNotBase32);
}

TEST(RecoveryBodies, RoundTripAndAGenesisWithoutAKeyKeepsItsEncoding) {
  const crypto::DeviceKey r = KeyFor(20);
  Genesis plain = testing::MakeGenesisBody();
  Genesis keyed = WithRecoveryKey(r);
  const Bytes a = EncodeBody(plain), b = EncodeBody(keyed);
  EXPECT_EQ(b.size(), a.size() + 32);
  EXPECT_EQ(DecodeBody(EntryType::kGenesis, a).value(), Body(plain));
  EXPECT_EQ(DecodeBody(EntryType::kGenesis, b).value(), Body(keyed));
  EXPECT_EQ(DeriveHouseholdId(IdOf(KeyFor(1)), plain), DeriveHouseholdId(IdOf(KeyFor(1)), keyed))
      << "the key is not part of the household id";
  const RecoveryUse use{r.public_key(), r.Sign(AsBytes("x"))};
  EXPECT_EQ(DecodeBody(EntryType::kRecoveryUse, EncodeBody(use)).value(), Body(use));
  const RecoveryUse joins{r.public_key(), r.Sign(AsBytes("x")), RecoveryJoin{Role::kPhone, "phone"}};
  EXPECT_EQ(DecodeBody(EntryType::kRecoveryUse, EncodeBody(joins)).value(), Body(joins));
  Bytes storage = EncodeBody(joins);
  storage[32 + 64] = static_cast<uint8_t>(Role::kStorage);  // a storage device cannot be an admin
  EXPECT_EQ(DecodeBody(EntryType::kRecoveryUse, storage).error().code, LedgerErrc::kMalformed);
  const RecoverySet set{r.public_key()};
  EXPECT_EQ(DecodeBody(EntryType::kRecoverySet, EncodeBody(set)).value(), Body(set));
  // Truncated, or with a byte too many: malformed.
  Bytes shorter = EncodeBody(set);
  shorter.pop_back();
  EXPECT_EQ(DecodeBody(EntryType::kRecoverySet, shorter).error().code, LedgerErrc::kMalformed);
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_EQ(DecodeBody(EntryType::kGenesis, longer).error().code, LedgerErrc::kMalformed);
}

}  // namespace
}  // namespace hearth
