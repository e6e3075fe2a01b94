// How ledger things are shown: JSON objects for --json and one-line text for
// people. Pure formatting; no I/O.
#pragma once

#include <expected>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/content_secret.h"
#include "protocol/ledger.h"
#include "protocol/time_text.h"

namespace hearth::cli {

// "1.5 MB", "320 KB", "12 B".
std::string HumanBytes(uint64_t bytes);

// "500M", "2G", "1.5T", "750000000", "0" -> bytes (K, M, G, T are powers of
// 1000; a trailing B is allowed). The error says what a size looks like, or
// that it is too large to be a size at all.
std::expected<uint64_t, std::string> ParseSize(const std::string& text);

nlohmann::json MemberJson(const Member& m);

// The body of an entry as JSON. Claims show their sealed details decoded
// when `secret` is given (and they open), else only what is in clear.
nlohmann::json BodyJson(const SignedEntry& e, const crypto::ContentSecret* secret);

// One line: "genesis household=\"Home\" founder=\"pc\"".
std::string BodySummary(const SignedEntry& e, const crypto::ContentSecret* secret);

// The member `key` names: an exact name (which wins over id prefixes, since
// a random id may start with any name's letters), else a prefix of its id
// text. The error says whether none or several matched.
std::expected<DeviceId, std::string> ResolveDevice(const LedgerState& state, const std::string& key);

}  // namespace hearth::cli
