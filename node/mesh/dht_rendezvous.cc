#include "node/mesh/dht_rendezvous.h"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>

#include "node/mesh/endpoint.h"
#include "node/reach/lt_dht.h"

namespace hearth::mesh {
namespace {

// How long a put may go unanswered before it counts as stored nowhere.
constexpr auto kPutTimeout = std::chrono::seconds(60);

// "A, B": each address, "(forwarded)" after those the mask marks.
std::string Joined(const std::vector<InviteAddress>& addresses, uint16_t forwarded = 0) {
  std::string out;
  for (size_t i = 0; i < addresses.size(); ++i)
    out += (out.empty() ? "" : ", ") + addresses[i].ToString() + ((forwarded >> i) & 1u ? " (forwarded)" : "");
  return out;
}

// This host's addresses that another host could dial: up, not loopback,
// not link-local.
std::vector<std::string> InterfaceAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    boost::asio::ip::address a;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      a = boost::asio::ip::address_v4(ntohl(in->sin_addr.s_addr));
      if ((a.to_v4().to_uint() >> 16) == 0xA9FE) continue;  // 169.254/16
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      boost::asio::ip::address_v6::bytes_type b;
      std::copy(std::begin(in6->sin6_addr.s6_addr), std::end(in6->sin6_addr.s6_addr), b.begin());
      a = boost::asio::ip::address_v6(b);
      if (a.to_v6().is_link_local()) continue;
    } else {
      continue;
    }
    out.push_back(a.to_string());
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

DhtRendezvous::~DhtRendezvous() { Stop(); }

void DhtRendezvous::Stop() { dht_.reset(); }

std::vector<InviteAddress> DhtRendezvous::OwnAddresses() const {
  std::vector<std::string> hosts;
  auto listen = ParseEndpoint(ctx_.options.listen, true);
  if (listen && !listen->address().is_unspecified()) {
    if (!listen->address().is_loopback()) hosts.push_back(listen->address().to_string());
  } else {
    hosts = InterfaceAddresses();
  }
  std::vector<std::pair<std::string, uint16_t>> endpoints;
  // Outside first: at the port the router forwards, or else at the same
  // port (a router that keeps ports as they are, or forwards by hand).
  if (!hosts.empty() && !status_.external_address.empty()) {
    const auto mapped = dht_ ? dht_->MappedPort(peers_.port()) : std::nullopt;
    endpoints.emplace_back(status_.external_address, mapped.value_or(peers_.port()));
  }
  for (const std::string& h : hosts) endpoints.emplace_back(h, peers_.port());
  std::vector<InviteAddress> out;
  for (const auto& [host, port] : endpoints) {
    auto a = ParseInviteAddress(FormatEndpoint(host, port));
    if (!a || std::find(out.begin(), out.end(), *a) != out.end()) continue;
    out.push_back(*a);
    if (out.size() == kMaxRendezvousAddresses) break;
  }
  return out;
}

void DhtRendezvous::StartDht(std::chrono::steady_clock::time_point now) {
  next_start_ = now + std::chrono::minutes(1);
  auto listen = ParseEndpoint(ctx_.options.listen, true);
  if (listen && listen->address().is_loopback()) {
    if (status_.error.empty()) ctx_.Log("reach: the policy says reach=on, but this node listens on loopback only (--listen)");
    status_.error = "this node listens on loopback only";
    return;
  }
  reach::DhtOptions o;
  o.listen = FormatEndpoint(listen ? listen->address().to_string() : "0.0.0.0", 0);
  if (ctx_.options.port_mapping) {
    o.map_tcp_ports.push_back(peers_.port());
    if (const uint16_t t = torrent_port_ ? torrent_port_() : 0; t != 0) o.map_tcp_ports.push_back(t);
  }
  o.bootstrap = ctx_.options.dht_bootstrap;
  o.libtorrent_bootstrap = o.bootstrap.empty();
  o.notify = [this, io = &ctx_.io, alive = ctx_.alive] {
    asio::post(*io, [this, alive] {
      if (*alive && dht_) dht_->Poll();
    });
  };
  o.state_file = ctx_.home.dir() + "/dht.state";
  o.log = [this](const std::string& line) { ctx_.Log("reach: " + line); };
  o.found = [this](const reach::DhtItem& item) { OnFound(item); };
  o.put_done = [this](const RendezvousSalt& salt, int stored) { OnPutDone(salt, stored); };
  const std::string from = o.bootstrap.empty() ? std::string("libtorrent's bootstrap nodes")
                                                : std::to_string(o.bootstrap.size()) + " node(s)";
  std::expected<std::unique_ptr<reach::Dht>, std::string> started =
      ctx_.options.dht ? ctx_.options.dht(std::move(o)) : reach::LtDht::Start(std::move(o));
  if (!started) {
    status_.error = started.error();
    ctx_.Log("reach: " + started.error() + " (trying again in a minute)");
    return;
  }
  dht_ = std::move(*started);
  status_ = Status{.policy = true, .dht = true, .dht_port = dht_->port()};
  put_ = Backoff{};
  put_in_flight_ = false;
  last_published_.clear();
  lookups_.clear();
  ctx_.Log("reach: in the DHT on UDP port " + std::to_string(dht_->port()) + ", starting from " + from);
}

void DhtRendezvous::StopDht(const std::string& why) {
  dht_.reset();
  status_ = Status{};
  keys_.reset();
  ctx_.Log("reach: left the DHT: " + why);
}

void DhtRendezvous::Tick(std::chrono::steady_clock::time_point now) {
  Step(now);
  if (status_ != reported_) {
    reported_ = status_;
    if (ctx_.options.reach_changed) ctx_.options.reach_changed(status_);
  }
}

void DhtRendezvous::Step(std::chrono::steady_clock::time_point now) {
  const bool on = ctx_.home.ledger().ledger().state().policy.reach;
  status_.policy = on;
  if (!on) {
    if (dht_) StopDht("the household's policy says reach=off");
    status_.error.clear();
    return;
  }
  if (!dht_) {
    if (now < next_start_) return;
    StartDht(now);
    if (!dht_) return;
  }
  dht_->Poll();
  status_.dht_nodes = dht_->nodes();
  status_.external_address = dht_->external_address();
  status_.mapped.clear();
  for (uint16_t local : {peers_.port(), torrent_port_ ? torrent_port_() : uint16_t{0}})
    if (auto outside = local ? dht_->MappedPort(local) : std::nullopt)
      status_.mapped.push_back(std::to_string(local) + "->" + std::to_string(*outside));
  const auto mesh_outside = dht_->MappedPort(peers_.port());
  status_.outside_address = mesh_outside && !status_.external_address.empty()
                                ? FormatEndpoint(status_.external_address, *mesh_outside)
                                : "";
  if (status_.dht_nodes == 0) return;
  const uint32_t day = RendezvousDay(ctx_.Now() / 1'000'000);
  if (!keys_ || keys_->day() != day) {
    keys_ = std::make_shared<const RendezvousDayKeys>(ctx_.home.household(), day);
    salts_.clear();
  }
  Publish(now);
  LookUp(now);
}

void DhtRendezvous::Publish(std::chrono::steady_clock::time_point now) {
  if (put_in_flight_ && now - put_started_ < kPutTimeout) return;
  put_in_flight_ = false;
  std::vector<InviteAddress> addresses = OwnAddresses();
  if (addresses.empty()) return;
  // The address outside at the router's forward is marked, so that a
  // member dialing it knows its path is "mapped".
  uint16_t forwarded = 0;
  for (size_t i = 0; i < addresses.size(); ++i)
    if (!status_.outside_address.empty() && addresses[i].ToString() == status_.outside_address) forwarded |= 1u << i;
  const bool changed = addresses != pending_ || forwarded != pending_forwarded_ || published_day_ != keys_->day();
  if (!changed && now < put_.next) return;
  if (changed) put_ = Backoff{};
  RendezvousRecord record{ctx_.me(), ctx_.Now(), addresses, forwarded};
  auto sealed = keys_->Seal(ctx_.home.device_key(), record);
  if (!sealed) {
    ctx_.Log(std::string("reach: cannot seal this device's record: ") + Describe(sealed.error()));
    put_.next = now + kMaxRetry;
    return;
  }
  dht_->Put(keys_, keys_->SaltOf(ctx_.me()), std::move(*sealed), ctx_.Now() / 1'000'000);
  put_in_flight_ = true;
  put_started_ = now;
  pending_ = std::move(addresses);
  pending_forwarded_ = forwarded;
  published_day_ = keys_->day();
}

void DhtRendezvous::OnPutDone(const RendezvousSalt& salt, int stored) {
  if (!keys_ || salt != keys_->SaltOf(ctx_.me())) return;
  put_in_flight_ = false;
  const auto now = ctx_.SteadyNow();
  if (stored == 0) {
    put_.next = now + put_.wait;
    put_.wait = std::min<std::chrono::seconds>(put_.wait * 2, kMaxRetry);
    return;
  }
  if (pending_ != last_published_ || pending_forwarded_ != last_forwarded_)
    ctx_.Log("reach: published this device's addresses (" + Joined(pending_, pending_forwarded_) + ") on " +
             std::to_string(stored) + " DHT node(s)");
  last_published_ = pending_;
  last_forwarded_ = pending_forwarded_;
  status_.published.clear();
  for (const InviteAddress& a : pending_) status_.published.push_back(a.ToString());
  status_.published_us = ctx_.Now();
  status_.stored_on = stored;
  put_ = Backoff{.next = now + kRepublishEvery};
}

void DhtRendezvous::LookUp(std::chrono::steady_clock::time_point now) {
  for (const auto& [id, member] : ctx_.home.ledger().ledger().state().members) {
    if (id == ctx_.me() || member.revoked) continue;
    if (peers_.IsOnline(id)) {
      lookups_.erase(id);
      continue;
    }
    Backoff& b = lookups_.try_emplace(id, Backoff{.wait = kFirstLookAgain}).first->second;
    if (now < b.next) continue;
    const RendezvousSalt salt = keys_->SaltOf(id);
    salts_[salt] = id;
    dht_->Get(keys_->item_key(), salt);
    b.next = now + b.wait;
    b.wait = std::min<std::chrono::seconds>(b.wait * 2, kMaxRetry);
  }
}

void DhtRendezvous::OnFound(const reach::DhtItem& item) {
  if (!keys_ || item.key != keys_->item_key()) return;
  auto owner = salts_.find(item.salt);
  if (owner == salts_.end()) return;
  const DeviceId device = owner->second;
  auto record = keys_->Open(device, item.value);
  if (!record) {
    ctx_.Log("reach: the record at " + ctx_.Name(device) + "'s place in the DHT is not usable: " +
             Describe(record.error()));
    return;
  }
  const int64_t age_us = ctx_.Now() - record->time_us;
  const int64_t max_age_us = std::chrono::duration_cast<std::chrono::microseconds>(kRecordMaxAge).count();
  if (age_us > max_age_us || age_us < -3'600'000'000) return;
  peers_.LearnAddresses(device, record->addresses, record->forwarded);
  if (found_cb_) found_cb_(device, record->addresses);
  std::vector<InviteAddress>& known = found_[device];
  if (known != record->addresses) {
    known = record->addresses;
    ctx_.Log("reach: found " + ctx_.Name(device) + " through the DHT at " + Joined(known));
  }
}

}  // namespace hearth::mesh
