// MeshNode: ledger sync (HELLO / ENTRIES / SYNCED, new entries forwarded to
// every member, the CLI's entries picked up) and pairing (JOIN). Sessions
// are in mesh_node.cc.
#include <sodium.h>

#include "node/library/catalog.h"
#include "node/mesh/endpoint.h"
#include "node/mesh/mesh_node.h"
#include "node/store/mesh_tables.h"
#include "protocol/ledger_entry.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {

void MeshNode::OnHello(Session& s, ByteSpan payload) {
  auto hello = DecodeHello(payload);
  if (!hello) return s.conn->SendErrorAndClose(kErrMalformed, hello.error());
  if (hello->version != kMeshProtocolVersion) {
    return s.conn->SendErrorAndClose(kErrMalformed, "unsupported protocol version " + std::to_string(hello->version));
  }
  s.control_port = hello->control_port;
  s.torrent_port = hello->torrent_port;
  SavePeerState(s, true);
  if (s.control_port != 0 && !s.dial_target) {
    dial_book_.Learn(FormatEndpoint(s.conn->remote_host(), s.control_port), s.conn->remote_host(), s.control_port,
                     s.conn->peer(), SteadyNow() + std::chrono::seconds(1));
  }
  const auto& ledger = home_.ledger().ledger();
  std::vector<Bytes> missing;
  if (hello->heads.empty()) {
    // A new device lacks everything: the table in arrival order (a causal
    // order) in one scan, instead of one lookup per entry.
    auto rows = store::LoadEntriesSince(home_.db(), 0);
    if (!rows) return s.conn->SendErrorAndClose(kErrInternal, "cannot read the ledger: " + rows.error().message);
    for (auto& row : *rows) missing.push_back(std::move(row.bytes));
  } else {
    auto bytes = store::LoadEntryBytes(home_.db(), ledger.MissingFor(hello->heads));
    if (!bytes) return s.conn->SendErrorAndClose(kErrInternal, "cannot read the ledger: " + bytes.error().message);
    missing = std::move(*bytes);
  }
  for (const Bytes& batch : EncodeEntryBatches(missing)) s.conn->Send(MessageType::kEntries, batch);
  s.conn->Send(MessageType::kSynced, {});
  BroadcastPeers();
}

void MeshNode::OnEntries(Session& s, ByteSpan payload) {
  auto batch = DecodeEntryBatch(payload);
  if (!batch) return s.conn->SendErrorAndClose(kErrMalformed, batch.error());
  std::set<EntryId> from_peer;
  size_t refused = 0;
  std::string first_refusal;
  std::vector<SignedEntry> entries;
  for (const Bytes& bytes : *batch) {
    auto entry = DecodeEntry(bytes);
    if (entry) {
      entries.push_back(std::move(*entry));
    } else if (refused++ == 0) {
      first_refusal = entry.error().Message();
    }
  }
  auto outcome = home_.ledger().AppendBatch(entries);
  if (!outcome) {
    Log("could not store entries from " + Name(s.conn->peer()) + ": " + outcome.error().message);
    return;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& why = (*outcome)[i];
    if (!why) {
      from_peer.insert(entries[i].id);
    } else if (why->kept) {
      from_peer.insert(entries[i].id);
      Log("kept entry " + entries[i].id.ShortHex() + " from " + Name(s.conn->peer()) + " as evidence: " +
          why->error.Message());
    } else if (why->error.code != LedgerErrc::kReplayed && refused++ == 0) {
      first_refusal = why->error.Message();
    }
  }
  if (refused > 0)
    Log("refused " + std::to_string(refused) + " entr" + (refused == 1 ? "y" : "ies") + " from " +
        Name(s.conn->peer()) + ": " + first_refusal);
  if (!from_peer.empty()) BroadcastNewEntries(s.conn.get(), from_peer);
}

void MeshNode::BroadcastNewEntries(const Connection* origin, const std::set<EntryId>& from_origin) {
  auto rows = store::LoadEntriesSince(home_.db(), last_arrival_);
  if (!rows || rows->empty()) return;
  last_arrival_ = rows->back().arrival;
  std::vector<Bytes> all, for_origin;
  for (auto& row : *rows) {
    if (!from_origin.contains(row.id)) for_origin.push_back(row.bytes);
    all.push_back(std::move(row.bytes));
  }
  for (auto& [device, raw] : members_) {
    // A device these entries revoke hears nothing more (it is cut off next).
    if (!IsUnrevokedMember(device)) continue;
    const auto& list = raw == origin ? for_origin : all;
    for (const Bytes& batch : EncodeEntryBatches(list)) raw->Send(MessageType::kEntries, batch);
  }
  AfterLedgerChange();
}

void MeshNode::AfterLedgerChange() {
  // Sessions of devices revoked meanwhile end now.
  std::vector<Connection*> revoked;
  for (auto& [device, raw] : members_)
    if (!IsUnrevokedMember(device)) revoked.push_back(raw);
  for (Connection* raw : revoked) {
    Log("cutting off " + Name(raw->peer()) + ": revoked");
    raw->Close("revoked");
  }
  if (catalog_dirty_) return;
  catalog_dirty_ = true;
  catalog_timer_.expires_after(std::chrono::milliseconds(150));
  catalog_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive || stopping_) return;
    catalog_dirty_ = false;
    library::Catalog catalog(home_.db());
    auto stats = catalog.Sync(home_.ledger().ledger().state(), home_.content_secret());
    if (!stats) Log("catalog update failed: " + stats.error().message);
    else if (stats->added + stats->removed > 0)
      Log("catalog: " + std::to_string(stats->added) + " added, " + std::to_string(stats->removed) + " removed");
    last_policy_ = {};  // the policy may have changed: apply it at the next tick
  });
}

void MeshNode::PollLocalLedger() {
  if (auto r = home_.ledger().CatchUp(); !r) return Log("cannot read the ledger: " + r.error().message);
  const int64_t before = last_arrival_;
  BroadcastNewEntries(nullptr, {});
  // The CLI's imports and forgets write blobs with their claims and releases.
  if (last_arrival_ != before) local_blobs_dirty_ = true;
}

void MeshNode::OnJoin(Session& s, ByteSpan payload) {
  Connection& c = *s.conn;
  auto join = DecodeJoin(payload);
  if (!join) return c.SendErrorAndClose(kErrMalformed, join.error());
  auto invite = store::FindInvite(home_.db(), join->invite_id);
  if (!invite) return c.SendErrorAndClose(kErrInternal, "cannot read invites: " + invite.error().message);
  auto refuse = [&](const std::string& why) {
    Log("refused a device (" + DeviceShort(c.peer()) + ") from " + c.remote_host() + ": " + why);
    c.SendErrorAndClose(kErrInvite, why);
  };
  if (!*invite) return refuse("this invite code is not known to the device it names (forged, or revoked)");
  if ((*invite)->used_by) return refuse("this invite code has already been used");
  if ((*invite)->expires_us <= Now()) return refuse("this invite code has expired");
  crypto::Digest expected = JoinProof((*invite)->secret, home_.household(), home_.device_id(), c.peer());
  if (sodium_memcmp(expected.data(), join->proof.data(), expected.size()) != 0)
    return refuse("the invite proof does not match this invite code");
  const auto& members = home_.ledger().ledger().state().members;
  if (auto me = members.find(home_.device_id()); me == members.end() || !me->second.admin || me->second.revoked)
    return c.SendErrorAndClose(kErrNotAllowed, "the inviting device is no longer an admin");

  const Role role = (*invite)->role;
  auto added = home_.db().Transaction([&]() -> std::expected<void, store::StoreError> {
    if (auto r = store::MarkInviteUsed(home_.db(), join->invite_id, c.peer(), Now()); !r) return r;
    DeviceAdd add{c.peer(), role, false, join->device_name};
    auto e = home_.ledger().Author(home_.device_key(), add, Now());
    if (!e) return std::unexpected(store::StoreError{store::StoreErrc::kRejected, e.error().Message()});
    return {};
  });
  if (!added) {
    (void)home_.ledger().Reload();
    return refuse(added.error().code == store::StoreErrc::kExists ? "this invite code has already been used"
                                                                 : "could not add the device: " + added.error().message);
  }
  Welcome welcome;
  welcome.role = role;
  if (role != Role::kStorage) {
    std::array<uint8_t, 32> secret{};
    const auto& held = home_.content_secret()->secret();
    std::copy(held.span().begin(), held.span().end(), secret.begin());
    welcome.content_secret = secret;
  }
  c.Send(MessageType::kWelcome, EncodeWelcome(welcome));
  sodium_memzero(welcome.content_secret ? welcome.content_secret->data() : nullptr,
                 welcome.content_secret ? 32 : 0);
  s.candidate = false;
  Log("paired " + Name(c.peer()) + " as a " + std::string(RoleName(role)) + " device");
  RegisterMember(s);
  BroadcastNewEntries(nullptr, {});
}

}  // namespace hearth::mesh
