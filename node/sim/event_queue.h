// EventQueue: the simulator's time. Events run one at a time in the order
// of their time, and of their scheduling among equal times, so a run is a
// pure function of its seed. Time is microseconds since the run began; it
// moves only when the next event runs.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace hearth::sim {

inline constexpr int64_t kSecondUs = 1'000'000;
inline constexpr int64_t kMinuteUs = 60 * kSecondUs;

class EventQueue {
 public:
  using Fn = std::function<void()>;

  int64_t now() const { return now_; }
  // Runs `fn` at `t` (never before now).
  void At(int64_t t, Fn fn);
  void After(int64_t delay_us, Fn fn) { At(now_ + delay_us, std::move(fn)); }
  // Runs every event due at or before `t`, then sets the time to `t`.
  // Returns the number of events run.
  uint64_t RunUntil(int64_t t);
  size_t pending() const { return queue_.size(); }

 private:
  struct Event {
    int64_t t;
    uint64_t seq;
    Fn fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const { return a.t != b.t ? a.t > b.t : a.seq > b.seq; }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace hearth::sim
