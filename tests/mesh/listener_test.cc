// Household listeners with real nodes: a listener added on the PC (an admin)
// logs in on the laptop and the phone -- web login, JSON Basic auth,
// Subsonic token + salt with the app password, and apiKey -- without being
// added there; removed on the PC, every device refuses it within seconds.
// The storage box carries the entry but cannot open it. Revoking a device
// replaces every listener's app password and API key.
#include <sodium.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "node/http/users.h"
#include "tests/mesh/mesh_fixture.h"
#include "tests/support/http_client.h"

namespace hearth::testing {
namespace {

std::string Base64(const std::string& text) {
  std::string out(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class ListenerTest : public MeshFixture {
 protected:
  static constexpr const char* kPassword = "anna's long password";

  // What works for `user` on the node at `port`, each way of logging in.
  struct Logins {
    bool web = false, basic = false, token = false, api_key = false;
    bool all() const { return web && basic && token && api_key; }
    bool none() const { return !web && !basic && !token && !api_key; }
  };
  Logins Try(uint16_t port, const std::string& user, const std::string& password, const std::string& app_password,
             const std::string& key) {
    Logins l;
    nlohmann::json body = {{"user", user}, {"password", password}};
    Reply login = Fetch(port, "/api/v1/login", {{"Content-Type", "application/json"}}, test_http::verb::post,
                        body.dump());
    const std::string token = login.Json().is_object() ? login.Json().value("token", "") : "";
    l.web = login.status == 200 && !token.empty() &&
            Fetch(port, "/api/v1/me", {{"Cookie", "hearth_key=" + token}}).status == 200;
    l.basic = Fetch(port, "/api/v1/me", {{"Authorization", "Basic " + Base64(user + ":" + password)}}).status == 200;
    const std::string salt = "a1b2c3";
    auto ok = [](const Reply& r) {
      auto j = r.Json();
      return j.is_object() && j["subsonic-response"].value("status", "") == "ok";
    };
    l.token = ok(Fetch(port, "/rest/ping?u=" + user + "&t=" + http::Md5Hex(app_password + salt) + "&s=" + salt +
                                 "&f=json"));
    l.api_key = ok(Fetch(port, "/rest/ping?apiKey=" + key + "&f=json"));
    return l;
  }
};

TEST_F(ListenerTest, AListenerAddedOnThePcLogsInEverywhereAndRemovedIsRefusedEverywhere) {
  InitAndImport("a", 1);
  auto a = Serve("a", {"--no-lan"});
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_EQ(Join("c", Invite("a", "--role phone")).exit_code, 0);
  ASSERT_EQ(Join("s", Invite("a", "--role storage")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  auto c = Serve("c", {"--no-lan"});
  auto s = Serve("s", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a") && c->WaitForLog("connected to a") && s->WaitForLog("connected to a"))
      << b->Log() << c->Log() << s->Log();

  // Only an admin adds listeners; the phone is told so.
  const std::string pw = Home("pw");
  std::ofstream(pw) << kPassword << "\n";
  auto refused = Hearth("c", "user add anna --password-file " + Quote(pw));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("only an admin device"), std::string::npos) << refused.err;

  auto added = Json("a", "user add anna --json --password-file " + Quote(pw));
  const std::string app = added.value("app_password", ""), key = added.value("api_key", "");
  ASSERT_FALSE(app.empty() || key.empty()) << added.dump();
  EXPECT_NE(app, kPassword);
  for (auto* node : {b.get(), c.get()}) {
    Logins l;
    EXPECT_TRUE(Eventually([&] { return (l = Try(node->http_port(), "anna", kPassword, app, key)).all(); }))
        << "web " << l.web << " basic " << l.basic << " token " << l.token << " apiKey " << l.api_key;
    // A wrong password is still wrong.
    EXPECT_TRUE(Try(node->http_port(), "anna", "not it", "not it", "not-it").none());
  }
  // The laptop lists her and can show her app password; the phone too.
  EXPECT_TRUE(Eventually([&] { return Json("b", "user list").size() == 1; }));
  EXPECT_EQ(Json("c", "user show anna").value("app_password", ""), app);

  // The storage box has the entry, sealed: it cannot read the listeners, and
  // neither the name nor a secret is anywhere in its database.
  EXPECT_TRUE(Eventually([&] {
    for (const auto& e : Json("s", "ledger show"))
      if (e.value("type", "") == "listener.set") return true;
    return false;
  }));
  auto storage = Hearth("s", "user list");
  EXPECT_EQ(storage.exit_code, 1);
  EXPECT_NE(storage.err.find("storage device"), std::string::npos) << storage.err;
  s->Stop();  // its database whole on disk
  const std::string db = ReadAll(Home("s") + "/hearth.db") + ReadAll(Home("s") + "/hearth.db-wal");
  EXPECT_EQ(db.find("anna"), std::string::npos);
  EXPECT_EQ(db.find(app), std::string::npos);
  EXPECT_EQ(db.find(key), std::string::npos);
  EXPECT_EQ(db.find("$argon2id$"), std::string::npos);

  // Removed on the PC: refused on every device within seconds.
  ASSERT_EQ(Hearth("a", "user remove anna").exit_code, 0);
  const auto removed = std::chrono::steady_clock::now();
  for (auto* node : {a.get(), b.get(), c.get()}) {
    Logins l;
    EXPECT_TRUE(Eventually([&] { return (l = Try(node->http_port(), "anna", kPassword, app, key)).none(); },
                           std::chrono::seconds(15)))
        << "web " << l.web << " basic " << l.basic << " token " << l.token << " apiKey " << l.api_key;
  }
  std::cout << "refused on every device "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - removed).count()
            << " s after the removal\n";
}

TEST_F(ListenerTest, RevokingADeviceReplacesEveryListenersAppPasswordAndApiKey) {
  InitAndImport("a", 1);
  auto a = Serve("a", {"--no-lan"});
  const std::string pw = Home("pw");
  std::ofstream(pw) << kPassword << "\n";
  auto added = Json("a", "user add anna --json --password-file " + Quote(pw));
  const std::string old_app = added.value("app_password", ""), old_key = added.value("api_key", "");
  ASSERT_EQ(Join("b", Invite("a")).exit_code, 0);
  ASSERT_EQ(Join("c", Invite("a", "--role phone")).exit_code, 0);
  auto b = Serve("b", {"--no-lan"});
  ASSERT_TRUE(b->WaitForLog("connected to a")) << b->Log();
  ASSERT_TRUE(Try(b->http_port(), "anna", kPassword, old_app, old_key).all());

  // The phone is stolen: it could open the listeners' secrets.
  auto revoked = Json("a", "revoke c --reason stolen");
  EXPECT_EQ(revoked.value("listeners_rotated", 0), 1) << revoked.dump();
  auto shown = Json("a", "user show anna");
  const std::string app = shown.value("app_password", ""), key = shown.value("api_key", "");
  EXPECT_NE(app, old_app);
  EXPECT_NE(key, old_key);
  // On the laptop: the old app password and key stop working, the new ones
  // and the login password work.
  EXPECT_TRUE(Eventually([&] {
    auto stale = Try(b->http_port(), "anna", "-", old_app, old_key);
    return !stale.token && !stale.api_key && Try(b->http_port(), "anna", kPassword, app, key).all();
  }));
  EXPECT_EQ(Json("b", "user show anna").value("api_key", ""), key);
}

}  // namespace
}  // namespace hearth::testing
