// Admins with real nodes: the founder makes a second device an admin; with
// the founder away, that device pairs a new one; then it takes the lost
// founder's rights away. `status` warns while the household has one admin.
// And recovery: the founder's home is deleted, a member recovers admin
// rights with the key `init` printed, revokes the lost PC and pairs a new
// device; a rotated key replaces the old one. With every admin lost, a new
// device joins through a phone with the recovery key.
#include <gtest/gtest.h>

#include <fstream>

#include "crypto/signing.h"
#include "protocol/recovery_key.h"
#include "tests/mesh/mesh_fixture.h"

namespace hearth::testing {
namespace {

std::vector<std::string> AdminNames(const nlohmann::json& list) {
  std::vector<std::string> names;
  for (const auto& a : list) names.push_back(a.value("name", ""));
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(MeshFixture, ASecondAdminPairsADeviceWhileTheFirstIsAway) {
  InitAndImport("a", 1);
  auto status = Json("a", "status");
  EXPECT_EQ(AdminNames(status["admins"]), std::vector<std::string>{"a"}) << status.dump();
  ASSERT_EQ(status["warnings"].size(), 1u) << status.dump();
  EXPECT_NE(status["warnings"][0].get<std::string>().find("only admin"), std::string::npos);
  EXPECT_NE(Hearth("a", "status").out.find("warning: a is the household's only admin"), std::string::npos);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
    ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
    // What is refused, and why.
    auto last = Hearth("a", "admin revoke a");
    EXPECT_EQ(last.exit_code, 1);
    EXPECT_NE(last.err.find("only admin"), std::string::npos) << last.err;
    auto storage = Hearth("a", "admin grant s");
    EXPECT_EQ(storage.exit_code, 1);
    EXPECT_NE(storage.err.find("storage device cannot be an admin"), std::string::npos) << storage.err;
    auto not_admin = Hearth("b", "admin grant b");
    EXPECT_EQ(not_admin.exit_code, 1);
    EXPECT_NE(not_admin.err.find("only an admin device"), std::string::npos) << not_admin.err;
    auto again = Hearth("a", "admin grant a");
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find("an admin already"), std::string::npos) << again.err;

    auto granted = Json("a", "admin grant b");
    EXPECT_EQ(granted["admin"], true) << granted.dump();
    EXPECT_EQ(granted["name"], "b");
    // The laptop learns it from the PC.
    auto b = Serve("b");
    EXPECT_TRUE(Eventually([&] { return AdminNames(Json("b", "admin list")).size() == 2; }))
        << Json("b", "admin list").dump();
  }
  EXPECT_EQ(Json("b", "status")["warnings"].size(), 0u);

  // The PC is away: the laptop pairs a phone on its own.
  {
    auto b = Serve("b");
    ASSERT_EQ(Join("c", Invite("b", "--role phone")).exit_code, 0);
  }
  bool found = false;
  for (const auto& d : Json("b", "devices")) found = found || d["name"] == "c";
  EXPECT_TRUE(found) << Json("b", "devices").dump();

  // The PC is lost: the laptop takes its rights away, and is the one admin.
  auto revoked = Json("b", "admin revoke a");
  EXPECT_EQ(revoked["admin"], false) << revoked.dump();
  EXPECT_EQ(AdminNames(Json("b", "admin list")), std::vector<std::string>{"b"});
  auto warned = Json("b", "status");
  ASSERT_EQ(warned["warnings"].size(), 1u) << warned.dump();
  EXPECT_NE(warned["warnings"][0].get<std::string>().find("b is the household's only admin"), std::string::npos);
  // And a is still a member that can sign in and claim, not an admin.
  for (const auto& d : Json("b", "devices")) {
    if (d["name"] == "a") {
      EXPECT_EQ(d.value("revoked", false), false) << d.dump();
    }
  }
}

TEST_F(MeshFixture, TheOnlyAdminIsLostAndAMemberRecoversWithTheRecoveryKey) {
  const auto init = Json("a", "init --name Home --device-name a");
  const std::string key = init.value("recovery_key", "");
  ASSERT_EQ(key.size(), 69u) << init.dump();
  EXPECT_NE(Hearth("z", "init --name Other --device-name z").out.find("recovery key (write it down"),
            std::string::npos);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  }
  // The PC's disk dies: its home is gone, and with it the only admin.
  std::filesystem::remove_all(Home("a"));
  auto refused = Hearth("b", "invite");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("hearth recover"), std::string::npos) << refused.err;

  const std::string key_file = Home("recovery.txt");
  std::ofstream(key_file) << "wrong-" << key.substr(6) << "\n";
  auto typo = Hearth("b", "recover --key-file " + Quote(key_file));
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("typo"), std::string::npos) << typo.err;
  std::ofstream(key_file) << key << "\n";
  auto recovered = Json("b", "recover --json --key-file " + Quote(key_file));
  EXPECT_EQ(recovered["admin"], true) << recovered.dump();
  auto twice = Hearth("b", "recover --key-file " + Quote(key_file));
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("an admin already"), std::string::npos) << twice.err;

  // b revokes the lost PC, replaces the recovery key (the old one was
  // typed in on b; it may have been seen), and pairs a new device.
  ASSERT_EQ(Hearth("b", "revoke a --reason 'disk died'").exit_code, 0);
  const std::string fresh = Json("b", "recovery rotate")["recovery_key"];
  ASSERT_EQ(fresh.size(), 69u);
  EXPECT_NE(fresh, key);
  {
    auto b = Serve("b");
    ASSERT_EQ(Join("c", Invite("b")).exit_code, 0);
  }
  bool c_member = false, a_revoked = false;
  for (const auto& d : Json("b", "devices")) {
    c_member = c_member || d["name"] == "c";
    a_revoked = a_revoked || (d["name"] == "a" && d.value("revoked", false));
  }
  EXPECT_TRUE(c_member);
  EXPECT_TRUE(a_revoked);

  // On the new device (which has the whole ledger), the old key no longer
  // works and the new one does.
  auto stale = Hearth("c", "recover --key-file " + Quote(key_file));
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("not this household's recovery key"), std::string::npos) << stale.err;
  std::ofstream(key_file) << fresh << "\n";
  EXPECT_EQ(Json("c", "recover --json --key-file " + Quote(key_file))["admin"], true);
  EXPECT_EQ(AdminNames(Json("c", "admin list")), (std::vector<std::string>{"b", "c"}));
}

// Every admin is lost, and the member left is a phone that should not be
// an admin: a new PC joins through the phone with the recovery key and adds
// itself as an admin, then revokes the lost PC and pairs another device.
TEST_F(MeshFixture, EveryAdminIsLostAndANewDeviceJoinsThroughAMemberWithTheRecoveryKey) {
  const std::string key = Json("a", "init --name Home --device-name a").value("recovery_key", "");
  ASSERT_EQ(key.size(), 69u);
  {
    auto a = Serve("a");
    ASSERT_EQ(Join("p", Invite("a", "--role phone")).exit_code, 0);
  }
  std::filesystem::remove_all(Home("a"));
  auto phone = Serve("p");
  // Only an invite for recovery: a plain one needs an admin; a storage box cannot become one.
  auto plain = Hearth("p", "invite");
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("--for-recovery"), std::string::npos) << plain.err;
  EXPECT_EQ(Hearth("p", "invite --for-recovery --role storage").exit_code, 2);

  // A wrong key: the phone refuses before it hands over anything, and no home is left behind.
  const std::string key_file = Home("recovery.txt");
  const crypto::DeviceKey other = crypto::DeviceKey::Generate();
  std::ofstream(key_file) << EncodeRecoveryKey(other.ExportSeed()) << "\n";
  auto wrong = Join("n", Invite("p", "--for-recovery"), "--recovery-key-file " + Quote(key_file));
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("not the household's recovery key"), std::string::npos) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(Home("n")));
  // Without a key: refused too.
  auto none = Join("n", Invite("p", "--for-recovery"));
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("recovery key"), std::string::npos) << none.err;

  std::ofstream(key_file) << key << "\n";
  auto joined = Hearth("n", "join " + Quote(Invite("p", "--for-recovery")) + " --device-name n --json " +
                                "--recovery-key-file " + Quote(key_file));
  ASSERT_EQ(joined.exit_code, 0) << joined.err << phone->Log();
  EXPECT_EQ(nlohmann::json::parse(joined.out).value("admin", false), true) << joined.out;
  const std::vector<std::string> both = {"a", "n"};  // the lost PC is an admin until it is revoked
  EXPECT_EQ(AdminNames(Json("n", "admin list")), both);
  // The phone has the new PC's entry: it knows the new admin.
  EXPECT_TRUE(Eventually([&] { return AdminNames(Json("p", "admin list")) == both; }));

  // The new PC acts as the admin it is.
  ASSERT_EQ(Hearth("n", "revoke a --reason 'disk died'").exit_code, 0);
  phone.reset();
  {
    auto n = Serve("n");
    ASSERT_EQ(Join("d", Invite("n")).exit_code, 0);
  }
  bool d_member = false, a_revoked = false;
  for (const auto& d : Json("d", "devices")) {
    d_member = d_member || d["name"] == "d";
    a_revoked = a_revoked || (d["name"] == "a" && d.value("revoked", false));
  }
  EXPECT_TRUE(d_member);
  EXPECT_TRUE(a_revoked);
  EXPECT_EQ(AdminNames(Json("d", "admin list")), std::vector<std::string>{"n"});
}

}  // namespace
}  // namespace hearth::testing
