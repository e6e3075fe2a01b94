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

// `hearth invite --qr` draws the code in the terminal; read back by a QR
// decoder (zbarimg) from the drawing, it is the code printed above it.
TEST_F(Cli, AnInviteDrawnAsAQrCodeReadsBackAsTheCode) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto r = Hearth("invite --qr --address 127.0.0.1:7601");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string code = r.out.substr(0, r.out.find('\n'));
  ASSERT_TRUE(code.starts_with("hearth1-")) << r.out;
  // The drawing: lines of blocks, two module rows each (light = block).
  std::vector<std::string> rows;
  size_t start = 0;
  while (start < r.err.size()) {
    const size_t end = r.err.find('\n', start);
    std::string line = r.err.substr(start, end - start);
    start = end == std::string::npos ? r.err.size() : end + 1;
    std::string top, bottom;
    for (size_t k = 0; k < line.size();) {
      if (line[k] == ' ') {
        top += '1', bottom += '1', ++k;
      } else if (line.compare(k, 3, "\u2588") == 0) {
        top += '0', bottom += '0', k += 3;
      } else if (line.compare(k, 3, "\u2580") == 0) {
        top += '0', bottom += '1', k += 3;
      } else if (line.compare(k, 3, "\u2584") == 0) {
        top += '1', bottom += '0', k += 3;
      } else {
        top.clear();  // not a line of the drawing
        break;
      }
    }
    if (top.empty()) continue;
    rows.push_back(top);
    rows.push_back(bottom);
  }
  ASSERT_GT(rows.size(), 20u) << r.err;
  // As a plain PBM picture, 4 pixels a module (1 = black).
  const std::string pbm = dir / "invite.pbm";
  {
    std::ofstream out(pbm);
    const size_t scale = 4;
    out << "P1\n" << rows[0].size() * scale << ' ' << rows.size() * scale << '\n';
    for (const std::string& row : rows)
      for (size_t s = 0; s < scale; ++s) {
        for (char module : row)
          for (size_t t = 0; t < scale; ++t) out << module << ' ';
        out << '\n';
      }
  }
  auto read = RunCommand("zbarimg --raw -q " + Quote(pbm));
  ASSERT_EQ(read.exit_code, 0) << read.err;
  std::string decoded = read.out.substr(0, read.out.find('\n'));
  for (char& ch : decoded) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(decoded, code);
  // JSON carries the same drawing.
  auto json = nlohmann::json::parse(Hearth("invite --qr --json --address 127.0.0.1:7601").out);
  EXPECT_TRUE(json["qr"].is_string());
  EXPECT_GT(json["qr"].get<std::string>().size(), 100u);
}

}  // namespace
}  // namespace hearth
