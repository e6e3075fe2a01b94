// ListenerSync: listener state -- stars, plays and playlists -- follows each
// listener to every member device that holds the content secret (not
// storage-only devices). On connecting, each side sends LISTENER_HEADS (the
// highest seq it has of each origin) and gets back the events it lacks;
// afterwards, events written on this device (by its HTTP side, through the
// database) are sent to every such member as they appear. Receivers ignore
// events they already have.
//
// Single-threaded, on the node's thread; borrows the context and the
// sessions, which outlive it.
#pragma once

#include <vector>

#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class ListenerSync {
 public:
  ListenerSync(MeshContext& ctx, PeerSessions& peers) : ctx_(ctx), peers_(peers) {}

  // Events already here were (or will be) exchanged by heads on connecting.
  void Start();
  // A member came online: tell it what this device has.
  void MemberUp(const DeviceId& peer);
  void OnHeads(const DeviceId& from, const ListenerHeads& heads);
  void OnEvents(const DeviceId& from, const std::vector<ListenerEvent>& events);
  // Sends events written here since the last poll.
  void Poll();

 private:
  bool SharesListenerState(const DeviceId& peer) const;
  void SendEvents(Connection& c, const std::vector<Bytes>& events);

  MeshContext& ctx_;
  PeerSessions& peers_;
  int64_t arrival_ = 0;  // listener events up to here were sent to every member
};

}  // namespace hearth::mesh
