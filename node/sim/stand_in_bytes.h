// The simulator's stand-in for a blob's sealed bytes: chunk `chunk` of a
// good copy of `blob` is BLAKE2b-256(blob id || chunk, big-endian u32). A
// damaged or forged copy has any other bytes, so possession proofs over
// stand-ins pass or fail as they would over real chunks.
#pragma once

#include <cstdint>

#include "crypto/bytes.h"
#include "protocol/ids.h"

namespace hearth::sim {

Bytes StandInChunk(const BlobId& blob, uint32_t chunk);

}  // namespace hearth::sim
