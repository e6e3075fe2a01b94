#include "node/library/track_record.h"

#include <cctype>
#include <cstdio>

#include "protocol/byte_io.h"

namespace hearth::library {
namespace {

int ToInt(const std::string& s) {
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    v = v * 10 + (c - '0');
    if (v > 1000000) break;
  }
  return v;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace

std::optional<crypto::Digest> ParseHexDigest(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  crypto::Digest d;
  for (size_t i = 0; i < 32; ++i) {
    unsigned v;
    if (std::sscanf(hex.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
    d[i] = static_cast<uint8_t>(v);
  }
  return d;
}

FileId SealedFileOf(const FileId& file, const TagList& tags) {
  auto sealed = ParseHexDigest(TagValue(tags, "blobfile"));
  return sealed ? FileId{*sealed} : file;
}

std::string AlbumKey(const std::string& album, const std::string& album_artist,
                     const std::string& source_path) {
  std::string owner = album_artist;
  if (owner.empty()) {
    auto slash = source_path.find_last_of('/');
    owner = slash == std::string::npos ? "" : source_path.substr(0, slash);
    // Disc folders ("CD1", "Disc 2") belong to the album folder above them.
    auto last = owner.find_last_of('/');
    std::string leaf = AsciiLower(last == std::string::npos ? owner : owner.substr(last + 1));
    if (leaf.starts_with("cd") || leaf.starts_with("disc") || leaf.starts_with("disk"))
      owner = last == std::string::npos ? "" : owner.substr(0, last);
  }
  return AsciiLower(album) + '\x1f' + AsciiLower(owner);
}

ClaimDetails MakeClaimDetails(const AudioInfo& audio, const TagList& tags, const FileId& file,
                              const std::string& source_path,
                              const std::optional<crypto::Digest>& cover,
                              const std::optional<EntryId>& matched_claim,
                              const std::optional<FileId>& sealed_file, int64_t now_us) {
  ClaimDetails d;
  d.track = audio.track;
  d.track_scheme = kTrackIdScheme;
  d.file = file;
  d.format = audio.format;
  d.duration_ms = audio.duration_ms;
  d.metadata = tags;
  d.metadata.emplace_back("codec", audio.codec);
  d.metadata.emplace_back("bitrate", std::to_string(audio.bitrate));
  d.metadata.emplace_back("samplerate", std::to_string(audio.sample_rate));
  d.metadata.emplace_back("channels", std::to_string(audio.channels));
  if (cover) {
    d.metadata.emplace_back("cover", ToHex(*cover));
    if (audio.cover && !audio.cover->mime.empty()) d.metadata.emplace_back("covermime", audio.cover->mime);
  }
  if (matched_claim) d.metadata.emplace_back("matched", matched_claim->Hex());
  if (sealed_file && *sealed_file != file) d.metadata.emplace_back("blobfile", sealed_file->Hex());
  d.provenance = Provenance::kImported;
  d.provenance_detail = source_path;
  d.acquired_us = now_us;
  return d;
}

TrackRecord MakeRecord(const store::LiveClaim& claim, const ClaimDetails& d) {
  TrackRecord r;
  r.claim = claim.entry;
  r.track = d.track;
  r.file = d.file;
  r.blob = claim.blob;
  r.plaintext_length = claim.plaintext_length;
  r.author = claim.author;
  r.claimed_us = claim.time_us;
  r.format = d.format;
  r.duration_ms = d.duration_ms;
  r.tags = d.metadata;
  r.codec = TagValue(d.metadata, "codec");
  r.bitrate = ToInt(TagValue(d.metadata, "bitrate"));
  r.sample_rate = ToInt(TagValue(d.metadata, "samplerate"));
  r.channels = ToInt(TagValue(d.metadata, "channels"));
  r.title = TagValue(d.metadata, "title");
  r.artist = Join(TagValues(d.metadata, "artist"));
  r.album_artist = TagValue(d.metadata, "albumartist");
  r.album = TagValue(d.metadata, "album");
  r.genre = Join(TagValues(d.metadata, "genre"));
  r.track_no = ToInt(TagValue(d.metadata, "tracknumber"));
  r.track_total = ToInt(TagValue(d.metadata, "tracktotal"));
  r.disc_no = ToInt(TagValue(d.metadata, "discnumber"));
  r.disc_total = ToInt(TagValue(d.metadata, "disctotal"));
  r.year = ToInt(TagValue(d.metadata, "year"));
  r.cover = ParseHexDigest(TagValue(d.metadata, "cover"));
  r.source_path = d.provenance_detail;
  r.matched = !TagValue(d.metadata, "matched").empty();
  r.sealed_file = SealedFileOf(r.file, d.metadata);
  if (r.title.empty()) {
    // Untagged: the file name, without its folder and extension.
    std::string name = r.source_path.substr(r.source_path.find_last_of('/') + 1);
    r.title = name.substr(0, name.find_last_of('.'));
  }
  r.album_key = AlbumKey(r.album, r.album_artist, r.source_path);
  return r;
}

}  // namespace hearth::library
