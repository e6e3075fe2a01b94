#include "protocol/handshake.h"

#include <cstring>

#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth {
namespace {

constexpr char kHandshakeMagic[4] = {'H', 'R', 'T', 'H'};
constexpr size_t kM1Size = 4 + 1 + 32 + 32;
constexpr size_t kSealedIdentity = 32 + 64 + 16;
constexpr size_t kM2Size = 1 + 32 + kSealedIdentity;
constexpr size_t kM3Size = kSealedIdentity;

crypto::Digest Hash(std::initializer_list<ByteSpan> parts) {
  crypto::Blake2bStream h;
  for (ByteSpan p : parts) h.Update(p);
  return h.Finish();
}

// BLAKE2b-256 keyed with the DH secret over label || context.
crypto::Secret<32> Kdf(const crypto::Secret<32>& shared, std::string_view label, ByteSpan context) {
  crypto::Blake2bStream h(shared.span());
  h.Update(AsBytes(label));
  h.Update(context);
  crypto::Digest d = h.Finish();
  crypto::Secret<32> out{std::span<const uint8_t, 32>(d)};
  crypto::Wipe(d.data(), d.size());
  return out;
}

crypto::Digest HelloTag(const HouseholdId& household, const crypto::ExchangeKey& e) {
  return Hash({AsBytes("hearth/mesh-hello/v1"), household.bytes, e});
}

Bytes SignedPayload(std::string_view role, const crypto::Digest& transcript) {
  ByteWriter w;
  w.Fixed(AsBytes(role));
  w.Fixed(transcript);
  return w.Take();
}

HandshakeError Error(HandshakeErrc c, std::string d) { return HandshakeError{c, std::move(d)}; }

// Seal_k(device key || Ed25519(role || transcript)): one side's identity.
Bytes SealIdentity(const crypto::DeviceKey& me, const crypto::Secret<32>& key, std::string_view role,
                   const crypto::Digest& transcript) {
  ByteWriter id;
  id.Fixed(me.public_key());
  id.Fixed(me.Sign(SignedPayload(role, transcript)));
  crypto::SessionCipher box(key);
  return box.Seal(id.bytes());
}

// The device whose sealed identity `sealed` is, if it opens and its
// signature over `role || transcript` holds.
std::expected<DeviceId, HandshakeError> OpenIdentity(const crypto::Secret<32>& key, ByteSpan sealed,
                                                     std::string_view role,
                                                     const crypto::Digest& transcript) {
  crypto::SessionCipher box(key);
  auto identity = box.Open(sealed);
  if (!identity) return std::unexpected(Error(HandshakeErrc::kBadSignature, "peer's identity does not authenticate"));
  DeviceId peer = DeviceId::From(std::span<const uint8_t, 32>(identity->data(), 32));
  crypto::Signature sig;
  std::memcpy(sig.data(), identity->data() + 32, 64);
  if (!crypto::VerifySignature(peer.bytes, SignedPayload(role, transcript), sig))
    return std::unexpected(Error(HandshakeErrc::kBadSignature, "peer's signature does not verify"));
  return peer;
}

constexpr std::string_view kResponderRole = "hearth/mesh-responder/v1";
constexpr std::string_view kInitiatorRole = "hearth/mesh-initiator/v1";

}  // namespace

Handshake::Handshake(const crypto::DeviceKey& me, const HouseholdId& household,
                     crypto::EphemeralKey ephemeral, MemberCheck is_member, State state)
    : me_(&me), household_(household), ephemeral_(std::move(ephemeral)),
      is_member_(std::move(is_member)), state_(state) {}

std::pair<Handshake, Bytes> Handshake::Initiate(const crypto::DeviceKey& me, const HouseholdId& household,
                                                crypto::EphemeralKey ephemeral, MemberCheck is_member) {
  Handshake h(me, household, std::move(ephemeral), std::move(is_member), State::kAwaitM2);
  ByteWriter w;
  w.Fixed(AsBytes(std::string_view(kHandshakeMagic, 4)));
  w.U8(kMeshProtocolVersion);
  w.Fixed(h.ephemeral_.public_key());
  w.Fixed(HelloTag(household, h.ephemeral_.public_key()));
  h.m1_ = w.Take();
  Bytes m1 = h.m1_;
  return {std::move(h), std::move(m1)};
}

Handshake Handshake::Respond(const crypto::DeviceKey& me, const HouseholdId& household,
                             crypto::EphemeralKey ephemeral, MemberCheck is_member) {
  return Handshake(me, household, std::move(ephemeral), std::move(is_member), State::kAwaitM1);
}

std::expected<Bytes, HandshakeError> Handshake::Receive(ByteSpan message) {
  std::expected<Bytes, HandshakeError> r;
  switch (state_) {
    case State::kAwaitM1: r = OnM1(message); break;
    case State::kAwaitM2: r = OnM2(message); break;
    case State::kAwaitM3: r = OnM3(message); break;
    default: r = std::unexpected(Error(HandshakeErrc::kUnexpected, "handshake already finished"));
  }
  if (!r) state_ = State::kFailed;
  return r;
}

std::expected<void, HandshakeError> Handshake::CheckPeer(const DeviceId& peer) {
  if (peer.bytes == me_->public_key()) return std::unexpected(Error(HandshakeErrc::kSelf, "connected to itself"));
  if (!is_member_ || !is_member_(peer)) {
    return std::unexpected(Error(HandshakeErrc::kNotMember,
                                 "device " + DeviceShort(peer) + " is not a member of this household"));
  }
  peer_ = peer;
  return {};
}

std::expected<Bytes, HandshakeError> Handshake::OnM1(ByteSpan m) {
  if (m.size() < 5 || std::memcmp(m.data(), kHandshakeMagic, 4) != 0)
    return std::unexpected(Error(HandshakeErrc::kMalformed, "not a hearth handshake"));
  if (m[4] != kMeshProtocolVersion) {
    return std::unexpected(Error(HandshakeErrc::kVersion, "peer speaks mesh protocol version " +
                                                              std::to_string(m[4]) + ", this node 1"));
  }
  if (m.size() != kM1Size) return std::unexpected(Error(HandshakeErrc::kMalformed, "hello has the wrong size"));
  std::memcpy(peer_ephemeral_.data(), m.data() + 5, 32);
  crypto::Digest tag = HelloTag(household_, peer_ephemeral_);
  if (std::memcmp(tag.data(), m.data() + 37, 32) != 0)
    return std::unexpected(Error(HandshakeErrc::kNotForUs, "hello is not for this household"));
  shared_ = ephemeral_.SharedSecret(peer_ephemeral_);
  if (!shared_) return std::unexpected(Error(HandshakeErrc::kBadKey, "peer sent a low-order key"));

  m1_.assign(m.begin(), m.end());
  const uint8_t version = kMeshProtocolVersion;
  transcript_ = Hash({m1_, ByteSpan(&version, 1), ephemeral_.public_key()});  // H1
  Bytes sealed = SealIdentity(*me_, Kdf(*shared_, "hearth/mesh-m2/v1", transcript_), kResponderRole, transcript_);

  ByteWriter w;
  w.U8(version);
  w.Fixed(ephemeral_.public_key());
  w.Fixed(sealed);
  transcript_ = Hash({transcript_, sealed});  // H2
  state_ = State::kAwaitM3;
  return w.Take();
}

std::expected<Bytes, HandshakeError> Handshake::OnM2(ByteSpan m) {
  if (m.size() >= 1 && m[0] != kMeshProtocolVersion) {
    return std::unexpected(Error(HandshakeErrc::kVersion, "peer speaks mesh protocol version " +
                                                              std::to_string(m[0]) + ", this node 1"));
  }
  if (m.size() != kM2Size) return std::unexpected(Error(HandshakeErrc::kMalformed, "reply has the wrong size"));
  std::memcpy(peer_ephemeral_.data(), m.data() + 1, 32);
  shared_ = ephemeral_.SharedSecret(peer_ephemeral_);
  if (!shared_) return std::unexpected(Error(HandshakeErrc::kBadKey, "peer sent a low-order key"));
  transcript_ = Hash({m1_, m.subspan(0, 1), peer_ephemeral_});  // H1
  ByteSpan sealed = m.subspan(33);
  auto peer = OpenIdentity(Kdf(*shared_, "hearth/mesh-m2/v1", transcript_), sealed, kResponderRole, transcript_);
  if (!peer) return std::unexpected(peer.error());
  if (auto ok = CheckPeer(*peer); !ok) return std::unexpected(ok.error());

  transcript_ = Hash({transcript_, sealed});  // H2
  Bytes m3 = SealIdentity(*me_, Kdf(*shared_, "hearth/mesh-m3/v1", transcript_), kInitiatorRole, transcript_);
  transcript_ = Hash({transcript_, m3});  // H3
  DeriveSessionKeys(true);
  state_ = State::kDone;
  return m3;
}

std::expected<Bytes, HandshakeError> Handshake::OnM3(ByteSpan m) {
  if (m.size() != kM3Size) return std::unexpected(Error(HandshakeErrc::kMalformed, "proof has the wrong size"));
  auto peer = OpenIdentity(Kdf(*shared_, "hearth/mesh-m3/v1", transcript_), m, kInitiatorRole, transcript_);
  if (!peer) return std::unexpected(peer.error());
  if (auto ok = CheckPeer(*peer); !ok) return std::unexpected(ok.error());
  transcript_ = Hash({transcript_, m});  // H3
  DeriveSessionKeys(false);
  state_ = State::kDone;
  return Bytes{};
}

void Handshake::DeriveSessionKeys(bool initiator) {
  crypto::Secret<32> i2r = Kdf(*shared_, "hearth/mesh-i2r/v1", transcript_);
  crypto::Secret<32> r2i = Kdf(*shared_, "hearth/mesh-r2i/v1", transcript_);
  keys_ = initiator ? SessionKeys{std::move(i2r), std::move(r2i)} : SessionKeys{std::move(r2i), std::move(i2r)};
  shared_.reset();  // wiped
}

SessionKeys Handshake::TakeKeys() {
  SessionKeys k = std::move(*keys_);
  keys_.reset();
  return k;
}

}  // namespace hearth
