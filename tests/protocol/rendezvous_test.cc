// Rendezvous records in the DHT: a member opens what another member sealed
// today; anything else -- another household, another day, another salt, an
// altered byte, a record signed by someone else -- is refused with its
// reason; and nothing an outsider sees names the household or a device or
// stays the same across days.
#include "protocol/rendezvous.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "crypto/hash.h"

namespace hearth {
namespace {

HouseholdId RandomHousehold() {
  HouseholdId h;
  crypto::Digest d = crypto::Blake2b256(crypto::DeviceKey::Generate().public_key());
  std::copy(d.begin(), d.end(), h.bytes.begin());
  return h;
}

InviteAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  InviteAddress x;
  x.ip[0] = a, x.ip[1] = b, x.ip[2] = c, x.ip[3] = d;
  x.port = port;
  return x;
}

InviteAddress V6Documentation(uint8_t last, uint16_t port) {
  InviteAddress x;
  x.v6 = true;
  x.ip = {0x20, 0x01, 0x0d, 0xb8};
  x.ip[15] = last;
  x.port = port;
  return x;
}

struct Member {
  crypto::DeviceKey key = crypto::DeviceKey::Generate();
  DeviceId id() const { return DeviceId{key.public_key()}; }
};

RendezvousRecord RecordOf(const Member& d) {
  return RendezvousRecord{d.id(), 1'764'547'200'000'000, {V4(198, 20, 0, 7, 7601), V6Documentation(7, 7601)}};
}

TEST(Rendezvous, AMemberOpensWhatAnotherMemberSealedToday) {
  const HouseholdId home = RandomHousehold();
  const uint32_t day = RendezvousDay(1'764'547'200);
  Member pc;
  const RendezvousDayKeys mine(home, day), theirs(home, day);
  auto sealed = mine.Seal(pc.key, RecordOf(pc));
  ASSERT_TRUE(sealed);
  auto opened = theirs.Open(pc.id(), *sealed);
  ASSERT_TRUE(opened) << Describe(opened.error());
  EXPECT_EQ(*opened, RecordOf(pc));
  EXPECT_EQ(mine.item_key(), theirs.item_key());
  EXPECT_EQ(mine.SaltOf(pc.id()), theirs.SaltOf(pc.id()));
}

TEST(Rendezvous, AForwardedAddressIsMarkedAndOnlyThenIsTheRecordVersionTwo) {
  const HouseholdId home = RandomHousehold();
  const RendezvousDayKeys keys(home, RendezvousDay(1'764'547'200));
  Member pc;
  RendezvousRecord plain = RecordOf(pc);
  RendezvousRecord forwarded = plain;
  forwarded.forwarded = 1;  // the first address is the router's forward
  auto a = keys.Seal(pc.key, plain);
  auto b = keys.Seal(pc.key, forwarded);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->size(), a->size() + 2) << "version 1 has no mask at all";
  auto opened = keys.Open(pc.id(), *b);
  ASSERT_TRUE(opened) << Describe(opened.error());
  EXPECT_EQ(opened->forwarded, 1u);
  EXPECT_EQ(*opened, forwarded);
  EXPECT_EQ(keys.Open(pc.id(), *a)->forwarded, 0u);
  // A bit past the addresses is not sealed.
  forwarded.forwarded = 1u << 2;
  EXPECT_FALSE(keys.Seal(pc.key, forwarded));
}

TEST(Rendezvous, AnotherHouseholdOrDayOrSaltCannotOpenIt) {
  const HouseholdId home = RandomHousehold();
  Member pc, phone;
  const RendezvousDayKeys today(home, 20'000);
  auto sealed = today.Seal(pc.key, RecordOf(pc));
  ASSERT_TRUE(sealed);
  EXPECT_EQ(RendezvousDayKeys(RandomHousehold(), 20'000).Open(pc.id(), *sealed).error(), RendezvousError::kNotOpened);
  EXPECT_EQ(RendezvousDayKeys(home, 20'001).Open(pc.id(), *sealed).error(), RendezvousError::kNotOpened);
  // Found at the phone's salt: it is bound to the PC's.
  EXPECT_EQ(today.Open(phone.id(), *sealed).error(), RendezvousError::kNotOpened);
  for (size_t i = 0; i < sealed->size(); i += 7) {
    Bytes altered = *sealed;
    altered[i] ^= 0x01;
    EXPECT_EQ(today.Open(pc.id(), altered).error(), RendezvousError::kNotOpened) << "byte " << i;
  }
  EXPECT_EQ(today.Open(pc.id(), Bytes{}).error(), RendezvousError::kNotOpened);
}

TEST(Rendezvous, AMemberCannotPublishAddressesInAnotherDevicesName) {
  const HouseholdId home = RandomHousehold();
  Member pc, laptop;
  const RendezvousDayKeys today(home, 20'000);
  // The laptop signs a record naming the PC: sealed at the PC's salt, it
  // opens but its signature is not the PC's.
  auto forged = today.Seal(laptop.key, RecordOf(pc));
  ASSERT_TRUE(forged);
  EXPECT_EQ(today.Open(pc.id(), *forged).error(), RendezvousError::kBadSignature);
  // A device's own record, re-addressed by no one, still names only it.
  auto own = today.Seal(laptop.key, RecordOf(laptop));
  ASSERT_TRUE(own);
  EXPECT_TRUE(today.Open(laptop.id(), *own));
}

TEST(Rendezvous, RecordsStayFarUnderTheItemLimitAndTooManyAddressesAreRefused) {
  const RendezvousDayKeys today(RandomHousehold(), 20'000);
  Member pc;
  RendezvousRecord r{pc.id(), 1, {}};
  for (size_t i = 0; i < kMaxRendezvousAddresses; ++i) r.addresses.push_back(V6Documentation(static_cast<uint8_t>(i), 7601));
  auto sealed = today.Seal(pc.key, r);
  ASSERT_TRUE(sealed);
  EXPECT_LT(sealed->size() + 5, 1000u) << "a bencoded value over BEP 44's 1000 bytes";
  EXPECT_EQ(today.Open(pc.id(), *sealed).value(), r);
  r.addresses.push_back(V4(198, 20, 0, 1, 1));
  EXPECT_EQ(today.Seal(pc.key, r).error(), RendezvousError::kTooManyAddresses);
}

TEST(Rendezvous, AnOutsiderSeesNothingThatNamesTheHouseholdOrADeviceOrLastsADay) {
  const HouseholdId home = RandomHousehold();
  Member pc, phone;
  const RendezvousDayKeys monday(home, 20'000), tuesday(home, 20'001), elsewhere(RandomHousehold(), 20'000);
  // Item keys and salts change every day, differ between households and
  // between the devices of one.
  EXPECT_NE(monday.item_key(), tuesday.item_key());
  EXPECT_NE(monday.item_key(), elsewhere.item_key());
  EXPECT_NE(monday.SaltOf(pc.id()), tuesday.SaltOf(pc.id()));
  EXPECT_NE(monday.SaltOf(pc.id()), monday.SaltOf(phone.id()));
  // What goes on the wire -- key, salt, value, signature -- holds neither
  // the household id nor the device id, nor any 8 bytes of them.
  auto value = monday.Seal(pc.key, RecordOf(pc));
  ASSERT_TRUE(value);
  const RendezvousSalt salt = monday.SaltOf(pc.id());
  const crypto::Signature sig = monday.SignItem(salt, 1, *value);
  Bytes wire(monday.item_key().begin(), monday.item_key().end());
  wire.insert(wire.end(), salt.begin(), salt.end());
  wire.insert(wire.end(), value->begin(), value->end());
  wire.insert(wire.end(), sig.begin(), sig.end());
  const DeviceId pc_id = pc.id();
  for (ByteSpan secret : {ByteSpan(home.bytes), ByteSpan(pc_id.bytes), ByteSpan(pc.key.public_key())}) {
    for (size_t at = 0; at + 8 <= secret.size(); ++at) {
      auto window = secret.subspan(at, 8);
      EXPECT_EQ(std::search(wire.begin(), wire.end(), window.begin(), window.end()), wire.end()) << at;
    }
  }
  // Two seals of one record differ (a fresh nonce each time).
  EXPECT_NE(*monday.Seal(pc.key, RecordOf(pc)), *value);
}

TEST(Rendezvous, ItemsAreSignedAsBep44SaysUnderTheDaysKey) {
  // BEP 44's example of what is signed, with salt "foobar".
  const std::string salt = "foobar", value = "12:Hello World!";
  const Bytes signed_bytes = Bep44SignedBytes(
      ByteSpan(reinterpret_cast<const uint8_t*>(salt.data()), salt.size()), 1,
      ByteSpan(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  EXPECT_EQ(std::string(signed_bytes.begin(), signed_bytes.end()), "4:salt6:foobar3:seqi1e1:v12:Hello World!");
  const Bytes unsalted = Bep44SignedBytes({}, 4, ByteSpan(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  EXPECT_EQ(std::string(unsalted.begin(), unsalted.end()), "3:seqi4e1:v12:Hello World!");
  // Any member signs the day's items; the DHT checks them with item_key().
  const RendezvousDayKeys today(RandomHousehold(), 20'000);
  const crypto::Signature sig = today.SignItem(ByteSpan(reinterpret_cast<const uint8_t*>(salt.data()), salt.size()), 1,
                                               ByteSpan(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
  EXPECT_TRUE(crypto::VerifySignature(today.item_key(), signed_bytes, sig));
  EXPECT_FALSE(crypto::VerifySignature(today.item_key(), unsalted, sig));
}

TEST(Rendezvous, DaysAreUtcDays) {
  EXPECT_EQ(RendezvousDay(0), 0u);
  EXPECT_EQ(RendezvousDay(86'399), 0u);
  EXPECT_EQ(RendezvousDay(86'400), 1u);
  EXPECT_EQ(RendezvousDay(1'764'547'200), 20'423u);  // 2025-12-01T00:00:00Z
  EXPECT_EQ(RendezvousDay(-5), 0u);
}

}  // namespace
}  // namespace hearth
