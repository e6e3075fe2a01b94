#include "node/mesh/mesh_context.h"

namespace hearth::mesh {

std::string MeshContext::Name(const DeviceId& d) const {
  const auto& members = home.ledger().ledger().state().members;
  auto it = members.find(d);
  std::string shortid = DeviceShort(d);
  if (it == members.end() || it->second.name.empty()) return shortid;
  return it->second.name + " (" + shortid + ")";
}

bool MeshContext::IsUnrevokedMember(const DeviceId& d) const {
  const auto& members = home.ledger().ledger().state().members;
  auto it = members.find(d);
  return it != members.end() && !it->second.revoked;
}

}  // namespace hearth::mesh
