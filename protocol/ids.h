// Strong 32-byte ids. Each kind of id is its own type so one can never be
// passed where another is expected (a FileId is not a TrackId).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/base32.h"
#include "crypto/bytes.h"

namespace hearth {

template <typename Tag>
struct Id32 {
  std::array<uint8_t, 32> bytes{};

  static Id32 From(std::span<const uint8_t, 32> b) {
    Id32 id;
    std::memcpy(id.bytes.data(), b.data(), 32);
    return id;
  }
  bool IsZero() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  std::string Hex() const { return ToHex(bytes); }
  // The id whose Hex() is `hex` (64 lowercase hex digits), else nullopt.
  static std::optional<Id32> FromHex(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    Id32 id;
    for (size_t i = 0; i < 32; ++i) {
      const int hi = nib(hex[2 * i]), lo = nib(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return id;
  }
  std::string ShortHex() const { return Hex().substr(0, 12); }
  ByteSpan span() const { return bytes; }
  auto operator<=>(const Id32&) const = default;
};

struct DeviceTag;
struct HouseholdTag;
struct EntryTag;
struct FileTag;
struct TrackTag;
struct BlobTag;
struct ListenerTag;

// A device's Ed25519 public key.
using DeviceId = Id32<DeviceTag>;
// Derived from the genesis entry (see ledger_entry_format.md).
using HouseholdId = Id32<HouseholdTag>;
// BLAKE2b-256 of an entry's signed bytes.
using EntryId = Id32<EntryTag>;
// BLAKE2b-256 of an original file's bytes.
using FileId = Id32<FileTag>;
// The audio identity: a hash of the compressed audio packets.
using TrackId = Id32<TrackTag>;
// The BitTorrent v2 info-hash of a blob's deterministic torrent.
using BlobId = Id32<BlobTag>;
// A household listener: the content secret's keyed hash of the name, so that
// storage devices see that listeners exist but not who (listener_details.h).
using ListenerId = Id32<ListenerTag>;

// How devices are shown to people: lowercase base32, no padding; the short
// form is the first 8 characters.
inline std::string DeviceText(const DeviceId& d) { return crypto::Base32Encode(d.bytes); }
inline std::string DeviceShort(const DeviceId& d) { return DeviceText(d).substr(0, 8); }

struct Id32Hash {
  template <typename Tag>
  size_t operator()(const Id32<Tag>& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are uniform hashes or keys
    return h;
  }
};

}  // namespace hearth
