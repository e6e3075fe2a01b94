// Invites: a one-time code a new device joins the household with
// (protocol/pairing.h has the code's bytes). `hearth invite` and the control
// room's POST /api/v1/invites both make them here. Not thread-safe: one
// caller per Home.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "node/admin/admin_error.h"
#include "node/store/home.h"
#include "node/store/mesh_tables.h"
#include "protocol/pairing.h"

namespace hearth::admin {

struct InviteRequest {
  Role role = Role::kFull;
  int64_t ttl_s = 24 * 3600;           // 1 s .. 30 days
  std::vector<std::string> addresses;  // HOST:PORT where the inviting node listens; at least one
  bool for_recovery = false;           // the new device proves the recovery key and becomes an admin
};

struct CreatedInvite {
  InviteCode code;
  std::string text;  // what the new device types (or scans): "hearth1-..."
  store::Invite invite;
};

inline constexpr int64_t kMaxInviteTtlSeconds = 30 * 86400;

// Checks that this device may invite (an unrevoked admin; for recovery, any
// member holding the content secret, and the household must have a recovery
// key), then records the invite in the home and returns its code.
std::expected<CreatedInvite, AdminError> CreateInvite(store::Home& home, const InviteRequest& request, int64_t now_us);

// "full", "phone", "storage".
std::expected<Role, AdminError> ParseRoleName(const std::string& name);

}  // namespace hearth::admin
