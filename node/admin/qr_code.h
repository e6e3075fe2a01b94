// QR codes (libqrencode) for people to scan: the invite code drawn as text for
// a terminal (`hearth invite --qr`) or as SVG for the control room's page.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::admin {

enum class QrErrc {
  kTooLong,  // more data than the largest QR code holds
  kFailed,   // libqrencode could not encode (out of memory)
};

// The modules of `data`'s QR code (error correction M), row by row; true = dark.
std::expected<std::vector<std::vector<bool>>, QrErrc> QrModules(std::string_view data);

// The code as lines of text (each ending in '\n'): two rows of modules per
// line with the half-block characters, a quiet zone of 2 modules. Dark
// modules are spaces and light ones blocks, which reads as dark-on-light on
// the dark background most terminals have (`inverted` for a light one).
std::expected<std::string, QrErrc> QrText(std::string_view data, bool inverted = false);

// The code as a standalone SVG image: black modules on white, a quiet zone
// of 4 modules, one unit per module (it scales to any size, crisp edges).
std::expected<std::string, QrErrc> QrSvg(std::string_view data);

}  // namespace hearth::admin
