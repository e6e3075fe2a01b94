// The web player's files, built into the binary from node/http/web/ (so a
// node serves them with no files on disk and nothing to traverse).
#pragma once

#include <string_view>
#include <vector>

namespace hearth::http {

struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};
const std::vector<WebAsset>& WebAssets();

}  // namespace hearth::http
