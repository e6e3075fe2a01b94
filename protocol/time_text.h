// Times as people and JSON read them. Pure formatting: the time is given.
#pragma once

#include <cstdint>
#include <string>

namespace hearth {

// "2026-11-21T12:00:00Z" (UTC, whole seconds) for microseconds since 1970.
std::string FormatTime(int64_t time_us);

}  // namespace hearth
