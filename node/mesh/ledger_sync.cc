#include "node/mesh/ledger_sync.h"

#include "node/library/catalog.h"
#include "node/store/mesh_tables.h"
#include "protocol/ledger_entry.h"
#include "protocol/sync_messages.h"

namespace hearth::mesh {

LedgerSync::LedgerSync(MeshContext& ctx, PeerSessions& peers, std::function<void()> catalog_synced,
                       std::function<void()> local_entries)
    : ctx_(ctx),
      peers_(peers),
      catalog_synced_(std::move(catalog_synced)),
      local_entries_(std::move(local_entries)),
      catalog_timer_(ctx.io),
      pump_timer_(ctx.io) {}

namespace {
// Bytes a catching-up session may have queued before the next batch waits.
constexpr size_t kCatchUpQueued = 4 << 20;
// Entry bytes read and framed per step.
constexpr size_t kCatchUpStep = 1 << 20;
}  // namespace

void LedgerSync::Start() {
  if (auto last = store::LastEntryArrival(ctx_.home.db())) last_arrival_ = *last;
}

void LedgerSync::SendHello(Connection& c, uint16_t control_port, uint16_t torrent_port) {
  Hello h;
  h.control_port = control_port;
  h.torrent_port = torrent_port;
  h.heads = ctx_.home.ledger().ledger().Heads();
  c.Send(MessageType::kHello, EncodeHello(h));
}

void LedgerSync::OnHello(const DeviceId& from, const Hello& hello) {
  Connection* c = peers_.SessionOf(from);
  if (!c) return;
  // A new device lacks everything: the table in arrival order (a causal
  // order) through a cursor, instead of one lookup per entry. Either way,
  // what arrives meanwhile follows through the cursor from here.
  CatchUp up;
  if (!hello.heads.empty()) up.ids = ctx_.home.ledger().ledger().MissingFor(hello.heads);
  up.after = hello.heads.empty() ? 0 : last_arrival_;
  catching_up_[from] = std::move(up);
  Pump();
}

void LedgerSync::Pump() {
  for (auto it = catching_up_.begin(); it != catching_up_.end();) {
    Connection* c = peers_.SessionOf(it->first);
    CatchUp& up = it->second;
    bool done = c == nullptr;  // the session ended: nothing more to send
    while (!done && c->pending_bytes() < kCatchUpQueued) {
      std::vector<Bytes> batch;
      if (up.next < up.ids.size()) {
        std::vector<EntryId> step;
        while (up.next < up.ids.size() && step.size() < 2000) step.push_back(up.ids[up.next++]);
        auto loaded = store::LoadEntryBytes(ctx_.home.db(), step);
        if (!loaded) {
          c->SendErrorAndClose(kErrInternal, "cannot read the ledger: " + loaded.error().message);
          done = true;
          break;
        }
        batch = std::move(*loaded);
      } else {
        auto rows = store::LoadEntriesSince(ctx_.home.db(), up.after, kCatchUpStep);
        if (!rows) {
          c->SendErrorAndClose(kErrInternal, "cannot read the ledger: " + rows.error().message);
          done = true;
          break;
        }
        if (rows->empty()) {
          c->Send(MessageType::kSynced, {});
          done = true;
          break;
        }
        up.after = rows->back().arrival;
        for (auto& row : *rows) batch.push_back(std::move(row.bytes));
      }
      for (const Bytes& frame : EncodeEntryBatches(batch)) c->Send(MessageType::kEntries, frame);
    }
    if (done) {
      it = catching_up_.erase(it);
    } else {
      ++it;
    }
  }
  if (catching_up_.empty() || pump_armed_) return;
  pump_armed_ = true;
  pump_timer_.expires_after(std::chrono::milliseconds(5));
  pump_timer_.async_wait([this, alive = ctx_.alive](boost::system::error_code ec) {
    if (ec || !*alive || ctx_.stopping) return;
    pump_armed_ = false;
    Pump();
  });
}

void LedgerSync::OnEntries(const DeviceId& from, const std::vector<Bytes>& batch) {
  std::set<EntryId> from_peer;
  size_t refused = 0;
  std::string first_refusal;
  std::vector<SignedEntry> entries;
  for (const Bytes& bytes : batch) {
    auto entry = DecodeEntry(bytes);
    if (entry) {
      entries.push_back(std::move(*entry));
    } else if (refused++ == 0) {
      first_refusal = entry.error().Message();
    }
  }
  auto outcome = ctx_.home.ledger().AppendBatch(entries);
  if (!outcome) {
    ctx_.Log("could not store entries from " + ctx_.Name(from) + ": " + outcome.error().message);
    return;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& why = (*outcome)[i];
    if (!why) {
      from_peer.insert(entries[i].id);
    } else if (why->kept) {
      from_peer.insert(entries[i].id);
      ctx_.Log("kept entry " + entries[i].id.ShortHex() + " from " + ctx_.Name(from) +
               " as evidence: " + why->error.Message());
    } else if (why->error.code != LedgerErrc::kReplayed && refused++ == 0) {
      first_refusal = why->error.Message();
    }
  }
  if (refused > 0)
    ctx_.Log("refused " + std::to_string(refused) + " entr" + (refused == 1 ? "y" : "ies") + " from " +
             ctx_.Name(from) + ": " + first_refusal);
  if (!from_peer.empty()) BroadcastNewEntries(&from, from_peer);
}

void LedgerSync::BroadcastNewEntries(const DeviceId* origin, const std::set<EntryId>& from_origin) {
  auto rows = store::LoadEntriesSince(ctx_.home.db(), last_arrival_);
  if (!rows || rows->empty()) return;
  last_arrival_ = rows->back().arrival;
  std::vector<Bytes> all, for_origin;
  for (auto& row : *rows) {
    if (!from_origin.contains(row.id)) for_origin.push_back(row.bytes);
    all.push_back(std::move(row.bytes));
  }
  for (auto& [device, raw] : peers_.members()) {
    // A device these entries revoke hears nothing more (it is cut off next).
    if (!ctx_.IsUnrevokedMember(device)) continue;
    // One still catching up gets them through its cursor, after what it lacked.
    if (catching_up_.contains(device)) continue;
    const auto& list = origin && device == *origin ? for_origin : all;
    for (const Bytes& batch : EncodeEntryBatches(list)) raw->Send(MessageType::kEntries, batch);
  }
  AfterLedgerChange();
}

void LedgerSync::AfterLedgerChange() {
  // Sessions of devices revoked meanwhile end now.
  std::vector<Connection*> revoked;
  for (auto& [device, raw] : peers_.members())
    if (!ctx_.IsUnrevokedMember(device)) revoked.push_back(raw);
  for (Connection* raw : revoked) {
    ctx_.Log("cutting off " + ctx_.Name(raw->peer()) + ": revoked");
    raw->Close("revoked");
  }
  if (catalog_dirty_) return;
  catalog_dirty_ = true;
  catalog_timer_.expires_after(std::chrono::milliseconds(150));
  catalog_timer_.async_wait([this, alive = ctx_.alive](boost::system::error_code ec) {
    if (ec || !*alive || ctx_.stopping) return;
    catalog_dirty_ = false;
    library::Catalog catalog(ctx_.home.db());
    auto stats = catalog.Sync(ctx_.home.ledger().ledger().state(), ctx_.home.content_secret());
    if (!stats) ctx_.Log("catalog update failed: " + stats.error().message);
    else if (stats->added + stats->removed > 0)
      ctx_.Log("catalog: " + std::to_string(stats->added) + " added, " + std::to_string(stats->removed) +
               " removed");
    if (catalog_synced_) catalog_synced_();
  });
}

void LedgerSync::PollLocalLedger() {
  if (auto r = ctx_.home.ledger().CatchUp(); !r) return ctx_.Log("cannot read the ledger: " + r.error().message);
  const int64_t before = last_arrival_;
  BroadcastNewEntries(nullptr, {});
  if (last_arrival_ != before && local_entries_) local_entries_();
}

}  // namespace hearth::mesh
