// MeshNode: what `hearth serve` runs. It accepts and dials authenticated
// sessions with the household's other devices, keeps the ledger in step with
// them (HELLO / ENTRIES / SYNCED), pairs new devices that present an invite,
// tells peers which blobs it holds, and drives the swarm: fetching wanted
// blobs (fetch, pin, replication policy) from the devices that hold them.
//
// Single-threaded: every method and callback runs on the io_context passed
// in, which must run on one thread. The Home is borrowed and must outlive the
// node; other processes (the CLI) may use the same home meanwhile, and the
// node picks up their ledger entries, pins and fetch requests by polling.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio: its awaitable.hpp needs std::exchange

#include <boost/asio.hpp>

#include "node/mesh/connection.h"
#include "node/mesh/dial_book.h"
#include "node/mesh/lan_beacon.h"
#include "node/mesh/local_room.h"
#include "node/mesh/possession_proofs.h"
#include "node/mesh/transport.h"
#include "node/mesh/replica_rules.h"
#include "node/store/home.h"
#include "node/swarm/swarm.h"
#include "protocol/mesh_messages.h"
#include "protocol/placement.h"

namespace hearth::mesh {

struct MeshOptions {
  std::string listen = "127.0.0.1:7601";          // control protocol
  std::string torrent_listen = "127.0.0.1:7602";  // BitTorrent
  std::vector<std::string> peers;                 // HOST:PORT to dial
  // Called with one line per notable event.
  std::function<void(const std::string&)> log;
  // How sessions listen and dial (transport.h); nullptr: TCP. Borrowed: it
  // must outlive the node.
  Transport* transport = nullptr;
  Clock clock = SystemNowMicros;
  // Monotonic time for the node's intervals, retries and deadlines (its
  // timers still wait in real time: they only wake the work loop).
  SteadyClock steady = SystemSteadyNow;
  // How often the node looks for work (CLI writes, wanted blobs, dials).
  std::chrono::milliseconds tick{100};
  // Replica placement counts a full/storage device while it is online or
  // was seen within this long; after that its replicas are made elsewhere.
  std::chrono::seconds away_after{600};
  // Placement starts once every connected member said its STATE and no
  // session came up for half a second, or this long after start (when no
  // member is reachable), and at the latest 4 times this long after start --
  // so that a device starting or joining does not decide what it should
  // hold from a partial view and fetch what it would drop seconds later.
  std::chrono::milliseconds policy_grace{3000};
  int download_limit = 0;  // bytes per second for fetches; 0 = no limit
  // Replication never fills the disk past this floor (serve --keep-free).
  FreeSpaceFloor keep_free;
  DiskSpaceFn disk_space = StatDisk;
  bool verify_seeds = true;  // see swarm::SwarmOptions (false only in tests)
  // How blobs move (node/swarm/blob_transfer.h); empty: libtorrent
  // (swarm::Swarm::Start).
  std::function<std::expected<std::unique_ptr<swarm::BlobTransfer>, std::string>(
      swarm::SwarmOptions, std::shared_ptr<swarm::SwarmGuard>)>
      blob_transfer;
  // LAN discovery by multicast beacon; only ever used when `listen` is not a
  // loopback address (a loopback listener cannot be reached from the LAN).
  bool lan = true;
  LanBeaconOptions lan_options;
};

class MeshNode {
 public:
  MeshNode(asio::io_context& io, store::Home& home, MeshOptions options);
  ~MeshNode();
  MeshNode(const MeshNode&) = delete;
  MeshNode& operator=(const MeshNode&) = delete;

  // Binds the listeners and starts the work loop.
  std::expected<void, std::string> Start();
  // Closes every session and stops the loop; the io_context then runs dry.
  void Stop();

  // Fetches `blob` at once (as `hearth fetch` does through the database,
  // without waiting for the next tick).
  void Want(const BlobId& blob);
  // Sealed chunk `index` of `blob`, for a player: from the blob store, from
  // a fetch's verified pieces, or straight from a device that holds it
  // (which also starts fetching the whole blob in order, this chunk first,
  // so the player finds the next chunks here). `done` is called once, on the
  // node's thread; with an error when no device could send it within
  // `wait`.
  using ChunkDone = std::function<void(std::expected<Bytes, std::string>)>;
  void ReadChunk(const BlobId& blob, uint32_t index, std::chrono::milliseconds wait, ChunkDone done);
  // Hears of every verified piece of every fetch (on the node's thread).
  void SetPieceObserver(std::function<void(const BlobId&, int piece)> observer) {
    piece_observer_ = std::move(observer);
  }

  uint16_t control_port() const;
  uint16_t torrent_port() const;
  size_t online_peers() const { return members_.size(); }
  uint64_t refused_swarm_requests() const { return guard_ ? guard_->refused_requests() : 0; }
  // What this node presents in its BitTorrent extension handshakes (its
  // device key and swarm proof); every peer it connects to sees it. Valid
  // after Start(). For tests that replay it.
  const swarm::SwarmToken& swarm_proof() const { return guard_->my_proof(); }

 private:
  struct Session {
    std::shared_ptr<Connection> conn;
    bool candidate = false;  // authenticated key, not a member: must JOIN
    bool member = false;     // registered in members_
    bool said_state = false;  // sent a STATE this session
    bool duplicate = false;   // closed as a second session with one device
    uint16_t control_port = 0;
    uint16_t torrent_port = 0;
    std::optional<std::string> dial_target;  // the DialBook key it was dialed at
    std::chrono::steady_clock::time_point last_heard{};
  };
  struct Fetch {
    std::set<DeviceId> asked;      // torrent requested from
    std::set<DeviceId> connected;  // swarm connections made to
    // Someone waits for it (a fetch, a stream): its first chunks are also
    // read straight over the control session. Not for replication.
    bool urgent = false;
    // Chunks read straight from a holder before its TORRENT reply came
    // (it waits for the holder's seed): offered to the swarm once added.
    std::vector<std::pair<uint32_t, Bytes>> early_chunks;
    std::chrono::steady_clock::time_point started{};
  };

  // Sessions (mesh_node.cc).
  void Accepted(std::unique_ptr<ByteStream> stream);
  void Dial(const std::string& key);
  void Adopt(std::shared_ptr<Connection> conn, std::optional<std::string> dial_target);
  void OnReady(Connection* conn);
  void OnFrame(Connection* conn, Frame frame);
  void OnClosed(Connection* conn, const std::string& reason);
  void RegisterMember(Session& s);
  bool IsUnrevokedMember(const DeviceId& d) const;
  void SendHello(Connection& c);
  void OnHello(Session& s, ByteSpan payload);
  void OnEntries(Session& s, ByteSpan payload);
  void OnJoin(Session& s, ByteSpan payload);
  void BroadcastNewEntries(const Connection* origin, const std::set<EntryId>& from_origin);
  void BroadcastPeers();
  void OnPeers(Session& s, ByteSpan payload);
  void AfterLedgerChange();
  void Tick();
  void PollLocalLedger();
  void SavePeerState(const Session& s, bool online);
  void Log(const std::string& line) const;
  std::string Name(const DeviceId& d) const;
  int64_t Now() const { return options_.clock(); }
  std::chrono::steady_clock::time_point SteadyNow() const { return options_.steady(); }

  // Blobs (mesh_blobs.cc).
  std::expected<void, std::string> StartSwarm();
  // `external`: another process wrote to the home since the last tick.
  void BlobTick(std::chrono::steady_clock::time_point now, bool external);
  void RefreshLocalBlobs();
  void SendHaveSet(Connection& c);
  // Tells every member these blobs are held here now.
  void AnnounceHeld(const std::vector<BlobId>& added);
  void OnHave(Session& s, ByteSpan payload);
  void OnTorrentRequest(Session& s, ByteSpan payload);
  void OnTorrentReply(Session& s, ByteSpan payload);
  // Sends the TORRENT replies held back until `blob`'s seed took peers
  // (`ready`), or says it is not to be had.
  void AnswerSeedWaiters(const BlobId& blob, bool ready);
  // Torrents of fetches just started are saved together, after the burst of
  // replies they came in (one commit instead of one per blob).
  void QueueTorrentSave(const BlobId& blob, Bytes torrent);
  void SaveQueuedTorrents();
  void OnRead(Session& s, ByteSpan payload);
  void OnData(Session& s, ByteSpan payload);
  void OnSwarmEvents();
  // Blobs whose fetch finished: recorded, announced, and their slots reused.
  void OnFetched(const std::vector<BlobId>& fetched);
  // Where the policy places replicas now (mesh_placement.cc): the eligible
  // full/storage devices -- online, or seen within away_after -- weighed by
  // their availability and filled up to their room (protocol/placement.h).
  // Recomputed only when its inputs change (node/mesh/replica_rules.h).
  const Placement& CurrentPlacement();
  void ApplyPolicy();
  // This device's availability, held bytes and room, as STATE says them.
  DeviceState LocalDeviceState();
  // Records time online, and sends STATE to every member when it changed
  // (or to everyone when `force`).
  void StateTick(std::chrono::steady_clock::time_point now, bool force);
  void RecordUptime(std::chrono::steady_clock::time_point now);
  void SendState(Connection& c);
  void OnState(Session& s, ByteSpan payload);
  // Availability in placement's steps, as this device knows it.
  uint16_t AvailabilityOf(const DeviceId& device) const;
  // Whether a replica of `blob` fits above the free-space floor; logs once
  // and tells the members this disk is full when it does not.
  bool RoomFor(const BlobId& blob);
  // Whether the disk's free space is at (or under) the floor.
  bool DiskAtFloor();
  // What this device can still take above its floor, counting what fetches
  // under way already wrote (replica_rules.h, Shortfall).
  uint64_t RoomLeft();
  uint64_t ArrivingBytes() const;  // written so far by fetches under way
  void OnProve(Session& s, ByteSpan payload);
  void OnProof(Session& s, ByteSpan payload);
  void TrimCache();  // phones (mesh_cache.cc)
  // Full/storage devices: drop replicas the policy does not assign here once
  // every assigned holder proved it holds them (mesh_surplus.cc).
  void DropSurplus(const Placement& placement);
  // Deletes a held blob (phone cache, surplus): out of the swarm and the
  // store. The caller re-sends its HAVE set once it is done dropping.
  std::expected<void, std::string> DropLocalBlob(const BlobId& blob);
  // A player is waiting for a chunk of `blob` (mesh_chunks.cc).
  bool IsBeingRead(const BlobId& blob) const;
  void DriveFetches();
  bool HasOnlineHolder(const BlobId& blob) const;
  void AskHolders(const BlobId& blob, Fetch& fetch);

  // Listener state: stars, plays, playlists (mesh_listeners.cc).
  bool SharesListenerState(const DeviceId& peer) const;
  void SendListenerHeads(Connection& c);
  void SendListenerEvents(Connection& c, const std::vector<Bytes>& events);
  void OnListenerHeads(Session& s, ByteSpan payload);
  void OnListenerEvents(Session& s, ByteSpan payload);
  void PollListenerEvents();

  // Chunk reads for players (mesh_chunks.cc).
  using ChunkKey = std::pair<BlobId, uint32_t>;
  struct ChunkWaiter {
    ChunkDone done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::optional<Bytes> LocalChunk(const BlobId& blob, uint32_t index);
  void RequestChunk(const BlobId& blob, uint32_t index);
  void DeliverChunk(const BlobId& blob, uint32_t index, const Bytes& sealed);
  void OnPieceForReaders(const BlobId& blob, int piece);
  void OnBlobForReaders(const BlobId& blob);
  void ChunkTick(std::chrono::steady_clock::time_point now);

  asio::io_context& io_;
  store::Home& home_;
  MeshOptions options_;
  std::unique_ptr<Transport> own_transport_;  // TCP, when options_.transport is null
  Transport* transport_;
  asio::steady_timer tick_timer_;
  asio::steady_timer catalog_timer_;
  std::shared_ptr<bool> alive_;  // false once destroyed: late callbacks check it
  bool stopping_ = false;
  bool catalog_dirty_ = false;

  std::map<Connection*, Session> sessions_;
  std::map<DeviceId, Connection*> members_;  // one session per member device
  DialBook dial_book_;  // where to dial, and when again

  swarm::SwarmToken swarm_token_{};
  std::shared_ptr<swarm::SwarmGuard> guard_;
  std::unique_ptr<swarm::BlobTransfer> swarm_;
  std::unique_ptr<LanBeacon> beacon_;
  std::set<BlobId> local_blobs_;
  std::map<BlobId, Fetch> fetches_;
  std::map<DeviceId, std::set<BlobId>> peer_blobs_;  // have-sets of online members
  std::string policy_key_;                           // inputs of the last ApplyPolicy
  std::string trim_key_;                             // inputs of the last TrimCache (phones)
  // DropSurplus: the held blobs the placement does not assign here, with
  // their assigned devices -- recomputed only when the placement, the ledger
  // or what is held changes (or every 30 s); each pass then looks at these.
  Surplus surplus_;
  std::string surplus_placement_key_;
  std::string surplus_pass_key_;  // adds who is online and the HAVE sets
  std::chrono::steady_clock::time_point last_surplus_{};
  uint64_t have_version_ = 0;  // bumped by every HAVE received
  // Possession proofs asked of assigned holders before a surplus drop, and
  // the promises to keep this device gave.
  PossessionProofs proofs_;
  Placement placement_;
  std::map<DeviceId, DeviceState> reports_;  // what members said of themselves (STATE)
  std::optional<DeviceState> state_sent_;    // what this device last said of itself
  std::optional<uint16_t> reported_availability_;  // in its last STATE, also before a restart
  std::chrono::steady_clock::time_point last_seen_saved_{};
  std::chrono::steady_clock::time_point last_state_{};
  std::chrono::steady_clock::time_point last_uptime_{};
  std::set<BlobId> room_warned_;  // fetches skipped for the floor, logged once each
  std::map<BlobId, std::chrono::steady_clock::time_point> retry_fetch_after_;  // after a failed fetch
  bool policy_write_failed_ = false;  // logged once until it works again
  std::chrono::steady_clock::time_point last_trim_{};
  std::chrono::steady_clock::time_point last_blob_scan_{};
  std::chrono::steady_clock::time_point last_fetch_drive_{};
  bool local_blobs_dirty_ = false;  // a local ledger change may have added or removed blobs
  std::vector<std::pair<BlobId, Bytes>> torrents_to_save_;
  std::map<BlobId, std::vector<std::weak_ptr<Connection>>> seed_waiters_;
  int64_t data_version_ = -1;       // PRAGMA data_version at the last tick
  std::chrono::steady_clock::time_point last_policy_{};
  std::chrono::steady_clock::time_point last_ping_{};
  std::chrono::steady_clock::time_point last_idle_check_{};
  std::chrono::steady_clock::time_point last_swarm_sweep_{};
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point last_member_at_{};  // a member session last came up
  std::function<void(const BlobId&, int)> piece_observer_;
  std::map<ChunkKey, std::vector<ChunkWaiter>> chunk_waiters_;
  std::map<ChunkKey, std::chrono::steady_clock::time_point> chunk_reads_sent_;
  int64_t last_arrival_ = 0;  // ledger rows up to here were sent to every member
  int64_t listener_arrival_ = 0;  // listener events up to here were sent to every member
};

}  // namespace hearth::mesh
