#include "node/mesh/dial_book.h"

#include <algorithm>

namespace hearth::mesh {

bool DialBook::Add(const std::string& key, const std::string& host, uint16_t port, std::optional<DeviceId> device) {
  auto [it, fresh] = targets_.try_emplace(key);
  if (!fresh) return false;
  it->second.host = host;
  it->second.port = port;
  it->second.device = device;
  return true;
}

void DialBook::Learn(const std::string& key, const std::string& host, uint16_t port, const DeviceId& device,
                     Time not_before) {
  Target& t = targets_[key];
  t.host = host;
  t.port = port;
  t.device = device;
  t.next_attempt = not_before;
}

std::vector<std::string> DialBook::Due(Time now, const std::function<bool(const DeviceId&)>& skip) const {
  std::vector<std::string> due;
  for (const auto& [key, t] : targets_) {
    if (t.connecting || now < t.next_attempt) continue;
    if (t.device && skip(*t.device)) continue;
    due.push_back(key);
  }
  return due;
}

void DialBook::Dialing(const std::string& key) { targets_[key].connecting = true; }

void DialBook::Failed(const std::string& key, Time now, bool for_good) {
  Target& t = targets_[key];
  t.connecting = false;
  if (for_good) {
    t.next_attempt = Time::max();
    return;
  }
  t.next_attempt = now + t.backoff;
  t.backoff = std::min(t.backoff * 2, kMaxBackoff);
}

void DialBook::Connected(const std::string& key, const DeviceId& device) {
  Target& t = targets_[key];
  t.device = device;
  t.backoff = kFirstBackoff;
  t.connecting = false;
}

}  // namespace hearth::mesh
