// SwarmGuard: a libtorrent plugin that keeps every payload byte inside the
// household. Blob torrents are private and peers are only ever added from the
// mesh, but anyone who learns an info-hash and a port could still connect;
// the guard makes sure such a peer gets nothing.
//
// How: each node draws a random 32-byte swarm token when it starts and gives
// it to each member over the authenticated, encrypted control channel
// (SWARM_TOKEN). In every BitTorrent extension handshake a node sends its
// device key and BLAKE2b-256 keyed with its token over
// "hearth/swarm/v1" || device key. A piece request is served only while the
// peer's proof matches the token that device gave us over a control session
// that is still up (and so still an unrevoked member). Everything else --
// outsiders, revoked devices, peers whose control session ended -- has its
// requests dropped: zero payload bytes. (Why not an ip_filter: every device
// of a household on one machine, or behind one NAT, shares an address; why
// not SSL torrents: the certificate would change the info-hash, which must
// stay the deterministic blob id.) The token travels in clear on the
// BitTorrent connection, so an on-path LAN observer could replay it until the
// node restarts; the blobs themselves stay encrypted either way.
//
// Bans name devices, not addresses: several devices may share an address.
// When libtorrent bans a peer of a torrent for sending data that failed its
// hash, the guard remembers which device that peer proved to be, and turns
// away that device's later connections for the same torrent from any port
// (other devices at its address are not touched). DeviceAt tells which
// device a banned endpoint was.
//
// Thread-safe: Allow/Forbid are called from the mesh thread, the checks run
// on libtorrent's network thread.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <libtorrent/extensions.hpp>
#include <libtorrent/socket.hpp>

#include "protocol/ids.h"

namespace hearth::swarm {

using SwarmToken = std::array<uint8_t, 32>;

class SwarmGuard : public lt::plugin, public std::enable_shared_from_this<SwarmGuard> {
 public:
  SwarmGuard(const DeviceId& me, const SwarmToken& my_token);

  // `device` proved itself over the control channel and gave `token`.
  void Allow(const DeviceId& device, const SwarmToken& token);
  // `device`'s control session ended or it was revoked.
  void Forbid(const DeviceId& device);

  // Requests dropped because the peer was not (or no longer) allowed.
  uint64_t refused_requests() const { return refused_.load(); }
  // The device that last proved itself from `endpoint`, if any did.
  std::optional<DeviceId> DeviceAt(const lt::tcp::endpoint& endpoint) const;
  // Records that the peer at `endpoint` proved to be `device` (network thread).
  void Introduce(const lt::tcp::endpoint& endpoint, const DeviceId& device);

  // The proof a device with `token` sends (exposed for tests).
  static SwarmToken ProofOf(const DeviceId& device, const SwarmToken& token);

  std::shared_ptr<lt::torrent_plugin> new_torrent(lt::torrent_handle const&, lt::client_data_t) override;

  // Whether a peer that claimed `device` with `proof` may be served now.
  bool Permits(const DeviceId& device, const SwarmToken& proof) const;
  const DeviceId& me() const { return me_; }
  const SwarmToken& my_proof() const { return my_proof_; }
  void CountRefusal() { refused_.fetch_add(1); }

 private:
  DeviceId me_;
  SwarmToken my_proof_;
  mutable std::mutex mu_;
  std::map<DeviceId, SwarmToken> allowed_;  // device -> expected proof
  std::map<lt::tcp::endpoint, DeviceId> seen_;  // who proved itself where (bounded)
  std::atomic<uint64_t> refused_{0};
};

}  // namespace hearth::swarm
