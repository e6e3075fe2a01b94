#include "protocol/ledger_entry.h"

#include <algorithm>

#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr size_t kSignatureSize = 64;

void EncodeUnsigned(const Entry& e, const Bytes& body, ByteWriter& w) {
  w.U8(kEntryFormatVersion);
  w.Fixed(e.household.bytes);
  w.Fixed(e.author.bytes);
  w.U64(e.seq);
  w.Fixed(e.prev.bytes);
  w.U16(static_cast<uint16_t>(e.parents.size()));
  for (const auto& p : e.parents) w.Fixed(p.bytes);
  w.I64(e.time_us);
  w.U8(static_cast<uint8_t>(e.type()));
  w.U32(static_cast<uint32_t>(body.size()));
  w.Fixed(body);
}

Bytes SignedMessage(ByteSpan unsigned_bytes) {
  Bytes msg(kEntrySignatureDomain.begin(), kEntrySignatureDomain.end());
  msg.insert(msg.end(), unsigned_bytes.begin(), unsigned_bytes.end());
  return msg;
}

LedgerError Malformed(std::string detail) {
  return LedgerError{LedgerErrc::kMalformed, std::move(detail)};
}

}  // namespace

SignedEntry SignEntry(Entry entry, const crypto::DeviceKey& key) {
  std::sort(entry.parents.begin(), entry.parents.end());
  entry.parents.erase(std::unique(entry.parents.begin(), entry.parents.end()),
                      entry.parents.end());
  ByteWriter w;
  EncodeUnsigned(entry, EncodeBody(entry.body), w);
  SignedEntry out;
  out.signature = key.Sign(SignedMessage(w.bytes()));
  w.Fixed(out.signature);
  out.bytes = w.Take();
  out.id = EntryId{crypto::Blake2b256(out.bytes)};
  out.entry = std::move(entry);
  return out;
}

Bytes EncodeSignedEntry(const Entry& entry, const crypto::Signature& signature) {
  ByteWriter w;
  EncodeUnsigned(entry, EncodeBody(entry.body), w);
  w.Fixed(signature);
  return w.Take();
}

std::expected<SignedEntry, LedgerError> DecodeEntry(ByteSpan bytes) {
  ByteReader r(bytes);
  uint8_t version = r.U8();
  if (!r.ok()) return std::unexpected(Malformed("empty entry"));
  if (version > kEntryFormatVersion) {
    return std::unexpected(LedgerError{
        LedgerErrc::kFutureVersion, "entry format version " + std::to_string(version) +
                                        " is newer than this hearth understands (" +
                                        std::to_string(kEntryFormatVersion) + ")"});
  }
  if (version != kEntryFormatVersion) return std::unexpected(Malformed("format version 0"));

  SignedEntry out;
  Entry& e = out.entry;
  r.Fixed(e.household.bytes);
  r.Fixed(e.author.bytes);
  e.seq = r.U64();
  r.Fixed(e.prev.bytes);
  size_t parent_count = r.U16();
  if (!r.ok()) return std::unexpected(Malformed("entry header is truncated"));
  if (e.seq == 0) return std::unexpected(Malformed("sequence number 0"));
  if ((e.seq == 1) != e.prev.IsZero())
    return std::unexpected(Malformed("prev must be zero exactly when seq is 1"));
  if (parent_count > kMaxParents) return std::unexpected(Malformed("too many parents"));
  e.parents.resize(parent_count);
  for (size_t i = 0; i < parent_count; ++i) {
    r.Fixed(e.parents[i].bytes);
    if (i > 0 && !(e.parents[i - 1] < e.parents[i]))
      return std::unexpected(Malformed("parents are not sorted and unique"));
  }
  e.time_us = r.I64();
  uint8_t type = r.U8();
  uint32_t body_size = r.U32();
  if (!r.ok()) return std::unexpected(Malformed("entry header is truncated"));
  if (type < 1 || type > static_cast<uint8_t>(EntryType::kListenerRemove))
    return std::unexpected(Malformed("unknown entry type " + std::to_string(type)));
  if (body_size > kMaxBodyBytes) return std::unexpected(Malformed("body too large"));
  size_t body_at = r.position();
  if (bytes.size() - body_at < body_size + kSignatureSize)
    return std::unexpected(Malformed("entry is truncated"));
  if (bytes.size() - body_at != body_size + kSignatureSize)
    return std::unexpected(Malformed("entry has trailing bytes"));
  auto body = DecodeBody(static_cast<EntryType>(type), bytes.subspan(body_at, body_size));
  if (!body) return std::unexpected(body.error());
  e.body = std::move(*body);
  std::copy_n(bytes.begin() + body_at + body_size, kSignatureSize, out.signature.begin());
  out.bytes.assign(bytes.begin(), bytes.end());
  out.id = EntryId{crypto::Blake2b256(bytes)};
  return out;
}

bool VerifyEntrySignature(const SignedEntry& entry) {
  ByteSpan unsigned_bytes(entry.bytes.data(), entry.bytes.size() - kSignatureSize);
  return crypto::VerifySignature(entry.entry.author.bytes, SignedMessage(unsigned_bytes),
                                 entry.signature);
}

std::expected<SignedEntry, LedgerError> DecodeAndVerify(ByteSpan bytes) {
  auto e = DecodeEntry(bytes);
  if (!e) return e;
  if (!VerifyEntrySignature(*e)) {
    return std::unexpected(LedgerError{LedgerErrc::kBadSignature,
                                       "entry " + e->id.ShortHex() + " by device " +
                                           DeviceShort(e->entry.author) +
                                           " does not carry its author's signature"});
  }
  return e;
}

}  // namespace hearth
