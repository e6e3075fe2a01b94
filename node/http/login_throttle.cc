#include "node/http/login_throttle.h"

#include <algorithm>
#include <array>
#include <tuple>

namespace hearth::http {

std::string LoginThrottle::ClientKey(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  std::array<unsigned char, 16> bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

int64_t LoginThrottle::Wait(Table& table, const std::string& key, int64_t now) {
  auto it = table.find(key);
  if (it == table.end()) return 0;
  if (now - it->second.last > kForgetAfterUs) {
    table.erase(it);
    return 0;
  }
  return std::max<int64_t>(0, it->second.until - now);
}

bool LoginThrottle::Known(const std::string& address, const std::string& user, int64_t now) const {
  auto it = known_.find({address, user});
  return it != known_.end() && now - it->second <= kKnownForUs;
}

int64_t LoginThrottle::WaitUs(const std::string& address, const std::string& user) {
  const int64_t now = now_();
  const int64_t by_address = Wait(by_address_, address, now);
  const int64_t by_user = Wait(by_user_, user, now);
  return Known(address, user, now) ? by_address : std::max(by_address, by_user);
}

LoginThrottle::Entry& LoginThrottle::Fail(Table& table, const std::string& key, int64_t now) {
  if (!table.contains(key) && table.size() >= kMaxEntries) Trim(table, now);
  Entry& e = table[key];
  if (now - e.last > kForgetAfterUs) e = Entry{};
  e.last = now;
  ++e.failures;
  if (e.failures > kFreeFailures) {
    const int doublings = std::min(e.failures - kFreeFailures - 1, 20);
    e.until = now + std::min(kMaxWaitUs, kFirstWaitUs << doublings);
  }
  return e;
}

void LoginThrottle::Trim(Table& table, int64_t now) {
  std::erase_if(table, [&](const auto& kv) { return now - kv.second.last > kForgetAfterUs; });
  // Those not waiting go first, then the oldest; an entry still holding a
  // guesser back is the last to go.
  while (table.size() >= kMaxEntries) {
    auto victim = std::min_element(table.begin(), table.end(), [&](const auto& a, const auto& b) {
      return std::make_tuple(a.second.until > now, a.second.last) < std::make_tuple(b.second.until > now, b.second.last);
    });
    table.erase(victim);
  }
}

void LoginThrottle::Failed(const std::string& address, const std::string& user) {
  const int64_t now = now_();
  Entry& a = Fail(by_address_, address, now);
  if (a.failures == 1) a.user = user;
  else if (a.user != user) a.mixed = true;
  Fail(by_user_, user, now);
}

void LoginThrottle::Succeeded(const std::string& address, const std::string& user) {
  const int64_t now = now_();
  by_user_.erase(user);
  if (auto it = by_address_.find(address); it != by_address_.end() && !it->second.mixed && it->second.user == user)
    by_address_.erase(it);
  if (!known_.contains({address, user}) && known_.size() >= kMaxEntries) {
    auto oldest = std::min_element(known_.begin(), known_.end(),
                                   [](const auto& x, const auto& y) { return x.second < y.second; });
    known_.erase(oldest);
  }
  known_[{address, user}] = now;
}

}  // namespace hearth::http
