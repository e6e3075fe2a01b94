// Naming a device on the command line: exact names win over id prefixes.
#include "node/cli/describe.h"

#include <gtest/gtest.h>

namespace hearth::cli {
namespace {

DeviceId IdWithText(const std::string& starts_with) {
  // Find a random-looking id whose text starts as asked (ids are Base32).
  DeviceId d;
  for (uint32_t n = 0;; ++n) {
    d.bytes[0] = static_cast<uint8_t>(n);
    d.bytes[1] = static_cast<uint8_t>(n >> 8);
    d.bytes[2] = static_cast<uint8_t>(n >> 16);
    if (DeviceText(d).starts_with(starts_with)) return d;
  }
}

void AddMember(LedgerState& s, const DeviceId& id, const std::string& name) {
  Member m;
  m.device = id;
  m.name = name;
  s.members[id] = m;
}

TEST(ResolveDevice, AnExactNameWinsOverAnIdThatStartsWithIt) {
  LedgerState s;
  const DeviceId b = IdWithText("q");
  const DeviceId other = IdWithText("b");  // its id text starts with "b"
  AddMember(s, b, "b");
  AddMember(s, other, "laptop");
  auto got = ResolveDevice(s, "b");
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_EQ(*got, b);
  // With no such name, the id prefix names it.
  auto by_prefix = ResolveDevice(s, DeviceText(other).substr(0, 6));
  ASSERT_TRUE(by_prefix.has_value());
  EXPECT_EQ(*by_prefix, other);
}

TEST(ResolveDevice, NoneAndSeveralAreToldApart) {
  LedgerState s;
  AddMember(s, IdWithText("a"), "phone");
  AddMember(s, IdWithText("c"), "phone");
  auto none = ResolveDevice(s, "tv");
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().find("no device named"), std::string::npos);
  auto several = ResolveDevice(s, "phone");
  ASSERT_FALSE(several.has_value());
  EXPECT_NE(several.error().find("several devices"), std::string::npos);
}

TEST(ParseSize, AcceptsUnitsAndFractionsAndRefusesGarbageAndOverflow) {
  EXPECT_EQ(ParseSize("0"), 0u);
  EXPECT_EQ(ParseSize("750000000"), 750'000'000u);
  EXPECT_EQ(ParseSize("500M"), 500'000'000u);
  EXPECT_EQ(ParseSize("2g"), 2'000'000'000u);
  EXPECT_EQ(ParseSize("2GB"), 2'000'000'000u);
  EXPECT_EQ(ParseSize("1.5T"), 1'500'000'000'000u);
  EXPECT_EQ(ParseSize("1.25K"), 1'250u);
  EXPECT_EQ(ParseSize("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "G", "-1", "1.5", "1.G", "12X", "1 G", "0x10", ".5G"}) {
    auto r = ParseSize(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_FALSE(r.error().empty());
    }
  }
  for (const char* huge : {"18446744073709551616", "999999999999999G", "20000000T", "99999999999999999999999"}) {
    auto r = ParseSize(huge);
    ASSERT_FALSE(r) << huge;
    EXPECT_NE(r.error().find("too large"), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace hearth::cli
