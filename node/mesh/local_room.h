// How much of the household's music this device can hold: its disk's free
// space above a floor the user keeps free (serve --keep-free, 5% by
// default), capped by the admin's capacity for it. What it reports of itself
// in STATE (protocol/placement_messages.h).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "protocol/placement_messages.h"

namespace hearth::mesh {

struct DiskSpace {
  uint64_t free = 0;   // bytes an unprivileged writer may still use
  uint64_t total = 0;  // bytes of the file system
};
// statvfs of the file system holding `path`.
std::expected<DiskSpace, std::string> StatDisk(const std::string& path);
// Injected where tests need a disk of a given size.
using DiskSpaceFn = std::function<std::expected<DiskSpace, std::string>(const std::string& path)>;

// The space replication leaves free: a share of the disk or a size.
struct FreeSpaceFloor {
  uint16_t permille = 50;        // 5% unless `bytes` is set
  std::optional<uint64_t> bytes;
  uint64_t On(const DiskSpace& disk) const;
};
// "5%", "0.5%", "10G", "0" (see cli ParseSize for sizes; parsed by the CLI).
std::expected<FreeSpaceFloor, std::string> ParseFreeSpaceFloor(const std::string& percent_text);

// This device's STATE: `held` bytes of blobs, and room = held + `arriving`
// (what fetches under way have written so far: it is the household's too) +
// what the disk has above the floor, rounded down to a 32nd of its order of
// magnitude (at least 1 MiB) and capped by `capacity`. The disk counts as
// full once its free space is at the floor.
DeviceState LocalState(uint16_t availability, uint64_t held, uint64_t arriving, std::optional<uint64_t> capacity,
                       const DiskSpace& disk, const FreeSpaceFloor& floor);

// Whether a fetch of `bytes` more would cross the floor.
bool Fits(uint64_t bytes, const DiskSpace& disk, const FreeSpaceFloor& floor);

}  // namespace hearth::mesh
