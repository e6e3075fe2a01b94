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

}  // namespace
}  // namespace hearth::cli
