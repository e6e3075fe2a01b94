// Canonical big-endian byte writing and reading for every Hearth format.
//
// Primitives (all integers big-endian, unsigned unless noted):
//   u8, u16, u32, u64, i64 (two's complement)
//   fixed(N)  N raw bytes
//   str       u16 length, then that many bytes of valid UTF-8
//   blob      u32 length, then that many bytes
// A ByteReader never reads past its input: the first failed read latches an
// error and every later read returns zeros, so decoders check ok() once.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace hearth {

class ByteWriter {
 public:
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Fixed(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Callers keep strings under 65,536 bytes (decoders enforce tighter limits).
  void Str(std::string_view s);
  void Blob(ByteSpan b);

  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  Bytes out_;
};

class ByteReader {
 public:
  explicit ByteReader(ByteSpan in) : in_(in) {}

  uint8_t U8();
  uint16_t U16();
  uint32_t U32();
  uint64_t U64();
  int64_t I64() { return static_cast<int64_t>(U64()); }
  // Copies N bytes into `out`.
  void Fixed(MutableByteSpan out);
  // A str of at most `max_len` bytes that must be valid UTF-8.
  std::string Str(size_t max_len);
  Bytes Blob(size_t max_len);

  bool ok() const { return ok_; }
  bool AtEnd() const { return pos_ == in_.size(); }
  size_t position() const { return pos_; }
  // Marks the input as malformed (used by decoders for semantic checks).
  void Fail() { ok_ = false; }

 private:
  bool Need(size_t n);
  ByteSpan in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The end of a decoder: `value` if every read succeeded and nothing is left
// over, else an error naming `what`.
template <typename T>
std::expected<T, std::string> FinishDecode(ByteReader& r, T value, const char* what) {
  if (!r.ok()) return std::unexpected(std::string(what) + " is malformed");
  if (!r.AtEnd()) return std::unexpected(std::string(what) + " has trailing bytes");
  return value;
}

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// Makes arbitrary bytes (a file name, a Latin-1 tag) into valid UTF-8,
// writing each byte that is not part of a valid sequence as \xNN.
std::string ToUtf8Lossy(std::string_view bytes);

// `s` with A-Z lowered; other bytes (UTF-8 included) unchanged.
std::string AsciiLower(std::string s);

}  // namespace hearth
