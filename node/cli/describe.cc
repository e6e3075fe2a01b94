#include "node/cli/describe.h"

#include "crypto/base32.h"

#include <ctime>

#include <fmt/format.h>

#include "protocol/byte_io.h"
#include "protocol/claim_details.h"
#include "protocol/listener_details.h"

namespace hearth::cli {
namespace {

const char* ProvenanceName(Provenance p) {
  switch (p) {
    case Provenance::kRipped: return "ripped";
    case Provenance::kPurchased: return "purchased";
    case Provenance::kImported: return "imported";
  }
  return "unknown";
}

std::optional<ClaimDetails> OpenDetails(const SignedEntry& e, const TrackClaim& c,
                                        const crypto::ContentSecret* secret) {
  if (!secret) return std::nullopt;
  auto d = OpenClaimDetails(*secret, e.entry.household, e.entry.author, c.blob, c.sealed_details);
  if (!d) return std::nullopt;
  return *d;
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  if (bytes >= 1'000'000'000'000) return fmt::format("{:.1f} TB", bytes / 1e12);
  if (bytes >= 1'000'000'000) return fmt::format("{:.1f} GB", bytes / 1e9);
  if (bytes >= 1'000'000) return fmt::format("{:.1f} MB", bytes / 1e6);
  if (bytes >= 1'000) return fmt::format("{:.0f} KB", bytes / 1e3);
  return fmt::format("{} B", bytes);
}

std::expected<uint64_t, std::string> ParseSize(const std::string& text) {
  const std::string usage = "a size is a number with an optional K, M, G or T (e.g. 500M or 1.5T), not \"" + text + "\"";
  // Whole and fractional digits, then the unit.
  size_t i = 0;
  uint64_t whole = 0;
  size_t whole_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++whole_digits) {
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - digit) / 10) return std::unexpected("the size " + text + " is too large");
    whole = whole * 10 + digit;
  }
  uint64_t frac = 0, frac_scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    size_t frac_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
      if (frac_digits >= 6) continue;  // finer than a millionth of a unit: ignored
      frac = frac * 10 + static_cast<uint64_t>(text[i] - '0');
      frac_scale *= 10;
    }
    if (frac_digits == 0) return std::unexpected(usage);
  }
  if (whole_digits == 0) return std::unexpected(usage);
  std::string unit = AsciiLower(text.substr(i));
  if (unit.size() == 2 && unit[1] == 'b') unit.pop_back();
  uint64_t multiplier = 1;
  if (unit == "k") multiplier = 1'000;
  else if (unit == "m") multiplier = 1'000'000;
  else if (unit == "g") multiplier = 1'000'000'000;
  else if (unit == "t") multiplier = 1'000'000'000'000;
  else if (!unit.empty() && unit != "b") return std::unexpected(usage);
  if (whole > UINT64_MAX / multiplier) return std::unexpected("the size " + text + " is too large");
  const uint64_t fraction = multiplier / frac_scale * frac;  // multiplier >= frac_scale unless unit-less
  if (multiplier < frac_scale && frac != 0) return std::unexpected("the size " + text + " is finer than a byte");
  if (whole * multiplier > UINT64_MAX - fraction) return std::unexpected("the size " + text + " is too large");
  return whole * multiplier + fraction;
}

nlohmann::json MemberJson(const Member& m) {
  nlohmann::json j = {{"id", DeviceText(m.device)},
                      {"short", DeviceShort(m.device)},
                      {"name", m.name},
                      {"role", RoleName(m.role)},
                      {"admin", m.admin},
                      {"founder", m.founder},
                      {"added_by", m.added_by.Hex()},
                      {"revoked", m.revoked},
                      {"equivocated", m.equivocated}};
  if (m.revoked_by) {
    j["revoked_by"] = m.revoked_by->Hex();
    j["revoke_reason"] = m.revoke_reason;
  }
  return j;
}

nlohmann::json BodyJson(const SignedEntry& e, const crypto::ContentSecret* secret) {
  using nlohmann::json;
  return std::visit(
      [&](const auto& b) -> json {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Genesis>) {
          json j = {{"household_name", b.household_name}, {"founder_name", b.founder_name}};
          if (b.recovery_key) j["recovery_key"] = crypto::Base32Encode(*b.recovery_key);
          return j;
        } else if constexpr (std::is_same_v<T, DeviceAdd>) {
          return {{"device", DeviceText(b.device)}, {"role", RoleName(b.role)},
                  {"admin", b.admin}, {"name", b.name}};
        } else if constexpr (std::is_same_v<T, DeviceRevoke>) {
          return {{"device", DeviceText(b.device)}, {"reason", b.reason}};
        } else if constexpr (std::is_same_v<T, TrackClaim>) {
          json j = {{"blob", b.blob.Hex()},
                    {"plaintext_length", b.plaintext_length},
                    {"sealed_details_bytes", b.sealed_details.size()}};
          if (auto d = OpenDetails(e, b, secret)) {
            json meta = json::object();
            for (const auto& [k, v] : d->metadata) meta[k] = v;
            j["details"] = {{"track_id", d->track.Hex()},
                            {"file_id", d->file.Hex()},
                            {"format", d->format},
                            {"duration_ms", d->duration_ms},
                            {"metadata", meta},
                            {"provenance", ProvenanceName(d->provenance)},
                            {"provenance_detail", d->provenance_detail},
                            {"acquired", FormatTime(d->acquired_us)}};
          }
          return j;
        } else if constexpr (std::is_same_v<T, TrackRelease>) {
          return {{"claim", b.claim.Hex()}};
        } else if constexpr (std::is_same_v<T, RecoverySet>) {
          return {{"recovery_key", crypto::Base32Encode(b.key)}};
        } else if constexpr (std::is_same_v<T, RecoveryUse>) {
          return {{"recovery_key", crypto::Base32Encode(b.key)}, {"proof_bytes", b.proof.size()}};
        } else if constexpr (std::is_same_v<T, ListenerSet>) {
          json j = {{"listener", b.listener.Hex()}, {"sealed_bytes", b.sealed.size()}};
          // The name and role only: never the verifier or the secrets.
          if (secret)
            if (auto d = OpenListenerDetails(*secret, e.entry.household, b.listener, b.sealed))
              j["details"] = {{"name", d->name}, {"admin", d->admin}};
          return j;
        } else if constexpr (std::is_same_v<T, ListenerRemove>) {
          return {{"listener", b.listener.Hex()}};
        } else {
          json budgets = json::array();
          for (const auto& bud : b.budgets)
            budgets.push_back({{"device", DeviceText(bud.device)}, {"bytes", bud.bytes}});
          json capacities = json::array();
          for (const auto& c : b.capacities)
            capacities.push_back({{"device", DeviceText(c.device)}, {"bytes", c.bytes}});
          return {{"copies", b.copies},       {"stream_limit", b.stream_limit}, {"budgets", budgets},
                  {"capacities", capacities}, {"reach", b.reach}};
        }
      },
      e.entry.body);
}

std::string BodySummary(const SignedEntry& e, const crypto::ContentSecret* secret) {
  return std::visit(
      [&](const auto& b) -> std::string {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Genesis>) {
          return fmt::format("household=\"{}\" founder=\"{}\"", b.household_name, b.founder_name);
        } else if constexpr (std::is_same_v<T, DeviceAdd>) {
          return fmt::format("device={} name=\"{}\" role={}{}", DeviceShort(b.device), b.name,
                             RoleName(b.role), b.admin ? " admin" : "");
        } else if constexpr (std::is_same_v<T, DeviceRevoke>) {
          return fmt::format("device={} reason=\"{}\"", DeviceShort(b.device), b.reason);
        } else if constexpr (std::is_same_v<T, TrackClaim>) {
          std::string s = fmt::format("blob={} bytes={}", b.blob.ShortHex(), b.plaintext_length);
          if (auto d = OpenDetails(e, b, secret)) {
            for (const auto& [k, v] : d->metadata)
              if (k == "title" || k == "artist") s += fmt::format(" {}=\"{}\"", k, v);
          } else {
            s += " (details sealed)";
          }
          return s;
        } else if constexpr (std::is_same_v<T, TrackRelease>) {
          return fmt::format("claim={}", b.claim.ShortHex());
        } else if constexpr (std::is_same_v<T, RecoverySet>) {
          return fmt::format("recovery key={}", crypto::Base32Encode(b.key).substr(0, 8));
        } else if constexpr (std::is_same_v<T, RecoveryUse>) {
          return fmt::format("with recovery key={}: the author becomes an admin", crypto::Base32Encode(b.key).substr(0, 8));
        } else if constexpr (std::is_same_v<T, ListenerSet>) {
          if (secret)
            if (auto d = OpenListenerDetails(*secret, e.entry.household, b.listener, b.sealed))
              return fmt::format("listener=\"{}\"{}", d->name, d->admin ? " admin" : "");
          return fmt::format("listener={} (sealed)", b.listener.ShortHex());
        } else if constexpr (std::is_same_v<T, ListenerRemove>) {
          return fmt::format("listener={} removed", b.listener.ShortHex());
        } else {
          return fmt::format("copies={} stream_limit={} budgets={} capacities={} reach={}", b.copies,
                             b.stream_limit, b.budgets.size(), b.capacities.size(), b.reach ? "on" : "off");
        }
      },
      e.entry.body);
}

std::expected<DeviceId, std::string> ResolveDevice(const LedgerState& state, const std::string& key) {
  std::vector<DeviceId> named, prefixed;
  for (const auto& [id, m] : state.members) {
    if (m.name == key) named.push_back(id);
    else if (!key.empty() && DeviceText(id).starts_with(key)) prefixed.push_back(id);
  }
  const std::vector<DeviceId>& found = named.empty() ? prefixed : named;
  if (found.empty()) return std::unexpected("no device named or starting with \"" + key + "\"; see `hearth devices`");
  if (found.size() > 1) return std::unexpected("\"" + key + "\" names several devices; give more of the id");
  return found.front();
}

}  // namespace hearth::cli
