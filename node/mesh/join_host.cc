#include "node/mesh/join_host.h"

#include <sodium.h>

#include "crypto/signing.h"
#include "node/store/mesh_tables.h"
#include "protocol/ledger_entry.h"
#include "protocol/mesh_messages.h"
#include "protocol/pairing.h"

namespace hearth::mesh {

void JoinHost::OnJoin(Connection& c, ByteSpan payload) {
  auto join = DecodeJoin(payload);
  if (!join) return c.SendErrorAndClose(kErrMalformed, join.error());
  store::Home& home = ctx_.home;
  auto invite = store::FindInvite(home.db(), join->invite_id);
  if (!invite) return c.SendErrorAndClose(kErrInternal, "cannot read invites: " + invite.error().message);
  auto refuse = [&](const std::string& why) {
    ctx_.Log("refused a device (" + DeviceShort(c.peer()) + ") from " + c.remote_host() + ": " + why);
    c.SendErrorAndClose(kErrInvite, why);
  };
  if (!*invite) return refuse("this invite code is not known to the device it names (forged, or revoked)");
  if ((*invite)->used_by) return refuse("this invite code has already been used");
  if ((*invite)->expires_us <= ctx_.Now()) return refuse("this invite code has expired");
  crypto::Digest expected = JoinProof((*invite)->secret, home.household(), home.device_id(), c.peer());
  if (sodium_memcmp(expected.data(), join->proof.data(), expected.size()) != 0)
    return refuse("the invite proof does not match this invite code");
  const LedgerState& state = home.ledger().ledger().state();
  const auto& members = state.members;
  const bool recovery = (*invite)->recovery;
  if (recovery) {
    // The new device adds itself with the recovery key: it must show it
    // holds the household's key before it gets the content secret.
    if (!join->recovery) return refuse("this invite is for a device joining with the recovery key, and none was given");
    if (!state.recovery_key || join->recovery->key != *state.recovery_key)
      return refuse("that is not the household's recovery key (replaced, or never its)");
    if (!crypto::VerifySignature(join->recovery->key, RecoveryJoinProofBytes(home.household(), c.peer(), join->invite_id),
                                 join->recovery->proof))
      return refuse("the recovery proof does not verify");
    if (!home.content_secret())
      return c.SendErrorAndClose(kErrNotAllowed, "the inviting device holds no content secret to hand over");
  } else if (auto me = members.find(home.device_id());
             me == members.end() || !me->second.admin || me->second.revoked) {
    return c.SendErrorAndClose(kErrNotAllowed, "the inviting device is no longer an admin");
  }

  const Role role = (*invite)->role;
  auto added = home.db().Transaction([&]() -> std::expected<void, store::StoreError> {
    if (auto r = store::MarkInviteUsed(home.db(), join->invite_id, c.peer(), ctx_.Now()); !r) return r;
    if (recovery) return {};  // its own recovery.use adds it, sent once it has the ledger
    DeviceAdd add{c.peer(), role, false, join->device_name};
    auto e = home.ledger().Author(home.device_key(), add, ctx_.Now());
    if (!e) return std::unexpected(store::StoreError{store::StoreErrc::kRejected, e.error().Message()});
    return {};
  });
  if (!added) {
    (void)home.ledger().Reload();
    return refuse(added.error().code == store::StoreErrc::kExists ? "this invite code has already been used"
                                                                 : "could not add the device: " + added.error().message);
  }
  Welcome welcome;
  welcome.role = role;
  if (role != Role::kStorage) {
    std::array<uint8_t, 32> secret{};
    const auto& held = home.content_secret()->secret();
    std::copy(held.span().begin(), held.span().end(), secret.begin());
    welcome.content_secret = secret;
  }
  c.Send(MessageType::kWelcome, EncodeWelcome(welcome));
  sodium_memzero(welcome.content_secret ? welcome.content_secret->data() : nullptr,
                 welcome.content_secret ? 32 : 0);
  if (recovery)
    ctx_.Log("a new device (" + DeviceShort(c.peer()) + ") joins with the household's recovery key as a " +
             std::string(RoleName(role)) + " device; it adds itself as an admin");
  else
    ctx_.Log("paired " + ctx_.Name(c.peer()) + " as a " + std::string(RoleName(role)) + " device");
  peers_.Admit(c);
  sync_.BroadcastNewEntries(nullptr, {});
}

}  // namespace hearth::mesh
