#include "node/reach/address_tally.h"

#include <algorithm>

namespace hearth::reach {

bool AddressTally::Vote(const std::string& node, const std::string& address,
                        std::chrono::steady_clock::time_point now) {
  if (node.empty() || address.empty()) return false;
  std::erase_if(votes_, [&](const auto& v) { return now - v.second.at > kVoteMaxAge; });
  votes_[node] = Vote_{address, now};
  if (votes_.size() > kMaxVoters) {
    auto oldest = std::min_element(votes_.begin(), votes_.end(),
                                   [](const auto& x, const auto& y) { return x.second.at < y.second.at; });
    votes_.erase(oldest);
  }
  struct Count {
    size_t n = 0;
    std::chrono::steady_clock::time_point last{};
  };
  std::map<std::string, Count> counts;
  for (const auto& [n, v] : votes_) {
    Count& c = counts[v.address];
    ++c.n;
    c.last = std::max(c.last, v.at);
  }
  auto best = std::max_element(counts.begin(), counts.end(), [](const auto& x, const auto& y) {
    return x.second.n != y.second.n ? x.second.n < y.second.n : x.second.last < y.second.last;
  });
  if (best->first == answer_) return false;
  answer_ = best->first;
  return true;
}

size_t AddressTally::voters() const {
  return static_cast<size_t>(
      std::count_if(votes_.begin(), votes_.end(), [&](const auto& v) { return v.second.address == answer_; }));
}

}  // namespace hearth::reach
