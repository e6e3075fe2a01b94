// Pure parts of the HTTP side: Range headers, targets and forms, and
// OpenSubsonic's XML/JSON rendering.
#include <gtest/gtest.h>

#include "node/http/query.h"
#include "node/http/range.h"
#include "node/http/subsonic_format.h"
#include "protocol/byte_io.h"

namespace hearth::http {
namespace {

TEST(Range, AbsentOrIgnoredMeansTheWholeBody) {
  EXPECT_EQ(ParseRange("", 100).value(), std::nullopt);
  EXPECT_EQ(ParseRange("items=0-5", 100).value(), std::nullopt);       // another unit
  EXPECT_EQ(ParseRange("bytes=0-5,10-20", 100).value(), std::nullopt);  // several ranges
}

TEST(Range, SingleRangesInEveryForm) {
  auto r = ParseRange("bytes=10-19", 100);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->first, 10u);
  EXPECT_EQ((*r)->last, 19u);
  EXPECT_EQ((*r)->length(), 10u);
  r = ParseRange("bytes=90-", 100);
  EXPECT_EQ((*r)->first, 90u);
  EXPECT_EQ((*r)->last, 99u);
  r = ParseRange("bytes=-30", 100);
  EXPECT_EQ((*r)->first, 70u);
  EXPECT_EQ((*r)->last, 99u);
  r = ParseRange("bytes=-500", 100);  // a suffix longer than the body is all of it
  EXPECT_EQ((*r)->first, 0u);
  r = ParseRange("bytes=50-5000", 100);  // the end is clamped
  EXPECT_EQ((*r)->last, 99u);
  r = ParseRange("BYTES= 1-2 ", 100);
  EXPECT_EQ((*r)->first, 1u);
  EXPECT_EQ(ContentRange(ByteRange{10, 19}, 100), "bytes 10-19/100");
}

TEST(Range, MalformedAndUnsatisfiableAreTold) {
  for (const char* bad : {"bytes=", "bytes=abc", "bytes=5", "bytes=9-3", "bytes=-", "bytes=1-x",
                          "bytes=99999999999999999999-"})
    EXPECT_EQ(ParseRange(bad, 100).error(), RangeError::kMalformed) << bad;
  EXPECT_EQ(ParseRange("bytes=100-", 100).error(), RangeError::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=500-600", 100).error(), RangeError::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).error(), RangeError::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0).error(), RangeError::kUnsatisfiable);
}

TEST(Query, TargetsDecodeAndKeepRepeats) {
  auto t = ParseTarget("/rest/createPlaylist.view?name=My%20List&songId=a&songId=b&x=1+2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/rest/createPlaylist.view");
  EXPECT_EQ(Get(t->params, "name"), "My List");
  EXPECT_EQ(GetAll(t->params, "songId"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Get(t->params, "x"), "1 2");
  EXPECT_EQ(Get(t->params, "missing"), std::nullopt);
  EXPECT_EQ(ParseTarget("/a%2e%2e/b")->path, "/a../b");
}

TEST(Query, BadEncodingsAreRefused) {
  EXPECT_FALSE(ParseTarget("no-slash"));
  EXPECT_FALSE(ParseTarget("/x?a=%zz"));
  EXPECT_FALSE(ParseTarget("/x?a=%4"));
  EXPECT_FALSE(ParseTarget("/x%00y"));  // a decoded NUL
  Params p;
  EXPECT_FALSE(ParseForm("a=%", p));
  EXPECT_EQ(PercentDecode(PercentEncode("a b/ü?&="), false), "a b/ü?&=");
}

TEST(SubsonicFormat, JsonWrapsTheEnvelope) {
  auto r = subsonic::Render(subsonic::Ok({{"license", {{"valid", true}}}}), "json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(j["subsonic-response"]["status"], "ok");
  EXPECT_EQ(j["subsonic-response"]["openSubsonic"], true);
  EXPECT_EQ(j["subsonic-response"]["license"]["valid"], true);
}

TEST(SubsonicFormat, XmlMapsScalarsToAttributesArraysToElementsAndValueToText) {
  nlohmann::json payload = {
      {"genres", {{"genre", nlohmann::json::array({{{"value", "Rock & <Roll>"}, {"songCount", 3}},
                                                   {{"value", "Jazz"}, {"songCount", 1}}})}}}};
  auto r = subsonic::Render(subsonic::Ok(payload), "xml");
  EXPECT_NE(r.content_type.find("text/xml"), std::string::npos);
  EXPECT_NE(r.body.find("<subsonic-response "), std::string::npos);
  EXPECT_NE(r.body.find("xmlns=\"http://subsonic.org/restapi\""), std::string::npos);
  EXPECT_NE(r.body.find("status=\"ok\""), std::string::npos);
  EXPECT_NE(r.body.find("<genres><genre songCount=\"3\">Rock &amp; &lt;Roll&gt;</genre>"
                        "<genre songCount=\"1\">Jazz</genre></genres>"),
            std::string::npos)
      << r.body;
  auto failed = subsonic::Render(subsonic::Failed(40, "wrong \"x\""), "xml");
  EXPECT_NE(failed.body.find("status=\"failed\""), std::string::npos);
  EXPECT_NE(failed.body.find("<error code=\"40\" message=\"wrong &quot;x&quot;\"/>"), std::string::npos)
      << failed.body;
}

// A tag that is not UTF-8 (an old ID3 tag in Latin-1) still gives a
// well-formed UTF-8 document: the bad byte is written as \xNN.
TEST(SubsonicFormat, XmlIsAlwaysUtf8) {
  nlohmann::json payload = {{"song", {{"title", std::string("Caf\xe9 \x01 ok \xc3\xa9")}}}};
  auto r = subsonic::Render(subsonic::Ok(payload), "xml");
  EXPECT_TRUE(IsValidUtf8(r.body)) << r.body;
  EXPECT_NE(r.body.find("title=\"Caf\\xe9   ok \xc3\xa9\""), std::string::npos) << r.body;
  // Names too, should a key ever come from a client (the fuzzer's echo).
  nlohmann::json odd = {{"echo", {{std::string("song\xac\x90Index"), "1"}, {"9lives", "2"}}}};
  auto named = subsonic::Render(subsonic::Ok(odd), "xml");
  EXPECT_TRUE(IsValidUtf8(named.body)) << named.body;
  EXPECT_NE(named.body.find("<echo _9lives=\"2\" song__Index=\"1\"/>"), std::string::npos) << named.body;
}

}  // namespace
}  // namespace hearth::http
