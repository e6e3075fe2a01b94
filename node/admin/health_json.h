// The household's health (health.h) as JSON: what `hearth status --json`
// prints under "health" and GET /api/v1/health answers (docs/api.md).
// Lists of tracks are cut at `listed` entries; their counts are whole.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "node/admin/health.h"

namespace hearth::admin {

nlohmann::json HealthJson(store::Home& home, const Health& h, size_t listed = 20);

// A member's name, or its short id when it has none or is not a member.
std::string MemberName(const LedgerState& state, const DeviceId& d);

// Originals gone from this device's folders whose blob no device holds.
size_t NoCopyLeft(const Health& h);

}  // namespace hearth::admin
