// JoinHost: the inviting side of pairing. A device that is not yet a member
// connects with its own key and sends JOIN (an invite id and a proof made
// with the invite's secret, protocol/pairing.h); an admin device that issued
// a valid, unused, unexpired invite adds it to the ledger (DEVICE_ADD),
// marks the invite used, answers WELCOME (with the content secret unless
// the new device is storage-only) and admits the session as a member. Any
// failure is answered with ERROR kErrInvite and a reason, and logged.
//
// Single-threaded, on the node's thread; borrows the context, the sessions
// and the ledger sync, which outlive it.
#pragma once

#include "node/mesh/ledger_sync.h"
#include "node/mesh/mesh_context.h"
#include "node/mesh/peer_sessions.h"

namespace hearth::mesh {

class JoinHost {
 public:
  JoinHost(MeshContext& ctx, PeerSessions& peers, LedgerSync& sync) : ctx_(ctx), peers_(peers), sync_(sync) {}

  // A candidate session's JOIN frame.
  void OnJoin(Connection& c, ByteSpan payload);

 private:
  MeshContext& ctx_;
  PeerSessions& peers_;
  LedgerSync& sync_;
};

}  // namespace hearth::mesh
