// LedgerSync: keeps the household's ledger in step with every member.
// On connecting each side says HELLO with its heads and gets back the
// entries it lacks, then SYNCED; entries that arrive later -- from a member,
// or written by the CLI into the same home -- are forwarded to every member
// (not back to the one that sent them, and never to a device they revoke).
// After a change it ends the sessions of revoked devices and brings the
// catalog up to date.
//
// What a member lacks is sent a batch at a time, as its session drains
// (never more than kCatchUpQueued bytes queued): a device joining a ledger of
// a million entries costs the sender a few megabytes, not the ledger. New
// entries reach that member through the same cursor, after what it lacked.
//
// Single-threaded, on the node's thread. Borrows the context and the
// sessions, which outlive it.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <vector>

#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class LedgerSync {
 public:
  // `catalog_synced`: the catalog was brought up to the ledger (the policy
  // may have changed). `local_entries`: the CLI wrote entries (imports and
  // forgets change which blobs are held).
  LedgerSync(MeshContext& ctx, PeerSessions& peers, std::function<void()> catalog_synced,
             std::function<void()> local_entries);

  // Entries already here count as sent to every member.
  void Start();
  void Stop() {
    catalog_timer_.cancel();
    pump_timer_.cancel();
  }
  void SendHello(Connection& c, uint16_t control_port, uint16_t torrent_port);
  void OnHello(const DeviceId& from, const Hello& hello);
  void OnEntries(const DeviceId& from, const std::vector<Bytes>& batch);
  // Picks up entries other processes wrote to the home, and sends them.
  void PollLocalLedger();
  // Sends every entry that arrived since the last send to every member;
  // those in `from_origin` not back to `origin`.
  void BroadcastNewEntries(const DeviceId* origin, const std::set<EntryId>& from_origin);

 private:
  void AfterLedgerChange();
  // A member still being sent what it lacked: first `ids` (from `next`),
  // then every row after arrival `after`, then SYNCED.
  struct CatchUp {
    std::vector<EntryId> ids;
    size_t next = 0;
    int64_t after = 0;
  };
  // Sends each catching-up member what fits in its session; re-arms itself
  // while any is left.
  void Pump();


  MeshContext& ctx_;
  PeerSessions& peers_;
  std::function<void()> catalog_synced_;
  std::function<void()> local_entries_;
  asio::steady_timer catalog_timer_;
  bool catalog_dirty_ = false;
  int64_t last_arrival_ = 0;  // ledger rows up to here were sent to every member
  std::map<DeviceId, CatchUp> catching_up_;
  asio::steady_timer pump_timer_;
  bool pump_armed_ = false;
};

}  // namespace hearth::mesh
