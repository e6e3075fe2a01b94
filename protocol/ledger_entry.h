// Ledger entries: the signed, canonical records of the ownership ledger.
// The exact byte layout is in ledger_entry_format.md beside this file.
// Pure functions: bytes in, values out; safe to call from any thread.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/signing.h"
#include "protocol/entry_body.h"
#include "protocol/ids.h"
#include "protocol/ledger_error.h"

namespace hearth {

inline constexpr uint8_t kEntryFormatVersion = 1;
inline constexpr size_t kMaxParents = 256;
inline constexpr size_t kMaxBodyBytes = 64 * 1024;
// Signatures cover this tag followed by the entry's unsigned bytes.
inline constexpr std::string_view kEntrySignatureDomain = "hearth/ledger-entry/v1";

// The fields an author fills in before signing.
struct Entry {
  HouseholdId household;
  DeviceId author;
  uint64_t seq = 1;               // 1, 2, ... per author
  EntryId prev;                   // author's entry seq-1; zero when seq == 1
  std::vector<EntryId> parents;   // other authors' latest entries seen; sorted, unique
  int64_t time_us = 0;            // wall clock, microseconds since 1970; advisory only
  Body body;

  EntryType type() const { return TypeOf(body); }
};

// An entry with its signature, its exact bytes and its id.
struct SignedEntry {
  Entry entry;
  crypto::Signature signature{};
  Bytes bytes;   // the canonical encoding, signature included
  EntryId id;    // BLAKE2b-256(bytes)
};

// Encodes `entry` (sorting and de-duplicating its parents), signs it with
// `key` and returns the result. `key` must be the entry's author.
SignedEntry SignEntry(Entry entry, const crypto::DeviceKey& key);

// The canonical bytes of `entry` carrying `signature` (no signing). Decoding
// them gives back the same entry: DecodeEntry(bytes) -> EncodeSignedEntry is
// the identity on every accepted input.
Bytes EncodeSignedEntry(const Entry& entry, const crypto::Signature& signature);

// Decodes canonical entry bytes. Does NOT check the signature (see
// VerifyEntrySignature) so storage can re-read trusted bytes cheaply.
// Fails with kFutureVersion for a newer format, kMalformed for anything that
// is not the one canonical encoding of a valid entry.
std::expected<SignedEntry, LedgerError> DecodeEntry(ByteSpan bytes);

// True when the signature verifies against the author's key.
bool VerifyEntrySignature(const SignedEntry& entry);

// DecodeEntry followed by VerifyEntrySignature (kBadSignature on failure).
std::expected<SignedEntry, LedgerError> DecodeAndVerify(ByteSpan bytes);

}  // namespace hearth
