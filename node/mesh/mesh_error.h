// What a MeshNode reports to its caller: why it did not start, and why a
// player's chunk did not come. Callers branch on the code, never on the
// message, which is for people.
#pragma once

#include <string>

namespace hearth::mesh {

enum class MeshErrc {
  kBadListen,      // --listen is not HOST:PORT
  kCannotListen,   // the control listener could not bind (in use, no such address)
  kBadPeer,        // a --peer is not HOST:PORT
  kTransferStart,  // the blob transfer (libtorrent, --torrent-port) did not start
  kStopping,       // the node is stopping: nothing more is read
  kChunkTimedOut,  // no reachable device sent the chunk within the wait
};

struct MeshError {
  MeshErrc code;
  std::string message;  // complete, for a log line or a player's error
};

}  // namespace hearth::mesh
