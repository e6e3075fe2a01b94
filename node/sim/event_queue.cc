#include "node/sim/event_queue.h"

#include <algorithm>

namespace hearth::sim {

void EventQueue::At(int64_t t, Fn fn) { queue_.push(Event{std::max(t, now_), seq_++, std::move(fn)}); }

uint64_t EventQueue::RunUntil(int64_t t) {
  uint64_t ran = 0;
  while (!queue_.empty() && queue_.top().t <= t) {
    // Moved out before popping: the event may schedule more.
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    now_ = e.t;
    e.fn();
    ++ran;
  }
  now_ = std::max(now_, t);
  return ran;
}

}  // namespace hearth::sim
