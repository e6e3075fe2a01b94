#include "node/admin/invites.h"

#include <fmt/format.h>

#include "crypto/sodium.h"
#include "node/admin/device_admin.h"

namespace hearth::admin {

std::expected<Role, AdminError> ParseRoleName(const std::string& name) {
  if (name == "full") return Role::kFull;
  if (name == "phone") return Role::kPhone;
  if (name == "storage") return Role::kStorage;
  return std::unexpected(AdminError{AdminErrc::kBadRequest, "the role must be full, phone or storage"});
}

std::expected<CreatedInvite, AdminError> CreateInvite(store::Home& home, const InviteRequest& request,
                                                      int64_t now_us) {
  if (request.ttl_s <= 0 || request.ttl_s > kMaxInviteTtlSeconds)
    return std::unexpected(AdminError{AdminErrc::kBadRequest, "an invite lasts from 1 s to 30 days"});
  const LedgerState& state = home.ledger().ledger().state();
  auto me = state.members.find(home.device_id());
  const bool member = me != state.members.end() && !me->second.revoked;
  if (request.for_recovery) {
    // Any member that holds the content secret: the new device proves it
    // holds the recovery key, and adds itself as an admin.
    if (request.role == Role::kStorage)
      return std::unexpected(AdminError{AdminErrc::kBadRequest,
                                        "a device joining with the recovery key becomes an admin, and a storage device "
                                        "cannot be one: use the role full or phone"});
    if (!member || !home.content_secret())
      return std::unexpected(AdminError{AdminErrc::kNotAllowed,
                                        "only a member device that holds the content secret can invite for recovery"});
    if (!state.recovery_key)
      return std::unexpected(
          AdminError{AdminErrc::kConflict, "the household has no recovery key: nobody can join with one"});
  } else if (auto admin = RequireAdmin(home); !admin) {
    return std::unexpected(AdminError{AdminErrc::kNotAllowed,
                                      admin.error().message +
                                          "; with no admin left, a new device can join with the recovery key: "
                                          "`hearth invite --for-recovery`"});
  }

  CreatedInvite out;
  out.code.household = home.household();
  out.code.inviter = home.device_id();
  crypto::RandomBytes(out.code.secret.data(), out.code.secret.size());
  if (request.addresses.empty())
    return std::unexpected(AdminError{AdminErrc::kBadRequest, "an invite needs the address the new device dials"});
  for (const std::string& text : request.addresses) {
    auto addr = ParseInviteAddress(text);
    if (!addr) return std::unexpected(AdminError{AdminErrc::kBadRequest, "address " + text + ": " + addr.error()});
    if (addr->ToString().starts_with("0.0.0.0") || addr->ToString().starts_with("[::]"))
      return std::unexpected(AdminError{AdminErrc::kBadRequest,
                                        "the node listens on every address; give the one the new device can reach "
                                        "(HOST:PORT)"});
    out.code.addresses.push_back(*addr);
  }
  if (out.code.addresses.size() > kMaxInviteAddresses)
    return std::unexpected(AdminError{AdminErrc::kBadRequest, fmt::format("at most {} addresses", kMaxInviteAddresses)});

  out.invite.id = InviteIdOf(out.code.secret);
  out.invite.secret = out.code.secret;
  out.invite.role = request.role;
  out.invite.created_us = now_us;
  out.invite.expires_us = now_us + request.ttl_s * 1'000'000;
  out.invite.recovery = request.for_recovery;
  if (auto saved = store::SaveInvite(home.db(), out.invite); !saved)
    return std::unexpected(AdminError{AdminErrc::kStore, "cannot record the invite: " + saved.error().message});
  out.text = EncodeInviteCode(out.code);
  return out;
}

}  // namespace hearth::admin
