#include "crypto/content_secret.h"

namespace hearth::crypto {

ContentSecret ContentSecret::Generate() { return ContentSecret(Secret<32>::Random()); }

ContentSecret ContentSecret::FromBytes(std::span<const uint8_t, 32> bytes) {
  return ContentSecret(Secret<32>(bytes));
}

SubKey ContentSecret::Derive(std::string_view domain, ByteSpan context) const {
  Blake2bStream h(secret_.span());
  h.Update(AsBytes(domain));
  h.Update(context);
  Digest d = h.Finish();
  SubKey key{std::span<const uint8_t, 32>(d)};
  Wipe(d.data(), d.size());
  return key;
}

SubKey ContentSecret::BlobKey(const Digest& file_id) const {
  return Derive(kBlobKeyDomain, file_id);
}

}  // namespace hearth::crypto
