// A real `hearth serve` process on loopback, for multi-node tests: started
// with its own home, its log captured to HOME.log, its ports read from
// serve.json. Stopped with SIGTERM (or killed) when the object goes away.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/logged_process.h"

namespace hearth::testing {

class NodeProcess {
 public:
  // Starts `PREFIX hearth --home HOME serve --listen LISTEN --torrent-port 0
  // EXTRA` (PREFIX e.g. `ip netns exec NS`) and waits (up to 20 s) until it
  // listens.
  NodeProcess(std::string hearth_bin, std::string home, std::vector<std::string> extra = {},
              std::vector<std::string> prefix = {}, std::string listen = "127.0.0.1:0")
      : home_(std::move(home)), log_(home_ + ".log") {
    std::vector<std::string> args = prefix;
    for (std::string a : {hearth_bin, std::string("--home"), home_, std::string("serve"), std::string("--listen"),
                          listen, std::string("--torrent-port"), std::string("0"), std::string("--http"),
                          std::string("127.0.0.1:0")})
      args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    ::unlink((home_ + "/serve.json").c_str());
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "a");
      if (f) ::dup2(::fileno(f), 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 400 && control_port_ == 0; ++i) {
      std::ifstream in(home_ + "/serve.json");
      std::stringstream s;
      s << in.rdbuf();
      auto j = nlohmann::json::parse(s.str(), nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.value("pid", 0) == pid_) {
        std::string control = j.value("control", "");
        control_port_ = static_cast<uint16_t>(std::stoi(control.substr(control.rfind(':') + 1)));
        torrent_port_ = j.value("torrent_port", uint16_t{0});
        const std::string http = j.value("http", "");
        if (!http.empty()) http_port_ = static_cast<uint16_t>(std::stoi(http.substr(http.rfind(':') + 1)));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  ~NodeProcess() { Stop(); }
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  bool started() const { return control_port_ != 0; }
  uint16_t control_port() const { return control_port_; }
  uint16_t torrent_port() const { return torrent_port_; }
  uint16_t http_port() const { return http_port_; }  // 0: serves no HTTP
  std::string address() const { return "127.0.0.1:" + std::to_string(control_port_); }
  const std::string& home() const { return home_; }
  pid_t pid() const { return pid_; }

  // Whether the process has mapped a file whose path contains `name`
  // (/proc/PID/maps), e.g. a shared library it loads only on demand.
  bool HasMapped(const std::string& name) const {
    std::ifstream maps("/proc/" + std::to_string(pid_) + "/maps");
    std::string line;
    while (std::getline(maps, line))
      if (line.find(name) != std::string::npos) return true;
    return false;
  }

  // False once the process has exited (its status is kept for Stop()).
  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = -1;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  // SIGTERM, then the exit status (-1 if it had to be killed).
  int Stop() { return Signal(SIGTERM); }
  void Kill() { Signal(SIGKILL); }

  std::string Log() const { return ReadLog(log_); }
  // Waits until the log contains `text`.
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    return WaitForLogText(log_, text, timeout);
  }

 private:
  int Signal(int sig) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, sig);
    if (auto status = WaitForExit(pid_, std::chrono::seconds(10))) {
      pid_ = -1;
      exit_status_ = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
      return exit_status_;
    }
    int status = 0;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_status_ = -1;
    return exit_status_;
  }

  std::string home_;
  std::string log_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  uint16_t control_port_ = 0;
  uint16_t torrent_port_ = 0;
  uint16_t http_port_ = 0;
};

// Polls `pred` every 50 ms until it holds or `timeout` passes.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace hearth::testing
