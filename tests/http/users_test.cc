// Listeners as a node's HTTP side sees them: household listeners from the
// ledger (login password against the Argon2id verifier, app password for
// Subsonic tokens, API key), and the per-device listeners of homes made
// before household listeners -- which keep working until an admin device
// moves them into the ledger, passwords, tokens and keys intact.
#include <gtest/gtest.h>

#include "crypto/sealed_box.h"
#include "node/http/listener_book.h"
#include "node/http/users.h"
#include "node/store/home.h"
#include "node/store/play_tables.h"
#include "tests/support/temp_dir.h"

namespace hearth::http {
namespace {

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto home = store::Home::Init(dir_.path() + "/home", {.household_name = "Home", .device_name = "pc"});
    ASSERT_TRUE(home) << home.error().message;
    home_.emplace(std::move(*home));
  }
  // A listener the way `hearth user add` wrote them before household listeners.
  void AddDeviceListener(const std::string& name, const std::string& password, const std::string& key) {
    store::UserRow row;
    row.name = name;
    row.password_sealed = crypto::SealBox(DevicePasswordKey(home_->device_key()), AsBytes(name), AsBytes(password));
    row.api_key = key;
    ASSERT_TRUE(store::AddUser(home_->db(), row));
  }
  Users Fresh() {
    Users u(home_->db(), home_->device_key());
    u.Sync(home_->ledger().ledger().state(), home_->content_secret());
    return u;
  }

  testing::TempDir dir_;
  std::optional<store::Home> home_;
};

TEST_F(UsersTest, AHouseholdListenerLogsInWithItsPasswordAppPasswordOrKey) {
  auto anna = ListenerBook(*home_).Add("anna", "her password", false, 1);
  ASSERT_TRUE(anna) << anna.error().message;
  Users users = Fresh();
  EXPECT_TRUE(users.CheckPassword("anna", "her password"));
  EXPECT_TRUE(users.CheckPassword("anna", "her password"));  // remembered: no second Argon2id
  EXPECT_TRUE(users.CheckPassword("anna", anna->app_password));
  EXPECT_FALSE(users.CheckPassword("anna", "her passworD"));
  EXPECT_TRUE(users.CheckToken("anna", Md5Hex(anna->app_password + "salt"), "salt"));
  EXPECT_FALSE(users.CheckToken("anna", Md5Hex("her password" + std::string("salt")), "salt"));
  EXPECT_FALSE(users.CheckToken("anna", Md5Hex(anna->app_password), ""));
  auto by_key = users.CheckApiKey(anna->api_key);
  ASSERT_TRUE(by_key);
  EXPECT_EQ(by_key->name, "anna");
  EXPECT_TRUE(by_key->household);

  // A new password retires the old one, the app password and the key, once
  // the ledger change is synced.
  auto changed = ListenerBook(*home_).SetPassword("anna", "new one", 2);
  ASSERT_TRUE(changed);
  users.Sync(home_->ledger().ledger().state(), home_->content_secret());
  EXPECT_FALSE(users.CheckPassword("anna", "her password"));
  EXPECT_FALSE(users.CheckApiKey(anna->api_key));
  EXPECT_FALSE(users.CheckPassword("anna", anna->app_password));
  EXPECT_TRUE(users.CheckPassword("anna", "new one"));
  EXPECT_TRUE(users.CheckApiKey(changed->api_key));

  ASSERT_TRUE(ListenerBook(*home_).Remove("anna", 3));
  users.Sync(home_->ledger().ledger().state(), home_->content_secret());
  EXPECT_FALSE(users.CheckPassword("anna", "new one"));
  EXPECT_FALSE(users.CheckApiKey(changed->api_key));
  EXPECT_FALSE(users.Find("anna"));
}

TEST_F(UsersTest, BadInputIsRefusedWithTheReasonAndChangesNothing) {
  ListenerBook book(*home_);
  EXPECT_EQ(book.Add("no spaces", "pw", false, 1).error().code, ListenerBookErrc::kBadName);
  EXPECT_EQ(book.Add("anna", "", false, 1).error().code, ListenerBookErrc::kBadPassword);
  EXPECT_EQ(book.Add("anna", std::string(257, 'x'), false, 1).error().code, ListenerBookErrc::kBadPassword);
  ASSERT_TRUE(book.Add("anna", "pw", false, 1));
  EXPECT_EQ(book.Add("anna", "pw2", false, 1).error().code, ListenerBookErrc::kExists);
  EXPECT_EQ(book.SetPassword("ben", "pw", 1).error().code, ListenerBookErrc::kNotFound);
  EXPECT_EQ(book.Remove("ben", 1).error().code, ListenerBookErrc::kNotFound);
  EXPECT_EQ(book.List()->size(), 1u);
}

TEST_F(UsersTest, ThisDevicesListenersFromBeforeMoveIntoTheHouseholdWithTheirPasswordsAndKeys) {
  const std::string carol_key(43, 'c'), bob_key(43, 'b');
  AddDeviceListener("carol", "carol's pw", carol_key);
  AddDeviceListener("bob", "bob's old pw", bob_key);
  ASSERT_TRUE(ListenerBook(*home_).Add("bob", "bob's household pw", false, 1));
  {
    // Before the move: carol works as this device's own listener; bob is the household's.
    Users users = Fresh();
    auto carol = users.CheckPassword("carol", "carol's pw");
    ASSERT_TRUE(carol);
    EXPECT_FALSE(carol->household);
    EXPECT_TRUE(users.CheckToken("carol", Md5Hex("carol's pwxyz"), "xyz"));
    EXPECT_FALSE(users.CheckPassword("bob", "bob's old pw"));
    EXPECT_FALSE(users.CheckApiKey(bob_key));
    EXPECT_EQ(users.List().size(), 2u);
  }
  auto migrated = ListenerBook(*home_).MigrateDeviceListeners(5);
  ASSERT_TRUE(migrated) << migrated.error().message;
  EXPECT_EQ(migrated->moved, std::vector<std::string>{"carol"});
  EXPECT_EQ(migrated->dropped, std::vector<std::string>{"bob"});
  EXPECT_TRUE(store::ListUsers(home_->db())->empty());

  Users users = Fresh();
  auto carol = users.CheckPassword("carol", "carol's pw");
  ASSERT_TRUE(carol);
  EXPECT_TRUE(carol->household);
  // Subsonic apps set up with her old password keep working, and so does her key.
  EXPECT_TRUE(users.CheckToken("carol", Md5Hex("carol's pwxyz"), "xyz"));
  EXPECT_TRUE(users.CheckApiKey(carol_key));
  EXPECT_TRUE(users.CheckPassword("bob", "bob's household pw"));
  // Nothing left to move the second time.
  EXPECT_TRUE(ListenerBook(*home_).MigrateDeviceListeners(6)->moved.empty());
}

}  // namespace
}  // namespace hearth::http
