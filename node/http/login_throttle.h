// LoginThrottle: wrong passwords slow a guesser down, per client address and
// per user name, so neither one connection nor many addresses can try more
// than a handful of passwords a minute. The first kFreeFailures wrong
// passwords cost nothing (a person mistyping); each further one doubles a
// wait, from 1 s up to 5 min, during which passwords for that address or
// that name are not even checked.
//
// What a guesser cannot do with it:
//  - lock the owner out: an address that logged in as a user before (within
//    kKnownForUs) is not held back by that user's count, only by its own
//    address's -- a guesser elsewhere does not stop the family's devices;
//  - clear its own count by logging in to an account it has: a right
//    password clears its address's count only when every failure counted
//    there was for that same user (a person who mistyped), and always
//    clears the user's own count;
//  - flood the tables to push its entry out: at most kMaxEntries are kept
//    per table, and entries whose wait has run out go first, oldest first.
// Entries untouched for an hour are forgotten.
//
// Addresses are keys as given: the caller passes an IPv6 client's /64 (one
// home network), see ClientKey. Applies to passwords and Subsonic tokens
// (guessable); API keys are 256 random bits and are not throttled. One
// thread (the HTTP side's).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include <boost/asio/ip/address.hpp>

namespace hearth::http {

class LoginThrottle {
 public:
  static constexpr int kFreeFailures = 5;
  static constexpr int64_t kFirstWaitUs = 1'000'000;
  static constexpr int64_t kMaxWaitUs = 300'000'000;
  static constexpr int64_t kForgetAfterUs = 3'600'000'000;
  static constexpr int64_t kKnownForUs = 30LL * 86'400'000'000;
  static constexpr size_t kMaxEntries = 10'000;

  // `now`: microseconds, monotonic enough for waits (the service's clock).
  explicit LoginThrottle(std::function<int64_t()> now) : now_(std::move(now)) {}

  // The key of a client address: an IPv4 address, or an IPv6 one's /64.
  static std::string ClientKey(const boost::asio::ip::address& address);

  // How long a password from `address` for `user` must wait before it is
  // checked; 0: check it now.
  int64_t WaitUs(const std::string& address, const std::string& user);
  void Failed(const std::string& address, const std::string& user);
  void Succeeded(const std::string& address, const std::string& user);
  // Entries kept in all tables (bounded by 3 * kMaxEntries).
  size_t entries() const { return by_address_.size() + by_user_.size() + known_.size(); }

 private:
  struct Entry {
    int failures = 0;
    int64_t until = 0;   // no check before this
    int64_t last = 0;    // last failure
    std::string user;    // by address: the one user its failures were for...
    bool mixed = false;  // ...unless they were for several
  };
  using Table = std::map<std::string, Entry>;
  static int64_t Wait(Table& table, const std::string& key, int64_t now);
  static Entry& Fail(Table& table, const std::string& key, int64_t now);
  static void Trim(Table& table, int64_t now);
  bool Known(const std::string& address, const std::string& user, int64_t now) const;

  std::function<int64_t()> now_;
  Table by_address_, by_user_;
  std::map<std::pair<std::string, std::string>, int64_t> known_;  // (address, user) -> last login
};

}  // namespace hearth::http
