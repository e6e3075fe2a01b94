// The household simulator's world: devices, sessions, transfers, the
// checks. The faults it injects are in sim_faults.cc.
#include "node/sim/household.h"

#include "node/sim/sim_world.h"

namespace hearth::sim {

SimReport RunHousehold(const SimOptions& options) {
  SimWorld world(options);
  return world.Run();
}

}  // namespace hearth::sim
