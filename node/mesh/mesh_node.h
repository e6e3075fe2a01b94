// MeshNode: what `hearth serve` runs. It accepts and dials authenticated
// sessions with the household's other devices, keeps the ledger in step with
// them, pairs new devices that present an invite, tells peers which blobs it
// holds, and drives the swarm: fetching wanted blobs (fetch, pin, streams,
// replication policy) from the devices that hold them.
//
// The node only constructs and connects its parts, one idea each:
//   PeerSessions      sessions, dialing, members           peer_sessions.h
//   LedgerSync        HELLO / ENTRIES / SYNCED             ledger_sync.h
//   JoinHost          pairing (JOIN / WELCOME)             join_host.h
//   ListenerSync      stars, plays, playlists              listener_sync.h
//   HaveIndex         who holds which blob (HAVE)          have_index.h
//   Fetcher           fetches and seeds (TORRENT)          fetcher.h
//   ChunkReads        chunks for players (READ / DATA)     chunk_reads.h
//   ReplicaPlacement  STATE, placement, replicas wanted    replica_placement.h
//   SurplusKeeper     surplus drops on proof (PROVE)       surplus_keeper.h
//   ReleasedBlobs     blobs no claim names go              released_blobs.h
//   PhoneCache        a phone's budget                     phone_cache.h
//   BlobRepair        damaged copies set aside, re-fetched blob_repair.h
//   DhtRendezvous     reach through the DHT (policy reach)  dht_rendezvous.h
//   Relays            sessions carried by a member          relays.h
//   RelayedFetches    fetches over a relayed session        relayed_fetches.h
//   HolePunch         direct sessions through two NATs      hole_punch.h
// A member's messages reach them through the MeshModel interface
// (protocol/mesh_model.h), which the node implements by handing each to its
// part.
//
// Single-threaded: every method and callback runs on the io_context passed
// in, which must run on one thread. The Home is borrowed and must outlive the
// node; other processes (the CLI) may use the same home meanwhile, and the
// node picks up their ledger entries, pins and fetch requests by polling.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "node/mesh/blob_repair.h"
#include "node/mesh/chunk_reads.h"
#include "node/mesh/dht_rendezvous.h"
#include "node/mesh/fetcher.h"
#include "node/mesh/have_index.h"
#include "node/mesh/hole_punch.h"
#include "node/mesh/join_host.h"
#include "node/mesh/lan_beacon.h"
#include "node/mesh/ledger_sync.h"
#include "node/mesh/listener_sync.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/mesh_error.h"
#include "node/mesh/mesh_options.h"
#include "node/mesh/peer_sessions.h"
#include "node/mesh/phone_cache.h"
#include "node/mesh/replica_placement.h"
#include "node/mesh/relayed_fetches.h"
#include "node/mesh/relays.h"
#include "node/mesh/released_blobs.h"
#include "node/mesh/surplus_keeper.h"
#include "protocol/mesh_model.h"

namespace hearth::mesh {

class MeshNode : private MeshModel {
 public:
  MeshNode(asio::io_context& io, store::Home& home, MeshOptions options);
  ~MeshNode() override;
  MeshNode(const MeshNode&) = delete;
  MeshNode& operator=(const MeshNode&) = delete;

  // Binds the listeners and starts the work loop.
  std::expected<void, MeshError> Start();
  // Closes every session and stops the loop; the io_context then runs dry.
  void Stop();

  // Fetches `blob` at once (as `hearth fetch` does through the database,
  // without waiting for the next tick).
  void Want(const BlobId& blob) { fetcher_.Want(blob); }
  // Sealed chunk `index` of `blob`, for a player: from the blob store, from
  // a fetch's verified pieces, or straight from a device that holds it
  // (which also starts fetching the whole blob in order, this chunk first,
  // so the player finds the next chunks here). `done` is called once, on the
  // node's thread; with kChunkTimedOut when no device could send it within
  // `wait`, kStopping when the node stops first.
  using ChunkDone = ChunkReads::ChunkDone;
  void ReadChunk(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done) {
    reads_.Read(blob, index, wait, std::move(done));
  }
  // The same from another device only: this device's copy of `blob` failed
  // authentication.
  void ReadChunkElsewhere(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done) {
    reads_.Read(blob, index, wait, std::move(done), /*elsewhere=*/true);
  }
  // Hears of every verified piece of every fetch (on the node's thread).
  void SetPieceObserver(std::function<void(const BlobId&, int piece)> observer) {
    piece_observer_ = std::move(observer);
  }

  // A read of `blob` failed authentication: verify it now (and repair it).
  void CheckBlob(const BlobId& blob) { repair_.CheckNow(blob); }

  // The streams this device's players play now (its whole set): sent as
  // STREAMS to every online member that holds the content secret, now and
  // to each that comes online while the set is not empty.
  void SetStreams(std::vector<StreamSlot> slots);

  uint16_t control_port() const { return peers_.port(); }
  uint16_t torrent_port() const { return fetcher_.transfer() ? fetcher_.transfer()->port() : 0; }
  size_t online_peers() const { return peers_.members().size(); }
  // Channels this node carries for others (relays.h).
  size_t relayed_for_others() const { return relays_.carried(); }
  uint64_t bytes_relayed_for_others() const { return relays_.bytes_carried(); }
  // Reach through the DHT, as `hearth status` shows it.
  const DhtRendezvous::Status& reach_status() const { return reach_.status(); }
  uint64_t refused_swarm_requests() const { return guard_ ? guard_->refused_requests() : 0; }
  // What this node presents in its BitTorrent extension handshakes (its
  // device key and swarm proof); every peer it connects to sees it. Valid
  // after Start(). For tests that replay it.
  const swarm::SwarmToken& swarm_proof() const { return guard_->my_proof(); }

 private:
  bool PlaysMusic(const DeviceId& peer) const;  // an unrevoked member that is not a storage device
  void SendStreams(const DeviceId& peer);
  void Tick();
  void MemberUp(const DeviceId& peer);
  void MemberDown(const DeviceId& peer);
  Transport& transport() { return ctx_.options.transport ? *ctx_.options.transport : *own_transport_; }

  // MeshModel: each message to the part it is for.
  void OnHello(const DeviceId& from, const Hello& hello) override;
  void OnEntries(const DeviceId& from, std::vector<Bytes> entries) override { sync_.OnEntries(from, entries); }
  void OnSynced(const DeviceId& from) override { ctx_.Log("ledger in step with " + ctx_.Name(from)); }
  void OnPeers(const DeviceId& from, std::vector<PeerAddress> peers) override { peers_.OnPeers(from, peers); }
  void OnSwarmToken(const DeviceId& from, const std::array<uint8_t, 32>& token) override;
  void OnHave(const DeviceId& from, Have have) override { have_.OnHave(from, have); }
  void OnTorrentRequest(const DeviceId& from, const BlobId& blob) override { fetcher_.OnTorrentRequest(from, blob); }
  void OnTorrent(const DeviceId& from, TorrentReply reply) override { fetcher_.OnTorrent(from, std::move(reply)); }
  void OnRead(const DeviceId& from, const ReadRequest& read) override { reads_.OnRead(from, read); }
  void OnData(const DeviceId& from, ChunkData data) override {
    reads_.OnData(from, data);
    relayed_fetches_.OnData(from, data);
  }
  void OnState(const DeviceId& from, const std::expected<DeviceState, std::string>& state) override {
    placement_.OnState(from, state);
  }
  void OnProve(const DeviceId& from, const ProveRequest& prove) override { surplus_.OnProve(from, prove); }
  void OnProof(const DeviceId& from, const ProofReply& proof) override { surplus_.OnProof(from, proof); }
  void OnListenerHeads(const DeviceId& from, const ListenerHeads& heads) override {
    listeners_.OnHeads(from, heads);
  }
  void OnListenerEvents(const DeviceId& from, std::vector<ListenerEvent> events) override {
    listeners_.OnEvents(from, events);
  }
  void OnStreams(const DeviceId& from, std::vector<StreamSlot> slots) override;

  MeshContext ctx_;
  std::unique_ptr<Transport> own_transport_;  // TCP, when options.transport is null
  asio::steady_timer tick_timer_;
  swarm::SwarmToken swarm_token_{};
  std::shared_ptr<swarm::SwarmGuard> guard_;
  PeerSessions peers_;
  LedgerSync sync_;
  JoinHost join_;
  ListenerSync listeners_;
  HaveIndex have_;
  Fetcher fetcher_;
  ChunkReads reads_;
  ReplicaPlacement placement_;
  SurplusKeeper surplus_;
  ReleasedBlobs released_;
  PhoneCache cache_;
  BlobRepair repair_;
  DhtRendezvous reach_;
  Relays relays_;
  RelayedFetches relayed_fetches_;
  HolePunch punch_;
  std::unique_ptr<LanBeacon> beacon_;
  std::set<std::string> foreign_beacons_;  // senders of other households' beacons, logged once each
  static constexpr size_t kForeignBeaconsNamed = 16;
  std::function<void(const BlobId&, int)> piece_observer_;
  std::vector<StreamSlot> streams_;
  int64_t streams_set_us_ = 0;  // steady clock, when streams_ was set (0: never)
  int64_t data_version_ = -1;  // PRAGMA data_version at the last tick
};

}  // namespace hearth::mesh
