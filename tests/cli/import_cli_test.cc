// `hearth import` and friends, driven through the real binary.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "tests/support/media_files.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using hearth::testing::Quote;
using hearth::testing::RunCommand;

class ImportCli : public ::testing::Test {
 protected:
  hearth::testing::CommandResult Hearth(const std::string& args, const std::string& home_dir = "") {
    return RunCommand(std::string(HEARTH_BIN) + " --home " + Quote(home_dir.empty() ? home() : home_dir) + " " + args);
  }
  std::string home() const { return dir / "home"; }
  void MakeLibrary(int n) {
    auto r = RunCommand(std::string(HEARTH_SOURCE_DIR) + "/tools/make-library " + std::to_string(n) + " " + Quote(dir / "lib"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  hearth::testing::TempDir dir;
};

TEST_F(ImportCli, ImportListSearchShowExportForget) {
  MakeLibrary(14);
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto imp = Hearth("import --json " + Quote(dir / "lib"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto s = nlohmann::json::parse(imp.out);
  EXPECT_EQ(s["imported"], 14);
  EXPECT_EQ(s["matched"], 1);
  EXPECT_EQ(s["duplicate"], 1);

  auto text = Hearth("import " + Quote(dir / "lib"));
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("unchanged 16"), std::string::npos) << text.out;

  auto ls = nlohmann::json::parse(Hearth("ls --json").out);
  ASSERT_EQ(ls.size(), 14u);
  std::string id = ls[0]["id"];
  EXPECT_EQ(nlohmann::json::parse(Hearth("ls --json --artist bjork").out).size(), 0u);  // no accent folding in ls
  EXPECT_EQ(nlohmann::json::parse(Hearth("ls --json --artist Björk").out).size(), 10u);
  auto found = nlohmann::json::parse(Hearth("search --json bjo").out);
  EXPECT_EQ(found.size(), 10u);

  auto show = Hearth("show " + id.substr(0, 8));
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find(id), std::string::npos);
  EXPECT_NE(show.out.find("stored here"), std::string::npos);
  EXPECT_EQ(Hearth("show zz").exit_code, 1);

  auto exp = Hearth("export --all " + Quote(dir / "out"));
  ASSERT_EQ(exp.exit_code, 0) << exp.err;
  size_t exported = 0;
  for (const auto& f : fs::directory_iterator(dir / "out")) exported += f.is_regular_file();
  EXPECT_EQ(exported, 14u);

  auto forget = Hearth("forget " + id.substr(0, 10));
  ASSERT_EQ(forget.exit_code, 0) << forget.err;
  EXPECT_EQ(nlohmann::json::parse(Hearth("ls --json").out).size(), 13u);
  EXPECT_EQ(Hearth("ledger verify").exit_code, 0);
}

// An import in place writes no sealed copy, yet exports bit-exact; its
// folder is listed (and its state told), and can be removed.
TEST_F(ImportCli, InPlaceImportKeepsNoCopyAndItsFolderIsListed) {
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/a.flac", {.seconds = 3, .title = "A"}));
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/b.mp3", {.seconds = 3, .title = "B"}));
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto imp = Hearth("import --in-place --json " + Quote(dir / "lib"));
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_EQ(nlohmann::json::parse(imp.out)["imported"], 2);
  size_t sealed = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir / "home/blobs")) sealed += f.is_regular_file();
  EXPECT_EQ(sealed, 0u);
  ASSERT_EQ(Hearth("export --all " + Quote(dir / "out")).exit_code, 0);
  for (const char* name : {"a.flac", "b.mp3"}) {
    std::ifstream x(dir / ("lib/" + std::string(name)), std::ios::binary), y(dir / ("out/" + std::string(name)), std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(x), {}), std::string(std::istreambuf_iterator<char>(y), {}))
        << name;
  }

  const std::string lib = fs::canonical(dir / "lib").string();
  auto folders = nlohmann::json::parse(Hearth("folders --json").out);
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0]["path"], lib);
  EXPECT_EQ(folders[0]["kind"], "folder");
  EXPECT_EQ(folders[0]["state"], "available");
  // The folder goes away (an unmounted disk): it is said to be unavailable.
  fs::rename(dir / "lib", dir / "lib-moved");
  folders = nlohmann::json::parse(Hearth("folders --json").out);
  EXPECT_EQ(folders[0]["state"], "unavailable: No such file or directory");
  fs::rename(dir / "lib-moved", dir / "lib");

  auto removed = Hearth("folders remove " + Quote(dir / "lib"));
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_TRUE(nlohmann::json::parse(Hearth("folders --json").out).empty());
  auto again = Hearth("folders remove " + Quote(dir / "lib"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("is not a folder this device imports from"), std::string::npos) << again.err;
  EXPECT_EQ(nlohmann::json::parse(Hearth("ls --json").out).size(), 2u) << "the library keeps what was imported";
}

// `import --copy` keeps sealed copies (the old behaviour, and what a home
// made by an earlier version holds); importing the folder again without it
// switches the folder to in place: the copies go, nothing is claimed again,
// and every track still exports bit-exact.
TEST_F(ImportCli, AFolderImportedWithCopiesSwitchesToInPlace) {
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/a.flac", {.seconds = 3, .title = "A"}));
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/b.mp3", {.seconds = 3, .title = "B"}));
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  auto sealed_files = [&] {
    size_t n = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir / "home/blobs")) n += f.is_regular_file();
    return n;
  };
  auto copy = nlohmann::json::parse(Hearth("import --copy --json " + Quote(dir / "lib")).out);
  EXPECT_EQ(copy["imported"], 2);
  EXPECT_EQ(copy["kept"], "copies");
  EXPECT_EQ(sealed_files(), 2u);
  EXPECT_EQ(nlohmann::json::parse(Hearth("folders --json").out)[0]["kept"], "copies");
  const size_t entries = nlohmann::json::parse(Hearth("status --json").out)["ledger"]["entries"];

  auto switched = nlohmann::json::parse(Hearth("import --json " + Quote(dir / "lib")).out);
  EXPECT_EQ(switched["duplicate"], 2) << switched;
  EXPECT_EQ(switched["kept"], "in place");
  EXPECT_EQ(sealed_files(), 0u) << "the sealed copies go once the originals are kept";
  EXPECT_EQ(nlohmann::json::parse(Hearth("folders --json").out)[0]["kept"], "in place");
  EXPECT_EQ(nlohmann::json::parse(Hearth("status --json").out)["ledger"]["entries"], entries) << "nothing claimed again";
  ASSERT_EQ(Hearth("export --all " + Quote(dir / "out")).exit_code, 0);
  for (const char* name : {"a.flac", "b.mp3"}) {
    std::ifstream x(dir / ("lib/" + std::string(name)), std::ios::binary), y(dir / ("out/" + std::string(name)), std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(x), {}), std::string(std::istreambuf_iterator<char>(y), {}))
        << name;
  }
  EXPECT_EQ(Hearth("import --copy --in-place " + Quote(dir / "lib")).exit_code, 2) << "opposite flags";
}

TEST_F(ImportCli, SomeFilesFailingExitsThreeAndSaysWhich) {
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/good.mp3"));
  { std::ofstream(dir / "lib/bad.mp3") << "not music"; }
  auto imp = Hearth("import " + Quote(dir / "lib"));
  EXPECT_EQ(imp.exit_code, 3);
  EXPECT_NE(imp.err.find("bad.mp3: not an audio file"), std::string::npos) << imp.err;
  EXPECT_NE(imp.err.find("1 file could not be imported"), std::string::npos) << imp.err;
  EXPECT_NE(imp.out.find("imported 1"), std::string::npos) << imp.out;
}

TEST_F(ImportCli, KilledMidImportThenRunAgainCompletesWithoutDuplicates) {
  MakeLibrary(60);
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  for (int round = 0; round < 3; ++round) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(HEARTH_BIN, HEARTH_BIN, "--home", home().c_str(), "import", (dir / "lib").c_str(), nullptr);
      _exit(127);
    }
    ::usleep(120000 + 80000 * round);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    EXPECT_EQ(Hearth("ledger verify").exit_code, 0);
  }
  auto done = Hearth("import --json " + Quote(dir / "lib"));
  ASSERT_EQ(done.exit_code, 0) << done.err;
  auto ls = nlohmann::json::parse(Hearth("ls --json").out);
  EXPECT_EQ(ls.size(), 60u);
  // Exactly the claims an uninterrupted import makes: nothing twice.
  ASSERT_EQ(Hearth("init --name Clean --device-name pc", dir / "clean").exit_code, 0);
  ASSERT_EQ(Hearth("import " + Quote(dir / "lib"), dir / "clean").exit_code, 0);
  auto killed = nlohmann::json::parse(Hearth("status --json").out);
  auto clean = nlohmann::json::parse(Hearth("status --json", dir / "clean").out);
  EXPECT_EQ(killed["counts"]["tracks"], clean["counts"]["tracks"]);
  EXPECT_EQ(killed["counts"]["blobs"], clean["counts"]["blobs"]);
  EXPECT_TRUE(fs::is_empty(home() + "/tmp"));
}

TEST_F(ImportCli, InterruptedByCtrlCStopsCleanlyAndResumes) {
  MakeLibrary(60);
  ASSERT_EQ(Hearth("init --name Home --device-name pc").exit_code, 0);
  std::string out = dir / "import.out";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(HEARTH_BIN, HEARTH_BIN, "--home", home().c_str(), "import", "-j", "1", (dir / "lib").c_str(), nullptr);
    _exit(127);
  }
  // ^C once the first claims are written, so it always lands mid-import.
  for (int i = 0; i < 2000; ++i) {
    sqlite3* db = nullptr;
    int64_t entries = 0;
    if (sqlite3_open_v2((home() + "/hearth.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger_entries", -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        entries = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
    if (entries >= 3) break;
    ::usleep(2000);
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream f(out);
  std::string printed((std::istreambuf_iterator<char>(f)), {});
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of stopping cleanly";
  EXPECT_EQ(WEXITSTATUS(status), 130) << printed;
  EXPECT_NE(printed.find("interrupted: imported"), std::string::npos) << printed;
  EXPECT_NE(printed.find("run it again to finish"), std::string::npos) << printed;
  auto again = nlohmann::json::parse(Hearth("import --json " + Quote(dir / "lib")).out);
  EXPECT_FALSE(again["interrupted"].get<bool>());
  EXPECT_EQ(nlohmann::json::parse(Hearth("ls --json").out).size(), 60u);
  EXPECT_EQ(Hearth("ledger verify").exit_code, 0);
}

TEST_F(ImportCli, ADiskThatFillsUpMidImportLosesNothing) {
  if (RunCommand("unshare --mount true").exit_code != 0) GTEST_SKIP() << "needs mount namespaces";
  MakeLibrary(30);
  // A 3 MiB disk for the home: the database fits, sealed copies of the
  // library do not.
  std::string script =
      "mount -t tmpfs -o size=3m tmpfs " + Quote(dir / "small") + " && " + HEARTH_BIN + " --home " +
      Quote(dir / "small/home") + " init --name Home --device-name pc >/dev/null && " + HEARTH_BIN +
      " --home " + Quote(dir / "small/home") + " import --copy " + Quote(dir / "lib") + "; echo rc=$?; " +
      HEARTH_BIN + " --home " + Quote(dir / "small/home") + " ledger verify && " + HEARTH_BIN +
      " --home " + Quote(dir / "small/home") + " export --all " + Quote(dir / "out") + " >/dev/null && echo export-ok; " +
      "ls " + Quote(dir / "small/home/tmp") + " | wc -l";
  fs::create_directories(dir / "small");
  auto r = RunCommand("unshare --mount sh -c " + Quote(script));
  EXPECT_NE(r.out.find("rc=3"), std::string::npos) << r.out << r.err;
  // Where the disk fills decides who says so: the blob writer or SQLite.
  EXPECT_TRUE(r.err.find("No space left on device") != std::string::npos ||
              r.err.find("disk is full") != std::string::npos) << r.err;
  EXPECT_NE(r.out.find("ledger ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("export-ok"), std::string::npos) << r.out << r.err;  // every claimed track is whole
  EXPECT_NE(r.out.find("\n0\n"), std::string::npos) << r.out;               // no temp file left
}

TEST_F(ImportCli, UnreadableFilesAreReported) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to switch to another user";
  fs::create_directories(dir / "lib");
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/ok.ogg"));
  ASSERT_TRUE(hearth::testing::MakeTone(dir / "lib/secret.ogg", {.frequency = 600}));
  fs::permissions(dir / "lib/secret.ogg", fs::perms::owner_read);  // root-only
  RunCommand("chmod 755 " + Quote(dir.path()) + " " + Quote(dir / "lib") + " && chmod 644 " + Quote(dir / "lib/ok.ogg"));
  fs::create_directories(dir / "nobody");
  RunCommand("chown nobody " + Quote(dir / "nobody"));
  std::string as_nobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent ";
  auto init = RunCommand(as_nobody + HEARTH_BIN + " --home " + Quote(dir / "nobody/home") + " init --name H --device-name pc");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto imp = RunCommand(as_nobody + HEARTH_BIN + " --home " + Quote(dir / "nobody/home") + " import " + Quote(dir / "lib"));
  EXPECT_EQ(imp.exit_code, 3) << imp.err;
  EXPECT_NE(imp.err.find("secret.ogg: cannot open: Permission denied"), std::string::npos) << imp.err;
  EXPECT_NE(imp.out.find("imported 1"), std::string::npos) << imp.out;
}

}  // namespace
}  // namespace hearth
