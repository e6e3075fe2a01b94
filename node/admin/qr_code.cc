#include "node/admin/qr_code.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>

namespace hearth::admin {
namespace {

constexpr int kQuiet = 2;

}  // namespace

std::expected<std::vector<std::vector<bool>>, QrErrc> QrModules(std::string_view data) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(data.size()), reinterpret_cast<const unsigned char*>(data.data()), 0,
                        QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) return std::unexpected(errno == ERANGE ? QrErrc::kTooLong : QrErrc::kFailed);
  const int n = code->width;
  std::vector<std::vector<bool>> rows(static_cast<size_t>(n), std::vector<bool>(static_cast<size_t>(n)));
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) rows[y][x] = (code->data[y * n + x] & 1) != 0;  // bit 0: dark
  return rows;
}

std::expected<std::string, QrErrc> QrText(std::string_view data, bool inverted) {
  auto modules = QrModules(data);
  if (!modules) return std::unexpected(modules.error());
  const int n = static_cast<int>(modules->size());
  // Light with the quiet zone around the code.
  auto light = [&](int x, int y) {
    const bool dark = x >= 0 && y >= 0 && x < n && y < n && (*modules)[y][x];
    return dark == inverted;
  };
  std::string out;
  for (int y = -kQuiet; y < n + kQuiet; y += 2) {
    for (int x = -kQuiet; x < n + kQuiet; ++x) {
      const bool top = light(x, y), bottom = light(x, y + 1);
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += '\n';
  }
  return out;
}

std::expected<std::string, QrErrc> QrSvg(std::string_view data) {
  auto modules = QrModules(data);
  if (!modules) return std::unexpected(modules.error());
  constexpr int kSvgQuiet = 4;
  const int n = static_cast<int>(modules->size());
  const int side = n + 2 * kSvgQuiet;
  // One path of unit squares, a run of dark modules in a row at a time.
  std::string path;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if (!(*modules)[y][x]) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < n && (*modules)[y][x + run]) ++run;
      path += fmt::format("M{} {}h{}v1h-{}z", x + kSvgQuiet, y + kSvgQuiet, run, run);
      x += run;
    }
  }
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" shape-rendering=\"crispEdges\">"
      "<rect width=\"{0}\" height=\"{0}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{1}\"/></svg>",
      side, path);
}

}  // namespace hearth::admin
