// ConnectionTable: who holds the HTTP server's connection slots, and whom
// to let go when a new client arrives and the slots run short.
//
// A connection is in one of three states:
//   waiting -- open, with no byte of a next request yet (a fresh connection,
//              or a keep-alive one between requests);
//   reading -- a request has begun to arrive but is not whole;
//   busy    -- a request is being answered (a stream, a transcode), or the
//              next one arrived with it (pipelined).
//
// Admission of a new connection from address A (Admit):
//  1. A already holds `per_address` connections: one of A's own waiting or
//     reading connections makes room; if all of A's are busy, refused.
//  2. All `total` slots are taken: another connection makes room; if every
//     slot is busy answering, refused.
//  3. Making room is rationed: A may push connections out `per_address`
//     times a second, in bursts of twice that; past it, refused. (Else an
//     attacker whose connections are let go would reconnect at once, push
//     out the next, and keep the node busy doing nothing else.) While there
//     is room, nobody is rationed.
//  Among the candidates the victim is chosen by, in order: not fresh
//  (admitted more than `grace` ago: it had its chance to send a request)
//  before fresh; waiting before reading; from the address that holds the
//  most connections; the one that has been in its state longest. So a
//  flood of idle or slowloris connections, from one address or many, only
//  ever pushes out its own kind, a client that sends its request at once
//  is let in and read, and nothing being answered is cut off.
//
// Not thread-safe: used on the server's one thread. The clock is passed in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace hearth::http {

class ConnectionTable {
 public:
  using Id = uint64_t;
  using Address = boost::asio::ip::address;
  using Time = std::chrono::steady_clock::time_point;
  enum class State { kWaiting, kReading, kBusy };

  struct Limits {
    size_t total = 512;
    size_t per_address = 32;
    std::chrono::milliseconds grace{250};
  };
  enum class Refusal { kNone, kTooFast, kAllBusy };
  struct Admission {
    std::optional<Id> id;       // the new connection's; nullopt: refused
    std::optional<Id> evicted;  // let go to make room (already removed)
    Refusal refusal = Refusal::kNone;
  };

  explicit ConnectionTable(Limits limits) : limits_(limits) {}

  // Decides on a new connection from `address`; an admitted one is
  // recorded as waiting since `now`. The caller closes `evicted`.
  Admission Admit(const Address& address, Time now);
  // A waiting or reading connection to let go when something other than a
  // new client needs room (the process is out of file descriptors).
  std::optional<Id> AnyVictim(Time now) const;

  void Set(Id id, State state, Time now);  // no-op for an unknown id
  void Remove(Id id);                      // no-op for an unknown id

  size_t size() const { return entries_.size(); }
  size_t CountAt(const Address& address) const;
  size_t CountIn(State state) const;
  bool Contains(Id id) const { return entries_.contains(id); }

 private:
  struct Entry {
    Address address;
    State state;
    Time since;  // in this state
    Time added;
  };
  struct Bucket {
    double tokens = 0;
    Time refilled;
  };
  // The best victim among waiting/reading entries, only those from `only`
  // if given.
  std::optional<Id> Victim(const std::optional<Address>& only, Time now) const;
  bool TakeToken(const Address& address, Time now);

  Limits limits_;
  Id next_id_ = 1;
  std::unordered_map<Id, Entry> entries_;
  std::map<Address, size_t> per_address_;
  std::map<Address, Bucket> buckets_;  // bounded: full ones are dropped
};

}  // namespace hearth::http
