// HttpService: the web player's static files.
#include "node/http/service.h"
#include "node/http/web_assets.h"

namespace hearth::http {

namespace {

// index.html has both screens hidden; the one this visitor sees first is
// shown in the page as sent, so it paints with the HTML and CSS alone,
// before any script or API call (the scripts settle the rest).
std::string WithScreenShown(std::string_view page, bool logged_in) {
  std::string out(page);
  const std::string hidden = logged_in ? "<section id=\"app\" hidden>" : "<section id=\"login\" hidden>";
  if (size_t at = out.find(hidden); at != std::string::npos)
    out.replace(at, hidden.size(), hidden.substr(0, hidden.size() - std::string_view(" hidden>").size()) + ">");
  return out;
}

}  // namespace

asio::awaitable<void> HttpService::HandleWeb(Exchange& ex, const Target& target) {
  const std::string path = target.path == "/" ? "/index.html" : target.path;
  for (const WebAsset& a : WebAssets()) {
    if (a.path != path) continue;
    std::string body(a.body);
    const bool page = path == "/index.html";
    if (page) {
      const bool logged_in =
          ApiUser(ex.request(), target.params, LoginThrottle::ClientKey(ex.remote().address())).has_value();
      body = WithScreenShown(a.body, logged_in);
    }
    Response res = TextResponse(ex.request(), bhttp::status::ok, std::move(body), a.content_type);
    if (page) res.set(bhttp::field::vary, "Cookie");
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    co_await ex.Send(std::move(res));
    co_return;
  }
  co_await ex.Send(TextResponse(ex.request(), bhttp::status::not_found, "not found: " + target.path + "\n"));
}

}  // namespace hearth::http
