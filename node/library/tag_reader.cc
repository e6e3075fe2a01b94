#include "node/library/tag_reader.h"

#include <taglib/flacfile.h>
#include <taglib/mp4file.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/tbytevectorstream.h>
#include <taglib/tpropertymap.h>
#include <taglib/vorbisfile.h>
#include <taglib/wavfile.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "protocol/byte_io.h"

namespace hearth::library {
namespace {

constexpr size_t kMaxValue = 1024;

const std::set<std::string, std::less<>>& KeptKeys() {
  static const std::set<std::string, std::less<>> keys = {
      "title", "artist", "albumartist", "album", "tracknumber", "tracktotal", "discnumber",
      "disctotal", "date", "originaldate", "genre", "composer", "compilation", "label", "isrc",
      "bpm", "replaygain_track_gain", "replaygain_track_peak", "replaygain_album_gain",
      "replaygain_album_peak", "musicbrainz_trackid", "musicbrainz_albumid",
      "musicbrainz_artistid", "musicbrainz_albumartistid", "musicbrainz_releasegroupid",
      "musicbrainz_releasetrackid", "musicbrainz_workid"};
  return keys;
}

std::string Clean(std::string v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  size_t start = 0;
  while (start < v.size() && std::isspace(static_cast<unsigned char>(v[start]))) ++start;
  v = v.substr(start);
  if (v.size() > kMaxValue) v.resize(kMaxValue);
  while (!v.empty() && !IsValidUtf8(v)) v.pop_back();  // a cut may split a character
  return v;
}

// FFmpeg's names for the keys TagLib normalises differently.
std::string FromFfmpegKey(const std::string& k) {
  if (k == "album_artist") return "albumartist";
  if (k == "track") return "tracknumber";
  if (k == "disc") return "discnumber";
  if (k == "musicbrainz track id") return "musicbrainz_trackid";
  if (k == "musicbrainz album id") return "musicbrainz_albumid";
  if (k == "musicbrainz artist id") return "musicbrainz_artistid";
  if (k == "musicbrainz album artist id") return "musicbrainz_albumartistid";
  if (k == "musicbrainz release group id") return "musicbrainz_releasegroupid";
  return k;
}

std::unique_ptr<TagLib::File> OpenTagLib(TagLib::IOStream* stream, std::string_view format) {
  if (format == "mp3") return std::make_unique<TagLib::MPEG::File>(stream, TagLib::ID3v2::FrameFactory::instance(), false);
  if (format == "flac") return std::make_unique<TagLib::FLAC::File>(stream, TagLib::ID3v2::FrameFactory::instance(), false);
  if (format == "m4a") return std::make_unique<TagLib::MP4::File>(stream, false);
  if (format == "ogg") return std::make_unique<TagLib::Ogg::Vorbis::File>(stream, false);
  if (format == "opus") return std::make_unique<TagLib::Ogg::Opus::File>(stream, false);
  if (format == "wav") return std::make_unique<TagLib::RIFF::WAV::File>(stream, false);
  return nullptr;
}

void Add(TagList& out, std::string key, const std::string& raw) {
  std::string value = Clean(raw);
  if (value.empty()) return;
  // "3/12" in a number field carries the total too.
  if (key == "tracknumber" || key == "discnumber") {
    auto slash = value.find('/');
    if (slash != std::string::npos) {
      std::string total = Clean(value.substr(slash + 1));
      value = Clean(value.substr(0, slash));
      if (!total.empty() && TagValue(out, key == "tracknumber" ? "tracktotal" : "disctotal").empty())
        out.emplace_back(key == "tracknumber" ? "tracktotal" : "disctotal", total);
    }
    if (value.empty()) return;
  }
  if (std::find(out.begin(), out.end(), std::pair(key, value)) == out.end())
    out.emplace_back(std::move(key), std::move(value));
}

}  // namespace

TagList ReadTags(ByteSpan file, std::string_view format, const TagList& fallback) {
  TagList out;
  TagLib::ByteVector bytes(reinterpret_cast<const char*>(file.data()),
                           static_cast<unsigned>(file.size()));
  TagLib::ByteVectorStream stream(bytes);
  if (auto f = OpenTagLib(&stream, format); f && f->isValid()) {
    const TagLib::PropertyMap props = f->properties();
    for (const auto& [key, values] : props) {
      std::string k = AsciiLower(key.to8Bit(true));
      if (!KeptKeys().contains(k)) continue;
      for (const auto& v : values) Add(out, k, v.to8Bit(true));
    }
  }
  std::set<std::string> have;
  for (const auto& [k, v] : out) have.insert(k);
  for (const auto& [fk, v] : fallback) {
    std::string k = FromFfmpegKey(fk);
    if (KeptKeys().contains(k) && !have.contains(k)) Add(out, k, v);
  }
  // A plain year, for grouping and display.
  std::string date = TagValue(out, "date");
  if (date.size() >= 4 && std::all_of(date.begin(), date.begin() + 4, ::isdigit))
    out.emplace_back("year", date.substr(0, 4));
  return out;
}

std::string TagValue(const TagList& tags, std::string_view key) {
  for (const auto& [k, v] : tags)
    if (k == key) return v;
  return "";
}

std::vector<std::string> TagValues(const TagList& tags, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : tags)
    if (k == key) out.push_back(v);
  return out;
}

}  // namespace hearth::library
