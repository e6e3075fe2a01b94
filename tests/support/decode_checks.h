// Checks every decoder of a wire format makes: no prefix of a valid
// encoding, and no encoding with a byte added, decodes.
#pragma once

#include <gtest/gtest.h>

#include "crypto/bytes.h"

namespace hearth::testing {

template <typename Decode>
void ExpectEveryTruncationRefused(const Bytes& full, Decode decode) {
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(n));
    EXPECT_FALSE(decode(cut).has_value()) << "accepted " << n << " of " << full.size() << " bytes";
  }
  Bytes longer = full;
  longer.push_back(0);
  EXPECT_FALSE(decode(longer).has_value()) << "accepted trailing bytes";
}

}  // namespace hearth::testing
