#include "node/sim/sim_faults.h"

#include <set>

#include "node/sim/sim_world.h"

namespace hearth::sim {
namespace {


}  // namespace

FaultPlan::FaultPlan(SimWorld& world, SimRandom random) : world_(world), random_(random) {}

void FaultPlan::Schedule(int64_t from_us, int64_t until_us) {
  until_ = until_us;
  world_.After(from_us - world_.now(), [this, live = live_] {
    if (*live) Inject();
  });
}

int FaultPlan::PickDevice(bool founder_too) {
  std::vector<int> candidates;
  for (int i = founder_too ? 0 : 1; i < world_.size(); ++i)
    if (world_.InHousehold(i)) candidates.push_back(i);
  return candidates.empty() ? -1 : candidates[random_.Below(candidates.size())];
}

void FaultPlan::Inject() {
  if (world_.now() >= until_) return;
  // Later undoing runs only while the plan is live.
  auto later = [this](int64_t delay, std::function<void()> fn) {
    world_.After(delay, [live = live_, fn = std::move(fn)] {
      if (*live) fn();
    });
  };
  const uint64_t kind = random_.Below(100);
  if (kind < 20) {  // a partition
    std::set<int> side;
    for (int i = 0; i < world_.size(); ++i)
      if (random_.Chance(0.4)) side.insert(i);
    world_.Partition(side);
    later(random_.Between(1, 20) * kMinuteUs, [this] { world_.HealNetwork(); });
  } else if (kind < 45) {  // a device goes away for a while
    if (int i = PickDevice(false); i >= 0) {
      world_.Down(i);
      later(random_.Between(2, 90) * kMinuteUs, [this, i] { world_.Up(i); });
    }
  } else if (kind < 60) {  // a crash, and a restart from the store
    if (int i = PickDevice(true); i >= 0) {
      world_.Down(i);
      later(random_.Between(5, 180) * kSecondUs, [this, i] { world_.Up(i); });
    }
  } else if (kind < 70) {  // a disk fills up with other files
    if (int i = PickDevice(true); i >= 0) {
      world_.FillDisk(i);
      later(random_.Between(5, 40) * kMinuteUs, [this, i] { world_.FreeDisk(i); });
    }
  } else if (kind < 78) {
    const auto copies = static_cast<uint8_t>(random_.Between(1, 3));  // one draw per statement
    world_.SetPolicy(copies, random_.Chance(0.3));
  } else if (kind < 88) {
    if (int i = PickDevice(true); i >= 0) world_.ImportTracks(i, static_cast<int>(random_.Between(1, 6)));
  } else if (kind < 92) {
    if (int i = PickDevice(false); i >= 0 && !revoked_ && world_.size() >= 4 && world_.SafeToLose(i)) {
      revoked_ = true;
      world_.Revoke(i);
    }
  } else if (kind < 96) {
    if (int i = PickDevice(false); i >= 0 && !left_ && world_.size() >= 4 && world_.SafeToLose(i)) {
      left_ = true;
      world_.LeaveForGood(i);
    }
  } else {
    for (int i = 1; i < world_.size(); ++i) {
      if (!world_.Booted(i)) {
        world_.Join(i);
        break;
      }
    }
  }
  world_.After(random_.Between(1, 10) * kMinuteUs, [this, live = live_] {
    if (*live) Inject();
  });
}

}  // namespace hearth::sim
