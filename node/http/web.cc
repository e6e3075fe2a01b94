// HttpService: the web player's static files.
#include "node/http/service.h"
#include "node/http/web_assets.h"

namespace hearth::http {

asio::awaitable<void> HttpService::HandleWeb(Exchange& ex, const Target& target) {
  const std::string path = target.path == "/" ? "/index.html" : target.path;
  for (const WebAsset& a : WebAssets()) {
    if (a.path != path) continue;
    Response res = TextResponse(ex.request(), bhttp::status::ok, std::string(a.body), a.content_type);
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    co_await ex.Send(std::move(res));
    co_return;
  }
  co_await ex.Send(TextResponse(ex.request(), bhttp::status::not_found, "not found: " + target.path + "\n"));
}

}  // namespace hearth::http
