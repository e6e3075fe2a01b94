#include "protocol/byte_io.h"

#include <cstring>

namespace hearth {

void ByteWriter::U16(uint16_t v) {
  U8(static_cast<uint8_t>(v >> 8));
  U8(static_cast<uint8_t>(v));
}
void ByteWriter::U32(uint32_t v) {
  U16(static_cast<uint16_t>(v >> 16));
  U16(static_cast<uint16_t>(v));
}
void ByteWriter::U64(uint64_t v) {
  U32(static_cast<uint32_t>(v >> 32));
  U32(static_cast<uint32_t>(v));
}
void ByteWriter::Str(std::string_view s) {
  U16(static_cast<uint16_t>(s.size()));
  Fixed(AsBytes(s));
}
void ByteWriter::Blob(ByteSpan b) {
  U32(static_cast<uint32_t>(b.size()));
  Fixed(b);
}

bool ByteReader::Need(size_t n) {
  if (!ok_ || in_.size() - pos_ < n) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t ByteReader::U8() {
  if (!Need(1)) return 0;
  return in_[pos_++];
}
uint16_t ByteReader::U16() {
  uint16_t hi = U8();
  return static_cast<uint16_t>((hi << 8) | U8());
}
uint32_t ByteReader::U32() {
  uint32_t hi = U16();
  return (hi << 16) | U16();
}
uint64_t ByteReader::U64() {
  uint64_t hi = U32();
  return (hi << 32) | U32();
}
void ByteReader::Fixed(MutableByteSpan out) {
  if (!Need(out.size())) {
    std::memset(out.data(), 0, out.size());
    return;
  }
  std::memcpy(out.data(), in_.data() + pos_, out.size());
  pos_ += out.size();
}
std::string ByteReader::Str(size_t max_len) {
  size_t n = U16();
  if (n > max_len || !Need(n)) {
    ok_ = false;
    return {};
  }
  std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
  pos_ += n;
  if (!IsValidUtf8(s)) ok_ = false;
  return s;
}
Bytes ByteReader::Blob(size_t max_len) {
  size_t n = U32();
  if (n > max_len || !Need(n)) {
    ok_ = false;
    return {};
  }
  Bytes b(in_.begin() + pos_, in_.begin() + pos_ + n);
  pos_ += n;
  return b;
}

std::string AsciiLower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::string ToUtf8Lossy(std::string_view bytes) {
  if (IsValidUtf8(bytes)) return std::string(bytes);
  std::string out;
  size_t i = 0;
  while (i < bytes.size()) {
    // Take the longest valid UTF-8 sequence (1..4 bytes) starting here.
    size_t len = 0;
    for (size_t n = 1; n <= 4 && i + n <= bytes.size(); ++n)
      if (IsValidUtf8(bytes.substr(i, n))) len = n;
    if (len) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(bytes[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
      ++i;
    }
  }
  return out;
}

}  // namespace hearth
