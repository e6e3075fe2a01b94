#include "node/store/home.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace hearth::store {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

unsigned Mode(const std::string& path) {
  struct stat st{};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(Home, InitCreatesAPrivateHomeWithAGenesis) {
  hearth::testing::TempDir dir;
  std::string root = dir / "h";
  auto home = Home::Init(root, InitOptions{"Home", "pc"});
  ASSERT_TRUE(home) << home.error().message;
  EXPECT_EQ(Mode(root), 0700u);
  EXPECT_EQ(Mode(root + "/device.key"), 0600u);
  EXPECT_EQ(Mode(root + "/content.key"), 0600u);
  const LedgerState& s = home->ledger().ledger().state();
  EXPECT_EQ(s.household_name, "Home");
  ASSERT_EQ(s.members.size(), 1u);
  EXPECT_EQ(s.members.begin()->second.name, "pc");
  EXPECT_EQ(s.founder, home->device_id());
  EXPECT_NE(home->content_secret(), nullptr);
}

TEST(Home, InitRefusesAnExistingHouseholdAndChangesNothing) {
  hearth::testing::TempDir dir;
  ASSERT_TRUE(Home::Init(dir.path(), InitOptions{"Home", "pc"}));
  std::string key = Slurp(dir / "device.key"), db = Slurp(dir / "hearth.db");
  auto again = Home::Init(dir.path(), InitOptions{"Other", "laptop"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, StoreErrc::kExists);
  EXPECT_NE(again.error().message.find("already holds household \"Home\""), std::string::npos)
      << again.error().message;
  EXPECT_EQ(Slurp(dir / "device.key"), key);
  EXPECT_EQ(Slurp(dir / "hearth.db"), db);
}

TEST(Home, InitRefusesStrayKeysFromAnInterruptedInit) {
  hearth::testing::TempDir dir;
  { std::ofstream(dir / "device.key") << "x"; }
  auto r = Home::Init(dir.path(), InitOptions{"Home", "pc"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("interrupted init"), std::string::npos);
  EXPECT_EQ(Slurp(dir / "device.key"), "x");
}

TEST(Home, OpenWithoutAHouseholdSaysToInit) {
  hearth::testing::TempDir dir;
  auto r = Home::Open(dir / "nothing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, StoreErrc::kNotFound);
  EXPECT_NE(r.error().message.find("hearth init"), std::string::npos);
}

TEST(Home, OpenRefusesAKeyFromAnotherHome) {
  hearth::testing::TempDir a, b;
  ASSERT_TRUE(Home::Init(a.path(), InitOptions{"A", "pc"}));
  ASSERT_TRUE(Home::Init(b.path(), InitOptions{"B", "pc"}));
  std::filesystem::copy_file(b / "device.key", a / "device.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto r = Home::Open(a.path());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not belong"), std::string::npos);
}

TEST(Home, DefaultDirectoryFollowsTheEnvironment) {
  ::setenv("HEARTH_HOME", "/x/hh", 1);
  EXPECT_EQ(DefaultHomeDir(), "/x/hh");
  ::unsetenv("HEARTH_HOME");
  ::setenv("XDG_DATA_HOME", "/x/data", 1);
  EXPECT_EQ(DefaultHomeDir(), "/x/data/hearth");
  ::unsetenv("XDG_DATA_HOME");
  ::setenv("HOME", "/x/me", 1);
  EXPECT_EQ(DefaultHomeDir(), "/x/me/.local/share/hearth");
}

}  // namespace
}  // namespace hearth::store
