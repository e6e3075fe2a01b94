#include "protocol/sync_messages.h"

#include "protocol/byte_io.h"

namespace hearth {

bool Hello::operator==(const Hello& o) const {
  if (version != o.version || control_port != o.control_port || torrent_port != o.torrent_port ||
      heads.size() != o.heads.size())
    return false;
  for (size_t i = 0; i < heads.size(); ++i) {
    if (heads[i].author != o.heads[i].author || heads[i].seq != o.heads[i].seq || heads[i].id != o.heads[i].id)
      return false;
  }
  return true;
}

Bytes EncodeHello(const Hello& h) {
  ByteWriter w;
  w.U8(h.version);
  w.U16(h.control_port);
  w.U16(h.torrent_port);
  w.U16(static_cast<uint16_t>(h.heads.size()));
  for (const auto& head : h.heads) {
    w.Fixed(head.author.bytes);
    w.U64(head.seq);
    w.Fixed(head.id.bytes);
  }
  return w.Take();
}

std::expected<Hello, std::string> DecodeHello(ByteSpan payload) {
  ByteReader r(payload);
  Hello h;
  h.version = r.U8();
  h.control_port = r.U16();
  h.torrent_port = r.U16();
  size_t n = r.U16();
  if (!r.ok()) return std::unexpected("hello is truncated");
  if (n > kMaxHeads) return std::unexpected("hello lists too many heads");
  for (size_t i = 0; i < n; ++i) {
    AuthorHead head;
    r.Fixed(head.author.bytes);
    head.seq = r.U64();
    r.Fixed(head.id.bytes);
    if (r.ok() && head.seq == 0) return std::unexpected("hello lists a head with sequence number 0");
    h.heads.push_back(head);
  }
  if (!r.ok()) return std::unexpected("hello is truncated");
  if (!r.AtEnd()) return std::unexpected("hello has trailing bytes");
  return h;
}

std::vector<Bytes> EncodeEntryBatches(const std::vector<Bytes>& entries) {
  std::vector<Bytes> batches;
  std::vector<const Bytes*> current;
  size_t size = 2;
  auto flush = [&] {
    if (current.empty()) return;
    ByteWriter b;
    b.U16(static_cast<uint16_t>(current.size()));
    for (const Bytes* e : current) b.Blob(*e);
    batches.push_back(b.Take());
    current.clear();
    size = 2;
  };
  for (const Bytes& e : entries) {
    if (size + 4 + e.size() > kMaxEntriesBatchBytes || current.size() == 0xffff) flush();
    current.push_back(&e);
    size += 4 + e.size();
  }
  flush();
  return batches;
}

std::expected<std::vector<Bytes>, std::string> DecodeEntryBatch(ByteSpan payload) {
  ByteReader r(payload);
  size_t n = r.U16();
  std::vector<Bytes> out;
  for (size_t i = 0; i < n && r.ok(); ++i) out.push_back(r.Blob(kMaxEntriesBatchBytes));
  if (!r.ok()) return std::unexpected("entries batch is truncated");
  if (!r.AtEnd()) return std::unexpected("entries batch has trailing bytes");
  return out;
}

Bytes EncodeError(uint16_t code, std::string_view message) {
  ByteWriter w;
  w.U16(code);
  w.Str(message.substr(0, 1024));
  return w.Take();
}

std::expected<std::pair<uint16_t, std::string>, std::string> DecodeError(ByteSpan payload) {
  ByteReader r(payload);
  uint16_t code = r.U16();
  std::string message = r.Str(1024);
  if (!r.ok() || !r.AtEnd()) return std::unexpected("error message is malformed");
  return std::pair{code, std::move(message)};
}

}  // namespace hearth
