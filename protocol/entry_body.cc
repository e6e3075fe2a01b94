#include "protocol/entry_body.h"

#include "crypto/hash.h"
#include "protocol/byte_io.h"

namespace hearth {

std::string_view TypeName(EntryType t) {
  switch (t) {
    case EntryType::kGenesis: return "genesis";
    case EntryType::kDeviceAdd: return "device.add";
    case EntryType::kDeviceRevoke: return "device.revoke";
    case EntryType::kTrackClaim: return "track.claim";
    case EntryType::kTrackRelease: return "track.release";
    case EntryType::kPolicySet: return "policy.set";
    case EntryType::kRecoverySet: return "recovery.set";
    case EntryType::kRecoveryUse: return "recovery.use";
    case EntryType::kListenerSet: return "listener.set";
    case EntryType::kListenerRemove: return "listener.remove";
  }
  return "unknown";
}

bool IsAdminOnly(EntryType t) {
  return t == EntryType::kDeviceAdd || t == EntryType::kDeviceRevoke || t == EntryType::kPolicySet ||
         t == EntryType::kRecoverySet || t == EntryType::kListenerSet || t == EntryType::kListenerRemove;
}

Bytes RecoveryProofBytes(const HouseholdId& household, const DeviceId& author, uint64_t seq) {
  ByteWriter w;
  w.Fixed(AsBytes("hearth/recovery/v1"));
  w.Fixed(household.bytes);
  w.Fixed(author.bytes);
  w.U64(seq);
  return w.Take();
}

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kFull: return "full";
    case Role::kPhone: return "phone";
    case Role::kStorage: return "storage";
  }
  return "unknown";
}

EntryType TypeOf(const Body& body) {
  return static_cast<EntryType>(body.index() + 1);
}

namespace {

struct Encoder {
  ByteWriter& w;
  void operator()(const Genesis& g) {
    w.Fixed(g.nonce);
    w.Str(g.household_name);
    w.Str(g.founder_name);
    // Came later: absent, the genesis ends here (its one encoding of before).
    if (g.recovery_key) w.Fixed(*g.recovery_key);
  }
  void operator()(const RecoverySet& s) { w.Fixed(s.key); }
  void operator()(const ListenerSet& s) {
    w.Fixed(s.listener.bytes);
    w.Blob(s.sealed);
  }
  void operator()(const ListenerRemove& r) { w.Fixed(r.listener.bytes); }
  void operator()(const RecoveryUse& u) {
    w.Fixed(u.key);
    w.Fixed(u.proof);
    // Came later: absent, the body ends here (its one encoding of before).
    if (u.join) {
      w.U8(static_cast<uint8_t>(u.join->role));
      w.Str(u.join->name);
    }
  }
  void operator()(const DeviceAdd& a) {
    w.Fixed(a.device.bytes);
    w.U8(static_cast<uint8_t>(a.role));
    w.U8(a.admin ? 1 : 0);
    w.Str(a.name);
  }
  void operator()(const DeviceRevoke& r) {
    w.Fixed(r.device.bytes);
    w.Str(r.reason);
  }
  void operator()(const TrackClaim& c) {
    w.Fixed(c.blob.bytes);
    w.U64(c.plaintext_length);
    w.Blob(c.sealed_details);
  }
  void operator()(const TrackRelease& r) { w.Fixed(r.claim.bytes); }
  void operator()(const PolicySet& p) {
    w.U8(p.copies);
    w.U16(p.stream_limit);
    w.U16(static_cast<uint16_t>(p.budgets.size()));
    for (const auto& b : p.budgets) {
      w.Fixed(b.device.bytes);
      w.U64(b.bytes);
    }
    // Capacities, then flags, came later: each is absent when it says
    // nothing (and nothing follows), so every policy written before them
    // keeps its one encoding. Flags after no capacities need m = 0.
    const uint8_t flags = (p.reach ? kPolicyReach : 0) | (p.relay_limits.empty() ? 0 : kPolicyRelayLimits);
    if (p.capacities.empty() && flags == 0) return;
    w.U16(static_cast<uint16_t>(p.capacities.size()));
    for (const auto& c : p.capacities) {
      w.Fixed(c.device.bytes);
      w.U64(c.bytes);
    }
    if (flags != 0) w.U8(flags);
    if (p.relay_limits.empty()) return;
    w.U16(static_cast<uint16_t>(p.relay_limits.size()));
    for (const auto& l : p.relay_limits) {
      w.Fixed(l.device.bytes);
      w.U64(l.bytes_per_second);
    }
  }
};

template <typename Tag>
Id32<Tag> ReadId(ByteReader& r) {
  Id32<Tag> id;
  r.Fixed(id.bytes);
  return id;
}

std::expected<Body, std::string> DecodeFields(EntryType type, ByteReader& r) {
  switch (type) {
    case EntryType::kGenesis: {
      Genesis g;
      r.Fixed(g.nonce);
      g.household_name = r.Str(kMaxNameBytes);
      g.founder_name = r.Str(kMaxNameBytes);
      if (r.ok() && g.household_name.empty()) return std::unexpected("empty household name");
      if (r.ok() && !r.AtEnd()) {
        RecoveryKey k{};
        r.Fixed(k);
        g.recovery_key = k;
      }
      return g;
    }
    case EntryType::kDeviceAdd: {
      DeviceAdd a;
      a.device = ReadId<DeviceTag>(r);
      uint8_t role = r.U8();
      uint8_t admin = r.U8();
      a.name = r.Str(kMaxNameBytes);
      if (role < 1 || role > 3) return std::unexpected("unknown device role");
      if (admin > 1) return std::unexpected("admin flag is not 0 or 1");
      a.role = static_cast<Role>(role);
      a.admin = admin == 1;
      if (a.admin && a.role == Role::kStorage)
        return std::unexpected("a storage device cannot be an admin");
      return a;
    }
    case EntryType::kDeviceRevoke: {
      DeviceRevoke v;
      v.device = ReadId<DeviceTag>(r);
      v.reason = r.Str(kMaxReasonBytes);
      return v;
    }
    case EntryType::kTrackClaim: {
      TrackClaim c;
      c.blob = ReadId<BlobTag>(r);
      c.plaintext_length = r.U64();
      c.sealed_details = r.Blob(kMaxSealedDetailsBytes);
      return c;
    }
    case EntryType::kTrackRelease: {
      TrackRelease t;
      t.claim = ReadId<EntryTag>(r);
      return t;
    }
    case EntryType::kPolicySet: {
      PolicySet p;
      p.copies = r.U8();
      p.stream_limit = r.U16();
      size_t n = r.U16();
      if (n > kMaxBudgets) return std::unexpected("too many storage budgets");
      for (size_t i = 0; i < n && r.ok(); ++i) {
        StorageBudget b{ReadId<DeviceTag>(r), r.U64()};
        if (!p.budgets.empty() && !(p.budgets.back().device < b.device))
          return std::unexpected("storage budgets not sorted by device");
        p.budgets.push_back(b);
      }
      if (r.ok() && !r.AtEnd()) {
        size_t m = r.U16();
        if (m > kMaxBudgets) return std::unexpected("too many capacities");
        for (size_t i = 0; i < m && r.ok(); ++i) {
          DeviceCapacity c{ReadId<DeviceTag>(r), r.U64()};
          if (!p.capacities.empty() && !(p.capacities.back().device < c.device))
            return std::unexpected("capacities not sorted by device");
          if (r.ok() && c.bytes == 0) return std::unexpected("a capacity of 0 is written as none");
          p.capacities.push_back(c);
        }
        if (r.ok() && !r.AtEnd()) {
          const uint8_t flags = r.U8();
          if (r.ok() && flags == 0) return std::unexpected("policy flags of 0 are written as none");
          if (r.ok() && (flags & ~(kPolicyReach | kPolicyRelayLimits)) != 0)
            return std::unexpected("unknown policy flags");
          p.reach = (flags & kPolicyReach) != 0;
          if (flags & kPolicyRelayLimits) {
            const size_t k = r.U16();
            if (r.ok() && (k == 0 || k > kMaxBudgets)) return std::unexpected("relay limits must number 1..256");
            for (size_t i = 0; i < k && r.ok(); ++i) {
              RelayLimit l{ReadId<DeviceTag>(r), r.U64()};
              if (!p.relay_limits.empty() && !(p.relay_limits.back().device < l.device))
                return std::unexpected("relay limits not sorted by device");
              if (r.ok() && l.bytes_per_second == 0) return std::unexpected("a relay limit of 0 is written as none");
              p.relay_limits.push_back(l);
            }
          }
        } else if (r.ok() && m == 0) {
          return std::unexpected("an empty capacity list is written as none");
        }
      }
      if (r.ok() && (p.copies < 1 || p.copies > kMaxCopies))
        return std::unexpected("copies must be 1..16");
      return p;
    }
    case EntryType::kRecoverySet: {
      RecoverySet k;
      r.Fixed(k.key);
      return k;
    }
    case EntryType::kRecoveryUse: {
      RecoveryUse u;
      r.Fixed(u.key);
      r.Fixed(u.proof);
      if (r.ok() && !r.AtEnd()) {
        RecoveryJoin j;
        const uint8_t role = r.U8();
        if (r.ok() && role != static_cast<uint8_t>(Role::kFull) && role != static_cast<uint8_t>(Role::kPhone))
          return std::unexpected("a device joining by recovery is full or phone");
        j.role = static_cast<Role>(role);
        j.name = r.Str(kMaxNameBytes);
        u.join = std::move(j);
      }
      return u;
    }
    case EntryType::kListenerSet: {
      ListenerSet s;
      s.listener = ReadId<ListenerTag>(r);
      s.sealed = r.Blob(kMaxSealedListenerBytes);
      if (r.ok() && s.sealed.empty()) return std::unexpected("a listener's sealed details are empty");
      return s;
    }
    case EntryType::kListenerRemove: {
      ListenerRemove x;
      x.listener = ReadId<ListenerTag>(r);
      return x;
    }
  }
  return std::unexpected("unknown entry type");
}

}  // namespace

Bytes EncodeBody(const Body& body) {
  ByteWriter w;
  std::visit(Encoder{w}, body);
  return w.Take();
}

std::expected<Body, LedgerError> DecodeBody(EntryType type, ByteSpan bytes) {
  ByteReader r(bytes);
  auto body = DecodeFields(type, r);
  std::string what(TypeName(type));
  if (!body) return std::unexpected(LedgerError{LedgerErrc::kMalformed, what + " body: " + body.error()});
  if (!r.ok()) return std::unexpected(LedgerError{LedgerErrc::kMalformed, what + " body is truncated or has a bad field"});
  if (!r.AtEnd()) return std::unexpected(LedgerError{LedgerErrc::kMalformed, what + " body has trailing bytes"});
  return std::move(*body);
}

HouseholdId DeriveHouseholdId(const DeviceId& founder, const Genesis& genesis) {
  ByteWriter w;
  w.Fixed(AsBytes("hearth/household/v1"));
  w.Fixed(founder.bytes);
  w.Fixed(genesis.nonce);
  w.Str(genesis.household_name);
  return HouseholdId{crypto::Blake2b256(w.bytes())};
}

}  // namespace hearth
