// Household listeners (ledger_rules.md, "Listeners"): listener.set and
// listener.remove need an admin; of concurrent changes to one listener the
// later in canonical order wins, on every replica whatever the arrival order;
// and the sealed record opens only with the household's content secret, for
// the listener it was written for.
#include <gtest/gtest.h>

#include "crypto/content_secret.h"
#include "crypto/password_hash.h"
#include "protocol/listener_details.h"
#include "tests/support/ledger_fold.h"
#include "tests/support/test_household.h"

namespace hearth {
namespace {

using testing::IdOf;
using testing::KeyFor;
using testing::MakeAdd;
using testing::Replica;

ListenerDetails Anna(std::string app_password = "APPPASSWORD") {
  return ListenerDetails{"anna", false, "$argon2id$not-checked-here", std::move(app_password), "api-key-of-anna"};
}

class LedgerListeners : public ::testing::Test {
 protected:
  LedgerListeners()
      : A(KeyFor(1)), B(KeyFor(2)), C(KeyFor(3)), h(testing::HouseholdOf(A)),
        secret(crypto::ContentSecret::Generate()), ra(h), rb(h) {
    ra.Write(A, testing::MakeGenesisBody());
    ra.Write(A, MakeAdd(B, Role::kFull, /*admin=*/true, "laptop"));
    ra.Write(A, MakeAdd(C, Role::kPhone, false, "phone"));
    rb.SyncFrom(ra);
  }
  ListenerSet Set(const ListenerDetails& d) {
    const ListenerId id = ListenerIdFor(secret, h, d.name);
    return ListenerSet{id, SealListenerDetails(secret, h, id, d)};
  }
  ListenerId IdFor(std::string_view name) { return ListenerIdFor(secret, h, name); }
  std::string AppPasswordIn(const Replica& r, std::string_view name) {
    auto it = r.ledger.state().listeners.find(IdFor(name));
    if (it == r.ledger.state().listeners.end()) return "";
    auto d = OpenListenerDetails(secret, h, it->first, it->second.sealed);
    return d ? d->app_password : "unreadable";
  }

  crypto::DeviceKey A, B, C;
  HouseholdId h;
  crypto::ContentSecret secret;
  Replica ra, rb;
};

TEST_F(LedgerListeners, AnAdminAddsChangesAndRemovesAListenerEveryReplicaFollows) {
  ra.Write(A, Set(Anna("first")));
  ASSERT_TRUE(ra.last) << ra.last.error().error.detail;
  EXPECT_EQ(AppPasswordIn(ra, "anna"), "first");
  rb.SyncFrom(ra);
  EXPECT_EQ(AppPasswordIn(rb, "anna"), "first");
  rb.Write(B, Set(Anna("second")));  // the second admin changes it
  ASSERT_TRUE(rb.last) << rb.last.error().error.detail;
  ra.SyncFrom(rb);
  EXPECT_EQ(AppPasswordIn(ra, "anna"), "second");
  ra.Write(A, ListenerRemove{IdFor("anna")});
  ASSERT_TRUE(ra.last);
  EXPECT_TRUE(ra.ledger.state().listeners.empty());
  rb.SyncFrom(ra);
  EXPECT_EQ(ra.ledger.state(), rb.ledger.state());
}

TEST_F(LedgerListeners, AMemberThatIsNotAnAdminCannotAddOrRemoveListeners) {
  Replica rc(h);
  rc.SyncFrom(ra);
  rc.Write(C, Set(Anna()));
  ASSERT_FALSE(rc.last);
  EXPECT_EQ(rc.last.error().error.code, LedgerErrc::kNotAdmin);
  EXPECT_TRUE(rc.last.error().kept);
  EXPECT_TRUE(rc.ledger.state().listeners.empty());
  ra.Write(A, Set(Anna()));
  rc.SyncFrom(ra);
  rc.Write(C, ListenerRemove{IdFor("anna")});
  EXPECT_EQ(rc.last.error().error.code, LedgerErrc::kNotAdmin);
  EXPECT_EQ(rc.ledger.state().listeners.size(), 1u);
}

TEST_F(LedgerListeners, ConcurrentChangesToOneListenerEndTheSameOnEveryReplica) {
  ra.Write(A, Set(Anna("base")));
  rb.SyncFrom(ra);
  // A removes anna while B, not having seen it, gives her a new password; a
  // third listener is added on both sides concurrently too.
  ra.Write(A, ListenerRemove{IdFor("anna")});
  ra.Write(A, Set(ListenerDetails{"ben", false, "v", "from-a", "key-a"}));
  rb.Write(B, Set(Anna("from-b")));
  rb.Write(B, Set(ListenerDetails{"ben", true, "v", "from-b", "key-b"}));
  Replica x(h), y(h);
  x.SyncFrom(ra);
  x.SyncFrom(rb);
  y.SyncFrom(rb);
  y.SyncFrom(ra);
  ASSERT_EQ(x.ledger.state(), y.ledger.state());
  ra.SyncFrom(rb);
  rb.SyncFrom(ra);
  EXPECT_EQ(ra.ledger.state(), x.ledger.state());
  EXPECT_EQ(rb.ledger.state(), x.ledger.state());
  // The oracle folds the same set to the same listeners.
  testing::LedgerFold fold(h);
  for (const SignedEntry& e : x.log) (void)fold.Accept(e);  // some are kept without effect
  EXPECT_EQ(fold.state().listeners, x.ledger.state().listeners);
  // Ben is there either way; a later change, seeing both, settles anna.
  EXPECT_EQ(x.ledger.state().listeners.count(IdFor("ben")), 1u);
  ra.Write(A, Set(Anna("settled")));
  EXPECT_EQ(AppPasswordIn(ra, "anna"), "settled");
}

TEST_F(LedgerListeners, ARevokedAdminsListenerChangesAfterItsRevocationHaveNoEffect) {
  rb.Write(B, Set(Anna("before")));
  ra.SyncFrom(rb);
  ra.Write(A, DeviceRevoke{IdOf(B), "stolen"});
  rb.Write(B, Set(Anna("after")));  // concurrent with the revocation
  ra.SyncFrom(rb);
  EXPECT_EQ(ra.last.error().error.code, LedgerErrc::kRevokedAuthor);
  EXPECT_EQ(AppPasswordIn(ra, "anna"), "before");
}

TEST_F(LedgerListeners, TheSealedRecordOpensOnlyWithTheSecretForItsListener) {
  const ListenerSet set = Set(Anna());
  auto opened = OpenListenerDetails(secret, h, set.listener, set.sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, Anna());
  // A device without this household's content secret (a storage device, an
  // outsider) cannot open it, nor does the record show the name or secrets.
  auto other = crypto::ContentSecret::Generate();
  EXPECT_EQ(OpenListenerDetails(other, h, set.listener, set.sealed).error(), ListenerErrc::kCannotOpen);
  const std::string bytes(set.sealed.begin(), set.sealed.end());
  EXPECT_EQ(bytes.find("anna"), std::string::npos);
  EXPECT_EQ(bytes.find("APPPASSWORD"), std::string::npos);
  // Moved to another listener id: refused.
  EXPECT_EQ(OpenListenerDetails(secret, h, IdFor("ben"), set.sealed).error(), ListenerErrc::kCannotOpen);
  // Sealed for one id with another name inside: refused.
  const ListenerId ben = IdFor("ben");
  EXPECT_EQ(OpenListenerDetails(secret, h, ben, SealListenerDetails(secret, h, ben, Anna())).error(),
            ListenerErrc::kWrongId);
  // The id hides the name, and depends on the household.
  EXPECT_NE(IdFor("anna"), ListenerIdFor(other, h, "anna"));
}

TEST_F(LedgerListeners, BodiesAndDetailsHaveOneEncodingAndBadOnesAreRefused) {
  const ListenerSet set = Set(Anna());
  auto back = DecodeBody(EntryType::kListenerSet, EncodeBody(set));
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<ListenerSet>(*back), set);
  EXPECT_FALSE(DecodeBody(EntryType::kListenerSet, EncodeBody(ListenerSet{set.listener, {}})));
  Bytes huge = EncodeBody(ListenerSet{set.listener, Bytes(kMaxSealedListenerBytes + 1, 1)});
  EXPECT_FALSE(DecodeBody(EntryType::kListenerSet, huge));
  Bytes remove = EncodeBody(ListenerRemove{set.listener});
  ASSERT_TRUE(DecodeBody(EntryType::kListenerRemove, remove));
  remove.push_back(0);
  EXPECT_FALSE(DecodeBody(EntryType::kListenerRemove, remove));
  EXPECT_EQ(TypeName(EntryType::kListenerSet), "listener.set");
  EXPECT_TRUE(IsAdminOnly(EntryType::kListenerRemove));

  Bytes details = EncodeListenerDetails(Anna());
  EXPECT_EQ(DecodeListenerDetails(details), Anna());
  Bytes longer = details;
  longer.push_back(0);
  EXPECT_EQ(DecodeListenerDetails(longer).error(), ListenerErrc::kMalformed);
  ListenerDetails bad = Anna();
  bad.name = "no spaces";
  EXPECT_EQ(DecodeListenerDetails(EncodeListenerDetails(bad)).error(), ListenerErrc::kBadName);
}

TEST(PasswordHash, AVerifierChecksItsPasswordOnlyAndHidesIt) {
  auto v = crypto::HashPassword("correct horse");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->starts_with("$argon2id$"));
  EXPECT_EQ(v->find("correct horse"), std::string::npos);
  EXPECT_TRUE(crypto::VerifyPassword(*v, "correct horse"));
  EXPECT_FALSE(crypto::VerifyPassword(*v, "correct horsE"));
  EXPECT_FALSE(crypto::VerifyPassword("", "correct horse"));
  EXPECT_FALSE(crypto::VerifyPassword("not a verifier", "correct horse"));
  auto again = crypto::HashPassword("correct horse");
  EXPECT_NE(*again, *v);  // a fresh salt each time
}

}  // namespace
}  // namespace hearth
