// What the multi-node tests share: homes in one temp dir, the CLI, a small
// generated library.
#pragma once

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "node/store/database.h"
#include "node/store/placement_tables.h"
#include "tests/support/media_files.h"
#include "tests/support/node_process.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace hearth::testing {

class MeshFixture : public ::testing::Test {
 protected:
  std::string Home(const std::string& name) { return dir_ / name; }
  CommandResult Hearth(const std::string& home, const std::string& args) {
    return RunCommand(std::string(HEARTH_BIN) + " --home " + Quote(Home(home)) + " " + args);
  }
  nlohmann::json Json(const std::string& home, const std::string& args) {
    auto r = Hearth(home, args + " --json");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  std::unique_ptr<NodeProcess> Serve(const std::string& home, std::vector<std::string> extra = {}) {
    auto n = std::make_unique<NodeProcess>(HEARTH_BIN, Home(home), std::move(extra));
    EXPECT_TRUE(n->started()) << n->Log();
    return n;
  }
  // Makes `count` short tones in DIR/lib and imports them on `home`.
  void InitAndImport(const std::string& home, int count, double seconds = 2, const std::string& ext = ".mp3",
                     const std::string& import_flags = "") {
    ASSERT_EQ(Hearth(home, "init --name Home --device-name " + home).exit_code, 0);
    std::filesystem::create_directories(dir_ / "lib");
    for (int i = 0; i < count; ++i) {
      ToneOptions o;
      o.frequency = 300 + 40 * i;
      o.seconds = seconds;
      o.title = "Song " + std::to_string(i);
      ASSERT_TRUE(MakeTone(dir_ / ("lib/song" + std::to_string(i) + ext), o));
    }
    auto r = Hearth(home, "import " + import_flags + " " + Quote(dir_ / "lib"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string Invite(const std::string& home, const std::string& args = "") {
    auto r = Hearth(home, "invite " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string code = r.out;
    while (!code.empty() && code.back() == '\n') code.pop_back();
    return code;
  }
  CommandResult Join(const std::string& home, const std::string& code, const std::string& extra = "") {
    return Hearth(home, "join " + Quote(code) + " --device-name " + home + " " + extra);
  }
  std::vector<std::string> TrackIds(const std::string& home) {
    std::vector<std::string> ids;
    for (const auto& t : Json(home, "ls")) ids.push_back(t.value("id", std::string()));
    return ids;
  }
  bool Holds(const std::string& home, const std::string& track) {
    auto w = Json(home, "where " + track);
    for (const auto& h : w["holders"])
      if (h.value("this_device", false)) return true;
    return false;
  }
  // The names of the devices `home` knows to hold `track`.
  std::set<std::string> HolderNames(const std::string& home, const std::string& track) {
    std::set<std::string> names;
    const auto where = Json(home, "where " + track);  // named: a temporary would die before the loop
    for (const auto& h : where["holders"]) names.insert(h.value("name", std::string()));
    return names;
  }
  size_t HolderCount(const std::string& home, const std::string& track) { return Json(home, "where " + track)["holders"].size(); }
  // Gives `home` a week of history online around the clock, as an always-on
  // PC or NAS has: placement ranks it before devices that just started.
  void SeedAlwaysOn(const std::string& home) {
    auto db = store::Database::Open(Home(home) + "/hearth.db", false);
    ASSERT_TRUE(db) << db.error().message;
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    for (int64_t h = 8 * 24; h >= 0; --h)
      ASSERT_TRUE(store::AddUptime(*db, now - h * 3'600'000'000, 3600));
  }
  // Deletes every address `home` knows for the other devices (its peers).
  static void ForgetAddresses(const std::string& home) {
    auto db = store::Database::Open(home + "/hearth.db", false);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->Exec("DELETE FROM peers").has_value());
  }
  static size_t CountInLog(const std::string& log, const std::string& text) {
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  TempDir dir_;
};

}  // namespace hearth::testing
