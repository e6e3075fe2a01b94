// Tags via TagLib, normalised to lowercase keys that Hearth keeps:
//   title, artist (one pair per artist), albumartist, album, tracknumber,
//   tracktotal, discnumber, disctotal, date, year, originaldate, genre (one
//   pair per genre), composer, compilation, label, isrc, bpm,
//   replaygain_{track,album}_{gain,peak}, musicbrainz_* ids.
// TagLib is chosen by the probed format (not the file name). Keys TagLib
// does not yield are filled from FFmpeg's view of the tags.
//
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/bytes.h"

namespace hearth::library {

using TagList = std::vector<std::pair<std::string, std::string>>;

// Reads the tags of `file`, a whole file of `format` (as ProbeAudio names it).
// `fallback` is FFmpeg's tag list for the same file. Never fails: a file
// whose tags cannot be parsed simply has fewer of them.
TagList ReadTags(ByteSpan file, std::string_view format, const TagList& fallback);

// The first value of `key`, or "" when absent.
std::string TagValue(const TagList& tags, std::string_view key);
// Every value of `key`, in order.
std::vector<std::string> TagValues(const TagList& tags, std::string_view key);

}  // namespace hearth::library
