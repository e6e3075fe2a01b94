// A child process for tests whose output goes to a log file: a helper
// daemon such as `hearth dht-node`, run in a network namespace. Stopped
// with SIGTERM (killed after 10 s) when the object goes away.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace hearth::testing {

// The whole of a log file ("" while it does not exist).
inline std::string ReadLog(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
// Waits until the log at `path` contains `text`, or `timeout` passes:
// woken by inotify whenever anything in the log's directory changes (the
// log may not exist yet), so it reads the log only when it grew.
inline bool WaitForLogText(const std::string& path, const std::string& text, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (fd >= 0) ::inotify_add_watch(fd, dir.empty() ? "." : dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
  bool found = false;
  for (;;) {
    if (ReadLog(path).find(text) != std::string::npos) {
      found = true;
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd < 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (::read(fd, events, sizeof events) > 0) {
      }
    }
  }
  if (fd >= 0) ::close(fd);
  return found;
}

// Waits (without spinning: a pidfd) until child `pid` exits or `timeout`
// passes; then reaps it. Returns its wait status, or nullopt on timeout.
inline std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  int status = 0;
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(fd);
  }
  if (::waitpid(pid, &status, WNOHANG) == pid) return status;
  return std::nullopt;
}

class LoggedProcess {
 public:
  LoggedProcess(std::vector<std::string> argv, std::string log) : log_(std::move(log)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "a");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~LoggedProcess() { Stop(); }
  LoggedProcess(const LoggedProcess&) = delete;
  LoggedProcess& operator=(const LoggedProcess&) = delete;

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    if (!WaitForExit(pid_, std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  std::string Log() const { return ReadLog(log_); }
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    return WaitForLogText(log_, text, timeout);
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace hearth::testing
