// The mesh handshake: mutual authentication of two household devices over
// any byte stream, and the session keys for the frames that follow. Pure:
// bytes in, bytes out; the caller moves them over TCP. The byte layout is in
// mesh_format.md beside this file.
//
// Three messages, initiator first:
//   M1  I -> R   ephemeral key and a household tag
//   M2  R -> I   ephemeral key; sealed: responder's device key and signature
//   M3  I -> R   sealed: initiator's device key and signature
// Each side checks the other's signature over the transcript and asks
// `is_member` whether the peer is an unrevoked member; a responder that is
// not one is refused before the initiator sends anything more.
//
// A Handshake borrows `me`, which must outlive it. Not thread-safe.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "crypto/hash.h"
#include "crypto/key_exchange.h"
#include "crypto/signing.h"
#include "protocol/ids.h"

namespace hearth {

inline constexpr uint8_t kMeshProtocolVersion = 1;

enum class HandshakeErrc {
  kMalformed,     // wrong size or magic
  kVersion,       // the peer speaks another protocol version
  kNotForUs,      // M1 names another household (or none we know)
  kBadKey,        // a low-order ephemeral key
  kBadSignature,  // sealed part does not open, or signature fails
  kNotMember,     // authenticated, but not an unrevoked member
  kSelf,          // the peer is this very device
  kUnexpected,    // a message out of turn
};

struct HandshakeError {
  HandshakeErrc code;
  std::string detail;
};

using MemberCheck = std::function<bool(const DeviceId&)>;

// Keys for the two directions of a session.
struct SessionKeys {
  crypto::Secret<32> send;
  crypto::Secret<32> receive;
};

class Handshake {
 public:
  // The initiator; returns it with M1 to send.
  static std::pair<Handshake, Bytes> Initiate(const crypto::DeviceKey& me, const HouseholdId& household,
                                              crypto::EphemeralKey ephemeral, MemberCheck is_member);
  // The responder, waiting for M1.
  static Handshake Respond(const crypto::DeviceKey& me, const HouseholdId& household,
                           crypto::EphemeralKey ephemeral, MemberCheck is_member);

  // Consumes the peer's next message and returns what to send back (empty
  // when nothing is due). After an error the handshake is dead.
  std::expected<Bytes, HandshakeError> Receive(ByteSpan message);

  bool done() const { return state_ == State::kDone; }
  // The authenticated peer (valid once done()).
  const DeviceId& peer() const { return peer_; }
  // The session keys (once done(); moves them out).
  SessionKeys TakeKeys();

 private:
  enum class State { kAwaitM1, kAwaitM2, kAwaitM3, kDone, kFailed };
  Handshake(const crypto::DeviceKey& me, const HouseholdId& household, crypto::EphemeralKey ephemeral,
            MemberCheck is_member, State state);
  std::expected<Bytes, HandshakeError> OnM1(ByteSpan m);
  std::expected<Bytes, HandshakeError> OnM2(ByteSpan m);
  std::expected<Bytes, HandshakeError> OnM3(ByteSpan m);
  std::expected<void, HandshakeError> CheckPeer(const DeviceId& peer);
  void DeriveSessionKeys(bool initiator);

  const crypto::DeviceKey* me_;
  HouseholdId household_;
  crypto::EphemeralKey ephemeral_;
  MemberCheck is_member_;
  State state_;
  crypto::ExchangeKey peer_ephemeral_{};
  std::optional<crypto::Secret<32>> shared_;
  crypto::Digest transcript_{};  // H1, then H2, then H3
  Bytes m1_;
  DeviceId peer_;
  std::optional<SessionKeys> keys_;
};

}  // namespace hearth
