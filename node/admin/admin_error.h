// What an admin action (pair, revoke, set the policy) can fail with. The
// message says it for people; the CLI prints it, the JSON API answers it with
// the status its code maps to.
#pragma once

#include <string>

namespace hearth::admin {

enum class AdminErrc {
  kNotAllowed,   // this device may not do it (not an admin, revoked, no content secret)  -> 403
  kBadRequest,   // the request itself is wrong (a role, an address, a size out of range) -> 400
  kNotFound,     // no such device                                                        -> 404
  kConflict,     // the household's state forbids it now (already revoked, revoking itself) -> 409
  kStore,        // the home could not be read or written                                  -> 500
};

struct AdminError {
  AdminErrc code;
  std::string message;
};

}  // namespace hearth::admin
