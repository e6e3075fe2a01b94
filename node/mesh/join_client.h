// JoinHousehold: the new device's side of pairing (`hearth join`).
//
// Connects to the inviter (the addresses in the code, `extra` first),
// authenticates it as exactly the device the code names, proves knowledge of
// the invite secret (JOIN), receives its role and -- unless it joins as a
// storage device -- the content secret (WELCOME), then receives the ledger
// until SYNCED and checks that it now lists this device. Runs its own
// io_context and returns when done, refused, or after `timeout`.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "node/store/home.h"
#include "protocol/pairing.h"

namespace hearth::mesh {

struct JoinOutcome {
  Role role = Role::kFull;
  std::string household_name;
  std::string inviter_name;
  std::string inviter_address;  // HOST:PORT it was reached at
  size_t entries = 0;           // ledger entries received
  bool recovered = false;       // joined with the recovery key: this device added itself as an admin
};

// `home` must come from Home::CreateJoining for the code's household. With
// `recovery_key` (the household's recovery key, for an invite made with
// `hearth invite --for-recovery` by any member), JOIN carries the key's proof,
// and once the ledger is here this device writes its own recovery.use that
// adds it as an admin, and sends it to the inviter before it returns.
std::expected<JoinOutcome, std::string> JoinHousehold(store::Home& home, const InviteCode& code,
                                                      const std::string& device_name,
                                                      const std::vector<std::string>& extra,
                                                      std::chrono::seconds timeout,
                                                      std::function<void(const std::string&)> log,
                                                      const crypto::DeviceKey* recovery_key = nullptr);

}  // namespace hearth::mesh
