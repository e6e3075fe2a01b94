// The web player's own weight (node/http/web_assets.h; issue 17): the
// scripts and style sheets built into the binary stay within 100 KB
// uncompressed, counted as 100,000 bytes, and the page fetches nothing that
// is not embedded.
// A size budget, not a timing: tools/bench/first_paint prints the figure as
// served, beside the first paint.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "node/http/web_assets.h"

namespace hearth::http {
namespace {

constexpr size_t kBudgetBytes = 100'000;

bool IsScriptOrStyle(std::string_view path) { return path.ends_with(".js") || path.ends_with(".css"); }

const WebAsset* Find(std::string_view path) {
  for (const WebAsset& a : WebAssets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

TEST(WebAssets, ThePagesOwnScriptsAndStyleSheetsFitIn100KB) {
  size_t bytes = 0;
  std::string listed;
  for (const WebAsset& a : WebAssets()) {
    if (!IsScriptOrStyle(a.path)) continue;
    bytes += a.body.size();
    listed += std::string(a.path) + " " + std::to_string(a.body.size()) + " bytes\n";
  }
  EXPECT_NE(Find("/app.js"), nullptr);
  EXPECT_NE(Find("/style.css"), nullptr);
  EXPECT_LE(bytes, kBudgetBytes) << listed;
}

// So the budget above counts everything: each file index.html names (its
// scripts, style sheets, icons) is one of the embedded files, none fetched
// from elsewhere.
TEST(WebAssets, ThePageLoadsOnlyEmbeddedFiles) {
  const WebAsset* index = Find("/index.html");
  ASSERT_NE(index, nullptr);
  const std::string html(index->body);
  const std::regex ref(R"re((?:src|href)="([^"]*)")re");
  int named = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[1];
    if (target.empty() || target[0] == '#') continue;  // links within the page
    named += IsScriptOrStyle(target);
    EXPECT_NE(Find(target), nullptr) << target << " is not an embedded file";
  }
  EXPECT_GE(named, 2);  // app.js and style.css
}

}  // namespace
}  // namespace hearth::http
