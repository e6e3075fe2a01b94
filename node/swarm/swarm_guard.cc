#include "node/swarm/swarm_guard.h"

#include <cstring>
#include <set>

#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/operations.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>

#include "crypto/hash.h"

namespace hearth::swarm {
namespace {

constexpr char kDeviceKey[] = "hearth_device";
constexpr char kProofKey[] = "hearth_proof";

constexpr size_t kMaxSeenEndpoints = 4096;

// The devices banned from one torrent (used on the network thread only).
using BannedDevices = std::set<DeviceId>;

// One BitTorrent connection: remembers what the peer claimed, and drops its
// requests unless the guard permits it at the time of each request.
class GuardedPeer : public lt::peer_plugin {
 public:
  GuardedPeer(std::shared_ptr<SwarmGuard> guard, lt::peer_connection_handle connection,
              std::shared_ptr<BannedDevices> banned)
      : guard_(std::move(guard)), connection_(std::move(connection)), banned_(std::move(banned)) {}

  lt::string_view type() const override { return "hearth_guard"; }

  void add_handshake(lt::entry& e) override {
    const DeviceId& me = guard_->me();
    e[kDeviceKey] = std::string(reinterpret_cast<const char*>(me.bytes.data()), me.bytes.size());
    const SwarmToken& proof = guard_->my_proof();
    e[kProofKey] = std::string(reinterpret_cast<const char*>(proof.data()), proof.size());
  }

  bool on_extension_handshake(lt::bdecode_node const& h) override {
    if (h.type() != lt::bdecode_node::dict_t) return true;
    lt::string_view device = h.dict_find_string_value(kDeviceKey);
    lt::string_view proof = h.dict_find_string_value(kProofKey);
    if (device.size() == 32 && proof.size() == 32) {
      std::memcpy(claimed_.bytes.data(), device.data(), 32);
      std::memcpy(proof_.data(), proof.data(), 32);
      claimed_any_ = true;
      if (guard_->Permits(claimed_, proof_)) {
        proven_ = true;
        guard_->Introduce(connection_.remote(), claimed_);
        if (banned_->contains(claimed_)) {
          // It sent this torrent bad data before, from whichever port.
          connection_.disconnect(lt::errors::peer_banned, lt::operation_t::bittorrent);
          return true;
        }
      }
    }
    return true;  // stay attached: requests are checked one by one
  }

  void on_disconnect(lt::error_code const& ec) override {
    if (proven_ && (ec == lt::errors::peer_banned || ec == lt::errors::too_many_corrupt_pieces))
      banned_->insert(claimed_);
  }

  bool on_request(lt::peer_request const&) override {
    if (claimed_any_ && guard_->Permits(claimed_, proof_)) return false;  // libtorrent serves it
    guard_->CountRefusal();
    return true;  // handled: dropped, nothing is sent
  }

 private:
  std::shared_ptr<SwarmGuard> guard_;
  lt::peer_connection_handle connection_;
  std::shared_ptr<BannedDevices> banned_;
  bool claimed_any_ = false;
  bool proven_ = false;  // the claim matched a member's token at the handshake
  DeviceId claimed_;
  SwarmToken proof_{};
};

class GuardedTorrent : public lt::torrent_plugin {
 public:
  explicit GuardedTorrent(std::shared_ptr<SwarmGuard> guard) : guard_(std::move(guard)) {}
  std::shared_ptr<lt::peer_plugin> new_connection(lt::peer_connection_handle const& connection) override {
    return std::make_shared<GuardedPeer>(guard_, connection, banned_);
  }

 private:
  std::shared_ptr<SwarmGuard> guard_;
  std::shared_ptr<BannedDevices> banned_ = std::make_shared<BannedDevices>();
};

}  // namespace

SwarmGuard::SwarmGuard(const DeviceId& me, const SwarmToken& my_token) : me_(me), my_proof_(ProofOf(me, my_token)) {}

SwarmToken SwarmGuard::ProofOf(const DeviceId& device, const SwarmToken& token) {
  Bytes msg;
  constexpr std::string_view label = "hearth/swarm/v1";
  msg.insert(msg.end(), label.begin(), label.end());
  msg.insert(msg.end(), device.bytes.begin(), device.bytes.end());
  return crypto::Blake2b256Keyed(token, msg);
}

void SwarmGuard::Allow(const DeviceId& device, const SwarmToken& token) {
  SwarmToken proof = ProofOf(device, token);
  std::lock_guard lock(mu_);
  allowed_[device] = proof;
}

void SwarmGuard::Forbid(const DeviceId& device) {
  std::lock_guard lock(mu_);
  allowed_.erase(device);
}

bool SwarmGuard::Permits(const DeviceId& device, const SwarmToken& proof) const {
  std::lock_guard lock(mu_);
  auto it = allowed_.find(device);
  return it != allowed_.end() && it->second == proof;
}

std::optional<DeviceId> SwarmGuard::DeviceAt(const lt::tcp::endpoint& endpoint) const {
  std::lock_guard lock(mu_);
  auto it = seen_.find(endpoint);
  if (it == seen_.end()) return std::nullopt;
  return it->second;
}

void SwarmGuard::Introduce(const lt::tcp::endpoint& endpoint, const DeviceId& device) {
  std::lock_guard lock(mu_);
  if (seen_.size() >= kMaxSeenEndpoints && !seen_.contains(endpoint)) seen_.erase(seen_.begin());
  seen_[endpoint] = device;
}

std::shared_ptr<lt::torrent_plugin> SwarmGuard::new_torrent(lt::torrent_handle const&, lt::client_data_t) {
  return std::make_shared<GuardedTorrent>(shared_from_this());
}

}  // namespace hearth::swarm
