// LoginThrottle: wrong passwords slow a guesser down, per client address and
// per user name, so neither one connection nor many addresses can try more
// than a handful of passwords a minute. The first kFreeFailures wrong
// passwords cost nothing (a person mistyping); each further one doubles a
// wait, from 1 s up to 5 min, during which passwords for that address or
// that name are not even checked. A right password clears both. Entries
// untouched for an hour are forgotten, and at most kMaxEntries are kept
// (the oldest go first), so a flood of addresses cannot exhaust memory.
//
// Applies to passwords and Subsonic tokens (guessable); API keys are 256
// random bits and are not throttled. One thread (the HTTP side's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace hearth::http {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kFirstWaitUs = 1'000'000;
  static constexpr int64_t kMaxWaitUs = 300'000'000;
  static constexpr int64_t kForgetAfterUs = 3'600'000'000;
  static constexpr size_t kMaxEntries = 10'000;

  // `now`: microseconds, monotonic enough for waits (the service's clock).
  explicit LoginThrottle(std::function<int64_t()> now) : now_(std::move(now)) {}

  // How long a password from `address` for `user` must wait before it is
  // checked; 0: check it now.
  int64_t WaitUs(const std::string& address, const std::string& user);
  void Failed(const std::string& address, const std::string& user);
  void Succeeded(const std::string& address, const std::string& user);

 private:
  struct Entry {
    int failures = 0;
    int64_t until = 0;  // no check before this
    int64_t last = 0;   // last failure
  };
  int64_t Wait(std::map<std::string, Entry>& table, const std::string& key, int64_t now);
  void Fail(std::map<std::string, Entry>& table, const std::string& key, int64_t now);
  static void Trim(std::map<std::string, Entry>& table, int64_t now);

  std::function<int64_t()> now_;
  std::map<std::string, Entry> by_address_, by_user_;
};

}  // namespace hearth::http
