#include "node/sim/stand_in_bytes.h"

#include "crypto/hash.h"

namespace hearth::sim {

Bytes StandInChunk(const BlobId& blob, uint32_t chunk) {
  Bytes input(blob.bytes.begin(), blob.bytes.end());
  for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<uint8_t>(chunk >> shift));
  const crypto::Digest d = crypto::Blake2b256(input);
  return Bytes(d.begin(), d.end());
}

}  // namespace hearth::sim
