// PeerSessions: the node's sessions with the household's other devices --
// listening, dialing (DialBook) and redialing, admitting members (one
// session per device), pinging and ending silent ones, and remembering
// where each device listens (the peers table, PEERS). A member's frames go
// to the MeshModel (protocol/mesh_model.h); a device that is not a member
// may only send JOIN, which goes to the `join` hook.
//
// Single-threaded, on the node's io_context. Borrows the context, the
// transport and the model, which outlive it. Hooks are called on that
// thread and may send, but must not destroy the PeerSessions.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>

#include "node/mesh/connection.h"
#include "node/mesh/dial_book.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/mesh_error.h"
#include "node/mesh/transport.h"
#include "protocol/mesh_model.h"

namespace hearth::mesh {

// How a session's stream came to be: dialed or accepted on the network,
// a hole punched through NATs (hole_punch.h), or carried by a member
// (relays.h).
enum class PathKind { kNetwork, kPunched, kRelayed };

class PeerSessions {
 public:
  struct Hooks {
    std::function<void(const DeviceId&)> member_up;    // admitted; its session is open
    std::function<void(const DeviceId&)> member_down;  // its session ended
    // A candidate's JOIN frame. Admit() it, or SendErrorAndClose.
    std::function<void(Connection&, ByteSpan)> join;
    // A member's RELAY_* or PUNCH frame (relay_messages.h).
    std::function<void(Connection&, MessageType, ByteSpan)> relay;
    // Any session ended (admitted or not; a duplicate too), before it is
    // freed: whatever refers to the connection lets go.
    std::function<void(Connection*)> session_ended;
  };

  PeerSessions(MeshContext& ctx, Transport& transport, MeshModel& model, Hooks hooks);
  PeerSessions(const PeerSessions&) = delete;
  PeerSessions& operator=(const PeerSessions&) = delete;

  // Listens at options.listen and learns where to dial (--peer, the devices
  // in the peers table). Returns the endpoint it listens on.
  std::expected<std::string, MeshError> Start();
  // Stops listening and closes every session; members go down.
  void Stop();
  // Dials what is due, pings members, ends silent sessions, and records
  // last-seen times of those online.
  void Tick(std::chrono::steady_clock::time_point now);

  // Another address to dial (the LAN beacon); false when known already.
  bool AddDialTarget(const std::string& key, const std::string& host, uint16_t port);
  // A candidate that paired (a member now).
  void Admit(Connection& candidate);
  // A stream to a member opened some other way than Dial and Listen: a
  // punched hole (initiator by key order) or a relayed channel (initiator:
  // the end that asked). Only members are admitted on it.
  void AdoptStream(std::unique_ptr<ByteStream> stream, bool initiator, PathKind kind);

  // The session half of HELLO and PEERS: where the member listens, and the
  // household's other devices to dial.
  void OnHello(const DeviceId& from, const Hello& hello);
  void OnPeers(const DeviceId& from, const std::vector<PeerAddress>& peers);
  // Where `device` said it can be reached (its rendezvous record): dialed
  // from now on, each address once it is due. `forwarded` bit i: address i
  // is a router's forward; a session dialed there has the path "mapped".
  void LearnAddresses(const DeviceId& device, const std::vector<InviteAddress>& addresses, uint16_t forwarded = 0);

  // Members with an open session, by device.
  const std::map<DeviceId, Connection*>& members() const { return members_; }
  bool IsOnline(const DeviceId& d) const { return members_.contains(d); }
  // Online through a session that is not relayed.
  bool IsDirect(const DeviceId& d) const;
  // Online through a session dialed or accepted on the network: its swarm
  // port is as reachable as its mesh port. Not so for a relayed session, nor
  // a punched one (the hole is the mesh port's alone).
  bool SwarmReachable(const DeviceId& d) const;
  // Where a member's session comes from and its control port (its HELLO),
  // when the session is not relayed and the port is known: what a third
  // member tells the other end of a hole punch.
  std::optional<std::pair<std::string, uint16_t>> SeenAddressOf(const DeviceId& d) const;
  // The member's session, or nullptr when it has none.
  Connection* SessionOf(const DeviceId& d) const;
  // Where the member's swarm listens (its HELLO); 0 before it said.
  uint16_t TorrentPortOf(const DeviceId& d) const;
  // Sends an ERROR frame to the member and ends its session.
  void Fail(const DeviceId& d, uint16_t code, const std::string& message);
  // When a member session last came up.
  std::chrono::steady_clock::time_point last_member_at() const { return last_member_at_; }
  uint16_t port() const { return transport_.listening_port(); }

 private:
  struct Session {
    std::shared_ptr<Connection> conn;
    bool candidate = false;  // authenticated key, not a member: must JOIN
    bool member = false;     // registered in members_
    bool duplicate = false;  // closed as a second session with one device
    uint16_t control_port = 0;
    uint16_t torrent_port = 0;
    std::optional<std::string> dial_target;  // the DialBook key it was dialed at
    std::chrono::steady_clock::time_point last_heard{};
    PathKind kind = PathKind::kNetwork;
    std::optional<DeviceId> via;  // the relay, when kind is kRelayed
  };

  void Accepted(std::unique_ptr<ByteStream> stream);
  void Dial(const std::string& key);
  Session& Adopt(std::shared_ptr<Connection> conn, std::optional<std::string> dial_target);
  void OnReady(Connection* conn);
  void OnFrame(Connection* conn, Frame frame);
  void OnClosed(Connection* conn, const std::string& reason);
  void RegisterMember(Session& s);
  void BroadcastPeers();
  void SavePeerState(const Session& s, bool online);
  Session* MemberSession(const DeviceId& d);

  MeshContext& ctx_;
  Transport& transport_;
  MeshModel& model_;
  Hooks hooks_;
  std::map<Connection*, Session> sessions_;
  std::map<DeviceId, Connection*> members_;  // one session per member device
  DialBook dial_book_;                       // where to dial, and when again
  std::map<DeviceId, std::set<std::string>> forwarded_;  // dial keys a member's record marks as forwarded
  std::chrono::steady_clock::time_point last_member_at_{};
  std::chrono::steady_clock::time_point last_ping_{};
  std::chrono::steady_clock::time_point last_seen_saved_{};
};

}  // namespace hearth::mesh
