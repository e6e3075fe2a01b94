// FaultPlan: what goes wrong in a churn run, drawn from the run's seed.
// Every few simulated minutes one of: a partition, a device away for a
// while, a crash and restart, a disk filling up, a policy change, an import,
// and at most once each a revocation, a device leaving for good and a
// device joining. Each fault that is undone (a partition, an absence, a
// full disk) is undone by an event of its own; Stop() ends the plan before
// the world heals.
#pragma once

#include <cstdint>
#include <memory>

#include "node/sim/sim_random.h"

namespace hearth::sim {

class SimWorld;

class FaultPlan {
 public:
  FaultPlan(SimWorld& world, SimRandom random);
  ~FaultPlan() { Stop(); }  // events still queued find the plan gone
  // Injects faults from `from_us` until `until_us` of simulated time.
  void Schedule(int64_t from_us, int64_t until_us);
  // No fault, and no undoing of one, runs after this.
  void Stop() { *live_ = false; }

 private:
  void Inject();
  int PickDevice(bool founder_too);

  SimWorld& world_;
  SimRandom random_;
  int64_t until_ = 0;
  bool revoked_ = false, left_ = false;
  std::shared_ptr<bool> live_ = std::make_shared<bool>(true);
};

}  // namespace hearth::sim
