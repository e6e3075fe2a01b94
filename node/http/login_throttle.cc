#include "node/http/login_throttle.h"

#include <algorithm>

namespace hearth::http {

int64_t LoginThrottle::Wait(std::map<std::string, Entry>& table, const std::string& key, int64_t now) {
  auto it = table.find(key);
  if (it == table.end()) return 0;
  if (now - it->second.last > kForgetAfterUs) {
    table.erase(it);
    return 0;
  }
  return std::max<int64_t>(0, it->second.until - now);
}

int64_t LoginThrottle::WaitUs(const std::string& address, const std::string& user) {
  const int64_t now = now_();
  return std::max(Wait(by_address_, address, now), Wait(by_user_, user, now));
}

void LoginThrottle::Fail(std::map<std::string, Entry>& table, const std::string& key, int64_t now) {
  Entry& e = table[key];
  if (now - e.last > kForgetAfterUs) e = Entry{};
  e.last = now;
  ++e.failures;
  if (e.failures > kFreeFailures) {
    const int doublings = std::min(e.failures - kFreeFailures - 1, 20);
    e.until = now + std::min(kMaxWaitUs, kFirstWaitUs << doublings);
  }
  if (table.size() > kMaxEntries) Trim(table, now);
}

void LoginThrottle::Trim(std::map<std::string, Entry>& table, int64_t now) {
  std::erase_if(table, [&](const auto& kv) { return now - kv.second.last > kForgetAfterUs; });
  while (table.size() > kMaxEntries) {
    auto oldest = std::min_element(table.begin(), table.end(),
                                   [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    table.erase(oldest);
  }
}

void LoginThrottle::Failed(const std::string& address, const std::string& user) {
  const int64_t now = now_();
  Fail(by_address_, address, now);
  Fail(by_user_, user, now);
}

void LoginThrottle::Succeeded(const std::string& address, const std::string& user) {
  by_address_.erase(address);
  by_user_.erase(user);
}

}  // namespace hearth::http
