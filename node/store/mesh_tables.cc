#include "node/store/mesh_tables.h"

#include <algorithm>

namespace hearth::store {
namespace {

template <size_t N>
void CopyTo(const Bytes& b, std::array<uint8_t, N>& out) {
  if (b.size() == N) std::copy(b.begin(), b.end(), out.begin());
}

// The blob ids in the first column of every row of `st` (bound already).
std::expected<std::vector<BlobId>, StoreError> BlobIdsOf(Statement& st) {
  std::vector<BlobId> out;
  auto r = st.ForEach([&](Statement& s) {
    BlobId b;
    CopyTo(s.Blob(0), b.bytes);
    out.push_back(b);
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::vector<BlobId>, StoreError> BlobColumn(Database& db, const std::string& sql,
                                                          std::optional<ByteSpan> param,
                                                          std::optional<std::string> text_param = std::nullopt) {
  auto st = db.Prepare(sql);
  if (!st) return std::unexpected(st.error());
  if (param) st->Bind(1, *param);
  if (text_param) st->Bind(1, *text_param);
  return BlobIdsOf(*st);
}

}  // namespace

std::expected<void, StoreError> TouchBlob(Database& db, const BlobId& blob, int64_t now_us) {
  auto st = db.Prepare("INSERT OR REPLACE INTO blob_access (blob_id, last_us) VALUES (?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes).Bind(2, now_us);
  return st->Run();
}

std::expected<std::map<BlobId, int64_t>, StoreError> BlobAccessTimes(Database& db) {
  auto st = db.Prepare("SELECT blob_id, last_us FROM blob_access");
  if (!st) return std::unexpected(st.error());
  std::map<BlobId, int64_t> out;
  auto r = st->ForEach([&](Statement& s) {
    BlobId b;
    CopyTo(s.Blob(0), b.bytes);
    out[b] = s.Int(1);
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::map<BlobId, std::vector<DeviceId>>, StoreError> AllPeerBlobs(Database& db) {
  auto st = db.Prepare("SELECT blob_id, device FROM peer_blobs");
  if (!st) return std::unexpected(st.error());
  std::map<BlobId, std::vector<DeviceId>> out;
  auto r = st->ForEach([&](Statement& s) {
    BlobId b;
    DeviceId d;
    CopyTo(s.Blob(0), b.bytes);
    CopyTo(s.Blob(1), d.bytes);
    out[b].push_back(d);
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::vector<DeviceId>, StoreError> PeerHoldersOf(Database& db, const BlobId& blob) {
  auto st = db.PrepareCached("SELECT device FROM peer_blobs WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, blob.span());
  std::vector<DeviceId> out;
  auto r = (*st)->ForEach([&](Statement& s) {
    DeviceId d;
    CopyTo(s.Blob(0), d.bytes);
    out.push_back(d);
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<bool, StoreError> PeerLists(Database& db, const DeviceId& device, const BlobId& blob) {
  auto st = db.PrepareCached("SELECT 1 FROM peer_blobs WHERE device = ? AND blob_id = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, device.span()).Bind(2, blob.span());
  auto row = (*st)->Step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

std::expected<void, StoreError> UnlistPeerBlob(Database& db, const DeviceId& device, const BlobId& blob) {
  auto st = db.PrepareCached("DELETE FROM peer_blobs WHERE device = ? AND blob_id = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, device.span()).Bind(2, blob.span());
  return (*st)->Run();
}

std::expected<std::map<DeviceId, size_t>, StoreError> PeerBlobCounts(Database& db) {
  auto st = db.Prepare("SELECT device, count(*) FROM peer_blobs GROUP BY device");
  if (!st) return std::unexpected(st.error());
  std::map<DeviceId, size_t> out;
  auto r = st->ForEach([&](Statement& s) {
    DeviceId d;
    CopyTo(s.Blob(0), d.bytes);
    out[d] = static_cast<size_t>(s.Int(1));
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<void, StoreError> SaveInvite(Database& db, const Invite& invite) {
  auto st = db.Prepare(
      "INSERT INTO invites (invite_id, secret, role, created_us, expires_us, recovery) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, invite.id).Bind(2, invite.secret).Bind(3, static_cast<int64_t>(invite.role));
  st->Bind(4, invite.created_us).Bind(5, invite.expires_us).Bind(6, int64_t{invite.recovery});
  return st->Run();
}

std::expected<std::optional<Invite>, StoreError> FindInvite(Database& db, const crypto::Digest& id) {
  auto st = db.Prepare(
      "SELECT role, created_us, expires_us, used_by, secret, recovery FROM invites WHERE invite_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, id);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Invite>{};
  Invite inv;
  inv.id = id;
  inv.role = static_cast<Role>(st->Int(0));
  inv.created_us = st->Int(1);
  inv.expires_us = st->Int(2);
  CopyTo(st->Blob(4), inv.secret);
  inv.recovery = st->Int(5) != 0;
  if (Bytes used = st->Blob(3); used.size() == 32) {
    DeviceId d;
    CopyTo(used, d.bytes);
    inv.used_by = d;
  }
  return std::optional<Invite>(inv);
}

std::expected<void, StoreError> MarkInviteUsed(Database& db, const crypto::Digest& id, const DeviceId& by,
                                               int64_t now_us) {
  auto st = db.Prepare("UPDATE invites SET used_by = ?, used_us = ? WHERE invite_id = ? AND used_by IS NULL");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, by.bytes).Bind(2, now_us).Bind(3, id);
  if (auto r = st->Run(); !r) return r;
  auto changed = db.Prepare("SELECT changes()");
  if (!changed) return std::unexpected(changed.error());
  if (auto row = changed->Step(); !row || !*row || changed->Int(0) != 1)
    return std::unexpected(StoreError{StoreErrc::kExists, "this invite code has already been used"});
  return {};
}

std::expected<bool, StoreError> HasInviteExpiringAfter(Database& db, int64_t since_us) {
  auto st = db.Prepare("SELECT 1 FROM invites WHERE expires_us > ? LIMIT 1");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, since_us);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

std::expected<void, StoreError> SavePeer(Database& db, const PeerRecord& p) {
  auto st = db.Prepare(
      "INSERT INTO peers (device, host, control_port, torrent_port, last_seen_us, online, path, via) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (device) DO UPDATE SET host = excluded.host, control_port = excluded.control_port, "
      "torrent_port = excluded.torrent_port, last_seen_us = excluded.last_seen_us, online = excluded.online, "
      "path = excluded.path, via = excluded.via, rtt_us = CASE WHEN excluded.online THEN rtt_us END");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, p.device.bytes).Bind(2, p.host).Bind(3, int64_t{p.control_port}).Bind(4, int64_t{p.torrent_port});
  st->Bind(5, p.last_seen_us).Bind(6, int64_t{p.online ? 1 : 0}).Bind(7, p.path);
  if (p.via) st->Bind(8, p.via->bytes);
  else st->BindNull(8);
  return st->Run();
}

std::expected<void, StoreError> SavePeerRtt(Database& db, const DeviceId& device, int64_t rtt_us) {
  auto st = db.PrepareCached("UPDATE peers SET rtt_us = ? WHERE device = ?");
  if (!st) return std::unexpected(st.error());
  (*st)->Bind(1, rtt_us).Bind(2, device.bytes);
  return (*st)->Run();
}

std::expected<std::vector<PeerRecord>, StoreError> ListPeers(Database& db) {
  auto st = db.Prepare(
      "SELECT device, host, control_port, torrent_port, last_seen_us, online, path, rtt_us, via FROM peers "
      "ORDER BY device");
  if (!st) return std::unexpected(st.error());
  std::vector<PeerRecord> out;
  auto r = st->ForEach([&](Statement& s) {
    PeerRecord p;
    CopyTo(s.Blob(0), p.device.bytes);
    p.host = s.Text(1).value_or("");
    p.control_port = static_cast<uint16_t>(s.Int(2));
    p.torrent_port = static_cast<uint16_t>(s.Int(3));
    p.last_seen_us = s.Int(4);
    p.online = s.Int(5) != 0;
    p.path = s.Text(6).value_or("");
    if (!s.IsNull(7)) p.rtt_us = s.Int(7);
    if (!s.IsNull(8)) {
      DeviceId via;
      CopyTo(s.Blob(8), via.bytes);
      p.via = via;
    }
    out.push_back(std::move(p));
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<void, StoreError> MarkAllOffline(Database& db) {
  return db.Exec("UPDATE peers SET online = 0, rtt_us = NULL");
}

std::expected<void, StoreError> SavePeerBlobs(Database& db, const DeviceId& device, const std::vector<BlobId>& blobs,
                                              bool replace) {
  return db.Transaction([&]() -> std::expected<void, StoreError> {
    if (replace) {
      auto del = db.Prepare("DELETE FROM peer_blobs WHERE device = ?");
      if (!del) return std::unexpected(del.error());
      del->Bind(1, device.bytes);
      if (auto r = del->Run(); !r) return r;
    }
    auto ins = db.Prepare("INSERT OR IGNORE INTO peer_blobs (device, blob_id) VALUES (?, ?)");
    if (!ins) return std::unexpected(ins.error());
    for (const BlobId& b : blobs) {
      ins->Bind(1, device.bytes).Bind(2, b.bytes);
      if (auto r = ins->Run(); !r) return r;
      ins->Reset();
    }
    return {};
  });
}

std::expected<std::vector<DeviceId>, StoreError> HoldersOf(Database& db, const BlobId& blob) {
  auto ids = BlobColumn(db, "SELECT device FROM peer_blobs WHERE blob_id = ? ORDER BY device", ByteSpan(blob.bytes));
  if (!ids) return std::unexpected(ids.error());
  std::vector<DeviceId> out;
  for (const BlobId& b : *ids) out.push_back(DeviceId{b.bytes});
  return out;
}

std::expected<std::vector<BlobId>, StoreError> BlobsOfPeer(Database& db, const DeviceId& device) {
  return BlobColumn(db, "SELECT blob_id FROM peer_blobs WHERE device = ? ORDER BY blob_id", ByteSpan(device.bytes));
}

std::expected<void, StoreError> SetPinned(Database& db, const BlobId& blob, bool pinned, int64_t now_us) {
  auto st = db.Prepare(pinned ? "INSERT OR IGNORE INTO pins (blob_id, pinned_us) VALUES (?, ?)"
                              : "DELETE FROM pins WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes);
  if (pinned) st->Bind(2, now_us);
  return st->Run();
}

std::expected<std::vector<BlobId>, StoreError> ListPins(Database& db) {
  return BlobColumn(db, "SELECT blob_id FROM pins ORDER BY blob_id", std::nullopt);
}

std::string_view WantedReasonText(WantedReason reason) {
  switch (reason) {
    case WantedReason::kFetch: return "fetch";
    case WantedReason::kPin: return "pin";
    case WantedReason::kPolicy: return "policy";
    case WantedReason::kStream: return "stream";
    case WantedReason::kRepair: return "repair";
  }
  return "fetch";
}

std::expected<void, StoreError> AddWanted(Database& db, const BlobId& blob, WantedReason reason, int64_t now_us) {
  auto st = db.Prepare("INSERT OR IGNORE INTO wanted (blob_id, reason, requested_us) VALUES (?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes).Bind(2, std::string(WantedReasonText(reason))).Bind(3, now_us);
  return st->Run();
}

std::expected<void, StoreError> RemoveWanted(Database& db, const BlobId& blob) {
  auto st = db.Prepare("DELETE FROM wanted WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes);
  return st->Run();
}

std::expected<std::vector<BlobId>, StoreError> ListWanted(Database& db) {
  return BlobColumn(db, "SELECT blob_id FROM wanted ORDER BY requested_us, blob_id", std::nullopt);
}

std::expected<std::vector<BlobId>, StoreError> ListWantedHeldBy(Database& db, const std::vector<DeviceId>& holders) {
  if (holders.empty()) return std::vector<BlobId>{};
  std::string in;
  for (size_t i = 0; i < holders.size(); ++i) in += i ? ",?" : "?";
  // Prepared afresh: the number of online members varies.
  auto st = db.Prepare("SELECT w.blob_id FROM wanted w WHERE EXISTS (SELECT 1 FROM peer_blobs p WHERE p.blob_id = "
                       "w.blob_id AND p.device IN (" + in + ")) ORDER BY w.requested_us, w.blob_id");
  if (!st) return std::unexpected(st.error());
  for (size_t i = 0; i < holders.size(); ++i) st->Bind(static_cast<int>(i + 1), holders[i].span());
  return BlobIdsOf(*st);
}

std::expected<std::vector<BlobId>, StoreError> ListWantedFor(Database& db, WantedReason reason) {
  return BlobColumn(db, "SELECT blob_id FROM wanted WHERE reason = ? ORDER BY blob_id", std::nullopt,
                    std::string(WantedReasonText(reason)));
}

std::expected<std::optional<WantedReason>, StoreError> WantedReasonOf(Database& db, const BlobId& blob) {
  auto st = db.Prepare("SELECT reason FROM wanted WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<WantedReason>();
  const std::string text = st->Text(0).value_or("");
  for (WantedReason r : {WantedReason::kFetch, WantedReason::kPin, WantedReason::kPolicy, WantedReason::kStream,
                         WantedReason::kRepair})
    if (WantedReasonText(r) == text) return std::optional<WantedReason>(r);
  return std::optional<WantedReason>();
}

std::expected<bool, StoreError> IsWanted(Database& db, const BlobId& blob) {
  auto st = db.Prepare("SELECT 1 FROM wanted WHERE blob_id = ?");
  if (!st) return std::unexpected(st.error());
  st->Bind(1, blob.bytes);
  auto row = st->Step();
  if (!row) return std::unexpected(row.error());
  return *row;
}

}  // namespace hearth::store
