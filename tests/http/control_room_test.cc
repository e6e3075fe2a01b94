// The control room's calls of the JSON API (api_admin.cc) on one device:
// only admin listeners reach them; health and policy read the household;
// policy and invites check what they are given; a device cannot revoke itself.
// Pairing and revoking another device run between real nodes
// (clients_test.cc, ControlRoom*).
#include "tests/http/http_fixture.h"

#include "crypto/base32.h"
#include "node/store/mesh_tables.h"
#include "protocol/pairing.h"

namespace hearth::http::test {
namespace {

using nlohmann::json;

class ControlRoomTest : public HttpFixture {
 protected:
  Reply Call(const std::string& path, bhttp::verb method, const std::string& body = "",
             const std::string& key = "") {
    return Fetch(port_, "/api/v1/" + path,
                 {{"Authorization", "Bearer " + (key.empty() ? alice_key_ : key)}, {"Content-Type", "application/json"}},
                 method, body);
  }
  std::string BobKey() {
    auto bob = ListenerBook(service_->home()).Find("bob");
    return bob && *bob ? (*bob)->api_key : "";
  }
};

TEST_F(ControlRoomTest, OnlyAdminListenersReachIt) {
  const std::string bob = BobKey();
  ASSERT_FALSE(bob.empty());
  for (const char* path : {"health", "policy", "folders"}) {
    Reply r = Call(path, bhttp::verb::get, "", bob);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_NE(r.Json().value("error", "").find("admin listener"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Call("invites", bhttp::verb::post, R"({"role":"phone"})", bob).status, 403);
  EXPECT_EQ(Call("policy", bhttp::verb::put, R"({"copies":2})", bob).status, 403);
  EXPECT_EQ(Call("policy", bhttp::verb::get).status, 200);
}

TEST_F(ControlRoomTest, HealthListsTheDevicesAndTheTracks) {
  json h = Call("health", bhttp::verb::get).Json();
  EXPECT_EQ(h["tracks"], Formats().size());
  EXPECT_EQ(h["copies"], 1);
  EXPECT_EQ(h["under_replicated"], 0);
  EXPECT_EQ(h["this_device_admin"], true);
  ASSERT_EQ(h["devices"].size(), 1u);
  EXPECT_EQ(h["devices"][0]["name"], "pc");
  EXPECT_EQ(h["devices"][0]["this_device"], true);
  EXPECT_EQ(h["devices"][0]["admin"], true);
  EXPECT_EQ(h["devices"][0]["held_blobs"], Formats().size());
}

TEST_F(ControlRoomTest, ThePolicyChangesOnlyWhatTheBodyNamesAndRefusesNonsense) {
  json set = Call("policy", bhttp::verb::put, R"({"stream_limit": 3})").Json();
  EXPECT_EQ(set["stream_limit"], 3);
  EXPECT_EQ(set["copies"], 1);
  const std::string me = crypto::Base32Encode(service_->home().device_id().bytes);
  set = Call("policy", bhttp::verb::put, R"({"copies": 2, "capacities": [{"device": ")" + me + R"(", "bytes": 5000000000}]})")
            .Json();
  EXPECT_EQ(set["copies"], 2);
  ASSERT_EQ(set["capacities"].size(), 1u);
  EXPECT_EQ(set["capacities"][0]["bytes"], 5000000000u);
  EXPECT_EQ(set["stream_limit"], 3);
  EXPECT_EQ(Call("policy", bhttp::verb::get).Json()["copies"], 2);
  // Wrong values: 400 with the reason, and the policy unchanged.
  struct Bad {
    std::string body, says;
  };
  for (const Bad& bad : {Bad{R"({"copies": 0})", "copies must be 1..16"}, Bad{R"({"copies": 17})", "copies must be 1..16"},
                         Bad{R"({"copies": "two"})", "copies"}, Bad{R"({"stream_limit": 5000})", "stream_limit"},
                         Bad{R"({"budgets": [{"device": "nope", "bytes": 1}]})", "no such device"},
                         Bad{R"({"budgets": 7})", "list"}, Bad{"[1,2]", "JSON object"}}) {
    Reply r = Call("policy", bhttp::verb::put, bad.body);
    EXPECT_EQ(r.status, 400) << bad.body << " " << r.body;
    EXPECT_NE(r.Json().value("error", "").find(bad.says), std::string::npos) << bad.body << " " << r.body;
  }
  EXPECT_EQ(Call("policy", bhttp::verb::get).Json()["copies"], 2);
}

TEST_F(ControlRoomTest, AnInviteIsARealCodeWithItsQrCode) {
  // No mesh address here: the body gives one.
  Reply none = Call("invites", bhttp::verb::post, R"({"role":"phone"})");
  EXPECT_EQ(none.status, 400) << none.body;
  EXPECT_EQ(Call("invites", bhttp::verb::post, R"({"role":"boss","addresses":["127.0.0.1:7601"]})").status, 400);
  EXPECT_EQ(Call("invites", bhttp::verb::post, R"({"role":5,"addresses":["127.0.0.1:7601"]})").status, 400);
  EXPECT_EQ(Call("invites", bhttp::verb::post, R"({"addresses":["0.0.0.0:7601"]})").status, 400);
  EXPECT_EQ(Call("invites", bhttp::verb::post, R"({"ttl_s": 99999999, "addresses":["127.0.0.1:7601"]})").status, 400);
  Reply r = Call("invites", bhttp::verb::post, R"({"role":"phone","addresses":["127.0.0.1:7601"]})");
  ASSERT_EQ(r.status, 201) << r.body;
  json j = r.Json();
  auto code = DecodeInviteCode(j["code"].get<std::string>());
  ASSERT_TRUE(code) << j.dump();
  EXPECT_EQ(code->household, service_->home().household());
  ASSERT_EQ(code->addresses.size(), 1u);
  EXPECT_EQ(code->addresses[0].ToString(), "127.0.0.1:7601");
  EXPECT_EQ(j["role"], "phone");
  EXPECT_TRUE(j["qr_svg"].get<std::string>().starts_with("<svg")) << j["qr_svg"];
  EXPECT_EQ(j["join"], "hearth join " + j["code"].get<std::string>());
  // The invite is recorded: the device would accept a join with it.
  auto saved = store::FindInvite(service_->home().db(), InviteIdOf(code->secret));
  ASSERT_TRUE(saved && *saved);
  EXPECT_EQ((*saved)->role, Role::kPhone);
}

TEST_F(ControlRoomTest, RevokingRefusesThisDeviceAndUnknownOnes) {
  const std::string me = crypto::Base32Encode(service_->home().device_id().bytes);
  Reply self = Call("devices/" + me + "/revoke", bhttp::verb::post, "{}");
  EXPECT_EQ(self.status, 409) << self.body;
  EXPECT_NE(self.Json().value("error", "").find("cannot revoke itself"), std::string::npos);
  DeviceId other;
  other.bytes.fill(7);
  EXPECT_EQ(Call("devices/" + crypto::Base32Encode(other.bytes) + "/revoke", bhttp::verb::post, "{}").status, 404);
  EXPECT_EQ(Call("devices/nonsense/revoke", bhttp::verb::post, "{}").status, 404);
  // A reason that is not text is refused before anything is checked or written.
  EXPECT_EQ(Call("devices/" + me + "/revoke", bhttp::verb::post, R"({"reason": 5})").status, 400);
  EXPECT_FALSE(service_->home().ledger().ledger().state().members.at(service_->home().device_id()).revoked);
}

}  // namespace
}  // namespace hearth::http::test
