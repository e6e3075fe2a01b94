// Drives the real `hearth` binary as a user would.
#include <fstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "tests/support/run_command.h"

namespace hearth {
namespace {

using hearth::testing::CommandResult;
using hearth::testing::Quote;
using hearth::testing::RunCommand;

class Cli : public ::testing::Test {
 protected:
  CommandResult Hearth(const std::string& args) {
    return RunCommand(std::string(HEARTH_BIN) + " --home " + Quote(home()) + " " + args);
  }
  std::string home() const { return dir / "home"; }
  hearth::testing::TempDir dir;
};

TEST_F(Cli, InitThenStatusAsJson) {
  auto init = Hearth("init --name 'Our Home' --device-name pc");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_NE(init.out.find("created household \"Our Home\""), std::string::npos) << init.out;

  auto status = Hearth("status --json");
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["household"]["name"], "Our Home");
  EXPECT_EQ(j["household"]["id"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["device"]["name"], "pc");
  EXPECT_EQ(j["device"]["role"], "full");
  EXPECT_EQ(j["device"]["admin"], true);
  EXPECT_EQ(j["device"]["short"].get<std::string>().size(), 8u);
  EXPECT_EQ(j["ledger"]["entries"], 1);
  EXPECT_EQ(j["counts"]["devices"], 1);
  EXPECT_EQ(j["counts"]["tracks"], 0);

  auto text = Hearth("status");
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("\"Our Home\""), std::string::npos);
}

TEST_F(Cli, InitJsonNamesTheHouseholdAndDevice) {
  auto init = Hearth("init --name Home --device-name pc --json");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto j = nlohmann::json::parse(init.out);
  EXPECT_EQ(j["household"]["name"], "Home");
  EXPECT_EQ(j["device"]["id"].get<std::string>().size(), 52u);
}

TEST_F(Cli, SecondInitRefusesAndSaysWhy) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto again = Hearth("init --name Other --device-name laptop");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("hearth: error: "), std::string::npos);
  EXPECT_NE(again.err.find("already holds household \"Home\""), std::string::npos) << again.err;
  auto status = nlohmann::json::parse(Hearth("status --json").out);
  EXPECT_EQ(status["household"]["name"], "Home");
}

TEST_F(Cli, HearthHomeEnvironmentVariableIsTheDefaultHome) {
  auto init = RunCommand("HEARTH_HOME=" + Quote(home()) + " " + HEARTH_BIN +
                         " init --name Env --device-name pc");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(nlohmann::json::parse(Hearth("status --json").out)["household"]["name"], "Env");
}

TEST_F(Cli, LedgerShowAndVerify) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto show = Hearth("ledger show --json");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto entries = nlohmann::json::parse(show.out);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["type"], "genesis");
  EXPECT_EQ(entries[0]["body"]["household_name"], "Home");
  EXPECT_EQ(entries[0]["effective"], true);
  auto text = Hearth("ledger show");
  EXPECT_NE(text.out.find("genesis"), std::string::npos);

  auto verify = Hearth("ledger verify");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.out, "ledger ok: 1 entries (1 effective, 0 kept as evidence)\n");
  auto vj = nlohmann::json::parse(Hearth("ledger verify --json").out);
  EXPECT_EQ(vj["ok"], true);
}

TEST_F(Cli, VerifyNamesATamperedEntryAndFails) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((home() + "/hearth.db").c_str(), &db), SQLITE_OK);
  // Rename the household inside the signed bytes (Home -> Hone).
  const char* sql =
      "DROP TRIGGER ledger_entries_no_update;"
      "UPDATE ledger_entries SET bytes = CAST(replace(CAST(bytes AS TEXT), 'Home', 'Hone') AS BLOB)"
      " WHERE arrival = 1;";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto verify = Hearth("ledger verify");
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.out.find("entry #1 (id "), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("bad-signature"), std::string::npos) << verify.out;
  EXPECT_NE(verify.err.find("ledger verification failed: 1 bad of 1 entries"), std::string::npos)
      << verify.err;
  auto vj = nlohmann::json::parse(Hearth("ledger verify --json").out);
  EXPECT_EQ(vj["ok"], false);
  EXPECT_EQ(vj["problems"][0]["arrival"], 1);
}

TEST_F(Cli, CommandsOnAMissingHomeSayToInit) {
  auto status = Hearth("status");
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("run `hearth init` first"), std::string::npos) << status.err;
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Hearth("frobnicate").exit_code, 2);
  EXPECT_EQ(Hearth("init --name ''").exit_code, 2);
  EXPECT_EQ(Hearth("ledger").exit_code, 2);
  auto help = Hearth("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("init"), std::string::npos);
}

TEST_F(Cli, UsersAreAddedListedRekeyedAndRemoved) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  const std::string pw = home() + ".pw";
  std::ofstream(pw) << "first pass\n";
  auto added = Hearth("user add alice --admin --json --password-file " + Quote(pw));
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto j = nlohmann::json::parse(added.out);
  EXPECT_EQ(j["user"], "alice");
  EXPECT_EQ(j["admin"], true);
  const std::string key = j["api_key"];
  EXPECT_EQ(key.size(), 43u);
  // From stdin when there is no file.
  auto bob = RunCommand("sh -c " + Quote("printf 'bobpw\\n' | " + std::string(HEARTH_BIN) + " --home " + Quote(home()) +
                                         " user add bob"));
  EXPECT_EQ(bob.exit_code, 0) << bob.err;
  auto list = nlohmann::json::parse(Hearth("user list --json").out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["user"], "alice");
  EXPECT_EQ(list[1]["admin"], false);
  // A new password makes a new key.
  auto changed = Hearth("user passwd alice --json --password-file " + Quote(pw));
  ASSERT_EQ(changed.exit_code, 0);
  EXPECT_NE(nlohmann::json::parse(changed.out)["api_key"], key);
  // Bad input: clear errors, nothing changed.
  auto dup = Hearth("user add alice --password-file " + Quote(pw));
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("already exists"), std::string::npos) << dup.err;
  auto bad = Hearth("user add 'no spaces' --password-file " + Quote(pw));
  EXPECT_NE(bad.err.find("a user name is"), std::string::npos) << bad.err;
  std::ofstream(pw, std::ios::trunc) << "\n";
  auto empty = Hearth("user add carol --password-file " + Quote(pw));
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("empty"), std::string::npos);
  EXPECT_NE(Hearth("user remove nobody").err.find("no user named nobody"), std::string::npos);
  EXPECT_EQ(Hearth("user remove bob").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Hearth("user list --json").out).size(), 1u);
}

}  // namespace
}  // namespace hearth
