#include "crypto/signing.h"

#include <gtest/gtest.h>

namespace hearth::crypto {
namespace {

Seed SeedFromHex(const std::string& hex) {
  std::array<uint8_t, 32> b{};
  for (size_t i = 0; i < 32; ++i) b[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return Seed(std::span<const uint8_t, 32>(b));
}

TEST(Signing, Rfc8032TestVector1) {
  auto key = DeviceKey::FromSeed(
      SeedFromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  EXPECT_EQ(ToHex(key.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(ToHex(key.Sign({})),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(Signing, VerifiesOwnSignatureOnlyForTheSameMessageAndKey) {
  auto a = DeviceKey::Generate();
  auto b = DeviceKey::Generate();
  Bytes msg = {1, 2, 3};
  auto sig = a.Sign(msg);
  EXPECT_TRUE(VerifySignature(a.public_key(), msg, sig));
  EXPECT_FALSE(VerifySignature(b.public_key(), msg, sig));
  msg[0] ^= 1;
  EXPECT_FALSE(VerifySignature(a.public_key(), msg, sig));
  msg[0] ^= 1;
  sig[10] ^= 0x40;
  EXPECT_FALSE(VerifySignature(a.public_key(), msg, sig));
}

TEST(Signing, SeedRoundTripsToTheSameKey) {
  auto a = DeviceKey::Generate();
  auto b = DeviceKey::FromSeed(a.ExportSeed());
  EXPECT_EQ(a.public_key(), b.public_key());
}

TEST(Secret, MovedFromSecretIsWiped) {
  Secret<32> s = Secret<32>::Random();
  auto copy = s.Clone();
  Secret<32> t = std::move(s);
  EXPECT_TRUE(std::equal(t.data(), t.data() + 32, copy.data()));
  EXPECT_TRUE(std::all_of(s.data(), s.data() + 32, [](uint8_t b) { return b == 0; }));
}

}  // namespace
}  // namespace hearth::crypto
