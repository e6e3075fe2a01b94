// A QR code (libqrencode) drawn with text for a terminal: two rows of modules
// per line with the half-block characters, a quiet zone of 2 modules. Dark
// modules are spaces and light ones blocks, which reads as dark-on-light on
// the dark background most terminals have (`inverted` for a light one).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::cli {

enum class QrErrc {
  kTooLong,  // more data than the largest QR code holds
  kFailed,   // libqrencode could not encode (out of memory)
};

// The modules of `data`'s QR code (error correction M), row by row; true = dark.
std::expected<std::vector<std::vector<bool>>, QrErrc> QrModules(std::string_view data);

// The code as lines of text (each ending in '\n').
std::expected<std::string, QrErrc> QrText(std::string_view data, bool inverted = false);

}  // namespace hearth::cli
