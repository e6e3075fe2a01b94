// InPlaceDiskIo: libtorrent's disk back-end for a node whose blobs may be
// kept in place (store/in_place.h). A seed added with the save path
// InPlaceSavePath(blob) has no file of its own: its pieces are read through
// `read` -- sealed from the original on the fly, each checked against the
// digest recorded at import, so a file that changed yields an error and no
// byte -- and hashed from those bytes when libtorrent checks them. Every
// other torrent (fetches, sealed seeds) goes to libtorrent's POSIX back-end
// unchanged.
//
// One piece is one sealed chunk (64 KiB), so a piece read is one chunk made
// from the original. Writes, moves and deletes of an in-place seed are
// refused or ignored: the original is the user's file.
//
// Threads: libtorrent calls in on its network thread; in-place reads and
// hashes run on one worker thread of their own and their handlers are
// posted back to the network thread.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <string>

#include <libtorrent/disk_interface.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/session_params.hpp>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth::swarm {

// Reads `length` sealed bytes of an in-place blob at `offset`.
using InPlaceReader = std::function<std::expected<Bytes, std::string>(const BlobId&, uint64_t offset, uint64_t length)>;

// The save path that marks a torrent as an in-place seed.
std::string InPlaceSavePath(const BlobId& blob);

// A disk_io_constructor for session_params (the reader must be thread-safe
// and outlive the session).
lt::disk_io_constructor_type InPlaceDiskIoConstructor(InPlaceReader read);

}  // namespace hearth::swarm
