// MeshOptions: how `hearth serve` (or a test) sets up a MeshNode.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "node/mesh/lan_beacon.h"
#include "node/mesh/local_room.h"
#include "node/mesh/scrubber.h"
#include "node/mesh/transport.h"
#include "protocol/mesh_messages.h"
#include "node/reach/dht.h"
#include "node/store/clock.h"
#include "node/swarm/blob_transfer.h"
#include "node/swarm/swarm.h"

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
  // A blob no live claim names is deleted after this long (released_blobs.h).
  std::chrono::seconds released_grace{600};
  int download_limit = 0;  // bytes per second for fetches; 0 = no limit
  // Replication never fills the disk past this floor (serve --keep-free).
  FreeSpaceFloor keep_free;
  DiskSpaceFn disk_space = StatDisk;
  // Background verification of held blobs (scrubber.h, blob_repair.h).
  ScrubOptions scrub;
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
  // Reach through the mainline DHT while the household's policy says
  // reach=on (dht_rendezvous.h): the nodes to start from ("HOST:PORT";
  // empty: libtorrent's own bootstrap nodes), and how the DHT starts
  // (empty: libtorrent, reach::LtDht::Start).
  std::vector<std::string> dht_bootstrap;
  std::function<std::expected<std::unique_ptr<reach::Dht>, std::string>(reach::DhtOptions)> dht;
  // While reach is on, ask the router to forward the mesh and BitTorrent
  // ports (UPnP IGD, NAT-PMP/PCP; serve --no-port-mapping turns it off).
  bool port_mapping = true;
  // Hears of every change of the node's reach (on its thread).
  std::function<void(const reach::ReachStatus&)> reach_changed;
  // Hears each member's STREAMS (its whole set of playing streams; on the
  // node's thread), for the HTTP side's stream limit.
  std::function<void(const DeviceId&, std::vector<StreamSlot>)> streams_heard;
};

}  // namespace hearth::mesh
